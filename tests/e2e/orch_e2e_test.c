// End-to-end test of outrig-orchestrator on real processes and real LXC sites (root, liblxc,
// busybox-static): outrig-store, outrig-hub and outrig-orchestrator on a temporary run dir,
// two LXC sites each in its own network namespace. The example NS (examples/ns) is onboarded
// and instantiated with a site map; its three VNFs must run where the map says, a retried
// request with the same op id must not run again, a second operation on a busy NS is refused,
// terminate leaves nothing on any site. Then the orchestrator is killed (SIGKILL, through the
// crash_after test hook) at each step of an instantiate: after a restart the operation is
// COMPLETED or ROLLED_BACK with exactly one VNF per instance and no orphan. Finally the
// reconcile loop removes a VNF no NS owns and recreates one that disappeared, and an NS is
// deployed across an LXC site and an outrig-agent site (when the agent is built).
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

#include "adapter/adapter.h"
#include "outrig/v1/orchestrator.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"
#include "check.h"

static char tmp[128], run_dir[192], url[256], ns_a[32], ns_b[32], site_dir[2][160];
static pid_t store_pid, hub_pid, orch_pid;
static rpc_client *cli;

// Every service logs to <tmp>/<name>.log and keeps its data in <tmp>/<name>.
static proc_app app = {.root = tmp, .run_dir = run_dir, .log_level = "info"};

static pid_t start_orch(const char *crash_after)
{
    char cat[512], crash[64];
    proc_build_path("examples/vnf", cat, sizeof cat);
    char catopt[600];
    snprintf(catopt, sizeof catopt, "catalogue_dir=%s", cat);
    snprintf(crash, sizeof crash, "crash_after=%s", crash_after ? crash_after : "");
    const char *extra[] = {"--set", catopt, "--set", "reconcile_ms=500", "--set", crash, NULL};
    pid_t p = proc_app_start(&app, "orchestrator", extra, 15000);
    CHECK(p > 0, "orchestrator did not start");
    return p;
}

static rpc_code call(const char *method, const ProtobufCMessage *in,
                     const ProtobufCMessageDescriptor *od, void *out, rpc_status *st)
{
    char m[128];
    snprintf(m, sizeof m, "/outrig.v1.Orchestrator/%s", method);
    rpc_call_opts o = {.timeout_ms = 20000};
    return rpc_client_call(cli, m, in, od, (ProtobufCMessage **)out, &o, st);
}

static rpc_code add_file(const char *method, const char *file)
{
    char path[1100], src[512];
    const char *s = getenv("OUTRIG_SRC_DIR");
    snprintf(src, sizeof src, "%s", s ? s : ".");
    snprintf(path, sizeof path, "%s/examples/ns/%s", src, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return RPC_NOT_FOUND;
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    Outrig__V1__AddDescriptorRequest r = OUTRIG__V1__ADD_DESCRIPTOR_REQUEST__INIT;
    r.file_name = (char *)file;
    r.yaml.data = buf;
    r.yaml.len = n;
    rpc_status st;
    rpc_code rc =
        call(method, &r.base, &outrig__v1__add_descriptor_response__descriptor, NULL, &st);
    CHECK(rc == RPC_OK, "%s %s: %s", method, file, st.message);
    return rc;
}

// Polls GetOp until the operation is finished; returns its final state (or -1).
static int wait_op(const char *id, uint32_t *attempts)
{
    for (int i = 0; i < 600; i++) {
        Outrig__V1__IdRequest r = OUTRIG__V1__ID_REQUEST__INIT;
        r.id = (char *)id;
        Outrig__V1__OpInfo *info = NULL;
        if (call("GetOp", &r.base, &outrig__v1__op_info__descriptor, &info, NULL) == RPC_OK) {
            Outrig__V1__Operation *op = info->op;
            int s = op->state;
            bool done =
                s == OUTRIG__V1__OPERATION__STATE__COMPLETED ||
                s == OUTRIG__V1__OPERATION__STATE__ROLLED_BACK ||
                (s == OUTRIG__V1__OPERATION__STATE__FAILED &&
                 (op->keep_on_failure || op->type == OUTRIG__V1__OPERATION__TYPE__TERMINATE));
            if (attempts)
                *attempts = op->attempts;
            if (done && s != OUTRIG__V1__OPERATION__STATE__COMPLETED)
                fprintf(stderr, "op %s ended %d: %s\n", id, s, op->error);
            protobuf_c_message_free_unpacked(&info->base, NULL);
            if (done)
                return s;
        }
        proc_sleep_ms(50);
    }
    return -1;
}

// ---- what the sites run ---------------------------------------------------------------------

typedef struct seen {
    char id[80], owner[80];
    int site;
    adapter_vnf_state state;
} seen;
static seen vnfs[64];
static size_t n_vnfs;
static int cur_site;

static int list_cb(const adapter_vnf_info *i, void *arg)
{
    if (n_vnfs < 64) {
        seen *s = &vnfs[n_vnfs++];
        snprintf(s->id, sizeof s->id, "%s", i->instance_id);
        snprintf(s->owner, sizeof s->owner, "%s", i->owner);
        s->site = cur_site;
        s->state = i->state;
    }
    return 0;
}

static adapter_site *sites[2];

static void open_sites(void)
{
    const char *nss[2] = {ns_a, ns_b};
    for (int i = 0; i < 2; i++) {
        char ep[600], opt[64];
        snprintf(ep, sizeof ep, "lxc://%s", site_dir[i]);
        snprintf(opt, sizeof opt, "netns=%s", nss[i]);
        const char *opts[] = {opt, NULL};
        adapter_site_config cfg = {
            .name = i ? "site-b" : "site-a", .endpoint = ep, .options = opts};
        adapter_err err;
        int rc = adapter_open("lxc", &cfg, &sites[i], &err);
        CHECK(rc == 0, "open site %d: %s", i, err.msg);
    }
}

static void list_all(void)
{
    // A listing may meet a container the orchestrator is removing at that moment: retry.
    for (int attempt = 0; attempt < 5; attempt++) {
        n_vnfs = 0;
        int bad = 0;
        adapter_err err = {{0}};
        for (cur_site = 0; cur_site < 2; cur_site++)
            if (sites[cur_site] && adapter_list_vnfs(sites[cur_site], list_cb, NULL, &err))
                bad++;
        if (!bad)
            return;
        if (attempt == 4)
            CHECK(0, "list: %s", err.msg);
        proc_sleep_ms(100);
    }
}

// How many copies of instance id the sites run; *site gets where (the last).
static int copies(const char *id, int *site)
{
    int n = 0;
    for (size_t i = 0; i < n_vnfs; i++)
        if (!strcmp(vnfs[i].id, id)) {
            n++;
            if (site)
                *site = vnfs[i].site;
        }
    return n;
}

static size_t count_owned(const char *ns)
{
    size_t n = 0;
    for (size_t i = 0; i < n_vnfs; i++)
        n += !strcmp(vnfs[i].owner, ns);
    return n;
}

// ---- steps ---------------------------------------------------------------------------------

static rpc_code create_ns(const char *name, const char *op_id, Outrig__V1__Operation **out)
{
    Outrig__V1__CreateNsRequest r = OUTRIG__V1__CREATE_NS_REQUEST__INIT;
    r.nsd_id = "cgw-fw-srv";
    r.name = (char *)name;
    r.op_id = (char *)op_id;
    Outrig__V1__CreateNsRequest__SiteMapEntry e[3], *ep[3];
    const char *k[] = {"cgw", "fw", "srv"}, *v[] = {"site-a", "site-a", "site-b"};
    for (int i = 0; i < 3; i++) {
        outrig__v1__create_ns_request__site_map_entry__init(&e[i]);
        e[i].key = (char *)k[i];
        e[i].value = (char *)v[i];
        ep[i] = &e[i];
    }
    r.site_map = ep;
    r.n_site_map = 3;
    rpc_status st;
    rpc_code rc = call("CreateNs", &r.base, &outrig__v1__operation__descriptor, out, &st);
    if (rc != RPC_OK && rc != RPC_ALREADY_EXISTS)
        fprintf(stderr, "CreateNs %s: %s\n", name, st.message);
    return rc;
}

static rpc_code ns_op(const char *method, const char *ns, const char *op_id,
                      Outrig__V1__Operation **out)
{
    Outrig__V1__NsOpRequest r = OUTRIG__V1__NS_OP_REQUEST__INIT;
    r.ns_id = (char *)ns;
    r.op_id = (char *)op_id;
    return call(method, &r.base, &outrig__v1__operation__descriptor, out, NULL);
}

static void deploy_and_terminate(void)
{
    Outrig__V1__Operation *op = NULL;
    CHECK(create_ns("demo", "it-1", &op) == RPC_OK, "CreateNs");
    if (op)
        protobuf_c_message_free_unpacked(&op->base, NULL);
    uint32_t attempts = 0;
    CHECK(wait_op("it-1", &attempts) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "instantiate");
    list_all();
    int s = -1;
    CHECK(copies("demo.cgw.0", &s) == 1 && s == 0, "cgw on site-a (copies/site %d)", s);
    CHECK(copies("demo.fw.0", &s) == 1 && s == 0, "fw on site-a (site %d)", s);
    CHECK(copies("demo.srv.0", &s) == 1 && s == 1, "srv on site-b (site %d)", s);
    for (size_t i = 0; i < n_vnfs; i++)
        CHECK(vnfs[i].state == ADAPTER_VNF_RUNNING, "%s state %d", vnfs[i].id, vnfs[i].state);

    // The same request again (a client retry): the recorded operation, not a second run.
    op = NULL;
    CHECK(create_ns("demo", "it-1", &op) == RPC_OK, "retried CreateNs");
    CHECK(op && !strcmp(op->id, "it-1") && op->state == OUTRIG__V1__OPERATION__STATE__COMPLETED &&
              op->attempts == 1,
          "retry returns the completed op");
    if (op)
        protobuf_c_message_free_unpacked(&op->base, NULL);
    list_all();
    CHECK(count_owned("demo") == 3, "still 3 VNFs after the retry, got %zu", count_owned("demo"));
    CHECK(create_ns("demo", "it-2", NULL) == RPC_ALREADY_EXISTS, "a second NS named demo");

    // A second operation while one runs.
    CHECK(ns_op("DeleteNs", "demo", "it-del", NULL) == RPC_OK, "DeleteNs");
    rpc_code busy = ns_op("HealNs", "demo", "it-heal", NULL);
    CHECK(busy == RPC_FAILED_PRECONDITION, "HealNs during DeleteNs: %s", rpc_code_name(busy));
    CHECK(wait_op("it-del", NULL) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "terminate");
    list_all();
    CHECK(n_vnfs == 0, "terminate left %zu VNF(s) on the sites", n_vnfs);
    CHECK(proc_sh("ls %s/lxc 2>/dev/null | grep -q or-", site_dir[0]) != 0, "container dir left");
}

static void *dup_create(void *arg)
{
    Outrig__V1__Operation *op = NULL;
    rpc_code rc = create_ns("dup", "dup-1", &op);
    *(int *)arg = rc == RPC_OK && op && !strcmp(op->id, "dup-1") ? 1 : 0;
    if (op)
        protobuf_c_message_free_unpacked(&op->base, NULL);
    return NULL;
}

// The same request sent twice at once (a client that retries before the first reply): one
// operation, run once, and both callers get it.
static void concurrent_retry(void)
{
    pthread_t th[2];
    int ok[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, dup_create, &ok[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK(ok[0] && ok[1], "both concurrent requests get operation dup-1 (%d, %d)", ok[0], ok[1]);
    uint32_t attempts = 0;
    CHECK(wait_op("dup-1", &attempts) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "dup-1");
    CHECK(attempts == 1, "dup-1 ran %u times", attempts);
    list_all();
    CHECK(count_owned("dup") == 3, "dup has %zu VNFs, want 3", count_owned("dup"));
    CHECK(ns_op("DeleteNs", "dup", "dup-del", NULL) == RPC_OK, "delete dup");
    CHECK(wait_op("dup-del", NULL) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "delete dup");
}

// Kills the orchestrator at `step` of an instantiate, restarts it, checks the outcome.
static void crash_at(const char *step, int round)
{
    proc_stop(orch_pid, SIGTERM, 10000);
    orch_pid = start_orch(step);
    char name[32], op_id[32];
    snprintf(name, sizeof name, "c%d", round);
    snprintf(op_id, sizeof op_id, "crash-%d", round);
    create_ns(name, op_id, NULL);
    // The hook kills the orchestrator with SIGKILL.
    int st = 0;
    for (int i = 0; i < 400 && waitpid(orch_pid, &st, WNOHANG) == 0; i++)
        proc_sleep_ms(25);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s: orchestrator not killed by the hook",
          step);
    if (!(WIFSIGNALED(st)))
        proc_stop(orch_pid, SIGKILL, 5000);
    orch_pid = start_orch(NULL);
    int final = wait_op(op_id, NULL);
    CHECK(final == OUTRIG__V1__OPERATION__STATE__COMPLETED ||
              final == OUTRIG__V1__OPERATION__STATE__ROLLED_BACK,
          "%s: op ended in state %d", step, final);
    proc_sleep_ms(700); // one reconcile pass
    list_all();
    const char *prof[] = {"cgw", "fw", "srv"};
    for (int i = 0; i < 3; i++) {
        char id[64];
        snprintf(id, sizeof id, "%s.%s.0", name, prof[i]);
        int want = final == OUTRIG__V1__OPERATION__STATE__COMPLETED ? 1 : 0;
        CHECK(copies(id, NULL) == want, "%s: %s has %d copies, want %d", step, id, copies(id, NULL),
              want);
    }
    CHECK(n_vnfs == count_owned(name), "%s: %zu VNF(s) on the sites, %zu of %s", step, n_vnfs,
          count_owned(name), name);
    fprintf(stderr, "crash at %s: %s\n", step,
            final == OUTRIG__V1__OPERATION__STATE__COMPLETED ? "completed" : "rolled back");
    if (final == OUTRIG__V1__OPERATION__STATE__COMPLETED) {
        char del[32];
        snprintf(del, sizeof del, "del-%d", round);
        CHECK(ns_op("DeleteNs", name, del, NULL) == RPC_OK, "delete %s", name);
        CHECK(wait_op(del, NULL) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "delete %s", name);
    }
    list_all();
    CHECK(n_vnfs == 0, "%s: %zu VNF(s) left", step, n_vnfs);
}

static rpc_code delete_image(const char *name)
{
    Outrig__V1__IdRequest r = OUTRIG__V1__ID_REQUEST__INIT;
    r.id = (char *)name;
    return call("DeleteImage", &r.base, &outrig__v1__empty__descriptor, NULL, NULL);
}

// A failure (the server's image is gone from the catalogue) rolls back what the operation
// made; a crash in the middle of the rollback is finished by the next start.
static void rollback(void)
{
    CHECK(delete_image("outrig-vnf-echo") == RPC_OK, "DeleteImage");
    CHECK(create_ns("rb", "rb-1", NULL) == RPC_OK, "CreateNs rb");
    CHECK(wait_op("rb-1", NULL) == OUTRIG__V1__OPERATION__STATE__ROLLED_BACK, "rb-1 rolled back");
    list_all();
    CHECK(n_vnfs == 0, "rollback left %zu VNF(s)", n_vnfs);
    Outrig__V1__IdRequest r = OUTRIG__V1__ID_REQUEST__INIT;
    r.id = "rb";
    CHECK(call("GetNs", &r.base, &outrig__v1__ns_info__descriptor, NULL, NULL) == RPC_NOT_FOUND,
          "a rolled back instantiate leaves no NS");

    proc_stop(orch_pid, SIGTERM, 10000);
    orch_pid = start_orch("rollback_started");
    CHECK(delete_image("outrig-vnf-echo") == RPC_OK, "DeleteImage"); // re-seeded at start
    create_ns("rb2", "rb-2", NULL);
    int st = 0;
    for (int i = 0; i < 400 && waitpid(orch_pid, &st, WNOHANG) == 0; i++)
        proc_sleep_ms(25);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "rollback_started: not killed by the hook");
    if (!WIFSIGNALED(st))
        proc_stop(orch_pid, SIGKILL, 5000);
    orch_pid = start_orch(NULL);
    CHECK(wait_op("rb-2", NULL) == OUTRIG__V1__OPERATION__STATE__ROLLED_BACK,
          "rb-2 rolled back after the crash");
    proc_sleep_ms(700);
    list_all();
    CHECK(n_vnfs == 0, "crash in rollback left %zu VNF(s)", n_vnfs);
}

static void reconcile(void)
{
    CHECK(create_ns("rec", "rec-1", NULL) == RPC_OK, "CreateNs rec");
    CHECK(wait_op("rec-1", NULL) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "instantiate rec");
    // Frozen meanwhile, so that its reconcile loop does not meet the half-made orphan.
    kill(orch_pid, SIGSTOP);
    // An orphan: a VNF on site-a that no NS records.
    char rel[512], prog[4096];
    proc_build_path("examples/vnf/outrig-vnf-echo", rel, sizeof rel);
    if (!realpath(rel, prog))
        snprintf(prog, sizeof prog, "%s", rel);
    adapter_vnf_spec spec = {.instance_id = "ghost.x.0", .owner = "ghost", .image = prog};
    adapter_err err;
    CHECK(adapter_create_vnf(sites[0], &spec, &err) == 0, "orphan: %s", err.msg);
    // A missing instance: rec.srv.0 removed behind the orchestrator's back.
    CHECK(adapter_delete_vnf(sites[1], "rec.srv.0", &err) == 0, "delete srv: %s", err.msg);
    kill(orch_pid, SIGCONT);
    bool ok = false;
    for (int i = 0; i < 100 && !ok; i++) {
        proc_sleep_ms(100);
        list_all();
        ok = copies("ghost.x.0", NULL) == 0 && copies("rec.srv.0", NULL) == 1;
    }
    CHECK(ok, "reconcile: orphan %d copies, rec.srv.0 %d copies", copies("ghost.x.0", NULL),
          copies("rec.srv.0", NULL));
    CHECK(ns_op("DeleteNs", "rec", "rec-del", NULL) == RPC_OK, "delete rec");
    CHECK(wait_op("rec-del", NULL) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "delete rec");
    list_all();
    CHECK(n_vnfs == 0, "%zu VNF(s) left after the reconcile test", n_vnfs);
}

// Both kinds of site manager take part: an outrig-agent site next to the LXC ones (when the
// agent is built and the adapter has the agent kind).
static void agent_site(void)
{
    char bin[512];
    proc_build_path("hypervisor-agent/agent/outrig-agent", bin, sizeof bin);
    if (access(bin, X_OK) || !adapter_find("agent")) {
        fprintf(stderr, "no outrig-agent or agent adapter: agent site step skipped\n");
        return;
    }
    char listen[300], pfx[32];
    snprintf(listen, sizeof listen, "ipc://%s/agent.sock", run_dir);
    snprintf(pfx, sizeof pfx, "netns_prefix=oe%d", (int)getpid() % 100000);
    const char *extra[] = {"--listen", listen, "--set", pfx, NULL};
    proc_app agent_app = app;
    agent_app.log_level = NULL;
    agent_app.bin = "hypervisor-agent/agent/outrig-agent";
    char log[256];
    snprintf(log, sizeof log, "%s/agent.log", tmp);
    pid_t agent = proc_app_start(&agent_app, "agent", extra, 15000);
    CHECK(agent > 0, "outrig-agent did not start");
    char ep[400];
    snprintf(ep, sizeof ep, "agent://%s", listen);
    Outrig__V1__Site s = OUTRIG__V1__SITE__INIT;
    s.name = "site-c";
    s.kind = "agent";
    s.endpoint = ep;
    rpc_status st;
    CHECK(call("AddSite", &s.base, &outrig__v1__site__descriptor, NULL, &st) == RPC_OK,
          "AddSite agent: %s", st.message);
    Outrig__V1__CreateNsRequest r = OUTRIG__V1__CREATE_NS_REQUEST__INIT;
    r.nsd_id = "cgw-fw-srv";
    r.name = "mix";
    r.op_id = "mix-1";
    Outrig__V1__CreateNsRequest__SiteMapEntry e[3], *ep3[3];
    const char *k[] = {"cgw", "fw", "srv"}, *v[] = {"site-a", "site-a", "site-c"};
    for (int i = 0; i < 3; i++) {
        outrig__v1__create_ns_request__site_map_entry__init(&e[i]);
        e[i].key = (char *)k[i];
        e[i].value = (char *)v[i];
        ep3[i] = &e[i];
    }
    r.site_map = ep3;
    r.n_site_map = 3;
    CHECK(call("CreateNs", &r.base, &outrig__v1__operation__descriptor, NULL, &st) == RPC_OK,
          "CreateNs mix: %s", st.message);
    CHECK(wait_op("mix-1", NULL) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "mix instantiate");
    Outrig__V1__IdRequest g = OUTRIG__V1__ID_REQUEST__INIT;
    g.id = "mix";
    Outrig__V1__NsInfo *info = NULL;
    CHECK(call("GetNs", &g.base, &outrig__v1__ns_info__descriptor, &info, &st) == RPC_OK, "GetNs");
    for (size_t i = 0; info && i < info->n_vnfs; i++) {
        const Outrig__V1__VnfRecord *rec = info->vnfs[i];
        CHECK(!strcmp(rec->state, "RUNNING"), "%s is %s", rec->instance_id, rec->state);
        if (!strcmp(rec->profile, "srv"))
            CHECK(!strcmp(rec->site, "site-c"), "srv on %s", rec->site);
    }
    if (info)
        protobuf_c_message_free_unpacked(&info->base, NULL);
    list_all();
    CHECK(copies("mix.cgw.0", NULL) == 1 && copies("mix.srv.0", NULL) == 0,
          "LXC sites run cgw but not srv");
    CHECK(ns_op("DeleteNs", "mix", "mix-del", NULL) == RPC_OK, "delete mix");
    CHECK(wait_op("mix-del", NULL) == OUTRIG__V1__OPERATION__STATE__COMPLETED, "delete mix");
    list_all();
    CHECK(n_vnfs == 0, "%zu VNF(s) left on the LXC sites", n_vnfs);
    CHECK(proc_sh("grep -q 'vnf mix.srv.0 deleted' %s", log) == 0, "the agent deleted mix.srv.0");
    proc_stop(agent, SIGTERM, 10000);
}

int main(void)
{
    if (geteuid() != 0 || proc_sh("command -v lxc-ls >/dev/null && test -x /bin/busybox") != 0) {
        fprintf(stderr, "skipped: needs root, lxc and busybox-static\n");
        return 77;
    }
    if (proc_tmpdir("orch-e2e", tmp, sizeof tmp))
        return 1;
    snprintf(run_dir, sizeof run_dir, "%s/run", tmp);
    snprintf(ns_a, sizeof ns_a, "orch-a-%d", (int)getpid());
    snprintf(ns_b, sizeof ns_b, "orch-b-%d", (int)getpid());
    snprintf(site_dir[0], sizeof site_dir[0], "%s/site-a", tmp);
    snprintf(site_dir[1], sizeof site_dir[1], "%s/site-b", tmp);
    proc_sh("mkdir -p %s %s %s", run_dir, site_dir[0], site_dir[1]);
    CHECK(proc_sh("ip netns add %s && ip netns add %s", ns_a, ns_b) == 0, "netns");
    store_pid = proc_app_start(&app, "store", NULL, 15000);
    CHECK(store_pid > 0, "store");
    hub_pid = proc_app_start(&app, "hub", NULL, 15000);
    CHECK(hub_pid > 0, "hub");
    orch_pid = start_orch(NULL);
    snprintf(url, sizeof url, "ipc://%s/orchestrator.sock", run_dir);
    cli = rpc_client_open(url, NULL);
    open_sites();
    if (!failures) {
        add_file("AddVnfd", "cgw_vnfd.yaml");
        add_file("AddVnfd", "fw_vnfd.yaml");
        add_file("AddVnfd", "srv_vnfd.yaml");
        add_file("AddNsd", "cgw_fw_srv_nsd.yaml");
        const char *names[2] = {"site-a", "site-b"}, *nss[2] = {ns_a, ns_b};
        for (int i = 0; i < 2; i++) {
            Outrig__V1__Site s = OUTRIG__V1__SITE__INIT;
            char ep[600], opt[64];
            snprintf(ep, sizeof ep, "lxc://%s", site_dir[i]);
            snprintf(opt, sizeof opt, "netns=%s", nss[i]);
            char *opts[] = {opt};
            s.name = (char *)names[i];
            s.kind = "lxc";
            s.endpoint = ep;
            s.vcpus = 16;
            s.memory_mib = 16384;
            s.max_instances = 20;
            s.options = opts;
            s.n_options = 1;
            rpc_status st;
            CHECK(call("AddSite", &s.base, &outrig__v1__site__descriptor, NULL, &st) == RPC_OK,
                  "AddSite: %s", st.message);
        }
    }
    if (!failures)
        deploy_and_terminate();
    if (!failures)
        concurrent_retry();
    const char *steps[] = {"op_recorded", "planned", "vnf_created", "before_complete",
                           "rollback_started"};
    for (int i = 0; !failures && i < 4; i++)
        crash_at(steps[i], i);
    if (!failures)
        rollback();
    if (!failures)
        reconcile();
    if (!failures)
        agent_site();

    // Teardown: whatever a failure left on the sites, the processes, the netns, the files.
    list_all();
    for (size_t i = 0; i < n_vnfs; i++) {
        adapter_err err;
        adapter_delete_vnf(sites[vnfs[i].site], vnfs[i].id, &err);
    }
    for (int i = 0; i < 2; i++)
        adapter_close(sites[i]);
    rpc_client_close(cli);
    proc_stop(orch_pid, SIGTERM, 10000);
    proc_stop(hub_pid, SIGTERM, 10000);
    proc_stop(store_pid, SIGTERM, 10000);
    // Sanitizer reports of the services (an ASan build) fail the test too.
    if (proc_sh("grep -q 'Sanitizer\\|runtime error' %s/*.log", tmp) == 0) {
        proc_sh("grep -h -A30 'Sanitizer\\|runtime error' %s/*.log | head -80 >&2", tmp);
        CHECK(0, "sanitizer report in a service log");
    }
    if (failures)
        proc_sh("tail -n 30 %s/orchestrator.log >&2", tmp);
    proc_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", ns_a, ns_b);
    proc_rmtree(tmp);
    nng_fini();
    fprintf(stderr, "%s (%d failure(s))\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
