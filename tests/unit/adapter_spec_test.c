// Unit tests of the generic site-adapter layer: spec validation names the offending field,
// ids and addresses, site options from the endpoint query and the option list, the registry.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "adapter/adapter.h"

static const char *args[] = {"--port", "7"};
static const char *env[] = {"MODE=fast", "_X1="};
static adapter_cp cps[2] = {
    {.id = "eth-in", .address = "10.213.0.1/24", .mac = "02:00:00:00:00:01"},
    {.id = "out_1", .address = "fd00::1/64"},
};

static adapter_vnf_spec good(void)
{
    return (adapter_vnf_spec){.instance_id = "ns1.fw.0",
                              .owner = "ns1",
                              .image = "firewall",
                              .args = args,
                              .n_args = 2,
                              .env = env,
                              .n_env = 2,
                              .vcpus = 2,
                              .memory_mib = 128,
                              .cps = cps,
                              .n_cps = 2};
}

static void expect_invalid(const adapter_vnf_spec *s, const char *field)
{
    adapter_err err;
    assert_int_equal(adapter_spec_validate(s, &err), -EINVAL);
    if (strncmp(err.msg, field, strlen(field)))
        fail_msg("message \"%s\" does not start with \"%s\"", err.msg, field);
}

static void test_spec_good_one_passes(void **state)
{
    adapter_vnf_spec s = good();
    adapter_err err;
    assert_int_equal(adapter_spec_validate(&s, &err), 0);
    s.n_args = s.n_env = s.n_cps = 0;
    s.args = s.env = NULL;
    s.cps = NULL;
    s.vcpus = s.memory_mib = 0;
    assert_int_equal(adapter_spec_validate(&s, NULL), 0);
}

static void test_spec_bad_ids_name_the_field(void **state)
{
    adapter_vnf_spec s = good();
    s.instance_id = "";
    expect_invalid(&s, "instance_id");
    s.instance_id = ".hidden";
    expect_invalid(&s, "instance_id");
    s.instance_id = "a/b";
    expect_invalid(&s, "instance_id");
    s.instance_id = "has space";
    expect_invalid(&s, "instance_id");
    char longid[ADAPTER_ID_MAX + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    s.instance_id = longid;
    expect_invalid(&s, "instance_id");
    longid[ADAPTER_ID_MAX] = 0;
    assert_int_equal(adapter_spec_validate(&s, NULL), 0);
    s = good();
    s.owner = NULL;
    expect_invalid(&s, "owner");
    s = good();
    s.image = "";
    expect_invalid(&s, "image");
    s.image = "a\nb";
    expect_invalid(&s, "image");
}

static void test_spec_bad_env_args_and_limits_name_the_field(void **state)
{
    adapter_vnf_spec s = good();
    const char *bad_env[] = {"MODE=x", "1X=y"};
    s.env = bad_env;
    expect_invalid(&s, "env[1]");
    const char *no_eq[] = {"MODE"};
    s.env = no_eq;
    s.n_env = 1;
    expect_invalid(&s, "env[0]");
    const char *dash[] = {"A-B=1"};
    s.env = dash;
    expect_invalid(&s, "env[0]");
    s = good();
    const char *null_arg[] = {"x", NULL};
    s.args = null_arg;
    expect_invalid(&s, "args[1]");
    s = good();
    s.n_args = ADAPTER_ARGS_MAX + 1;
    expect_invalid(&s, "args");
    s = good();
    s.vcpus = ADAPTER_VCPUS_MAX + 1;
    expect_invalid(&s, "vcpus");
    s = good();
    s.memory_mib = 2;
    expect_invalid(&s, "memory_mib");
}

static void test_spec_bad_cps_name_the_index(void **state)
{
    adapter_vnf_spec s = good();
    adapter_cp c[3] = {cps[0], cps[1], cps[1]};
    s.cps = c;
    s.n_cps = 3;
    expect_invalid(&s, "cps[2].id"); // repeats cps[1]
    c[2].id = "lo";
    expect_invalid(&s, "cps[2].id");
    c[2].id = "sixteen-chars-xx";
    expect_invalid(&s, "cps[2].id");
    c[2].id = "a:b";
    expect_invalid(&s, "cps[2].id");
    c[2].id = "ok";
    c[2].address = "10.0.0.1";
    expect_invalid(&s, "cps[2].address"); // no prefix
    c[2].address = "10.0.0.1/33";
    expect_invalid(&s, "cps[2].address");
    c[2].address = "10.0.0.256/24";
    expect_invalid(&s, "cps[2].address");
    c[2].address = "fd00::1/129";
    expect_invalid(&s, "cps[2].address");
    c[2].address = "10.0.0.1/2x";
    expect_invalid(&s, "cps[2].address");
    c[2].address = "";
    assert_int_equal(adapter_spec_validate(&s, NULL), 0);
    c[2].mac = "03:00:00:00:00:01"; // multicast
    expect_invalid(&s, "cps[2].mac");
    c[2].mac = "02:00:00:00:00";
    expect_invalid(&s, "cps[2].mac");
    c[2].mac = "02-00-00-00-00-01";
    expect_invalid(&s, "cps[2].mac");
    c[2].mac = "02:aB:00:00:00:01";
    assert_int_equal(adapter_spec_validate(&s, NULL), 0);
    s.n_cps = ADAPTER_CPS_MAX + 1;
    expect_invalid(&s, "cps");
}

static void test_options_come_from_list_before_query(void **state)
{
    const char *opts[] = {"netns=fromlist", "images=/img", NULL};
    adapter_site_config cfg = {
        .name = "s", .endpoint = "lxc:///srv/s1?netns=q&stop_timeout=3", .options = opts};
    char buf[32];
    assert_int_equal(adapter_option(&cfg, "netns", buf, sizeof buf), 1);
    assert_string_equal(buf, "fromlist");
    assert_int_equal(adapter_option(&cfg, "stop_timeout", buf, sizeof buf), 1);
    assert_string_equal(buf, "3");
    assert_int_equal(adapter_option(&cfg, "images", buf, sizeof buf), 1);
    assert_string_equal(buf, "/img");
    assert_int_equal(adapter_option(&cfg, "stop", buf, sizeof buf), 0); // no prefix match
    assert_int_equal(adapter_option(&cfg, "busybox", buf, sizeof buf), 0);
    assert_int_equal(adapter_option(&cfg, "images", buf, 4), -ENAMETOOLONG);
    cfg.options = NULL;
    assert_int_equal(adapter_option(&cfg, "netns", buf, sizeof buf), 1);
    assert_string_equal(buf, "q");
}

static void test_endpoint_path_drops_scheme_and_query(void **state)
{
    adapter_site_config cfg = {.name = "s", .endpoint = "lxc:///srv/s1?netns=q"};
    char buf[16];
    assert_int_equal(adapter_endpoint_path(&cfg, "lxc", buf, sizeof buf), 0);
    assert_string_equal(buf, "/srv/s1");
    cfg.endpoint = "/plain/dir";
    assert_int_equal(adapter_endpoint_path(&cfg, "lxc", buf, sizeof buf), 0);
    assert_string_equal(buf, "/plain/dir");
    cfg.endpoint = "/a/very/long/directory/name";
    assert_int_equal(adapter_endpoint_path(&cfg, "lxc", buf, sizeof buf), -ENAMETOOLONG);
}

static void test_registry_knows_lxc_and_refuses_unknown_kinds(void **state)
{
    assert_non_null(adapter_find("lxc"));
    assert_string_equal(adapter_find("lxc")->kind, "lxc");
    assert_null(adapter_find("vmware"));
    assert_null(adapter_find(NULL));
    adapter_site *site = (adapter_site *)1;
    adapter_err err;
    adapter_site_config cfg = {.name = "s", .endpoint = "/x"};
    assert_int_equal(adapter_open("vmware", &cfg, &site, &err), -ENOTSUP);
    assert_null(site);
    assert_non_null(strstr(err.msg, "vmware"));
    cfg.endpoint = "relative/dir";
    assert_int_equal(adapter_open("lxc", &cfg, &site, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "endpoint"));
    cfg.endpoint = "/tmp/x?netns=a/b";
    assert_int_equal(adapter_open("lxc", &cfg, &site, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "netns"));
    cfg.endpoint = "/tmp/x?stop_timeout=soon";
    assert_int_equal(adapter_open("lxc", &cfg, &site, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "stop_timeout"));
    adapter_close(NULL);
}

static void test_state_names(void **state)
{
    assert_string_equal(adapter_state_name(ADAPTER_VNF_RUNNING), "RUNNING");
    assert_string_equal(adapter_state_name(ADAPTER_VNF_INCOMPLETE), "INCOMPLETE");
    assert_string_equal(adapter_state_name((adapter_vnf_state)99), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_good_one_passes),
        cmocka_unit_test(test_spec_bad_ids_name_the_field),
        cmocka_unit_test(test_spec_bad_env_args_and_limits_name_the_field),
        cmocka_unit_test(test_spec_bad_cps_name_the_index),
        cmocka_unit_test(test_options_come_from_list_before_query),
        cmocka_unit_test(test_endpoint_path_drops_scheme_and_query),
        cmocka_unit_test(test_registry_knows_lxc_and_refuses_unknown_kinds),
        cmocka_unit_test(test_state_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
