#!/usr/bin/env bash
# The example NS (examples/ns: cgw -> fw -> srv) end to end across two sites (root):
# outrigd runs store, hub, orchestrator, linker and one outrig-agent per site; each site host
# is its own network namespace, joined by an underlay veth pair. cgw and fw run on site-a,
# srv on site-b, as the example programs of examples/vnf.
#  - both links (access-net within site-a, core-net across through VXLAN) come UP, verified
#    by the agents' traffic checks; `outrig ns show` lists them;
#  - traffic flows client -> firewall -> server: the client VNF prints the server's echoes,
#    and a fresh client in cgw's namespace gets its line back through fw from srv;
#  - fw is killed: its links leave UP; `outrig ns heal` restarts it and the links and the
#    traffic come back;
#  - scaling fw out links the new instance to the other CPs of its virtual links; scaling in
#    removes those links;
#  - `outrig ns delete` removes every link, and neither site keeps any interface, tunnel,
#    route, address or namespace of the NS.
set -u

B=${OUTRIG_BUILD_DIR:?OUTRIG_BUILD_DIR must point at the build directory}
S=${OUTRIG_SRC_DIR:?OUTRIG_SRC_DIR must point at the source directory}
. "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
OUTRIG=$B/tools/outrig/outrig
OUTRIGD=$B/services/outrigd/outrigd
AGENT=$B/hypervisor-agent/agent/outrig-agent
VNF=$B/examples/vnf
need_bins "$OUTRIG" "$OUTRIGD" "$AGENT" "$B/services/store/outrig-store" \
    "$B/services/hub/outrig-hub" "$B/services/orchestrator/outrig-orchestrator" \
    "$B/services/linker/outrig-linker" "$VNF/outrig-vnf-client" "$VNF/outrig-vnf-forwarder" \
    "$VNF/outrig-vnf-echo"
[ "$(id -u)" -eq 0 ] || die "needs root"

T=$(mktemp -d /tmp/outrig-example-ns.XXXXXX)
RUN=$T/run
NSA=oxa-$$ NSB=oxb-$$   # the two site hosts
PFX=oxv$$-              # the agents' VNF namespaces: $PFX<instance>
NS=ex$$
SUB=$(($$ % 200 + 20))
UA=10.254.$SUB.1 UB=10.254.$SUB.2
lib_cleanup() {
    [ -n "${OUTRIG_KEEP:-}" ] && cp -r "$T" "$OUTRIG_KEEP"
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    local n
    for n in $(ip netns list | awk '{print $1}' | grep "^$PFX"); do ip netns del "$n"; done
}
lib_trap 15

cli() {
    "$OUTRIG" --run-dir "$RUN" "$@" >"$T/out" 2>"$T/err"
    RC=$?
}
# jq_ PYTHON-EXPR: evaluates the expression over the last output parsed as JSON (`doc`).
jq_() { python3 -c "import json,sys; doc=json.load(open('$T/out')); sys.exit(0 if ($1) else 1)"; }
py() { python3 -c "import json,sys; doc=json.load(open('$T/out')); print($1)"; }

# The underlay: one veth pair between the two site hosts.
ip netns add "$NSA" && ip netns add "$NSB" || die "netns"
ip -n "$NSA" link set lo up
ip -n "$NSB" link set lo up
ip link add ula$$ netns "$NSA" type veth peer name ulb$$ netns "$NSB" || die "underlay veth"
ip -n "$NSA" addr add "$UA/30" dev ula$$
ip -n "$NSB" addr add "$UB/30" dev ulb$$
ip -n "$NSA" link set ula$$ up
ip -n "$NSB" link set ulb$$ up

cat >"$T/outrig.yaml" <<YAML
run_dir: $RUN
data_dir: $T/data
bin_dir: $B/services
log_level: info
services:
  - {name: store}
  - {name: hub}
  - name: orchestrator
    set: {catalogue_dir: $VNF}
  - {name: linker}
  - name: agent-a
    binary: $AGENT
    depends_on: [store, hub]
    set: {host: $NSA, site: site-a, host_netns: $NSA, host_addr: $UA, netns_prefix: $PFX,
          stop_grace_ms: 500}
  - name: agent-b
    binary: $AGENT
    depends_on: [store, hub]
    set: {host: $NSB, site: site-b, host_netns: $NSB, host_addr: $UB, netns_prefix: $PFX,
          stop_grace_ms: 500}
YAML
"$OUTRIGD" --config "$T/outrig.yaml" 2>"$T/outrigd.log" &
OD=$!
PIDS+=("$OD")
up() { "$OUTRIG" --run-dir "$RUN" status >/dev/null 2>&1 && [ -S "$RUN/agent-b.sock" ] &&
    [ -S "$RUN/linker.sock" ]; }
wait_for 30 up || { cat "$T/outrigd.log"; die "outrigd did not come up"; }
ok "outrigd runs store, hub, orchestrator, linker and two agents"

for f in "$S"/examples/ns/*_vnfd.yaml; do cli vnfd add "$f"; [ $RC -eq 0 ] || die "vnfd add $f: $(cat "$T/err")"; done
cli nsd add "$S/examples/ns/cgw_fw_srv_nsd.yaml"
[ $RC -eq 0 ] || die "nsd add: $(cat "$T/err")"
for s in a b; do
    cli site add site-$s --kind agent --endpoint "ipc://$RUN/agent-$s.sock" \
        --capacity vcpus=4,memory=4096 --max-instances 20
    [ $RC -eq 0 ] || die "site add site-$s: $(cat "$T/err")"
done
cli ns create --nsd cgw-fw-srv --name "$NS" --site-map cgw=site-a,fw=site-a,srv=site-b --wait
[ $RC -eq 0 ] && ok "NS $NS instantiated" || die "ns create: $(cat "$T/out" "$T/err")"

# links_up N: the NS has N links, all UP.
links_up() {
    cli link list --ns "$NS" -o json
    [ $RC -eq 0 ] && jq_ "len(doc) == $1 and all(l['state'] == 'UP' for l in doc)"
}
wait_for 20 links_up 2 && ok "both links UP (traffic-verified by the agents)" ||
    fail "links not UP: $(cat "$T/out" "$T/err")"
cli link list --ns "$NS" -o json
jq_ "any(l['virtual_link'] == 'core-net' and l['a']['site'] != l['b']['site'] and l['vni'] > 0
         for l in doc)" && ok "core-net crosses the sites with a VNI" ||
    fail "core-net is not a cross-site link: $(cat "$T/out")"

cli ns show "$NS"
grep -q "links:    2" "$T/out" && grep -q "UP" "$T/out" && ok "ns show lists the links" ||
    fail "ns show: $(cat "$T/out" "$T/err")"
cli ns show "$NS" -o json
jq_ "len(doc['links']) == 2" && ok "ns show -o json has the links" || fail "ns show json: $(cat "$T/out")"

# Each site host has the bridges of its links, and the VXLAN of core-net.
ip -n "$NSA" -o link show type bridge | grep -q olb && ip -n "$NSA" -o link show type vxlan |
    grep -q olx && ip -n "$NSB" -o link show type vxlan | grep -q olx &&
    ok "bridges and the VXLAN tunnel are on the site hosts" ||
    fail "data path: $(ip -n "$NSA" -o link; ip -n "$NSB" -o link)"

fw_in=$(py "[c['address'] for v in doc['vnfs'] for c in v['cps'] if c['id'] == 'fw-inside'][0].split('/')[0]")
client_log() { echo "$T/data/agent-a/logs/$NS.cgw.0.stdout"; }
replies() { local f; f=$(client_log); [ -n "$f" ] && [ "$(grep -c '^reply: hello' "$f")" -ge "$1" ]; }
# through: a new client in cgw's namespace, through fw, to srv and back.
through() {
    timeout 10 ip netns exec "$PFX$NS.cgw.0" "$VNF/outrig-vnf-client" --peer "$fw_in" \
        --count 2 --interval-ms 50 >"$T/through" 2>&1 && grep -q "^reply: hello 2" "$T/through"
}
wait_for 15 replies 2 && ok "the client VNF gets the server's echoes through the firewall" ||
    fail "client VNF log: $(cat "$(client_log)" 2>/dev/null)"
through && ok "client -> fw ($fw_in) -> srv across sites" || fail "traffic: $(cat "$T/through")"

# Kill the firewall: its links go down; heal restarts it and they come back.
fwpid=$(ip netns pids "$PFX$NS.fw.0" | head -1)
[ -n "$fwpid" ] || fail "no process in fw's namespace"
kill -KILL $fwpid 2>/dev/null
not_up() {
    cli link list --ns "$NS" -o json
    [ $RC -eq 0 ] && jq_ "sum(l['state'] != 'UP' for l in doc) == 2"
}
wait_for 10 not_up && ok "fw killed: both of its links left UP" || fail "after kill: $(cat "$T/out")"
cli ns heal "$NS" --wait
[ $RC -eq 0 ] && ok "ns heal" || fail "ns heal: $(cat "$T/out" "$T/err")"
wait_for 20 links_up 2 && ok "fw restarted: links UP again" || fail "after heal: $(cat "$T/out")"
wait_for 10 through && ok "traffic flows again after the restart" || fail "traffic: $(cat "$T/through")"

# Scale fw out: the new instance gets its links (to cgw and to srv); scaling in removes them.
cli ns scale "$NS" --profile fw --delta 1 --wait
[ $RC -eq 0 ] && ok "ns scale fw +1" || fail "scale out: $(cat "$T/out" "$T/err")"
# A virtual link joins its CPs pairwise: fw.1 links to cgw and fw.0 on access-net, to srv and
# fw.0 on core-net.
wait_for 20 links_up 6 && ok "fw.1 linked: 6 links UP" || fail "after scale-out: $(cat "$T/out")"
cli ns scale "$NS" --profile fw --delta -1 --wait
[ $RC -eq 0 ] && ok "ns scale fw -1" || fail "scale in: $(cat "$T/out" "$T/err")"
wait_for 20 links_up 2 && ok "fw.1's links removed with it" || fail "after scale-in: $(cat "$T/out")"

# Delete: no link, and nothing of the NS left on either site host.
cli ns delete "$NS" --wait
[ $RC -eq 0 ] && ok "ns delete" || fail "ns delete: $(cat "$T/out" "$T/err")"
no_links() { cli link list --ns "$NS" -o json; [ $RC -eq 0 ] && jq_ "len(doc) == 0"; }
wait_for 10 no_links && ok "no link of the NS remains" || fail "links left: $(cat "$T/out")"
leftovers() {
    local h
    for h in "$NSA" "$NSB"; do
        ip -n "$h" -o link | awk -F': ' '{print $2}' | grep -v -e '^lo$' -e '^ul[ab]'
        ip -n "$h" -o addr | grep -v -e ' lo ' -e ' ul[ab]'
        ip -n "$h" route | grep -v ' dev ul[ab]'
    done
    ip netns list | grep "^$PFX"
}
gone() { [ -z "$(leftovers)" ]; }
wait_for 10 gone && ok "no interface, tunnel, route, address or namespace of the NS remains" ||
    fail "left behind: $(leftovers)"

kill -TERM $OD
for _ in $(seq 150); do kill -0 $OD 2>/dev/null || break; sleep 0.1; done
wait $OD
rc=$?
[ $rc -eq 0 ] && ok "outrigd stopped cleanly" || fail "outrigd exit status $rc: $(tail -20 "$T/outrigd.log")"
PIDS=()
[ $FAILS -eq 0 ] || { tail -40 "$T/outrigd.log"; for f in "$T"/data/*/*.log; do :; done; }
exit $((FAILS > 0))
