#!/usr/bin/env bash
# The README's run command. Installs the Debian packages, builds, starts the
# control plane (outrigd: store, hub, orchestrator, linker and one outrig-agent
# host) with two sites on this machine, each in its own network namespace and
# joined by an underlay veth pair, and deploys the example network service
# (examples/ns: cgw -> fw -> srv):
#   lxc-site    an LXC host driven through liblxc      (cgw, fw)   10.254.0.1
#   agent-site  an outrig-agent host, process VNFs     (srv)       10.254.0.2
# The linker connects the VNFs' connection points: a bridge on lxc-site for
# access-net, a VXLAN tunnel between the site hosts for core-net; each link is
# UP once traffic went through it. Then it shows the NS with its links and what
# the client VNF receives, and stays in the foreground; Ctrl-C terminates the
# NS, stops every service and removes the namespaces.
# Needs root (network namespaces, LXC). State lives under ./var.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
cd "$src"
if [ "$(id -u)" -ne 0 ]; then
    echo "deploy/run.sh: run as root (network namespaces and LXC need it)" >&2
    exit 1
fi
bash deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target outrigd outrig-store outrig-hub outrig-orchestrator \
    outrig-linker outrig-agent outrig outrig-vnf-echo outrig-vnf-forwarder outrig-vnf-client guests

var="$src/var"
run="$var/run/outrig"
data="$var/lib/outrig"
mkdir -p "$run" "$data/sites/lxc"
O=(build/tools/outrig/outrig --run-dir "$run")
NS_LXC=outrig-site-lxc
NS_AGENT=outrig-site-agent
UL_LXC=10.254.0.1
UL_AGENT=10.254.0.2
for ns in $NS_LXC $NS_AGENT; do
    ip netns list | grep -qw "^$ns" || ip netns add $ns
    ip -n $ns link set lo up
done
# The underlay between the two site hosts (what VXLAN runs over).
if ! ip -n $NS_LXC link show ul0 >/dev/null 2>&1; then
    ip link add ul0 netns $NS_LXC type veth peer name ul0 netns $NS_AGENT
    ip -n $NS_LXC addr add $UL_LXC/30 dev ul0
    ip -n $NS_AGENT addr add $UL_AGENT/30 dev ul0
    ip -n $NS_LXC link set ul0 up
    ip -n $NS_AGENT link set ul0 up
fi

cat >"$var/outrig.yaml" <<YAML
# Written by deploy/run.sh: the embedded defaults plus an agent host whose
# VNFs' host-side veths (and link bridges and tunnels) live in the agent
# site's network namespace.
run_dir: $run
data_dir: $data
services:
  - name: store
  - name: hub
  - name: orchestrator
    set: {catalogue_dir: $src/build/examples/vnf}
  - name: linker
  - name: agent
    binary: $src/build/hypervisor-agent/agent/outrig-agent
    set: {host: agent-site-host, site: agent-site, host_netns: $NS_AGENT, host_addr: $UL_AGENT}
YAML

build/services/outrigd/outrigd --config "$var/outrig.yaml" &
pid=$!
cleanup() {
    trap '' INT TERM   # a second Ctrl-C must not cut the clean-up short
    trap - EXIT
    echo
    echo "==> terminating the example NS and stopping the control plane"
    "${O[@]}" ns delete demo --wait || true
    kill -TERM $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    for ns in $NS_LXC $NS_AGENT; do ip netns del $ns 2>/dev/null || true; done
}
trap cleanup INT TERM EXIT

for _ in $(seq 1 200); do
    if "${O[@]}" status >/dev/null 2>&1; then break; fi
    if ! kill -0 $pid 2>/dev/null; then
        echo "outrigd exited; see the messages above" >&2
        exit 1
    fi
    sleep 0.1
done
"${O[@]}" status

echo "==> onboarding the example network service (examples/ns)"
"${O[@]}" validate -q examples/ns/*.yaml
for f in examples/ns/*_vnfd.yaml; do "${O[@]}" vnfd add "$f" >/dev/null 2>&1 || true; done
"${O[@]}" nsd add examples/ns/cgw_fw_srv_nsd.yaml >/dev/null 2>&1 || true
"${O[@]}" nsd list

echo "==> adding the two sites"
# Defined afresh each run (an earlier run's definitions may differ from this script's).
"${O[@]}" site delete lxc-site >/dev/null 2>&1 || true
"${O[@]}" site delete agent-site >/dev/null 2>&1 || true
"${O[@]}" site add lxc-site --kind lxc --endpoint "lxc://$data/sites/lxc" \
    --option netns=$NS_LXC --option host_addr=$UL_LXC --capacity vcpus=4,memory=4096 --max-instances 20 >/dev/null 2>&1 || true
"${O[@]}" site add agent-site --kind agent --endpoint "ipc://$run/agent.sock" \
    --capacity vcpus=4,memory=4096 --max-instances 20 >/dev/null 2>&1 || true
"${O[@]}" site list

echo "==> deploying: cgw and fw on lxc-site, srv on agent-site"
"${O[@]}" ns create --nsd cgw-fw-srv --name demo \
    --site-map cgw=lxc-site,fw=lxc-site,srv=agent-site --wait

echo "==> waiting for the links (UP = traffic went through)"
for _ in $(seq 1 100); do
    up=$("${O[@]}" link list --ns demo | grep -c ' UP ' || true)
    [ "$up" -ge 2 ] && break
    sleep 0.2
done
"${O[@]}" ns show demo
log=$(find "$data/sites/lxc" -path '*demo.cgw.0*' -name '*.log' 2>/dev/null | head -1)
if [ -n "$log" ]; then
    sleep 2
    echo
    echo "==> the client VNF (cgw on lxc-site) talks to the echo server (srv on agent-site) through fw:"
    tail -3 "$log"
fi
echo
echo "Outrigger is running (outrigd pid $pid). In another shell:"
echo "  build/tools/outrig/outrig --run-dir $run ns show demo"
echo "  build/tools/outrig/outrig --run-dir $run link list"
echo "  build/tools/outrig/outrig --run-dir $run events tail"
echo "Ctrl-C terminates the NS and stops everything."
wait $pid
