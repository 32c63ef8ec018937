// Helpers shared by the command groups: reading values and formatting.
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"

int cmd_read_file(const char *path, size_t max, char **data, size_t *len)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "outrig: cannot open %s: %s\n", path, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        if (n == cap) {
            char *b = cap > max ? NULL : realloc(buf, cap * 2);
            if (!b) {
                fprintf(stderr, "outrig: %s is larger than %zu bytes\n",
                        is_stdin ? "standard input" : path, max);
                rc = CLI_EXIT_FAIL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                fprintf(stderr, "outrig: cannot read %s: %s\n", path, strerror(errno));
                rc = CLI_EXIT_FAIL;
            }
            break;
        }
    }
    if (!buf) {
        fprintf(stderr, "outrig: out of memory\n");
        rc = CLI_EXIT_FAIL;
    } else if (rc == 0 && n > max) {
        fprintf(stderr, "outrig: %s is larger than %zu bytes\n", is_stdin ? "standard input" : path,
                max);
        rc = CLI_EXIT_FAIL;
    }
    if (!is_stdin)
        fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

void cmd_format_time(uint64_t unix_ms, char *buf, size_t len)
{
    if (unix_ms == 0) {
        snprintf(buf, len, "-");
        return;
    }
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[32];
    strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03uZ", b, (unsigned)(unix_ms % 1000));
}

void cmd_json_bytes(out_json *j, const char *name, const void *data, size_t len)
{
    if (out_utf8_valid(data, len)) {
        out_json_key(j, name);
        out_json_strn(j, data, len);
        return;
    }
    char key[64];
    snprintf(key, sizeof(key), "%s_base64", name);
    out_json_key(j, key);
    out_json_base64(j, data, len);
}

// "3d4h", "2h5m", "4m10s", "12s".
void cmd_format_uptime(uint64_t ms, char *buf, size_t len)
{
    uint64_t s = ms / 1000;
    if (s >= 86400)
        snprintf(buf, len, "%" PRIu64 "d%" PRIu64 "h", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        snprintf(buf, len, "%" PRIu64 "h%" PRIu64 "m", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(buf, len, "%" PRIu64 "m%" PRIu64 "s", s / 60, s % 60);
    else
        snprintf(buf, len, "%" PRIu64 "s", s);
}
