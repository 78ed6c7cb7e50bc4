#!/bin/sh
# `make bench`: deadbolt against Redis and flock, side by side in one run
# (docs/BENCHMARKS.md). Starts its own release deadboltd and its own
# redis-server on Unix sockets in a temp dir, runs the load generator, and
# stops both by pid on exit. The report goes to stdout and to
# Benchmarks/results/<timestamp>.md (git-ignored).
#   Benchmarks/run-bench.sh [--quick] DEADBOLTD LOADGEN DEADBOLT_CLI
# --quick: one repetition, short windows, fewer locks (about a minute).
# LOADGEN_ARGS: more load generator options, e.g. "--sections memory".
set -eu
. "$(dirname "$0")/wait-for-sockets.sh"
quick=
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
[ $# -eq 3 ] || { echo "usage: $0 [--quick] DEADBOLTD LOADGEN DEADBOLT_CLI" >&2; exit 64; }
deadboltd=$1 loadgen=$2 cli=$3
for tool in redis-server hyperfine flock; do
  command -v $tool >/dev/null || { echo "$0: $tool is missing (make deps installs it)" >&2; exit 69; }
done

if [ -n "$quick" ]; then
  load="--quick --reps 1 --window 1 --locks 200000 --cli-runs 50"
else
  load="--reps 3 --window 3 --locks 1000000 --cli-runs 200"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/deadbolt-bench.XXXXXX")
pids=
cleanup() { for pid in $pids; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

redis-server --port 0 --unixsocket "$dir/redis.sock" --save '' --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
redis_pid=$!
pids="$pids $redis_pid"
# The memory and expiry sections hold a million locks on one connection,
# far above the default per-connection limits.
"$deadboltd" --socket "$dir/deadbolt.sock" --state-dir "$dir/state" --log-level warning \
  --max-locks-per-connection 2000000 --max-waiters-per-connection 2000000 \
  --max-locks-per-uid 4000000 --max-waiters-per-uid 4000000 >"$dir/deadboltd.log" 2>&1 &
deadbolt_pid=$!
pids="$pids $deadbolt_pid"
wait_for_sockets "$dir" redis.sock deadbolt.sock

{
  echo "## deadbolt benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')${quick:+ (quick)}"
  echo
  echo "- machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores, Linux $(uname -r)"
  echo "- deadboltd $("$deadboltd" --version 2>&1 | head -n 1) (release build); $(redis-server --version | cut -d' ' -f1-3); $(hyperfine --version)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git --no-optional-locks diff --quiet HEAD -- Sources 2>/dev/null || echo ' (Sources modified)')"
  echo
} >"$dir/header.md"
cat "$dir/header.md" >&2
# shellcheck disable=SC2086 # $load is a list of options
"$loadgen" --deadbolt-socket "$dir/deadbolt.sock" --deadbolt-pid "$deadbolt_pid" \
  --redis-socket "$dir/redis.sock" --redis-pid "$redis_pid" --cli "$cli" --tmp-dir "$dir" $load ${LOADGEN_ARGS:-} >"$dir/report.md"

# Written only once the whole run has succeeded.
results=Benchmarks/results
mkdir -p "$results"
out="$results/$(date -u +%Y%m%dT%H%M%SZ).md"
cat "$dir/header.md" "$dir/report.md" >"$out"
cat "$out"
echo
echo "written to $out"
