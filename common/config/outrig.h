// cfg_outrig: the typed outrig.yaml that outrigd runs from (deploy/outrig.yaml
// documents every key). Built in layers, each overriding the one before:
// embedded defaults, the YAML file, OUTRIG_* environment variables, then
// whatever the caller sets (flags); cfg_outrig_finish() derives the rest and
// validates the whole. All strings are bounded copies: the struct owns nothing
// on the heap. It is large (~370 KiB): allocate it, and free it with free().
#ifndef OUTRIG_CFG_OUTRIG_H
#define OUTRIG_CFG_OUTRIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/tree.h"

#define CFG_NAME_MAX 32  // service names: [a-z0-9_-], 1..31 bytes
#define CFG_PATH_MAX 256 // paths and URLs
#define CFG_KEY_MAX 64   // --set keys and environment names
#define CFG_VAL_MAX 256  // --set and environment values
#define CFG_MAX_SERVICES 32
#define CFG_MAX_DEPS 16
#define CFG_MAX_KV 16 // set: and env: entries per service

typedef struct cfg_kv {
    char key[CFG_KEY_MAX];
    char value[CFG_VAL_MAX];
} cfg_kv;

typedef struct cfg_service {
    char name[CFG_NAME_MAX];
    char binary[CFG_PATH_MAX]; // "" = outrig-<name>, found by outrigd (next to it, then PATH)
    char listen[CFG_PATH_MAX]; // "" until finish: ipc://<run_dir>/<name>.sock
    bool enabled;
    uint32_t order; // start rank among services with no dependency between them
    char deps[CFG_MAX_DEPS][CFG_NAME_MAX];
    size_t ndeps;
    cfg_kv sets[CFG_MAX_KV]; // passed as --set key=value
    size_t nsets;
    cfg_kv env[CFG_MAX_KV]; // added to the service's environment
    size_t nenv;
    int line, col; // where the file declares it; 0 when embedded
} cfg_service;

typedef struct cfg_restart {
    uint32_t backoff_initial_ms; // first delay before a restart
    uint32_t backoff_max_ms;     // the delay doubles per restart up to this
    uint32_t max_restarts;       // 0..100; more crashes than this within window_ms: FAILED
    uint32_t window_ms;
    uint32_t stop_grace_ms;      // SIGTERM, then SIGKILL after this
    uint32_t start_timeout_ms;   // a start not SERVING by then counts as a crash
    uint32_t health_interval_ms; // Health/Check of a SERVING service this often; 0 = never
    uint32_t health_failures;    // this many failed checks in a row: stopped, counted as a crash
} cfg_restart;

typedef struct cfg_outrig {
    char config_path[CFG_PATH_MAX]; // "" = no file, embedded defaults
    char run_dir[CFG_PATH_MAX];
    char data_dir[CFG_PATH_MAX];
    char bin_dir[CFG_PATH_MAX]; // "" = next to outrigd, then PATH
    int log_level;              // util/log.h log_level
    bool metrics;               // serve /metrics on metrics_base_port + index
    uint16_t metrics_base_port;
    cfg_restart restart;
    cfg_service services[CFG_MAX_SERVICES];
    size_t nservices;
} cfg_outrig;

// Looks up an environment variable (getenv in production, a table in tests).
typedef const char *(*cfg_getenv_fn)(const char *name);

// The embedded default: every built-in service enabled on ipc:// under
// ./var/run/outrig, data under ./var/lib/outrig, info logs, metrics off.
void cfg_outrig_defaults(cfg_outrig *c);
// The built-in services in start order (store, hub, ...) and their count.
const char *cfg_outrig_builtin(size_t i);
size_t cfg_outrig_builtin_count(void);

// Applies one YAML document on top of c. A `services:` key replaces the
// service list entirely. 0, or -EINVAL with err "file:line:col: message".
int cfg_outrig_parse(cfg_outrig *c, const char *name, const void *buf, size_t len, cfg_error *err);
// cfg_outrig_parse on a file (recorded in config_path); -errno on I/O failure.
int cfg_outrig_parse_file(cfg_outrig *c, const char *path, cfg_error *err);
// Applies OUTRIG_RUN_DIR, OUTRIG_DATA_DIR, OUTRIG_BIN_DIR, OUTRIG_LOG_LEVEL,
// OUTRIG_METRICS (off|PORT). 0 or -EINVAL ("OUTRIG_METRICS: ...").
int cfg_outrig_apply_env(cfg_outrig *c, cfg_getenv_fn env, cfg_error *err);
// Makes run/data/bin dirs absolute against cwd (when cwd is not NULL), fills
// default listen URLs, checks dependency names, duplicate addresses and the
// metrics port range. 0 or -EINVAL.
int cfg_outrig_finish(cfg_outrig *c, const char *cwd, cfg_error *err);
// defaults, then the file (path, else OUTRIG_CONFIG, else none), env, finish.
int cfg_outrig_load(cfg_outrig *c, const char *path, cfg_getenv_fn env, const char *cwd,
                    cfg_error *err);

// The service named name, or NULL.
const cfg_service *cfg_outrig_service(const cfg_outrig *c, const char *name);
// True when name is a valid service name.
bool cfg_outrig_name_ok(const char *name);

#endif
