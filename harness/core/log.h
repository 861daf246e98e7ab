/* log: messages to stderr with a level. Library code logs; it never prints to stdout. */
#ifndef HALO_LOG_H
#define HALO_LOG_H

enum halo_log_level { HALO_LOG_ERROR, HALO_LOG_WARN, HALO_LOG_INFO, HALO_LOG_DEBUG };

/* Messages above this level are dropped (default WARN; HALO_LOG=debug|info|warn|error overrides). */
void halo_log_set_level(enum halo_log_level level);
void halo_log(enum halo_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define HALO_WARN(...) halo_log(HALO_LOG_WARN, __VA_ARGS__)
#define HALO_INFO(...) halo_log(HALO_LOG_INFO, __VA_ARGS__)
#define HALO_DEBUG(...) halo_log(HALO_LOG_DEBUG, __VA_ARGS__)

#endif
