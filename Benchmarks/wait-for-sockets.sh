# Sourced by the bench scripts: wait_for_sockets DIR NAME... waits until
# each DIR/NAME is a socket (the servers are up), or fails after 30 s with
# the servers' logs (DIR/*.log).
wait_for_sockets() {
  wait_dir=$1; shift
  for socket in "$@"; do
    tries=0
    until [ -S "$wait_dir/$socket" ]; do
      tries=$((tries + 1)); [ $tries -lt 600 ] || { echo "no $socket" >&2; cat "$wait_dir"/*.log >&2; exit 1; }
      sleep 0.05
    done
  done
}
