#!/usr/bin/env bash
# outrig-agent under outrigd (root: network namespaces): outrigd starts store, hub and the
# agent from outrig.yaml; the CLI sees the host (lease) and drives micro-VMs through the
# agent: a hello guest runs to its exit code, a triple-fault guest is FAILED while the agent
# keeps serving, an idle-worker runs opportunistic management tasks (outrig host tasks); after
# deleting them the agent has the threads and fds it had before; outrigd stops everything
# and the host key is gone.
set -u

B=${OUTRIG_BUILD_DIR:?OUTRIG_BUILD_DIR must point at the build directory}
. "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
OUTRIG=$B/tools/outrig/outrig
OUTRIGD=$B/services/outrigd/outrigd
AGENT=$B/hypervisor-agent/agent/outrig-agent
need_bins "$OUTRIG" "$OUTRIGD" "$AGENT" "$B/services/store/outrig-store" \
    "$B/services/hub/outrig-hub"
[ "$(id -u)" -eq 0 ] || die "needs root"

T=$(mktemp -d /tmp/outrig-agent-od.XXXXXX)
RUN=$T/run
HOST=od-host-$$
lib_trap 15

cli() {
    "$OUTRIG" --run-dir "$RUN" "$@" >"$T/out" 2>"$T/err"
    RC=$?
}
# jcheck WHAT PYTHON-EXPR: the expression over the last output parsed as JSON (`doc`).
jcheck() {
    if python3 -c "import json,sys; doc=json.load(open('$T/out')); sys.exit(0 if ($2) else 1)"; then
        ok "$1"
    else
        fail "$1: $(cat "$T/out" "$T/err")"
    fi
}
cat >"$T/outrig.yaml" <<YAML
run_dir: $RUN
data_dir: $T/data
bin_dir: $B/services
log_level: info
services:
  - {name: store, binary: $B/services/store/outrig-store}
  - {name: hub, binary: $B/services/hub/outrig-hub}
  - name: agent
    binary: $AGENT
    depends_on: [store, hub]
    set: {host: $HOST, lease_ttl_ms: 2000, netns_prefix: oe2d-, stop_grace_ms: 500}
YAML
"$OUTRIGD" --config "$T/outrig.yaml" 2>"$T/outrigd.log" &
OD=$!
PIDS+=("$OD")

host_listed() { cli -o json host list && grep -q "\"name\":\"$HOST\"" "$T/out"; }
wait_for 20 host_listed && ok "the agent under outrigd registered /host/$HOST" \
    || { fail "host not listed: $(cat "$T/out" "$T/err")"; tail -20 "$T/outrigd.log"; exit 1; }
APID=$(python3 -c "import json; d=json.load(open('$T/out')); \
print([h['pid'] for h in d['hosts'] if h['name']=='$HOST'][0])")
count() { ls "/proc/$APID/$1" | wc -l; }
cli vm list
FD0=$(count fd); TH0=$(count task)

cli -o json vm create hello --guest hello --memory 4 --start
jcheck "vm create --start answers with the VM" "doc['id'] == 'hello'"
exited() { cli -o json vm show hello && grep -q '"state":"STOPPED"' "$T/out"; }
wait_for 10 exited
jcheck "hello ran to its exit code 7 with its console" \
    "doc['exited'] and doc['exit_code'] == 7 and 'hello from outrigger guest' in doc['console']"

cli -o json vm create tf --guest triple-fault --memory 4 --start
failed() { cli -o json vm show tf && grep -q '"state":"FAILED"' "$T/out"; }
wait_for 10 failed
jcheck "a triple-faulting guest is FAILED with a reason" "doc['reason'] != ''"

cli vm create w --guest idle-worker --memory 8 --mode opportunistic --rate 200 --hash-period 50 \
    --start
[ "$RC" -eq 0 ] && ok "idle-worker started" || fail "idle-worker: $(cat "$T/err")"
sleep 1.5
cli -o json host tasks "$HOST"
jcheck "host tasks: the idle-worker's page hashing ran to completion" \
    "any(k['vm_id'] == 'w' and k['class'] == 'hash' and k['completed'] >= 1 \
         and k['bytes_done'] >= 8 << 20 for k in doc['classes'])"
cli -o json vm list
jcheck "vm list shows three VMs and the agent still serves" "len(doc['vms']) == 3"
cli vm create bad --guest nope
[ "$RC" -eq 1 ] && grep -q "NOT_FOUND" "$T/err" && ok "unknown guest: NOT_FOUND, exit 1" \
    || fail "unknown guest: exit $RC $(cat "$T/err")"
cli vm create bad --guest hello --memory 3
[ "$RC" -eq 1 ] && grep -q "spec.memory_mib" "$T/err" && ok "bad memory names spec.memory_mib" \
    || fail "bad memory: exit $RC $(cat "$T/err")"

for v in hello tf w; do
    cli vm delete "$v"
    [ "$RC" -eq 0 ] || fail "delete $v: $(cat "$T/err")"
done
settled() { [ "$(count fd)" -eq "$FD0" ] && [ "$(count task)" -eq "$TH0" ]; }
wait_for 5 settled && ok "after the deletes the agent has its $FD0 fds and $TH0 threads again" \
    || fail "fds $(count fd) (was $FD0), threads $(count task) (was $TH0)"

kill -TERM "$OD"
for _ in $(seq 150); do kill -0 "$OD" 2>/dev/null || break; sleep 0.1; done
wait "$OD"; ODRC=$?
PIDS=()
[ "$ODRC" -eq 0 ] && ok "outrigd stopped cleanly" || fail "outrigd exit $ODRC"
kill -0 "$APID" 2>/dev/null && fail "the agent $APID still runs" || ok "the agent is gone"
ls /run/netns 2>/dev/null | grep -q '^oe2d-' && fail "a namespace is left" || ok "no namespace left"

if [ "$FAILS" -eq 0 ]; then
    echo "PASS"
else
    echo "$FAILS failure(s)"
    tail -30 "$T/outrigd.log"
fi
exit $((FAILS > 0))
