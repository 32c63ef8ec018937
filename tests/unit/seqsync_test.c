// seqsync: per-topic gap detection, duplicates, catch-up and position.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "seqsync/seqsync.h"

static seqsync_verdict offer(seqsync *s, const char *t, uint64_t seq, uint64_t prev, uint64_t *from)
{
    return seqsync_offer(s, t, seq, prev, from);
}

static void test_seqsync_in_order_delivers(void **state)
{
    seqsync *s = seqsync_new(1);
    assert_non_null(s);
    uint64_t from = 0;
    assert_int_equal(offer(s, "vnf", 1, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 2, 1, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "ns", 3, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 4, 2, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 4);
    seqsync_free(s);
}

static void test_seqsync_duplicate_is_skipped(void **state)
{
    seqsync *s = seqsync_new(1);
    uint64_t from = 0;
    assert_int_equal(offer(s, "vnf", 1, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 2, 1, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 2, 1, &from), SEQSYNC_SKIP);
    assert_int_equal(offer(s, "vnf", 1, 0, &from), SEQSYNC_SKIP);
    seqsync_free(s);
}

static void test_seqsync_items_before_from_are_skipped(void **state)
{
    seqsync *s = seqsync_new(10);
    uint64_t from = 0;
    assert_int_equal(offer(s, "vnf", 9, 5, &from), SEQSYNC_SKIP);
    // prev 9 < from: nothing of the topic is missing.
    assert_int_equal(offer(s, "vnf", 12, 9, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 12);
    seqsync_free(s);
}

static void test_seqsync_gap_on_a_topic_asks_replay(void **state)
{
    seqsync *s = seqsync_new(1);
    uint64_t from = 0;
    assert_int_equal(offer(s, "vnf", 1, 0, &from), SEQSYNC_DELIVER);
    // vnf 2 was lost: 3 says its prev is 2.
    assert_int_equal(offer(s, "vnf", 3, 2, &from), SEQSYNC_GAP);
    assert_int_equal(from, 2);
    assert_int_equal(seqsync_position(s), 1);
    // The replay fills the hole, then the live item is a duplicate.
    assert_int_equal(offer(s, "vnf", 2, 1, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 3, 2, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 3, 2, &from), SEQSYNC_SKIP);
    assert_int_equal(seqsync_position(s), 3);
    seqsync_free(s);
}

static void test_seqsync_gap_found_after_other_topics_advanced(void **state)
{
    seqsync *s = seqsync_new(1);
    uint64_t from = 0;
    assert_int_equal(offer(s, "vnf", 1, 0, &from), SEQSYNC_DELIVER);
    // vnf 2 lost; other topics go on, their holes in the global seq are not loss.
    assert_int_equal(offer(s, "ns", 3, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "ns", 5, 3, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 6, 2, &from), SEQSYNC_GAP);
    assert_int_equal(from, 2);
    // Position may not pass the hole even though ns went further.
    assert_int_equal(seqsync_position(s), 1);
    // Replay from 2: vnf 2 new, ns 3 and 5 duplicates, vnf 6 new.
    assert_int_equal(offer(s, "vnf", 2, 1, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "ns", 3, 0, &from), SEQSYNC_SKIP);
    assert_int_equal(offer(s, "ns", 5, 3, &from), SEQSYNC_SKIP);
    assert_int_equal(offer(s, "vnf", 6, 2, &from), SEQSYNC_DELIVER);
    seqsync_caught_up(s, 6);
    assert_int_equal(seqsync_position(s), 6);
    seqsync_free(s);
}

static void test_seqsync_gap_on_unseen_topic(void **state)
{
    seqsync *s = seqsync_new(5);
    uint64_t from = 0;
    // The first item of a topic after from says an earlier one (7) exists.
    assert_int_equal(offer(s, "host", 9, 7, &from), SEQSYNC_GAP);
    assert_int_equal(from, 5);
    assert_int_equal(seqsync_position(s), 4);
    seqsync_free(s);
}

static void test_seqsync_caught_up_moves_floor(void **state)
{
    seqsync *s = seqsync_new(1);
    uint64_t from = 0;
    assert_int_equal(offer(s, "vnf", 1, 0, &from), SEQSYNC_DELIVER);
    // A replay up to 10 offered everything: an item whose prev is 8 follows on.
    seqsync_caught_up(s, 10);
    assert_int_equal(seqsync_position(s), 10);
    assert_int_equal(seqsync_poll_from(s), 11);
    assert_int_equal(offer(s, "vnf", 7, 1, &from), SEQSYNC_SKIP);
    assert_int_equal(offer(s, "vnf", 11, 8, &from), SEQSYNC_DELIVER);
    // caught_up never moves back.
    seqsync_caught_up(s, 3);
    assert_int_equal(seqsync_poll_from(s), 11);
    seqsync_free(s);
}

static void test_seqsync_caught_up_clears_pending_gap(void **state)
{
    seqsync *s = seqsync_new(1);
    uint64_t from = 0;
    assert_int_equal(offer(s, "vnf", 1, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 4, 3, &from), SEQSYNC_GAP);
    assert_int_equal(seqsync_position(s), 1);
    // The replay found nothing more (retention removed it): caught up to 4.
    seqsync_caught_up(s, 4);
    assert_int_equal(seqsync_position(s), 4);
    assert_int_equal(offer(s, "vnf", 4, 3, &from), SEQSYNC_SKIP);
    assert_int_equal(offer(s, "vnf", 5, 4, &from), SEQSYNC_DELIVER);
    seqsync_free(s);
}

static void test_seqsync_position_with_pending_gap(void **state)
{
    seqsync *s = seqsync_new(1);
    uint64_t from = 0;
    assert_int_equal(offer(s, "a", 1, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "b", 2, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "a", 3, 1, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "b", 6, 4, &from), SEQSYNC_GAP); // b 4 lost
    assert_int_equal(from, 3);
    assert_int_equal(offer(s, "a", 7, 3, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 2); // b's floor
    assert_int_equal(offer(s, "b", 4, 2, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 7);
    seqsync_free(s);
}

static void test_seqsync_null_topic_and_free_null(void **state)
{
    seqsync_free(NULL);
    seqsync *s = seqsync_new(0);
    uint64_t from = 0;
    assert_int_equal(offer(s, NULL, 1, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "", 1, 0, &from), SEQSYNC_SKIP);
    seqsync_free(s);
}

static void test_seqsync_all_topics_position_is_exact(void **state)
{
    seqsync *s = seqsync_new(1);
    assert_int_equal(seqsync_follow(s, NULL), 0);
    uint64_t from = 0;
    // One hub batch arrives as one message per category: 1,3 (vnf) then 2,4 (ns).
    assert_int_equal(offer(s, "vnf", 1, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 3, 1, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 1);
    assert_int_equal(offer(s, "ns", 2, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 3);
    assert_int_equal(offer(s, "ns", 4, 2, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 4);
    // ns 5 is lost and nothing more of ns comes: the position stays before it
    // and a poll replays from there.
    assert_int_equal(offer(s, "vnf", 6, 3, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 4);
    assert_int_equal(seqsync_poll_from(s), 5);
    assert_int_equal(offer(s, "ns", 5, 4, &from), SEQSYNC_DELIVER); // from the poll
    assert_int_equal(offer(s, "vnf", 6, 3, &from), SEQSYNC_SKIP);
    seqsync_caught_up(s, 6);
    assert_int_equal(seqsync_position(s), 6);
    assert_int_equal(seqsync_poll_from(s), 7);
    seqsync_free(s);
}

static void test_seqsync_listed_topics_bound_position(void **state)
{
    seqsync *s = seqsync_new(1);
    const char *const topics[] = {"vnf", "ns", NULL};
    assert_int_equal(seqsync_follow(s, topics), 0);
    uint64_t from = 0;
    assert_int_equal(offer(s, "vnf", 2, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 7, 2, &from), SEQSYNC_DELIVER);
    // Nothing is known of ns after 0: an ns item at 5 may have been lost.
    assert_int_equal(seqsync_position(s), 0);
    assert_int_equal(seqsync_poll_from(s), 1);
    assert_int_equal(offer(s, "ns", 5, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 5);
    assert_int_equal(seqsync_poll_from(s), 6);
    seqsync_caught_up(s, 9);
    assert_int_equal(seqsync_position(s), 9);
    assert_int_equal(seqsync_poll_from(s), 10);
    seqsync_free(s);
}

static void test_seqsync_topic_caught_up_moves_one_floor(void **state)
{
    seqsync *s = seqsync_new(1);
    const char *const topics[] = {"vnf", "ns", NULL};
    assert_int_equal(seqsync_follow(s, topics), 0);
    uint64_t from = 0;
    assert_int_equal(offer(s, "ns", 3, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(offer(s, "vnf", 9, 0, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 3); // ns is quiet since 3
    assert_int_equal(seqsync_topic_floor(s, "ns"), 3);
    // A replay of ns alone up to 12 found nothing more.
    seqsync_topic_caught_up(s, "ns", 12);
    assert_int_equal(seqsync_topic_floor(s, "ns"), 12);
    assert_int_equal(seqsync_topic_floor(s, "vnf"), 9);
    assert_int_equal(seqsync_position(s), 9);
    assert_int_equal(offer(s, "ns", 11, 3, &from), SEQSYNC_SKIP);
    assert_int_equal(offer(s, "ns", 14, 3, &from), SEQSYNC_DELIVER);
    // It also settles a pending gap of that topic.
    assert_int_equal(offer(s, "vnf", 20, 15, &from), SEQSYNC_GAP);
    assert_int_equal(seqsync_position(s), 9);
    seqsync_topic_caught_up(s, "vnf", 19);
    assert_int_equal(offer(s, "vnf", 20, 15, &from), SEQSYNC_DELIVER);
    assert_int_equal(seqsync_position(s), 14);
    assert_int_equal(seqsync_topic_floor(s, "unknown"), 0);
    seqsync_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seqsync_in_order_delivers),
        cmocka_unit_test(test_seqsync_duplicate_is_skipped),
        cmocka_unit_test(test_seqsync_items_before_from_are_skipped),
        cmocka_unit_test(test_seqsync_gap_on_a_topic_asks_replay),
        cmocka_unit_test(test_seqsync_gap_found_after_other_topics_advanced),
        cmocka_unit_test(test_seqsync_gap_on_unseen_topic),
        cmocka_unit_test(test_seqsync_caught_up_moves_floor),
        cmocka_unit_test(test_seqsync_caught_up_clears_pending_gap),
        cmocka_unit_test(test_seqsync_position_with_pending_gap),
        cmocka_unit_test(test_seqsync_null_topic_and_free_null),
        cmocka_unit_test(test_seqsync_all_topics_position_is_exact),
        cmocka_unit_test(test_seqsync_listed_topics_bound_position),
        cmocka_unit_test(test_seqsync_topic_caught_up_moves_one_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
