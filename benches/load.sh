#!/usr/bin/env bash
# The load run on loopback: by default 5 000 Basic256Sha256 SignAndEncrypt
# channels, each sending a 200-byte request every second for 60 s, then
# closing (examples/load.rs). Builds in release, raises the open-file limit,
# runs the load generator, which starts the example server as a process of
# its own (so that the server's memory and CPU are its own), and prints the
# machine and the table of results. Exits non-zero if any channel failed.
#
#   bash benches/load.sh [load options, e.g. --channels 1000 --seconds 20]
set -euo pipefail
cd "$(dirname "$0")/.."

args=("$@")
if [ ${#args[@]} -eq 0 ]; then
    args=(--channels 5000 --seconds 60 --interval 1 --policy Basic256Sha256 --mode SignAndEncrypt)
fi

cargo build --release --quiet --features tokio,cert-generate,cert-store --example load --example server

# One descriptor per channel in each process, and some to spare.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then
    ulimit -n 65536
else
    ulimit -n "$hard"
fi

echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/ {print $2}') GiB"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (load average before the run)"
echo "rustc:   $(rustc --version)"
echo "limits:  $(ulimit -n) open files"
echo "run:     ${args[*]}"
echo
target=${CARGO_TARGET_DIR:-target}/release/examples
"$target/load" --server "$target/server" "${args[@]}"
