// bench-linker: time from both CPs ready to link UP, through real store, hub and linker
// processes, with this program playing the agents of two site hosts in network namespaces
// (root). Links one at a time, then 100 at once, within a site (one bridge per virtual link)
// and across sites (plus a VXLAN tunnel per virtual link). For each link the clock starts
// when its second cp.ready is published and stops when link.up arrives from the hub.
//
// The stand-in agents work the way hypervisor-agent/agent does: each site host has one
// agent serving ConfigurePeer over RPC; its handler only queues the call, and one worker
// thread per host builds the data path (lnk_dp_*, as the agent does) and answers; then a
// thread of its own per call checks traffic with the agent's ICMP echo (lnk_dp_ping) and
// publishes cp.verified through a batching publisher. So the linker's ConfigurePeer calls are part
// of what is measured. Each link records t_ready, t_est (link.establishing seen), per end
// t_call (ConfigurePeer reached its agent), t_pick (the worker took it), t_done (data path
// built, answered), then t_verified (first good verdict published) and t_up. JSON lines:
// ready_to_up and all_up, then the stages (ready_to_establishing, est_to_pick,
// pick_to_verified, verified_to_up; ready_to_configured, agent_queue, data_path,
// traffic_check), the agents' summed netlink time (data_path_total) and the services' CPU.
// Both site hosts are namespaces of this one kernel, whose rtnl lock runs the netlink work
// of both agents one operation at a time; on two real hosts each agent has its own.
#include <errno.h>
#include <math.h>
#include <nng/nng.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "cpreport.h"
#include "datapath.h"
#include "hub/hub.h"
#include "linker_net.h"
#include "netlink/netlink.h"
#include "outrig/v1/agent.pb-c.h"
#include "outrig/v1/linker.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"

#define LINKS 100
#define SEQ_LINKS 25 // links of the one-at-a-time cases
#define CASES 4      // 0/1: 100 at once within a site / across; 2/3: one at a time
#define HOSTS 2      // site hosts, one agent each: 10.213.250.1 and .2
#define AGENT_QUEUE 512

typedef struct blink {
    int x, y;            // VNF netns
    char hx[16], hy[16]; // host-side veths
    char id[128];
    uint64_t t_ready, t_est, t_verified, t_up;
    uint64_t t_call[2], t_pick[2], t_done[2]; // per end: 0 = x, 1 = y
} blink;

static blink links[CASES][LINKS];
static const char case_char[CASES] = {'s', 'c', 't', 'u'};

static bool cross(int c)
{
    return c & 1;
}

static int n_links(int c)
{
    return c < 2 ? LINKS : SEQ_LINKS;
}

// The third byte of link i's subnet 10.213.X.0/24 (10.213.250.0/24 is the underlay).
static int subnet(int c, int i)
{
    return c < 2 ? c * LINKS + i : 2 * LINKS + (c - 2) * SEQ_LINKS + i;
}

static char tmp[256], run_dir[300];
static hub_client *hub;

// mu guards the timestamps written after the start and n_up.
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int n_up;
static atomic_int n_checks; // traffic checks running

typedef struct bcall {
    rpc_call *call;
    int k, side; // link case * LINKS + i, end
    char vl[64], peer[32], peer_host[16], host[16];
} bcall;

typedef struct bagent {
    int ns; // the host's netns
    char addr[16], url[LNK_URL_MAX];
    rpc_server *srv;
    hub_client *hub;
    hub_publisher *pub;
    pthread_t worker;
    bool worker_on;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bcall q[AGENT_QUEUE];
    unsigned head, tail;
    bool stop;
} bagent;

static bagent agents[HOSTS];

static int index_of(const char *id)
{
    int i;
    char kind;
    if (sscanf(id, "b%c/v%d/", &kind, &i) != 2 || i < 0 || i >= LINKS)
        return -1;
    for (int c = 0; c < CASES; c++)
        if (case_char[c] == kind)
            return c * LINKS + i;
    return -1;
}

static blink *link_of(int k)
{
    return &links[k / LINKS][k % LINKS];
}

static void stamp(uint64_t *t)
{
    uint64_t now = ln_now_us();
    pthread_mutex_lock(&mu);
    if (!*t)
        *t = now;
    pthread_mutex_unlock(&mu);
}

static void on_link(const Outrig__V1__Event *ev, void *arg)
{
    int k = index_of(ev->id);
    if (k < 0)
        return;
    blink *l = link_of(k);
    if (!strcmp(ev->type, "establishing")) {
        stamp(&l->t_est);
    } else if (!strcmp(ev->type, "up")) {
        pthread_mutex_lock(&mu);
        if (!l->t_up) {
            l->t_up = ln_now_us();
            n_up++;
        }
        pthread_mutex_unlock(&mu);
    }
}

// ---- the stand-in agents ------------------------------------------------------------------

typedef struct check {
    bagent *a;
    int k;
} check;

// The agent's verdict (lnk_dp_check_start, as outrig-agent runs it): cp.verified.
static void verdict(void *arg, const lnk_verdict *v, const uint8_t *payload, size_t len)
{
    check *c = arg;
    blink *l = link_of(c->k);
    if (v->ok)
        stamp(&l->t_verified);
    hub_event ev = {.category = "cp",
                    .type = "verified",
                    .id = l->id,
                    .source = "bench-agent",
                    .payload = payload,
                    .payload_len = len};
    if (hub_publisher_add(c->a->pub, &ev, NULL) < 0)
        fprintf(stderr, "cp.verified %s not published\n", l->id);
    free(c);
}

static void start_check(bagent *a, const bcall *b)
{
    check *c = calloc(1, sizeof *c);
    if (!c)
        return;
    *c = (check){.a = a, .k = b->k};
    blink *l = link_of(b->k);
    if (lnk_dp_check_start(b->side ? l->y : l->x, b->peer, LNK_PING_MS, l->id, verdict, c,
                           &n_checks))
        free(c);
}

// The data path of one end, as agent_link_peer builds it.
static int build(bagent *a, int nl, const bcall *b)
{
    blink *l = link_of(b->k);
    int e = lnk_dp_attach(nl, b->vl, b->side ? l->hy : l->hx);
    if (e == 0 && b->peer_host[0])
        e = lnk_dp_tunnel(nl, b->vl, b->host[0] ? b->host : a->addr, b->peer_host, "ul0");
    return e;
}

static void *agent_main(void *arg)
{
    bagent *a = arg;
    int nl = nl_open_in(a->ns);
    static const uint8_t empty[1];
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (a->head == a->tail && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        if (a->head == a->tail)
            break;
        bcall b = a->q[a->head++ % AGENT_QUEUE];
        bool stop = a->stop;
        pthread_mutex_unlock(&a->mu);
        blink *l = link_of(b.k);
        stamp(&l->t_pick[b.side]);
        int e = stop ? 0 : nl < 0 ? nl : build(a, nl, &b);
        if (stop) {
            rpc_call_fail(b.call, RPC_UNAVAILABLE, NULL, "the agent is stopping");
        } else if (e) {
            rpc_call_fail(b.call, RPC_INTERNAL, NULL, "data path: %s", strerror(-e));
        } else {
            stamp(&l->t_done[b.side]);
            rpc_call_done_raw(b.call, empty, 0);
            start_check(a, &b);
        }
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    if (nl >= 0)
        close(nl);
    return NULL;
}

// ConfigurePeer: decoded and queued for the host's worker (agent: front.c on_call).
static void on_configure_peer(rpc_call *call, const uint8_t *in, size_t len, void *arg)
{
    bagent *a = arg;
    Outrig__V1__ConfigurePeerRequest *r = outrig__v1__configure_peer_request__unpack(NULL, len, in);
    int k = r ? index_of(r->link_id) : -1;
    const char *dot = r ? strchr(r->vnf_id, '.') : NULL;
    if (k < 0 || !dot || (dot[1] != 'x' && dot[1] != 'y')) {
        outrig__v1__configure_peer_request__free_unpacked(r, NULL);
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "link_id", "not a link of this bench");
        return;
    }
    bcall b = {.call = call, .k = k, .side = dot[1] == 'y'};
    snprintf(b.vl, sizeof b.vl, "%s", r->virtual_link);
    snprintf(b.peer, sizeof b.peer, "%s", r->peer_address);
    snprintf(b.peer_host, sizeof b.peer_host, "%s", r->peer_host);
    snprintf(b.host, sizeof b.host, "%s", r->host);
    outrig__v1__configure_peer_request__free_unpacked(r, NULL);
    stamp(&link_of(k)->t_call[b.side]);
    pthread_mutex_lock(&a->mu);
    bool full = a->tail - a->head >= AGENT_QUEUE, stop = a->stop;
    if (!full && !stop) {
        a->q[a->tail++ % AGENT_QUEUE] = b;
        pthread_cond_signal(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    if (stop || full)
        rpc_call_fail(call, stop ? RPC_UNAVAILABLE : RPC_RESOURCE_EXHAUSTED, NULL, "busy");
}

static int agent_start(bagent *a, int ns, const char *addr, const char *hub_url)
{
    a->ns = ns;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    snprintf(a->addr, sizeof a->addr, "%s", addr); // agent_free: mu and cv to destroy
    if ((size_t)snprintf(a->url, sizeof a->url, "ipc://%s/bagent-%s.sock", run_dir, addr) >=
        sizeof a->url)
        return -ENAMETOOLONG;
    rpc_server_opts so = {.name = "bench-agent"};
    hub_publisher_opts po = {0};
    if (!(a->hub = hub_client_open(hub_url, NULL)) || !(a->pub = hub_publisher_new(a->hub, &po)) ||
        !(a->srv = rpc_server_new(&so)))
        return -ENOMEM;
    if (pthread_create(&a->worker, NULL, agent_main, a))
        return -EAGAIN;
    a->worker_on = true;
    int e = rpc_server_add_raw(a->srv, "/outrig.v1.Agent/ConfigurePeer",
                               "outrig.v1.ConfigurePeerRequest", "outrig.v1.VnfInfo",
                               on_configure_peer, a);
    if (e == 0)
        e = rpc_server_listen(a->srv, a->url);
    return e ? e : rpc_server_start(a->srv);
}

static void agent_stop(bagent *a)
{
    if (a->worker_on) {
        pthread_mutex_lock(&a->mu);
        a->stop = true; // what is still queued is answered UNAVAILABLE
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->worker, NULL);
        a->worker_on = false;
    }
    rpc_server_free(a->srv);
    a->srv = NULL;
}

static void agent_free(bagent *a)
{
    hub_publisher_free(a->pub);
    hub_client_close(a->hub);
    if (a->addr[0]) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
    }
}

// ---- the cases ----------------------------------------------------------------------------

// Publishes cp.ready for one end of links [from, from + n) of case c, in one hub call.
static int cp_ready_range(int c, int side, int from, int n)
{
    static lnk_cp cps[LINKS];
    static uint8_t *bufs[LINKS];
    hub_event ev[LINKS];
    for (int k = 0; k < n; k++) {
        int i = from + k;
        lnk_cp *cp = &cps[k];
        const bagent *a = &agents[cross(c) && side ? 1 : 0];
        memset(cp, 0, sizeof *cp);
        snprintf(cp->ns_id, sizeof cp->ns_id, "b%c", case_char[c]);
        snprintf(cp->vnf_id, sizeof cp->vnf_id, "b%c.%c%d", case_char[c], side ? 'y' : 'x', i);
        snprintf(cp->cp_id, sizeof cp->cp_id, "e");
        snprintf(cp->address, sizeof cp->address, "10.213.%d.%d/24", subnet(c, i), side + 1);
        snprintf(cp->host, sizeof cp->host, "%s", a->addr);
        snprintf(cp->agent, sizeof cp->agent, "%s", a->url);
        snprintf(cp->virtual_link, sizeof cp->virtual_link, "v%d", i);
        size_t len;
        if (lnk_cp_encode(cp, &bufs[k], &len) < 0)
            return -ENOMEM;
        ev[k] = (hub_event){.category = "cp",
                            .type = "ready",
                            .id = cp->vnf_id,
                            .source = "bench",
                            .payload = bufs[k],
                            .payload_len = len};
    }
    rpc_code rc = hub_publish(hub, ev, (size_t)n, NULL, NULL);
    for (int k = 0; k < n; k++)
        free(bufs[k]);
    return rc == RPC_OK ? 0 : -EIO;
}

static int prepare(int c, int h1, int h2)
{
    char k = case_char[c];
    for (int i = 0; i < n_links(c); i++) {
        blink *l = &links[c][i];
        l->x = ln_netns_new();
        l->y = ln_netns_new();
        if (l->x < 0 || l->y < 0)
            return -1;
        snprintf(l->hx, sizeof l->hx, "b%cx%d", k, i);
        snprintf(l->hy, sizeof l->hy, "b%cy%d", k, i);
        snprintf(l->id, sizeof l->id, "b%c/v%d/b%c.x%d.e~b%c.y%d.e", k, i, k, i, k, i);
        char ax[32], ay[32];
        snprintf(ax, sizeof ax, "10.213.%d.1/24", subnet(c, i));
        snprintf(ay, sizeof ay, "10.213.%d.2/24", subnet(c, i));
        if (ln_vnf_cp(h1, l->hx, l->x, "eth0", ax) < 0 ||
            ln_vnf_cp(cross(c) ? h2 : h1, l->hy, l->y, "eth0", ay) < 0)
            return -1;
    }
    return 0;
}

// Waits until `want` links in all are up (or ms); returns how many of case c are.
static int wait_up(int c, int want, int ms)
{
    uint64_t end = ln_now_us() + (uint64_t)ms * 1000;
    pthread_mutex_lock(&mu);
    while (n_up < want && ln_now_us() < end) {
        pthread_mutex_unlock(&mu);
        usleep(500);
        pthread_mutex_lock(&mu);
    }
    int got = 0;
    for (int i = 0; i < n_links(c); i++)
        got += links[c][i].t_up != 0;
    pthread_mutex_unlock(&mu);
    return got;
}

static double ms_between(uint64_t a, uint64_t b)
{
    return a && b ? ((double)b - (double)a) / 1000.0 : NAN;
}

static double nmax(double a, double b)
{
    return isnan(a) || b > a ? b : a;
}

static uint64_t first(const uint64_t t[2])
{
    return !t[0] || (t[1] && t[1] < t[0]) ? t[1] : t[0];
}

static uint64_t last(const uint64_t t[2])
{
    return t[0] && t[1] ? (t[0] > t[1] ? t[0] : t[1]) : 0;
}

// The stages of a link, in ms (NAN: not recorded). est_to_pick may be negative: the
// ConfigurePeer calls can reach an agent before link.establishing reaches this program.
static double st_ready_up(const blink *l)
{
    return ms_between(l->t_ready, l->t_up);
}
static double st_ready_est(const blink *l)
{
    return ms_between(l->t_ready, l->t_est);
}
static double st_est_pick(const blink *l)
{
    return ms_between(l->t_est, first(l->t_pick));
}
static double st_pick_verified(const blink *l)
{
    return ms_between(first(l->t_pick), l->t_verified);
}
static double st_verified_up(const blink *l)
{
    return ms_between(l->t_verified, l->t_up);
}
static double st_ready_calls(const blink *l) // the linker: both ConfigurePeer calls made
{
    return ms_between(l->t_ready, last(l->t_call));
}
static double st_agent_queue(const blink *l) // the agents' worker queues, the longer end
{
    return nmax(ms_between(l->t_call[0], l->t_pick[0]), ms_between(l->t_call[1], l->t_pick[1]));
}
static double st_data_path(const blink *l) // netlink work, the longer end
{
    return nmax(ms_between(l->t_pick[0], l->t_done[0]), ms_between(l->t_pick[1], l->t_done[1]));
}
static double st_check(const blink *l) // both ends built -> first good verdict
{
    return ms_between(last(l->t_done), l->t_verified);
}

// Prints name_p50 and name_p99 of stage f over the links of case c (and returns the count).
static size_t stage(int c, const char *cas, const char *name, double (*f)(const blink *),
                    const char *baseline, double target)
{
    double ms[LINKS];
    size_t n = 0;
    for (int i = 0; i < n_links(c); i++) {
        double v = f(&links[c][i]);
        if (!isnan(v))
            ms[n++] = v;
    }
    if (!n)
        return 0;
    char m[64];
    snprintf(m, sizeof m, "%s_p50", name);
    bench_line("linker", cas, m, bench_percentile(ms, n, 50), "ms", baseline, target);
    snprintf(m, sizeof m, "%s_p99", name);
    bench_line("linker", cas, m, bench_percentile(ms, n, 99), "ms", baseline, target);
    return n;
}

static void report(int c, const char *cas, int got)
{
    pthread_mutex_lock(&mu); // late verdicts still stamp
    bench_line("linker", cas, "links_up", got, "links", NULL, 0);
    double target = cross(c) ? 100 : 50;
    if (stage(c, cas, "ready_to_up", st_ready_up, "target_p99", target) && c < 2) {
        double last_up = 0;
        for (int i = 0; i < n_links(c); i++)
            if (links[c][i].t_up)
                last_up = nmax(last_up, st_ready_up(&links[c][i]));
        bench_line("linker", cas, "all_up", last_up, "ms", NULL, 0);
        // The agents' netlink work, all ends summed: one kernel plays both site hosts here,
        // and its rtnl lock lets that work run one operation at a time.
        double sum = 0;
        for (int i = 0; i < n_links(c); i++)
            for (int s = 0; s < 2; s++)
                sum += nmax(0, ms_between(links[c][i].t_pick[s], links[c][i].t_done[s]));
        bench_line("linker", cas, "data_path_total", sum, "ms", NULL, 0);
    }
    // Where the time goes: the linker (ready -> establishing, ready -> both ConfigurePeer
    // calls made, verified -> up through the hub), the agents' queue, data path and check.
    stage(c, cas, "ready_to_establishing", st_ready_est, NULL, 0);
    stage(c, cas, "est_to_pick", st_est_pick, NULL, 0);
    stage(c, cas, "pick_to_verified", st_pick_verified, NULL, 0);
    stage(c, cas, "verified_to_up", st_verified_up, NULL, 0);
    stage(c, cas, "ready_to_configured", st_ready_calls, NULL, 0);
    stage(c, cas, "agent_queue", st_agent_queue, NULL, 0);
    stage(c, cas, "data_path", st_data_path, NULL, 0);
    stage(c, cas, "traffic_check", st_check, NULL, 0);
    if (getenv("BENCH_LINKER_DEBUG")) // times since ready: est, call x/y, pick, done, verified, up
        for (int i = 0; i < n_links(c); i++) {
            const blink *l = &links[c][i];
            fprintf(stderr, "%s %d:", cas, i);
            const uint64_t t[] = {l->t_est,     l->t_call[0],  l->t_call[1],
                                  l->t_pick[0], l->t_pick[1],  l->t_done[0],
                                  l->t_done[1], l->t_verified, l->t_up};
            for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
                fprintf(stderr, " %.2f", ms_between(l->t_ready, t[k]));
            fprintf(stderr, "\n");
        }
    pthread_mutex_unlock(&mu);
}

static pid_t pids[3]; // store, hub, linker

// CPU time (user + system, ms) the service processes used so far; -1 when unknown.
static void cpu_ms(long out[3])
{
    for (int i = 0; i < 3; i++) {
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pids[i]);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = 0;
        const char *p = strrchr(buf, ')');
        unsigned long ut = 0, st = 0; // fields 14 and 15, after the state and 10 numbers
        const char *fmt = "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu";
        out[i] = -1;
        if (p && sscanf(p + 2, fmt, &ut, &st) == 2)
            out[i] = (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
    }
}

static int base_up; // links up before the case started

// 100 links at once: the first ends come up, then every second end in one batch.
static int run_at_once(int c)
{
    if (cp_ready_range(c, 0, 0, LINKS) < 0)
        return -1;
    usleep(200000);
    uint64_t t = ln_now_us();
    pthread_mutex_lock(&mu);
    for (int i = 0; i < LINKS; i++)
        links[c][i].t_ready = t;
    pthread_mutex_unlock(&mu);
    long cpu0[3], cpu1[3];
    cpu_ms(cpu0);
    if (cp_ready_range(c, 1, 0, LINKS) < 0)
        return -1;
    int got = wait_up(c, base_up + LINKS, 60000);
    base_up += got;
    cpu_ms(cpu1);
    const char *cas = cross(c) ? "across_sites_100_links" : "same_site_100_links";
    report(c, cas, got);
    // CPU time the services used meanwhile (in clock ticks of 10 ms): what they take from
    // the agents on a small machine.
    static const char *const cpu_metric[3] = {"store_cpu", "hub_cpu", "linker_cpu"};
    for (int i = 0; i < 3; i++)
        if (cpu0[i] >= 0 && cpu1[i] >= 0)
            bench_line("linker", cas, cpu_metric[i], (double)(cpu1[i] - cpu0[i]), "ms", NULL, 0);
    return got == LINKS ? 0 : -1;
}

// One link at a time: the figure for a link on its own.
static int run_one_by_one(int c)
{
    int got = 0;
    for (int i = 0; i < SEQ_LINKS; i++) {
        if (cp_ready_range(c, 0, i, 1) < 0)
            return -1;
        usleep(5000);
        pthread_mutex_lock(&mu);
        links[c][i].t_ready = ln_now_us();
        pthread_mutex_unlock(&mu);
        if (cp_ready_range(c, 1, i, 1) < 0)
            return -1;
        got = wait_up(c, base_up + i + 1, 5000);
        if (got != i + 1)
            break;
    }
    base_up += got;
    report(c, cross(c) ? "across_sites_one_link" : "same_site_one_link", got);
    return got == SEQ_LINKS ? 0 : -1;
}

static pid_t start_service(const char *name, const char *const *extra)
{
    proc_app app = {.root = tmp, .run_dir = run_dir, .log_level = "warn"};
    return proc_app_start(&app, name, extra, 15000);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "bench-linker: needs root (network namespaces)\n");
        return 0;
    }
    int rc = 1, h1 = -1, h2 = -1;
    pid_t st = -1, hb = -1, lk = -1;
    hub_subscription *sub = NULL;
    if (proc_tmpdir("bench-linker", tmp, sizeof tmp) < 0)
        return 1;
    snprintf(run_dir, sizeof run_dir, "%s/run", tmp);
    mkdir(run_dir, 0700);
    const char *const lopts[] = {"--set", "verify_ms=30000", NULL};
    if ((st = start_service("store", NULL)) < 0 || (hb = start_service("hub", NULL)) < 0 ||
        (lk = start_service("linker", lopts)) < 0) {
        fprintf(stderr, "bench-linker: services did not start\n");
        goto out;
    }
    pids[0] = st;
    pids[1] = hb;
    pids[2] = lk;
    char url[400];
    snprintf(url, sizeof url, "ipc://%s/hub.sock", run_dir);
    hub = hub_client_open(url, NULL);
    static const char *const cats[] = {"link", NULL};
    if (!hub || hub_subscribe(hub, NULL, cats, HUB_FROM_RESUME, on_link, NULL, NULL, &sub)) {
        fprintf(stderr, "bench-linker: hub\n");
        goto out;
    }
    h1 = ln_netns_new();
    h2 = ln_netns_new();
    if (h1 < 0 || h2 < 0 || ln_underlay(h1, "10.213.250.1/24", h2, "10.213.250.2/24") < 0 ||
        prepare(0, h1, h2) < 0 || prepare(1, h1, h2) < 0 || prepare(2, h1, h2) < 0 ||
        prepare(3, h1, h2) < 0) {
        fprintf(stderr, "bench-linker: namespaces\n");
        goto out;
    }
    if (agent_start(&agents[0], h1, "10.213.250.1", url) < 0 ||
        agent_start(&agents[1], h2, "10.213.250.2", url) < 0) {
        fprintf(stderr, "bench-linker: agents\n");
        goto out;
    }
    rc = run_one_by_one(2) | run_one_by_one(3) | run_at_once(0) | run_at_once(1);
out:
    for (int i = 0; i < HOSTS; i++)
        agent_stop(&agents[i]);
    for (int i = 0; i < 10 * LNK_PING_MS && atomic_load(&n_checks) > 0; i++)
        usleep(100);
    for (int i = 0; i < HOSTS; i++)
        agent_free(&agents[i]);
    hub_unsubscribe(sub);
    hub_client_close(hub);
    for (int c = 0; c < CASES; c++)
        for (int i = 0; i < n_links(c); i++) {
            if (links[c][i].x > 0)
                close(links[c][i].x);
            if (links[c][i].y > 0)
                close(links[c][i].y);
        }
    if (h1 >= 0)
        close(h1);
    if (h2 >= 0)
        close(h2);
    if (lk > 0 && proc_stop(lk, SIGTERM, 5000) != 0) {
        // Not a clean exit (a sanitizer report, a crash): show its log before it goes.
        char path[400], buf[4096];
        snprintf(path, sizeof path, "%s/linker.log", tmp);
        FILE *f = fopen(path, "r");
        size_t n;
        fprintf(stderr, "bench-linker: outrig-linker did not exit cleanly; its log:\n");
        while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, stderr);
        if (f)
            fclose(f);
        rc = 1;
    }
    if (hb > 0)
        proc_stop(hb, SIGTERM, 5000);
    if (st > 0)
        proc_stop(st, SIGTERM, 5000);
    proc_rmtree(tmp);
    nng_fini();
    return rc ? 1 : 0;
}
