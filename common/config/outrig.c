// outrig.yaml: the typed layer over the cfg tree, env overrides and defaults.
#include "config/outrig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

// The micro-apps outrigd knows, in start order. Adding a service is one line
// here; `order` ranks services that do not depend on each other.
static const struct {
    const char *name;
    uint32_t order;
} cfg_builtin[] = {
    {"store", 10},
    {"hub", 20},
    {"orchestrator", 30}, // after store and hub, which it uses
    {"linker", 40},       // links the CPs of what the orchestrator deploys
};

#define CFG_ORDER_OTHER 100u

static const char *const cfg_levels[] = {"debug", "info", "warn", "error", NULL};

const char *cfg_outrig_builtin(size_t i)
{
    return i < cfg_outrig_builtin_count() ? cfg_builtin[i].name : NULL;
}

size_t cfg_outrig_builtin_count(void)
{
    return sizeof cfg_builtin / sizeof cfg_builtin[0];
}

static uint32_t cfg_default_order(const char *name)
{
    for (size_t i = 0; i < cfg_outrig_builtin_count(); i++)
        if (strcmp(cfg_builtin[i].name, name) == 0)
            return cfg_builtin[i].order;
    return CFG_ORDER_OTHER;
}

static void cfg_service_init(cfg_service *s, const char *name)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->enabled = true;
    s->order = cfg_default_order(name);
}

void cfg_outrig_defaults(cfg_outrig *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->run_dir, sizeof c->run_dir, "./var/run/outrig");
    snprintf(c->data_dir, sizeof c->data_dir, "./var/lib/outrig");
    c->log_level = LOG_INFO;
    c->metrics = false;
    c->metrics_base_port = 9100;
    c->restart = (cfg_restart){
        .backoff_initial_ms = 250,
        .backoff_max_ms = 30000,
        .max_restarts = 5,
        .window_ms = 60000,
        .stop_grace_ms = 5000,
        .start_timeout_ms = 15000,
        .health_interval_ms = 5000,
        .health_failures = 3,
    };
    for (size_t i = 0; i < cfg_outrig_builtin_count(); i++)
        cfg_service_init(&c->services[c->nservices++], cfg_builtin[i].name);
}

bool cfg_outrig_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= CFG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

const cfg_service *cfg_outrig_service(const cfg_outrig *c, const char *name)
{
    for (size_t i = 0; i < c->nservices; i++)
        if (strcmp(c->services[i].name, name) == 0)
            return &c->services[i];
    return NULL;
}

// ---- file -------------------------------------------------------------------

static int cfg_copy(const cfg_doc *d, const cfg_node *n, char *dst, size_t cap, cfg_error *err)
{
    const char *s;
    int rc = cfg_get_str(d, n, cap - 1, &s, err);
    if (rc)
        return rc;
    memcpy(dst, s, n->len + 1);
    return 0;
}

static int cfg_copy_path(const cfg_doc *d, const cfg_node *n, char *dst, size_t cap, cfg_error *err)
{
    int rc = cfg_copy(d, n, dst, cap, err);
    if (rc == 0 && dst[0] == '\0')
        return cfg_fail(err, d, n, "must not be empty");
    return rc;
}

static bool cfg_url_ok(const char *u)
{
    return strncmp(u, "ipc://", 6) == 0 || strncmp(u, "tcp://", 6) == 0 ||
           strncmp(u, "tls+tcp://", 10) == 0;
}

static bool cfg_set_key_ok(const char *k)
{
    if (!*k)
        return false;
    for (; *k; k++) {
        char ch = *k;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return false;
    }
    return true;
}

static bool cfg_env_name_ok(const char *k)
{
    if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
        return false;
    for (k++; *k; k++)
        if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return false;
    return true;
}

// set: and env: are mappings of scalars; keys checked by ok().
static int cfg_parse_kvs(const cfg_doc *d, const cfg_node *n, cfg_kv *kv, size_t *count,
                         bool (*ok)(const char *), const char *what, cfg_error *err)
{
    int rc = cfg_expect(d, n, CFG_MAP, err);
    if (rc)
        return rc;
    if (n->n > CFG_MAX_KV)
        return cfg_fail(err, d, n, "more than %d %s entries", CFG_MAX_KV, what);
    for (size_t i = 0; i < n->n; i++) {
        const cfg_node *v = n->items[i];
        if (strlen(v->key) >= CFG_KEY_MAX || !ok(v->key))
            return cfg_fail_key(err, d, v, "invalid %s name '%.64s'", what, v->key);
        snprintf(kv[i].key, sizeof kv[i].key, "%s", v->key);
        if (v->kind != CFG_SCALAR)
            return cfg_fail(err, d, v, "expected a scalar value for '%s', got %s", v->key,
                            cfg_kind_name(v->kind));
        if ((rc = cfg_copy(d, v, kv[i].value, sizeof kv[i].value, err)))
            return rc;
    }
    *count = n->n;
    return 0;
}

static int cfg_parse_deps(const cfg_doc *d, const cfg_node *n, cfg_service *s, cfg_error *err)
{
    s->ndeps = 0;
    if (cfg_is_null(n))
        return 0;
    if (n->kind == CFG_SCALAR) {
        if (!cfg_outrig_name_ok(n->str))
            return cfg_fail(err, d, n, "invalid service name '%.64s'", n->str);
        snprintf(s->deps[0], sizeof s->deps[0], "%s", n->str);
        s->ndeps = 1;
        return 0;
    }
    int rc = cfg_expect(d, n, CFG_SEQ, err);
    if (rc)
        return rc;
    if (n->n > CFG_MAX_DEPS)
        return cfg_fail(err, d, n, "more than %d dependencies", CFG_MAX_DEPS);
    for (size_t i = 0; i < n->n; i++) {
        const cfg_node *v = n->items[i];
        if (v->kind != CFG_SCALAR)
            return cfg_fail(err, d, v, "expected a service name, got %s", cfg_kind_name(v->kind));
        if (!cfg_outrig_name_ok(v->str))
            return cfg_fail(err, d, v, "invalid service name '%.64s'", v->str);
        if (strcmp(v->str, s->name) == 0)
            return cfg_fail(err, d, v, "service '%s' cannot depend on itself", s->name);
        snprintf(s->deps[i], sizeof s->deps[i], "%s", v->str);
    }
    s->ndeps = n->n;
    return 0;
}

// One service's settings (map form: n may be null for "all defaults").
static int cfg_parse_service(const cfg_doc *d, const cfg_node *n, cfg_service *s, bool named,
                             cfg_error *err)
{
    static const char *const keys_seq[] = {"name",       "binary", "listen", "enabled", "order",
                                           "depends_on", "set",    "env",    NULL};
    if (cfg_is_null(n) && !named)
        return 0;
    int rc = cfg_check_keys(d, n, named ? keys_seq : keys_seq + 1, err);
    if (rc)
        return rc;
    const cfg_node *v;
    if ((v = cfg_map_get(n, "binary")) && (rc = cfg_copy_path(d, v, s->binary, CFG_PATH_MAX, err)))
        return rc;
    if ((v = cfg_map_get(n, "listen"))) {
        if ((rc = cfg_copy_path(d, v, s->listen, CFG_PATH_MAX, err)))
            return rc;
        if (!cfg_url_ok(s->listen))
            return cfg_fail(err, d, v, "expected an ipc://, tcp:// or tls+tcp:// URL, got '%s'",
                            s->listen);
    }
    if ((v = cfg_map_get(n, "enabled")) && (rc = cfg_get_bool(d, v, &s->enabled, err)))
        return rc;
    uint64_t u;
    if ((v = cfg_map_get(n, "order"))) {
        if ((rc = cfg_get_u64(d, v, 0, 1000000, &u, err)))
            return rc;
        s->order = (uint32_t)u;
    }
    if ((v = cfg_map_get(n, "depends_on")) && (rc = cfg_parse_deps(d, v, s, err)))
        return rc;
    if ((v = cfg_map_get(n, "set")) &&
        (rc = cfg_parse_kvs(d, v, s->sets, &s->nsets, cfg_set_key_ok, "set", err)))
        return rc;
    if ((v = cfg_map_get(n, "env")) &&
        (rc = cfg_parse_kvs(d, v, s->env, &s->nenv, cfg_env_name_ok, "env", err)))
        return rc;
    return 0;
}

static int cfg_add_service(cfg_outrig *c, const cfg_doc *d, const cfg_node *at, const char *name,
                           cfg_service **out, cfg_error *err)
{
    if (!cfg_outrig_name_ok(name))
        return cfg_fail(err, d, at,
                        "invalid service name '%.64s' (use a-z, 0-9, - and _, "
                        "at most %d bytes)",
                        name, CFG_NAME_MAX - 1);
    const cfg_service *prev = cfg_outrig_service(c, name);
    if (prev)
        return cfg_fail(err, d, at, "duplicate service '%s' (first at line %d)", name, prev->line);
    if (c->nservices >= CFG_MAX_SERVICES)
        return cfg_fail(err, d, at, "more than %d services", CFG_MAX_SERVICES);
    cfg_service *s = &c->services[c->nservices++];
    cfg_service_init(s, name);
    s->line = at->line;
    s->col = at->col;
    *out = s;
    return 0;
}

static int cfg_parse_services(cfg_outrig *c, const cfg_doc *d, const cfg_node *n, cfg_error *err)
{
    c->nservices = 0;
    if (cfg_is_null(n))
        return 0;
    int rc;
    cfg_service *s;
    if (n->kind == CFG_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            const cfg_node *v = n->items[i];
            cfg_node at = {.line = v->key_line, .col = v->key_col};
            if ((rc = cfg_add_service(c, d, &at, v->key, &s, err)))
                return rc;
            if ((rc = cfg_parse_service(d, v, s, false, err)))
                return rc;
        }
        return 0;
    }
    if (n->kind != CFG_SEQ)
        return cfg_fail(err, d, n, "expected a mapping or a sequence of services, got %s",
                        cfg_kind_name(n->kind));
    for (size_t i = 0; i < n->n; i++) {
        const cfg_node *v = n->items[i];
        if ((rc = cfg_expect(d, v, CFG_MAP, err)))
            return rc;
        const cfg_node *name = cfg_map_get(v, "name");
        if (!name)
            return cfg_fail(err, d, v, "service has no 'name'");
        const char *str;
        if ((rc = cfg_get_str(d, name, CFG_NAME_MAX * 2, &str, err)))
            return rc;
        if ((rc = cfg_add_service(c, d, name, str, &s, err)))
            return rc;
        s->line = v->line;
        s->col = v->col;
        if ((rc = cfg_parse_service(d, v, s, true, err)))
            return rc;
    }
    return 0;
}

static int cfg_parse_restart(cfg_outrig *c, const cfg_doc *d, const cfg_node *n, cfg_error *err)
{
    static const char *const keys[] = {"backoff_initial_ms", "backoff_max_ms",  "max_restarts",
                                       "window_ms",          "stop_grace_ms",   "start_timeout_ms",
                                       "health_interval_ms", "health_failures", NULL};
    struct {
        uint32_t *dst;
        uint64_t min, max;
    } f[] = {
        {&c->restart.backoff_initial_ms, 1, 3600000}, {&c->restart.backoff_max_ms, 1, 3600000},
        {&c->restart.max_restarts, 0, 100},           {&c->restart.window_ms, 100, 86400000},
        {&c->restart.stop_grace_ms, 10, 600000},      {&c->restart.start_timeout_ms, 100, 600000},
        {&c->restart.health_interval_ms, 0, 600000},  {&c->restart.health_failures, 1, 100},
    };
    int rc = cfg_check_keys(d, n, keys, err);
    if (rc)
        return rc;
    for (size_t i = 0; keys[i]; i++) {
        const cfg_node *v = cfg_map_get(n, keys[i]);
        uint64_t u;
        if (!v)
            continue;
        if ((rc = cfg_get_u64(d, v, f[i].min, f[i].max, &u, err)))
            return rc;
        *f[i].dst = (uint32_t)u;
    }
    if (c->restart.backoff_max_ms < c->restart.backoff_initial_ms) {
        const cfg_node *v = cfg_map_get(n, "backoff_max_ms");
        return cfg_fail(err, d, v ? v : n,
                        "backoff_max_ms (%u) is less than backoff_initial_ms "
                        "(%u)",
                        c->restart.backoff_max_ms, c->restart.backoff_initial_ms);
    }
    return 0;
}

static int cfg_parse_metrics(cfg_outrig *c, const cfg_doc *d, const cfg_node *n, cfg_error *err)
{
    bool on;
    if (n->kind == CFG_SCALAR && cfg_get_bool(d, n, &on, NULL) == 0 && !on) {
        c->metrics = false;
        return 0;
    }
    uint64_t port;
    if (n->kind != CFG_SCALAR || n->len == 0 || n->str[0] < '0' || n->str[0] > '9')
        return cfg_fail(err, d, n, "expected off or a base port number");
    int rc = cfg_get_u64(d, n, 1024, 65535, &port, err);
    if (rc)
        return rc;
    c->metrics = true;
    c->metrics_base_port = (uint16_t)port;
    return 0;
}

static int cfg_apply_doc(cfg_outrig *c, const cfg_doc *d, cfg_error *err)
{
    static const char *const keys[] = {"run_dir", "data_dir", "bin_dir",  "log_level",
                                       "metrics", "restart",  "services", NULL};
    const cfg_node *root = cfg_doc_root(d), *v;
    if (!root || cfg_is_null(root))
        return 0; // an empty file: every default stands
    int rc = cfg_check_keys(d, root, keys, err);
    if (rc)
        return rc;
    if ((v = cfg_map_get(root, "run_dir")) &&
        (rc = cfg_copy_path(d, v, c->run_dir, sizeof c->run_dir, err)))
        return rc;
    if ((v = cfg_map_get(root, "data_dir")) &&
        (rc = cfg_copy_path(d, v, c->data_dir, sizeof c->data_dir, err)))
        return rc;
    if ((v = cfg_map_get(root, "bin_dir")) &&
        (rc = cfg_copy_path(d, v, c->bin_dir, sizeof c->bin_dir, err)))
        return rc;
    if ((v = cfg_map_get(root, "log_level")) &&
        (rc = cfg_get_enum(d, v, cfg_levels, &c->log_level, err)))
        return rc;
    if ((v = cfg_map_get(root, "metrics")) && (rc = cfg_parse_metrics(c, d, v, err)))
        return rc;
    if ((v = cfg_map_get(root, "restart")) && (rc = cfg_parse_restart(c, d, v, err)))
        return rc;
    if ((v = cfg_map_get(root, "services")) && (rc = cfg_parse_services(c, d, v, err)))
        return rc;
    return 0;
}

int cfg_outrig_parse(cfg_outrig *c, const char *name, const void *buf, size_t len, cfg_error *err)
{
    cfg_doc *d;
    int rc = cfg_parse(name, buf, len, NULL, &d, err);
    if (rc)
        return rc;
    rc = cfg_apply_doc(c, d, err);
    cfg_doc_free(d);
    return rc;
}

int cfg_outrig_parse_file(cfg_outrig *c, const char *path, cfg_error *err)
{
    if (strlen(path) >= sizeof c->config_path)
        return cfg_fail_at(err, "config", 0, 0, "path longer than %d bytes", CFG_PATH_MAX - 1);
    cfg_doc *d;
    int rc = cfg_parse_file(path, NULL, &d, err);
    if (rc)
        return rc;
    rc = cfg_apply_doc(c, d, err);
    cfg_doc_free(d);
    if (rc == 0)
        snprintf(c->config_path, sizeof c->config_path, "%s", path);
    return rc;
}

// ---- environment and derived values -----------------------------------------

static int cfg_env_path(cfg_getenv_fn env, const char *name, char *dst, cfg_error *err)
{
    const char *v = env(name);
    if (!v || !*v)
        return 0;
    if (strlen(v) >= CFG_PATH_MAX)
        return cfg_fail_at(err, name, 0, 0, "longer than %d bytes", CFG_PATH_MAX - 1);
    snprintf(dst, CFG_PATH_MAX, "%s", v);
    return 0;
}

int cfg_outrig_apply_env(cfg_outrig *c, cfg_getenv_fn env, cfg_error *err)
{
    if (!env)
        return 0;
    int rc;
    if ((rc = cfg_env_path(env, "OUTRIG_RUN_DIR", c->run_dir, err)) ||
        (rc = cfg_env_path(env, "OUTRIG_DATA_DIR", c->data_dir, err)) ||
        (rc = cfg_env_path(env, "OUTRIG_BIN_DIR", c->bin_dir, err)))
        return rc;
    const char *v = env("OUTRIG_LOG_LEVEL");
    if (v && *v) {
        log_level l;
        if (log_level_parse(v, &l) < 0)
            return cfg_fail_at(err, "OUTRIG_LOG_LEVEL", 0, 0,
                               "expected one of: debug, info, warn, error; got '%.40s'", v);
        c->log_level = (int)l;
    }
    v = env("OUTRIG_METRICS");
    if (v && *v) {
        cfg_doc *d = NULL;
        cfg_node n = {.kind = CFG_SCALAR, .str = v, .len = strlen(v)};
        // Reuse the file's rules; the message names the variable instead of a position.
        if (cfg_parse("OUTRIG_METRICS", "", 0, NULL, &d, err) < 0)
            return -ENOMEM;
        rc = cfg_parse_metrics(c, d, &n, err);
        cfg_doc_free(d);
        if (rc)
            return rc;
    }
    return 0;
}

static int cfg_absolute(char *path, const char *cwd, const char *what, cfg_error *err)
{
    if (!cwd || path[0] == '/' || path[0] == '\0')
        return 0;
    const char *rel = path;
    while (rel[0] == '.' && rel[1] == '/')
        rel += 2;
    char out[CFG_PATH_MAX];
    int n = strcmp(rel, ".") == 0 ? snprintf(out, sizeof out, "%s", cwd)
                                  : snprintf(out, sizeof out, "%s/%s", cwd, rel);
    if (n < 0 || (size_t)n >= sizeof out)
        return cfg_fail_at(err, what, 0, 0, "absolute path longer than %d bytes", CFG_PATH_MAX - 1);
    memcpy(path, out, (size_t)n + 1);
    return 0;
}

static const char *cfg_where(const cfg_outrig *c)
{
    return c->config_path[0] ? c->config_path : "<embedded config>";
}

int cfg_outrig_finish(cfg_outrig *c, const char *cwd, cfg_error *err)
{
    int rc;
    if ((rc = cfg_absolute(c->run_dir, cwd, "run_dir", err)) ||
        (rc = cfg_absolute(c->data_dir, cwd, "data_dir", err)) ||
        (rc = cfg_absolute(c->bin_dir, cwd, "bin_dir", err)))
        return rc;
    const char *where = cfg_where(c);
    // outrigd's own Driver socket lives there too.
    if (strlen(c->run_dir) + strlen("/outrigd.sock") > 107)
        return cfg_fail_at(err, where, 0, 0, "run_dir is too long for Unix sockets (%zu bytes)",
                           strlen(c->run_dir));
    for (size_t i = 0; i < c->nservices; i++) {
        cfg_service *s = &c->services[i];
        if (!s->listen[0]) {
            // Through a local buffer: the compiler cannot tell that s->listen and
            // c->run_dir (both inside *c) do not overlap.
            char url[sizeof s->listen];
            int n = snprintf(url, sizeof url, "ipc://%s/%s.sock", c->run_dir, s->name);
            memcpy(s->listen, url, sizeof url);
            // A Unix socket path is limited to 107 bytes by sockaddr_un.
            if (n < 0 || (size_t)n - 6 > 107)
                return cfg_fail_at(err, where, s->line, s->col,
                                   "socket path for '%s' under run_dir is longer than 107 bytes",
                                   s->name);
        }
        for (size_t j = 0; j < s->ndeps; j++)
            if (!cfg_outrig_service(c, s->deps[j]))
                return cfg_fail_at(err, where, s->line, s->col,
                                   "service '%s' depends on unknown service '%s'", s->name,
                                   s->deps[j]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->services[j].listen, s->listen) == 0)
                return cfg_fail_at(err, where, s->line, s->col,
                                   "service '%s' listens on %s, like '%s'", s->name, s->listen,
                                   c->services[j].name);
    }
    if (c->metrics && (uint32_t)c->metrics_base_port + c->nservices > 65536u)
        return cfg_fail_at(err, where, 0, 0, "metrics ports %u+%zu go past 65535",
                           c->metrics_base_port, c->nservices);
    return 0;
}

int cfg_outrig_load(cfg_outrig *c, const char *path, cfg_getenv_fn env, const char *cwd,
                    cfg_error *err)
{
    cfg_outrig_defaults(c);
    if ((!path || !*path) && env)
        path = env("OUTRIG_CONFIG");
    int rc;
    if (path && *path && (rc = cfg_outrig_parse_file(c, path, err)))
        return rc;
    if ((rc = cfg_outrig_apply_env(c, env, err)))
        return rc;
    return cfg_outrig_finish(c, cwd, err);
}
