#include "core/status.h"

#include <stdarg.h>
#include <string.h>

static _Thread_local char last_error[1024];

const char *halo_status_str(enum halo_status s)
{
    switch (s) {
    case HALO_OK: return "ok";
    case HALO_ERR_NOMEM: return "out of memory";
    case HALO_ERR_INVALID: return "invalid input";
    case HALO_ERR_IO: return "i/o error";
    case HALO_ERR_PARSE: return "parse error";
    case HALO_ERR_UNSUPPORTED: return "unsupported";
    case HALO_ERR_BACKEND: return "backend error";
    case HALO_ERR_NODEVICE: return "no device";
    case HALO_ERR_MPI: return "mpi error";
    case HALO_ERR_TIMEOUT: return "timeout";
    case HALO_ERR_MISMATCH: return "mismatch";
    case HALO_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

enum halo_status halo_error(enum halo_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return s;
}

void halo_error_prefix(const char *fmt, ...)
{
    char prefix[512], old[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof last_error - 3) n = sizeof last_error - 3;
    memcpy(last_error, prefix, n);
    memcpy(last_error + n, ": ", 2);
    size_t m = strlen(old);
    if (m > sizeof last_error - n - 3) m = sizeof last_error - n - 3;
    memcpy(last_error + n + 2, old, m);
    last_error[n + 2 + m] = '\0';
}

const char *halo_error_msg(void) { return last_error; }

void halo_error_clear(void) { last_error[0] = '\0'; }
