// outrigd on real processes in a temporary directory: ordered start to SERVING,
// restart after kill -9, FAILED after the crash limit, Restart over the Driver
// API, clean stop on SIGTERM/SIGINT (SIGKILL for a child that ignores SIGTERM),
// one outrigd per run dir, config errors with their position, nothing left behind.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "outrig/v1/driver.pb-c.h"
#include "outrig/v1/health.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"

#define SERVING OUTRIG__V1__SERVICE_INFO__STATE__SERVING
#define FAILED OUTRIG__V1__SERVICE_INFO__STATE__FAILED

typedef struct itest {
    char dir[64], run[128], cfg[128], log[128];
    pid_t od;
    rpc_client *drv;
    int seen[64]; // every service pid observed, checked gone at the end
    size_t nseen;
} itest;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void it_init(itest *t, const char *yaml_body)
{
    memset(t, 0, sizeof *t);
    assert_int_equal(proc_tmpdir("outrigd-it", t->dir, sizeof t->dir), 0);
    snprintf(t->run, sizeof t->run, "%s/run", t->dir);
    snprintf(t->cfg, sizeof t->cfg, "%s/outrig.yaml", t->dir);
    snprintf(t->log, sizeof t->log, "%s/outrigd.log", t->dir);
    FILE *f = fopen(t->cfg, "w");
    assert_non_null(f);
    fprintf(f, "run_dir: %s\ndata_dir: %s/data\nlog_level: info\n%s", t->run, t->dir, yaml_body);
    fclose(f);
}

// Starts outrigd with extra arguments; its output goes to the log file.
static pid_t it_spawn(itest *t, const char *config)
{
    char *argv[] = {OUTRIGD_BIN, "--config", (char *)config, NULL};
    pid_t pid = proc_spawn(argv, NULL, t->log);
    assert_true(pid > 0);
    return pid;
}

static void it_start(itest *t)
{
    t->od = it_spawn(t, t->cfg);
    rpc_client_close(t->drv);
    char url[192];
    snprintf(url, sizeof url, "ipc://%s/outrigd.sock", t->run);
    rpc_client_opts o = {.timeout_ms = 1000};
    t->drv = rpc_client_open(url, &o);
    assert_non_null(t->drv);
}

static Outrig__V1__ListServicesResponse *it_list(itest *t)
{
    Outrig__V1__ListServicesRequest req = OUTRIG__V1__LIST_SERVICES_REQUEST__INIT;
    Outrig__V1__ListServicesResponse *r = NULL;
    rpc_call_opts co = {.timeout_ms = 500, .idempotent = true};
    if (rpc_client_call(t->drv, "/outrig.v1.Driver/ListServices", &req.base,
                        &outrig__v1__list_services_response__descriptor, (ProtobufCMessage **)&r,
                        &co, NULL) != RPC_OK)
        return NULL;
    for (size_t i = 0; i < r->n_services; i++) {
        int pid = (int)r->services[i]->pid;
        bool known = pid == 0;
        for (size_t k = 0; k < t->nseen && !known; k++)
            known = t->seen[k] == pid;
        if (!known && t->nseen < 64)
            t->seen[t->nseen++] = pid;
    }
    return r;
}

static const Outrig__V1__ServiceInfo *it_find(const Outrig__V1__ListServicesResponse *r,
                                              const char *name)
{
    for (size_t i = 0; r && i < r->n_services; i++)
        if (strcmp(r->services[i]->name, name) == 0)
            return r->services[i];
    return NULL;
}

// Waits until service name is in state st (and, if min_restarts >= 0, has at
// least that many restarts); copies its info fields out. Fails after timeout.
typedef struct snap {
    uint32_t pid, restarts;
    char last_exit[128];
    char address[256];
    uint64_t started_unix_ms;
} snap;

static void it_wait(itest *t, const char *name, int st, int min_restarts, unsigned timeout_ms,
                    snap *out)
{
    uint64_t end = now_ms() + timeout_ms;
    int last = -1;
    for (;;) {
        Outrig__V1__ListServicesResponse *r = it_list(t);
        const Outrig__V1__ServiceInfo *s = it_find(r, name);
        if (s) {
            last = (int)s->state;
            if ((int)s->state == st && (min_restarts < 0 || (int)s->restarts >= min_restarts)) {
                if (out) {
                    out->pid = s->pid;
                    out->restarts = s->restarts;
                    out->started_unix_ms = s->started_unix_ms;
                    snprintf(out->last_exit, sizeof out->last_exit, "%s", s->last_exit);
                    snprintf(out->address, sizeof out->address, "%s", s->address);
                }
                protobuf_c_message_free_unpacked(&r->base, NULL);
                return;
            }
        }
        if (r)
            protobuf_c_message_free_unpacked(&r->base, NULL);
        if (now_ms() > end)
            fail_msg("%s: not in state %d (restarts >= %d) within %u ms; last state %d", name, st,
                     min_restarts, timeout_ms, last);
        proc_sleep_ms(50);
    }
}

// Waits for pid to exit; returns its wait status, or -1 on timeout.
static int it_waitpid(pid_t pid, unsigned timeout_ms)
{
    uint64_t end = now_ms() + timeout_ms;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (r < 0 || now_ms() > end)
            return -1;
        proc_sleep_ms(20);
    }
}

static bool pid_gone(int pid)
{
    return kill(pid, 0) < 0 && errno == ESRCH;
}

// Sends sig to outrigd and expects exit 0 with every child gone.
static void it_stop(itest *t, int sig, unsigned timeout_ms)
{
    assert_int_equal(kill(t->od, sig), 0);
    int st = it_waitpid(t->od, timeout_ms);
    if (st == -1) {
        kill(t->od, SIGKILL);
        it_waitpid(t->od, 5000);
        t->od = 0;
        fail_msg("outrigd did not stop within %u ms", timeout_ms);
    }
    t->od = 0;
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    for (size_t k = 0; k < t->nseen; k++)
        if (!pid_gone(t->seen[k]))
            fail_msg("service pid %d still exists after outrigd stopped", t->seen[k]);
}

// Nothing may remain in the run dir: no socket, no pid file.
static void it_assert_run_dir_empty(itest *t)
{
    DIR *d = opendir(t->run);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fail_msg("left behind in the run dir: %s", e->d_name);
    }
    closedir(d);
}

static void dump_log(const itest *t)
{
    FILE *f = fopen(t->log, "r");
    if (!f)
        return;
    char line[1024];
    fprintf(stderr, "---- %s\n", t->log);
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

static void it_done(itest *t)
{
    rpc_client_close(t->drv);
    t->drv = NULL;
    if (t->od > 0) {
        kill(t->od, SIGKILL);
        it_waitpid(t->od, 5000);
    }
    // Children die with outrigd (PDEATHSIG); make sure of it before removing files.
    for (size_t k = 0; k < t->nseen; k++)
        if (!pid_gone(t->seen[k]))
            kill(t->seen[k], SIGKILL);
    dump_log(t);
    proc_rmtree(t->dir);
    t->dir[0] = '\0';
}

static bool log_has(const itest *t, const char *needle)
{
    FILE *f = fopen(t->log, "r");
    if (!f)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

// ---- tests ------------------------------------------------------------------

static void test_outrigd_store_hub_serving_restart_after_kill9(void **state)
{
    if (access(STORE_BIN, X_OK) != 0 || access(HUB_BIN, X_OK) != 0)
        skip();
    itest *tp = *state;
#define t (*tp)
    // No `binary:`: outrigd finds outrig-store and outrig-hub in the build tree.
    it_init(&t, "restart: {backoff_initial_ms: 100, backoff_max_ms: 1000, max_restarts: 5,\n"
                "          window_ms: 60000, stop_grace_ms: 5000, start_timeout_ms: 10000}\n"
                "services:\n  - name: hub\n  - name: store\n");
    it_start(&t);
    snap store, hub, hub2, store2;
    it_wait(&t, "store", SERVING, 0, 15000, &store);
    it_wait(&t, "hub", SERVING, 0, 15000, &hub);
    assert_true(store.pid > 0 && hub.pid > 0 && store.pid != hub.pid);
    assert_int_equal(hub.restarts, 0);
    // Started in order: store before hub, although listed after it.
    assert_true(store.started_unix_ms <= hub.started_unix_ms);

    // The address reported is live and answers Health/Check itself.
    rpc_client *hc = rpc_client_open(hub.address, NULL);
    Outrig__V1__HealthCheckRequest hreq = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
    Outrig__V1__HealthCheckResponse *hresp = NULL;
    assert_int_equal(rpc_client_call(hc, "/outrig.v1.Health/Check", &hreq.base,
                                     &outrig__v1__health_check_response__descriptor,
                                     (ProtobufCMessage **)&hresp, NULL, NULL),
                     RPC_OK);
    assert_int_equal(hresp->pid, hub.pid);
    protobuf_c_message_free_unpacked(&hresp->base, NULL);
    rpc_client_close(hc);

    // kill -9 the hub: outrigd restarts it and it is SERVING again.
    assert_int_equal(kill((pid_t)hub.pid, SIGKILL), 0);
    it_wait(&t, "hub", SERVING, 1, 15000, &hub2);
    assert_int_not_equal(hub2.pid, hub.pid);
    assert_int_equal(hub2.restarts, 1);
    assert_string_equal(hub2.last_exit, "signal 9");
    it_wait(&t, "store", SERVING, 0, 1000, &store2);
    assert_int_equal(store2.pid, store.pid); // the others are untouched

    // Restart over the Driver API: a new store process, SERVING again.
    Outrig__V1__RestartRequest rreq = OUTRIG__V1__RESTART_REQUEST__INIT;
    rreq.name = "store";
    Outrig__V1__RestartResponse *rresp = NULL;
    assert_int_equal(rpc_client_call(t.drv, "/outrig.v1.Driver/Restart", &rreq.base,
                                     &outrig__v1__restart_response__descriptor,
                                     (ProtobufCMessage **)&rresp, NULL, NULL),
                     RPC_OK);
    assert_string_equal(rresp->service->name, "store");
    protobuf_c_message_free_unpacked(&rresp->base, NULL);
    it_wait(&t, "store", SERVING, 1, 15000, &store2);
    assert_int_not_equal(store2.pid, store.pid);
    assert_true(pid_gone((int)store.pid));

    char pidfile[192];
    snprintf(pidfile, sizeof pidfile, "%s/outrigd.pid", t.run);
    assert_int_equal(access(pidfile, F_OK), 0);
    it_stop(&t, SIGTERM, 20000);
    it_assert_run_dir_empty(&t);
}

static void test_outrigd_crash_loop_failed_and_sigkill_on_stop(void **state)
{
    itest *tp = *state;
    it_init(&t, "restart: {backoff_initial_ms: 50, backoff_max_ms: 200, max_restarts: 2,\n"
                "          window_ms: 60000, stop_grace_ms: 500, start_timeout_ms: 10000}\n"
                "services:\n"
                "  - {name: steady, binary: " TESTSVC_BIN "}\n"
                "  - {name: flaky, binary: " TESTSVC_BIN ", set: {exit_at_start: 3}}\n"
                "  - {name: stubborn, binary: " TESTSVC_BIN ", set: {ignore_term: 1}}\n");
    it_start(&t);
    snap s;
    it_wait(&t, "flaky", FAILED, 2, 15000, &s);
    assert_int_equal(s.restarts, 2); // max_restarts restarts, then it stays down
    assert_int_equal(s.pid, 0);
    assert_string_equal(s.last_exit, "exit 3");
    // A FAILED service does not hold up the ones after it.
    it_wait(&t, "steady", SERVING, 0, 15000, NULL);
    it_wait(&t, "stubborn", SERVING, 0, 15000, NULL);
    proc_sleep_ms(400); // longer than any backoff: FAILED is final
    it_wait(&t, "flaky", FAILED, 2, 100, &s);
    assert_int_equal(s.restarts, 2);

    // Restart clears the crash history: three more tries, then FAILED again.
    Outrig__V1__RestartRequest rreq = OUTRIG__V1__RESTART_REQUEST__INIT;
    rreq.name = "flaky";
    assert_int_equal(rpc_client_call(t.drv, "/outrig.v1.Driver/Restart", &rreq.base,
                                     &outrig__v1__restart_response__descriptor, NULL, NULL, NULL),
                     RPC_OK);
    it_wait(&t, "flaky", FAILED, 5, 15000, &s);
    assert_int_equal(s.restarts, 5);
    rpc_status st;
    rreq.name = "nope";
    assert_int_equal(rpc_client_call(t.drv, "/outrig.v1.Driver/Restart", &rreq.base,
                                     &outrig__v1__restart_response__descriptor, NULL, NULL, &st),
                     RPC_NOT_FOUND);
    assert_string_equal(st.field, "name");

    // stubborn ignores SIGTERM: outrigd kills it after stop_grace_ms and still exits 0.
    it_stop(&t, SIGTERM, 10000);
    assert_true(log_has(&t, "stubborn: sending SIGKILL"));
    assert_false(log_has(&t, "steady: sending SIGKILL"));
    it_assert_run_dir_empty(&t);
}

static void test_outrigd_one_per_run_dir_and_sigint(void **state)
{
    itest *tp = *state;
    it_init(&t, "services:\n  - {name: steady, binary: " TESTSVC_BIN "}\n");
    it_start(&t);
    snap s;
    it_wait(&t, "steady", SERVING, 0, 15000, &s);
    pid_t second = it_spawn(&t, t.cfg);
    int st = it_waitpid(second, 10000);
    assert_true(st != -1 && WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    // The first one still owns the run dir and its service.
    char pidfile[192];
    snprintf(pidfile, sizeof pidfile, "%s/outrigd.pid", t.run);
    FILE *f = fopen(pidfile, "r");
    assert_non_null(f);
    int owner = 0;
    assert_int_equal(fscanf(f, "%d", &owner), 1);
    fclose(f);
    assert_int_equal(owner, t.od);
    snap s2;
    it_wait(&t, "steady", SERVING, 0, 1000, &s2);
    assert_int_equal(s2.pid, s.pid);
    it_stop(&t, SIGINT, 10000);
    it_assert_run_dir_empty(&t);
}

static void test_outrigd_config_error_names_position(void **state)
{
    itest *tp = *state;
    it_init(&t, "services:\n  - name: steady\n    lisen: ipc:///x\n");
    pid_t pid = it_spawn(&t, t.cfg);
    int st = it_waitpid(pid, 10000);
    assert_true(st != -1 && WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 2);
    FILE *f = fopen(t.log, "r");
    assert_non_null(f);
    char line[1024] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    char want[512];
    snprintf(want, sizeof want, "outrigd: %s:6:5: unknown key 'lisen' (did you mean 'listen'?)\n",
             t.cfg);
    assert_string_equal(line, want);
    assert_int_equal(access(t.run, F_OK), -1); // nothing was started or created
}

#undef t

static void test_outrigd_kill9_children_follow_and_rerun_works(void **state)
{
    itest *tp = *state;
    // Orphans come to this process, which reaps them (PID 1 would take seconds).
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    it_init(tp, "services:\n  - {name: steady, binary: " TESTSVC_BIN "}\n");
    it_start(tp);
    snap s;
    it_wait(tp, "steady", SERVING, 0, 15000, &s);
    assert_int_equal(kill(tp->od, SIGKILL), 0);
    assert_true(it_waitpid(tp->od, 5000) != -1);
    tp->od = 0;
    // The service gets SIGTERM when outrigd dies and exits on its own.
    assert_true(it_waitpid((pid_t)s.pid, 10000) != -1);
    // A new outrigd takes over the run dir: stale pid file and sockets are no obstacle.
    it_start(tp);
    snap s2;
    it_wait(tp, "steady", SERVING, 0, 15000, &s2);
    assert_int_not_equal(s2.pid, s.pid);
    it_stop(tp, SIGTERM, 10000);
    it_assert_run_dir_empty(tp);
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

static int it_setup(void **state)
{
    itest *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    *state = t;
    return 0;
}

// Runs even when a test fails: no process, no file is left behind.
static int it_teardown(void **state)
{
    itest *t = *state;
    if (t->dir[0])
        it_done(t);
    free(t);
    return 0;
}

static void test_outrigd_frozen_service_is_restarted(void **state)
{
    itest *tp = *state;
    it_init(tp, "restart: {backoff_initial_ms: 50, stop_grace_ms: 300, health_interval_ms: 200,\n"
                "          health_failures: 2}\n"
                "services:\n  - {name: steady, binary: " TESTSVC_BIN "}\n");
    it_start(tp);
    snap s, s2;
    it_wait(tp, "steady", SERVING, 0, 15000, &s);
    // A stopped process still exists but answers nothing: only health checks see it.
    assert_int_equal(kill((pid_t)s.pid, SIGSTOP), 0);
    it_wait(tp, "steady", SERVING, 1, 15000, &s2);
    assert_int_not_equal(s2.pid, s.pid);
    assert_string_equal(s2.last_exit, "signal 9 (not SERVING for 2 health checks)");
    assert_true(log_has(tp, "steady: Health/Check failed: DEADLINE_EXCEEDED"));
    it_stop(tp, SIGTERM, 10000);
    it_assert_run_dir_empty(tp);
}

#define IT(fn) cmocka_unit_test_setup_teardown(fn, it_setup, it_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT(test_outrigd_store_hub_serving_restart_after_kill9),
        IT(test_outrigd_crash_loop_failed_and_sigkill_on_stop),
        IT(test_outrigd_one_per_run_dir_and_sigint),
        IT(test_outrigd_config_error_names_position),
        IT(test_outrigd_kill9_children_follow_and_rerun_works),
        IT(test_outrigd_frozen_service_is_restarted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
