// protobuf-c (services) and nanopb (agent) must produce the same bytes for the
// same messages, and each must decode the other's output.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <string.h>

#include "outrig/v1/common.pb-c.h"
#include "outrig/v1/common.pb.h"
#include "outrig/v1/health.pb-c.h"
#include "outrig/v1/health.pb.h"

static size_t npb_encode(const pb_msgdesc_t *fields, const void *msg, uint8_t *buf, size_t cap)
{
    pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
    assert_true(pb_encode(&os, fields, msg));
    return os.bytes_written;
}

static void test_request_envelope_same_bytes_both_ways(void **state)
{
    static const uint8_t payload[] = {0x0a, 0x03, 'a', 'b', 'c', 0x10, 0x07};
    // protobuf-c
    Outrig__V1__Request pc = OUTRIG__V1__REQUEST__INIT;
    Outrig__V1__Metadata md = OUTRIG__V1__METADATA__INIT;
    md.caller_token = "tok-1";
    md.request_id = "r-9";
    md.trace_id = "";
    pc.method = "/outrig.v1.Agent/CreateVm";
    pc.deadline_unix_ms = 1764000000123ull;
    pc.metadata = &md;
    pc.payload.data = (uint8_t *)payload;
    pc.payload.len = sizeof payload;
    uint8_t a[512];
    size_t na = outrig__v1__request__pack(&pc, a);
    // nanopb
    outrig_v1_Request np = outrig_v1_Request_init_zero;
    strcpy(np.method, "/outrig.v1.Agent/CreateVm");
    np.deadline_unix_ms = 1764000000123ull;
    np.has_metadata = true;
    strcpy(np.metadata.caller_token, "tok-1");
    strcpy(np.metadata.request_id, "r-9");
    np.payload.size = sizeof payload;
    memcpy(np.payload.bytes, payload, sizeof payload);
    uint8_t b[512];
    size_t nb = npb_encode(outrig_v1_Request_fields, &np, b, sizeof b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);

    // nanopb decodes protobuf-c's bytes
    outrig_v1_Request back = outrig_v1_Request_init_zero;
    pb_istream_t is = pb_istream_from_buffer(a, na);
    assert_true(pb_decode(&is, outrig_v1_Request_fields, &back));
    assert_string_equal(back.method, "/outrig.v1.Agent/CreateVm");
    assert_string_equal(back.metadata.caller_token, "tok-1");
    assert_int_equal(back.payload.size, sizeof payload);
    // protobuf-c decodes nanopb's bytes
    Outrig__V1__Request *pb = outrig__v1__request__unpack(NULL, nb, b);
    assert_non_null(pb);
    assert_int_equal(pb->deadline_unix_ms, 1764000000123ull);
    assert_string_equal(pb->metadata->request_id, "r-9");
    assert_memory_equal(pb->payload.data, payload, sizeof payload);
    outrig__v1__request__free_unpacked(pb, NULL);
}

static void test_reply_with_status_details_same_bytes(void **state)
{
    Outrig__V1__Reply pc = OUTRIG__V1__REPLY__INIT;
    Outrig__V1__Status st = OUTRIG__V1__STATUS__INIT;
    Outrig__V1__FieldViolation fv = OUTRIG__V1__FIELD_VIOLATION__INIT;
    Outrig__V1__FieldViolation *fvs[] = {&fv};
    fv.field = "vms[0].memory_mib";
    fv.description = "must be at least 2";
    st.code = 3;
    st.message = "must be at least 2";
    st.details = fvs;
    st.n_details = 1;
    pc.status = &st;
    uint8_t a[512];
    size_t na = outrig__v1__reply__pack(&pc, a);

    outrig_v1_Reply np = outrig_v1_Reply_init_zero;
    np.has_status = true;
    np.status.code = 3;
    strcpy(np.status.message, "must be at least 2");
    np.status.details_count = 1;
    strcpy(np.status.details[0].field, "vms[0].memory_mib");
    strcpy(np.status.details[0].description, "must be at least 2");
    uint8_t b[512];
    size_t nb = npb_encode(outrig_v1_Reply_fields, &np, b, sizeof b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
}

static void test_event_and_health_same_bytes(void **state)
{
    Outrig__V1__Event pc = OUTRIG__V1__EVENT__INIT;
    pc.seq = 77;
    pc.prev = 70;
    pc.category = "vnf";
    pc.type = "started";
    pc.id = "ns1/fw/0";
    pc.time_unix_ms = 123456789;
    pc.source = "agent";
    uint8_t a[512];
    size_t na = outrig__v1__event__pack(&pc, a);
    outrig_v1_Event np = outrig_v1_Event_init_zero;
    np.seq = 77;
    np.prev = 70;
    strcpy(np.category, "vnf");
    strcpy(np.type, "started");
    strcpy(np.id, "ns1/fw/0");
    np.time_unix_ms = 123456789;
    strcpy(np.source, "agent");
    uint8_t b[512];
    size_t nb = npb_encode(outrig_v1_Event_fields, &np, b, sizeof b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);

    Outrig__V1__HealthCheckResponse hc = OUTRIG__V1__HEALTH_CHECK_RESPONSE__INIT;
    hc.status = OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
    hc.service = "agent";
    hc.pid = 4242;
    hc.started_unix_ms = 99;
    hc.version = "0.1.0";
    hc.address = "ipc:///run/agent.sock";
    na = outrig__v1__health_check_response__pack(&hc, a);
    outrig_v1_HealthCheckResponse hn = outrig_v1_HealthCheckResponse_init_zero;
    hn.status = outrig_v1_HealthCheckResponse_ServingStatus_SERVING;
    strcpy(hn.service, "agent");
    hn.pid = 4242;
    hn.started_unix_ms = 99;
    strcpy(hn.version, "0.1.0");
    strcpy(hn.address, "ipc:///run/agent.sock");
    nb = npb_encode(outrig_v1_HealthCheckResponse_fields, &hn, b, sizeof b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
}

static void test_nanopb_rejects_oversized_string_instead_of_overflowing(void **state)
{
    Outrig__V1__Event pc = OUTRIG__V1__EVENT__INIT;
    char longcat[100];
    memset(longcat, 'c', sizeof longcat - 1);
    longcat[sizeof longcat - 1] = '\0';
    pc.category = longcat;   // nanopb bound is 32
    uint8_t a[512];
    size_t na = outrig__v1__event__pack(&pc, a);
    outrig_v1_Event back = outrig_v1_Event_init_zero;
    pb_istream_t is = pb_istream_from_buffer(a, na);
    assert_false(pb_decode(&is, outrig_v1_Event_fields, &back));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_envelope_same_bytes_both_ways),
        cmocka_unit_test(test_reply_with_status_details_same_bytes),
        cmocka_unit_test(test_event_and_health_same_bytes),
        cmocka_unit_test(test_nanopb_rejects_oversized_string_instead_of_overflowing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
