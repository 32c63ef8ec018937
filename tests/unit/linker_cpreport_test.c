// CP report decoding at the linker's edge: good reports, each bad field named.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpreport.h"

static lnk_cp good(void)
{
    lnk_cp c;
    memset(&c, 0, sizeof c);
    snprintf(c.ns_id, sizeof c.ns_id, "ns1");
    snprintf(c.vnf_id, sizeof c.vnf_id, "ns1.fw.0");
    snprintf(c.profile_id, sizeof c.profile_id, "fw");
    snprintf(c.cp_id, sizeof c.cp_id, "left");
    snprintf(c.address, sizeof c.address, "10.213.1.2/24");
    snprintf(c.host, sizeof c.host, "10.213.250.1");
    snprintf(c.agent, sizeof c.agent, "ipc:///tmp/agent.sock");
    snprintf(c.site, sizeof c.site, "site1");
    snprintf(c.virtual_link, sizeof c.virtual_link, "vl-left");
    snprintf(c.host_ifname, sizeof c.host_ifname, "ov0011223344-0");
    return c;
}

static int roundtrip(const lnk_cp *in, lnk_cp *out, char *field)
{
    uint8_t *buf;
    size_t len;
    assert_int_equal(lnk_cp_encode(in, &buf, &len), 0);
    int e = lnk_cp_decode(buf, len, out, field, 64);
    free(buf);
    return e;
}

static void test_good_report_decodes(void **st)
{
    lnk_cp in = good(), out;
    char field[64] = "";
    assert_int_equal(roundtrip(&in, &out, field), 0);
    assert_memory_equal(&in, &out, sizeof in);
}

static void test_bad_fields_are_named(void **st)
{
    struct {
        size_t off, size;
        const char *value, *field;
    } cases[] = {
        {offsetof(lnk_cp, ns_id), LNK_ID_MAX, "", "ns_id"},
        {offsetof(lnk_cp, vnf_id), LNK_ID_MAX, "", "vnf_id"},
        {offsetof(lnk_cp, vnf_id), LNK_ID_MAX, "a/b", "vnf_id"},
        {offsetof(lnk_cp, cp_id), LNK_ID_MAX, "x~y", "cp_id"},
        {offsetof(lnk_cp, cp_id), LNK_ID_MAX, "sp ace", "cp_id"},
        {offsetof(lnk_cp, address), 24, "10.213.1.2", "address"},
        {offsetof(lnk_cp, address), 24, "10.213.1.2/40", "address"},
        {offsetof(lnk_cp, address), 24, "host/24", "address"},
        {offsetof(lnk_cp, host), 16, "nohost", "host"},
        {offsetof(lnk_cp, agent), LNK_URL_MAX, "http://x", "agent"},
        {offsetof(lnk_cp, virtual_link), LNK_ID_MAX, "v/l", "virtual_link"},
        {offsetof(lnk_cp, host_ifname), 16, "a:b", "host_ifname"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lnk_cp in = good(), out;
        snprintf((char *)&in + cases[i].off, cases[i].size, "%s", cases[i].value);
        char field[64] = "";
        assert_int_equal(roundtrip(&in, &out, field), -EINVAL);
        assert_string_equal(field, cases[i].field);
    }
}

static void test_optional_fields_may_be_empty(void **st)
{
    lnk_cp in = good(), out;
    in.address[0] = in.host[0] = in.agent[0] = in.site[0] = in.profile_id[0] = 0;
    char field[64];
    assert_int_equal(roundtrip(&in, &out, field), 0);
}

static void test_garbage_and_oversize_refused(void **st)
{
    lnk_cp out;
    char field[64];
    assert_int_equal(lnk_cp_decode((const uint8_t *)"\x0a\xff", 2, &out, field, sizeof field),
                     -EINVAL);
    uint8_t *big = calloc(1, LNK_CP_MAX_BYTES + 1);
    assert_int_equal(lnk_cp_decode(big, LNK_CP_MAX_BYTES + 1, &out, field, sizeof field),
                     -EMSGSIZE);
    free(big);
    // An empty message lacks the required ids.
    assert_int_equal(lnk_cp_decode((const uint8_t *)"", 0, &out, field, sizeof field), -EINVAL);
    assert_string_equal(field, "ns_id");
}

static void test_verdict_decodes(void **st)
{
    // CpVerified{link_id="n/v/a.x~b.y", ok=true, rtt_us=42}
    const uint8_t msg[] = {0x0a, 11,  'n', '/', 'v',  '/', 'a',  '.', 'x',
                           '~',  'b', '.', 'y', 0x10, 1,   0x20, 42};
    lnk_verdict v;
    char field[64];
    assert_int_equal(lnk_verdict_decode(msg, sizeof msg, &v, field, sizeof field), 0);
    assert_string_equal(v.link_id, "n/v/a.x~b.y");
    assert_true(v.ok);
    assert_int_equal(v.rtt_us, 42);
    assert_int_equal(lnk_verdict_decode(msg + 13, 4, &v, field, sizeof field), -EINVAL);
    assert_string_equal(field, "link_id");
}

// What an agent encodes is what the linker decodes, and the largest verdict fits the bound.
static void test_verdict_encodes_back(void **st)
{
    lnk_verdict v = {.ok = false, .rtt_us = 7};
    memset(v.link_id, 'l', sizeof v.link_id - 1);
    memset(v.reason, 'r', sizeof v.reason - 1);
    uint8_t buf[LNK_VERDICT_MAX_BYTES];
    size_t len = 0;
    assert_int_equal(lnk_verdict_encode(&v, buf, sizeof buf, &len), 0);
    lnk_verdict back;
    char field[64];
    assert_int_equal(lnk_verdict_decode(buf, len, &back, field, sizeof field), 0);
    assert_memory_equal(back.link_id, v.link_id, sizeof v.link_id);
    assert_memory_equal(back.reason, v.reason, sizeof v.reason);
    assert_false(back.ok);
    assert_int_equal(back.rtt_us, 7);
    assert_int_equal(lnk_verdict_encode(&v, buf, 10, &len), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_report_decodes),
        cmocka_unit_test(test_bad_fields_are_named),
        cmocka_unit_test(test_optional_fields_may_be_empty),
        cmocka_unit_test(test_garbage_and_oversize_refused),
        cmocka_unit_test(test_verdict_decodes),
        cmocka_unit_test(test_verdict_encodes_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
