// bench-rpc: unary Echo over common/rpc against bare nng REQ/REP with the same
// payloads, over ipc:// and tcp://127.0.0.1. The servers run in a child
// process (this binary re-executed with --serve), as they would in production.
#include <nng/nng.h>

#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "echo_service.h"
#include "outrig/v1/echo.pb-c.h"
#include "rpc/rpc.h"
#include "util/clock.h"

#define INFLIGHT 16
#define BARE_CTX 64

// ---- servers (child process) ------------------------------------------------

typedef struct bare_ctx {
    nng_socket sock;
    nng_ctx ctx;
    nng_aio *aio;
    int sending;
} bare_ctx;

static void bare_cb(void *arg)
{
    bare_ctx *b = arg;
    if (nng_aio_result(b->aio) != 0) {
        if (b->sending)
            nng_msg_free(nng_aio_get_msg(b->aio));
        if (nng_aio_result(b->aio) == NNG_ECLOSED)
            return;
        b->sending = 0;
        nng_ctx_recv(b->ctx, b->aio);
        return;
    }
    if (b->sending) {
        b->sending = 0;
        nng_ctx_recv(b->ctx, b->aio);
        return;
    }
    b->sending = 1;   // echo the request message back as is
    nng_ctx_send(b->ctx, b->aio);
}

static int serve(const char *rpc_url, const char *bare_url)
{
    rpc_server_opts o = {.name = "bench-echo"};
    rpc_server *s = rpc_server_new(&o);
    echo_service e = {0};
    if (!s || echo_service_register(s, &e) != 0 || rpc_server_listen(s, rpc_url) != 0 ||
        rpc_server_start(s) != 0)
        return 1;
    nng_socket sock;
    nng_rep0_open(&sock);
    if (nng_listen(sock, bare_url, NULL, 0) != 0)
        return 1;
    static bare_ctx ctxs[BARE_CTX];
    for (int i = 0; i < BARE_CTX; i++) {
        ctxs[i].sock = sock;
        nng_aio_alloc(&ctxs[i].aio, bare_cb, &ctxs[i]);
        nng_ctx_open(&ctxs[i].ctx, sock);
        nng_ctx_recv(ctxs[i].ctx, ctxs[i].aio);
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    nng_close(sock);
    rpc_server_free(s);
    return 0;
}

// ---- clients ----------------------------------------------------------------

typedef struct target {
    int bare;
    rpc_client *rpc;
    nng_socket sock;
    size_t size;
} target;

typedef struct caller {
    target *t;
    nng_ctx ctx;
    nng_aio *aio;
    uint8_t *payload;
} caller;

static void caller_init(caller *c, target *t)
{
    c->t = t;
    c->payload = malloc(t->size);
    memset(c->payload, 'p', t->size);
    if (t->bare) {
        nng_aio_alloc(&c->aio, NULL, NULL);
        nng_ctx_open(&c->ctx, t->sock);
        nng_aio_set_timeout(c->aio, 5000);
    }
}

static void caller_fini(caller *c)
{
    if (c->t->bare) {
        nng_ctx_close(c->ctx);
        nng_aio_free(c->aio);
    }
    free(c->payload);
}

static int call_once(caller *c)
{
    if (c->t->bare) {
        nng_msg *m;
        nng_msg_alloc(&m, c->t->size);
        memcpy(nng_msg_body(m), c->payload, c->t->size);
        nng_aio_set_msg(c->aio, m);
        nng_ctx_send(c->ctx, c->aio);
        nng_aio_wait(c->aio);
        if (nng_aio_result(c->aio) != 0) {
            nng_msg_free(m);
            return -1;
        }
        nng_ctx_recv(c->ctx, c->aio);
        nng_aio_wait(c->aio);
        if (nng_aio_result(c->aio) != 0)
            return -1;
        nng_msg_free(nng_aio_get_msg(c->aio));
        return 0;
    }
    Outrig__V1__EchoRequest in = OUTRIG__V1__ECHO_REQUEST__INIT;
    in.data.data = c->payload;
    in.data.len = c->t->size;
    Outrig__V1__EchoResponse *out = NULL;
    rpc_code rc = rpc_client_call(c->t->rpc, "/outrig.v1.Echo/Echo", &in.base,
                                  &outrig__v1__echo_response__descriptor,
                                  (ProtobufCMessage **)&out, NULL, NULL);
    if (out)
        protobuf_c_message_free_unpacked(&out->base, NULL);
    return rc == RPC_OK ? 0 : -1;
}

typedef struct worker {
    caller c;
    uint64_t until_us;
    uint64_t calls;
    uint64_t errors;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    while (clock_mono_us() < w->until_us) {
        if (call_once(&w->c) == 0)
            w->calls++;
        else
            w->errors++;
    }
    return NULL;
}

typedef struct result {
    double p50_us, p99_us, calls_per_s;
    uint64_t errors;
} result;

static result run(target *t, double seconds, int lat_calls)
{
    result r = {0};
    caller c;
    caller_init(&c, t);
    for (int i = 0; i < 200; i++)   // warm up connections and allocators
        call_once(&c);
    double *lat = malloc(sizeof(double) * (size_t)lat_calls);
    for (int i = 0; i < lat_calls; i++) {
        uint64_t t0 = clock_mono_us();
        if (call_once(&c) != 0)
            r.errors++;
        lat[i] = (double)(clock_mono_us() - t0);
    }
    r.p50_us = bench_percentile(lat, (size_t)lat_calls, 50);
    r.p99_us = bench_percentile(lat, (size_t)lat_calls, 99);
    free(lat);
    caller_fini(&c);

    worker w[INFLIGHT];
    pthread_t th[INFLIGHT];
    uint64_t start = clock_mono_us();
    uint64_t until = start + (uint64_t)(seconds * 1e6);
    for (int i = 0; i < INFLIGHT; i++) {
        memset(&w[i], 0, sizeof w[i]);
        caller_init(&w[i].c, t);
        w[i].until_us = until;
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    uint64_t calls = 0;
    for (int i = 0; i < INFLIGHT; i++) {
        pthread_join(th[i], NULL);
        calls += w[i].calls;
        r.errors += w[i].errors;
        caller_fini(&w[i].c);
    }
    r.calls_per_s = (double)calls / ((double)(clock_mono_us() - start) / 1e6);
    return r;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--serve") == 0)
        return serve(argv[2], argv[3]);
    double seconds = bench_seconds(2.0);
    int lat_calls = (int)(seconds * 5000);
    char dir[] = "/tmp/outrig-bench-rpc-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    int port = 21000 + (int)(getpid() % 20000);
    struct {
        const char *transport;
        char rpc[128], bare[128];
    } tr[2] = {{.transport = "ipc"}, {.transport = "tcp"}};
    snprintf(tr[0].rpc, sizeof tr[0].rpc, "ipc://%s/rpc.sock", dir);
    snprintf(tr[0].bare, sizeof tr[0].bare, "ipc://%s/bare.sock", dir);
    snprintf(tr[1].rpc, sizeof tr[1].rpc, "tcp://127.0.0.1:%d", port);
    snprintf(tr[1].bare, sizeof tr[1].bare, "tcp://127.0.0.1:%d", port + 1);
    const size_t sizes[] = {64, 1024};
    int rc = 0;
    for (int ti = 0; ti < 2; ti++) {
        pid_t pid = fork();
        if (pid == 0) {
            execl("/proc/self/exe", argv[0], "--serve", tr[ti].rpc, tr[ti].bare, (char *)NULL);
            _exit(127);
        }
        usleep(300 * 1000);
        target rt = {.bare = 0}, bt = {.bare = 1};
        rpc_client_opts co = {.timeout_ms = 5000};
        rt.rpc = rpc_client_open(tr[ti].rpc, &co);
        nng_req0_open(&bt.sock);
        nng_socket_set_ms(bt.sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
        nng_dial(bt.sock, tr[ti].bare, NULL, NNG_FLAG_NONBLOCK);
        usleep(100 * 1000);
        for (int si = 0; si < 2; si++) {
            rt.size = bt.size = sizes[si];
            result b = run(&bt, seconds, lat_calls);
            result r = run(&rt, seconds, lat_calls);
            char cs[32];
            snprintf(cs, sizeof cs, "%s-%zuB", tr[ti].transport, sizes[si]);
            bench_line("rpc", cs, "p50_latency", r.p50_us, "us", "bare_nng", b.p50_us);
            bench_line("rpc", cs, "p99_latency", r.p99_us, "us", "bare_nng", b.p99_us);
            bench_line("rpc", cs, "calls_per_s_16_in_flight", r.calls_per_s, "calls/s",
                       "bare_nng", b.calls_per_s);
            bench_line("rpc", cs, "calls_per_s_ratio", r.calls_per_s / b.calls_per_s, "ratio",
                       NULL, 0);
            bench_line("rpc", cs, "p99_ratio", r.p99_us / b.p99_us, "ratio", NULL, 0);
            if (r.errors || b.errors) {
                bench_line("rpc", cs, "errors", (double)(r.errors + b.errors), "calls", NULL, 0);
                rc = 1;
            }
        }
        rpc_client_close(rt.rpc);
        nng_close(bt.sock);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    char p[160];
    snprintf(p, sizeof p, "%s/rpc.sock", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/bare.sock", dir);
    unlink(p);
    rmdir(dir);
    return rc;
}
