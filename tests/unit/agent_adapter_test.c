// The agent site kind's translation: generic VNF specs to CreateVnf requests, agent VNF
// reports to adapter_vnf_info, Agent API statuses to errnos, image resolution.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "adapter/agent_internal.h"

static outrig_v1_CreateVnfRequest req;

static void test_agent_kind_is_registered(void **state)
{
    const adapter_ops *ops = adapter_find("agent");
    assert_non_null(ops);
    assert_string_equal(ops->kind, "agent");
    adapter_site *s = NULL;
    adapter_err err;
    adapter_site_config bad = {.name = "s1", .endpoint = "agent://http://x"};
    assert_int_equal(adapter_open("agent", &bad, &s, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "endpoint"));
    adapter_site_config rel = {.name = "s1", .endpoint = "agent://ipc:///tmp/x.sock?images=rel"};
    assert_int_equal(adapter_open("agent", &rel, &s, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "images"));
}

static void test_image_names_resolve_in_the_catalogue(void **state)
{
    char buf[256];
    adapter_err err;
    assert_int_equal(agent_adapter_image_path("/opt/fw", "/cat", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "/opt/fw");
    assert_int_equal(agent_adapter_image_path("fw-1.2", "/cat", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "/cat/fw-1.2");
    assert_int_equal(agent_adapter_image_path("..", "/cat", buf, sizeof buf, &err), -EINVAL);
    assert_int_equal(agent_adapter_image_path("a/b", "/cat", buf, sizeof buf, &err), -EINVAL);
    assert_int_equal(agent_adapter_image_path("/a/../b", "/cat", buf, sizeof buf, &err), -EINVAL);
}

static void test_spec_translates_to_create_vnf(void **state)
{
    const char *args[] = {"-v", "--port=5"};
    const char *env[] = {"A=1"};
    adapter_cp cps[] = {{"eth0", "10.1.0.1/24", NULL}, {"eth1", NULL, "02:00:00:00:00:01"}};
    adapter_vnf_spec spec = {.instance_id = "ns1.fw.0",
                             .owner = "ns1",
                             .image = "fw",
                             .args = args,
                             .n_args = 2,
                             .env = env,
                             .n_env = 1,
                             .vcpus = 2,
                             .memory_mib = 64,
                             .cps = cps,
                             .n_cps = 2};
    adapter_err err;
    assert_int_equal(agent_adapter_spec(&spec, "/cat", &req, &err), 0);
    assert_true(req.has_spec);
    assert_string_equal(req.spec.id, "ns1.fw.0");
    assert_string_equal(req.spec.owner, "ns1");
    assert_string_equal(req.spec.path, "/cat/fw");
    assert_int_equal(req.spec.args_count, 2);
    assert_string_equal(req.spec.args[1], "--port=5");
    assert_int_equal(req.spec.env_count, 1);
    assert_int_equal(req.spec.cps_count, 2);
    assert_string_equal(req.spec.cps[0].address, "10.1.0.1/24");
    assert_string_equal(req.spec.cps[1].address, "");
    assert_int_equal(req.spec.cpu_millis, 2000);
    assert_int_equal(req.spec.memory_mib, 64);
}

static void test_spec_beyond_the_agents_bounds_names_the_field(void **state)
{
    static char longarg[300];
    memset(longarg, 'x', sizeof longarg - 1);
    const char *args[] = {"ok", longarg};
    adapter_vnf_spec spec = {
        .instance_id = "i", .owner = "o", .image = "/p", .args = args, .n_args = 2};
    adapter_err err;
    assert_int_equal(agent_adapter_spec(&spec, "/cat", &req, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "args[1]"));
    const char *many[40];
    for (int i = 0; i < 40; i++)
        many[i] = "a";
    spec.args = many;
    spec.n_args = 40;
    assert_int_equal(agent_adapter_spec(&spec, "/cat", &req, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "args"));
}

static void test_info_translates_states_and_cps(void **state)
{
    outrig_v1_VnfInfo in = outrig_v1_VnfInfo_init_zero;
    snprintf(in.id, sizeof in.id, "ns1.fw.0");
    snprintf(in.owner, sizeof in.owner, "ns1");
    snprintf(in.path, sizeof in.path, "/cat/fw");
    in.state = outrig_v1_AgentVnfState_AGENT_VNF_RUNNING;
    in.pid = 42;
    in.exit_code = -1;
    in.cps_count = 1;
    snprintf(in.cps[0].id, sizeof in.cps[0].id, "eth0");
    snprintf(in.cps[0].host_ifname, sizeof in.cps[0].host_ifname, "ov0123456789-0");
    snprintf(in.cps[0].address, sizeof in.cps[0].address, "10.1.0.1/24");
    adapter_vnf_info out;
    agent_adapter_info(&in, &out);
    assert_string_equal(out.instance_id, "ns1.fw.0");
    assert_string_equal(out.owner, "ns1");
    assert_string_equal(out.image, "/cat/fw");
    assert_int_equal(out.state, ADAPTER_VNF_RUNNING);
    assert_int_equal(out.pid, 42);
    assert_int_equal(out.n_cps, 1);
    assert_string_equal(out.cps[0].host_ifname, "ov0123456789-0");
    in.state = outrig_v1_AgentVnfState_AGENT_VNF_EXITED; // ended on its own: heal candidate
    in.exit_code = 3;
    agent_adapter_info(&in, &out);
    assert_int_equal(out.state, ADAPTER_VNF_FAILED);
    assert_int_equal(out.pid, 0);
    assert_int_equal(out.exit_code, 3);
    in.state = outrig_v1_AgentVnfState_AGENT_VNF_STOPPED;
    agent_adapter_info(&in, &out);
    assert_int_equal(out.state, ADAPTER_VNF_STOPPED);
    in.state = outrig_v1_AgentVnfState_AGENT_VNF_CREATED;
    agent_adapter_info(&in, &out);
    assert_int_equal(out.state, ADAPTER_VNF_CREATED);
}

static void test_statuses_map_to_errnos(void **state)
{
    adapter_err err;
    rpc_status st = {0};
    assert_int_equal(agent_adapter_errno(&st, false, &err), 0);
    rpc_status_set(&st, RPC_INVALID_ARGUMENT, "spec.cps[0].address", "need address/prefix");
    assert_int_equal(agent_adapter_errno(&st, false, &err), -EINVAL);
    assert_string_equal(err.msg, "spec.cps[0].address: need address/prefix");
    rpc_status_set(&st, RPC_FAILED_PRECONDITION, "id", "running");
    assert_int_equal(agent_adapter_errno(&st, true, &err), -EALREADY);
    rpc_status_set(&st, RPC_NOT_FOUND, "id", "no VNF");
    assert_int_equal(agent_adapter_errno(&st, false, &err), -ENOENT);
    rpc_status_set(&st, RPC_ALREADY_EXISTS, "spec.id", "exists");
    assert_int_equal(agent_adapter_errno(&st, false, &err), -EEXIST);
    rpc_status_set(&st, RPC_UNAVAILABLE, NULL, "no agent");
    assert_int_equal(agent_adapter_errno(&st, false, &err), -EHOSTUNREACH);
    assert_non_null(strstr(err.msg, "UNAVAILABLE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agent_kind_is_registered),
        cmocka_unit_test(test_image_names_resolve_in_the_catalogue),
        cmocka_unit_test(test_spec_translates_to_create_vnf),
        cmocka_unit_test(test_spec_beyond_the_agents_bounds_names_the_field),
        cmocka_unit_test(test_info_translates_states_and_cps),
        cmocka_unit_test(test_statuses_map_to_errnos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
