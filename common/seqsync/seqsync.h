// seqsync: at-least-once, in-order delivery over a lossy fan-out (nng PUB/SUB)
// plus a replay RPC. Shared by the hub client (events) and the store client
// (watch). Pure logic: no sockets, clocks or threads; the caller feeds it and
// does the I/O it asks for.
//
// Every item on the stream has its own global sequence number `seq` (no two
// items share one, whatever their topics) and `prev`, the
// seq of the previous item of the same topic (0 for the first). Topics are the
// hub's categories or the store's key categories ("/vnf/"). A subscriber
// follows a set of topics; because it sees only those, the global seq has
// holes it must not mistake for loss, so loss is detected per topic through
// `prev`. Order is kept within each topic; across topics items arrive in seq
// order unless one was lost and then replayed.
#ifndef OUTRIG_SEQSYNC_H
#define OUTRIG_SEQSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct seqsync seqsync;

typedef enum {
    SEQSYNC_DELIVER, // new and in order: hand it to the application
    SEQSYNC_SKIP,    // already delivered (a duplicate from replay or live)
    SEQSYNC_GAP,     // items of its topic are missing: replay before it
} seqsync_verdict;

// A subscriber that has everything up to and including `from - 1`.
// NULL on allocation failure; free with seqsync_free (NULL is a no-op).
seqsync *seqsync_new(uint64_t from);
void seqsync_free(seqsync *s);

// Declares the followed topics, before the first offer. topics NULL = every
// topic: the global seq is then gap-free, so seqsync also tracks the highest
// seq below which every item was offered (a lost newest item holds it back),
// and position() and poll_from() are exact. A NULL-terminated list: position()
// is at most the floor of each listed topic. Without this call the set is
// unknown and position() is the optimistic bound described there.
// Returns 0 or -ENOMEM.
int seqsync_follow(seqsync *s, const char *const *topics);

// Judges a live or replayed item (topic NULL is "").
// On SEQSYNC_GAP, *replay_from is where a replay must start;
// the caller replays, offers each replayed item to seqsync_offer(), then
// offers the live item again.
seqsync_verdict seqsync_offer(seqsync *s, const char *topic, uint64_t seq, uint64_t prev,
                              uint64_t *replay_from);

// Records that the caller caught up to `head` through a replay (every item of
// the followed topics with seq <= head was offered): no topic is behind head.
void seqsync_caught_up(seqsync *s, uint64_t head);

// Records that a replay of `topic` alone reached `head`: every item of that
// topic with seq <= head was offered. Lets a subscriber of listed topics move
// a quiet topic's floor without replaying the busy ones.
void seqsync_topic_caught_up(seqsync *s, const char *topic, uint64_t head);

// The floor of a topic: every item of it with seq <= floor was offered.
uint64_t seqsync_topic_floor(const seqsync *s, const char *topic);

// The highest seq such that every followed item with seq <= it was delivered:
// what a durable subscriber acknowledges and resumes after. It stops below a
// pending gap. A topic's newest items lost with nothing after them on the live
// stream cannot be seen until the next item of that topic or a poll replay, so
// a subscriber that must not skip them polls (seqsync_poll_from) before its
// final acknowledgement.
uint64_t seqsync_position(const seqsync *s);

// Where an idle poll should replay from to detect loss of the newest items:
// one past the last head given to seqsync_caught_up (or from - 1).
uint64_t seqsync_poll_from(const seqsync *s);

#endif
