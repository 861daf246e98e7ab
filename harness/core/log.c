#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level = -1;

void halo_log_set_level(enum halo_log_level l) { level = (int)l; }

static int current_level(void)
{
    if (level >= 0) return level;
    const char *e = getenv("HALO_LOG");
    level = HALO_LOG_WARN;
    if (e) {
        if (!strcmp(e, "debug")) level = HALO_LOG_DEBUG;
        else if (!strcmp(e, "info")) level = HALO_LOG_INFO;
        else if (!strcmp(e, "error")) level = HALO_LOG_ERROR;
    }
    return level;
}

void halo_log(enum halo_log_level l, const char *fmt, ...)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    if ((int)l > current_level()) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "halo: %s: ", names[l]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
