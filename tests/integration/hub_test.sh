#!/usr/bin/env bash
# Hub integration on real processes: a numbered stream is published while
#  - a durable subscriber is kill -9'd mid-stream and restarted (resumes after its ack),
#  - a slow subscriber (sleeps in its callback, tiny SUB queue: PUB drops) keeps up by replay,
#  - the hub itself is kill -9'd and restarted.
# Every acknowledged seq must be in the hub's log afterwards and must have reached
# both subscribers (duplicates allowed), in order within each subscriber run.
set -u
B=${OUTRIG_BUILD_DIR:?}
. "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
TOOL=$B/tests/hub_pubsub_tool
T=$(mktemp -d /tmp/hub_it.XXXXXX)
RUN=$T/run
URL=ipc://$RUN/hub.sock
lib_trap 0

lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
wait_lines() {   # file count timeout_s
    for _ in $(seq $(($3 * 10))); do [ "$(lines "$1")" -ge "$2" ] && return 0; sleep 0.1; done
    return 1
}
stop_pid() { kill "$1" 2>/dev/null; wait "$1"; }   # returns the exit status

start_hub
"$TOOL" sub "$URL" durable1 0 0 0 "$T/dur.a" 2>>"$T/sub.log" & DUR=$!; PIDS+=("$DUR")
"$TOOL" sub "$URL" - 1 300 2 "$T/slow" 2>>"$T/sub.log" & SLOW=$!; PIDS+=("$SLOW")
sleep 0.5
COUNT=20000
"$TOOL" pub "$URL" $COUNT 5 200 "$T/acked" & PUB=$!; PIDS+=("$PUB")

# Durable subscriber: kill -9 mid-stream, restart under the same name.
wait_lines "$T/dur.a" 3000 30 || die "durable subscriber got no events"
# Let it acknowledge once (the client acks every second) so that resuming after the
# ack, not from the start, is what the restart must show.
sleep 1.3
kill -9 "$DUR"; wait "$DUR" 2>/dev/null
sleep 0.3
"$TOOL" sub "$URL" durable1 0 0 0 "$T/dur.b" 2>>"$T/sub.log" & DUR=$!; PIDS+=("$DUR")

# The hub: kill -9 mid-stream, restart on the same data.
wait_lines "$T/acked" 2500 30 || die "publisher stalled"
kill -9 "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
ACKED_AT_KILL=$(tail -1 "$T/acked" | cut -d' ' -f2)
sleep 0.3
start_hub

for _ in $(seq 900); do kill -0 "$PUB" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PUB" 2>/dev/null; then
    echo "publisher stuck at: $(tail -1 "$T/acked")" >&2
    gdb -p "$PUB" -batch -ex "thread apply all bt" 2>/dev/null | grep -E "^#|^Thread" | head -60 >&2
    die "publisher made no progress after the hub restart"
fi
wait "$PUB" || die "publisher failed"
LAST=$(tail -1 "$T/acked" | cut -d' ' -f2)
[ "$LAST" -ge $COUNT ] || die "only $LAST events acknowledged"

# Expected: every acknowledged seq.
# comm needs both sides in the same (byte) order, not numeric order.
awk '{for (s = $1; s <= $2; s++) print s}' "$T/acked" | LC_ALL=C sort -u >"$T/want"
NWANT=$(lines "$T/want")
have() { cat "$@" 2>/dev/null | LC_ALL=C sort -u | LC_ALL=C comm -23 "$T/want" - | wc -l; }
for _ in $(seq 600); do
    [ "$(have "$T/dur.a" "$T/dur.b")" -eq 0 ] && [ "$(have "$T/slow")" -eq 0 ] && break
    sleep 0.1
done
stop_pid "$DUR" || die "durable subscriber exited with $?"
stop_pid "$SLOW" || die "slow subscriber exited with $?"

"$TOOL" dump "$URL" "$T/log" || die "dump failed"
MISS_LOG=$(have "$T/log")
MISS_DUR=$(have "$T/dur.a" "$T/dur.b")
MISS_SLOW=$(have "$T/slow")
echo "acked=$NWANT (at hub kill: $ACKED_AT_KILL)" \
    "durable: a=$(lines "$T/dur.a") b=$(lines "$T/dur.b") slow=$(lines "$T/slow")"
cat "$T/sub.log"
[ "$MISS_LOG" -eq 0 ] || die "$MISS_LOG acknowledged events lost by the hub"
[ "$MISS_DUR" -eq 0 ] || die "durable subscriber missed $MISS_DUR events"
[ "$MISS_SLOW" -eq 0 ] || die "slow subscriber missed $MISS_SLOW events"
# The restarted durable subscriber resumed near its ack, not from the start.
FIRST_B=$(head -1 "$T/dur.b")
[ "$FIRST_B" -gt 1 ] || die "durable subscriber restarted from the beginning"
# In order within each run (one category).
for f in dur.a dur.b slow; do
    sort -n -c "$T/$f" 2>/dev/null || die "$f out of order"
    [ -z "$(uniq -d "$T/$f")" ] || die "$f has duplicates within one run"
done
# The slow subscriber really lost live messages and recovered them by replay.
grep -q "sub -: .* gaps [1-9]" "$T/sub.log" || grep -q "sub -: .* replayed [1-9]" "$T/sub.log" \
    || die "the slow subscriber never needed a replay: the test did not exercise loss"
stop_pid "$HUB_PID" || { cat "$T/hub.log" >&2; die "hub exited with $?"; }
if grep -E "Sanitizer|runtime error" "$T/hub.log" "$T/sub.log" >&2; then die "sanitizer report"; fi
[ -z "$(ls "$T/run")" ] || die "run dir not clean: $(ls "$T/run")"
echo PASS
