# Shared helpers for the bash tests; sourced, not run:
#   . "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# The script sets B (build dir), T (its temporary dir) and RUN (the run dir) before using
# start_app; every pid it starts goes into PIDS so that stop_all (and the EXIT trap that
# lib_trap sets) stops it and leaves nothing behind.

FAILS=0
PIDS=()
LAST_PID=

ok() { echo "ok: $*"; }
# fail WHAT: records a failed check and goes on; the script ends with `exit $((FAILS > 0))`.
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
# die WHAT: a failure that makes the rest of the script pointless.
die() { echo "FAIL: $*" >&2; exit 1; }

# need_bins PATH...: every PATH is an executable, or the script fails at once.
need_bins() {
    local b
    for b; do [ -x "$b" ] || die "$b is not built"; done
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s; its status on the last try.
wait_for() {
    local n=$(($1 * 10))
    shift
    for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}

# start_app NAME ARGS...: starts micro-app NAME ($B/services/NAME/outrig-NAME) in the
# background with --run-dir $RUN, --data-dir $T/data/NAME and --log-level $APP_LOG_LEVEL
# (default warn) before ARGS, output appended to $T/NAME.log; its pid is in LAST_PID and
# PIDS. Does not wait.
start_app() {
    local name=$1
    shift
    "$B/services/$name/outrig-$name" --run-dir "$RUN" --data-dir "$T/data/$name" \
        --log-level "${APP_LOG_LEVEL:-warn}" "$@" >>"$T/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# stop_all [GRACE_S]: SIGTERM to every pid in PIDS, SIGKILL to any still running GRACE_S
# (default 5) later (at once with 0), waits for each; empties PIDS.
stop_all() {
    local grace=${1:-5} sig=TERM p
    [ "$grace" -eq 0 ] && sig=KILL
    for p in "${PIDS[@]}"; do kill -"$sig" "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq $((grace * 10))); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    PIDS=()
}

# lib_trap [GRACE_S]: on exit, stop_all GRACE_S, run the script's own `lib_cleanup` if it
# defines one, and remove $T.
lib_trap() {
    LIB_GRACE=${1:-5}
    trap 'stop_all "$LIB_GRACE"; declare -F lib_cleanup >/dev/null && lib_cleanup; rm -rf "$T"' EXIT
}

# start_hub: start_app hub listening on $URL and waits until $B/tests/hub_pubsub_tool reads
# its info; its pid in HUB_PID. Dies, showing the hub's log, when it does not come up.
lib_hub_up() { "$B/tests/hub_pubsub_tool" info "$URL" >/dev/null 2>&1; }
start_hub() {
    start_app hub --listen "$URL"
    HUB_PID=$LAST_PID
    wait_for 10 lib_hub_up && return 0
    cat "$T/hub.log" >&2
    die "hub did not come up"
}
