#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "metrics/metrics.h"

static void test_render_prometheus_text(void **state)
{
    metrics_registry *r = metrics_new("outrig_test");
    metrics_value *c = metrics_add(r, METRICS_COUNTER, "calls_total", "method=\"Put\"", "calls");
    metrics_value *c2 = metrics_add(r, METRICS_COUNTER, "calls_total", "method=\"Get\"", "calls");
    metrics_value *g = metrics_add(r, METRICS_GAUGE, "queue", NULL, NULL);
    metrics_inc(c, 3);
    metrics_inc(c, 2);
    metrics_inc(c2, 1);
    metrics_set(g, -4);
    char *text = metrics_render(r);
    assert_non_null(strstr(text, "# HELP outrig_test_calls_total calls\n"));
    assert_non_null(strstr(text, "# TYPE outrig_test_calls_total counter\n"));
    assert_non_null(strstr(text, "outrig_test_calls_total{method=\"Put\"} 5\n"));
    assert_non_null(strstr(text, "outrig_test_calls_total{method=\"Get\"} 1\n"));
    assert_non_null(strstr(text, "# TYPE outrig_test_queue gauge\noutrig_test_queue -4\n"));
    // TYPE appears once per family
    char *first = strstr(text, "# TYPE outrig_test_calls_total");
    assert_null(strstr(first + 1, "# TYPE outrig_test_calls_total"));
    free(text);
    metrics_free(r);
}

static void test_bad_names_are_refused(void **state)
{
    metrics_registry *r = metrics_new("x");
    assert_null(metrics_add(r, METRICS_GAUGE, "has space", NULL, NULL));
    assert_null(metrics_add(r, METRICS_GAUGE, "9lead", NULL, NULL));
    assert_null(metrics_add(r, METRICS_GAUGE, "", NULL, NULL));
    metrics_inc(NULL, 1);   // no-op
    metrics_free(r);
    metrics_free(NULL);
}

static void test_many_values_keep_their_addresses(void **state)
{
    metrics_registry *r = metrics_new("x");
    metrics_value *v[100];
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", i);
        v[i] = metrics_add(r, METRICS_GAUGE, name, NULL, NULL);
        metrics_set(v[i], i);
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(metrics_get(v[i]), i);
    metrics_free(r);
}

static void bump(void *arg) { metrics_inc(arg, 10); }

static void test_every_render_hook_runs_before_render(void **state)
{
    metrics_registry *r = metrics_new("h");
    metrics_value *a = metrics_add(r, METRICS_GAUGE, "a", NULL, NULL);
    metrics_value *b = metrics_add(r, METRICS_GAUGE, "b", NULL, NULL);
    assert_int_equal(metrics_on_render(r, bump, a), 0);
    assert_int_equal(metrics_on_render(r, bump, b), 0);
    char *text = metrics_render(r);
    assert_non_null(strstr(text, "h_a 10\n"));
    assert_non_null(strstr(text, "h_b 10\n"));
    free(text);
    for (int i = 2; i < 8; i++)
        assert_int_equal(metrics_on_render(r, bump, a), 0);
    assert_int_not_equal(metrics_on_render(r, bump, a), 0);
    metrics_free(r);
}

static void test_served_over_http(void **state)
{
    metrics_registry *r = metrics_new("outrig_http");
    metrics_inc(metrics_add(r, METRICS_COUNTER, "hits_total", NULL, NULL), 7);
    int port = 20000 + (int)(getpid() % 20000);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    assert_int_equal(metrics_serve(r, url), 0);

    nng_url *u;
    nng_http_client *cli;
    nng_aio *aio;
    nng_http_req *req;
    nng_http_res *res;
    assert_int_equal(nng_url_parse(&u, url), 0);
    assert_int_equal(nng_http_client_alloc(&cli, u), 0);
    assert_int_equal(nng_aio_alloc(&aio, NULL, NULL), 0);
    assert_int_equal(nng_http_req_alloc(&req, u), 0);
    assert_int_equal(nng_http_res_alloc(&res), 0);
    nng_aio_set_timeout(aio, 3000);
    nng_http_client_transact(cli, req, res, aio);
    nng_aio_wait(aio);
    assert_int_equal(nng_aio_result(aio), 0);
    assert_int_equal(nng_http_res_get_status(res), 200);
    void *body;
    size_t len;
    nng_http_res_get_data(res, &body, &len);
    char *text = strndup(body, len);
    assert_non_null(strstr(text, "outrig_http_hits_total 7\n"));
    free(text);
    nng_http_res_free(res);
    nng_http_req_free(req);
    nng_aio_free(aio);
    nng_http_client_free(cli);
    nng_url_free(u);
    metrics_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_prometheus_text),
        cmocka_unit_test(test_bad_names_are_refused),
        cmocka_unit_test(test_many_values_keep_their_addresses),
        cmocka_unit_test(test_every_render_hook_runs_before_render),
        cmocka_unit_test(test_served_over_http),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nng_fini();   // let nng's reaper free closed sockets before LeakSanitizer looks
    return rc;
}
