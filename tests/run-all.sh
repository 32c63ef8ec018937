#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test label:
#   unit, integration, e2e (root only: network namespaces), unit again under
#   AddressSanitizer + UndefinedBehaviorSanitizer, and each libFuzzer harness
#   for OUTRIG_FUZZ_SECONDS (default 15) seconds.
# Build dirs: build/ (normal), build-asan/, build-fuzz/ (clang).
# Set OUTRIG_SKIP="asan fuzz" (any of unit integration e2e asan fuzz) to skip parts.
set -uo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
cd "$src"
jobs="$(nproc)"
skip=" ${OUTRIG_SKIP:-} "
export OUTRIG_FUZZ_SECONDS="${OUTRIG_FUZZ_SECONDS:-15}"

bash deploy/install-deps.sh || exit 1

passed=0
failed=0
status=0
summary=()

# run_ctest NAME BUILD_DIR ARGS...: runs ctest and adds up its counts.
run_ctest() {
    local name="$1" dir="$2"
    shift 2
    local log
    log="$(mktemp)"
    echo "==> $name"
    ctest --test-dir "$dir" --output-on-failure "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line
    line="$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)"
    if [ -n "$line" ]; then
        local total fail
        fail="$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")"
        total="$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")"
        passed=$((passed + total - fail))
        failed=$((failed + fail))
        summary+=("$name: $((total - fail)) passed, $fail failed")
    elif grep -q "No tests were found" "$log"; then
        summary+=("$name: no tests")
    else
        summary+=("$name: ctest failed to run")
        failed=$((failed + 1))
    fi
    [ "$rc" -eq 0 ] || status=1
    rm -f "$log"
}

build() {
    local dir="$1"
    shift
    cmake -S "$src" -B "$dir" "$@" >/dev/null && cmake --build "$dir" -j"$jobs" "${target[@]}"
}

target=()
echo "==> build (RelWithDebInfo)"
if ! build build -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

[[ "$skip" == *" unit "* ]] || run_ctest unit build -L '^unit$' -j"$jobs"
[[ "$skip" == *" integration "* ]] || run_ctest integration build -L '^integration$'
if [[ "$skip" != *" e2e "* ]]; then
    if [ "$(id -u)" -eq 0 ]; then
        run_ctest e2e build -L '^e2e$'
    else
        summary+=("e2e: skipped (needs root for network namespaces)")
    fi
fi

if [[ "$skip" != *" asan "* ]]; then
    echo "==> build with AddressSanitizer + UndefinedBehaviorSanitizer"
    if build build-asan -DCMAKE_BUILD_TYPE=Debug -DOUTRIG_SANITIZE=ON; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            run_ctest unit-asan build-asan -L '^unit$' -j"$jobs"
    else
        summary+=("unit-asan: build failed")
        failed=$((failed + 1))
        status=1
    fi
fi

if [[ "$skip" != *" fuzz "* ]]; then
    echo "==> build the fuzz harnesses (clang, libFuzzer)"
    target=(--target fuzzers)
    if CC=clang build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUTRIG_FUZZ=ON; then
        run_ctest "fuzz (${OUTRIG_FUZZ_SECONDS}s each)" build-fuzz -L '^fuzz$'
    else
        summary+=("fuzz: build failed")
        failed=$((failed + 1))
        status=1
    fi
    target=()
fi

echo
echo "==> summary"
for s in "${summary[@]}"; do echo "  $s"; done
echo "$passed passed, $failed failed"
exit $status
