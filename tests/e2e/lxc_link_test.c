// LXC-site VNFs take part in linking (issue 5), end to end on real processes (root, liblxc,
// busybox-static): outrig-store, outrig-hub, outrig-orchestrator, outrig-linker and
// outrig-agent on a temporary run dir; an LXC site and an agent site, each in a network
// namespace of its own, joined by an underlay veth that carries the two site hosts'
// addresses. An NS of two echo-server VNFs on one virtual link, one per site: the orchestrator
// announces the container's CP (cp.ready), serves the linker's ConfigurePeer for it (peer
// file, bridge, VXLAN, traffic check), so the link comes UP; TCP flows between the two VNFs
// both ways; a container that dies takes the link down (the reconcile loop notices), a healed
// one brings it back; deleting the NS leaves no bridge, tunnel or veth in either namespace.
// Then the same for two containers of one LXC site.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <nng/nng.h>

#include "adapter/adapter.h"
#include "datapath.h"
#include "linker_net.h"
#include "netlink/netlink.h"
#include "outrig/v1/agent.pb-c.h"
#include "outrig/v1/linker.pb-c.h"
#include "outrig/v1/orchestrator.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"
#include "check.h"

// The link has no cidr in the NSD: the orchestrator takes the default pool's /24 for the
// NSD's first link (ORCH_DEFAULT_POOL_PREFIX.0.0/24).
#define CIDR_NET "10.213.0"
#define ECHO_PORT 7000

static char tmp[128], run_dir[192], site_dir[192], sa[40], sb[40];
static int fd_sa = -1, fd_sb = -1;
static proc_app app = {.root = tmp, .run_dir = run_dir, .log_level = "info"};
static rpc_client *orch, *linker, *agent;
static adapter_site *lxc_site; // the test's own view of the LXC site

static const char vnfd_yaml[] = "vnfd:\n"
                                "  id: lxl-echo\n"
                                "  product-name: lxl-echo\n"
                                "  provider: Outrigger\n"
                                "  version: \"1.0\"\n"
                                "  vdu:\n"
                                "    - id: echo\n"
                                "      name: echo\n"
                                "      sw-image-desc: echo-img\n"
                                "      virtual-compute-desc: echo-compute\n"
                                "      int-cpd:\n"
                                "        - id: eth1\n"
                                "          layer-protocol:\n"
                                "            - ipv4\n"
                                "  virtual-compute-desc:\n"
                                "    - id: echo-compute\n"
                                "      virtual-cpu:\n"
                                "        num-virtual-cpu: 1\n"
                                "      virtual-memory:\n"
                                "        size: 0.25\n"
                                "  sw-image-desc:\n"
                                "    - id: echo-img\n"
                                "      name: echo-img\n"
                                "      image: outrig-vnf-echo\n"
                                // The ext-cpd keeps the interface's name: outrig-agent reports
                                // its CPs by interface name, the linker's topology by ext-cpd.
                                "  ext-cpd:\n"
                                "    - id: eth1\n"
                                "      int-cpd:\n"
                                "        vdu-id: echo\n"
                                "        cpd: eth1\n"
                                "      layer-protocol:\n"
                                "        - ipv4\n"
                                "  df:\n"
                                "    - id: default-df\n"
                                "      vdu-profile:\n"
                                "        - id: echo\n"
                                "          min-number-of-instances: 1\n"
                                "          max-number-of-instances: 1\n"
                                "      instantiation-level:\n"
                                "        - id: default\n"
                                "          vdu-level:\n"
                                "            - vdu-id: echo\n"
                                "              number-of-instances: 1\n";

static const char nsd_yaml[] = "nsd:\n"
                               "  nsd:\n"
                               "    - id: lxl-pair\n"
                               "      name: lxl-pair\n"
                               "      designer: Outrigger\n"
                               "      version: \"1.0\"\n"
                               "      vnfd-id:\n"
                               "        - lxl-echo\n"
                               "      virtual-link-desc:\n"
                               "        - id: net\n"
                               "      df:\n"
                               "        - id: default-df\n"
                               "          vnf-profile:\n"
                               "            - id: a\n"
                               "              vnfd-id: lxl-echo\n"
                               "              min-number-of-instances: 1\n"
                               "              max-number-of-instances: 1\n"
                               "              virtual-link-connectivity:\n"
                               "                - virtual-link-profile-id: net\n"
                               "                  constituent-cpd-id:\n"
                               "                    - constituent-base-element-id: a\n"
                               "                      constituent-cpd-id: eth1\n"
                               "            - id: b\n"
                               "              vnfd-id: lxl-echo\n"
                               "              min-number-of-instances: 1\n"
                               "              max-number-of-instances: 1\n"
                               "              virtual-link-connectivity:\n"
                               "                - virtual-link-profile-id: net\n"
                               "                  constituent-cpd-id:\n"
                               "                    - constituent-base-element-id: b\n"
                               "                      constituent-cpd-id: eth1\n";

static rpc_code call(rpc_client *c, const char *method, const ProtobufCMessage *in,
                     const ProtobufCMessageDescriptor *od, void *out, rpc_status *st)
{
    rpc_call_opts o = {.timeout_ms = 20000};
    return rpc_client_call(c, method, in, od, (ProtobufCMessage **)out, &o, st);
}

static rpc_code orch_call(const char *method, const ProtobufCMessage *in,
                          const ProtobufCMessageDescriptor *od, void *out, rpc_status *st)
{
    char m[128];
    snprintf(m, sizeof m, "/outrig.v1.Orchestrator/%s", method);
    return call(orch, m, in, od, out, st);
}

static void add_yaml(const char *method, const char *file, const char *text)
{
    Outrig__V1__AddDescriptorRequest r = OUTRIG__V1__ADD_DESCRIPTOR_REQUEST__INIT;
    r.file_name = (char *)file;
    r.yaml.data = (uint8_t *)text;
    r.yaml.len = strlen(text);
    rpc_status st = {0};
    rpc_code rc =
        orch_call(method, &r.base, &outrig__v1__add_descriptor_response__descriptor, NULL, &st);
    CHECK(rc == RPC_OK, "%s %s: %s", method, file, st.message);
}

static void add_site(const char *name, const char *kind, const char *endpoint, char **opts,
                     size_t n_opts)
{
    Outrig__V1__Site s = OUTRIG__V1__SITE__INIT;
    s.name = (char *)name;
    s.kind = (char *)kind;
    s.endpoint = (char *)endpoint;
    s.vcpus = 16;
    s.memory_mib = 16384;
    s.max_instances = 20;
    s.options = opts;
    s.n_options = n_opts;
    rpc_status st = {0};
    rpc_code rc = orch_call("AddSite", &s.base, &outrig__v1__site__descriptor, NULL, &st);
    CHECK(rc == RPC_OK, "AddSite %s: %s", name, st.message);
}

// Polls GetOp until the operation ends; its final state, or -1.
static int wait_op(const char *id)
{
    for (int i = 0; i < 1200; i++) {
        Outrig__V1__IdRequest r = OUTRIG__V1__ID_REQUEST__INIT;
        r.id = (char *)id;
        Outrig__V1__OpInfo *info = NULL;
        if (orch_call("GetOp", &r.base, &outrig__v1__op_info__descriptor, &info, NULL) == RPC_OK) {
            int s = info->op->state;
            bool done = s == OUTRIG__V1__OPERATION__STATE__COMPLETED ||
                        s == OUTRIG__V1__OPERATION__STATE__ROLLED_BACK ||
                        (s == OUTRIG__V1__OPERATION__STATE__FAILED &&
                         info->op->type != OUTRIG__V1__OPERATION__TYPE__INSTANTIATE);
            if (done && s != OUTRIG__V1__OPERATION__STATE__COMPLETED)
                fprintf(stderr, "op %s ended %d: %s\n", id, s, info->op->error);
            protobuf_c_message_free_unpacked(&info->base, NULL);
            if (done)
                return s;
        }
        proc_sleep_ms(50);
    }
    return -1;
}

static bool create_ns(const char *ns, const char *site_a, const char *site_b)
{
    Outrig__V1__CreateNsRequest r = OUTRIG__V1__CREATE_NS_REQUEST__INIT;
    char op[64];
    snprintf(op, sizeof op, "%s-create", ns);
    r.nsd_id = "lxl-pair";
    r.name = (char *)ns;
    r.op_id = op;
    Outrig__V1__CreateNsRequest__SiteMapEntry e[2], *ep[2];
    const char *k[] = {"a", "b"}, *v[] = {site_a, site_b};
    for (int i = 0; i < 2; i++) {
        outrig__v1__create_ns_request__site_map_entry__init(&e[i]);
        e[i].key = (char *)k[i];
        e[i].value = (char *)v[i];
        ep[i] = &e[i];
    }
    r.site_map = ep;
    r.n_site_map = 2;
    rpc_status st = {0};
    rpc_code rc = orch_call("CreateNs", &r.base, &outrig__v1__operation__descriptor, NULL, &st);
    CHECK(rc == RPC_OK, "CreateNs %s: %s", ns, st.message);
    return rc == RPC_OK && wait_op(op) == OUTRIG__V1__OPERATION__STATE__COMPLETED;
}

static bool ns_op(const char *method, const char *ns, const char *op_id, const char *instance)
{
    Outrig__V1__NsOpRequest r = OUTRIG__V1__NS_OP_REQUEST__INIT;
    r.ns_id = (char *)ns;
    r.op_id = (char *)op_id;
    r.instance_id = (char *)(instance ? instance : "");
    rpc_status st = {0};
    rpc_code rc = orch_call(method, &r.base, &outrig__v1__operation__descriptor, NULL, &st);
    CHECK(rc == RPC_OK, "%s %s: %s", method, ns, st.message);
    return rc == RPC_OK && wait_op(op_id) == OUTRIG__V1__OPERATION__STATE__COMPLETED;
}

// Waits up to timeout_ms for the NS's one link to be UP (want_up), else in state `other`
// (-1: no link at all).
static bool wait_link(const char *ns, bool want_up, int timeout_ms, int other)
{
    char last[512] = "no link";
    for (double end = proc_now_ms() + timeout_ms; proc_now_ms() < end; proc_sleep_ms(20)) {
        Outrig__V1__LinkListRequest r = OUTRIG__V1__LINK_LIST_REQUEST__INIT;
        r.ns_id = (char *)ns;
        Outrig__V1__LinkListResponse *l = NULL;
        if (call(linker, "/outrig.v1.Linker/ListLinks", &r.base,
                 &outrig__v1__link_list_response__descriptor, &l, NULL) != RPC_OK)
            continue;
        int want = want_up ? OUTRIG__V1__LINK__STATE__UP : other;
        bool ok = want < 0 ? l->n_links == 0 : l->n_links == 1 && (int)l->links[0]->state == want;
        if (l->n_links)
            snprintf(last, sizeof last, "%s: state %d (%s)", l->links[0]->id,
                     (int)l->links[0]->state, l->links[0]->reason);
        protobuf_c_message_free_unpacked(&l->base, NULL);
        if (ok) {
            fprintf(stderr, "link of %s: %s after %.0f ms\n", ns, last,
                    proc_now_ms() - (end - timeout_ms));
            return true;
        }
    }
    fprintf(stderr, "link of %s: %s\n", ns, last);
    return false;
}

// The netns of LXC VNF id (its init's), or -errno.
static int lxc_netns(const char *id)
{
    adapter_vnf_info info;
    adapter_err err = {{0}};
    int rc = adapter_vnf_status(lxc_site, id, &info, &err);
    if (rc || info.pid <= 0) {
        fprintf(stderr, "%s: status %d (%s), pid %d\n", id, rc, err.msg, (int)info.pid);
        return rc ? rc : -ESRCH;
    }
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/ns/net", (int)info.pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

// The netns of the agent's VNF id, or -errno.
static int agent_netns(const char *id)
{
    Outrig__V1__VnfRef ref = OUTRIG__V1__VNF_REF__INIT;
    ref.id = (char *)id;
    Outrig__V1__VnfInfo *info = NULL;
    if (call(agent, "/outrig.v1.Agent/GetVnf", &ref.base, &outrig__v1__vnf_info__descriptor, &info,
             NULL) != RPC_OK)
        return -ENOENT;
    char p[200];
    snprintf(p, sizeof p, "/run/netns/%s", info->netns);
    protobuf_c_message_free_unpacked(&info->base, NULL);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

// A real exchange with the VNF program: connects from inside netns `from` to the echo
// server at ip:ECHO_PORT, sends a line and reads it back. 0, or -errno after timeout_ms.
static int echo_exchange(int from, const char *ip, int timeout_ms)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(ECHO_PORT)};
    inet_pton(AF_INET, ip, &to.sin_addr);
    int rc = -ETIMEDOUT;
    for (double end = proc_now_ms() + timeout_ms; rc && proc_now_ms() < end;) {
        int s = nl_socket_in(from, AF_INET, SOCK_STREAM, 0);
        if (s < 0)
            return s;
        struct timeval tv = {.tv_sec = 1};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        const char msg[] = "over the link\n";
        char got[sizeof msg] = "";
        size_t n = 0;
        if (connect(s, (struct sockaddr *)&to, sizeof to) == 0 &&
            write(s, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1)) {
            ssize_t k;
            while (n < sizeof msg - 1 && (k = read(s, got + n, sizeof msg - 1 - n)) > 0)
                n += (size_t)k;
            if (n == sizeof msg - 1 && !memcmp(got, msg, n))
                rc = 0;
        }
        close(s);
        if (rc)
            proc_sleep_ms(100);
    }
    return rc;
}

// True when netns fd holds no bridge or tunnel of a link and no veth but the underlay's.
static bool clean(int fd, const char *what)
{
    char all[8192] = "", veths[8192] = "";
    if (ln_ip_list(fd, "link show", all, sizeof all) ||
        ln_ip_list(fd, "link show type veth", veths, sizeof veths)) {
        fprintf(stderr, "%s: cannot list its links\n", what);
        return false;
    }
    bool ok = !strstr(all, "olb") && !strstr(all, "olx");
    for (char *line = strtok(veths, "\n"); line; line = strtok(NULL, "\n"))
        if (!strstr(line, " ul0@"))
            ok = false;
    if (!ok)
        fprintf(stderr, "%s keeps link devices or veths:\n%s\n", what, all);
    return ok;
}

static bool peer_file_has(const char *id, const char *text)
{
    return proc_sh("grep -qF \"%s\" %s/lxc/or-%s/rootfs/etc/outrig/cp/eth1", text, site_dir, id) ==
           0;
}

static void *add_late_address(void *arg)
{
    proc_sleep_ms(50);
    int nl = nl_open_in(fd_sb), idx = 0;
    nl_addr a = {.family = AF_INET, .prefix = 24};
    inet_pton(AF_INET, "192.168.241.9", a.bytes);
    *(int *)arg = nl < 0 ? nl : nl_link_index(nl, "ul0", &idx) ? -ENODEV : nl_addr_add(nl, idx, &a);
    if (nl >= 0)
        close(nl);
    return NULL;
}

// The shared traffic check (lnk_dp_ping) from inside the LXC site's netns over the underlay.
static void ping_checks(void)
{
    uint64_t rtt = 0;
    char why[256] = "";
    CHECK(lnk_dp_ping(fd_sa, "192.168.241.2", 2000, &rtt, why, sizeof why) == 0 && rtt > 0,
          "ping the other site host: %s", why);
    double t0 = proc_now_ms();
    int rc = lnk_dp_ping(fd_sa, "192.168.241.77", 300, &rtt, why, sizeof why);
    double took = proc_now_ms() - t0;
    CHECK(rc == -ETIMEDOUT && strstr(why, "no ICMP echo reply from 192.168.241.77"),
          "nobody there: %d %s", rc, why);
    CHECK(took >= 290 && took < 1500, "the deadline holds: %.0f ms", took);
    CHECK(lnk_dp_ping(fd_sa, "fd00::1", 300, &rtt, why, sizeof why) == -EAFNOSUPPORT,
          "IPv6 is not checked");
    // A peer that answers only from a moment after the check began.
    pthread_t th;
    int added = 1;
    pthread_create(&th, NULL, add_late_address, &added);
    rc = lnk_dp_ping(fd_sa, "192.168.241.9", 4000, &rtt, why, sizeof why);
    pthread_join(th, NULL);
    CHECK(added == 0 && rc == 0, "a peer that comes a moment later answers: %d %s", rc, why);
    proc_sh("ip -n %s addr del 192.168.241.9/24 dev ul0 2>/dev/null", sb);
}

// An NS with one VNF on the LXC site and one on the agent site.
static void cross_site(void)
{
    if (!create_ns("xs", "lxa", "agb")) {
        CHECK(0, "instantiate xs");
        return;
    }
    CHECK(wait_link("xs", true, 20000, 0), "the cross-site link of xs is UP");
    CHECK(peer_file_has("xs.a.0", "PEER_ADDRESS='" CIDR_NET ".2'") &&
              peer_file_has("xs.a.0", "PEER_CP='xs.b.0/eth1'"),
          "the container's CP file names its peer");
    int fa = lxc_netns("xs.a.0"), fb = agent_netns("xs.b.0");
    CHECK(fa >= 0 && fb >= 0, "netns of the VNFs: %d %d", fa, fb);
    char list[8192] = "";
    CHECK(ln_ip_list(fd_sa, "link show type vxlan", list, sizeof list) == 0 && strstr(list, "olx"),
          "a VXLAN to the agent site in the LXC site's netns: %s", list);
    if (fa >= 0 && fb >= 0) {
        CHECK(echo_exchange(fa, CIDR_NET ".2", 5000) == 0, "TCP container -> agent VNF");
        CHECK(echo_exchange(fb, CIDR_NET ".1", 5000) == 0, "TCP agent VNF -> container");
    }
    if (fa >= 0)
        close(fa);
    // The container dies: the reconcile loop sees it ended and says its CP is down.
    adapter_vnf_info info;
    adapter_err err = {{0}};
    CHECK(adapter_vnf_status(lxc_site, "xs.a.0", &info, &err) == 0 && info.pid > 0 &&
              kill(info.pid, SIGKILL) == 0,
          "kill the container's init: %s", err.msg);
    CHECK(wait_link("xs", false, 8000, OUTRIG__V1__LINK__STATE__PENDING),
          "the link of xs is PENDING once its container ended");
    // Made again (heal): cp.ready, and the link is back.
    CHECK(ns_op("HealNs", "xs", "xs-heal", "xs.a.0"), "heal xs.a.0");
    CHECK(wait_link("xs", true, 20000, 0), "the link of xs is UP again after the heal");
    fa = lxc_netns("xs.a.0");
    CHECK(fa >= 0 && echo_exchange(fa, CIDR_NET ".2", 5000) == 0, "TCP after the heal");
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    CHECK(ns_op("DeleteNs", "xs", "xs-delete", NULL), "delete xs");
    CHECK(clean(fd_sa, "the LXC site's netns"), "LXC site clean after delete");
    CHECK(clean(fd_sb, "the agent site's netns"), "agent site clean after delete");
    CHECK(wait_link("xs", false, 5000, -1), "the linker forgot the links of xs");
}

// Both VNFs on the LXC site: one bridge, no tunnel.
static void same_site(void)
{
    if (!create_ns("ss", "lxa", "lxa")) {
        CHECK(0, "instantiate ss");
        return;
    }
    CHECK(wait_link("ss", true, 20000, 0), "the same-site link of ss is UP");
    char list[8192] = "";
    CHECK(ln_ip_list(fd_sa, "link show", list, sizeof list) == 0 && strstr(list, "olb") &&
              !strstr(list, "olx"),
          "one bridge and no VXLAN in the site's netns: %s", list);
    int fa = lxc_netns("ss.a.0"), fb = lxc_netns("ss.b.0");
    CHECK(fa >= 0 && fb >= 0 && echo_exchange(fa, CIDR_NET ".2", 5000) == 0 &&
              echo_exchange(fb, CIDR_NET ".1", 5000) == 0,
          "TCP between the two containers");
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    CHECK(ns_op("DeleteNs", "ss", "ss-delete", NULL), "delete ss");
    CHECK(clean(fd_sa, "the LXC site's netns"), "LXC site clean after deleting ss");
}

static int open_ns(const char *name)
{
    char p[100];
    snprintf(p, sizeof p, "/run/netns/%s", name);
    return open(p, O_RDONLY | O_CLOEXEC);
}

static int list_cb(const adapter_vnf_info *i, void *arg)
{
    adapter_err err;
    (void)arg;
    adapter_delete_vnf(lxc_site, i->instance_id, &err);
    return 0;
}

int main(void)
{
    char agent_bin[512];
    proc_build_path("hypervisor-agent/agent/outrig-agent", agent_bin, sizeof agent_bin);
    if (geteuid() != 0 || proc_sh("command -v lxc-ls >/dev/null && test -x /bin/busybox") != 0 ||
        access(agent_bin, X_OK)) {
        fprintf(stderr, "skipped: needs root, lxc, busybox-static and outrig-agent\n");
        return 77;
    }
    if (proc_tmpdir("lxc-link", tmp, sizeof tmp))
        return 1;
    int pid = (int)getpid();
    snprintf(run_dir, sizeof run_dir, "%s/run", tmp);
    snprintf(site_dir, sizeof site_dir, "%s/site-a", tmp);
    snprintf(sa, sizeof sa, "lxl-a-%d", pid);
    snprintf(sb, sizeof sb, "lxl-b-%d", pid);
    proc_sh("mkdir -p %s %s", run_dir, site_dir);
    pid_t pids[5] = {0};
    bool nets = proc_sh("ip netns add %s && ip netns add %s && ip -n %s link set lo up && "
                        "ip -n %s link set lo up",
                        sa, sb, sa, sb) == 0;
    CHECK(nets, "netns %s %s", sa, sb);
    fd_sa = open_ns(sa);
    fd_sb = open_ns(sb);
    CHECK(fd_sa >= 0 && fd_sb >= 0 &&
              ln_underlay(fd_sa, "192.168.241.1/24", fd_sb, "192.168.241.2/24") == 0,
          "underlay between the sites");
    char cat[512], catopt[600];
    proc_build_path("examples/vnf", cat, sizeof cat);
    snprintf(catopt, sizeof catopt, "catalogue_dir=%s", cat);
    const char *orch_opts[] = {"--set", catopt, "--set", "reconcile_ms=1000", NULL};
    char agent_url[300], hn[64], pre[64], host[64];
    snprintf(agent_url, sizeof agent_url, "ipc://%s/agent.sock", run_dir);
    snprintf(hn, sizeof hn, "host_netns=%s", sb);
    snprintf(pre, sizeof pre, "netns_prefix=lxl%d-", pid % 100000);
    snprintf(host, sizeof host, "host=lxl%d", pid);
    const char *agent_opts[] = {"--listen", agent_url,
                                "--set",    hn,
                                "--set",    pre,
                                "--set",    host,
                                "--set",    "host_addr=192.168.241.2",
                                "--set",    "stop_grace_ms=300",
                                NULL};
    proc_app agent_app = app;
    agent_app.bin = "hypervisor-agent/agent/outrig-agent";
    if (!failures) {
        CHECK((pids[0] = proc_app_start(&app, "store", NULL, 15000)) > 0, "store");
        CHECK((pids[1] = proc_app_start(&app, "hub", NULL, 15000)) > 0, "hub");
        CHECK((pids[2] = proc_app_start(&app, "linker", NULL, 15000)) > 0, "linker");
        CHECK((pids[3] = proc_app_start(&agent_app, "agent", agent_opts, 15000)) > 0, "agent");
        CHECK((pids[4] = proc_app_start(&app, "orchestrator", orch_opts, 15000)) > 0, "orch");
    }
    char url[300];
    snprintf(url, sizeof url, "ipc://%s/orchestrator.sock", run_dir);
    orch = rpc_client_open(url, NULL);
    snprintf(url, sizeof url, "ipc://%s/linker.sock", run_dir);
    linker = rpc_client_open(url, NULL);
    agent = rpc_client_open(agent_url, NULL);
    char ep[300], nsopt[64], agent_ep[400];
    snprintf(ep, sizeof ep, "lxc://%s", site_dir);
    snprintf(nsopt, sizeof nsopt, "netns=%s", sa);
    snprintf(agent_ep, sizeof agent_ep, "agent://%s", agent_url);
    const char *lxc_opts[] = {nsopt, NULL};
    adapter_site_config cfg = {.name = "lxa", .endpoint = ep, .options = lxc_opts};
    adapter_err aerr = {{0}};
    CHECK(adapter_open("lxc", &cfg, &lxc_site, &aerr) == 0, "the test's LXC site: %s", aerr.msg);
    if (!failures) {
        add_yaml("AddVnfd", "lxl_echo_vnfd.yaml", vnfd_yaml);
        add_yaml("AddNsd", "lxl_pair_nsd.yaml", nsd_yaml);
        char *a_opts[] = {nsopt, "host_addr=192.168.241.1"};
        add_site("lxa", "lxc", ep, a_opts, 2);
        add_site("agb", "agent", agent_ep, NULL, 0);
    }
    if (!failures)
        ping_checks();
    if (!failures)
        cross_site();
    if (!failures)
        same_site();

    // Teardown: whatever a failure left, the processes, the netns, the files.
    if (failures)
        proc_sh("tail -n 40 %s/orchestrator.log %s/linker.log %s/agent.log >&2", tmp, tmp, tmp);
    if (lxc_site) {
        adapter_err err;
        adapter_list_vnfs(lxc_site, list_cb, NULL, &err);
        adapter_close(lxc_site);
    }
    rpc_client_close(orch);
    rpc_client_close(linker);
    rpc_client_close(agent);
    proc_stop_all(pids, 5, SIGTERM, 10000);
    if (proc_sh("grep -q 'Sanitizer\\|runtime error' %s/*.log", tmp) == 0) {
        proc_sh("grep -h -A30 'Sanitizer\\|runtime error' %s/*.log | head -80 >&2", tmp);
        CHECK(0, "sanitizer report in a service log");
    }
    if (fd_sa >= 0)
        close(fd_sa);
    if (fd_sb >= 0)
        close(fd_sb);
    proc_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", sa, sb);
    proc_rmtree(tmp);
    nng_fini();
    fprintf(stderr, "%s (%d failure(s))\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
