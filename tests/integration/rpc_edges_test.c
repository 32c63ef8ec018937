// Bad input against real services under outrigd: garbage bytes, an unknown
// method, an oversized message, an invalid field and an expired deadline each
// get the right status, change nothing and crash nothing.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <nng/nng.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outrig/v1/common.pb-c.h"
#include "outrig/v1/store.pb-c.h"
#include "proc.h"
#include "rpc/rpc.h"
#include "util/clock.h"

typedef struct env {
    char dir[64];
    char run[128];
    char store_url[192];
    char hub_url[192];
    pid_t outrigd;
    pid_t store_pid;
    rpc_client *store;
} env;

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    if (proc_tmpdir("rpcedges", e->dir, sizeof e->dir) != 0)
        return -1;
    snprintf(e->run, sizeof e->run, "%s/run", e->dir);
    snprintf(e->store_url, sizeof e->store_url, "ipc://%s/store.sock", e->run);
    snprintf(e->hub_url, sizeof e->hub_url, "ipc://%s/hub.sock", e->run);
    char bin[512], log[128], runenv[160], dataenv[160];
    proc_build_path("services/outrigd/outrigd", bin, sizeof bin);
    snprintf(log, sizeof log, "%s/outrigd.log", e->dir);
    snprintf(runenv, sizeof runenv, "OUTRIG_RUN_DIR=%s", e->run);
    snprintf(dataenv, sizeof dataenv, "OUTRIG_DATA_DIR=%s/data", e->dir);
    // Only store and hub: the revision checks below need a store nobody else writes to
    // (the embedded default also runs the orchestrator, which seeds its catalogue).
    char cfg[128], cfgenv[160];
    snprintf(cfg, sizeof cfg, "%s/outrig.yaml", e->dir);
    FILE *f = fopen(cfg, "w");
    if (!f)
        return -1;
    fputs("services:\n  - name: store\n  - name: hub\n", f);
    fclose(f);
    snprintf(cfgenv, sizeof cfgenv, "OUTRIG_CONFIG=%s", cfg);
    char *argv[] = {bin, NULL};
    char *envv[] = {runenv, dataenv, cfgenv, "OUTRIG_LOG_LEVEL=warn", NULL};
    e->outrigd = proc_spawn(argv, envv, log);
    *state = e;
    if (e->outrigd <= 0)
        return -1;
    if (!proc_wait_serving_pid(e->store_url, 20000, &e->store_pid) ||
        !proc_wait_serving(e->hub_url, 20000)) {
        fprintf(stderr, "services did not come up; see %s\n", log);
        return -1;
    }
    rpc_client_opts co = {.timeout_ms = 5000};
    e->store = rpc_client_open(e->store_url, &co);
    return e->store ? 0 : -1;
}

static int teardown(void **state)
{
    env *e = *state;
    rpc_client_close(e->store);
    int st = proc_stop(e->outrigd, SIGTERM, 15000);
    // outrigd exits 0 on SIGTERM and leaves none of its services running.
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_false(proc_alive(e->store_pid));
    proc_rmtree(e->dir);
    free(e);
    return 0;
}

static uint64_t store_revision(rpc_client *c)
{
    Outrig__V1__StoreInfoRequest in = OUTRIG__V1__STORE_INFO_REQUEST__INIT;
    Outrig__V1__StoreInfoResponse *r = NULL;
    assert_int_equal(rpc_client_call(c, "/outrig.v1.Store/Info", &in.base,
                                     &outrig__v1__store_info_response__descriptor,
                                     (ProtobufCMessage **)&r, NULL, NULL),
                     RPC_OK);
    uint64_t rev = r->revision;
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return rev;
}

static rpc_code store_put(rpc_client *c, const char *key, const void *val, size_t len,
                          const rpc_call_opts *o, rpc_status *st)
{
    Outrig__V1__PutRequest in = OUTRIG__V1__PUT_REQUEST__INIT;
    in.key = (char *)key;
    in.value.data = (uint8_t *)val;
    in.value.len = len;
    return rpc_client_call(c, "/outrig.v1.Store/Put", &in.base, NULL, NULL, o, st);
}

static void assert_store_same_process(env *e)
{
    pid_t pid = 0;
    assert_true(proc_wait_serving_pid(e->store_url, 2000, &pid));
    assert_int_equal(pid, e->store_pid);
}

static void test_garbage_bytes_are_invalid_argument(void **state)
{
    env *e = *state;
    uint64_t rev = store_revision(e->store);
    const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x13, 0x37};
    rpc_status st;
    assert_int_equal(rpc_client_call_raw(e->store, junk, sizeof junk, 3000, &st),
                     RPC_INVALID_ARGUMENT);
    assert_int_equal(store_revision(e->store), rev);
    assert_store_same_process(e);
}

static void test_unknown_method_is_unimplemented(void **state)
{
    env *e = *state;
    Outrig__V1__Empty in = OUTRIG__V1__EMPTY__INIT;
    rpc_status st;
    assert_int_equal(rpc_client_call(e->store, "/outrig.v1.Store/Explode", &in.base, NULL, NULL,
                                     NULL, &st),
                     RPC_UNIMPLEMENTED);
    assert_int_equal(rpc_client_call(e->store, "/outrig.v1.Nothing/Here", &in.base, NULL, NULL,
                                     NULL, &st),
                     RPC_UNIMPLEMENTED);
    assert_store_same_process(e);
}

static void test_oversized_message_is_resource_exhausted(void **state)
{
    env *e = *state;
    uint64_t rev = store_revision(e->store);
    size_t n = RPC_MAX_MSG_DEFAULT + 1024;
    char *big = malloc(n);
    memset(big, 'v', n);
    rpc_status st;
    assert_int_equal(store_put(e->store, "/site/huge", big, n, NULL, &st),
                     RPC_RESOURCE_EXHAUSTED);
    free(big);
    assert_int_equal(store_revision(e->store), rev);
    assert_store_same_process(e);
}

static void test_invalid_field_names_the_field_and_changes_nothing(void **state)
{
    env *e = *state;
    uint64_t rev = store_revision(e->store);
    rpc_status st;
    assert_int_equal(store_put(e->store, "no-leading-slash", "v", 1, NULL, &st),
                     RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "key");
    assert_int_equal(store_revision(e->store), rev);
    assert_store_same_process(e);
}

static void test_expired_deadline_is_refused_and_not_run(void **state)
{
    env *e = *state;
    uint64_t rev = store_revision(e->store);
    // Build the envelope by hand: the client library would not send it.
    Outrig__V1__PutRequest put = OUTRIG__V1__PUT_REQUEST__INIT;
    put.key = "/site/too-late";
    put.value.data = (uint8_t *)"x";
    put.value.len = 1;
    uint8_t payload[128];
    Outrig__V1__Request req = OUTRIG__V1__REQUEST__INIT;
    req.method = "/outrig.v1.Store/Put";
    req.deadline_unix_ms = clock_unix_ms() - 1000;
    req.payload.data = payload;
    req.payload.len = outrig__v1__put_request__pack(&put, payload);
    uint8_t buf[256];
    size_t n = outrig__v1__request__pack(&req, buf);
    rpc_status st;
    assert_int_equal(rpc_client_call_raw(e->store, buf, n, 3000, &st), RPC_DEADLINE_EXCEEDED);
    assert_int_equal(store_revision(e->store), rev);
    Outrig__V1__GetRequest g = OUTRIG__V1__GET_REQUEST__INIT;
    g.key = "/site/too-late";
    assert_int_equal(rpc_client_call(e->store, "/outrig.v1.Store/Get", &g.base, NULL, NULL, NULL,
                                     &st),
                     RPC_NOT_FOUND);
    // A good write still works afterwards.
    assert_int_equal(store_put(e->store, "/site/fine", "ok", 2, NULL, &st), RPC_OK);
    assert_int_equal(store_revision(e->store), rev + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_bytes_are_invalid_argument),
        cmocka_unit_test(test_unknown_method_is_unimplemented),
        cmocka_unit_test(test_oversized_message_is_resource_exhausted),
        cmocka_unit_test(test_invalid_field_names_the_field_and_changes_nothing),
        cmocka_unit_test(test_expired_deadline_is_refused_and_not_run),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    nng_fini();
    return rc;
}
