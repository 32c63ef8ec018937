// Unit tests for the pure part of the process-VNF runtime (hypervisor-agent/runtime/spec.c).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "runtime/spec.h"

static void test_id_accepts_plain_ids_and_refuses_others(void **state)
{
    assert_true(rt_id_valid("vnf-1"));
    assert_true(rt_id_valid("a.b_C-9"));
    assert_false(rt_id_valid(""));
    assert_false(rt_id_valid(NULL));
    assert_false(rt_id_valid(".hidden"));
    assert_false(rt_id_valid("-flag"));
    assert_false(rt_id_valid("a/b"));
    assert_false(rt_id_valid("a b"));
    char id[RT_ID_MAX + 2];
    memset(id, 'x', sizeof id);
    id[RT_ID_MAX] = 0;
    assert_true(rt_id_valid(id));
    id[RT_ID_MAX] = 'x';
    id[RT_ID_MAX + 1] = 0;
    assert_false(rt_id_valid(id));
}

static void test_ifname_follows_kernel_rules(void **state)
{
    assert_true(rt_ifname_valid("eth0"));
    assert_true(rt_ifname_valid("123456789012345"));   // 15: the most IFNAMSIZ allows
    assert_false(rt_ifname_valid("1234567890123456")); // 16
    assert_false(rt_ifname_valid(""));
    assert_false(rt_ifname_valid("a/b"));
    assert_false(rt_ifname_valid("a:b"));
    assert_false(rt_ifname_valid("a b"));
    assert_false(rt_ifname_valid("."));
    assert_false(rt_ifname_valid(".."));
}

static void test_host_ifname_fits_and_is_stable(void **state)
{
    char a[RT_IFNAMSIZ], b[RT_IFNAMSIZ], c[RT_IFNAMSIZ];
    char longid[RT_ID_MAX + 1];
    memset(longid, 'q', RT_ID_MAX);
    longid[RT_ID_MAX] = 0;
    assert_int_equal(rt_host_ifname(longid, RT_MAX_CPS - 1, a), 0);
    assert_true(strlen(a) <= 15);
    assert_true(rt_ifname_valid(a));
    assert_int_equal(strncmp(a, "ov", 2), 0);

    assert_int_equal(rt_host_ifname("vnf-a", 0, a), 0);
    assert_int_equal(rt_host_ifname("vnf-a", 0, b), 0);
    assert_string_equal(a, b);
    assert_int_equal(rt_host_ifname("vnf-a", 1, c), 0);
    assert_string_not_equal(a, c);
    assert_int_equal(rt_host_ifname("vnf-b", 0, c), 0);
    assert_string_not_equal(a, c);
    assert_int_equal(rt_host_ifname("vnf-a", RT_MAX_CPS, a), -EINVAL);
}

static void test_host_ifname_differs_across_many_ids(void **state)
{
    // 2000 ids of one pattern: any collision would make two VNFs fight over one veth.
    static char names[2000][RT_IFNAMSIZ];
    for (int i = 0; i < 2000; i++) {
        char id[32];
        snprintf(id, sizeof id, "vnf-%d", i);
        assert_int_equal(rt_host_ifname(id, 0, names[i]), 0);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(names[i], names[j]);
    }
}

static void test_netns_name_is_prefix_plus_id(void **state)
{
    char out[RT_NETNS_NAME_MAX];
    assert_int_equal(rt_netns_name("outrig-", "v1", out, sizeof out), 0);
    assert_string_equal(out, "outrig-v1");
    assert_int_equal(rt_netns_name("outrig-", "../x", out, sizeof out), -EINVAL);
    assert_int_equal(rt_netns_name("a/", "v1", out, sizeof out), -EINVAL);
    char small[6];
    assert_int_equal(rt_netns_name("outrig-", "v1", small, sizeof small), -ENAMETOOLONG);
}

static void test_addr_parses_ipv4_and_ipv6(void **state)
{
    struct rt_addr a;
    assert_int_equal(rt_addr_parse("10.213.0.1/24", &a), 0);
    assert_int_equal(a.family, AF_INET);
    assert_int_equal(a.prefix, 24);
    uint8_t want4[4] = {10, 213, 0, 1};
    assert_memory_equal(a.bytes, want4, 4);

    assert_int_equal(rt_addr_parse("fd00::1/64", &a), 0);
    assert_int_equal(a.family, AF_INET6);
    assert_int_equal(a.prefix, 64);
    assert_int_equal(a.bytes[0], 0xfd);
    assert_int_equal(a.bytes[15], 1);

    assert_int_equal(rt_addr_parse("10.0.0.1/32", &a), 0);
    assert_int_equal(rt_addr_parse("10.0.0.1/0", &a), 0);
    assert_int_equal(rt_addr_parse("::1/128", &a), 0);
}

static void test_addr_refuses_malformed(void **state)
{
    struct rt_addr a;
    const char *bad[] = {"10.0.0.1",     "10.0.0.1/",   "10.0.0.1/33", "/24",
                         "10.0.0/24",    "10.0.0.1/2a", "10.0.0.1/-1", "fd00::1/129",
                         "10.0.0.1/024", "host/24",     "10.0.0.1/24/1", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (rt_addr_parse(bad[i], &a) != -EINVAL)
            fail_msg("accepted %s", bad[i]);
    }
    assert_int_equal(rt_addr_parse(NULL, &a), -EINVAL);
}

static const struct rt_cp_spec good_cps[] = {
    {.ifname = "eth0", .address = "10.213.0.1/24"},
    {.ifname = "eth1", .address = NULL, .mtu = 1400},
};
static const char *const good_argv[] = {"/bin/sh", "-c", "true", NULL};
static const char *const good_env[] = {"A=1", "PATH=/bin", NULL};

static struct rt_vnf_spec good_spec(void)
{
    return (struct rt_vnf_spec){.id = "v1", .path = "/bin/sh", .argv = good_argv,
                                .envp = good_env, .cps = good_cps, .n_cps = 2,
                                .limits = {.cpu_millis = 500, .memory_bytes = 64 << 20}};
}

static void expect_field(const struct rt_vnf_spec *s, const char *field)
{
    char got[64] = "";
    assert_int_equal(rt_spec_validate(s, got, sizeof got), -EINVAL);
    assert_string_equal(got, field);
}

static void test_spec_validate_accepts_good_spec(void **state)
{
    struct rt_vnf_spec s = good_spec();
    assert_int_equal(rt_spec_validate(&s, NULL, 0), 0);
    s.argv = NULL;
    s.envp = NULL;
    s.n_cps = 0;
    s.cps = NULL;
    s.limits = (struct rt_limits){0};
    assert_int_equal(rt_spec_validate(&s, NULL, 0), 0);
}

static void test_spec_validate_names_the_bad_field(void **state)
{
    struct rt_vnf_spec s = good_spec();
    s.id = "a b";
    expect_field(&s, "id");

    s = good_spec();
    s.path = "sh";
    expect_field(&s, "path");

    s = good_spec();
    const char *const empty_argv[] = {NULL};
    s.argv = empty_argv;
    expect_field(&s, "argv");

    s = good_spec();
    const char *const bad_env[] = {"A=1", "NOEQUALS", NULL};
    s.envp = bad_env;
    expect_field(&s, "envp[1]");

    s = good_spec();
    struct rt_cp_spec cps[2] = {good_cps[0], good_cps[1]};
    s.cps = cps;
    cps[1].address = "10.213.0.2/40";
    expect_field(&s, "cps[1].address");
    cps[1].address = NULL;
    cps[1].ifname = "eth0";  // duplicate
    expect_field(&s, "cps[1].ifname");
    cps[1].ifname = "lo";
    expect_field(&s, "cps[1].ifname");
    cps[1].ifname = "an-interface-name-too-long";
    expect_field(&s, "cps[1].ifname");
    cps[1].ifname = "eth1";
    cps[0].mtu = 20;
    expect_field(&s, "cps[0].mtu");

    s = good_spec();
    s.n_cps = RT_MAX_CPS + 1;
    expect_field(&s, "cps");

    s = good_spec();
    s.limits.memory_bytes = 4096;
    expect_field(&s, "limits.memory_bytes");

    s = good_spec();
    s.limits.cpu_millis = 1;
    expect_field(&s, "limits.cpu_millis");
}

static void test_cpu_and_memory_limit_values(void **state)
{
    char buf[32];
    assert_int_equal(rt_cpu_max_format(500, buf, sizeof buf), 0);
    assert_string_equal(buf, "50000 100000");
    assert_int_equal(rt_cpu_max_format(2000, buf, sizeof buf), 0);
    assert_string_equal(buf, "200000 100000");
    assert_int_equal(rt_cpu_max_format(0, buf, sizeof buf), 0);
    assert_string_equal(buf, "max 100000");
    assert_int_equal(rt_cpu_quota_us(0), -1);
    assert_int_equal(rt_cpu_quota_us(250), 25000);
    assert_int_equal(rt_memory_max_format(67108864, buf, sizeof buf), 0);
    assert_string_equal(buf, "67108864");
    assert_int_equal(rt_memory_max_format(0, buf, sizeof buf), 0);
    assert_string_equal(buf, "max");
    char tiny[4];
    assert_int_equal(rt_cpu_max_format(500, tiny, sizeof tiny), -ENOSPC);
}

static void test_mount_options_and_controllers_match_whole_tokens(void **state)
{
    assert_true(rt_opts_has("rw,relatime,cpu,cpuacct", "cpu"));
    assert_true(rt_opts_has("rw,relatime,cpu,cpuacct", "cpuacct"));
    assert_false(rt_opts_has("rw,relatime,cpuacct", "cpu"));
    assert_false(rt_opts_has("rw,memory_recursiveprot", "memory"));
    assert_true(rt_opts_has("memory", "memory"));
    assert_true(rt_controllers_have("cpuset cpu io memory pids\n", "memory"));
    assert_true(rt_controllers_have("cpuset cpu io memory pids\n", "pids"));
    assert_false(rt_controllers_have("hugetlb\n", "cpu"));
    assert_false(rt_controllers_have("cpuset io\n", "cpu"));
    assert_false(rt_controllers_have("", "cpu"));
}

static void test_state_machine_lifecycle(void **state)
{
    enum rt_state s;
    assert_int_equal(rt_state_next(RT_CREATED, RT_EV_START, &s), 0);
    assert_int_equal(s, RT_RUNNING);
    assert_int_equal(rt_state_next(RT_RUNNING, RT_EV_EXIT, &s), 0);
    assert_int_equal(s, RT_EXITED);
    assert_int_equal(rt_state_next(RT_RUNNING, RT_EV_CRASH, &s), 0);
    assert_int_equal(s, RT_FAILED);
    assert_int_equal(rt_state_next(RT_RUNNING, RT_EV_START_FAIL, &s), 0);
    assert_int_equal(s, RT_FAILED);
    // A stopped or failed VNF may be started again.
    assert_int_equal(rt_state_next(RT_EXITED, RT_EV_START, &s), 0);
    assert_int_equal(s, RT_RUNNING);
    assert_int_equal(rt_state_next(RT_FAILED, RT_EV_START, &s), 0);
    assert_int_equal(s, RT_RUNNING);
    for (enum rt_state from = RT_CREATED; from < RT_DELETED; from++) {
        assert_int_equal(rt_state_next(from, RT_EV_DELETE, &s), 0);
        assert_int_equal(s, RT_DELETED);
    }
}

static void test_state_machine_refuses_illegal_events(void **state)
{
    enum rt_state s;
    assert_int_equal(rt_state_next(RT_RUNNING, RT_EV_START, &s), -EINVAL);
    assert_int_equal(s, RT_RUNNING);
    assert_int_equal(rt_state_next(RT_CREATED, RT_EV_EXIT, &s), -EINVAL);
    assert_int_equal(rt_state_next(RT_EXITED, RT_EV_CRASH, &s), -EINVAL);
    assert_int_equal(rt_state_next(RT_CREATED, RT_EV_START_FAIL, &s), -EINVAL);
    assert_int_equal(rt_state_next(RT_DELETED, RT_EV_START, &s), -EINVAL);
    assert_int_equal(rt_state_next(RT_DELETED, RT_EV_DELETE, &s), -EINVAL);
    // Stop is a request: it changes no state itself, and is a no-op when nothing runs.
    assert_int_equal(rt_state_next(RT_RUNNING, RT_EV_STOP, &s), 0);
    assert_int_equal(s, RT_RUNNING);
    assert_int_equal(rt_state_next(RT_EXITED, RT_EV_STOP, &s), -EALREADY);
    assert_int_equal(s, RT_EXITED);
    assert_string_equal(rt_state_name(RT_FAILED), "FAILED");
}

// Builds wait statuses the way the kernel encodes them.
#define W_EXITED(code) (((code) & 0xff) << 8)
#define W_SIGNALED(sig) ((sig) & 0x7f)

static void test_exit_classify_separates_stop_from_crash(void **state)
{
    int code, sig;
    assert_int_equal(rt_exit_classify(W_EXITED(3), false, &code, &sig), RT_EV_EXIT);
    assert_int_equal(code, 3);
    assert_int_equal(sig, 0);
    assert_int_equal(rt_exit_classify(W_SIGNALED(SIGSEGV), false, &code, &sig), RT_EV_CRASH);
    assert_int_equal(sig, SIGSEGV);
    assert_int_equal(rt_exit_classify(W_SIGNALED(SIGTERM), true, &code, &sig), RT_EV_EXIT);
    assert_int_equal(sig, SIGTERM);
    assert_int_equal(rt_exit_classify(W_SIGNALED(SIGKILL), false, &code, &sig), RT_EV_CRASH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_accepts_plain_ids_and_refuses_others),
        cmocka_unit_test(test_ifname_follows_kernel_rules),
        cmocka_unit_test(test_host_ifname_fits_and_is_stable),
        cmocka_unit_test(test_host_ifname_differs_across_many_ids),
        cmocka_unit_test(test_netns_name_is_prefix_plus_id),
        cmocka_unit_test(test_addr_parses_ipv4_and_ipv6),
        cmocka_unit_test(test_addr_refuses_malformed),
        cmocka_unit_test(test_spec_validate_accepts_good_spec),
        cmocka_unit_test(test_spec_validate_names_the_bad_field),
        cmocka_unit_test(test_cpu_and_memory_limit_values),
        cmocka_unit_test(test_mount_options_and_controllers_match_whole_tokens),
        cmocka_unit_test(test_state_machine_lifecycle),
        cmocka_unit_test(test_state_machine_refuses_illegal_events),
        cmocka_unit_test(test_exit_classify_separates_stop_from_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
