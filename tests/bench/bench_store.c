// bench-store: outrig-store throughput and latency, as JSON lines.
//
// Starts outrig-store on a temporary directory (found through
// $OUTRIG_BUILD_DIR or next to this program) and measures acknowledged
// durable puts/s with 1 and 16 writers, gets/s with 16 in flight, watch
// delivery latency, and a batched range over 100k keys. Each timed case runs
// OUTRIG_BENCH_SECONDS seconds (default 5). Never fails on figures.
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "store/store.h"
#include "util/clock.h"

#define RANGE_KEYS 100000
#define GET_KEYS 10000

static char g_dir[64], g_url[200];
static int g_metrics_port;
static pid_t g_pid;
static double g_secs = 5;

static void emit(const char *cas, const char *metric, double value, const char *unit,
                 const char *baseline, double baseline_value)
{
    printf("{\"bench\":\"store\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%.1f,"
           "\"unit\":\"%s\"",
           cas, metric, value, unit);
    if (baseline)
        printf(",\"baseline\":\"%s\",\"baseline_value\":%.1f", baseline, baseline_value);
    printf("}\n");
    fflush(stdout);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t pct(int64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof(*v), cmp_i64);
    size_t i = (size_t)(p * (double)(n - 1));
    return v[i];
}

// ---- the store process -------------------------------------------------------------

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(p);
}

static void stop_store(void)
{
    if (g_pid > 0) {
        kill(g_pid, SIGTERM);
        waitpid(g_pid, NULL, 0);
        g_pid = 0;
    }
    if (g_dir[0])
        nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    g_dir[0] = '\0';
}

static int start_store(void)
{
    char bin[PATH_MAX + 64];
    const char *bd = getenv("OUTRIG_BUILD_DIR");
    if (bd) {
        snprintf(bin, sizeof(bin), "%s/services/store/outrig-store", bd);
    } else {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0)
            return -1;
        self[n] = '\0';
        *strrchr(self, '/') = '\0';
        snprintf(bin, sizeof(bin), "%s/../../services/store/outrig-store", self);
    }
    const char *tmp = getenv("OUTRIG_BENCH_DIR"); // where the database lives
    snprintf(g_dir, sizeof(g_dir), "%s/outrig-bench-store-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(g_dir))
        return -1;
    char run[128], data[128];
    snprintf(run, sizeof(run), "%s/run", g_dir);
    snprintf(data, sizeof(data), "%s/data", g_dir);
    mkdir(run, 0700);
    mkdir(data, 0700);
    snprintf(g_url, sizeof(g_url), "ipc://%s/store.sock", run);
    g_metrics_port = 20000 + (int)(getpid() % 20000);
    char murl[80];
    snprintf(murl, sizeof(murl), "http://127.0.0.1:%d/metrics", g_metrics_port);
    g_pid = fork();
    if (g_pid == 0) {
        execl(bin, bin, "--run-dir", run, "--data-dir", data, "--listen", g_url, "--log-level",
              getenv("OUTRIG_BENCH_LOG") ? getenv("OUTRIG_BENCH_LOG") : "warn", "--metrics", murl,
              NULL);
        fprintf(stderr, "bench-store: cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    store_client *c = store_client_open(g_url, NULL);
    for (int i = 0; i < 200 && c; i++) {
        Outrig__V1__StoreInfoResponse *in = NULL;
        if (store_info(c, &in, NULL) == RPC_OK) {
            store_info_free(in);
            store_client_close(c);
            return 0;
        }
        if (waitpid(g_pid, NULL, WNOHANG) == g_pid) {
            g_pid = 0;
            break;
        }
        usleep(50000);
    }
    store_client_close(c);
    return -1;
}

// The store's commit counter from its /metrics endpoint; 0 if unavailable.
static uint64_t store_commits(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_metrics_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    const char *req = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req, strlen(req)) < 0) {
        close(fd);
        return 0;
    }
    static char buf[65536];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    close(fd);
    const char *p = strstr(buf, "\noutrig_store_commits_total ");
    return p ? strtoull(p + strlen("\noutrig_store_commits_total "), NULL, 10) : 0;
}

// ---- timed workers -----------------------------------------------------------------

typedef struct worker {
    pthread_t t;
    store_client *c;
    int id;
    int kind; // 0 put, 1 get
    uint64_t end_us;
    uint64_t ops, errors;
    int64_t *lat;
    size_t nlat, cap;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    char key[64], val[64];
    memset(val, 'v', sizeof(val));
    for (uint64_t n = 0;; n++) {
        uint64_t t0 = clock_mono_us();
        if (t0 >= w->end_us)
            break;
        rpc_code rc;
        if (w->kind == 0) {
            snprintf(key, sizeof(key), "/metric/w%d-%" PRIu64, w->id, n % 100000);
            rc = store_put(w->c, key, val, sizeof(val), 0, NULL, NULL);
        } else {
            snprintf(key, sizeof(key), "/vnf/g%05" PRIu64, (n * 7919 + (uint64_t)w->id) % GET_KEYS);
            Outrig__V1__KeyValue *kv = NULL;
            rc = store_get(w->c, key, &kv, NULL);
            store_kv_free(kv);
        }
        if (rc != RPC_OK) {
            w->errors++;
            continue;
        }
        w->ops++;
        if (w->nlat < w->cap)
            w->lat[w->nlat++] = (int64_t)(clock_mono_us() - t0);
    }
    return NULL;
}

static void run_workers(store_client *c, int n, int kind, const char *cas, const char *metric,
                        const char *baseline, double baseline_value)
{
    worker *ws = calloc((size_t)n, sizeof(*ws));
    uint64_t start = clock_mono_us();
    uint64_t end = start + (uint64_t)(g_secs * 1e6);
    for (int i = 0; i < n; i++) {
        ws[i] = (worker){.c = c, .id = i, .kind = kind, .end_us = end, .cap = 2000000};
        ws[i].lat = malloc(ws[i].cap * sizeof(int64_t));
        pthread_create(&ws[i].t, NULL, work, &ws[i]);
    }
    uint64_t ops = 0, errors = 0;
    size_t nlat = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(ws[i].t, NULL);
        ops += ws[i].ops;
        errors += ws[i].errors;
        nlat += ws[i].nlat;
    }
    double secs = (double)(clock_mono_us() - start) / 1e6;
    int64_t *all = malloc((nlat ? nlat : 1) * sizeof(int64_t));
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        memcpy(all + k, ws[i].lat, ws[i].nlat * sizeof(int64_t));
        k += ws[i].nlat;
        free(ws[i].lat);
    }
    emit(cas, metric, (double)ops / secs, "ops/s", baseline, baseline_value);
    emit(cas, "latency_p50", (double)pct(all, nlat, 0.50), "us", NULL, 0);
    emit(cas, "latency_p99", (double)pct(all, nlat, 0.99), "us", NULL, 0);
    if (errors)
        emit(cas, "errors", (double)errors, "calls", NULL, 0);
    free(all);
    free(ws);
}

// ---- loading keys in transactions -----------------------------------------------------

static int load_keys(store_client *c, const char *fmt, int n, size_t vlen)
{
    Outrig__V1__TxnOp ops[1000], *ptrs[1000];
    char keys[1000][48];
    uint8_t *val = calloc(1, vlen);
    for (int base = 0; base < n; base += 1000) {
        int m = n - base < 1000 ? n - base : 1000;
        for (int i = 0; i < m; i++) {
            outrig__v1__txn_op__init(&ops[i]);
            snprintf(keys[i], sizeof(keys[i]), fmt, base + i);
            ops[i].key = keys[i];
            ops[i].value.data = val;
            ops[i].value.len = vlen;
            ptrs[i] = &ops[i];
        }
        Outrig__V1__TxnRequest t = OUTRIG__V1__TXN_REQUEST__INIT;
        t.success = ptrs;
        t.n_success = (size_t)m;
        if (store_txn(c, &t, NULL, NULL, NULL) != RPC_OK) {
            free(val);
            return -1;
        }
    }
    free(val);
    return 0;
}

// ---- watch latency ----------------------------------------------------------------------

#define WATCH_MAX 400000

typedef struct wlat {
    _Atomic uint64_t *put_us; // by revision: when the put was issued
    _Atomic uint64_t *ack_us; // when its ack came back
    int64_t *from_put, *from_ack;
    size_t n;
    uint64_t base_rev;
    pthread_mutex_t mu;
} wlat;

static wlat g_w;

static void on_watch(const Outrig__V1__WatchEvent *ev, void *arg)
{
    uint64_t now = clock_mono_us();
    uint64_t i = ev->kv->mod_revision - g_w.base_rev;
    if (i >= WATCH_MAX)
        return;
    // The callback may run before the writer has stored the revision's
    // times: the value bytes carry the issue time as well.
    uint64_t put_us;
    if (ev->kv->value.len != sizeof(put_us))
        return;
    memcpy(&put_us, ev->kv->value.data, sizeof(put_us));
    uint64_t ack = atomic_load(&g_w.ack_us[i]);
    pthread_mutex_lock(&g_w.mu);
    if (g_w.n < WATCH_MAX) {
        g_w.from_put[g_w.n] = (int64_t)(now - put_us);
        // Delivery may beat the ack: that counts as 0.
        g_w.from_ack[g_w.n] = ack && now > ack ? (int64_t)(now - ack) : 0;
        g_w.n++;
    }
    pthread_mutex_unlock(&g_w.mu);
}

static void bench_watch(store_client *c)
{
    Outrig__V1__StoreInfoResponse *in = NULL;
    if (store_info(c, &in, NULL) != RPC_OK)
        return;
    g_w.base_rev = in->revision;
    store_info_free(in);
    g_w.put_us = calloc(WATCH_MAX, sizeof(uint64_t));
    g_w.ack_us = calloc(WATCH_MAX, sizeof(uint64_t));
    g_w.from_put = calloc(WATCH_MAX, sizeof(int64_t));
    g_w.from_ack = calloc(WATCH_MAX, sizeof(int64_t));
    pthread_mutex_init(&g_w.mu, NULL);
    struct store_watch *w = store_watch(c, "/link/", 0, on_watch, NULL);
    usleep(500000);
    uint64_t end = clock_mono_us() + (uint64_t)(g_secs * 1e6);
    uint64_t sent = 0;
    while (clock_mono_us() < end) {
        char key[48];
        snprintf(key, sizeof(key), "/link/l%" PRIu64, sent % 1000);
        uint64_t t0 = clock_mono_us(), rev;
        if (store_put(c, key, &t0, sizeof(t0), 0, &rev, NULL) != RPC_OK)
            continue;
        uint64_t i = rev - g_w.base_rev;
        if (i < WATCH_MAX)
            atomic_store(&g_w.ack_us[i], clock_mono_us());
        sent++;
        usleep(1000); // a steady stream, not a flood: latency, not throughput
    }
    usleep(500000);
    store_watch_stop(w);
    emit("watch", "delivered", (double)g_w.n, "events", NULL, 0);
    emit("watch", "sent", (double)sent, "events", NULL, 0);
    emit("watch", "put_to_callback_p50", (double)pct(g_w.from_put, g_w.n, 0.50), "us", NULL, 0);
    emit("watch", "put_to_callback_p99", (double)pct(g_w.from_put, g_w.n, 0.99), "us", NULL, 0);
    emit("watch", "ack_to_callback_p50", (double)pct(g_w.from_ack, g_w.n, 0.50), "us", NULL, 0);
    emit("watch", "ack_to_callback_p99", (double)pct(g_w.from_ack, g_w.n, 0.99), "us", NULL, 0);
    free(g_w.put_us);
    free(g_w.ack_us);
    free(g_w.from_put);
    free(g_w.from_ack);
}

// ---- range ----------------------------------------------------------------------------

typedef struct rcount {
    uint64_t n;
} rcount;

static int count_kv(const Outrig__V1__KeyValue *kv, void *arg)
{
    ((rcount *)arg)->n++;
    return 0;
}

static void bench_range(store_client *c)
{
    if (load_keys(c, "/site/r%06d", RANGE_KEYS, 64) != 0) {
        fprintf(stderr, "bench-store: loading range keys failed\n");
        return;
    }
    for (int keys_only = 0; keys_only < 2; keys_only++) {
        rcount rc = {0};
        uint64_t start = clock_mono_us(), end = start + (uint64_t)(g_secs * 1e6);
        int passes = 0;
        while (clock_mono_us() < end || passes == 0) {
            if (store_range_all(c, "/site/", 10000, keys_only, count_kv, &rc, NULL) != RPC_OK)
                break;
            passes++;
        }
        double secs = (double)(clock_mono_us() - start) / 1e6;
        const char *cas = keys_only ? "range_100k_keys_only" : "range_100k_64B";
        emit(cas, "keys_per_s", (double)rc.n / secs, "keys/s", NULL, 0);
        emit(cas, "passes", passes, "passes", NULL, 0);
    }
}

// ---- baselines measured in the same run ----------------------------------------------
//
// This machine is shared; figures swing with its load. Each run therefore
// also measures the ceilings the store sits on: bare nng REQ/REP echo calls/s
// with 16 in flight (what any RPC here can reach) and fdatasync latency on the
// data directory's file system (what a durable commit costs).

#define ECHO_CTX 16

typedef struct echo_srv {
    nng_socket s;
    nng_ctx ctx[ECHO_CTX];
    nng_aio *aio[ECHO_CTX];
    int sending[ECHO_CTX];
} echo_srv;

static echo_srv g_echo;

static void echo_cb(void *arg)
{
    int i = (int)(intptr_t)arg;
    if (nng_aio_result(g_echo.aio[i]) != 0)
        return;
    if (g_echo.sending[i]) {
        g_echo.sending[i] = 0;
        nng_ctx_recv(g_echo.ctx[i], g_echo.aio[i]);
    } else {
        g_echo.sending[i] = 1;
        nng_ctx_send(g_echo.ctx[i], g_echo.aio[i]);
    }
}

typedef struct echo_cli {
    pthread_t t;
    const char *url;
    uint64_t end_us, ops;
} echo_cli;

static void *echo_work(void *arg)
{
    echo_cli *e = arg;
    nng_socket s;
    if (nng_req0_open(&s) != 0 || nng_dial(s, e->url, NULL, 0) != 0)
        return NULL;
    char buf[64] = {0};
    while (clock_mono_us() < e->end_us) {
        void *r;
        size_t n;
        if (nng_send(s, buf, sizeof(buf), 0) != 0 || nng_recv(s, &r, &n, NNG_FLAG_ALLOC) != 0)
            break;
        nng_free(r, n);
        e->ops++;
    }
    nng_close(s);
    return NULL;
}

static double bare_nng_calls_per_s(void)
{
    char url[160];
    snprintf(url, sizeof(url), "ipc://%s/run/bare.sock", g_dir);
    if (nng_rep0_open(&g_echo.s) != 0 || nng_listen(g_echo.s, url, NULL, 0) != 0)
        return 0;
    for (int i = 0; i < ECHO_CTX; i++) {
        nng_ctx_open(&g_echo.ctx[i], g_echo.s);
        nng_aio_alloc(&g_echo.aio[i], echo_cb, (void *)(intptr_t)i);
        nng_ctx_recv(g_echo.ctx[i], g_echo.aio[i]);
    }
    echo_cli cl[16];
    uint64_t start = clock_mono_us(), end = start + (uint64_t)(g_secs * 1e6 / 2);
    for (int i = 0; i < 16; i++) {
        cl[i] = (echo_cli){.url = url, .end_us = end};
        pthread_create(&cl[i].t, NULL, echo_work, &cl[i]);
    }
    uint64_t ops = 0;
    for (int i = 0; i < 16; i++) {
        pthread_join(cl[i].t, NULL);
        ops += cl[i].ops;
    }
    double r = (double)ops / ((double)(clock_mono_us() - start) / 1e6);
    nng_close(g_echo.s);
    for (int i = 0; i < ECHO_CTX; i++)
        nng_aio_free(g_echo.aio[i]);
    return r;
}

static double fdatasync_us(void)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/data/fsync-probe", g_dir);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    if (fd < 0)
        return 0;
    char b[4096] = {1};
    int64_t lat[200];
    for (int i = 0; i < 200; i++) {
        uint64_t t0 = clock_mono_us();
        if (pwrite(fd, b, sizeof(b), (off_t)(i % 16) * 4096) < 0 || fdatasync(fd) != 0)
            break;
        lat[i] = (int64_t)(clock_mono_us() - t0);
    }
    close(fd);
    unlink(path);
    return (double)pct(lat, 200, 0.5);
}

int main(void)
{
    const char *s = getenv("OUTRIG_BENCH_SECONDS");
    if (s && atof(s) > 0)
        g_secs = atof(s);
    if (start_store() != 0) {
        fprintf(stderr, "bench-store: cannot start outrig-store\n");
        stop_store();
        return 1;
    }
    emit("baseline", "fdatasync_p50", fdatasync_us(), "us", NULL, 0);
    double bare = bare_nng_calls_per_s();
    emit("baseline", "bare_nng_reqrep_16_in_flight", bare, "calls/s", NULL, 0);
    rpc_client_opts o = {.timeout_ms = 10000};
    store_client *c = store_client_open(g_url, &o);
    run_workers(c, 1, 0, "put_1_writer", "puts_per_s", NULL, 0);
    // Metrics refresh every second: wait for a fresh count around the run.
    usleep(1100000);
    uint64_t c0 = store_commits();
    run_workers(c, 16, 0, "put_16_writers", "puts_per_s", "etcd 3.4, 16 in flight", 8000);
    usleep(1100000);
    uint64_t c1 = store_commits();
    if (c1 > c0)
        emit("put_16_writers", "commits_per_s", (double)(c1 - c0) / g_secs, "commits/s", NULL, 0);
    if (load_keys(c, "/vnf/g%05d", GET_KEYS, 64) == 0)
        run_workers(c, 16, 1, "get_16_in_flight", "gets_per_s", "bare nng REQ/REP ipc, this run",
                    bare);
    bench_watch(c);
    bench_range(c);
    store_client_close(c);
    stop_store();
    return 0;
}
