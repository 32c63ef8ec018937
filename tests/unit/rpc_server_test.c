// The RPC server and client together over real nng ipc sockets.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <nng/nng.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "echo_service.h"
#include "outrig/v1/echo.pb-c.h"
#include "outrig/v1/health.pb-c.h"
#include "rpc/rpc.h"
#include "util/clock.h"

#define ECHO "/outrig.v1.Echo/Echo"

typedef struct fixture {
    char dir[64];
    char url[128];
    rpc_server *srv;
    echo_service echo;
    rpc_client *cli;
} fixture;

static int fx_start_server(fixture *f, size_t max_msg)
{
    rpc_server_opts o = {.name = "echo-test", .max_msg = max_msg, .contexts = 16};
    f->srv = rpc_server_new(&o);
    if (!f->srv || echo_service_register(f->srv, &f->echo) != 0)
        return -1;
    if (rpc_server_listen(f->srv, f->url) != 0 || rpc_server_start(f->srv) != 0)
        return -1;
    return 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/outrig-rpc-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->url, sizeof f->url, "ipc://%s/echo.sock", f->dir);
    if (fx_start_server(f, 64 * 1024) != 0)
        return -1;
    rpc_client_opts co = {.token = "secret-token", .timeout_ms = 3000};
    f->cli = rpc_client_open(f->url, &co);
    *state = f;
    if (!f->cli)
        return -1;
    // Connect before the test: closing a socket whose connection is still
    // being set up leaks inside nng 1.5 (seen under LeakSanitizer).
    Outrig__V1__HealthCheckRequest in = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
    return rpc_client_call(f->cli, "/outrig.v1.Health/Check", &in.base, NULL, NULL, NULL, NULL) ==
                   RPC_OK
               ? 0
               : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rpc_client_close(f->cli);
    rpc_server_free(f->srv);
    char path[128];
    snprintf(path, sizeof path, "%s/echo.sock", f->dir);
    unlink(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static rpc_code echo_call(rpc_client *c, const char *data, uint32_t delay_ms, const char *note,
                          const rpc_call_opts *o, Outrig__V1__EchoResponse **out, rpc_status *st)
{
    Outrig__V1__EchoRequest in = OUTRIG__V1__ECHO_REQUEST__INIT;
    in.data.data = (uint8_t *)data;
    in.data.len = strlen(data);
    in.delay_ms = delay_ms;
    in.note = (char *)(note ? note : "");
    return rpc_client_call(c, ECHO, &in.base, &outrig__v1__echo_response__descriptor,
                           (ProtobufCMessage **)out, o, st);
}

static void test_echo_returns_data_and_metadata(void **state)
{
    fixture *f = *state;
    Outrig__V1__EchoResponse *r = NULL;
    rpc_status st;
    rpc_call_opts o = {.request_id = "req-42"};
    assert_int_equal(echo_call(f->cli, "ping", 0, NULL, &o, &r, &st), RPC_OK);
    assert_int_equal(r->data.len, 4);
    assert_memory_equal(r->data.data, "ping", 4);
    assert_string_equal(r->request_id, "req-42");
    assert_string_equal(r->caller_token, "secret-token");
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void test_ipc_socket_file_is_private(void **state)
{
    fixture *f = *state;
    struct stat sb;
    assert_int_equal(stat(f->url + 6, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_unknown_method_is_unimplemented(void **state)
{
    fixture *f = *state;
    Outrig__V1__EchoRequest in = OUTRIG__V1__ECHO_REQUEST__INIT;
    rpc_status st;
    assert_int_equal(rpc_client_call(f->cli, "/outrig.v1.Echo/Nope", &in.base, NULL, NULL, NULL,
                                     &st),
                     RPC_UNIMPLEMENTED);
    assert_non_null(strstr(st.message, "Nope"));
}

static void test_invalid_field_names_the_field(void **state)
{
    fixture *f = *state;
    rpc_status st;
    assert_int_equal(echo_call(f->cli, "x", 0, "bad\x01note", NULL, NULL, &st),
                     RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "note");
}

static void test_expired_deadline_is_not_run(void **state)
{
    fixture *f = *state;
    int before = atomic_load(&f->echo.handled);
    // A deadline in the past reaches the server (the client sends while its
    // own clock allows) only through the raw path: build it by hand.
    rpc_call_opts o = {.deadline_unix_ms = clock_unix_ms() - 1};
    rpc_status st;
    assert_int_equal(echo_call(f->cli, "late", 0, NULL, &o, NULL, &st), RPC_DEADLINE_EXCEEDED);
    assert_int_equal(atomic_load(&f->echo.handled), before);
}

static void test_server_refuses_request_whose_deadline_passed_in_flight(void **state)
{
    fixture *f = *state;
    // Hand-made envelope with a deadline already passed: the handler must not run.
    Outrig__V1__EchoRequest in = OUTRIG__V1__ECHO_REQUEST__INIT;
    uint8_t payload[64];
    size_t plen = outrig__v1__echo_request__pack(&in, payload);
    uint8_t buf[256];
    // Request{method=1, deadline=2, payload=4}
    size_t n = 0;
    const char *m = ECHO;
    buf[n++] = 0x0a;
    buf[n++] = (uint8_t)strlen(m);
    memcpy(buf + n, m, strlen(m));
    n += strlen(m);
    buf[n++] = 0x10;
    buf[n++] = 0x01;   // deadline_unix_ms = 1: long gone
    buf[n++] = 0x22;
    buf[n++] = (uint8_t)plen;
    memcpy(buf + n, payload, plen);
    n += plen;
    int before = atomic_load(&f->echo.handled);
    rpc_status st;
    assert_int_equal(rpc_client_call_raw(f->cli, buf, n, 2000, &st), RPC_DEADLINE_EXCEEDED);
    assert_int_equal(atomic_load(&f->echo.handled), before);
}

static void test_client_gives_up_at_its_deadline(void **state)
{
    fixture *f = *state;
    rpc_call_opts o = {.timeout_ms = 100};
    rpc_status st;
    uint64_t t0 = clock_mono_ms();
    assert_int_equal(echo_call(f->cli, "slow", 1000, NULL, &o, NULL, &st),
                     RPC_DEADLINE_EXCEEDED);
    uint64_t took = clock_mono_ms() - t0;
    assert_true(took < 900);   // gave up long before the handler finished
    // The client still works for the next call.
    assert_int_equal(echo_call(f->cli, "next", 0, NULL, NULL, NULL, &st), RPC_OK);
}

static void test_garbage_bytes_get_invalid_argument_and_server_survives(void **state)
{
    fixture *f = *state;
    const uint8_t junk[] = {0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff};
    rpc_status st;
    assert_int_equal(rpc_client_call_raw(f->cli, junk, sizeof junk, 2000, &st),
                     RPC_INVALID_ARGUMENT);
    assert_int_equal(echo_call(f->cli, "alive", 0, NULL, NULL, NULL, &st), RPC_OK);
}

static void test_oversized_message_is_resource_exhausted(void **state)
{
    fixture *f = *state;
    size_t n = 100 * 1024;   // server limit is 64 KiB
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    rpc_status st;
    assert_int_equal(echo_call(f->cli, big, 0, NULL, NULL, NULL, &st), RPC_RESOURCE_EXHAUSTED);
    free(big);
    assert_int_equal(echo_call(f->cli, "alive", 0, NULL, NULL, NULL, &st), RPC_OK);
}

static void test_health_check_and_list_methods(void **state)
{
    fixture *f = *state;
    Outrig__V1__HealthCheckRequest in = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
    Outrig__V1__HealthCheckResponse *r = NULL;
    assert_int_equal(rpc_client_call(f->cli, "/outrig.v1.Health/Check", &in.base,
                                     &outrig__v1__health_check_response__descriptor,
                                     (ProtobufCMessage **)&r, NULL, NULL),
                     RPC_OK);
    assert_int_equal(r->status, OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    assert_string_equal(r->service, "echo-test");
    assert_int_equal(r->pid, (uint32_t)getpid());
    protobuf_c_message_free_unpacked(&r->base, NULL);

    Outrig__V1__ListMethodsRequest lin = OUTRIG__V1__LIST_METHODS_REQUEST__INIT;
    Outrig__V1__ListMethodsResponse *l = NULL;
    assert_int_equal(rpc_client_call(f->cli, "/outrig.v1.Health/ListMethods", &lin.base,
                                     &outrig__v1__list_methods_response__descriptor,
                                     (ProtobufCMessage **)&l, NULL, NULL),
                     RPC_OK);
    int found = 0;
    for (size_t i = 0; i < l->n_methods; i++) {
        if (strcmp(l->methods[i]->name, ECHO) == 0 &&
            strcmp(l->methods[i]->input_type, "outrig.v1.EchoRequest") == 0)
            found++;
        if (strcmp(l->methods[i]->name, "/outrig.v1.Health/Check") == 0)
            found++;
    }
    assert_int_equal(found, 2);
    protobuf_c_message_free_unpacked(&l->base, NULL);

    rpc_server_set_serving(f->srv, false);
    assert_int_equal(rpc_client_call(f->cli, "/outrig.v1.Health/Check", &in.base,
                                     &outrig__v1__health_check_response__descriptor,
                                     (ProtobufCMessage **)&r, NULL, NULL),
                     RPC_OK);
    assert_int_equal(r->status, OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void raw_echo(rpc_call *call, const uint8_t *in, size_t len, void *arg)
{
    if (len > 0 && in[0] == 'X') {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "data[0]", "must not be X");
        return;
    }
    uint8_t buf[256];
    size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
    buf[0] = 'R';
    memcpy(buf + 1, in, n);
    rpc_call_done_raw(call, buf, n + 1);
}

static void test_raw_method_carries_bytes_both_ways(void **state)
{
    fixture *f = *state;
    // Raw methods are added before start; use a second server on its own socket.
    char url[160];
    snprintf(url, sizeof url, "ipc://%s/raw.sock", f->dir);
    rpc_server *s = rpc_server_new(NULL);
    assert_int_equal(rpc_server_add_raw(s, "/outrig.v1.Raw/Echo", "Bytes", "Bytes", raw_echo, NULL),
                     0);
    assert_int_equal(rpc_server_add_raw(s, "/outrig.v1.Raw/Echo", "Bytes", "Bytes", raw_echo, NULL),
                     -EEXIST);
    assert_int_equal(rpc_server_add_raw(s, "bad name", "Bytes", "Bytes", raw_echo, NULL), -EINVAL);
    assert_int_equal(rpc_server_listen(s, url), 0);
    assert_int_equal(rpc_server_start(s), 0);
    rpc_client *c = rpc_client_open(url, NULL);
    void *out = NULL;
    size_t len = 0;
    rpc_status st;
    assert_int_equal(rpc_client_call_bytes(c, "/outrig.v1.Raw/Echo", "abc", 3, &out, &len, NULL,
                                           &st),
                     RPC_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "Rabc", 4);
    free(out);
    assert_int_equal(rpc_client_call_bytes(c, "/outrig.v1.Raw/Echo", "Xz", 2, &out, &len, NULL,
                                           &st),
                     RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "data[0]");
    assert_null(out);
    rpc_client_close(c);
    rpc_server_free(s);
    unlink(url + 6);
}

typedef struct conc_arg {
    rpc_client *cli;
    int ok;
} conc_arg;

static void *conc_main(void *arg)
{
    conc_arg *a = arg;
    for (int i = 0; i < 5; i++) {
        char d[32];
        snprintf(d, sizeof d, "t%p-%d", (void *)a, i);
        Outrig__V1__EchoResponse *r = NULL;
        if (echo_call(a->cli, d, 50, NULL, NULL, &r, NULL) == RPC_OK &&
            r->data.len == strlen(d) && memcmp(r->data.data, d, r->data.len) == 0)
            a->ok++;
        if (r)
            protobuf_c_message_free_unpacked(&r->base, NULL);
    }
    return NULL;
}

static void test_calls_run_concurrently_not_one_at_a_time(void **state)
{
    fixture *f = *state;
    enum { N = 12 };
    pthread_t t[N];
    conc_arg a[N];
    uint64_t t0 = clock_mono_ms();
    for (int i = 0; i < N; i++) {
        a[i] = (conc_arg){.cli = f->cli};
        pthread_create(&t[i], NULL, conc_main, &a[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    uint64_t took = clock_mono_ms() - t0;
    for (int i = 0; i < N; i++)
        assert_int_equal(a[i].ok, 5);
    // 60 calls of 50 ms each: one at a time would take 3 s.
    assert_true(took < 2000);
}

static void test_unreachable_server_is_unavailable(void **state)
{
    fixture *f = *state;
    char url[160];
    snprintf(url, sizeof url, "ipc://%s/nobody.sock", f->dir);
    rpc_client_opts co = {.timeout_ms = 300};
    rpc_client *c = rpc_client_open(url, &co);
    assert_non_null(c);
    rpc_status st;
    assert_int_equal(echo_call(c, "x", 0, NULL, NULL, NULL, &st), RPC_UNAVAILABLE);
    rpc_client_close(c);
}

typedef struct late_server {
    fixture *f;
    char url[160];
    rpc_server *srv;
} late_server;

static void *late_server_main(void *arg)
{
    late_server *l = arg;
    usleep(300 * 1000);
    rpc_server_opts o = {.name = "late"};
    l->srv = rpc_server_new(&o);
    echo_service_register(l->srv, &l->f->echo);
    rpc_server_listen(l->srv, l->url);
    rpc_server_start(l->srv);
    return NULL;
}

static void test_idempotent_call_is_retried_until_server_appears(void **state)
{
    fixture *f = *state;
    late_server l = {.f = f};
    snprintf(l.url, sizeof l.url, "ipc://%s/late.sock", f->dir);
    rpc_client_opts co = {.timeout_ms = 5000, .connect_wait_ms = 50};
    rpc_client *c = rpc_client_open(l.url, &co);
    // Without the retry flag the call fails fast with UNAVAILABLE.
    rpc_call_opts once = {.timeout_ms = 200};
    rpc_status st;
    assert_int_equal(echo_call(c, "x", 0, NULL, &once, NULL, &st), RPC_UNAVAILABLE);
    pthread_t t;
    pthread_create(&t, NULL, late_server_main, &l);
    // With it, the call backs off and succeeds once the server listens (each
    // attempt waits only 50 ms for a connection, so several attempts fail first).
    rpc_call_opts idem = {.idempotent = true, .timeout_ms = 4000};
    assert_int_equal(echo_call(c, "x", 0, NULL, &idem, NULL, &st), RPC_OK);
    pthread_join(t, NULL);
    rpc_client_close(c);
    rpc_server_free(l.srv);
    unlink(l.url + 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_returns_data_and_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_socket_file_is_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_method_is_unimplemented, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_field_names_the_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_deadline_is_not_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_refuses_request_whose_deadline_passed_in_flight,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_gives_up_at_its_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_bytes_get_invalid_argument_and_server_survives,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_message_is_resource_exhausted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_health_check_and_list_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calls_run_concurrently_not_one_at_a_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_server_is_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_method_carries_bytes_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_call_is_retried_until_server_appears,
                                        setup, teardown),
    };
    if (getenv("OUTRIG_TEST_FILTER"))
        cmocka_set_test_filter(getenv("OUTRIG_TEST_FILTER"));
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nng_fini();   // let nng's reaper free closed sockets before LeakSanitizer looks
    return rc;
}
