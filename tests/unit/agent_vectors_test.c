// Agent API messages: nanopb (the agent) and protobuf-c (the CLI, other clients) produce the
// same bytes for the same message, and each decodes what the other wrote.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pb_decode.h>

#include "outrig/v1/agent.pb-c.h"
#include "request.h"

static uint8_t npb[65536], pbc[65536];

static void test_create_vnf_request_same_bytes(void **state)
{
    outrig_v1_CreateVnfRequest n = outrig_v1_CreateVnfRequest_init_zero;
    n.has_spec = true;
    snprintf(n.spec.id, sizeof n.spec.id, "ns1.fw.0");
    snprintf(n.spec.owner, sizeof n.spec.owner, "ns1");
    snprintf(n.spec.path, sizeof n.spec.path, "/usr/bin/fw");
    n.spec.args_count = 2;
    snprintf(n.spec.args[0], sizeof n.spec.args[0], "-v");
    snprintf(n.spec.args[1], sizeof n.spec.args[1], "--port=5");
    n.spec.cps_count = 1;
    snprintf(n.spec.cps[0].id, sizeof n.spec.cps[0].id, "eth0");
    snprintf(n.spec.cps[0].address, sizeof n.spec.cps[0].address, "10.0.0.1/24");
    n.spec.cpu_millis = 1500;
    n.spec.memory_mib = 64;
    size_t nlen = 0;
    assert_int_equal(agent_encode(outrig_v1_CreateVnfRequest_fields, &n, npb, sizeof npb, &nlen),
                     0);

    Outrig__V1__VnfCp cp = OUTRIG__V1__VNF_CP__INIT;
    cp.id = "eth0";
    cp.address = "10.0.0.1/24";
    Outrig__V1__VnfCp *cps[] = {&cp};
    char *args[] = {"-v", "--port=5"};
    Outrig__V1__VnfSpec s = OUTRIG__V1__VNF_SPEC__INIT;
    s.id = "ns1.fw.0";
    s.owner = "ns1";
    s.path = "/usr/bin/fw";
    s.n_args = 2;
    s.args = args;
    s.n_cps = 1;
    s.cps = cps;
    s.cpu_millis = 1500;
    s.memory_mib = 64;
    Outrig__V1__CreateVnfRequest c = OUTRIG__V1__CREATE_VNF_REQUEST__INIT;
    c.spec = &s;
    size_t clen = outrig__v1__create_vnf_request__pack(&c, pbc);
    assert_int_equal(nlen, clen);
    assert_memory_equal(npb, pbc, nlen);
}

static void test_vm_info_decodes_both_ways(void **state)
{
    outrig_v1_VmInfo n = outrig_v1_VmInfo_init_zero;
    snprintf(n.id, sizeof n.id, "worker");
    n.state = outrig_v1_AgentVmState_AGENT_VM_FAILED;
    snprintf(n.reason, sizeof n.reason, "vcpu 0: triple fault");
    n.mode = outrig_v1_AgentVmMode_AGENT_VM_MODE_OPPORTUNISTIC;
    n.items_done = 1ull << 40;
    n.latency_p99_us = 12345;
    size_t nlen = 0;
    assert_int_equal(agent_encode(outrig_v1_VmInfo_fields, &n, npb, sizeof npb, &nlen), 0);
    Outrig__V1__VmInfo *c = outrig__v1__vm_info__unpack(NULL, nlen, npb);
    assert_non_null(c);
    assert_string_equal(c->id, "worker");
    assert_int_equal(c->state, OUTRIG__V1__AGENT_VM_STATE__AGENT_VM_FAILED);
    assert_int_equal(c->mode, OUTRIG__V1__AGENT_VM_MODE__AGENT_VM_MODE_OPPORTUNISTIC);
    assert_int_equal(c->items_done, 1ull << 40);
    size_t clen = outrig__v1__vm_info__pack(c, pbc);
    assert_int_equal(clen, nlen);
    assert_memory_equal(npb, pbc, nlen);
    outrig__v1__vm_info__free_unpacked(c, NULL);

    outrig_v1_VmInfo back = outrig_v1_VmInfo_init_zero;
    pb_istream_t in = pb_istream_from_buffer(pbc, clen);
    assert_true(pb_decode(&in, outrig_v1_VmInfo_fields, &back));
    assert_string_equal(back.reason, "vcpu 0: triple fault");
    assert_int_equal(back.latency_p99_us, 12345);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_vnf_request_same_bytes),
        cmocka_unit_test(test_vm_info_decodes_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
