// outrig-hub domain: validation with field paths, sequencing with prev per
// category, record layout, replay filter, EventBatch framing; and the
// client-side event checks of common/hub.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "hub/hub.h"
#include "hub/internal.h"

static Outrig__V1__Event *ev_new(const char *cat, const char *type)
{
    Outrig__V1__Event *e = calloc(1, sizeof *e);
    outrig__v1__event__init(e);
    e->category = (char *)cat;
    e->type = (char *)type;
    return e;
}

typedef struct req_fix {
    Outrig__V1__PublishRequest req;
    Outrig__V1__Event *ev[8];
} req_fix;

static void req_init(req_fix *f, const char *const *cats, size_t n)
{
    outrig__v1__publish_request__init(&f->req);
    for (size_t i = 0; i < n; i++)
        f->ev[i] = ev_new(cats[i], "started");
    f->req.events = f->ev;
    f->req.n_events = n;
}

static void req_done(req_fix *f)
{
    for (size_t i = 0; i < f->req.n_events; i++)
        free(f->ev[i]);
}

static void test_hub_category_rule(void **state)
{
    assert_true(hub_category_valid("vnf"));
    assert_true(hub_category_valid("op"));
    assert_true(hub_category_valid("my_cat-2"));
    assert_true(hub_category_valid("a234567890123456789012345678901b"));   // 32
    assert_false(hub_category_valid("a234567890123456789012345678901bc")); // 33
    assert_false(hub_category_valid(""));
    assert_false(hub_category_valid(NULL));
    assert_false(hub_category_valid("Vnf"));
    assert_false(hub_category_valid("1ns"));
    assert_false(hub_category_valid("vnf.started"));
    assert_false(hub_category_valid("a b"));
}

static void test_hub_publish_check_names_the_field(void **state)
{
    const char *cats[] = {"vnf", "ns", "vnf", "Bad"};
    req_fix f;
    req_init(&f, cats, 4);
    rpc_status st = {0};
    assert_int_equal(hubd_check_publish(&f.req, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[3].category");
    f.ev[3]->category = "host";
    f.ev[1]->type = "";
    assert_int_equal(hubd_check_publish(&f.req, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[1].type");
    f.ev[1]->type = "with\nnewline";
    assert_int_equal(hubd_check_publish(&f.req, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[1].type");
    f.ev[1]->type = "stopped";
    f.ev[2]->category = "";
    assert_int_equal(hubd_check_publish(&f.req, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[2].category");
    f.ev[2]->category = "vnf";
    f.ev[0]->payload.len = HUB_PAYLOAD_MAX + 1;
    assert_int_equal(hubd_check_publish(&f.req, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[0].payload");
    f.ev[0]->payload.len = 0;
    char longid[HUBD_ID_MAX + 2];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    f.ev[0]->id = longid;
    assert_int_equal(hubd_check_publish(&f.req, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[0].id");
    f.ev[0]->id = "vnf-1";
    assert_int_equal(hubd_check_publish(&f.req, &st), RPC_OK);
    size_t n = f.req.n_events;
    f.req.n_events = 0;
    assert_int_equal(hubd_check_publish(&f.req, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events");
    f.req.n_events = n;
    req_done(&f);
}

static void test_hub_replay_check_and_subscriber_names(void **state)
{
    Outrig__V1__ReplayRequest r = OUTRIG__V1__REPLAY_REQUEST__INIT;
    char *cats[] = {"vnf", "NS"};
    r.categories = cats;
    r.n_categories = 2;
    rpc_status st = {0};
    assert_int_equal(hubd_check_replay(&r, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "categories[1]");
    r.n_categories = 1;
    assert_int_equal(hubd_check_replay(&r, &st), RPC_OK);
    assert_true(hubd_subscriber_name_valid("orchestrator.vnf-1_a"));
    assert_false(hubd_subscriber_name_valid(""));
    assert_false(hubd_subscriber_name_valid("a/b"));
    assert_false(hubd_subscriber_name_valid("has space"));
    char big[HUBD_SUBSCRIBER_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(hubd_subscriber_name_valid(big));
}

static void test_hub_assign_prev_per_category(void **state)
{
    hubd_seqmap *m = hubd_seqmap_new();
    const char *c1[] = {"vnf", "ns", "vnf"};
    req_fix a;
    req_init(&a, c1, 3);
    assert_int_equal(hubd_seqmap_reserve(m, &a.req), 0);
    hubd_assign(m, &a.req, 1, 1000);
    assert_int_equal(a.ev[0]->seq, 1);
    assert_int_equal(a.ev[0]->prev, 0);
    assert_int_equal(a.ev[1]->seq, 2);
    assert_int_equal(a.ev[1]->prev, 0);
    assert_int_equal(a.ev[2]->seq, 3);
    assert_int_equal(a.ev[2]->prev, 1);
    assert_int_equal(a.ev[2]->time_unix_ms, 1000);
    // The next call of the same write batch continues the chains.
    const char *c2[] = {"ns", "host", "vnf"};
    req_fix b;
    req_init(&b, c2, 3);
    assert_int_equal(hubd_seqmap_reserve(m, &b.req), 0);
    hubd_assign(m, &b.req, 4, 1001);
    assert_int_equal(b.ev[0]->prev, 2);
    assert_int_equal(b.ev[1]->prev, 0);
    assert_int_equal(b.ev[2]->prev, 3);
    assert_int_equal(hubd_seqmap_last(m, "vnf"), 6);
    assert_int_equal(hubd_seqmap_last(m, "ns"), 4);
    assert_int_equal(hubd_seqmap_last(m, "nope"), 0);
    assert_int_equal(hubd_seqmap_count(m), 3);
    req_done(&a);
    req_done(&b);
    hubd_seqmap_free(m);
    hubd_seqmap_free(NULL);
}

static void test_hub_seqmap_bounds_categories(void **state)
{
    hubd_seqmap *m = hubd_seqmap_new();
    char name[16];
    for (int i = 0; i < HUBD_MAX_CATEGORIES; i++) {
        snprintf(name, sizeof name, "c%d", i);
        assert_int_equal(hubd_seqmap_set(m, name, (uint64_t)i + 1), 0);
    }
    assert_int_equal(hubd_seqmap_set(m, "one-more", 5), -ENOSPC);
    assert_int_equal(hubd_seqmap_set(m, "c7", 99), 0); // known ones still update
    assert_int_equal(hubd_seqmap_last(m, "c7"), 99);
    const char *cats[] = {"c1", "fresh"};
    req_fix f;
    req_init(&f, cats, 2);
    assert_int_equal(hubd_seqmap_reserve(m, &f.req), -ENOSPC);
    assert_int_equal(hubd_seqmap_count(m), HUBD_MAX_CATEGORIES); // unchanged
    req_done(&f);
    hubd_seqmap_free(m);
}

static void test_hub_record_roundtrip_and_filter(void **state)
{
    Outrig__V1__Event *e = ev_new("vnf", "started");
    e->seq = 42;
    e->prev = 40;
    e->id = "vnf-7";
    e->payload.data = (uint8_t *)"abc";
    e->payload.len = 3;
    size_t n = hubd_record_size(e);
    uint8_t *buf = malloc(n);
    size_t off = hubd_record_pack(e, buf);
    const char *cat;
    size_t catlen, elen;
    const uint8_t *packed;
    assert_int_equal(hubd_record_split(buf, n, &cat, &catlen, &packed, &elen), 0);
    assert_int_equal(catlen, 3);
    assert_memory_equal(cat, "vnf", 3);
    assert_ptr_equal(packed, buf + off);
    Outrig__V1__Event *d = outrig__v1__event__unpack(NULL, elen, packed);
    assert_non_null(d);
    assert_int_equal(d->seq, 42);
    assert_int_equal(d->prev, 40);
    assert_string_equal(d->id, "vnf-7");
    protobuf_c_message_free_unpacked(&d->base, NULL);
    // Malformed records are refused, not read past.
    assert_int_equal(hubd_record_split(buf, 0, &cat, &catlen, &packed, &elen), -EINVAL);
    assert_int_equal(hubd_record_split(buf, 3, &cat, &catlen, &packed, &elen), -EINVAL);
    uint8_t zero = 0;
    assert_int_equal(hubd_record_split(&zero, 1, &cat, &catlen, &packed, &elen), -EINVAL);
    char *f1[] = {"ns", "vnf"};
    assert_true(hubd_filter_match(f1, 2, "vnf", 3));
    assert_false(hubd_filter_match(f1, 2, "vn", 2));
    assert_false(hubd_filter_match(f1, 1, "vnf", 3));
    assert_true(hubd_filter_match(NULL, 0, "anything", 8));
    free(buf);
    free(e);
}

static void test_hub_batch_framing_decodes_as_event_batch(void **state)
{
    // Two events framed one after the other must decode as one EventBatch.
    uint8_t out[70000];
    size_t pos = 0;
    Outrig__V1__Event *e = ev_new("ns", "created");
    static uint8_t big[300];
    memset(big, 7, sizeof big);
    for (int i = 0; i < 2; i++) {
        e->seq = (uint64_t)i + 10;
        e->payload.data = big;
        e->payload.len = i ? sizeof big : 1; // one short, one with a 2-byte length
        uint8_t packed[512];
        size_t len = protobuf_c_message_pack(&e->base, packed);
        size_t w = hubd_batch_entry_write(out + pos, packed, len);
        assert_int_equal(w, hubd_batch_entry_size(len));
        pos += w;
    }
    Outrig__V1__EventBatch *b = outrig__v1__event_batch__unpack(NULL, pos, out);
    assert_non_null(b);
    assert_int_equal(b->n_events, 2);
    assert_int_equal(b->events[0]->seq, 10);
    assert_int_equal(b->events[1]->seq, 11);
    assert_int_equal(b->events[1]->payload.len, sizeof big);
    protobuf_c_message_free_unpacked(&b->base, NULL);
    free(e);
}

static void test_hub_client_event_check(void **state)
{
    hub_event ok = {.category = "vnf", .type = "started"};
    assert_int_equal(hub_event_check(&ok), 0);
    hub_event bad = ok;
    bad.category = "VNF";
    assert_int_equal(hub_event_check(&bad), -EINVAL);
    bad = ok;
    bad.type = "";
    assert_int_equal(hub_event_check(&bad), -EINVAL);
    bad = ok;
    bad.payload_len = 3; // no payload pointer
    assert_int_equal(hub_event_check(&bad), -EINVAL);
    assert_int_equal(hub_event_check(NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hub_category_rule),
        cmocka_unit_test(test_hub_publish_check_names_the_field),
        cmocka_unit_test(test_hub_replay_check_and_subscriber_names),
        cmocka_unit_test(test_hub_assign_prev_per_category),
        cmocka_unit_test(test_hub_seqmap_bounds_categories),
        cmocka_unit_test(test_hub_record_roundtrip_and_filter),
        cmocka_unit_test(test_hub_batch_framing_decodes_as_event_batch),
        cmocka_unit_test(test_hub_client_event_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
