// bench-orchestrator: NS lifecycle on real processes and two LXC sites (root, liblxc,
// busybox-static). Starts outrig-store, outrig-hub and outrig-orchestrator on a temporary run
// dir, onboards a generated 10-VNF NSD and the example 3-VNF NSD, and measures:
//   instantiate_10vnf: N runs (OUTRIG_BENCH_RUNS, default 50; fewer with OUTRIG_BENCH_SECONDS)
//     of an NS of 10 VNFs across 2 sites: client-observed time, the orchestrator's own time
//     (the operation's run minus the wall time of its parallel site commands) and the site
//     time, p50/p99; each VNF's create+start time on its site, p50/p99.
//   concurrent_ns: OUTRIG_BENCH_NS (default 200) NSs of 3 VNFs created at once: total time to
//     all COMPLETED, then RSS (current and peak) of store+hub+orchestrator, then terminate time.
// JSON lines; never pass/fail on time.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>

#include "bench_util.h"
#include "outrig/v1/orchestrator.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"

#define BENCH "orchestrator"

static char tmp[128], run_dir[192];
static pid_t pids[3];
static rpc_client *cli;

static proc_app app = {.root = tmp, .run_dir = run_dir, .log_level = "warn"};

static pid_t start_service(const char *name, const char *const *extra)
{
    pid_t p = proc_app_start(&app, name, extra, 15000);
    if (p <= 0)
        fprintf(stderr, "bench-orchestrator: %s did not start\n", name);
    return p;
}

static rpc_code call(const char *method, const ProtobufCMessage *in,
                     const ProtobufCMessageDescriptor *od, void *out)
{
    char m[128];
    snprintf(m, sizeof m, "/outrig.v1.Orchestrator/%s", method);
    rpc_call_opts o = {.timeout_ms = 60000};
    rpc_status st;
    rpc_code rc = rpc_client_call(cli, m, in, od, (ProtobufCMessage **)out, &o, &st);
    if (rc != RPC_OK)
        fprintf(stderr, "%s: %s %s\n", method, rpc_code_name(rc), st.message);
    return rc;
}

static rpc_code add_yaml(const char *method, const char *name, const char *yaml, size_t len)
{
    Outrig__V1__AddDescriptorRequest r = OUTRIG__V1__ADD_DESCRIPTOR_REQUEST__INIT;
    r.file_name = (char *)name;
    r.yaml.data = (uint8_t *)yaml;
    r.yaml.len = len;
    return call(method, &r.base, &outrig__v1__add_descriptor_response__descriptor, NULL);
}

static rpc_code add_file(const char *method, const char *file)
{
    char path[1100];
    const char *s = getenv("OUTRIG_SRC_DIR");
    snprintf(path, sizeof path, "%s/examples/ns/%s", s ? s : ".", file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return RPC_NOT_FOUND;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return add_yaml(method, file, buf, n);
}

// A VNFD of one VDU running the echo program, and an NSD of 10 profiles of it.
static int onboard_bench(void)
{
    static const char vnfd[] = "vnfd:\n"
                               "  id: bench-vnf\n"
                               "  version: '1.0'\n"
                               "  vdu:\n"
                               "    - id: v\n"
                               "      sw-image-desc: img\n"
                               "      virtual-compute-desc: c\n"
                               "  virtual-compute-desc:\n"
                               "    - id: c\n"
                               "      virtual-cpu: {num-virtual-cpu: 1}\n"
                               "      virtual-memory: {size: 0.0625}\n"
                               "  sw-image-desc:\n"
                               "    - id: img\n"
                               "      name: outrig-vnf-echo\n"
                               "      image: outrig-vnf-echo\n"
                               "  df:\n"
                               "    - id: d\n"
                               "      vdu-profile: [{id: v}]\n";
    char nsd[8192];
    int off = snprintf(nsd, sizeof nsd,
                       "nsd:\n  nsd:\n    - id: bench10\n      name: bench10\n      version: '1'\n"
                       "      vnfd-id: [bench-vnf]\n      df:\n        - id: d\n"
                       "          vnf-profile:\n");
    for (int i = 0; i < 10; i++)
        off += snprintf(nsd + off, sizeof nsd - (size_t)off,
                        "            - {id: p%d, vnfd-id: bench-vnf}\n", i);
    if (add_yaml("AddVnfd", "bench_vnfd.yaml", vnfd, sizeof vnfd - 1) != RPC_OK ||
        add_yaml("AddNsd", "bench_nsd.yaml", nsd, (size_t)off) != RPC_OK)
        return -1;
    const char *files[] = {"cgw_vnfd.yaml", "fw_vnfd.yaml", "srv_vnfd.yaml"};
    for (int i = 0; i < 3; i++)
        if (add_file("AddVnfd", files[i]) != RPC_OK)
            return -1;
    return add_file("AddNsd", "cgw_fw_srv_nsd.yaml") == RPC_OK ? 0 : -1;
}

static int add_sites(void)
{
    for (int i = 0; i < 2; i++) {
        char name[16], ep[300];
        snprintf(name, sizeof name, "site-%c", 'a' + i);
        snprintf(ep, sizeof ep, "lxc://%s/%s", tmp, name);
        proc_sh("mkdir -p %s/%s", tmp, name);
        Outrig__V1__Site s = OUTRIG__V1__SITE__INIT;
        s.name = name;
        s.kind = "lxc";
        s.endpoint = ep;
        // Declared capacity, so that placement spreads an NS over both sites by headroom.
        s.vcpus = 1024;
        s.memory_mib = 1024 * 1024;
        s.max_instances = 1000;
        if (call("AddSite", &s.base, &outrig__v1__site__descriptor, NULL) != RPC_OK)
            return -1;
    }
    return 0;
}

// Waits for op id to finish; *op (optional) gets the final record, *vnfs the VNF start times.
static int wait_op(const char *id, Outrig__V1__OpInfo **out)
{
    for (int i = 0; i < 300000; i++) {
        Outrig__V1__IdRequest r = OUTRIG__V1__ID_REQUEST__INIT;
        r.id = (char *)id;
        Outrig__V1__OpInfo *info = NULL;
        if (call("GetOp", &r.base, &outrig__v1__op_info__descriptor, &info) != RPC_OK)
            return -1;
        int s = info->op->state;
        if (s != OUTRIG__V1__OPERATION__STATE__PROCESSING &&
            !(s == OUTRIG__V1__OPERATION__STATE__FAILED && !info->op->keep_on_failure &&
              info->op->type == OUTRIG__V1__OPERATION__TYPE__INSTANTIATE)) {
            int rc = s == OUTRIG__V1__OPERATION__STATE__COMPLETED ? 0 : -1;
            if (rc)
                fprintf(stderr, "op %s: %s\n", id, info->op->error);
            if (out)
                *out = info;
            else
                protobuf_c_message_free_unpacked(&info->base, NULL);
            return rc;
        }
        protobuf_c_message_free_unpacked(&info->base, NULL);
        proc_sleep_ms(i < 200 ? 1 : 10);
    }
    return -1;
}

static int create(const char *nsd, const char *name, const char *op_id)
{
    Outrig__V1__CreateNsRequest r = OUTRIG__V1__CREATE_NS_REQUEST__INIT;
    r.nsd_id = (char *)nsd;
    r.name = (char *)name;
    r.op_id = (char *)op_id;
    return call("CreateNs", &r.base, &outrig__v1__operation__descriptor, NULL) == RPC_OK ? 0 : -1;
}

static int delete_ns(const char *name, const char *op_id)
{
    Outrig__V1__NsOpRequest r = OUTRIG__V1__NS_OP_REQUEST__INIT;
    r.ns_id = (char *)name;
    r.op_id = (char *)op_id;
    return call("DeleteNs", &r.base, &outrig__v1__operation__descriptor, NULL) == RPC_OK ? 0 : -1;
}

static void instantiate_10(int runs)
{
    double *total = calloc((size_t)runs, sizeof *total), *orch = calloc((size_t)runs, sizeof *orch);
    double *sites = calloc((size_t)runs, sizeof *sites), *del = calloc((size_t)runs, sizeof *del);
    double *start = calloc((size_t)runs * 10, sizeof *start);
    int n = 0, ns = 0;
    for (int i = 0; i < runs; i++) {
        char name[32], op[32], dop[32];
        snprintf(name, sizeof name, "b10-%d", i);
        snprintf(op, sizeof op, "b10-%d-i", i);
        snprintf(dop, sizeof dop, "b10-%d-d", i);
        double t0 = proc_now_ms();
        Outrig__V1__OpInfo *info = NULL;
        if (create("bench10", name, op) || wait_op(op, &info)) {
            fprintf(stderr, "run %d failed\n", i);
            if (info)
                protobuf_c_message_free_unpacked(&info->base, NULL);
            break;
        }
        total[n] = proc_now_ms() - t0;
        orch[n] = info->op->orchestrator_us / 1e3;
        sites[n] = info->op->sites_us / 1e3;
        for (size_t k = 0; k < info->n_vnfs; k++)
            start[ns++] = info->vnfs[k]->start_us / 1e3;
        n++;
        protobuf_c_message_free_unpacked(&info->base, NULL);
        t0 = proc_now_ms();
        if (delete_ns(name, dop) || wait_op(dop, NULL))
            break;
        del[n - 1] = proc_now_ms() - t0;
    }
    const char *c = "instantiate_10vnf_2sites";
    bench_line(BENCH, c, "runs", n, "count", NULL, 0);
    if (!n)
        goto out;
    bench_line(BENCH, c, "total_p50", bench_percentile(total, (size_t)n, 50), "ms", NULL, 0);
    bench_line(BENCH, c, "total_p99", bench_percentile(total, (size_t)n, 99), "ms", NULL, 0);
    bench_line(BENCH, c, "orchestrator_p50", bench_percentile(orch, (size_t)n, 50), "ms", "target",
               20);
    bench_line(BENCH, c, "orchestrator_p99", bench_percentile(orch, (size_t)n, 99), "ms", NULL, 0);
    bench_line(BENCH, c, "sites_wall_p50", bench_percentile(sites, (size_t)n, 50), "ms", NULL, 0);
    bench_line(BENCH, c, "sites_wall_p99", bench_percentile(sites, (size_t)n, 99), "ms", NULL, 0);
    bench_line(BENCH, c, "vnf_start_p50", bench_percentile(start, (size_t)ns, 50), "ms", NULL, 0);
    bench_line(BENCH, c, "vnf_start_p99", bench_percentile(start, (size_t)ns, 99), "ms", NULL, 0);
    bench_line(BENCH, c, "terminate_p50", bench_percentile(del, (size_t)n, 50), "ms", NULL, 0);
out:
    free(total);
    free(orch);
    free(sites);
    free(del);
    free(start);
}

typedef struct many {
    int from, to;
    bool del;
    int failed;
} many;

static void *many_main(void *arg)
{
    many *m = arg;
    for (int i = m->from; i < m->to; i++) {
        char name[32], op[32];
        snprintf(name, sizeof name, "m-%d", i);
        snprintf(op, sizeof op, "m-%d-%s", i, m->del ? "d" : "i");
        if (m->del ? delete_ns(name, op) : create("cgw-fw-srv", name, op))
            m->failed++;
    }
    for (int i = m->from; i < m->to; i++) {
        char op[32];
        snprintf(op, sizeof op, "m-%d-%s", i, m->del ? "d" : "i");
        if (wait_op(op, NULL))
            m->failed++;
    }
    return NULL;
}

static double run_many(int count, bool del, int *failed)
{
    enum { T = 8 };
    pthread_t th[T];
    many m[T];
    double t0 = proc_now_ms();
    for (int t = 0; t < T; t++) {
        m[t] = (many){.from = count * t / T, .to = count * (t + 1) / T, .del = del};
        pthread_create(&th[t], NULL, many_main, &m[t]);
    }
    *failed = 0;
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        *failed += m[t].failed;
    }
    return proc_now_ms() - t0;
}

static long peak_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            v = atol(line + 6);
    if (f)
        fclose(f);
    return v;
}

static void concurrent(int count)
{
    const char *c = "concurrent_ns_3vnf";
    int failed;
    double t = run_many(count, false, &failed);
    bench_line(BENCH, c, "ns", count, "count", NULL, 0);
    bench_line(BENCH, c, "failed", failed, "count", NULL, 0);
    bench_line(BENCH, c, "instantiate_total", t, "ms", NULL, 0);
    long rss = 0, peak = 0;
    for (int i = 0; i < 3; i++) {
        rss += bench_rss_kib(pids[i]);
        peak += peak_kib(pids[i]);
    }
    bench_line(BENCH, c, "control_plane_rss", rss / 1024.0, "MiB", "target", 64);
    bench_line(BENCH, c, "control_plane_peak_rss", peak / 1024.0, "MiB", "target", 64);
    bench_line(BENCH, c, "orchestrator_rss", bench_rss_kib(pids[2]) / 1024.0, "MiB", NULL, 0);
    t = run_many(count, true, &failed);
    bench_line(BENCH, c, "terminate_total", t, "ms", NULL, 0);
    bench_line(BENCH, c, "terminate_failed", failed, "count", NULL, 0);
}

int main(void)
{
    if (geteuid() != 0 || proc_sh("command -v lxc-ls >/dev/null && test -x /bin/busybox") != 0) {
        fprintf(stderr, "bench-orchestrator: needs root, lxc and busybox-static\n");
        return 0;
    }
    const char *e = getenv("OUTRIG_BENCH_RUNS");
    int runs = e ? atoi(e) : 50;
    double secs = bench_seconds(0);
    if (secs > 0 && runs > (int)(secs * 2))
        runs = secs * 2 < 1 ? 1 : (int)(secs * 2);
    e = getenv("OUTRIG_BENCH_NS");
    int nns = e ? atoi(e) : 200;
    if (proc_tmpdir("orch-bench", tmp, sizeof tmp))
        return 1;
    snprintf(run_dir, sizeof run_dir, "%s/run", tmp);
    proc_sh("mkdir -p %s", run_dir);
    char cat[512], catopt[600];
    proc_build_path("examples/vnf", cat, sizeof cat);
    snprintf(catopt, sizeof catopt, "catalogue_dir=%s", cat);
    const char *oopts[] = {"--set", catopt, NULL};
    pids[0] = start_service("store", NULL);
    pids[1] = pids[0] > 0 ? start_service("hub", NULL) : -1;
    pids[2] = pids[1] > 0 ? start_service("orchestrator", oopts) : -1;
    char url[256];
    snprintf(url, sizeof url, "ipc://%s/orchestrator.sock", run_dir);
    cli = rpc_client_open(url, NULL);
    if (pids[2] > 0 && cli && onboard_bench() == 0 && add_sites() == 0) {
        instantiate_10(runs);
        if (nns > 0)
            concurrent(nns);
    }
    rpc_client_close(cli);
    proc_stop_all(pids, 3, SIGTERM, 30000);
    // Anything a failed run left on the sites.
    proc_sh("for d in %s/site-*/lxc; do for c in $(lxc-ls -P $d 2>/dev/null); do "
       "lxc-stop -k -n $c -P $d >/dev/null 2>&1; lxc-destroy -n $c -P $d >/dev/null 2>&1; done; "
       "done",
       tmp);
    if (!getenv("OUTRIG_BENCH_KEEP"))
        proc_rmtree(tmp);
    else
        fprintf(stderr, "kept %s\n", tmp);
    nng_fini();
    return 0;
}
