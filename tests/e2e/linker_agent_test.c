// outrig-linker with a real outrig-agent (root): the agent runs two process VNFs with one CP
// each; their cp.ready reports carry the agent's address, and the linker tells each VNF's
// agent, through the Agent API's ConfigurePeer, the other CP's address and identity. The
// agent writes them to the VNF's peer file, where the VNF reads its peer.
#include <errno.h>
#include <nng/nng.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpreport.h"
#include "hub/hub.h"
#include "linker_net.h"
#include "outrig/v1/agent.pb-c.h"
#include "outrig/v1/linker.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"
#include "store/store.h"
#include "check.h"

static char tmp[200], run_dir[220], agent_url[250];

static pid_t start(const char *rel, const char *name, const char *const *extra)
{
    proc_app app = {.root = tmp, .run_dir = run_dir, .log_level = "info", .bin = rel};
    return proc_app_start(&app, name, extra, 15000);
}

static rpc_code agent_call(rpc_client *a, const char *method, const ProtobufCMessage *in,
                           Outrig__V1__VnfInfo **out)
{
    char m[96];
    snprintf(m, sizeof m, "/outrig.v1.Agent/%s", method);
    rpc_call_opts o = {.timeout_ms = 10000};
    return rpc_client_call(a, m, in, out ? &outrig__v1__vnf_info__descriptor : NULL,
                           (ProtobufCMessage **)out, &o, NULL);
}

// Creates and starts VNF id with CP eth0 at addr; its directory goes to dir.
static int vnf_up(rpc_client *a, const char *id, const char *addr, char *dir, size_t n)
{
    Outrig__V1__VnfCp cp = OUTRIG__V1__VNF_CP__INIT;
    Outrig__V1__VnfCp *cps[] = {&cp};
    cp.id = "eth0";
    cp.address = (char *)addr;
    char *args[] = {"600"};
    Outrig__V1__VnfSpec spec = OUTRIG__V1__VNF_SPEC__INIT;
    spec.id = (char *)id;
    spec.owner = "la";
    spec.path = "/bin/sleep";
    spec.args = args;
    spec.n_args = 1;
    spec.cps = cps;
    spec.n_cps = 1;
    Outrig__V1__CreateVnfRequest req = OUTRIG__V1__CREATE_VNF_REQUEST__INIT;
    req.spec = &spec;
    Outrig__V1__VnfInfo *info = NULL;
    if (agent_call(a, "CreateVnf", &req.base, &info) != RPC_OK)
        return -EIO;
    snprintf(dir, n, "%s", info->dir);
    protobuf_c_message_free_unpacked(&info->base, NULL);
    Outrig__V1__VnfRef ref = OUTRIG__V1__VNF_REF__INIT;
    ref.id = (char *)id;
    if (agent_call(a, "StartVnf", &ref.base, &info) != RPC_OK)
        return -EIO;
    protobuf_c_message_free_unpacked(&info->base, NULL);
    return 0;
}

static int cp_ready(hub_client *hub, const char *vnf, const char *addr)
{
    lnk_cp c;
    memset(&c, 0, sizeof c);
    snprintf(c.ns_id, sizeof c.ns_id, "la");
    snprintf(c.vnf_id, sizeof c.vnf_id, "%s", vnf);
    snprintf(c.cp_id, sizeof c.cp_id, "eth0");
    snprintf(c.address, sizeof c.address, "%s", addr);
    snprintf(c.agent, sizeof c.agent, "%.250s", agent_url);
    snprintf(c.virtual_link, sizeof c.virtual_link, "net");
    uint8_t *buf;
    size_t len;
    if (lnk_cp_encode(&c, &buf, &len) < 0)
        return -ENOMEM;
    hub_event ev = {.category = "cp",
                    .type = "ready",
                    .id = vnf,
                    .source = "test",
                    .payload = buf,
                    .payload_len = len};
    rpc_code rc = hub_publish(hub, &ev, 1, NULL, NULL);
    free(buf);
    return rc == RPC_OK ? 0 : -EIO;
}

// Waits for dir/peers/eth0 to hold exactly want.
static bool peer_file_is(const char *dir, const char *want, int ms)
{
    char path[400], buf[256];
    snprintf(path, sizeof path, "%s/peers/eth0", dir);
    uint64_t end = ln_now_us() + (uint64_t)ms * 1000;
    while (ln_now_us() < end) {
        FILE *f = fopen(path, "r");
        if (f) {
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = 0;
            if (!strcmp(buf, want))
                return true;
        }
        usleep(2000);
    }
    fprintf(stderr, "%s: wanted \"%s\"\n", path, want);
    return false;
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: needs root\n");
        return 77;
    }
    pid_t st = -1, hb = -1, lk = -1, ag = -1;
    hub_client *hub = NULL;
    store_client *store = NULL;
    rpc_client *agent = NULL;
    char dir_a[300] = "", dir_b[300] = "";
    if (proc_tmpdir("linker-agent", tmp, sizeof tmp) < 0)
        return 1;
    snprintf(run_dir, sizeof run_dir, "%.200s/run", tmp);
    mkdir(run_dir, 0700);
    snprintf(agent_url, sizeof agent_url, "ipc://%s/agent.sock", run_dir);
    REQUIRE((st = start("services/store/outrig-store", "store", NULL)) > 0, "store");
    REQUIRE((hb = start("services/hub/outrig-hub", "hub", NULL)) > 0, "hub");
    REQUIRE((lk = start("services/linker/outrig-linker", "linker", NULL)) > 0, "linker");
    char hostopt[64], nsopt[64];
    snprintf(hostopt, sizeof hostopt, "host=lnk%d", (int)getpid());
    snprintf(nsopt, sizeof nsopt, "netns_prefix=olk%d-", (int)getpid() % 100000);
    const char *aopts[] = {"--set", hostopt, "--set", nsopt, "--set", "stop_grace_ms=300", NULL};
    REQUIRE((ag = start("hypervisor-agent/agent/outrig-agent", "agent", aopts)) > 0, "agent");
    char url[400];
    snprintf(url, sizeof url, "ipc://%s/hub.sock", run_dir);
    hub = hub_client_open(url, NULL);
    snprintf(url, sizeof url, "ipc://%s/store.sock", run_dir);
    store = store_client_open(url, NULL);
    agent = rpc_client_open(agent_url, NULL);
    REQUIRE(hub && store && agent, "clients");

    REQUIRE(vnf_up(agent, "la.a.0", "10.213.78.1/24", dir_a, sizeof dir_a) == 0, "VNF a");
    REQUIRE(vnf_up(agent, "la.b.0", "10.213.78.2/24", dir_b, sizeof dir_b) == 0, "VNF b");
    REQUIRE(cp_ready(hub, "la.a.0", "10.213.78.1/24") == 0, "publish");
    REQUIRE(cp_ready(hub, "la.b.0", "10.213.78.2/24") == 0, "publish");
    // Each agent-side VNF learns the other CP: address and "<instance>/<cp>".
    REQUIRE(peer_file_is(dir_a, "address=10.213.78.2\nid=la.b.0/eth0\n", 5000), "peer of a");
    REQUIRE(peer_file_is(dir_b, "address=10.213.78.1\nid=la.a.0/eth0\n", 5000), "peer of b");

    // A CP whose agent refuses (no such VNF there): the link FAILS with the agent's reason.
    REQUIRE(cp_ready(hub, "la.c.0", "10.213.78.3/24") == 0, "publish");
    const char *key = "/link/la/net/la.a.0.eth0~la.c.0.eth0";
    bool failed = false;
    for (uint64_t end = ln_now_us() + 5000000; !failed && ln_now_us() < end; usleep(2000)) {
        Outrig__V1__KeyValue *kv = NULL;
        if (store_get(store, key, &kv, NULL) != RPC_OK)
            continue;
        Outrig__V1__Link *l = outrig__v1__link__unpack(NULL, kv->value.len, kv->value.data);
        failed = l && l->state == OUTRIG__V1__LINK__STATE__FAILED &&
                 strstr(l->reason, "ConfigurePeer") && strstr(l->reason, "NOT_FOUND");
        if (l)
            outrig__v1__link__free_unpacked(l, NULL);
        store_kv_free(kv);
    }
    REQUIRE(failed, "link to a VNF its agent does not know is not FAILED with the agent's reason");

done:
    if (agent) {
        const char *ids[] = {"la.a.0", "la.b.0"};
        for (size_t i = 0; i < 2; i++) {
            Outrig__V1__VnfRef ref = OUTRIG__V1__VNF_REF__INIT;
            ref.id = (char *)ids[i];
            agent_call(agent, "DeleteVnf", &ref.base, NULL);
        }
    }
    rpc_client_close(agent);
    store_client_close(store);
    hub_client_close(hub);
    pid_t pids[] = {ag, lk, hb, st};
    for (size_t i = 0; i < 4; i++) {
        if (pids[i] <= 0)
            continue;
        int ws = proc_stop(pids[i], SIGTERM, 10000);
        if (pids[i] == lk && (ws < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)) {
            fprintf(stderr, "FAIL: linker exit status %d\n", ws);
            failures++;
        }
    }
    if (failures) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "cat %s/linker.log %s/agent.log >&2", tmp, tmp);
        if (system(cmd) < 0)
            perror("system");
    }
    proc_rmtree(tmp);
    nng_fini();
    return failures ? 1 : 0;
}
