// The micro-app skeleton: flags -> logging -> signals -> RPC server ->
// clients -> service init -> loop -> teardown in reverse.
#include "microapp/microapp.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>

#include "hub/hub.h"
#include "microapp/flags.h"
#include "store/store.h"
#include "util/log.h"

struct microapp {
    const microapp_def *def;
    microapp_flags flags;
    rpc_server *rpc;
    metrics_registry *metrics;
    metrics_value *m_calls, *m_errors, *m_expired, *m_malformed, *m_up;
    struct store_client *store;
    struct hub_client *hub;
    volatile sig_atomic_t stop;
};

// Signal handlers can only reach the app through a global; there is one per process.
static microapp *microapp_current;

static void microapp_on_signal(int sig)
{
    (void)sig;
    if (microapp_current)
        microapp_current->stop = 1;
}

void microapp_stop(microapp *app) { app->stop = 1; }
bool microapp_stopping(const microapp *app) { return app->stop != 0; }

const microapp_def *microapp_def_of(const microapp *app) { return app->def; }
const char *microapp_name(const microapp *app) { return app->def->name; }
const char *microapp_listen_url(const microapp *app) { return app->flags.listen; }
const char *microapp_run_dir(const microapp *app) { return app->flags.run_dir; }
const char *microapp_data_dir(const microapp *app) { return app->flags.data_dir; }
const char *microapp_store_url(const microapp *app) { return app->flags.store; }
const char *microapp_hub_url(const microapp *app) { return app->flags.hub; }
rpc_server *microapp_rpc(microapp *app) { return app->rpc; }
metrics_registry *microapp_metrics(microapp *app) { return app->metrics; }
struct store_client *microapp_store(microapp *app) { return app->store; }
struct hub_client *microapp_hub(microapp *app) { return app->hub; }

const char *microapp_opt(const microapp *app, const char *key, const char *def_value)
{
    for (size_t i = 0; i < app->flags.nsets; i++) {
        if (strcmp(app->flags.set_keys[i], key) == 0)
            return app->flags.set_vals[i];
    }
    return def_value;
}

int microapp_opt_u64(const microapp *app, const char *key, uint64_t def_value, uint64_t *out)
{
    const char *v = microapp_opt(app, key, NULL);
    if (!v) {
        *out = def_value;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-') {
        log_error("--set %s=%s: expected an unsigned number", key, v);
        return -EINVAL;
    }
    *out = x;
    return 0;
}

int microapp_add_service(microapp *app, const ProtobufCServiceDescriptor *svc,
                         const rpc_method_impl *impls, size_t n, void *arg)
{
    return rpc_server_add_service(app->rpc, svc, impls, n, arg);
}

static int microapp_list(char *buf, size_t len, size_t *used, const char *label,
                         const char *const *l)
{
    if (!l || !l[0])
        return 0;
    int n = snprintf(buf + *used, len - *used, "%s%s=", *used ? " " : "", label);
    if (n < 0 || (size_t)n >= len - *used)
        return -ENOSPC;
    *used += (size_t)n;
    for (size_t i = 0; l[i]; i++) {
        n = snprintf(buf + *used, len - *used, "%s%s", i ? "," : "", l[i]);
        if (n < 0 || (size_t)n >= len - *used)
            return -ENOSPC;
        *used += (size_t)n;
    }
    return 0;
}

int microapp_categories_format(const microapp_categories *c, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    int rv = microapp_list(buf, len, &used, "pub", c->publishes);
    if (rv == 0)
        rv = microapp_list(buf, len, &used, "sub", c->subscribes);
    if (rv == 0)
        rv = microapp_list(buf, len, &used, "write", c->writes);
    if (rv == 0)
        rv = microapp_list(buf, len, &used, "watch", c->watches);
    return rv;
}

// mkdir -p, mode 0700: run and data dirs hold sockets and state of this user only.
static int microapp_mkdirs(const char *path)
{
    char tmp[MICROAPP_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static void microapp_refresh_metrics(void *arg)
{
    microapp *app = arg;
    rpc_server_stats st;
    rpc_server_stats_get(app->rpc, &st);
    metrics_set(app->m_calls, (int64_t)st.calls);
    metrics_set(app->m_errors, (int64_t)st.errors);
    metrics_set(app->m_expired, (int64_t)st.deadline_expired);
    metrics_set(app->m_malformed, (int64_t)st.malformed);
}

static int microapp_setup_metrics(microapp *app)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "outrig_%s", app->def->name);
    for (char *p = prefix; *p; p++) {
        if (*p == '-')
            *p = '_';
    }
    app->metrics = metrics_new(prefix);
    if (!app->metrics)
        return -ENOMEM;
    app->m_up = metrics_add(app->metrics, METRICS_GAUGE, "up", NULL, "1 while serving");
    app->m_calls = metrics_add(app->metrics, METRICS_COUNTER, "rpc_calls_total", NULL,
                               "RPC calls answered");
    app->m_errors = metrics_add(app->metrics, METRICS_COUNTER, "rpc_errors_total", NULL,
                                "RPC calls answered with a status other than OK");
    app->m_expired = metrics_add(app->metrics, METRICS_COUNTER, "rpc_deadline_expired_total",
                                 NULL, "requests whose deadline passed before they ran");
    app->m_malformed = metrics_add(app->metrics, METRICS_COUNTER, "rpc_malformed_total", NULL,
                                   "undecodable requests");
    metrics_on_render(app->metrics, microapp_refresh_metrics, app);
    const char *url = app->flags.metrics;
    if (!url[0] || strcmp(url, "off") == 0)
        return 0;
    int rv = metrics_serve(app->metrics, url);
    if (rv != 0)
        log_error("metrics: cannot serve %s: %s", url, strerror(-rv));
    return rv;
}

static void microapp_sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void microapp_loop(microapp *app, void *state)
{
    const uint32_t tick = app->def->tick_ms ? app->def->tick_ms : 100;
    // Sleep in short steps so that a stop request is seen quickly.
    const uint32_t step = tick < 50 ? tick : 50;
    uint32_t waited = 0;
    while (!app->stop) {
        microapp_sleep_ms(step);
        waited += step;
        if (waited >= tick && !app->stop) {
            waited = 0;
            if (app->def->tick)
                app->def->tick(app, state);
        }
    }
}

static int microapp_install_signals(microapp *app)
{
    microapp_current = app;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = microapp_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -errno;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int microapp_main(const microapp_def *def, int argc, char **argv)
{
    microapp *app = calloc(1, sizeof *app);
    if (!app)
        return 1;
    app->def = def;
    char err[256];
    int rv = microapp_flags_parse(&app->flags, def->name, argc, argv, err, sizeof err);
    if (rv != 0) {
        if (rv < 0)
            fprintf(stderr, "outrig-%s: %s\n", def->name, err);
        free(app);
        return rv < 0 ? 2 : 0;
    }
    log_level lvl = LOG_INFO;
    if (log_level_parse(app->flags.log_level, &lvl) != 0) {
        fprintf(stderr, "outrig-%s: --log-level: expected debug|info|warn|error\n", def->name);
        free(app);
        return 2;
    }
    log_init(def->name, lvl);

    int code = 1;
    void *state = NULL;
    bool inited = false;
    char cats[512];
    if (microapp_install_signals(app) != 0)
        goto out;
    if ((rv = microapp_mkdirs(app->flags.run_dir)) != 0 ||
        (rv = microapp_mkdirs(app->flags.data_dir)) != 0) {
        log_error("cannot create run/data directories: %s", strerror(-rv));
        goto out;
    }
    rpc_server_opts so = {.name = def->name};
    app->rpc = rpc_server_new(&so);
    if (!app->rpc)
        goto out;
    if (microapp_setup_metrics(app) != 0)
        goto out;
    if (def->needs_store) {
        app->store = store_client_open(app->flags.store, NULL);
        if (!app->store) {
            log_error("cannot open the store client for %s", app->flags.store);
            goto out;
        }
    }
    if (def->needs_hub) {
        app->hub = hub_client_open(app->flags.hub, NULL);
        if (!app->hub) {
            log_error("cannot open the hub client for %s", app->flags.hub);
            goto out;
        }
    }
    if (def->init && (rv = def->init(app, &state)) != 0) {
        log_error("init failed: %s", strerror(rv < 0 ? -rv : rv));
        goto out;
    }
    inited = true;
    if (rpc_server_listen(app->rpc, app->flags.listen) != 0 || rpc_server_start(app->rpc) != 0)
        goto out;
    metrics_set(app->m_up, 1);
    microapp_categories_format(&def->cats, cats, sizeof cats);
    log_info("serving on %s (%s)", app->flags.listen, cats);
    microapp_loop(app, state);
    log_info("stopping");
    code = 0;
out:
    metrics_set(app->m_up, 0);
    if (app->rpc)
        rpc_server_set_serving(app->rpc, false);
    // The server goes first: it waits for calls in flight, whose handlers
    // may still need what fini tears down.
    rpc_server_free(app->rpc);
    app->rpc = NULL;
    if (inited && def->fini)
        def->fini(app, state);
    hub_client_close(app->hub);
    store_client_close(app->store);
    metrics_free(app->metrics);
    microapp_current = NULL;
    free(app);
    nng_fini();   // drains nng's reaper so that sanitizer runs see no false leaks
    return code;
}
