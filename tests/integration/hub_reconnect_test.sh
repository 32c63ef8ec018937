#!/usr/bin/env bash
# The hub client recovers when the hub died in the middle of connection
# handshakes: nng 1.5's dialer can then stop redialling for good. Here the
# hub is kill -9'd and, while it is down, something accepts connections on its
# socket paths and closes them at once; then the hub comes back. A subscriber
# and a publisher that were connected before must get going again.
set -u
B=${OUTRIG_BUILD_DIR:?}
. "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
TOOL=$B/tests/hub_pubsub_tool
T=$(mktemp -d /tmp/hub_rc.XXXXXX)
RUN=$T/run
URL=ipc://$RUN/hub.sock
lib_trap 0

cat >"$T/closer.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
PY

start_hub
"$TOOL" sub "$URL" - 1 0 0 "$T/sub" 2>"$T/sub.log" & SUB=$!; PIDS+=("$SUB")
"$TOOL" pub "$URL" 10 10 0 "$T/acked" || die "first publish failed"
sleep 0.5
kill -9 "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
rm -f "$T/run/hub.sock" "$T/run/hub-pub.sock"
python3 "$T/closer.py" "$T/run/hub.sock" & C1=$!; PIDS+=("$C1")
python3 "$T/closer.py" "$T/run/hub-pub.sock" & C2=$!; PIDS+=("$C2")
# Meanwhile a publisher keeps trying (and fails) against the closer.
"$TOOL" pub "$URL" 1000 10 1000 "$T/acked" 2>"$T/pub.log" & PUB=$!; PIDS+=("$PUB")
sleep 2
kill "$C1" "$C2"; wait "$C1" "$C2" 2>/dev/null
rm -f "$T/run/hub.sock" "$T/run/hub-pub.sock"
start_hub
for _ in $(seq 300); do kill -0 "$PUB" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PUB" 2>/dev/null && die "publisher never reconnected: $(tail -1 "$T/acked")"
wait "$PUB" || die "publisher failed"
awk '{for (s = $1; s <= $2; s++) print s}' "$T/acked" | sort -n -u >"$T/want"
for _ in $(seq 300); do
    [ "$(sort -n -u "$T/sub" | comm -23 "$T/want" - | wc -l)" -eq 0 ] && break
    sleep 0.1
done
MISS=$(sort -n -u "$T/sub" | comm -23 "$T/want" - | wc -l)
kill "$SUB"; wait "$SUB" || die "subscriber exited with $?"
cat "$T/sub.log" "$T/pub.log"
[ "$MISS" -eq 0 ] || die "subscriber missed $MISS of $(wc -l <"$T/want") events"
kill "$HUB_PID"; wait "$HUB_PID" || die "hub exited with $?"
echo PASS
