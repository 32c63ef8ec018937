// outrig-agent end to end (root: network namespaces, veths): a real agent with a real store
// and hub creates micro-VMs and a process VNF over its Agent API and deletes them; afterwards
// no namespace, veth, process, thread or fd of theirs is left. Guests that triple-fault or
// touch bad MMIO are FAILED while the agent keeps serving. The host key lives under a lease:
// it exists while the agent runs and vanishes after kill -9.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <pb_decode.h>

#include "adapter/adapter.h"
#include "hub/hub.h"
#include "outrig/v1/agent.pb-c.h"
#include "proc.h"
#include "request.h"
#include "store/store.h"
#include "util/clock.h"

static char metrics_url[64];
static char dir[128], run[192], url_store[256], url_hub[256], url_agent[256], host[64];
static pid_t pid_store, pid_hub, pid_agent;
static rpc_client *cli;
static store_client *sc;
static hub_client *hc;

// Events seen by the test's subscription, as "category.type id" lines.
static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static char events[8192];

static void on_event(const Outrig__V1__Event *ev, void *arg)
{
    pthread_mutex_lock(&ev_mu);
    size_t n = strlen(events);
    snprintf(events + n, sizeof events - n, "%s.%s %s\n", ev->category, ev->type, ev->id);
    pthread_mutex_unlock(&ev_mu);
}

static bool saw_event(const char *line, unsigned ms)
{
    uint64_t until = clock_mono_ms() + ms;
    do {
        pthread_mutex_lock(&ev_mu);
        bool ok = strstr(events, line) != NULL;
        pthread_mutex_unlock(&ev_mu);
        if (ok)
            return true;
        usleep(20000);
    } while (clock_mono_ms() < until);
    return false;
}

// Calls method with a nanopb request; decodes an OK reply into rep (may be NULL).
static rpc_code call(agent_method m, const void *req, void *rep, rpc_status *st)
{
    const agent_method_desc *d = agent_method_get(m);
    static uint8_t buf[65536];
    size_t len = 0;
    assert_int_equal(agent_encode(d->in_fields, req, buf, sizeof buf, &len), 0);
    void *out = NULL;
    size_t out_len = 0;
    rpc_status s0;
    rpc_call_opts o = {.timeout_ms = 20000};
    rpc_code c = rpc_client_call_bytes(cli, d->full, buf, len, &out, &out_len, &o, st ? st : &s0);
    if (c == RPC_OK && rep) {
        agent_rep r;
        pb_istream_t in = pb_istream_from_buffer(out, out_len);
        assert_true(pb_decode(&in, d->out_fields, &r));
        memcpy(rep, &r, sizeof r);
    }
    free(out);
    return c;
}

static outrig_v1_VmInfo *vm_get(const char *id)
{
    static agent_rep r;
    outrig_v1_VmRef ref = {0};
    snprintf(ref.id, sizeof ref.id, "%s", id);
    assert_int_equal(call(AGENT_M_GET_VM, &ref, &r, NULL), RPC_OK);
    return &r.vm;
}

static outrig_v1_VmInfo *vm_wait(const char *id, outrig_v1_AgentVmState want, unsigned ms)
{
    uint64_t until = clock_mono_ms() + ms;
    outrig_v1_VmInfo *v;
    while ((v = vm_get(id))->state != want && clock_mono_ms() < until)
        usleep(20000);
    return v;
}

static void vm_create_start(const char *id, const char *guest, outrig_v1_AgentVmMode mode,
                            uint32_t rate)
{
    outrig_v1_CreateVmRequest q = outrig_v1_CreateVmRequest_init_zero;
    q.has_spec = true;
    snprintf(q.spec.id, sizeof q.spec.id, "%s", id);
    snprintf(q.spec.guest, sizeof q.spec.guest, "%s", guest);
    q.spec.memory_mib = 8;
    q.spec.mode = mode;
    q.spec.item_rate_hz = rate;
    q.spec.hash_period_ms = 50;
    agent_rep r;
    rpc_status st;
    assert_int_equal(call(AGENT_M_CREATE_VM, &q, &r, &st), RPC_OK);
    assert_int_equal(r.vm.state, outrig_v1_AgentVmState_AGENT_VM_CREATED);
    outrig_v1_VmRef ref = {0};
    snprintf(ref.id, sizeof ref.id, "%s", id);
    assert_int_equal(call(AGENT_M_START_VM, &ref, &r, &st), RPC_OK);
}

static void vm_delete(const char *id)
{
    outrig_v1_VmRef ref = {0};
    snprintf(ref.id, sizeof ref.id, "%s", id);
    assert_int_equal(call(AGENT_M_DELETE_VM, &ref, NULL, NULL), RPC_OK);
}

static unsigned count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static unsigned agent_count(const char *what)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/%s", (int)pid_agent, what);
    return count_dir(p);
}

static bool path_exists(const char *p)
{
    struct stat s;
    return lstat(p, &s) == 0;
}

static bool host_key_exists(void)
{
    char key[96];
    snprintf(key, sizeof key, "/host/%s", host);
    Outrig__V1__KeyValue *kv = NULL;
    rpc_code c = store_get(sc, key, &kv, NULL);
    store_kv_free(kv);
    return c == RPC_OK;
}

// Starts micro-app `name` (build-relative binary rel) on the test's run dir, connected to
// the test's store and hub, listening on listen, and waits until it is SERVING.
static pid_t spawn(const char *rel, const char *name, const char *listen, const char *more[])
{
    proc_app app = {.root = dir, .run_dir = run, .log_level = "info", .bin = rel};
    const char *extra[24] = {"--listen", listen, "--store", url_store, "--hub", url_hub};
    size_t n = 6;
    for (size_t i = 0; more && more[i]; i++) {
        assert_true(n < 23);
        extra[n++] = more[i];
    }
    pid_t p = proc_app_start(&app, name, extra, 15000);
    assert_true(p > 0);
    return p;
}

static void start_agent(void)
{
    if (pid_agent > 0) // left by a test that failed half way
        proc_stop(pid_agent, SIGTERM, 15000);
    char hostopt[96];
    snprintf(hostopt, sizeof hostopt, "host=%s", host);
    snprintf(metrics_url, sizeof metrics_url, "http://127.0.0.1:%d/metrics",
             20000 + (int)(getpid() % 20000));
    const char *extra[] = {"--set",     hostopt,
                           "--set",     "lease_ttl_ms=2000",
                           "--set",     "stop_grace_ms=500",
                           "--set",     "netns_prefix=oe2e-",
                           "--metrics", metrics_url,
                           NULL};
    pid_agent = spawn("hypervisor-agent/agent/outrig-agent", "agent", url_agent, extra);
}

static void wait_host_key(void)
{
    uint64_t until = clock_mono_ms() + 5000;
    while (!host_key_exists() && clock_mono_ms() < until)
        usleep(50000);
    assert_true(host_key_exists());
}

// Runs the outrig CLI with args against the test's run dir; its stdout into out.
static int cli_run(const char *args, char *out, size_t len)
{
    char bin[512], cmd[1024];
    proc_build_path("tools/outrig/outrig", bin, sizeof bin);
    snprintf(cmd, sizeof cmd, "%s --run-dir %s %s", bin, run, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    int ws = pclose(p);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static int setup(void **state)
{
    if (geteuid() != 0) {
        fprintf(stderr, "agent_e2e needs root (network namespaces)\n");
        return -1;
    }
    if (proc_tmpdir("agent-e2e", dir, sizeof dir))
        return -1;
    snprintf(run, sizeof run, "%s/run", dir);
    mkdir(run, 0700);
    snprintf(url_store, sizeof url_store, "ipc://%s/store.sock", run);
    snprintf(url_hub, sizeof url_hub, "ipc://%s/hub.sock", run);
    snprintf(url_agent, sizeof url_agent, "ipc://%s/agent.sock", run);
    snprintf(host, sizeof host, "e2e-host-%d", (int)getpid());
    pid_store = spawn("services/store/outrig-store", "store", url_store, NULL);
    pid_hub = spawn("services/hub/outrig-hub", "hub", url_hub, NULL);
    start_agent();
    cli = rpc_client_open(url_agent, NULL);
    sc = store_client_open(url_store, NULL);
    hc = hub_client_open(url_hub, NULL);
    return cli && sc && hc ? 0 : -1;
}

static int teardown(void **state)
{
    rpc_client_close(cli);
    store_client_close(sc);
    hub_client_close(hc);
    if (pid_agent > 0)
        proc_stop(pid_agent, SIGTERM, 10000);
    if (pid_hub > 0)
        proc_stop(pid_hub, SIGTERM, 10000);
    if (pid_store > 0)
        proc_stop(pid_store, SIGTERM, 10000);
    if (getenv("AGENT_E2E_KEEP"))
        fprintf(stderr, "kept %s\n", dir);
    else
        proc_rmtree(dir);
    nng_fini();
    return 0;
}

static void test_agent_end_to_end(void **state)
{
    const char *cats[] = {"vnf", "host", NULL};
    hub_subscription *sub = NULL;
    assert_int_equal(hub_subscribe(hc, NULL, cats, HUB_FROM_RESUME, on_event, NULL, NULL, &sub), 0);

    // The host is registered under a lease.
    wait_host_key();
    uint64_t until;
    char key[96];
    snprintf(key, sizeof key, "/host/%s", host);
    Outrig__V1__KeyValue *kv = NULL;
    assert_int_equal(store_get(sc, key, &kv, NULL), RPC_OK);
    assert_true(kv->lease != 0);
    Outrig__V1__HostRecord *rec =
        outrig__v1__host_record__unpack(NULL, kv->value.len, kv->value.data);
    assert_non_null(rec);
    assert_string_equal(rec->agent_url, url_agent);
    assert_int_equal(rec->pid, pid_agent);
    outrig__v1__host_record__free_unpacked(rec, NULL);
    store_kv_free(kv);

    // Baseline after the first calls: nng has its threads and pipes by now.
    agent_rep r;
    assert_int_equal(call(AGENT_M_STATS, &(outrig_v1_AgentStatsRequest){0}, &r, NULL), RPC_OK);
    assert_true(r.stats.kvm);
    usleep(300000);
    unsigned fds0 = agent_count("fd"), tasks0 = agent_count("task");

    // A guest that runs to its end.
    vm_create_start("hello", "hello", outrig_v1_AgentVmMode_AGENT_VM_MODE_NONE, 0);
    outrig_v1_VmInfo *v = vm_wait("hello", outrig_v1_AgentVmState_AGENT_VM_STOPPED, 10000);
    assert_int_equal(v->state, outrig_v1_AgentVmState_AGENT_VM_STOPPED);
    assert_true(v->exited);
    assert_int_equal(v->exit_code, 7);
    assert_non_null(strstr(v->console, "hello from outrigger guest"));

    // An idle-worker with load, management work done while it halts.
    vm_create_start("worker", "idle-worker", outrig_v1_AgentVmMode_AGENT_VM_MODE_OPPORTUNISTIC,
                    200);
    usleep(1500000);
    v = vm_get("worker");
    assert_int_equal(v->state, outrig_v1_AgentVmState_AGENT_VM_RUNNING);
    assert_true(v->items_done > 50);
    assert_true(v->latency_p50_us >= 100); // each item costs 100 µs of guest time
    outrig_v1_ListTasksRequest lt = {0};
    snprintf(lt.vm_id, sizeof lt.vm_id, "worker");
    assert_int_equal(call(AGENT_M_LIST_TASKS, &lt, &r, NULL), RPC_OK);
    assert_int_equal(r.tasks.classes_count, 2);
    assert_string_equal(r.tasks.classes[0].task_class, "hash");
    assert_true(r.tasks.classes[0].completed >= 1);
    assert_true(r.tasks.classes[0].bytes_done >= 8u << 20);
    assert_true(r.tasks.classes[1].completed >= 1); // metrics samples

    // The CLI: hosts from the store, VMs and tasks from the agent.
    static char out[65536];
    char args[400];
    assert_int_equal(cli_run("host list -o json", out, sizeof out), 0);
    snprintf(args, sizeof args, "\"name\":\"%s\",\"agent_url\":\"%s\"", host, url_agent);
    assert_non_null(strstr(out, args));
    assert_int_equal(cli_run("vm list", out, sizeof out), 0);
    assert_non_null(strstr(out, "worker"));
    assert_non_null(strstr(out, "opportunistic"));
    assert_int_equal(cli_run("vm show hello -o json", out, sizeof out), 0);
    assert_non_null(strstr(out, "\"exit_code\":7"));
    assert_non_null(strstr(out, "hello from outrigger guest"));
    assert_int_equal(cli_run("vm show nosuch", out, sizeof out), 1);
    snprintf(args, sizeof args, "host tasks %s -o json", host);
    assert_int_equal(cli_run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"vm_id\":\"worker\",\"class\":\"hash\""));
    assert_int_equal(cli_run("host tasks no-such-host", out, sizeof out), 1);

    // Per-task-class counters in the metrics.
    snprintf(args, sizeof args, "curl -sf %s", metrics_url);
    FILE *mp = popen(args, "r");
    assert_non_null(mp);
    size_t mn = fread(out, 1, sizeof out - 1, mp);
    out[mn] = 0;
    assert_int_equal(pclose(mp), 0);
    const char *hb = strstr(out, "task_bytes{class=\"hash\"} ");
    assert_non_null(hb);
    assert_true(strtoull(strchr(hb, ' ') + 1, NULL, 10) >= 8u << 20);
    assert_non_null(strstr(out, "task_fallbacks{class=\"hash\"} "));

    // Faulting guests are FAILED, and the agent keeps serving.
    vm_create_start("tf", "triple-fault", outrig_v1_AgentVmMode_AGENT_VM_MODE_NONE, 0);
    vm_create_start("mmio", "bad-mmio", outrig_v1_AgentVmMode_AGENT_VM_MODE_OPPORTUNISTIC, 0);
    v = vm_wait("tf", outrig_v1_AgentVmState_AGENT_VM_FAILED, 10000);
    assert_int_equal(v->state, outrig_v1_AgentVmState_AGENT_VM_FAILED);
    assert_true(v->reason[0]);
    v = vm_wait("mmio", outrig_v1_AgentVmState_AGENT_VM_FAILED, 10000);
    assert_int_equal(v->state, outrig_v1_AgentVmState_AGENT_VM_FAILED);
    assert_true(v->reason[0]);
    assert_true(saw_event("host.vm-failed tf", 5000));
    assert_true(saw_event("host.vm-failed mmio", 5000));
    assert_int_equal(call(AGENT_M_LIST_VMS, &(outrig_v1_ListVmsRequest){0}, &r, NULL), RPC_OK);
    assert_int_equal(r.vms.vms_count, 4);
    assert_true(proc_alive(pid_agent));

    // A process VNF with one CP.
    outrig_v1_CreateVnfRequest cv = outrig_v1_CreateVnfRequest_init_zero;
    cv.has_spec = true;
    snprintf(cv.spec.id, sizeof cv.spec.id, "vnf1");
    snprintf(cv.spec.owner, sizeof cv.spec.owner, "ns-e2e");
    snprintf(cv.spec.path, sizeof cv.spec.path, "/bin/sleep");
    cv.spec.args_count = 1;
    snprintf(cv.spec.args[0], sizeof cv.spec.args[0], "600");
    cv.spec.cps_count = 1;
    snprintf(cv.spec.cps[0].id, sizeof cv.spec.cps[0].id, "eth0");
    snprintf(cv.spec.cps[0].address, sizeof cv.spec.cps[0].address, "10.213.77.1/24");
    rpc_status st;
    // Bad input names the field and changes nothing.
    snprintf(cv.spec.cps[0].address, sizeof cv.spec.cps[0].address, "10.213.77.1");
    assert_int_equal(call(AGENT_M_CREATE_VNF, &cv, &r, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "spec.cps[0].address");
    snprintf(cv.spec.cps[0].address, sizeof cv.spec.cps[0].address, "10.213.77.1/24");
    assert_int_equal(call(AGENT_M_CREATE_VNF, &cv, &r, &st), RPC_OK);
    assert_int_equal(r.vnf.state, outrig_v1_AgentVnfState_AGENT_VNF_CREATED);
    char ifpath[128], nspath[128], vnfdir[256];
    snprintf(ifpath, sizeof ifpath, "/sys/class/net/%s", r.vnf.cps[0].host_ifname);
    snprintf(nspath, sizeof nspath, "/run/netns/%s", r.vnf.netns);
    snprintf(vnfdir, sizeof vnfdir, "%s", r.vnf.dir);
    assert_string_equal(r.vnf.netns, "oe2e-vnf1");
    assert_true(path_exists(ifpath));
    assert_true(path_exists(nspath));
    outrig_v1_VnfRef ref = {0};
    snprintf(ref.id, sizeof ref.id, "vnf1");
    assert_int_equal(call(AGENT_M_START_VNF, &ref, &r, &st), RPC_OK);
    assert_int_equal(r.vnf.state, outrig_v1_AgentVnfState_AGENT_VNF_RUNNING);
    pid_t vnf_pid = r.vnf.pid;
    assert_true(vnf_pid > 0 && proc_alive(vnf_pid));
    assert_true(saw_event("vnf.started vnf1", 5000));

    outrig_v1_ConfigurePeerRequest cp = {0};
    snprintf(cp.vnf_id, sizeof cp.vnf_id, "vnf1");
    snprintf(cp.cp_id, sizeof cp.cp_id, "eth0");
    snprintf(cp.peer_address, sizeof cp.peer_address, "10.213.77.2");
    snprintf(cp.peer_id, sizeof cp.peer_id, "ns-e2e.b.0/eth0");
    assert_int_equal(call(AGENT_M_CONFIGURE_PEER, &cp, &r, &st), RPC_OK);
    assert_string_equal(r.vnf.cps[0].peer_address, "10.213.77.2");
    char peerfile[320], buf[256] = "";
    snprintf(peerfile, sizeof peerfile, "%s/peers/eth0", vnfdir);
    FILE *f = fopen(peerfile, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = 0;
    assert_string_equal(buf, "address=10.213.77.2\nid=ns-e2e.b.0/eth0\n");
    snprintf(cp.cp_id, sizeof cp.cp_id, "eth9");
    assert_int_equal(call(AGENT_M_CONFIGURE_PEER, &cp, &r, &st), RPC_NOT_FOUND);
    assert_string_equal(st.field, "cp_id");

    outrig_v1_ListVnfsRequest lv = {0};
    snprintf(lv.owner, sizeof lv.owner, "ns-e2e");
    assert_int_equal(call(AGENT_M_LIST_VNFS, &lv, &r, NULL), RPC_OK);
    assert_int_equal(r.vnfs.vnfs_count, 1);
    assert_string_equal(r.vnfs.vnfs[0].owner, "ns-e2e");
    snprintf(lv.owner, sizeof lv.owner, "other");
    assert_int_equal(call(AGENT_M_LIST_VNFS, &lv, &r, NULL), RPC_OK);
    assert_int_equal(r.vnfs.vnfs_count, 0);

    // Delete everything: nothing of theirs is left.
    assert_int_equal(call(AGENT_M_DELETE_VNF, &ref, NULL, &st), RPC_OK);
    vm_delete("hello");
    vm_delete("worker");
    vm_delete("tf");
    vm_delete("mmio");
    assert_int_equal(call(AGENT_M_DELETE_VM, &(outrig_v1_VmRef){.id = "hello"}, NULL, &st),
                     RPC_NOT_FOUND);
    assert_false(path_exists(ifpath));
    assert_false(path_exists(nspath));
    assert_false(path_exists(vnfdir));
    assert_false(proc_alive(vnf_pid));
    unsigned fds = 0, tasks = 0;
    until = clock_mono_ms() + 3000;
    do {
        usleep(50000);
        fds = agent_count("fd");
        tasks = agent_count("task");
    } while ((fds != fds0 || tasks != tasks0) && clock_mono_ms() < until);
    assert_int_equal(fds, fds0);
    assert_int_equal(tasks, tasks0);
    assert_true(saw_event("vnf.deleted vnf1", 5000));
    assert_true(saw_event("host.vm-deleted worker", 5000));
    hub_unsubscribe(sub);

    // Shutdown cleans up what the agent still has (default on_exit=cleanup), exits 0 (under
    // ASan: no leak) and revokes the lease, so the host key goes at once.
    cv.spec.cps_count = 1;
    snprintf(cv.spec.id, sizeof cv.spec.id, "vnf2");
    snprintf(cv.spec.cps[0].address, sizeof cv.spec.cps[0].address, "10.213.78.1/24");
    assert_int_equal(call(AGENT_M_CREATE_VNF, &cv, &r, &st), RPC_OK);
    snprintf(nspath, sizeof nspath, "/run/netns/%s", r.vnf.netns);
    snprintf(ref.id, sizeof ref.id, "vnf2");
    assert_int_equal(call(AGENT_M_START_VNF, &ref, &r, &st), RPC_OK);
    vnf_pid = r.vnf.pid;
    vm_create_start("left", "idle-worker", outrig_v1_AgentVmMode_AGENT_VM_MODE_PREEMPTIVE, 100);
    assert_true(path_exists(nspath));
    int ws = proc_stop(pid_agent, SIGTERM, 15000);
    pid_agent = 0;
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    assert_false(path_exists(nspath));
    assert_false(proc_alive(vnf_pid));
    assert_false(host_key_exists());
}

static int collect(const adapter_vnf_info *info, void *arg)
{
    adapter_vnf_info *out = arg;
    if (!strcmp(info->instance_id, "ns7.fw.0"))
        *out = *info;
    return 0;
}

// The orchestrator's agent site kind, driving the real agent.
static void test_agent_site_adapter(void **state)
{
    start_agent();
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "agent://%s?timeout_ms=20000", url_agent);
    adapter_site_config cfg = {.name = "site-e2e", .endpoint = endpoint};
    adapter_site *site = NULL;
    adapter_err err;
    assert_int_equal(adapter_open("agent", &cfg, &site, &err), 0);
    const char *args[] = {"600"};
    adapter_cp cps[] = {{"eth0", "10.213.79.1/24", NULL}};
    adapter_vnf_spec spec = {.instance_id = "ns7.fw.0",
                             .owner = "ns7",
                             .image = "/bin/sleep",
                             .args = args,
                             .n_args = 1,
                             .cps = cps,
                             .n_cps = 1};
    assert_int_equal(adapter_create_vnf(site, &spec, &err), 0);
    assert_int_equal(adapter_create_vnf(site, &spec, &err), -EEXIST);
    spec.image = "no-such-image";
    spec.instance_id = "ns7.fw.1";
    assert_int_equal(adapter_create_vnf(site, &spec, &err), -ENOENT);
    assert_int_equal(adapter_start_vnf(site, "ns7.fw.0", &err), 0);
    assert_int_equal(adapter_start_vnf(site, "ns7.fw.0", &err), -EALREADY);
    adapter_cp_peer peer = {"10.213.79.2", "ns7.lb.0/eth0"};
    assert_int_equal(adapter_configure_cp(site, "ns7.fw.0", "eth0", NULL, &peer, &err), 0);
    assert_int_equal(adapter_configure_cp(site, "ns7.fw.0", "eth0", "10.213.79.9/24", &peer, &err),
                     -EOPNOTSUPP);
    adapter_vnf_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(adapter_list_vnfs(site, collect, &info, &err), 0);
    assert_string_equal(info.owner, "ns7");
    assert_int_equal(info.state, ADAPTER_VNF_RUNNING);
    assert_true(info.pid > 0);
    assert_int_equal(info.n_cps, 1);
    char ifpath[128];
    snprintf(ifpath, sizeof ifpath, "/sys/class/net/%s", info.cps[0].host_ifname);
    assert_true(path_exists(ifpath));
    assert_int_equal(adapter_stop_vnf(site, "ns7.fw.0", &err), 0);
    assert_int_equal(adapter_vnf_status(site, "ns7.fw.0", &info, &err), 0);
    assert_int_equal(info.state, ADAPTER_VNF_STOPPED);
    assert_int_equal(adapter_delete_vnf(site, "ns7.fw.0", &err), 0);
    assert_int_equal(adapter_vnf_status(site, "ns7.fw.0", &info, &err), -ENOENT);
    assert_false(path_exists(ifpath));
    adapter_close(site);
    int ws = proc_stop(pid_agent, SIGTERM, 15000);
    pid_agent = 0;
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
}

static void test_host_key_vanishes_after_kill_9(void **state)
{
    start_agent();
    wait_host_key();
    // A VNF running when the agent dies stays behind it...
    outrig_v1_CreateVnfRequest cv = outrig_v1_CreateVnfRequest_init_zero;
    cv.has_spec = true;
    snprintf(cv.spec.id, sizeof cv.spec.id, "orphan");
    snprintf(cv.spec.path, sizeof cv.spec.path, "/bin/sleep");
    cv.spec.args_count = 1;
    snprintf(cv.spec.args[0], sizeof cv.spec.args[0], "600");
    cv.spec.cps_count = 1;
    snprintf(cv.spec.cps[0].id, sizeof cv.spec.cps[0].id, "eth0");
    agent_rep r;
    assert_int_equal(call(AGENT_M_CREATE_VNF, &cv, &r, NULL), RPC_OK);
    char nspath[128], ifpath[128];
    snprintf(nspath, sizeof nspath, "/run/netns/%s", r.vnf.netns);
    snprintf(ifpath, sizeof ifpath, "/sys/class/net/%s", r.vnf.cps[0].host_ifname);
    outrig_v1_VnfRef ref = {.id = "orphan"};
    assert_int_equal(call(AGENT_M_START_VNF, &ref, &r, NULL), RPC_OK);
    pid_t orphan = r.vnf.pid;

    kill(pid_agent, SIGKILL);
    proc_stop(pid_agent, SIGKILL, 5000);
    pid_agent = 0;
    assert_true(host_key_exists()); // until the lease expires
    uint64_t until = clock_mono_ms() + 10000;
    while (host_key_exists() && clock_mono_ms() < until)
        usleep(100000);
    assert_false(host_key_exists());
    assert_true(path_exists(nspath));
    assert_true(proc_alive(orphan));

    // ...and the next agent on the host removes it before it serves.
    start_agent();
    assert_false(path_exists(nspath));
    assert_false(path_exists(ifpath));
    until = clock_mono_ms() + 3000;
    while (proc_alive(orphan) && clock_mono_ms() < until)
        usleep(50000);
    assert_false(proc_alive(orphan));
    assert_int_equal(call(AGENT_M_CREATE_VNF, &cv, &r, NULL), RPC_OK); // the id is free again
    int ws = proc_stop(pid_agent, SIGTERM, 15000);
    pid_agent = 0;
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    assert_false(path_exists(nspath));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agent_end_to_end),
        cmocka_unit_test(test_agent_site_adapter),
        cmocka_unit_test(test_host_key_vanishes_after_kill_9),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
