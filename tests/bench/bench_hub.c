// bench-hub: 4 publishers and 4 subscribers of 64 B events through a real
// outrig-hub (started here on a temporary directory, fsync per batch) for
// OUTRIG_BENCH_SECONDS (default 10). Reports events/s published and delivered
// to every subscriber, publish-to-deliver latency and lost events (checked by
// seq: every subscriber must get every seq published during the run). The
// baseline is bare nng PUB/SUB with the same 64 B messages, one per event.
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hub/hub.h"
#include "util/clock.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>

#define NPUB 4
#define NSUB 4
#define PAYLOAD 64
#define NBUCKET 100 // latency histogram: quarter-octave buckets up to 2^25 us

extern char **environ;

static double bench_seconds(void)
{
    const char *s = getenv("OUTRIG_BENCH_SECONDS");
    double v = s ? atof(s) : 10.0;
    return v > 0 ? v : 10.0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

// ---- latency histogram ------------------------------------------------------

typedef struct hist {
    uint64_t b[NBUCKET];
    uint64_t n;
} hist;

static int hist_bucket(uint64_t us)
{
    if (us < 1)
        return 0;
    // 4 buckets per power of two.
    int lg = 63 - __builtin_clzll(us);
    int frac = lg >= 2 ? (int)((us >> (lg - 2)) & 3) : 0;
    int b = lg * 4 + frac;
    return b < NBUCKET ? b : NBUCKET - 1;
}

static uint64_t hist_value(int b)
{
    int lg = b / 4, frac = b % 4;
    return lg >= 2 ? (((uint64_t)4 + (uint64_t)frac) << (lg - 2)) : (uint64_t)1 << lg;
}

static uint64_t hist_pct(const hist *h, double p)
{
    uint64_t want = (uint64_t)(p * (double)h->n), seen = 0;
    for (int b = 0; b < NBUCKET; b++) {
        seen += h->b[b];
        if (seen > want)
            return hist_value(b + 1); // upper edge of the bucket
    }
    return hist_value(NBUCKET - 1);
}

// ---- subscribers ------------------------------------------------------------

typedef struct sub_state {
    uint64_t base; // first seq expected
    uint8_t *seen; // bit per seq - base
    size_t cap;    // bits
    uint64_t distinct;
    uint64_t last_seq;
    hist lat;
    hub_client *c;
    hub_subscription *s;
} sub_state;

static void sub_on_event(const Outrig__V1__Event *ev, void *arg)
{
    sub_state *s = arg;
    uint64_t now = clock_mono_us();
    if (ev->seq < s->base)
        return;
    uint64_t i = ev->seq - s->base;
    if (i >= s->cap) {
        size_t old = s->cap / 8, want = (size_t)(i / 8) + 1;
        size_t bytes = old * 2 > want ? old * 2 : want + 4096;
        uint8_t *n = realloc(s->seen, bytes);
        if (!n)
            abort();
        memset(n + old, 0, bytes - old);
        s->seen = n;
        s->cap = bytes * 8;
    }
    if (!(s->seen[i / 8] & (1u << (i % 8)))) {
        s->seen[i / 8] |= (uint8_t)(1u << (i % 8));
        s->distinct++;
        if (ev->payload.len >= 8) {
            uint64_t t;
            memcpy(&t, ev->payload.data, 8);
            s->lat.b[hist_bucket(now > t ? now - t : 0)]++;
            s->lat.n++;
        }
    }
    if (ev->seq > s->last_seq)
        s->last_seq = ev->seq;
}

// ---- publishers -------------------------------------------------------------

typedef struct pub_state {
    hub_client *c;
    hub_publisher *p;
    atomic_bool *stop;
    double rate; // events/s, 0 = unpaced
    uint64_t added;
    pthread_t th;
} pub_state;

static void *pub_main(void *arg)
{
    pub_state *p = arg;
    uint8_t payload[PAYLOAD];
    memset(payload, 'x', sizeof payload);
    hub_event ev = {
        .category = "metric", .type = "sample", .payload = payload, .payload_len = sizeof payload};
    uint64_t t0 = clock_mono_us();
    while (!atomic_load(p->stop)) {
        uint64_t t = clock_mono_us();
        if (p->rate > 0) {
            // Paced: event k is due at t0 + k / rate; sleep while none is due.
            uint64_t due = t0 + (uint64_t)((double)p->added * 1e6 / p->rate);
            if (due > t) {
                struct timespec ts = {0, (long)((due - t) * 1000)};
                nanosleep(&ts, NULL);
                continue;
            }
        }
        memcpy(payload, &t, 8);
        if (hub_publisher_add(p->p, &ev, NULL) != 0)
            break;
        p->added++;
    }
    hub_publisher_flush(p->p);
    return NULL;
}

// ---- hub process ------------------------------------------------------------

static char tmpdir[PATH_MAX];

static int rm_fn(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static pid_t start_hub(const char *hub_bin, char *url, size_t urllen)
{
    char run[PATH_MAX + 8], data[PATH_MAX + 8];
    snprintf(run, sizeof run, "%s/run", tmpdir);
    snprintf(data, sizeof data, "%s/data", tmpdir);
    snprintf(url, urllen, "ipc://%s/run/hub.sock", tmpdir);
    char *argv[] = {(char *)hub_bin, "--run-dir", run,           "--data-dir", data,
                    "--listen",      url,         "--log-level", "warn",       NULL};
    pid_t pid;
    if (posix_spawn(&pid, hub_bin, NULL, NULL, argv, environ) != 0)
        return -1;
    return pid;
}

static void find_hub(char *out, size_t len)
{
    const char *b = getenv("OUTRIG_BUILD_DIR");
    if (b) {
        snprintf(out, len, "%.3900s/services/hub/outrig-hub", b);
        return;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/'); // <build>/tests/bench/bench-hub
    if (slash)
        *slash = '\0';
    snprintf(out, len, "%.3900s/../../services/hub/outrig-hub", self);
}

static void emit(const char *cas, const char *metric, double v, const char *unit,
                 const char *baseline, double bv)
{
    if (baseline)
        printf("{\"bench\":\"hub\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%.1f,"
               "\"unit\":\"%s\",\"baseline\":\"%s\",\"baseline_value\":%.1f}\n",
               cas, metric, v, unit, baseline, bv);
    else
        printf("{\"bench\":\"hub\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%.1f,"
               "\"unit\":\"%s\"}\n",
               cas, metric, v, unit);
    fflush(stdout);
}

// ---- bare nng PUB/SUB baseline ----------------------------------------------

typedef struct nsub {
    nng_socket s;
    atomic_uint_fast64_t got;
    atomic_bool *stop;
    pthread_t th;
} nsub;

static void *nsub_main(void *arg)
{
    nsub *n = arg;
    while (!atomic_load(n->stop)) {
        nng_msg *m;
        if (nng_recvmsg(n->s, &m, 0) == 0) {
            atomic_fetch_add(&n->got, 1);
            nng_msg_free(m);
        }
    }
    return NULL;
}

typedef struct npub {
    nng_socket s;
    atomic_bool *stop;
    uint64_t sent;
    pthread_t th;
} npub;

static void *npub_main(void *arg)
{
    npub *p = arg;
    uint8_t payload[PAYLOAD] = {0};
    while (!atomic_load(p->stop)) {
        if (nng_send(p->s, payload, sizeof payload, 0) == 0)
            p->sent++;
    }
    return NULL;
}

// Returns messages/s delivered to each subscriber (mean) and the drop ratio.
static void baseline_nng(double secs, double *per_sub, double *drop)
{
    char url[PATH_MAX + 32];
    snprintf(url, sizeof url, "ipc://%s/bare-pub.sock", tmpdir);
    nng_socket pub;
    nng_pub0_open(&pub);
    nng_listen(pub, url, NULL, 0);
    atomic_bool stop = false;
    nsub subs[NSUB];
    for (int i = 0; i < NSUB; i++) {
        nng_sub0_open(&subs[i].s);
        nng_socket_set(subs[i].s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
        nng_socket_set_ms(subs[i].s, NNG_OPT_RECVTIMEO, 50);
        nng_dial(subs[i].s, url, NULL, 0);
        atomic_init(&subs[i].got, 0);
        subs[i].stop = &stop;
        pthread_create(&subs[i].th, NULL, nsub_main, &subs[i]);
    }
    sleep_ms(300);
    npub pubs[NPUB];
    for (int i = 0; i < NPUB; i++) {
        pubs[i] = (npub){.s = pub, .stop = &stop};
        pthread_create(&pubs[i].th, NULL, npub_main, &pubs[i]);
    }
    uint64_t t0 = clock_mono_us();
    sleep_ms((long)(secs * 1000));
    atomic_store(&stop, true);
    for (int i = 0; i < NPUB; i++)
        pthread_join(pubs[i].th, NULL);
    double el = (double)(clock_mono_us() - t0) / 1e6;
    sleep_ms(200);
    uint64_t sent = 0, got = 0;
    for (int i = 0; i < NPUB; i++)
        sent += pubs[i].sent;
    for (int i = 0; i < NSUB; i++) {
        pthread_join(subs[i].th, NULL);
        got += atomic_load(&subs[i].got);
        nng_close(subs[i].s);
    }
    nng_close(pub);
    *per_sub = (double)got / NSUB / el;
    *drop = sent ? 1.0 - (double)got / ((double)sent * NSUB) : 0;
}

// One case: NSUB subscribers from the current head, NPUB publishers for
// secs, each at rate events/s (0 = as fast as the hub acknowledges).
// Returns the events lost (or -1 on setup failure).
static double base_per_sub = -1; // bare nng PUB/SUB messages/s per subscriber

static long run_case(const char *url, hub_client *ctl, const char *cas, double secs, double rate)
{
    uint64_t last = 0;
    if (hub_info(ctl, NULL, &last, NULL, NULL) != RPC_OK)
        return -1;
    sub_state subs[NSUB];
    memset(subs, 0, sizeof subs);
    for (int i = 0; i < NSUB; i++) {
        subs[i].base = last + 1;
        subs[i].c = hub_client_open(url, NULL);
        if (hub_subscribe(subs[i].c, NULL, NULL, last + 1, sub_on_event, &subs[i], NULL,
                          &subs[i].s) != 0) {
            fprintf(stderr, "subscribe failed\n");
            return -1;
        }
    }
    sleep_ms(300);
    atomic_bool stop = false;
    pub_state pubs[NPUB];
    memset(pubs, 0, sizeof pubs);
    hub_publisher_opts po = {.max_batch = 2048, .max_queue = 4096, .in_flight = 2};
    uint64_t t0 = clock_mono_us();
    for (int i = 0; i < NPUB; i++) {
        pubs[i].c = hub_client_open(url, NULL);
        pubs[i].p = hub_publisher_new(pubs[i].c, &po);
        pubs[i].stop = &stop;
        pubs[i].rate = rate;
        pthread_create(&pubs[i].th, NULL, pub_main, &pubs[i]);
    }
    sleep_ms((long)(secs * 1000));
    atomic_store(&stop, true);
    uint64_t acked = 0, failed = 0;
    for (int i = 0; i < NPUB; i++) {
        pthread_join(pubs[i].th, NULL);
        uint64_t a, f;
        hub_publisher_stats(pubs[i].p, &a, &f);
        acked += a;
        failed += f;
    }
    double pub_el = (double)(clock_mono_us() - t0) / 1e6;
    uint64_t final_last = 0;
    hub_info(ctl, NULL, &final_last, NULL, NULL);
    uint64_t expect = final_last - last;
    // Wait for every subscriber to have everything (catch-up included).
    for (int w = 0; w < 600; w++) {
        bool all = true;
        for (int i = 0; i < NSUB; i++)
            all = all && hub_subscription_position(subs[i].s) >= final_last;
        if (all)
            break;
        sleep_ms(50);
    }
    double del_el = (double)(clock_mono_us() - t0) / 1e6;
    hist all = {0};
    uint64_t lost = 0, min_distinct = UINT64_MAX, replayed = 0, gaps = 0;
    for (int i = 0; i < NSUB; i++) {
        hub_subscription_stats st;
        hub_subscription_stats_get(subs[i].s, &st);
        hub_unsubscribe(subs[i].s);
        hub_client_close(subs[i].c);
        replayed += st.replayed;
        gaps += st.gaps;
        uint64_t have = 0;
        for (uint64_t k = 0; k < expect; k++)
            have += k < subs[i].cap && (subs[i].seen[k / 8] & (1u << (k % 8)));
        lost += expect - have;
        if (subs[i].distinct < min_distinct)
            min_distinct = subs[i].distinct;
        for (int b = 0; b < NBUCKET; b++)
            all.b[b] += subs[i].lat.b[b];
        all.n += subs[i].lat.n;
        free(subs[i].seen);
    }
    for (int i = 0; i < NPUB; i++) {
        hub_publisher_free(pubs[i].p);
        hub_client_close(pubs[i].c);
    }
    emit(cas, "published", (double)acked / pub_el, "events/s", NULL, 0);
    emit(cas, "delivered_per_subscriber", (double)min_distinct / del_el, "events/s",
         base_per_sub >= 0 ? "nng_pubsub_64B_msgs" : NULL, base_per_sub);
    emit(cas, "delivered_total", (double)min_distinct * NSUB / del_el, "events/s", NULL, 0);
    emit(cas, "p50_latency", (double)hist_pct(&all, 0.50), "us", NULL, 0);
    emit(cas, "p99_latency", (double)hist_pct(&all, 0.99), "us", NULL, 0);
    emit(cas, "lost", (double)lost, "events", NULL, 0);
    emit(cas, "publish_failed", (double)failed, "events", NULL, 0);
    emit(cas, "replayed", (double)replayed, "events", NULL, 0);
    emit(cas, "gaps", (double)gaps, "count", NULL, 0);
    return (long)lost;
}

int main(void)
{
    double secs = bench_seconds();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/bench_hub.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    char hub_bin[PATH_MAX], url[PATH_MAX + 32];
    find_hub(hub_bin, sizeof hub_bin);
    pid_t hub = start_hub(hub_bin, url, sizeof url);
    if (hub < 0) {
        fprintf(stderr, "cannot start %s\n", hub_bin);
        return 1;
    }
    int rc = 1;
    hub_client *ctl = hub_client_open(url, NULL);
    for (int i = 0; i < 100; i++) {
        if (hub_info(ctl, NULL, NULL, NULL, NULL) == RPC_OK)
            break;
        sleep_ms(50);
        if (i == 99) {
            fprintf(stderr, "hub did not come up\n");
            goto out;
        }
    }
    // The baseline first: bare nng PUB/SUB, one 64 B message per event.
    double base_drop = 0;
    baseline_nng(secs < 5 ? secs : 5, &base_per_sub, &base_drop);
    emit("nng_pubsub_4pub_4sub_64B", "delivered_per_subscriber", base_per_sub, "msgs/s", NULL, 0);
    emit("nng_pubsub_4pub_4sub_64B", "dropped", base_drop * 100, "%", NULL, 0);
    // Saturated: publishers go as fast as acknowledgements allow (latency is
    // then queueing). Paced: 100k events/s in total, the target rate.
    long lost1 = run_case(url, ctl, "4pub_4sub_64B_max", secs, 0);
    long lost2 = run_case(url, ctl, "4pub_4sub_64B_100k", secs, 100000.0 / NPUB);
    rc = (lost1 == 0 && lost2 == 0) ? 0 : 1;
out:
    hub_client_close(ctl);
    kill(hub, SIGTERM);
    waitpid(hub, NULL, 0);
    nftw(tmpdir, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
