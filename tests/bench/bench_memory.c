// bench-memory: resident memory of outrigd + outrig-hub + outrig-store, idle
// and after 1M events published to the hub and 100k keys put in the store.
// Starts a real outrigd (which starts the two services) on a temporary run
// dir, reads VmRSS/VmHWM from /proc/<pid>/status, prints JSON lines.
// OUTRIG_BENCH_EVENTS and OUTRIG_BENCH_KEYS scale the load down for a quick run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "hub/hub.h"
#include "outrig/v1/driver.pb-c.h"
#include "outrig/v1/store.pb-c.h"
#include "store/store.h"

#define IDLE_TARGET_KIB (16 * 1024)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kib(int pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kib = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0) {
            kib = atol(line + n);
            break;
        }
    fclose(f);
    return kib;
}

static unsigned long env_count(const char *name, unsigned long def)
{
    const char *v = getenv(name);
    unsigned long n = v ? strtoul(v, NULL, 10) : 0;
    return n ? n : def;
}

typedef struct procs {
    int pid[3]; // outrigd, store, hub
    char store_url[256], hub_url[256];
} procs;

static const char *const names[3] = {"outrigd", "store", "hub"};

// Waits for store and hub SERVING through the Driver API; fills pids and URLs.
static int wait_serving(rpc_client *drv, procs *p, double timeout_s)
{
    double end = now_s() + timeout_s;
    while (now_s() < end) {
        Outrig__V1__ListServicesRequest req = OUTRIG__V1__LIST_SERVICES_REQUEST__INIT;
        Outrig__V1__ListServicesResponse *r = NULL;
        rpc_call_opts co = {.timeout_ms = 500};
        int serving = 0;
        if (rpc_client_call(drv, "/outrig.v1.Driver/ListServices", &req.base,
                            &outrig__v1__list_services_response__descriptor,
                            (ProtobufCMessage **)&r, &co, NULL) == RPC_OK) {
            for (size_t i = 0; i < r->n_services; i++) {
                const Outrig__V1__ServiceInfo *s = r->services[i];
                if (s->state != OUTRIG__V1__SERVICE_INFO__STATE__SERVING)
                    continue;
                int k = strcmp(s->name, "store") == 0 ? 1 : strcmp(s->name, "hub") == 0 ? 2 : 0;
                if (!k)
                    continue;
                p->pid[k] = (int)s->pid;
                snprintf(k == 1 ? p->store_url : p->hub_url, 256, "%s", s->address);
                serving++;
            }
            protobuf_c_message_free_unpacked(&r->base, NULL);
            if (serving == 2)
                return 0;
        }
        usleep(50000);
    }
    return -1;
}

static void report(const char *cas, const procs *p)
{
    long total = 0, total_hwm = 0;
    for (int k = 0; k < 3; k++) {
        long rss = status_kib(p->pid[k], "VmRSS:");
        long hwm = status_kib(p->pid[k], "VmHWM:");
        total += rss;
        total_hwm += hwm;
        char metric[64];
        snprintf(metric, sizeof metric, "rss_%s", names[k]);
        bench_line("memory", cas, metric, (double)rss, "KiB", NULL, 0);
        snprintf(metric, sizeof metric, "peak_rss_%s", names[k]);
        bench_line("memory", cas, metric, (double)hwm, "KiB", NULL, 0);
    }
    bench_line("memory", cas, "rss_total", (double)total, "KiB",
               strcmp(cas, "idle") == 0 ? "target" : NULL, IDLE_TARGET_KIB);
    bench_line("memory", cas, "peak_rss_total", (double)total_hwm, "KiB", NULL, 0);
}

static int publish_events(const procs *p, unsigned long n)
{
    hub_client *hc = hub_client_open(p->hub_url, NULL);
    hub_publisher_opts o = {.max_batch = 1024, .in_flight = 2};
    hub_publisher *pub = hc ? hub_publisher_new(hc, &o) : NULL;
    if (!pub) {
        hub_client_close(hc);
        return -1;
    }
    char payload[64];
    memset(payload, 'e', sizeof payload);
    hub_event ev = {.category = "metric",
                    .type = "sample",
                    .id = "bench-memory",
                    .source = "bench",
                    .payload = payload,
                    .payload_len = sizeof payload};
    double t0 = now_s();
    for (unsigned long i = 0; i < n; i++)
        if (hub_publisher_add(pub, &ev, NULL) < 0)
            break;
    hub_publisher_flush(pub);
    uint64_t acked = 0, failed = 0;
    hub_publisher_stats(pub, &acked, &failed);
    double dt = now_s() - t0;
    hub_publisher_free(pub);
    hub_client_close(hc);
    bench_line("memory", "load", "events_acked", (double)acked, "events", NULL, 0);
    bench_line("memory", "load", "publish_rate", dt > 0 ? (double)acked / dt : 0, "events/s", NULL,
               0);
    return failed || acked != n ? -1 : 0;
}

static int put_keys(const procs *p, unsigned long n)
{
    store_client *sc = store_client_open(p->store_url, NULL);
    if (!sc)
        return -1;
    enum { BATCH = 1000 };
    Outrig__V1__TxnOp ops[BATCH], *opp[BATCH];
    char keys[BATCH][48];
    char value[100];
    memset(value, 'v', sizeof value);
    unsigned long done = 0;
    int rc = 0;
    double t0 = now_s();
    while (done < n && rc == 0) {
        size_t m = n - done < BATCH ? (size_t)(n - done) : BATCH;
        for (size_t i = 0; i < m; i++) {
            outrig__v1__txn_op__init(&ops[i]);
            snprintf(keys[i], sizeof keys[i], "/metric/bench-%08lu", done + i);
            ops[i].kind = OUTRIG__V1__TXN_OP__KIND__PUT;
            ops[i].key = keys[i];
            ops[i].value.data = (uint8_t *)value;
            ops[i].value.len = sizeof value;
            opp[i] = &ops[i];
        }
        Outrig__V1__TxnRequest req = OUTRIG__V1__TXN_REQUEST__INIT;
        req.success = opp;
        req.n_success = m;
        bool ok = false;
        rpc_status st;
        rpc_code c = store_txn(sc, &req, &ok, NULL, &st);
        if (c != RPC_OK || !ok) {
            char buf[512];
            fprintf(stderr, "bench-memory: txn: %s\n", rpc_status_str(&st, buf, sizeof buf));
            rc = -1;
        }
        done += m;
    }
    double dt = now_s() - t0;
    store_client_close(sc);
    bench_line("memory", "load", "keys_put", (double)(rc ? 0 : done), "keys", NULL, 0);
    bench_line("memory", "load", "put_rate", dt > 0 ? (double)done / dt : 0, "keys/s", NULL, 0);
    return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

int main(int argc, char **argv)
{
    const char *build = getenv("OUTRIG_BUILD_DIR");
    char outrigd[4096];
    snprintf(outrigd, sizeof outrigd, "%s/services/outrigd/outrigd", build ? build : "build");
    if (access(outrigd, X_OK) != 0) {
        fprintf(stderr, "bench-memory: %s not found (set OUTRIG_BUILD_DIR)\n", outrigd);
        return 2;
    }
    unsigned long events = env_count("OUTRIG_BENCH_EVENTS", 1000000);
    unsigned long nkeys = env_count("OUTRIG_BENCH_KEYS", 100000);
    char dir[] = "/tmp/outrig-bench-memory-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    char cfg[128], log[128], url[192];
    snprintf(cfg, sizeof cfg, "%s/outrig.yaml", dir);
    snprintf(log, sizeof log, "%s/outrigd.log", dir);
    snprintf(url, sizeof url, "ipc://%s/run/outrigd.sock", dir);
    FILE *f = fopen(cfg, "w");
    if (!f)
        return 2;
    fprintf(f,
            "run_dir: %s/run\ndata_dir: %s/data\nlog_level: warn\n"
            "services:\n  - name: store\n  - name: hub\n",
            dir, dir);
    fclose(f);

    procs p = {0};
    p.pid[0] = fork();
    if (p.pid[0] == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(outrigd, "outrigd", "--config", cfg, (char *)NULL);
        _exit(127);
    }
    rpc_client *drv = rpc_client_open(url, NULL);
    int code = 0;
    if (!drv || wait_serving(drv, &p, 20) < 0) {
        fprintf(stderr, "bench-memory: store and hub not SERVING under outrigd (see %s)\n", log);
        code = 1;
        goto out;
    }
    sleep(1); // let start-up allocations settle
    report("idle", &p);
    if (publish_events(&p, events) < 0 || put_keys(&p, nkeys) < 0) {
        fprintf(stderr, "bench-memory: load failed\n");
        code = 1;
    }
    char cas[64];
    snprintf(cas, sizeof cas, "after_%lu_events_%lu_keys", events, nkeys);
    report(cas, &p);
out:
    rpc_client_close(drv);
    kill(p.pid[0], SIGTERM);
    int st;
    for (int i = 0; i < 300 && waitpid(p.pid[0], &st, WNOHANG) == 0; i++)
        usleep(100000);
    if (kill(p.pid[0], 0) == 0) {
        kill(p.pid[0], SIGKILL);
        waitpid(p.pid[0], &st, 0);
    }
    if (code)
        fprintf(stderr, "bench-memory: outrigd log kept in %s\n", log);
    else
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return code;
}
