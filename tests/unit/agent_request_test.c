// agent request: the Agent API's nanopb decoding and validation, field by field.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pv_abi.h"
#include "request.h"

static agent_req req;

// Encodes msg as method m's request and decodes it back through agent_req_decode.
static rpc_code roundtrip(agent_method m, const void *msg, rpc_status *st)
{
    uint8_t buf[65536];
    size_t len = 0;
    assert_int_equal(agent_encode(agent_method_get(m)->in_fields, msg, buf, sizeof buf, &len), 0);
    memset(st, 0, sizeof *st);
    return agent_req_decode(m, buf, len, &req, st);
}

static outrig_v1_CreateVmRequest good_vm(void)
{
    outrig_v1_CreateVmRequest q = outrig_v1_CreateVmRequest_init_zero;
    q.has_spec = true;
    snprintf(q.spec.id, sizeof q.spec.id, "vm-1");
    snprintf(q.spec.guest, sizeof q.spec.guest, "idle-worker");
    q.spec.memory_mib = 16;
    q.spec.mode = outrig_v1_AgentVmMode_AGENT_VM_MODE_OPPORTUNISTIC;
    q.spec.item_rate_hz = 1000;
    return q;
}

static outrig_v1_CreateVnfRequest good_vnf(void)
{
    outrig_v1_CreateVnfRequest q = outrig_v1_CreateVnfRequest_init_zero;
    q.has_spec = true;
    snprintf(q.spec.id, sizeof q.spec.id, "ns1.fw.0");
    snprintf(q.spec.owner, sizeof q.spec.owner, "ns1");
    snprintf(q.spec.path, sizeof q.spec.path, "/usr/bin/fw");
    q.spec.args_count = 1;
    snprintf(q.spec.args[0], sizeof q.spec.args[0], "--fast");
    q.spec.env_count = 1;
    snprintf(q.spec.env[0], sizeof q.spec.env[0], "MODE=x");
    q.spec.cps_count = 2;
    snprintf(q.spec.cps[0].id, sizeof q.spec.cps[0].id, "eth0");
    snprintf(q.spec.cps[0].address, sizeof q.spec.cps[0].address, "10.0.0.1/24");
    snprintf(q.spec.cps[1].id, sizeof q.spec.cps[1].id, "eth1");
    snprintf(q.spec.cps[1].address, sizeof q.spec.cps[1].address, "fd00::1/64");
    return q;
}

static void test_method_table_names_every_method(void **state)
{
    for (unsigned i = 0; i < AGENT_M_COUNT; i++) {
        const agent_method_desc *d = agent_method_get((agent_method)i);
        assert_non_null(d);
        assert_non_null(d->in_fields);
        assert_non_null(d->out_fields);
        assert_int_equal(agent_method_find(d->name), i);
        assert_int_equal(agent_method_find(d->full), i);
        assert_int_equal(strncmp(d->full, "/outrig.v1.Agent/", 17), 0);
    }
    assert_null(agent_method_get(AGENT_M_COUNT));
    assert_int_equal(agent_method_find("Nope"), AGENT_M_COUNT);
    assert_true(agent_method_get(AGENT_M_LIST_VNFS)->idempotent);
    assert_false(agent_method_get(AGENT_M_CREATE_VNF)->idempotent);
}

static void test_valid_vm_request_decodes(void **state)
{
    outrig_v1_CreateVmRequest q = good_vm();
    rpc_status st;
    assert_int_equal(roundtrip(AGENT_M_CREATE_VM, &q, &st), RPC_OK);
    assert_string_equal(req.create_vm.spec.id, "vm-1");
    assert_int_equal(req.create_vm.spec.item_rate_hz, 1000);
    agent_vm_spec_defaults(&req.create_vm.spec);
    assert_int_equal(req.create_vm.spec.vcpus, 1);
    assert_int_equal(req.create_vm.spec.item_cost_us, 100);
    assert_int_equal(req.create_vm.spec.hash_period_ms, 1000);
}

static void expect_vm_field(outrig_v1_CreateVmRequest q, const char *field)
{
    rpc_status st;
    assert_int_equal(roundtrip(AGENT_M_CREATE_VM, &q, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, field);
}

static void test_bad_vm_specs_name_the_field(void **state)
{
    outrig_v1_CreateVmRequest q = good_vm();
    q.has_spec = false;
    expect_vm_field(q, "spec");
    q = good_vm();
    snprintf(q.spec.id, sizeof q.spec.id, "-x");
    expect_vm_field(q, "spec.id");
    q = good_vm();
    q.spec.memory_mib = 3;
    expect_vm_field(q, "spec.memory_mib");
    q = good_vm();
    q.spec.memory_mib = 1024;
    expect_vm_field(q, "spec.memory_mib");
    q = good_vm();
    q.spec.vcpus = 17;
    expect_vm_field(q, "spec.vcpus");
    q = good_vm();
    snprintf(q.spec.guest, sizeof q.spec.guest, "../etc/x");
    expect_vm_field(q, "spec.guest");
    q = good_vm();
    q.spec.mode = (outrig_v1_AgentVmMode)7;
    expect_vm_field(q, "spec.mode");
    q = good_vm();
    q.spec.cpu = 1;
    expect_vm_field(q, "spec.cpu");
    q = good_vm();
    q.spec.hash_period_ms = 5;
    expect_vm_field(q, "spec.hash_period_ms");
    q = good_vm();
    snprintf(q.spec.guest, sizeof q.spec.guest, "hello");
    expect_vm_field(q, "spec.item_rate_hz");
}

static void test_valid_vnf_request_decodes(void **state)
{
    outrig_v1_CreateVnfRequest q = good_vnf();
    rpc_status st;
    assert_int_equal(roundtrip(AGENT_M_CREATE_VNF, &q, &st), RPC_OK);
    assert_int_equal(req.create_vnf.spec.cps_count, 2);
    assert_string_equal(req.create_vnf.spec.cps[1].address, "fd00::1/64");
    assert_string_equal(req.create_vnf.spec.owner, "ns1");
}

static void expect_vnf_field(outrig_v1_CreateVnfRequest q, const char *field)
{
    rpc_status st;
    assert_int_equal(roundtrip(AGENT_M_CREATE_VNF, &q, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, field);
}

static void test_bad_vnf_specs_name_the_field(void **state)
{
    outrig_v1_CreateVnfRequest q = good_vnf();
    snprintf(q.spec.path, sizeof q.spec.path, "relative/prog");
    expect_vnf_field(q, "spec.path");
    q = good_vnf();
    snprintf(q.spec.owner, sizeof q.spec.owner, "bad owner");
    expect_vnf_field(q, "spec.owner");
    q = good_vnf();
    snprintf(q.spec.args[0], sizeof q.spec.args[0], "a\nb");
    expect_vnf_field(q, "spec.args[0]");
    q = good_vnf();
    snprintf(q.spec.env[0], sizeof q.spec.env[0], "NOEQUALS");
    expect_vnf_field(q, "spec.env[0]");
    q = good_vnf();
    snprintf(q.spec.env[0], sizeof q.spec.env[0], "OUTRIG_VNF_DIR=/x");
    expect_vnf_field(q, "spec.env[0]");
    q = good_vnf();
    snprintf(q.spec.cps[1].id, sizeof q.spec.cps[1].id, "eth0");
    expect_vnf_field(q, "spec.cps[1].id");
    q = good_vnf();
    snprintf(q.spec.cps[0].id, sizeof q.spec.cps[0].id, "lo");
    expect_vnf_field(q, "spec.cps[0].id");
    q = good_vnf();
    snprintf(q.spec.cps[1].address, sizeof q.spec.cps[1].address, "fd00::1/129");
    expect_vnf_field(q, "spec.cps[1].address");
    q = good_vnf();
    q.spec.memory_mib = 2;
    expect_vnf_field(q, "spec.memory_mib");
}

static void test_peer_and_refs_are_checked(void **state)
{
    outrig_v1_ConfigurePeerRequest p = {0};
    rpc_status st;
    snprintf(p.vnf_id, sizeof p.vnf_id, "v1");
    snprintf(p.cp_id, sizeof p.cp_id, "eth0");
    snprintf(p.peer_address, sizeof p.peer_address, "10.0.0.2");
    snprintf(p.peer_id, sizeof p.peer_id, "ns.b.0/eth0");
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_OK);
    snprintf(p.peer_address, sizeof p.peer_address, "10.0.0.2/24");
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "peer_address");
    snprintf(p.peer_address, sizeof p.peer_address, "10.0.0.2");
    snprintf(p.address, sizeof p.address, "10.0.0.1");
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "address");

    // The data-path fields the linker sends.
    p.address[0] = '\0';
    snprintf(p.virtual_link, sizeof p.virtual_link, "ns/access");
    snprintf(p.link_id, sizeof p.link_id, "ns/access/a~b");
    snprintf(p.peer_host, sizeof p.peer_host, "192.0.2.2");
    snprintf(p.host, sizeof p.host, "192.0.2.1");
    p.vni = 4242;
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_OK);
    p.vni = 0;   // a tunnel needs a VNI
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "vni");
    p.vni = 0x1000000;
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "vni");
    p.vni = 4242;
    snprintf(p.peer_host, sizeof p.peer_host, "site-b");
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "peer_host");
    snprintf(p.peer_host, sizeof p.peer_host, "192.0.2.2");
    snprintf(p.host, sizeof p.host, "2001:db8::1");
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "host");
    snprintf(p.host, sizeof p.host, "192.0.2.1");
    snprintf(p.virtual_link, sizeof p.virtual_link, "ns/ac cess");
    assert_int_equal(roundtrip(AGENT_M_CONFIGURE_PEER, &p, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "virtual_link");

    outrig_v1_VnfRef r = {0};
    assert_int_equal(roundtrip(AGENT_M_DELETE_VNF, &r, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "id");
    outrig_v1_ListVnfsRequest l = {0};
    assert_int_equal(roundtrip(AGENT_M_LIST_VNFS, &l, &st), RPC_OK);
    snprintf(l.start_after, sizeof l.start_after, "..");
    assert_int_equal(roundtrip(AGENT_M_LIST_VNFS, &l, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "start_after");
}

static void test_malformed_and_oversized_payloads_are_invalid(void **state)
{
    rpc_status st;
    const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01};
    assert_int_equal(agent_req_decode(AGENT_M_CREATE_VM, junk, sizeof junk, &req, &st),
                     RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "payload");
    // An id longer than its bound (64 bytes with the NUL) is refused by the decoder itself.
    uint8_t big[80] = {0x0a, 70};
    memset(big + 2, 'a', 70);
    assert_int_equal(agent_req_decode(AGENT_M_GET_VM, big, 72, &req, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "payload");
    assert_int_equal(agent_req_decode(AGENT_M_COUNT, big, 0, &req, &st), RPC_UNIMPLEMENTED);
    // An empty payload is a valid empty message.
    assert_int_equal(agent_req_decode(AGENT_M_STATS, NULL, 0, &req, &st), RPC_OK);
}

static void test_histogram_percentiles(void **state)
{
    static uint64_t h[PV_HIST_BUCKETS];
    memset(h, 0, sizeof h);
    assert_int_equal(agent_hist_percentile(h, PV_HIST_BUCKETS, 500), 0);
    h[100] = 90;
    h[200] = 9;
    h[pv_hist_bucket(20000)] = 1;
    assert_int_equal(agent_hist_percentile(h, PV_HIST_BUCKETS, 500), 100);
    assert_int_equal(agent_hist_percentile(h, PV_HIST_BUCKETS, 990), 200);
    assert_int_equal(agent_hist_percentile(h, PV_HIST_BUCKETS, 1000),
                     pv_hist_value(pv_hist_bucket(20000)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_table_names_every_method),
        cmocka_unit_test(test_valid_vm_request_decodes),
        cmocka_unit_test(test_bad_vm_specs_name_the_field),
        cmocka_unit_test(test_valid_vnf_request_decodes),
        cmocka_unit_test(test_bad_vnf_specs_name_the_field),
        cmocka_unit_test(test_peer_and_refs_are_checked),
        cmocka_unit_test(test_malformed_and_oversized_payloads_are_invalid),
        cmocka_unit_test(test_histogram_percentiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
