#!/usr/bin/env bash
# outrig CLI against a real outrig-store, outrig-hub and outrig-orchestrator on a temporary
# run dir: onboarding (nsd/vnfd add|list|show|delete, errors with file:line:col), the image
# catalogue, sites (an agent site is refused with FAILED_PRECONDITION until its adapter
# is built in, accepted after), and, when running as root with LXC, an NS created with --wait on an LXC site,
# shown, scaled, refused while busy, and deleted with nothing left on the site.
set -u

B=${OUTRIG_BUILD_DIR:?OUTRIG_BUILD_DIR must point at the build directory}
S=${OUTRIG_SRC_DIR:?OUTRIG_SRC_DIR must point at the source directory}
. "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
OUTRIG=$B/tools/outrig/outrig
need_bins "$OUTRIG" "$B/services/store/outrig-store" "$B/services/hub/outrig-hub" \
    "$B/services/orchestrator/outrig-orchestrator"

T=$(mktemp -d /tmp/outrig-orchcli.XXXXXX)
RUN=$T/run
mkdir -p "$RUN" "$T/site"
lib_cleanup() {
    for c in $(lxc-ls -P "$T/site/lxc" 2>/dev/null); do
        lxc-stop -k -n "$c" -P "$T/site/lxc" >/dev/null 2>&1
        lxc-destroy -n "$c" -P "$T/site/lxc" >/dev/null 2>&1
    done
}
lib_trap

o() { "$OUTRIG" --run-dir "$RUN" "$@"; }

APP_LOG_LEVEL=info
start() {
    start_app "$@"
    wait_for 5 test -S "$RUN/$1.sock" || fail "$1 did not start"
}
start store
start hub
start orchestrator --set "catalogue_dir=$B/examples/vnf" --set reconcile_ms=1000
sleep 0.3

# ---- descriptors ----
out=$(o vnfd add "$S/examples/ns/cgw_vnfd.yaml" "$S/examples/ns/fw_vnfd.yaml" 2>&1) ||
    fail "vnfd add: $out"
echo "$out" | grep -q "onboarded outrig-fw" || fail "vnfd add output: $out"
echo "$out" | grep -q "cloud-init-file is not acted on" || fail "ignored field not reported: $out"
# An NSD whose VNFDs are not all onboarded is refused, naming what is missing.
out=$(o nsd add "$S/examples/ns/cgw_fw_srv_nsd.yaml" 2>&1)
[ $? -eq 1 ] || fail "nsd add without srv vnfd should exit 1"
echo "$out" | grep -q "INVALID_ARGUMENT.*outrig-srv" || fail "nsd add error: $out"
o vnfd add "$S/examples/ns/srv_vnfd.yaml" >/dev/null 2>&1 || fail "vnfd add srv"
o nsd add "$S/examples/ns/cgw_fw_srv_nsd.yaml" >/dev/null 2>&1 || fail "nsd add"
out=$(o vnfd add "$S/examples/ns/srv_vnfd.yaml" 2>&1)
echo "$out" | grep -q ALREADY_EXISTS || fail "second vnfd add: $out"
printf 'vnfd:\n  id: broken\n  vdu: [\n' > "$T/bad.yaml"
out=$(o vnfd add "$T/bad.yaml" 2>&1)
echo "$out" | grep -Eq "INVALID_ARGUMENT: bad.yaml:[0-9]+:[0-9]+: " || fail "bad yaml: $out"
o -o json nsd list | grep -q '"id":"cgw-fw-srv"' || fail "nsd list json"
o -o json vnfd show outrig-fw | grep -q '"image":"outrig-vnf-forwarder"' || fail "vnfd show json"
out=$(o vnfd delete outrig-fw 2>&1)
echo "$out" | grep -q "FAILED_PRECONDITION.*cgw-fw-srv" || fail "vnfd delete in use: $out"

# ---- images ----
o -o json image list | grep -q '"name":"outrig-vnf-echo"' || fail "catalogue not seeded"
o image add my-echo "$B/examples/vnf/outrig-vnf-echo" >/dev/null || fail "image add"
out=$(o image add bad /nonexistent 2>&1)
echo "$out" | grep -q "INVALID_ARGUMENT.*(path)" || fail "image add bad path: $out"
o image delete my-echo >/dev/null || fail "image delete"

# ---- sites ----
# Until the agent adapter is built in, an agent site is refused; once it is, it is accepted.
out=$(o site add edge --kind agent --endpoint tcp://127.0.0.1:1 2>&1)
if [ $? -eq 0 ]; then
    o site delete edge >/dev/null || fail "agent site delete"
else
    echo "$out" | grep -q "FAILED_PRECONDITION: no agent adapter yet" || fail "agent site: $out"
fi
out=$(o site add odd --kind bogus --endpoint x 2>&1)
echo "$out" | grep -q "INVALID_ARGUMENT.*(kind)" || fail "unknown site kind: $out"
out=$(o site add bad! --kind lxc --endpoint "lxc://$T/site" 2>&1)
echo "$out" | grep -q "INVALID_ARGUMENT.*(name)" || fail "bad site name: $out"
o site add s1 --kind lxc --endpoint "lxc://$T/site" --capacity vcpus=8,memory=4096 \
    --max-instances 10 >/dev/null || fail "site add"
o -o json site show s1 | grep -q '"max_instances":10' || fail "site show json"
o -o json site list | grep -q '"vcpus":8' || fail "site list json"
out=$(o site add s1 --kind lxc --endpoint "lxc://$T/site" 2>&1)
echo "$out" | grep -q ALREADY_EXISTS || fail "duplicate site: $out"
out=$(o ns create --nsd cgw-fw-srv --name x --site-map nope=s1 2>&1)
echo "$out" | grep -q "INVALID_ARGUMENT.*(site_map)" || fail "bad site map: $out"
out=$(o ns create --nsd cgw-fw-srv 2>&1)
[ $? -eq 2 ] || fail "ns create without --name should exit 2"

# ---- an NS on LXC (root with lxc only) ----
if [ "$(id -u)" = 0 ] && command -v lxc-ls >/dev/null && [ -x /bin/busybox ]; then
    out=$(o ns create --nsd cgw-fw-srv --name demo --op-id cli-1 --wait 2>&1) ||
        fail "ns create --wait: $out"
    echo "$out" | grep -q "demo.srv.0 .*RUNNING" || fail "no per-VNF progress: $out"
    echo "$out" | grep -q "state:    COMPLETED" || fail "not completed: $out"
    [ "$(lxc-ls -P "$T/site/lxc" | wc -w)" = 3 ] || fail "3 containers expected"
    # The same op id again: the recorded operation, nothing new runs.
    o -o json ns create --nsd cgw-fw-srv --name demo --op-id cli-1 | grep -q '"attempts":1' ||
        fail "retried op id"
    o -o json ns show demo | grep -q '"state":"INSTANTIATED"' || fail "ns show"
    o ns list | grep -q "demo .*INSTANTIATED" || fail "ns list"
    o ns scale demo --profile fw --delta 1 --wait >/dev/null || fail "scale out"
    [ "$(lxc-ls -P "$T/site/lxc" | wc -w)" = 4 ] || fail "4 containers after scale-out"
    o ns scale demo --profile fw --delta -1 --wait >/dev/null || fail "scale in"
    [ "$(lxc-ls -P "$T/site/lxc" | wc -w)" = 3 ] || fail "3 containers after scale-in"
    lxc-ls -P "$T/site/lxc" | grep -q "or-demo.fw.1" && fail "scale-in kept fw.1"
    # Heal: a VNF that stopped behind the orchestrator's back runs again.
    lxc-stop -k -n or-demo.srv.0 -P "$T/site/lxc" >/dev/null 2>&1 || fail "lxc-stop"
    out=$(o ns heal demo --wait 2>&1) || fail "heal: $out"
    echo "$out" | grep -q "demo.srv.0 .*RUNNING" || fail "heal progress: $out"
    lxc-info -s -n or-demo.srv.0 -P "$T/site/lxc" | grep -q RUNNING || fail "srv not healed"
    out=$(o ns scale demo --profile fw --count 9 2>&1)
    echo "$out" | grep -q OUT_OF_RANGE || fail "scale beyond max: $out"
    o ns delete demo --op-id cli-del >/dev/null || fail "ns delete"
    out=$(o ns heal demo 2>&1)
    echo "$out" | grep -q FAILED_PRECONDITION || fail "heal while deleting: $out"
    out=$(o ns delete demo --op-id cli-del --wait 2>&1) || fail "wait delete: $out"
    [ "$(lxc-ls -P "$T/site/lxc" | wc -w)" = 0 ] || fail "containers left after delete"
    o -o json op list --ns demo | grep -q '"id":"cli-del".*"state":"COMPLETED"' ||
        fail "op list"
    o op show cli-1 | grep -q "INSTANTIATE" || fail "op show"
    # The lifecycle reached the hub: op, ns and vnf events, in order per category.
    ev=$(timeout 10 "$OUTRIG" --run-dir "$RUN" -o json events tail --from 1 op ns vnf --count 12 2>&1)
    echo "$ev" | grep -q '"type":"started".*' || fail "no op.started event: $ev"
    echo "$ev" | grep -q '"category":"ns".*"type":"instantiated"' || fail "no ns.instantiated: $ev"
    echo "$ev" | grep -q '"category":"vnf".*"type":"started".*"id":"demo.srv.0"' ||
        fail "no vnf.started for demo.srv.0: $ev"
    o site delete s1 >/dev/null || fail "site delete"
else
    echo "skipping the LXC part (needs root, lxc, busybox-static)"
fi

# Sanitizer reports of the services (an ASan build) fail the test too.
for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
PIDS=()
if grep -l "Sanitizer\|runtime error" "$T"/*.log; then
    grep -h -A30 "Sanitizer\|runtime error" "$T"/*.log | head -60
    fail "sanitizer report"
fi
if [ "$FAILS" -ne 0 ]; then
    tail -n 20 "$T/orchestrator.log"
    echo "$FAILS failure(s)"
    exit 1
fi
echo ok
