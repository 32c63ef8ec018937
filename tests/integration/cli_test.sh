#!/usr/bin/env bash
# outrig CLI against real outrig-store and outrig-hub processes on a temporary
# run dir: store put/get/ls/del/watch and events publish/tail with -o json,
# exit codes for unreachable endpoints (3), bad arguments (2), RPC errors (1),
# and `outrig status` (without outrigd, and under outrigd when it is built).
set -u

B=${OUTRIG_BUILD_DIR:?OUTRIG_BUILD_DIR must point at the build directory}
. "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
OUTRIG=$B/tools/outrig/outrig
OUTRIGD=$B/services/outrigd/outrigd
need_bins "$OUTRIG" "$B/services/store/outrig-store" "$B/services/hub/outrig-hub"

T=$(mktemp -d /tmp/outrig-cli.XXXXXX)
RUN=$T/run
mkdir -p "$RUN"
lib_trap

# cli ARGS...: runs outrig on the temp run dir; stdout in $OUT, stderr in $ERR, exit in $RC.
cli() {
    "$OUTRIG" --run-dir "$RUN" "$@" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}
# expect_rc N WHAT: checks the last cli exit code.
expect_rc() {
    if [ "$RC" -eq "$1" ]; then ok "$2"; else fail "$2: exit $RC, want $1 (stderr: $ERR)"; fi
}
# pycheck WHAT PYTHON-EXPR: evaluates a Python expression over the last output;
# `doc` is the output parsed as one JSON document, `lines` as one object per line,
# `health` the name -> health map of a status document.
pycheck() {
    if python3 - "$2" "$T/out" <<'PY'
import json, sys
expr, path = sys.argv[1], sys.argv[2]
text = open(path).read()
lines = [json.loads(l) for l in text.splitlines() if l.strip()]
doc = lines[0] if len(lines) == 1 else None
health = {s['name']: s['health'] for s in doc['services']} if doc and 'services' in doc else None
ok = eval(expr)
if not ok:
    print("  output was:", text.strip()[:2000])
sys.exit(0 if ok else 1)
PY
    then ok "$1"; else fail "$1"; fi
}

# jget PYTHON-EXPR: prints a value of the last output, parsed as the JSON document `doc`.
jget() {
    python3 -c 'import json, sys; doc = json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' \
        "$1" "$T/out"
}

start_app store --listen "ipc://$RUN/store.sock"
start_app hub --listen "ipc://$RUN/hub.sock"
wait_for 10 test -S "$RUN/store.sock" \
    || { fail "outrig-store did not start"; cat "$T/store.log"; exit 1; }
wait_for 10 test -S "$RUN/hub.sock" \
    || { fail "outrig-hub did not start"; cat "$T/hub.log"; exit 1; }

# ---- store --------------------------------------------------------------------
cli -o json store put /vnf/a hello
expect_rc 0 "store put"
pycheck "put prints the revision" 'doc["revision"] > 0'
REV_A=$(jget 'doc["revision"]')

cli store get /vnf/a -o json
expect_rc 0 "store get -o json"
pycheck "get returns key, value and revisions" \
    "doc['key'] == '/vnf/a' and doc['value'] == 'hello' and \
     doc['mod_revision'] == $REV_A and doc['version'] == 1"

cli store get /vnf/a
expect_rc 0 "store get (table)"
if echo "$OUT" | head -1 | grep -q '^KEY  *MOD_REV' &&
    echo "$OUT" | grep -q "^/vnf/a  *$REV_A .*hello$"; then
    ok "get table shows headers and the row"
else
    fail "get table: $OUT"
fi

cli store get /vnf/a --raw
[ "$OUT" = "hello" ] && ok "get --raw prints the bare value" || fail "get --raw: '$OUT'"

printf '\000\001\377' | "$OUTRIG" --run-dir "$RUN" store put /vnf/bin - >/dev/null 2>"$T/err"
RC=$?; ERR=$(cat "$T/err")
expect_rc 0 "put - reads the value from stdin"
cli -o json store get /vnf/bin
pycheck "binary value comes back as value_base64" \
    "doc.get('value_base64') == 'AAH/' and 'value' not in doc"

cli store put /vnf/empty ""
cli -o json store get /vnf/empty
pycheck "an empty value comes back as an empty string" "doc['value'] == '' and doc['version'] == 1"
cli store del /vnf/empty

printf 'line1\nline "2"\n' >"$T/value.txt"
cli store put /vnf/file --file "$T/value.txt"
expect_rc 0 "put --file"
cli -o json store get /vnf/file
pycheck "value with newline and quotes survives JSON" "doc['value'] == 'line1\\nline \"2\"\\n'"

for i in 1 2 3 4 5; do
    cli store put "/host/h$i" "v$i"
    [ "$RC" -eq 0 ] || fail "put /host/h$i: $ERR"
done
cli -o json store ls /host/ --page 2
expect_rc 0 "ls follows continuation"
pycheck "ls with pages of 2 lists all 5 keys in order" \
    "doc['count'] == 5 and doc['kvs'][4]['value'] == 'v5' and \
     [kv['key'] for kv in doc['kvs']] == ['/host/h%d' % i for i in range(1, 6)]"
cli -o json store ls /host/ --limit 3 --page 2
pycheck "ls --limit 3 stops after 3 keys" "doc['count'] == 3 and len(doc['kvs']) == 3"
cli -o json store ls
pycheck "ls without prefix lists every key" "doc['count'] == 8"
cli store ls /host/
[ "$(echo "$OUT" | wc -l)" -eq 6 ] && ok "ls table has a header and 5 rows" || fail "ls table: $OUT"

cli -o json store del /vnf/a
expect_rc 0 "del"
pycheck "del says the key was deleted" "doc['deleted'] is True and doc['revision'] > $REV_A"
cli -o json store del /vnf/a
pycheck "del of a missing key says so" "doc['deleted'] is False"
cli store get /vnf/a
expect_rc 1 "get of a deleted key fails with exit 1"
echo "$ERR" | grep -q '^NOT_FOUND: ' && ok "get prints NOT_FOUND: message" \
    || fail "get missing: $ERR"

cli store put badkey v
expect_rc 1 "put with an invalid key fails with exit 1"
echo "$ERR" | grep -q '^INVALID_ARGUMENT: .*(key)$' \
    && ok "RPC error printed as CODE: message (field)" \
    || fail "invalid key message: $ERR"

# Catch-up: the changes happened before the watch started.
cli -o json store put /w/x 1
REV_W=$(jget 'doc["revision"]')
cli store put /w/y 2
cli store del /w/x
cli -o json --timeout 10000 store watch /w/ --from "$REV_W" --count 3
expect_rc 0 "watch --from --count returns after 3 events"
pycheck "watch catches up on past changes in order" \
    "[(e['kind'], e['key']) for e in lines] == \
         [('PUT', '/w/x'), ('PUT', '/w/y'), ('DELETE', '/w/x')] and \
     lines[0]['revision'] == $REV_W and lines[1]['value'] == '2'"

# Live: the watch is running when the changes happen.
cli -o json store put /w/z 0
REV_NEXT=$(($(jget 'doc["revision"]') + 1))
timeout 30 "$OUTRIG" --run-dir "$RUN" -o json store watch /w/ --from "$REV_NEXT" --count 2 \
    >"$T/watch.out" 2>"$T/watch.err" &
WATCH=$!
sleep 0.3
cli store put /w/live1 a
cli store put /other/x b
cli store put /w/live2 b
wait "$WATCH"; RC=$?; ERR=$(cat "$T/watch.err")
expect_rc 0 "live watch exits after --count 2"
cp "$T/watch.out" "$T/out"
pycheck "live watch sees only its prefix" \
    "[e['key'] for e in lines] == ['/w/live1', '/w/live2']"

# A watch without --count stops cleanly on SIGINT and on SIGTERM.
for sig in INT TERM; do
    "$OUTRIG" --run-dir "$RUN" store watch /w/ >/dev/null 2>&1 &
    W=$!
    sleep 0.5
    kill -"$sig" "$W"
    for _ in $(seq 50); do kill -0 "$W" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$W" 2>/dev/null; then
        fail "watch ignored SIG$sig"; kill -KILL "$W"; wait "$W" 2>/dev/null
    else
        wait "$W"; RC=$?
        expect_rc 0 "watch stops on SIG$sig"
    fi
done

# ---- events -------------------------------------------------------------------
cli -o json events publish vnf started v1 '{"cpu":2}'
expect_rc 0 "events publish"
pycheck "publish prints the seq" 'doc["seq"] > 0'
SEQ1=$(jget 'doc["seq"]')
cli events publish host up h1
cli events publish vnf stopped v1 --source test
cli events publish host up h1 extra args
expect_rc 2 "publish with too many arguments is a usage error"

cli -o json events tail --from "$SEQ1" --count 3
expect_rc 0 "tail --from --count returns after 3 events"
pycheck "tail replays every category in order" \
    "[(e['seq'] - $SEQ1, e['category'], e['type'], e['id']) for e in lines] == \
         [(0, 'vnf', 'started', 'v1'), (1, 'host', 'up', 'h1'), (2, 'vnf', 'stopped', 'v1')] and \
     lines[0]['payload'] == '{\"cpu\":2}' and lines[2]['source'] == 'test' and \
     lines[0]['time_unix_ms'] > 0"

cli -o json events tail vnf --from "$SEQ1" --count 2
pycheck "tail CATEGORY filters" \
    "[(e['category'], e['type']) for e in lines] == [('vnf', 'started'), ('vnf', 'stopped')]"

cli events tail --from "$SEQ1" --count 1
echo "$OUT" | grep -q "^$SEQ1 .* vnf\.started v1 {\"cpu\":2}$" && ok "tail table line" \
    || fail "tail table: $OUT"

timeout 30 "$OUTRIG" --run-dir "$RUN" -o json events tail host --from $((SEQ1 + 3)) --count 1 \
    >"$T/tail.out" 2>"$T/tail.err" &
TAIL=$!
sleep 0.3
cli events publish vnf other v2
cli events publish host down h2
wait "$TAIL"; RC=$?; ERR=$(cat "$T/tail.err")
expect_rc 0 "live tail exits after --count 1"
cp "$T/tail.out" "$T/out"
pycheck "live tail delivers the new event of its category" \
    "len(lines) == 1 and lines[0]['category'] == 'host' and lines[0]['type'] == 'down'"

cli events tail 'Bad!' --count 1
expect_rc 2 "tail with a bad category is a usage error"

# ---- status without outrigd ----------------------------------------------------
cli -o json status
expect_rc 3 "status without outrigd exits 3"
pycheck "status reports outrigd unreachable and store, hub serving" \
    "doc['ok'] is False and \
     health == {'outrigd': 'UNREACHABLE', 'store': 'SERVING', 'hub': 'SERVING'} and \
     all(s['pid'] > 0 for s in doc['services'][1:])"

# ---- unreachable endpoints and bad arguments ------------------------------------
"$OUTRIG" --run-dir "$T/nowhere" store get /vnf/a >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect_rc 3 "unreachable store exits 3"
WANT="outrig: cannot reach outrig-store at ipc://$T/nowhere/store.sock: is outrigd running?"
[ "$ERR" = "$WANT (UNAVAILABLE)" ] \
    && ok "unreachable message names the service and address" || fail "unreachable message: $ERR"
"$OUTRIG" --hub "tcp://127.0.0.1:1" --timeout 1500 events publish vnf x y >/dev/null 2>"$T/err"
RC=$?
ERR=$(cat "$T/err")
expect_rc 3 "unreachable tcp hub exits 3"
echo "$ERR" | grep -q "cannot reach outrig-hub at tcp://127.0.0.1:1" \
    && ok "tcp unreachable message" \
    || fail "tcp unreachable message: $ERR"

cli store get
expect_rc 2 "missing argument exits 2"
echo "$ERR" | grep -q '^usage: outrig store get KEY' && ok "usage shows the synopsis" \
    || fail "usage: $ERR"
cli store ls --limit ten
expect_rc 2 "non-numeric --limit exits 2"
cli -o xml store ls
expect_rc 2 "bad -o exits 2"
cli store frob
expect_rc 2 "unknown store command exits 2"
cli frobnicate
expect_rc 2 "unknown command exits 2"
cli store put /vnf/a
expect_rc 2 "put without a value exits 2"
cli --help
expect_rc 0 "--help exits 0"
# Usage errors never connect (a peer leaving mid-handshake can wedge an nng
# 1.5.2 listener, nanomsg/nng#1518): both services still answer.
for _ in 1 2 3 4 5; do
    cli events tail 'Bad!' --count 1
    cli store ls --limit x
    cli events publish 'Bad!' t i
done
cli --timeout 3000 -o json status
pycheck "store and hub still answer after the usage errors" \
    "health == {'outrigd': 'UNREACHABLE', 'store': 'SERVING', 'hub': 'SERVING'}"

# ---- status under outrigd -----------------------------------------------------
stop_all
if [ -x "$OUTRIGD" ]; then
    RUN2=$T/run2
    mkdir -p "$RUN2"
    # With no config outrigd runs its embedded default (store and hub), finding
    # the binaries beside its own in the build tree.
    env -u OUTRIG_CONFIG "$OUTRIGD" --run-dir "$RUN2" --data-dir "$T/data2" --log-level warn \
        2>"$T/outrigd.log" &
    PIDS+=($!)
    # Health answers SERVING a moment before outrigd's own state says so: wait for both.
    ROW='^hub  *SERVING  *SERVING  *[0-9][0-9]*  *[0-9][0-9]*[smhd]  *0  *ipc://.*/hub.sock$'
    ST=1
    for _ in $(seq 100); do
        "$OUTRIG" --run-dir "$RUN2" status >"$T/out" 2>"$T/err" && grep -q "$ROW" "$T/out" \
            && { ST=0; break; }
        sleep 0.2
    done
    [ "$ST" -eq 0 ] \
        && ok "status under outrigd exits 0; rows: name health state pid uptime restarts address" \
        || { fail "status under outrigd: $(cat "$T/out" "$T/err")"; tail -20 "$T/outrigd.log"; }
    "$OUTRIG" --run-dir "$RUN2" -o json status >"$T/out" 2>"$T/err"
    pycheck "status lists outrigd, store and hub serving with pids" \
        "doc['ok'] is True and {'outrigd', 'store', 'hub'} <= set(health) and \
         all(s['health'] == 'SERVING' and s['pid'] > 0 for s in doc['services'])"
    stop_all

    # A service that keeps crashing: status exits 1 and says why.
    RUN3=$T/run3
    cat >"$T/outrig.yaml" <<YAML
run_dir: $RUN3
data_dir: $T/data3
log_level: warn
services:
  - name: store
  - name: hub
    depends_on: [store]
  - name: broken
    binary: /bin/false
    depends_on: [hub]
YAML
    "$OUTRIGD" --config "$T/outrig.yaml" 2>"$T/outrigd3.log" &
    PIDS+=($!)
    for _ in $(seq 100); do
        "$OUTRIG" --run-dir "$RUN3" -o json status >"$T/out" 2>"$T/err"
        RC=$?
        grep -q '"name":"broken".*last exit: exit 1' "$T/out" && break
        sleep 0.2
    done
    expect_rc 1 "status exits 1 when a service is down"
    pycheck "the crashing service is UNREACHABLE with its last exit, the others SERVING" \
        "doc['ok'] is False and health['broken'] == 'UNREACHABLE' and \
         health['store'] == 'SERVING' and health['hub'] == 'SERVING' and \
         [(s['state'] in ('BACKOFF', 'FAILED'), 'last exit: exit 1' in s['error'])
          for s in doc['services'] if s['name'] == 'broken'] == [(True, True)]"
    stop_all
else
    echo "skip: outrigd is not built"
fi

if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed"
    echo "--- store log"; tail -20 "$T/store.log"; echo "--- hub log"; tail -20 "$T/hub.log"
    exit 1
fi
echo "all checks passed"
