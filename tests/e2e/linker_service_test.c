// outrig-linker end to end (root): real store, hub and linker processes; this test plays the
// agents of two site hosts in network namespaces. It publishes cp.ready for the example NS's
// CPs (the orchestrator's /vnf/ records give the topology), builds the data path the link
// asks for (bridge within a site, VXLAN across), checks a real TCP exchange and reports it
// with cp.verified. Links go PENDING -> ESTABLISHING -> UP only after that; a failed check
// gives FAILED with the reason and a retry; a CP that goes down and comes back gets its link
// back; the IPAM survives a linker restart; a terminated NS leaves no /link/ key.
#include <errno.h>
#include <nng/nng.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpreport.h"
#include "datapath.h"
#include "hub/hub.h"
#include "linker_net.h"
#include "netlink/netlink.h"
#include "outrig/v1/linker.pb-c.h"
#include "outrig/v1/orchestrator.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"
#include "store/store.h"
#include "check.h"

static char tmp[256], run_dir[300];
static store_client *store;
static hub_client *hub;

static pid_t start_service(const char *name, const char *const *extra)
{
    proc_app app = {.root = tmp, .run_dir = run_dir, .log_level = "info"};
    return proc_app_start(&app, name, extra, 15000);
}

static const char *const linker_opts[] = {"--set", "verify_ms=5000", "--set", "backoff_ms=300",
                                          NULL};

// One VnfRecord as the orchestrator writes it.
static int put_vnf(const char *id, const char *profile, const char *cp1, const char *vl1,
                   const char *cp2, const char *vl2)
{
    Outrig__V1__CpRecord c[2];
    Outrig__V1__CpRecord *cps[2] = {&c[0], &c[1]};
    outrig__v1__cp_record__init(&c[0]);
    outrig__v1__cp_record__init(&c[1]);
    c[0].id = c[0].ext_cpd = (char *)cp1;
    c[0].virtual_link = (char *)vl1;
    if (cp2) {
        c[1].id = c[1].ext_cpd = (char *)cp2;
        c[1].virtual_link = (char *)vl2;
    }
    Outrig__V1__VnfRecord r = OUTRIG__V1__VNF_RECORD__INIT;
    r.instance_id = (char *)id;
    r.ns_id = "lt";
    r.profile = (char *)profile;
    r.state = "RUNNING";
    r.cps = cps;
    r.n_cps = cp2 ? 2 : 1;
    uint8_t buf[1024];
    size_t len = outrig__v1__vnf_record__pack(&r, buf);
    char key[128];
    snprintf(key, sizeof key, "/vnf/%s", id);
    return store_put(store, key, buf, len, 0, NULL, NULL) == RPC_OK ? 0 : -EIO;
}

static int publish(const char *type, const char *id, const void *buf, size_t len)
{
    hub_event ev = {.category = "cp",
                    .type = type,
                    .id = id,
                    .source = "test",
                    .payload = buf,
                    .payload_len = len};
    return hub_publish(hub, &ev, 1, NULL, NULL) == RPC_OK ? 0 : -EIO;
}

static int cp_event(const char *type, const char *vnf, const char *cp, const char *addr,
                    const char *host, const char *vl)
{
    lnk_cp c;
    memset(&c, 0, sizeof c);
    snprintf(c.ns_id, sizeof c.ns_id, "lt");
    snprintf(c.vnf_id, sizeof c.vnf_id, "%s", vnf);
    snprintf(c.cp_id, sizeof c.cp_id, "%s", cp);
    snprintf(c.address, sizeof c.address, "%s", addr);
    snprintf(c.host, sizeof c.host, "%s", host);
    snprintf(c.virtual_link, sizeof c.virtual_link, "%s", vl);
    uint8_t *buf;
    size_t len;
    if (lnk_cp_encode(&c, &buf, &len) < 0)
        return -ENOMEM;
    int e = publish(type, vnf, buf, len);
    free(buf);
    return e;
}

static int verified(const char *link, bool ok, const char *reason)
{
    Outrig__V1__CpVerified v = OUTRIG__V1__CP_VERIFIED__INIT;
    v.link_id = (char *)link;
    v.ok = ok;
    v.reason = (char *)reason;
    uint8_t buf[512];
    size_t len = outrig__v1__cp_verified__pack(&v, buf);
    return publish("verified", link, buf, len);
}

// Reads /link/<id>; NULL when absent. Free with outrig__v1__link__free_unpacked.
static Outrig__V1__Link *get_link(const char *id)
{
    char key[300];
    snprintf(key, sizeof key, "/link/%s", id);
    Outrig__V1__KeyValue *kv = NULL;
    if (store_get(store, key, &kv, NULL) != RPC_OK)
        return NULL;
    Outrig__V1__Link *l = outrig__v1__link__unpack(NULL, kv->value.len, kv->value.data);
    store_kv_free(kv);
    return l;
}

// Waits until /link/<id> has state s (and, when min_attempts, that many attempts).
static bool wait_state(const char *id, int s, uint32_t min_attempts, int ms, char *reason)
{
    uint64_t end = ln_now_us() + (uint64_t)ms * 1000;
    while (ln_now_us() < end) {
        Outrig__V1__Link *l = get_link(id);
        bool ok = l && (int)l->state == s && l->attempts >= min_attempts;
        if (ok && reason)
            snprintf(reason, 160, "%s", l->reason);
        if (l)
            outrig__v1__link__free_unpacked(l, NULL);
        if (ok)
            return true;
        usleep(1000);
    }
    return false;
}

static size_t ipam_leases(const char *vl_key)
{
    char key[200];
    snprintf(key, sizeof key, "/link-ipam/%s", vl_key);
    Outrig__V1__KeyValue *kv = NULL;
    if (store_get(store, key, &kv, NULL) != RPC_OK)
        return 0;
    Outrig__V1__IpamState *s = outrig__v1__ipam_state__unpack(NULL, kv->value.len, kv->value.data);
    size_t n = s ? s->n_leases : 0;
    if (s)
        outrig__v1__ipam_state__free_unpacked(s, NULL);
    store_kv_free(kv);
    return n;
}

#define ACCESS "lt/access/lt.cgw.0.cgw-ext~lt.fw.0.fw-in"
#define CORE "lt/core/lt.fw.0.fw-out~lt.srv.0.srv-ext"

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: needs root\n");
        return 77;
    }
    pid_t st_pid = -1, hub_pid = -1, lk_pid = -1;
    int h1 = -1, h2 = -1, cgw = -1, fw = -1, srv = -1, n1 = -1, n2 = -1;
    char reason[160];
    if (proc_tmpdir("linker", tmp, sizeof tmp) < 0)
        return 1;
    snprintf(run_dir, sizeof run_dir, "%s/run", tmp);
    mkdir(run_dir, 0700);
    REQUIRE((st_pid = start_service("store", NULL)) > 0, "store did not start");
    REQUIRE((hub_pid = start_service("hub", NULL)) > 0, "hub did not start");
    char url[400];
    snprintf(url, sizeof url, "ipc://%s/store.sock", run_dir);
    store = store_client_open(url, NULL);
    snprintf(url, sizeof url, "ipc://%s/hub.sock", run_dir);
    hub = hub_client_open(url, NULL);
    REQUIRE(store && hub, "clients");
    REQUIRE((lk_pid = start_service("linker", linker_opts)) > 0, "linker did not start");

    // The example NS: cgw --access-- fw --core-- srv; cgw and fw on site 1, srv on site 2.
    REQUIRE(put_vnf("lt.cgw.0", "cgw", "cgw-ext", "access", NULL, NULL) == 0, "put");
    REQUIRE(put_vnf("lt.fw.0", "fw", "fw-in", "access", "fw-out", "core") == 0, "put");
    REQUIRE(put_vnf("lt.srv.0", "srv", "srv-ext", "core", NULL, NULL) == 0, "put");
    h1 = ln_netns_new(), h2 = ln_netns_new();
    cgw = ln_netns_new(), fw = ln_netns_new(), srv = ln_netns_new();
    REQUIRE(h1 >= 0 && h2 >= 0 && cgw >= 0 && fw >= 0 && srv >= 0, "netns");
    REQUIRE(ln_underlay(h1, "10.213.250.1/24", h2, "10.213.250.2/24") == 0, "underlay");
    REQUIRE(ln_vnf_cp(h1, "lcgw", cgw, "eth0", "10.213.11.1/24") == 0, "cgw cp");
    REQUIRE(ln_vnf_cp(h1, "lfwi", fw, "eth0", "10.213.11.2/24") == 0, "fw cp");
    REQUIRE(ln_vnf_cp(h1, "lfwo", fw, "eth1", "10.213.12.1/24") == 0, "fw cp");
    REQUIRE(ln_vnf_cp(h2, "lsrv", srv, "eth0", "10.213.12.2/24") == 0, "srv cp");
    n1 = nl_open_in(h1), n2 = nl_open_in(h2);
    REQUIRE(n1 >= 0 && n2 >= 0, "netlink");

    // Within a site. The gateway comes up first: its link waits for the firewall.
    REQUIRE(cp_event("ready", "lt.cgw.0", "cgw-ext", "10.213.11.1/24", "10.213.250.1", "access") ==
                0,
            "publish");
    REQUIRE(wait_state(ACCESS, OUTRIG__V1__LINK__STATE__PENDING, 0, 5000, NULL),
            "access link not PENDING after one CP");
    uint64_t t0 = ln_now_us();
    REQUIRE(cp_event("ready", "lt.fw.0", "fw-in", "10.213.11.2/24", "10.213.250.1", "access") == 0,
            "publish");
    REQUIRE(wait_state(ACCESS, OUTRIG__V1__LINK__STATE__ESTABLISHING, 1, 5000, NULL),
            "access link not ESTABLISHING with both CPs ready");
    // Not UP before traffic was verified.
    usleep(50000);
    REQUIRE(wait_state(ACCESS, OUTRIG__V1__LINK__STATE__ESTABLISHING, 1, 10, NULL),
            "access link left ESTABLISHING without a verified exchange");
    REQUIRE(lnk_dp_attach(n1, "lt/access", "lcgw") == 0 &&
                lnk_dp_attach(n1, "lt/access", "lfwi") == 0,
            "bridge");
    REQUIRE(ln_tcp_exchange(cgw, fw, "10.213.11.2", 7100, 3000) > 0, "no traffic cgw -> fw");
    REQUIRE(verified(ACCESS, true, "") == 0, "publish");
    REQUIRE(wait_state(ACCESS, OUTRIG__V1__LINK__STATE__UP, 1, 5000, NULL), "access link not UP");
    printf("same site: both CPs ready -> UP %.2f ms\n", (ln_now_us() - t0) / 1000.0);

    // Across sites, through a VXLAN tunnel between the two hosts.
    REQUIRE(cp_event("ready", "lt.srv.0", "srv-ext", "10.213.12.2/24", "10.213.250.2", "core") == 0,
            "publish");
    t0 = ln_now_us();
    REQUIRE(cp_event("ready", "lt.fw.0", "fw-out", "10.213.12.1/24", "10.213.250.1", "core") == 0,
            "publish");
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__ESTABLISHING, 1, 5000, NULL),
            "core link not ESTABLISHING");
    Outrig__V1__Link *l = get_link(CORE);
    REQUIRE(l && l->vni == lnk_vni("lt/core"),
            "core link has no VNI though its ends are on two hosts");
    outrig__v1__link__free_unpacked(l, NULL);
    REQUIRE(lnk_dp_attach(n1, "lt/core", "lfwo") == 0 && lnk_dp_attach(n2, "lt/core", "lsrv") == 0,
            "bridges");
    REQUIRE(lnk_dp_tunnel(n1, "lt/core", "10.213.250.1", "10.213.250.2", "ul0") == 0 &&
                lnk_dp_tunnel(n2, "lt/core", "10.213.250.2", "10.213.250.1", "ul0") == 0,
            "tunnel");
    REQUIRE(ln_tcp_exchange(fw, srv, "10.213.12.2", 7101, 3000) > 0, "no traffic fw -> srv");
    REQUIRE(verified(CORE, true, "") == 0, "publish");
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__UP, 1, 5000, NULL), "core link not UP");
    printf("across sites: both CPs ready -> UP %.2f ms\n", (ln_now_us() - t0) / 1000.0);

    // A failed check: FAILED with its reason, then a retry after the backoff.
    REQUIRE(verified(CORE, false, "no reply from 10.213.12.2") == 0, "publish");
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__FAILED, 0, 5000, reason) &&
                strstr(reason, "no reply"),
            "core link not FAILED with the reason");
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__ESTABLISHING, 2, 5000, NULL),
            "no retry after the backoff");
    REQUIRE(verified(CORE, true, "") == 0, "publish");
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__UP, 0, 5000, NULL), "core link not UP again");

    // The server's VNF dies and restarts: the link goes PENDING and comes back.
    REQUIRE(cp_event("down", "lt.srv.0", "srv-ext", "", "", "core") == 0, "publish");
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__PENDING, 0, 5000, NULL),
            "core link not PENDING after its CP went down");
    REQUIRE(cp_event("ready", "lt.srv.0", "srv-ext", "10.213.12.2/24", "10.213.250.2", "core") == 0,
            "publish");
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__ESTABLISHING, 1, 5000, NULL),
            "core link not re-established");
    REQUIRE(ln_tcp_exchange(fw, srv, "10.213.12.2", 7102, 3000) > 0, "no traffic after restart");
    REQUIRE(verified(CORE, true, "") == 0, "publish");
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__UP, 0, 5000, NULL), "core link not UP");

    // The IPAM state is in the store and survives a restart of the linker.
    REQUIRE(ipam_leases("lt/access") == 2 && ipam_leases("lt/core") == 2, "IPAM state not stored");
    int ws = proc_stop(lk_pid, SIGTERM, 5000);
    REQUIRE(ws >= 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
            "linker did not exit cleanly (status %d)", ws);
    lk_pid = start_service("linker", linker_opts);
    REQUIRE(lk_pid > 0, "linker did not restart");
    // The links come back as they were.
    REQUIRE(wait_state(CORE, OUTRIG__V1__LINK__STATE__UP, 0, 10, NULL),
            "core link lost on restart");
    snprintf(url, sizeof url, "ipc://%s/linker.sock", run_dir);
    rpc_client *lc = rpc_client_open(url, NULL);
    Outrig__V1__LinkListRequest lr = OUTRIG__V1__LINK_LIST_REQUEST__INIT;
    lr.ns_id = "lt";
    Outrig__V1__LinkListResponse *resp = NULL;
    rpc_code rc = rpc_client_call(lc, "/outrig.v1.Linker/ListLinks", &lr.base,
                                  &outrig__v1__link_list_response__descriptor,
                                  (ProtobufCMessage **)&resp, NULL, NULL);
    size_t nl = rc == RPC_OK ? resp->n_links : 0;
    bool up = nl == 2 && resp->links[0]->state == OUTRIG__V1__LINK__STATE__UP &&
              resp->links[1]->state == OUTRIG__V1__LINK__STATE__UP;
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    rpc_client_close(lc);
    REQUIRE(up, "ListLinks after restart: %s, %zu links", rpc_code_name(rc), nl);
    // A new CP on the access link claims the firewall's address: refused, the leases stay
    // two; one without an address gets a third, distinct one.
    REQUIRE(put_vnf("lt.cgw.1", "cgw", "cgw-ext", "access", NULL, NULL) == 0, "put");
    REQUIRE(cp_event("ready", "lt.cgw.1", "cgw-ext", "10.213.11.2/24", "10.213.250.1", "access") ==
                0,
            "publish");
    usleep(200000);
    REQUIRE(ipam_leases("lt/access") == 2, "IPAM allocations lost or duplicated on restart");
    REQUIRE(cp_event("ready", "lt.cgw.1", "cgw-ext", "", "10.213.250.1", "access") == 0, "publish");
    uint64_t until = ln_now_us() + 5000000;
    while (ipam_leases("lt/access") != 3 && ln_now_us() < until)
        usleep(2000);
    REQUIRE(ipam_leases("lt/access") == 3, "scaled-out CP got no address");
    // Scale-out: the new instance is linked to the firewall too.
    REQUIRE(wait_state("lt/access/lt.cgw.1.cgw-ext~lt.fw.0.fw-in",
                       OUTRIG__V1__LINK__STATE__ESTABLISHING, 1, 5000, NULL),
            "no link to the scaled-out instance");

    // The CLI shows them.
    char cli[600], cmd[3000];
    proc_build_path("tools/outrig/outrig", cli, sizeof cli);
    snprintf(cmd, sizeof cmd,
             "%s --run-dir %s link list --ns lt -o json | grep -q '\"id\":\"%s\".*\"state\":\"UP\"'"
             " && %s --run-dir %s link show %s | grep -q 'lt.srv.0/srv-ext 10.213.12.2/24'",
             cli, run_dir, CORE, cli, run_dir, CORE);
    REQUIRE(system(cmd) == 0, "outrig link list|show: %s", cmd);

    // The NS is terminated: every /link/ key and IPAM state of it goes.
    hub_event ev = {.category = "ns", .type = "terminated", .id = "lt", .source = "test"};
    REQUIRE(hub_publish(hub, &ev, 1, NULL, NULL) == RPC_OK, "publish");
    uint64_t end = ln_now_us() + 5000000;
    Outrig__V1__Link *gone = NULL;
    while (ln_now_us() < end && ((gone = get_link(ACCESS)) || ipam_leases("lt/core"))) {
        if (gone)
            outrig__v1__link__free_unpacked(gone, NULL);
        gone = NULL;
        usleep(2000);
    }
    REQUIRE(!get_link(ACCESS) && !get_link(CORE), "links left after the NS was terminated");
    REQUIRE(ipam_leases("lt/access") == 0 && ipam_leases("lt/core") == 0, "IPAM state left");
    REQUIRE(lnk_dp_remove(n1, "lt/access") == 0 && lnk_dp_remove(n1, "lt/core") == 0 &&
                lnk_dp_remove(n2, "lt/core") == 0,
            "data path removal");

done:
    if (n1 >= 0)
        close(n1);
    if (n2 >= 0)
        close(n2);
    int fds[] = {h1, h2, cgw, fw, srv};
    for (size_t i = 0; i < 5; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    store_client_close(store);
    hub_client_close(hub);
    if (lk_pid > 0) {
        // A clean exit: no sanitizer report (leaks included) from the linker.
        int ls = proc_stop(lk_pid, SIGTERM, 5000);
        if (ls < 0 || !WIFEXITED(ls) || WEXITSTATUS(ls) != 0) {
            fprintf(stderr, "FAIL: linker exit status %d\n", ls);
            failures++;
        }
    }
    if (hub_pid > 0)
        proc_stop(hub_pid, SIGTERM, 5000);
    if (st_pid > 0)
        proc_stop(st_pid, SIGTERM, 5000);
    if (failures) {
        char log[400];
        snprintf(log, sizeof log, "cat %s/linker.log >&2", tmp);
        if (system(log) < 0)
            perror("system");
    }
    proc_rmtree(tmp);
    nng_fini();
    return failures ? 1 : 0;
}
