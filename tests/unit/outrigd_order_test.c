// outrigd start order and backoff: dependencies first, then order, then position.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/outrig.h"
#include "order.h"

static cfg_outrig *load(const char *yaml)
{
    cfg_outrig *c = malloc(sizeof *c);
    cfg_outrig_defaults(c);
    cfg_error err = {0};
    if (cfg_outrig_parse(c, "o.yaml", yaml, strlen(yaml), &err) || cfg_outrig_finish(c, NULL, &err))
        fail_msg("%s", err.msg);
    return c;
}

static void names(const cfg_outrig *c, const size_t *order, char *out)
{
    out[0] = '\0';
    for (size_t i = 0; i < c->nservices; i++) {
        strcat(out, c->services[order[i]].name);
        strcat(out, i + 1 < c->nservices ? " " : "");
    }
}

static void test_order_store_then_hub_then_rest(void **state)
{
    // Listed backwards: the built-in ranks still put store first, then hub.
    cfg_outrig *c = load("services: {zeta: {}, hub: {}, alpha: {}, store: {}}\n");
    size_t order[CFG_MAX_SERVICES], bad;
    char buf[256];
    assert_int_equal(od_start_order(c, order, &bad), 0);
    names(c, order, buf);
    assert_string_equal(buf, "store hub zeta alpha");
    free(c);
}

static void test_order_dependencies_win_over_rank(void **state)
{
    cfg_outrig *c = load("services:\n"
                         "  a: {order: 1, depends_on: [c]}\n"
                         "  b: {order: 2}\n"
                         "  c: {order: 3, depends_on: [d]}\n"
                         "  d: {order: 50}\n");
    size_t order[CFG_MAX_SERVICES], bad;
    char buf[256];
    assert_int_equal(od_start_order(c, order, &bad), 0);
    names(c, order, buf);
    assert_string_equal(buf, "b d c a");
    free(c);
}

static void test_order_cycle_is_reported(void **state)
{
    cfg_outrig *c = load("services:\n"
                         "  ok: {}\n"
                         "  a: {depends_on: [b]}\n"
                         "  b: {depends_on: [c]}\n"
                         "  c: {depends_on: [a]}\n");
    size_t order[CFG_MAX_SERVICES], bad = 99;
    assert_int_equal(od_start_order(c, order, &bad), -ELOOP);
    assert_true(bad >= 1 && bad <= 3);
    cfg_error err;
    assert_int_equal(od_check_order(c, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "dependency cycle through service '"));
    assert_int_equal(err.line, c->services[bad].line);
    free(c);
}

static void test_order_disabled_dependency_is_error(void **state)
{
    cfg_outrig *c = load("services:\n  store: {enabled: false}\n  hub: {depends_on: store}\n");
    size_t order[CFG_MAX_SERVICES], bad;
    assert_int_equal(od_start_order(c, order, &bad), -EINVAL);
    assert_int_equal(bad, 1);
    cfg_error err;
    assert_int_equal(od_check_order(c, &err), -EINVAL);
    assert_string_equal(err.msg,
                        "<embedded config>:3:3: service 'hub' depends on disabled service 'store'");
    // A disabled service may depend on anything.
    free(c);
    c = load("services:\n  store: {enabled: false}\n  hub: {enabled: false, depends_on: store}\n");
    assert_int_equal(od_start_order(c, order, &bad), 0);
    free(c);
}

static void test_backoff_doubles_and_caps(void **state)
{
    cfg_restart r = {.backoff_initial_ms = 100, .backoff_max_ms = 1000};
    assert_int_equal(od_backoff_ms(&r, 1), 100);
    assert_int_equal(od_backoff_ms(&r, 2), 200);
    assert_int_equal(od_backoff_ms(&r, 3), 400);
    assert_int_equal(od_backoff_ms(&r, 4), 800);
    assert_int_equal(od_backoff_ms(&r, 5), 1000);
    assert_int_equal(od_backoff_ms(&r, 1000), 1000);
    cfg_restart big = {.backoff_initial_ms = 3600000, .backoff_max_ms = 3600000};
    assert_int_equal(od_backoff_ms(&big, 64), 3600000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_store_then_hub_then_rest),
        cmocka_unit_test(test_order_dependencies_win_over_rank),
        cmocka_unit_test(test_order_cycle_is_reported),
        cmocka_unit_test(test_order_disabled_dependency_is_error),
        cmocka_unit_test(test_backoff_doubles_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
