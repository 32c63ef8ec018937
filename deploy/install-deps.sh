#!/usr/bin/env bash
# Installs the Debian 12 packages Outrigger builds and tests with. Idempotent:
# packages already present are skipped, so a second run does no network work.
set -euo pipefail

PKGS=(
    build-essential cmake pkg-config
    libnng-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler nanopb libnanopb-dev
    libyaml-dev liblmdb-dev libcmocka-dev
    clang libclang-rt-14-dev
    iproute2 procps
    lxc lxc-dev busybox-static
)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PKGS[@]} packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
