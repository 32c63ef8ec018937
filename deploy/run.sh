#!/usr/bin/env bash
# The README's run command: installs the build dependencies, builds, starts
# the control plane (outrigd with its embedded defaults: every service on
# ipc:// under ./var/run/outrig, data under ./var/lib/outrig), shows
# `outrig status`, and stays in the foreground until Ctrl-C.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
cd "$src"
bash deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target outrigd outrig-store outrig-hub outrig

export OUTRIG_RUN_DIR="${OUTRIG_RUN_DIR:-$src/var/run/outrig}"
export OUTRIG_DATA_DIR="${OUTRIG_DATA_DIR:-$src/var/lib/outrig}"
build/services/outrigd/outrigd &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' INT TERM

# Wait until every service answers SERVING (outrigd starts them in order).
for _ in $(seq 1 100); do
    if build/tools/outrig/outrig --run-dir "$OUTRIG_RUN_DIR" status >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 $pid 2>/dev/null; then
        echo "outrigd exited; see the messages above" >&2
        wait $pid
        exit 1
    fi
    sleep 0.1
done
build/tools/outrig/outrig --run-dir "$OUTRIG_RUN_DIR" status || true
echo
echo "Outrigger is running (outrigd pid $pid). Try, in another shell:"
echo "  build/tools/outrig/outrig --run-dir $OUTRIG_RUN_DIR status"
echo "  build/tools/outrig/outrig --run-dir $OUTRIG_RUN_DIR store put /site/edge-1 hello"
echo "  build/tools/outrig/outrig --run-dir $OUTRIG_RUN_DIR events tail"
echo "Ctrl-C stops it."
wait $pid
