// log: leveled logging to stderr, one line per record, safe from any thread.
#ifndef OUTRIG_LOG_H
#define OUTRIG_LOG_H

#include <stdbool.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level;

// Sets the process-wide name shown in each record (copied) and the minimum level.
void log_init(const char *name, log_level min);
// Parses "debug|info|warn|error" into *out; returns 0 or -EINVAL.
int log_level_parse(const char *s, log_level *out);
void log_set_level(log_level min);
bool log_enabled(log_level l);
void log_write(log_level l, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_debug(...) do { if (log_enabled(LOG_DEBUG)) log_write(LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__); } while (0)
#define log_info(...) log_write(LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

#endif
