#!/usr/bin/env bash
# Hub integration on real processes: a numbered stream is published while
#  - a durable subscriber is kill -9'd mid-stream and restarted (resumes after its ack),
#  - a slow subscriber (sleeps in its callback, tiny SUB queue: PUB drops) keeps up by replay,
#  - the hub itself is kill -9'd and restarted.
# Every acknowledged seq must be in the hub's log afterwards and must have reached
# both subscribers (duplicates allowed), in order within each subscriber run.
set -u
B=${OUTRIG_BUILD_DIR:?}
HUB=$B/services/hub/outrig-hub
TOOL=$B/tests/hub_pubsub_tool
D=$(mktemp -d /tmp/hub_it.XXXXXX)
URL=ipc://$D/run/hub.sock
PIDS=()
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$D"
}
trap cleanup EXIT

start_hub() {
    "$HUB" --run-dir "$D/run" --data-dir "$D/data" --listen "$URL" --log-level warn \
        2>>"$D/hub.log" &
    HUB_PID=$!
    PIDS+=("$HUB_PID")
    for _ in $(seq 100); do "$TOOL" info "$URL" >/dev/null 2>&1 && return 0; sleep 0.1; done
    cat "$D/hub.log" >&2
    fail "hub did not come up"
}
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
wait_lines() {   # file count timeout_s
    for _ in $(seq $(($3 * 10))); do [ "$(lines "$1")" -ge "$2" ] && return 0; sleep 0.1; done
    return 1
}
stop_pid() { kill "$1" 2>/dev/null; wait "$1"; }   # returns the exit status

start_hub
"$TOOL" sub "$URL" durable1 0 0 0 "$D/dur.a" 2>>"$D/sub.log" & DUR=$!; PIDS+=("$DUR")
"$TOOL" sub "$URL" - 1 300 2 "$D/slow" 2>>"$D/sub.log" & SLOW=$!; PIDS+=("$SLOW")
sleep 0.5
COUNT=20000
"$TOOL" pub "$URL" $COUNT 5 200 "$D/acked" & PUB=$!; PIDS+=("$PUB")

# Durable subscriber: kill -9 mid-stream, restart under the same name.
wait_lines "$D/dur.a" 3000 30 || fail "durable subscriber got no events"
kill -9 "$DUR"; wait "$DUR" 2>/dev/null
sleep 0.3
"$TOOL" sub "$URL" durable1 0 0 0 "$D/dur.b" 2>>"$D/sub.log" & DUR=$!; PIDS+=("$DUR")

# The hub: kill -9 mid-stream, restart on the same data.
wait_lines "$D/acked" 2500 30 || fail "publisher stalled"
kill -9 "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
ACKED_AT_KILL=$(tail -1 "$D/acked" | cut -d' ' -f2)
sleep 0.3
start_hub

for _ in $(seq 900); do kill -0 "$PUB" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PUB" 2>/dev/null; then
    echo "publisher stuck at: $(tail -1 "$D/acked")" >&2
    gdb -p "$PUB" -batch -ex "thread apply all bt" 2>/dev/null | grep -E "^#|^Thread" | head -60 >&2
    fail "publisher made no progress after the hub restart"
fi
wait "$PUB" || fail "publisher failed"
LAST=$(tail -1 "$D/acked" | cut -d' ' -f2)
[ "$LAST" -ge $COUNT ] || fail "only $LAST events acknowledged"

# Expected: every acknowledged seq.
awk '{for (s = $1; s <= $2; s++) print s}' "$D/acked" | sort -n -u >"$D/want"
NWANT=$(lines "$D/want")
have() { cat "$@" 2>/dev/null | sort -n -u | comm -23 "$D/want" - | wc -l; }
for _ in $(seq 600); do
    [ "$(have "$D/dur.a" "$D/dur.b")" -eq 0 ] && [ "$(have "$D/slow")" -eq 0 ] && break
    sleep 0.1
done
stop_pid "$DUR" || fail "durable subscriber exited with $?"
stop_pid "$SLOW" || fail "slow subscriber exited with $?"

"$TOOL" dump "$URL" "$D/log" || fail "dump failed"
MISS_LOG=$(have "$D/log")
MISS_DUR=$(have "$D/dur.a" "$D/dur.b")
MISS_SLOW=$(have "$D/slow")
echo "acked=$NWANT (at hub kill: $ACKED_AT_KILL)" \
    "durable: a=$(lines "$D/dur.a") b=$(lines "$D/dur.b") slow=$(lines "$D/slow")"
cat "$D/sub.log"
[ "$MISS_LOG" -eq 0 ] || fail "$MISS_LOG acknowledged events lost by the hub"
[ "$MISS_DUR" -eq 0 ] || fail "durable subscriber missed $MISS_DUR events"
[ "$MISS_SLOW" -eq 0 ] || fail "slow subscriber missed $MISS_SLOW events"
# The restarted durable subscriber resumed near its ack, not from the start.
FIRST_B=$(head -1 "$D/dur.b")
[ "$FIRST_B" -gt 1 ] || fail "durable subscriber restarted from the beginning"
# In order within each run (one category).
for f in dur.a dur.b slow; do
    sort -n -c "$D/$f" 2>/dev/null || fail "$f out of order"
    [ -z "$(uniq -d "$D/$f")" ] || fail "$f has duplicates within one run"
done
# The slow subscriber really lost live messages and recovered them by replay.
grep -q "sub -: .* gaps [1-9]" "$D/sub.log" || grep -q "sub -: .* replayed [1-9]" "$D/sub.log" \
    || fail "the slow subscriber never needed a replay: the test did not exercise loss"
stop_pid "$HUB_PID" || { cat "$D/hub.log" >&2; fail "hub exited with $?"; }
if grep -E "Sanitizer|runtime error" "$D/hub.log" "$D/sub.log" >&2; then fail "sanitizer report"; fi
[ -z "$(ls "$D/run")" ] || fail "run dir not clean: $(ls "$D/run")"
echo PASS
