#!/bin/sh
# The cross-host handoff benchmark: its own redis-server and two deadboltd
# brokers (release build) on temp Unix sockets, stopped by pid afterwards.
#   Benchmarks/upstream/run.sh DEADBOLTD BENCH_BINARY [ROUNDS] [REPETITIONS]
set -eu
. "$(dirname "$0")/../wait-for-sockets.sh"
deadboltd=$1 bench=$2 rounds=${3:-300} reps=${4:-3}
dir=$(mktemp -d "${TMPDIR:-/tmp}/deadbolt-bench.XXXXXX")
pids=
cleanup() { for pid in $pids; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

redis-server --port 0 --unixsocket "$dir/redis.sock" --save '' --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
pids="$pids $!"
for host in a b; do
  "$deadboltd" --socket "$dir/$host.sock" --state-dir "$dir/$host-state" --log-level warning \
    --upstream "unix://$dir/redis.sock" --upstream-broker-id "host-$host" >"$dir/$host.log" 2>&1 &
  pids="$pids $!"
done
# Start-up: wait for the three sockets (a bench script may poll).
wait_for_sockets "$dir" redis.sock a.sock b.sock
"$bench" "$dir/a.sock" "$dir/b.sock" "$dir/redis.sock" "$rounds" "$reps"
