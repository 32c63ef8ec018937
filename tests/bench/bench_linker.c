// bench-linker: time from both CPs ready to link UP, through real store, hub and linker
// processes, with this program playing the agents of two site hosts in network namespaces
// (root). Links one at a time, then 100 at once, within a site (one bridge per virtual link)
// and across sites (plus a VXLAN tunnel per virtual link). For each link the clock starts
// when its second cp.ready is published and stops when link.up arrives from the hub; in
// between the linker resolves the peers and moves the link to ESTABLISHING, an agent worker
// builds the data path, checks a real TCP exchange and publishes cp.verified. JSON lines.
#include <errno.h>
#include <nng/nng.h>
#include <pthread.h>
#include <signal.h>
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
#include "outrig/v1/linker.pb-c.h"
#include "proc.h"

#define LINKS 100
#define SEQ_LINKS 25 // links of the one-at-a-time cases
#define CASES 4      // 0/1: 100 at once within a site / across; 2/3: one at a time
#define WORKERS 8

typedef struct blink {
    int x, y;            // VNF netns
    char hx[16], hy[16]; // host-side veths
    char vl[32], id[128];
    uint64_t t_ready, t_up, t_est, t_pick;
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
static int h1 = -1, h2 = -1;
static hub_client *hub;
static char tmp[256], run_dir[300];

// Work queue of link indexes (case * LINKS + i) that went ESTABLISHING.
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int queue[CASES * LINKS], q_head, q_tail, n_up;
static bool stopping;

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

static void on_link(const Outrig__V1__Event *ev, void *arg)
{
    int k = index_of(ev->id);
    if (k < 0)
        return;
    pthread_mutex_lock(&mu);
    if (!strcmp(ev->type, "establishing")) {
        if (!links[k / LINKS][k % LINKS].t_est)
            links[k / LINKS][k % LINKS].t_est = ln_now_us();
        queue[q_tail++ % (CASES * LINKS)] = k;
        pthread_cond_broadcast(&cv);
    } else if (!strcmp(ev->type, "up")) {
        blink *l = &links[k / LINKS][k % LINKS];
        if (!l->t_up) {
            l->t_up = ln_now_us();
            n_up++;
            pthread_cond_broadcast(&cv);
        }
    }
    pthread_mutex_unlock(&mu);
}

static void publish(const char *type, const char *id, const void *buf, size_t len)
{
    hub_event ev = {.category = "cp",
                    .type = type,
                    .id = id,
                    .source = "bench",
                    .payload = buf,
                    .payload_len = len};
    if (hub_publish(hub, &ev, 1, NULL, NULL) != RPC_OK)
        fprintf(stderr, "publish cp.%s failed\n", type);
}

static void *worker(void *arg)
{
    int n1 = nl_open_in(h1), n2 = nl_open_in(h2);
    for (;;) {
        pthread_mutex_lock(&mu);
        while (q_head == q_tail && !stopping)
            pthread_cond_wait(&cv, &mu);
        if (stopping) {
            pthread_mutex_unlock(&mu);
            break;
        }
        int k = queue[q_head++ % (CASES * LINKS)];
        pthread_mutex_unlock(&mu);
        int c = k / LINKS, i = k % LINKS;
        blink *l = &links[c][i];
        l->t_pick = ln_now_us();
        int e = lnk_dp_attach(n1, l->vl, l->hx);
        if (e == 0)
            e = lnk_dp_attach(cross(c) ? n2 : n1, l->vl, l->hy);
        if (e == 0 && cross(c))
            e = lnk_dp_tunnel(n1, l->vl, "10.213.250.1", "10.213.250.2", "ul0");
        if (e == 0 && cross(c))
            e = lnk_dp_tunnel(n2, l->vl, "10.213.250.2", "10.213.250.1", "ul0");
        char ip[32];
        snprintf(ip, sizeof ip, "10.213.%d.2", subnet(c, i));
        uint64_t tx = ln_now_us();
        long rtt = e == 0 ? ln_tcp_exchange(l->x, l->y, ip, (uint16_t)(7000 + k), 5000) : e;
        if (getenv("BENCH_LINKER_DEBUG"))
            fprintf(stderr, "link %d: est %.1f pick %.1f dp %.1f exchange %.1f ms\n", k,
                    (l->t_est - l->t_ready) / 1000.0, (l->t_pick - l->t_est) / 1000.0,
                    (tx - l->t_pick) / 1000.0, (ln_now_us() - tx) / 1000.0);
        Outrig__V1__CpVerified v = OUTRIG__V1__CP_VERIFIED__INIT;
        v.link_id = l->id;
        v.ok = rtt > 0;
        v.reason = rtt > 0 ? "" : strerror((int)-rtt);
        v.rtt_us = rtt > 0 ? (uint64_t)rtt : 0;
        uint8_t buf[512];
        uint64_t tp = ln_now_us();
        publish("verified", l->id, buf, outrig__v1__cp_verified__pack(&v, buf));
        if (getenv("BENCH_LINKER_DEBUG") && ln_now_us() - tp > 50000)
            fprintf(stderr, "slow publish %d: %.1f ms\n", k, (ln_now_us() - tp) / 1000.0);
    }
    close(n1);
    close(n2);
    return NULL;
}

// Publishes cp.ready for one end of links [from, from + n) of case c, in one hub call.
static int cp_ready_range(int c, int side, int from, int n)
{
    static lnk_cp cps[LINKS];
    static uint8_t *bufs[LINKS];
    hub_event ev[LINKS];
    for (int k = 0; k < n; k++) {
        int i = from + k;
        lnk_cp *cp = &cps[k];
        memset(cp, 0, sizeof *cp);
        snprintf(cp->ns_id, sizeof cp->ns_id, "b%c", case_char[c]);
        snprintf(cp->vnf_id, sizeof cp->vnf_id, "b%c.%c%d", case_char[c], side ? 'y' : 'x', i);
        snprintf(cp->cp_id, sizeof cp->cp_id, "e");
        snprintf(cp->address, sizeof cp->address, "10.213.%d.%d/24", subnet(c, i), side + 1);
        snprintf(cp->host, sizeof cp->host, "10.213.250.%d", cross(c) && side ? 2 : 1);
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

static int prepare(int c)
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
        snprintf(l->vl, sizeof l->vl, "b%c/v%d", k, i);
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
    pthread_mutex_unlock(&mu);
    int got = 0;
    for (int i = 0; i < n_links(c); i++)
        got += links[c][i].t_up != 0;
    return got;
}

static void report(int c, const char *cas, int got)
{
    double ms[LINKS];
    size_t n = 0;
    double target = cross(c) ? 100 : 50;
    bench_line("linker", cas, "links_up", got, "links", NULL, 0);
    for (int i = 0; i < n_links(c); i++)
        if (links[c][i].t_up)
            ms[n++] = (double)(links[c][i].t_up - links[c][i].t_ready) / 1000.0;
    if (n) {
        double last = 0;
        for (size_t i = 0; i < n; i++)
            last = ms[i] > last ? ms[i] : last;
        bench_line("linker", cas, "ready_to_up_p50", bench_percentile(ms, n, 50), "ms",
                   "target_p99", target);
        bench_line("linker", cas, "ready_to_up_p99", bench_percentile(ms, n, 99), "ms",
                   "target_p99", target);
        if (c < 2)
            bench_line("linker", cas, "all_up", last, "ms", NULL, 0);
    }
    // The linker's own share: both CPs ready -> link.establishing (peers resolved, state
    // stored, agents configured); the rest is the agents' data path and traffic check.
    n = 0;
    for (int i = 0; i < n_links(c); i++)
        if (links[c][i].t_est)
            ms[n++] = (double)(links[c][i].t_est - links[c][i].t_ready) / 1000.0;
    if (n) {
        bench_line("linker", cas, "ready_to_establishing_p50", bench_percentile(ms, n, 50), "ms",
                   NULL, 0);
        bench_line("linker", cas, "ready_to_establishing_p99", bench_percentile(ms, n, 99), "ms",
                   NULL, 0);
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
    for (int i = 0; i < LINKS; i++)
        links[c][i].t_ready = t;
    if (cp_ready_range(c, 1, 0, LINKS) < 0)
        return -1;
    int got = wait_up(c, base_up + LINKS, 60000);
    base_up += got;
    report(c, cross(c) ? "across_sites_100_links" : "same_site_100_links", got);
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
        links[c][i].t_ready = ln_now_us();
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
    int rc = 1;
    pid_t st = -1, hb = -1, lk = -1;
    hub_subscription *sub = NULL;
    pthread_t w[WORKERS];
    int nw = 0;
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
        prepare(0) < 0 || prepare(1) < 0 || prepare(2) < 0 || prepare(3) < 0) {
        fprintf(stderr, "bench-linker: namespaces\n");
        goto out;
    }
    for (; nw < WORKERS; nw++)
        pthread_create(&w[nw], NULL, worker, NULL);
    rc = run_one_by_one(2) | run_one_by_one(3) | run_at_once(0) | run_at_once(1);
out:
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < nw; i++)
        pthread_join(w[i], NULL);
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
    if (lk > 0)
        proc_stop(lk, SIGTERM, 5000);
    if (hb > 0)
        proc_stop(hb, SIGTERM, 5000);
    if (st > 0)
        proc_stop(st, SIGTERM, 5000);
    proc_rmtree(tmp);
    nng_fini();
    return rc ? 1 : 0;
}
