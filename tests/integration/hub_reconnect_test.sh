#!/usr/bin/env bash
# The hub client recovers when the hub died in the middle of connection
# handshakes: nng 1.5's dialer can then stop redialling for good. Here the
# hub is kill -9'd and, while it is down, something accepts connections on its
# socket paths and closes them at once; then the hub comes back. A subscriber
# and a publisher that were connected before must get going again.
set -u
B=${OUTRIG_BUILD_DIR:?}
HUB=$B/services/hub/outrig-hub
TOOL=$B/tests/hub_pubsub_tool
D=$(mktemp -d /tmp/hub_rc.XXXXXX)
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
    fail "hub did not come up"
}
cat >"$D/closer.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
PY

start_hub
"$TOOL" sub "$URL" - 1 0 0 "$D/sub" 2>"$D/sub.log" & SUB=$!; PIDS+=("$SUB")
"$TOOL" pub "$URL" 10 10 0 "$D/acked" || fail "first publish failed"
sleep 0.5
kill -9 "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
rm -f "$D/run/hub.sock" "$D/run/hub-pub.sock"
python3 "$D/closer.py" "$D/run/hub.sock" & C1=$!; PIDS+=("$C1")
python3 "$D/closer.py" "$D/run/hub-pub.sock" & C2=$!; PIDS+=("$C2")
# Meanwhile a publisher keeps trying (and fails) against the closer.
"$TOOL" pub "$URL" 1000 10 1000 "$D/acked" 2>"$D/pub.log" & PUB=$!; PIDS+=("$PUB")
sleep 2
kill "$C1" "$C2"; wait "$C1" "$C2" 2>/dev/null
rm -f "$D/run/hub.sock" "$D/run/hub-pub.sock"
start_hub
for _ in $(seq 300); do kill -0 "$PUB" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PUB" 2>/dev/null && fail "publisher never reconnected: $(tail -1 "$D/acked")"
wait "$PUB" || fail "publisher failed"
awk '{for (s = $1; s <= $2; s++) print s}' "$D/acked" | sort -n -u >"$D/want"
for _ in $(seq 300); do
    [ "$(sort -n -u "$D/sub" | comm -23 "$D/want" - | wc -l)" -eq 0 ] && break
    sleep 0.1
done
MISS=$(sort -n -u "$D/sub" | comm -23 "$D/want" - | wc -l)
kill "$SUB"; wait "$SUB" || fail "subscriber exited with $?"
cat "$D/sub.log" "$D/pub.log"
[ "$MISS" -eq 0 ] || fail "subscriber missed $MISS of $(wc -l <"$D/want") events"
kill "$HUB_PID"; wait "$HUB_PID" || fail "hub exited with $?"
echo PASS
