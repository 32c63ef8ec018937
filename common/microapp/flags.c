#include "microapp/flags.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct microapp_flag {
    const char *flag;
    const char *env;
    size_t off;
    size_t len;
} microapp_flag;

#define F(name, env, field)                                                                   \
    { name, env, offsetof(microapp_flags, field), sizeof(((microapp_flags *)0)->field) }

static const microapp_flag microapp_flag_table[] = {
    F("--listen", "OUTRIG_LISTEN", listen),
    F("--store", "OUTRIG_STORE", store),
    F("--hub", "OUTRIG_HUB", hub),
    F("--run-dir", "OUTRIG_RUN_DIR", run_dir),
    F("--data-dir", "OUTRIG_DATA_DIR", data_dir),
    F("--metrics", "OUTRIG_METRICS", metrics),
    F("--log-level", "OUTRIG_LOG_LEVEL", log_level),
};
#define MICROAPP_NFLAGS (sizeof microapp_flag_table / sizeof microapp_flag_table[0])

static int microapp_copy(char *dst, size_t len, const char *v, const char *what, char *err,
                         size_t errlen)
{
    if (strlen(v) >= len) {
        snprintf(err, errlen, "%s: value longer than %zu bytes", what, len - 1);
        return -EINVAL;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int microapp_add_set(microapp_flags *f, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        snprintf(err, errlen, "--set: expected KEY=VALUE, got '%s'", kv);
        return -EINVAL;
    }
    if (f->nsets == MICROAPP_MAX_SETS) {
        snprintf(err, errlen, "--set: more than %d options", MICROAPP_MAX_SETS);
        return -EINVAL;
    }
    char *buf = f->set_buf[f->nsets];
    if (microapp_copy(buf, sizeof f->set_buf[0], kv, "--set", err, errlen) != 0)
        return -EINVAL;
    buf[eq - kv] = '\0';
    // A later --set of the same key replaces the earlier one.
    for (size_t i = 0; i < f->nsets; i++) {
        if (strcmp(f->set_keys[i], buf) == 0) {
            memmove(f->set_buf[i], buf, sizeof f->set_buf[0]);
            f->set_vals[i] = f->set_buf[i] + (eq - kv) + 1;
            return 0;
        }
    }
    f->set_keys[f->nsets] = buf;
    f->set_vals[f->nsets] = buf + (eq - kv) + 1;
    f->nsets++;
    return 0;
}

static void microapp_usage(const char *name)
{
    printf("usage: outrig-%s [--listen URL] [--store URL] [--hub URL] [--run-dir DIR]\n"
           "       [--data-dir DIR] [--metrics http://HOST:PORT/metrics|off]\n"
           "       [--log-level debug|info|warn|error] [--set KEY=VALUE]...\n"
           "Each flag may also be given as OUTRIG_<FLAG> in the environment.\n",
           name);
}

int microapp_flags_parse(microapp_flags *f, const char *name, int argc, char **argv, char *err,
                         size_t errlen)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < MICROAPP_NFLAGS; i++) {
        const char *v = getenv(microapp_flag_table[i].env);
        if (v && microapp_copy((char *)f + microapp_flag_table[i].off, microapp_flag_table[i].len,
                               v, microapp_flag_table[i].env, err, errlen) != 0)
            return -EINVAL;
    }
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            microapp_usage(name);
            return 1;
        }
        const char *val = NULL;
        size_t flen = strcspn(arg, "=");
        if (arg[flen] == '=')
            val = arg + flen + 1;
        else if (a + 1 < argc)
            val = argv[a + 1];
        bool inline_val = arg[flen] == '=';
        if (strncmp(arg, "--set", flen) == 0 && flen == 5) {
            if (!val) {
                snprintf(err, errlen, "--set needs KEY=VALUE");
                return -EINVAL;
            }
            if (microapp_add_set(f, val, err, errlen) != 0)
                return -EINVAL;
            a += inline_val ? 0 : 1;
            continue;
        }
        const microapp_flag *m = NULL;
        for (size_t i = 0; i < MICROAPP_NFLAGS; i++) {
            if (strlen(microapp_flag_table[i].flag) == flen &&
                strncmp(microapp_flag_table[i].flag, arg, flen) == 0)
                m = &microapp_flag_table[i];
        }
        if (!m) {
            snprintf(err, errlen, "unknown flag '%s' (try --help)", arg);
            return -EINVAL;
        }
        if (!val) {
            snprintf(err, errlen, "%s needs a value", m->flag);
            return -EINVAL;
        }
        if (microapp_copy((char *)f + m->off, m->len, val, m->flag, err, errlen) != 0)
            return -EINVAL;
        a += inline_val ? 0 : 1;
    }
    if (!f->run_dir[0])
        snprintf(f->run_dir, sizeof f->run_dir, "./var/run/outrig");
    if (!f->data_dir[0] &&
        snprintf(f->data_dir, sizeof f->data_dir, "./var/lib/outrig/%s", name) >=
            (int)sizeof f->data_dir)
        return -EINVAL;
    if (!f->log_level[0])
        snprintf(f->log_level, sizeof f->log_level, "info");
    struct {
        char *dst;
        const char *sock;
    } defs[] = {{f->listen, name}, {f->store, "store"}, {f->hub, "hub"}};
    for (size_t i = 0; i < 3; i++) {
        if (!defs[i].dst[0] && snprintf(defs[i].dst, MICROAPP_PATH_MAX, "ipc://%s/%s.sock",
                                        f->run_dir, defs[i].sock) >= MICROAPP_PATH_MAX) {
            snprintf(err, errlen, "--run-dir: path too long");
            return -EINVAL;
        }
    }
    return 0;
}
