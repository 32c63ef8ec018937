// A link between two process VNFs comes UP through the real outrig-agent alone (root): the
// agent reports the CPs (cp.ready), the linker calls ConfigurePeer on it, the agent enslaves
// the host veths to the link's bridge, checks traffic from inside the VNFs' netns and reports
// cp.verified. The test checks the link reaches UP, TCP flows between the two VNFs, and
// deleting the VNFs removes the bridge.
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <nng/nng.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datapath.h"
#include "hub/hub.h"
#include "linker_net.h"
#include "outrig/v1/agent.pb-c.h"
#include "outrig/v1/linker.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"
#include "store/store.h"
#include "check.h"

static char tmp[200], run_dir[220], agent_url[250], ns_id[32];

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

// Creates and starts VNF id with CP eth0 at addr on virtual link "net"; its netns name goes to
// netns.
static int vnf_up(rpc_client *a, const char *id, const char *addr, char *netns, size_t n)
{
    Outrig__V1__VnfCp cp = OUTRIG__V1__VNF_CP__INIT;
    Outrig__V1__VnfCp *cps[] = {&cp};
    cp.id = "eth0";
    cp.address = (char *)addr;
    cp.virtual_link = "net";
    char *args[] = {"600"};
    Outrig__V1__VnfSpec spec = OUTRIG__V1__VNF_SPEC__INIT;
    spec.id = (char *)id;
    spec.owner = ns_id;
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
    snprintf(netns, n, "%s", info->netns);
    protobuf_c_message_free_unpacked(&info->base, NULL);
    Outrig__V1__VnfRef ref = OUTRIG__V1__VNF_REF__INIT;
    ref.id = (char *)id;
    if (agent_call(a, "StartVnf", &ref.base, &info) != RPC_OK)
        return -EIO;
    protobuf_c_message_free_unpacked(&info->base, NULL);
    return 0;
}

// The state of link key in the store, or -1.
static int link_state(store_client *store, const char *key, char *reason, size_t n)
{
    Outrig__V1__KeyValue *kv = NULL;
    if (store_get(store, key, &kv, NULL) != RPC_OK)
        return -1;
    Outrig__V1__Link *l = outrig__v1__link__unpack(NULL, kv->value.len, kv->value.data);
    int s = l ? (int)l->state : -1;
    if (l)
        snprintf(reason, n, "%s", l->reason);
    if (l)
        outrig__v1__link__free_unpacked(l, NULL);
    store_kv_free(kv);
    return s;
}

static int netns_open(const char *name)
{
    char path[200];
    snprintf(path, sizeof path, "/run/netns/%s", name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

// Across sites: two agents whose VNF host ends live in two site netns joined by an underlay
// veth; the link's VXLAN between the sites carries the agents' traffic check and a TCP
// exchange. Returns the number of failures.
static int cross_site(store_client *store)
{
    int fails = 0;
    pid_t ag[2] = {-1, -1};
    rpc_client *cl[2] = {NULL, NULL};
    int site[2] = {-1, -1}, vfd[2] = {-1, -1};
    char sname[2][32], vnf[2][48], netns[2][100] = {"", ""}, key[200], reason[256] = "";
    snprintf(ns_id, sizeof ns_id, "ax%d", (int)getpid() % 1000000);
    for (int i = 0; i < 2; i++) {
        snprintf(sname[i], sizeof sname[i], "oalsite%d-%d", (int)getpid() % 100000, i);
        snprintf(vnf[i], sizeof vnf[i], "%s.%c.0", ns_id, 'a' + i);
    }
    for (int i = 0; i < 2; i++) {
        if (proc_sh("ip netns add %s && ip -n %s link set lo up", sname[i], sname[i])) {
            fprintf(stderr, "FAIL: ip netns add %s\n", sname[i]);
            fails++;
            goto out;
        }
        site[i] = netns_open(sname[i]);
    }
    if (site[0] < 0 || site[1] < 0 ||
        ln_underlay(site[0], "192.168.231.1/24", site[1], "192.168.231.2/24")) {
        fprintf(stderr, "FAIL: underlay\n");
        fails++;
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        char name[32], listen[300], hn[64], pre[64], host[64], addr[32];
        snprintf(name, sizeof name, "agent-%d", i);
        snprintf(listen, sizeof listen, "ipc://%s/%s.sock", run_dir, name);
        snprintf(hn, sizeof hn, "host_netns=%s", sname[i]);
        snprintf(pre, sizeof pre, "netns_prefix=oax%d%d-", (int)getpid() % 100000, i);
        snprintf(host, sizeof host, "host=alx%d-%d", (int)getpid(), i);
        snprintf(addr, sizeof addr, "host_addr=192.168.231.%d", i + 1);
        const char *o[] = {"--listen", listen, "--set", hn,   "--set", pre,
                           "--set",    host,   "--set", addr, "--set", "stop_grace_ms=300",
                           NULL};
        ag[i] = start("hypervisor-agent/agent/outrig-agent", name, o);
        cl[i] = ag[i] > 0 ? rpc_client_open(listen, NULL) : NULL;
        char ip[32];
        snprintf(ip, sizeof ip, "10.213.80.%d/24", i + 1);
        if (!cl[i] || vnf_up(cl[i], vnf[i], ip, netns[i], sizeof netns[i])) {
            fprintf(stderr, "FAIL: agent %d or its VNF\n", i);
            fails++;
            goto out;
        }
    }
    snprintf(key, sizeof key, "/link/%s/net/%s.eth0~%s.eth0", ns_id, vnf[0], vnf[1]);
    int state = -1;
    for (uint64_t end = ln_now_us() + 15000000; ln_now_us() < end; usleep(5000))
        if ((state = link_state(store, key, reason, sizeof reason)) == OUTRIG__V1__LINK__STATE__UP)
            break;
    if (state != OUTRIG__V1__LINK__STATE__UP) {
        fprintf(stderr, "FAIL: cross-site link %s is %d, not UP (%s)\n", key, state, reason);
        fails++;
        goto out;
    }
    char list[4096];
    if (ln_ip_list(site[0], "link show type vxlan", list, sizeof list) || !strstr(list, "olx")) {
        fprintf(stderr, "FAIL: no VXLAN in site 0: %s\n", list);
        fails++;
    }
    vfd[0] = netns_open(netns[0]);
    vfd[1] = netns_open(netns[1]);
    long us = vfd[0] >= 0 && vfd[1] >= 0
                  ? ln_tcp_exchange(vfd[0], vfd[1], "10.213.80.2", 7920, 5000)
                  : -ENOENT;
    if (us <= 0) {
        fprintf(stderr, "FAIL: cross-site TCP: %s\n", strerror((int)-us));
        fails++;
    }
    for (int i = 0; i < 2; i++) {
        Outrig__V1__VnfRef ref = OUTRIG__V1__VNF_REF__INIT;
        ref.id = vnf[i];
        if (agent_call(cl[i], "DeleteVnf", &ref.base, NULL) != RPC_OK) {
            fprintf(stderr, "FAIL: delete %s\n", vnf[i]);
            fails++;
        }
        if (ln_ip_list(site[i], "link show", list, sizeof list) || strstr(list, "olb") ||
            strstr(list, "olx")) {
            fprintf(stderr, "FAIL: site %d keeps link devices: %s\n", i, list);
            fails++;
        }
    }
out:
    for (int i = 0; i < 2; i++) {
        if (vfd[i] >= 0)
            close(vfd[i]);
        rpc_client_close(cl[i]);
        if (ag[i] > 0) {
            int ws = proc_stop(ag[i], SIGTERM, 10000);
            if (ws < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws)) {
                fprintf(stderr, "FAIL: agent %d exit status %d\n", i, ws);
                fails++;
            }
        }
        if (site[i] >= 0)
            close(site[i]);
        if (proc_sh("ip netns del %s 2>/dev/null", sname[i]) && site[i] >= 0)
            fails++;
    }
    return fails;
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
    char ns_a[100] = "", ns_b[100] = "";
    int fd_a = -1, fd_b = -1;
    bool deleted = false;
    snprintf(ns_id, sizeof ns_id, "al%d", (int)getpid() % 1000000);
    char vl_key[64], bridge[LNK_IFNAMSIZ], vxlan[LNK_IFNAMSIZ];
    snprintf(vl_key, sizeof vl_key, "%s/net", ns_id);
    lnk_dp_names(vl_key, bridge, vxlan);
    if (proc_tmpdir("agent-link", tmp, sizeof tmp) < 0)
        return 1;
    snprintf(run_dir, sizeof run_dir, "%.200s/run", tmp);
    mkdir(run_dir, 0700);
    snprintf(agent_url, sizeof agent_url, "ipc://%s/agent.sock", run_dir);
    REQUIRE((st = start("services/store/outrig-store", "store", NULL)) > 0, "store");
    REQUIRE((hb = start("services/hub/outrig-hub", "hub", NULL)) > 0, "hub");
    REQUIRE((lk = start("services/linker/outrig-linker", "linker", NULL)) > 0, "linker");
    char hostopt[64], nsopt[64];
    snprintf(hostopt, sizeof hostopt, "host=alk%d", (int)getpid());
    snprintf(nsopt, sizeof nsopt, "netns_prefix=oal%d-", (int)getpid() % 100000);
    const char *aopts[] = {"--set", hostopt, "--set", nsopt, "--set", "stop_grace_ms=300", NULL};
    REQUIRE((ag = start("hypervisor-agent/agent/outrig-agent", "agent", aopts)) > 0, "agent");
    char url[400];
    snprintf(url, sizeof url, "ipc://%s/hub.sock", run_dir);
    hub = hub_client_open(url, NULL);
    snprintf(url, sizeof url, "ipc://%s/store.sock", run_dir);
    store = store_client_open(url, NULL);
    agent = rpc_client_open(agent_url, NULL);
    REQUIRE(hub && store && agent, "clients");

    char id_a[48], id_b[48];
    snprintf(id_a, sizeof id_a, "%s.a.0", ns_id);
    snprintf(id_b, sizeof id_b, "%s.b.0", ns_id);
    REQUIRE(vnf_up(agent, id_a, "10.213.79.1/24", ns_a, sizeof ns_a) == 0, "VNF a");
    REQUIRE(vnf_up(agent, id_b, "10.213.79.2/24", ns_b, sizeof ns_b) == 0, "VNF b");

    // Nobody but the agent speaks for the CPs: the link must come UP on its verdict.
    char key[200], reason[256] = "";
    snprintf(key, sizeof key, "/link/%s/net/%s.eth0~%s.eth0", ns_id, id_a, id_b);
    int state = -1;
    for (uint64_t end = ln_now_us() + 15000000; ln_now_us() < end; usleep(5000)) {
        state = link_state(store, key, reason, sizeof reason);
        if (state == OUTRIG__V1__LINK__STATE__UP)
            break;
    }
    REQUIRE(state == OUTRIG__V1__LINK__STATE__UP, "link %s is %d, not UP (%s)", key, state, reason);
    REQUIRE(if_nametoindex(bridge) != 0, "bridge %s missing", bridge);

    // Traffic flows between the two VNFs over the bridge.
    fd_a = netns_open(ns_a);
    fd_b = netns_open(ns_b);
    REQUIRE(fd_a >= 0 && fd_b >= 0, "netns %s %s", ns_a, ns_b);
    long us = ln_tcp_exchange(fd_a, fd_b, "10.213.79.2", 7919, 5000);
    REQUIRE(us > 0, "TCP a -> b: %s", strerror((int)-us));

    // A VNF stopped (cp.down) takes the link down; started again (cp.ready), the link is back.
    Outrig__V1__VnfRef rb = OUTRIG__V1__VNF_REF__INIT;
    rb.id = id_b;
    REQUIRE(agent_call(agent, "StopVnf", &rb.base, NULL) == RPC_OK, "stop b");
    for (uint64_t end = ln_now_us() + 5000000; ln_now_us() < end; usleep(5000))
        if ((state = link_state(store, key, reason, sizeof reason)) != OUTRIG__V1__LINK__STATE__UP)
            break;
    REQUIRE(state != OUTRIG__V1__LINK__STATE__UP, "link still UP after its VNF b stopped");
    REQUIRE(agent_call(agent, "StartVnf", &rb.base, NULL) == RPC_OK, "start b");
    for (uint64_t end = ln_now_us() + 15000000; ln_now_us() < end; usleep(5000))
        if ((state = link_state(store, key, reason, sizeof reason)) == OUTRIG__V1__LINK__STATE__UP)
            break;
    REQUIRE(state == OUTRIG__V1__LINK__STATE__UP, "link not back UP after b restarted (%d, %s)",
            state, reason);
    us = ln_tcp_exchange(fd_a, fd_b, "10.213.79.2", 7921, 5000);
    REQUIRE(us > 0, "TCP a -> b after the restart: %s", strerror((int)-us));

    // Deleting the VNFs removes the bridge.
    const char *ids[] = {id_a, id_b};
    for (size_t i = 0; i < 2; i++) {
        Outrig__V1__VnfRef ref = OUTRIG__V1__VNF_REF__INIT;
        ref.id = (char *)ids[i];
        REQUIRE(agent_call(agent, "DeleteVnf", &ref.base, NULL) == RPC_OK, "delete %s", ids[i]);
    }
    deleted = true;
    REQUIRE(if_nametoindex(bridge) == 0, "bridge %s left after the VNFs were deleted", bridge);

    failures += cross_site(store);

done:
    if (fd_a >= 0)
        close(fd_a);
    if (fd_b >= 0)
        close(fd_b);
    if (agent && !deleted) {
        const char *ids[] = {"a", "b"};
        for (size_t i = 0; i < 2; i++) {
            char id[48];
            snprintf(id, sizeof id, "%s.%s.0", ns_id, ids[i]);
            Outrig__V1__VnfRef ref = OUTRIG__V1__VNF_REF__INIT;
            ref.id = id;
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
        if ((pids[i] == lk || pids[i] == ag) && (ws < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws))) {
            fprintf(stderr, "FAIL: %s exit status %d\n", pids[i] == lk ? "linker" : "agent", ws);
            failures++;
        }
    }
    if (if_nametoindex(bridge) != 0) {
        fprintf(stderr, "FAIL: bridge %s left after the agent stopped\n", bridge);
        failures++;
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
