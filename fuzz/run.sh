#!/usr/bin/env bash
# Runs fuzz targets on their committed seed corpus and prints, per target,
# the executions, the coverage (edges) and the features libFuzzer reached.
#   fuzz/run.sh [TARGET|all] [SECONDS]      (default: all, 60 s per target)
# New inputs go to a scratch corpus (fuzz/target/run-corpus/TARGET), not
# into the committed one; a crash stops the run, leaves its input under
# fuzz/artifacts/TARGET/ and makes the script fail. `cargo fuzz cmin TARGET`
# shrinks a corpus again before it is committed.
set -euo pipefail
cd "$(dirname "$0")"
targets=(codec uacp framer chunk_open ecc_opn server_channel client_channel secret certificate)
which=${1:-all}
seconds=${2:-60}
[ "$which" = all ] || targets=("$which")
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
summary=()
for target in "${targets[@]}"; do
    scratch="target/run-corpus/$target"
    mkdir -p "$scratch" "corpus/$target"
    log="target/run-corpus/$target.log"
    echo "=== $target: ${seconds} s"
    if ! cargo fuzz run --sanitizer none "$target" "$scratch" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        tail -40 "$log"
        echo "=== $target: FAILED (input under fuzz/artifacts/$target/)"
        exit 1
    fi
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(sed -E -n 's/.*cov: ([0-9]+).*/\1/p' <<<"$done_line")
    ft=$(sed -E -n 's/.*ft: ([0-9]+).*/\1/p' <<<"$done_line")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    summary+=("$(printf '%-16s %12s %8s %8s %10s' "$target" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${speed:-?}")")
done
printf '\n%-16s %12s %8s %8s %10s\n' target executions cov ft exec/s
printf '%s\n' "${summary[@]}"
