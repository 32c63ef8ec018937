// The micro-app skeleton's flags, options and category formatting, and a
// whole micro-app run in a child process answering Health over real ipc.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <nng/nng.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "microapp/flags.h"
#include "microapp/microapp.h"
#include "outrig/v1/health.pb-c.h"

static void test_defaults_follow_run_dir_and_name(void **state)
{
    microapp_flags f;
    char err[128];
    char *argv[] = {"x", "--run-dir", "/tmp/r", NULL};
    unsetenv("OUTRIG_LISTEN");
    assert_int_equal(microapp_flags_parse(&f, "linker", 3, argv, err, sizeof err), 0);
    assert_string_equal(f.listen, "ipc:///tmp/r/linker.sock");
    assert_string_equal(f.store, "ipc:///tmp/r/store.sock");
    assert_string_equal(f.hub, "ipc:///tmp/r/hub.sock");
    assert_string_equal(f.data_dir, "./var/lib/outrig/linker");
    assert_string_equal(f.log_level, "info");
}

static void test_flag_wins_over_environment(void **state)
{
    microapp_flags f;
    char err[128];
    setenv("OUTRIG_LISTEN", "ipc:///env.sock", 1);
    setenv("OUTRIG_LOG_LEVEL", "debug", 1);
    char *argv[] = {"x", "--listen=tcp://127.0.0.1:1", NULL};
    assert_int_equal(microapp_flags_parse(&f, "hub", 2, argv, err, sizeof err), 0);
    assert_string_equal(f.listen, "tcp://127.0.0.1:1");
    assert_string_equal(f.log_level, "debug");
    unsetenv("OUTRIG_LISTEN");
    unsetenv("OUTRIG_LOG_LEVEL");
}

static void test_set_options_last_one_wins(void **state)
{
    microapp_flags f;
    char err[128];
    char *argv[] = {"x", "--set", "pub=ipc:///a", "--set=fsync=never", "--set", "pub=ipc:///b",
                    NULL};
    assert_int_equal(microapp_flags_parse(&f, "hub", 6, argv, err, sizeof err), 0);
    assert_int_equal(f.nsets, 2);
    assert_string_equal(f.set_keys[0], "pub");
    assert_string_equal(f.set_vals[0], "ipc:///b");
    assert_string_equal(f.set_vals[1], "never");
}

static void test_bad_flags_are_refused_with_a_message(void **state)
{
    microapp_flags f;
    char err[128];
    char *a1[] = {"x", "--bogus", "1", NULL};
    assert_int_equal(microapp_flags_parse(&f, "hub", 3, a1, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "--bogus"));
    char *a2[] = {"x", "--set", "novalue", NULL};
    assert_int_equal(microapp_flags_parse(&f, "hub", 3, a2, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "KEY=VALUE"));
    char *a3[] = {"x", "--listen", NULL};
    assert_int_equal(microapp_flags_parse(&f, "hub", 2, a3, err, sizeof err), -EINVAL);
}

static void test_categories_format(void **state)
{
    static const char *const pub[] = {"vnf", "host", NULL};
    static const char *const watch[] = {"site", NULL};
    microapp_categories c = {.publishes = pub, .watches = watch};
    char buf[64];
    assert_int_equal(microapp_categories_format(&c, buf, sizeof buf), 0);
    assert_string_equal(buf, "pub=vnf,host watch=site");
    char small[8];
    assert_int_not_equal(microapp_categories_format(&c, small, sizeof small), 0);
}

// ---- a whole micro-app in a child process --------------------------------

static int ticks;

static int demo_init(microapp *app, void **state)
{
    uint64_t v;
    if (microapp_opt_u64(app, "answer", 0, &v) != 0 || v != 42)
        return -EINVAL;
    return 0;
}

static void demo_tick(microapp *app, void *state) { ticks++; }

static const microapp_def demo_def = {
    .name = "demo",
    .init = demo_init,
    .tick = demo_tick,
    .tick_ms = 10,
};

static void test_microapp_serves_health_and_stops_on_sigterm(void **state)
{
    char dir[] = "/tmp/outrig-microapp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char data[128], url[128];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(url, sizeof url, "ipc://%s/demo.sock", dir);
    pid_t pid = fork();
    if (pid == 0) {
        // nng is not fork-safe once used: run the micro-app in a fresh image.
        char *argv[] = {"--demo", "--run-dir", dir, "--data-dir", data, "--set", "answer=42",
                        "--log-level", "warn", NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    rpc_client_opts co = {.timeout_ms = 3000};
    rpc_client *c = rpc_client_open(url, &co);
    Outrig__V1__HealthCheckRequest in = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
    Outrig__V1__HealthCheckResponse *r = NULL;
    rpc_call_opts o = {.idempotent = true};
    assert_int_equal(rpc_client_call(c, "/outrig.v1.Health/Check", &in.base,
                                     &outrig__v1__health_check_response__descriptor,
                                     (ProtobufCMessage **)&r, &o, NULL),
                     RPC_OK);
    assert_int_equal(r->status, OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    assert_string_equal(r->service, "demo");
    assert_int_equal(r->pid, (uint32_t)pid);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    rpc_client_close(c);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char path[160];
    snprintf(path, sizeof path, "%s/demo.sock", dir);
    unlink(path);
    rmdir(data);
    rmdir(dir);
}

static void test_microapp_init_failure_exits_nonzero(void **state)
{
    char dir[] = "/tmp/outrig-microapp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char data[128];
    snprintf(data, sizeof data, "%s/data", dir);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"--demo", "--run-dir", dir, "--data-dir", data, "--set", "answer=7",
                        "--log-level", "error", NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_not_equal(WEXITSTATUS(status), 0);
    rmdir(data);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc > 0 && strcmp(argv[0], "--demo") == 0)
        return microapp_main(&demo_def, argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_follow_run_dir_and_name),
        cmocka_unit_test(test_flag_wins_over_environment),
        cmocka_unit_test(test_set_options_last_one_wins),
        cmocka_unit_test(test_bad_flags_are_refused_with_a_message),
        cmocka_unit_test(test_categories_format),
        cmocka_unit_test(test_microapp_serves_health_and_stops_on_sigterm),
        cmocka_unit_test(test_microapp_init_failure_exits_nonzero),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nng_fini();   // let nng's reaper free closed sockets before LeakSanitizer looks
    return rc;
}
