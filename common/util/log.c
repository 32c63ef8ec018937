#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char log_name[32] = "outrig";
static volatile log_level log_min = LOG_INFO;

static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *name, log_level min)
{
    snprintf(log_name, sizeof log_name, "%s", name ? name : "outrig");
    log_min = min;
}

int log_level_parse(const char *s, log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (s && strcmp(s, log_names[i]) == 0) {
            *out = (log_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

void log_set_level(log_level min) { log_min = min; }

bool log_enabled(log_level l) { return l >= log_min; }

void log_write(log_level l, const char *file, int line, const char *fmt, ...)
{
    if (l < log_min)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    const char *base = strrchr(file, '/');
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03ld %s[%d] %-5s %s:%d: ", tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_name, (int)getpid(),
                     log_names[l], base ? base + 1 : file, line);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof buf)
        n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf - 1)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    // One write() per record keeps lines whole when several threads log.
    ssize_t w = write(STDERR_FILENO, buf, (size_t)n);
    (void)w;
}
