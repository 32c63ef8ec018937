#!/usr/bin/env bash
# Runs one benchmark: tests/bench/run.sh NAME [ARGS...]. Uses the build in
# build/ (or $OUTRIG_BUILD_DIR) and builds it first when missing. Prints JSON
# lines; never passes or fails on time. NAMEs: the bench-<NAME> executables
# and the <NAME>.sh scripts next to this file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
build="${OUTRIG_BUILD_DIR:-$src/build}"
name="${1:-}"
if [ -z "$name" ]; then
    echo "usage: tests/bench/run.sh NAME [ARGS...]" >&2
    echo "NAMEs: $(ls "$build/tests/bench" 2>/dev/null | sed -n 's/^bench-//p' | tr '\n' ' ')" \
         "$(cd "$here" && ls *.sh 2>/dev/null | grep -v '^run.sh$' | sed 's/\.sh$//' | tr '\n' ' ')" >&2
    exit 2
fi
shift
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
cmake --build "$build" -j"$(nproc)" >&2
export OUTRIG_BUILD_DIR="$build" OUTRIG_SRC_DIR="$src"
if [ -x "$build/tests/bench/bench-$name" ]; then
    exec "$build/tests/bench/bench-$name" "$@"
elif [ -f "$here/$name.sh" ]; then
    exec bash "$here/$name.sh" "$@"
fi
echo "run.sh: no benchmark named '$name'" >&2
exit 2
