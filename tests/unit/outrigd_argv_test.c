// outrigd command lines, environments and binary lookup order.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "argv.h"
#include "config/outrig.h"

static cfg_outrig *load(const char *yaml)
{
    cfg_outrig *c = malloc(sizeof *c);
    cfg_outrig_defaults(c);
    cfg_error err = {0};
    if (cfg_outrig_parse(c, "o.yaml", yaml, strlen(yaml), &err) || cfg_outrig_finish(c, "/w", &err))
        fail_msg("%s", err.msg);
    return c;
}

static void joined(const od_strv *sv, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < sv->n; i++) {
        strncat(out, sv->v[i], len - strlen(out) - 1);
        if (i + 1 < sv->n)
            strncat(out, " ", len - strlen(out) - 1);
    }
}

static void test_argv_has_every_flag(void **state)
{
    cfg_outrig *c = load("run_dir: /r\ndata_dir: /d\nlog_level: warn\nmetrics: 9100\n"
                         "services:\n"
                         "  - name: store\n"
                         "  - name: hub\n"
                         "    listen: tcp://127.0.0.1:7000\n"
                         "    set: {fsync: none, retention.bytes: 10}\n");
    od_strv sv = {0};
    char buf[2048];
    assert_int_equal(od_build_argv(c, &c->services[1], "/bin/outrig-hub", &sv), 0);
    assert_null(sv.v[sv.n]);
    joined(&sv, buf, sizeof buf);
    assert_string_equal(buf, "/bin/outrig-hub --listen tcp://127.0.0.1:7000 "
                             "--store ipc:///r/store.sock --hub tcp://127.0.0.1:7000 "
                             "--run-dir /r --data-dir /d/hub --log-level warn "
                             "--metrics http://127.0.0.1:9101/metrics "
                             "--set fsync=none --set retention.bytes=10");
    od_strv_free(&sv);
    od_strv_free(&sv); // a freed vector frees again harmlessly
    free(c);
}

static void test_argv_metrics_off_and_missing_store(void **state)
{
    cfg_outrig *c = load("services: {policy: {}}\n");
    od_strv sv = {0};
    char buf[2048];
    assert_int_equal(od_build_argv(c, &c->services[0], "outrig-policy", &sv), 0);
    joined(&sv, buf, sizeof buf);
    assert_string_equal(buf, "outrig-policy --listen ipc:///w/var/run/outrig/policy.sock "
                             "--store ipc:///w/var/run/outrig/store.sock "
                             "--hub ipc:///w/var/run/outrig/hub.sock "
                             "--run-dir /w/var/run/outrig --data-dir /w/var/lib/outrig/policy "
                             "--log-level info --metrics off");
    od_strv_free(&sv);
    free(c);
}

static void test_env_adds_and_replaces(void **state)
{
    cfg_outrig *c = load("services: {hub: {env: {A: new, C: 3}}}\n");
    char *base[] = {"A=old", "B=2", "AB=keep", NULL};
    od_strv sv = {0};
    char buf[256];
    assert_int_equal(od_build_env(&c->services[0], base, &sv), 0);
    joined(&sv, buf, sizeof buf);
    assert_string_equal(buf, "B=2 AB=keep A=new C=3");
    od_strv_free(&sv);
    char *empty[] = {NULL};
    cfg_outrig *plain = load("services: {hub: {}}\n");
    assert_int_equal(od_build_env(&plain->services[0], empty, &sv), 0);
    assert_non_null(sv.v);
    od_strv_free(&sv);
    free(plain);
    free(c);
}

static void test_binary_candidates_order(void **state)
{
    cfg_outrig *c = load("bin_dir: /opt/outrig\nservices: {hub: {}, store: {binary: ./s}}\n");
    od_strv sv = {0};
    char buf[1024];
    assert_int_equal(od_binary_candidates(c, &c->services[0], "/usr/lib/outrig", &sv), 0);
    joined(&sv, buf, sizeof buf);
    assert_string_equal(buf, "/opt/outrig/outrig-hub /usr/lib/outrig/outrig-hub "
                             "/usr/lib/outrig/../hub/outrig-hub outrig-hub");
    od_strv_free(&sv);
    assert_int_equal(od_binary_candidates(c, &c->services[1], "/usr/lib/outrig", &sv), 0);
    joined(&sv, buf, sizeof buf);
    assert_string_equal(buf, "./s"); // an explicit binary is the only choice
    od_strv_free(&sv);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_has_every_flag),
        cmocka_unit_test(test_argv_metrics_off_and_missing_store),
        cmocka_unit_test(test_env_adds_and_replaces),
        cmocka_unit_test(test_binary_candidates_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
