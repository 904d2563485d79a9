# Sourced by pmdcon-rx's loopback tests, after ../scratch.sh and with $rx
# the binary. Sets $port, a random one to listen on. start_rx NAME ARGS...
# runs pmdcon-rx in the background (output in $dir/NAME.out and .err) and
# waits until it is bound; wait_rx waits for it and leaves its exit status
# in $rc (no subshell: a subshell cannot wait for this shell's children).
port=$((20000 + RANDOM % 20000))
start_rx() {
  local name=$1
  shift
  rm -f "$dir/$name.ready"
  "$rx" --ready_file="$dir/$name.ready" "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  rx_pid=$!
  wait_ready "$dir/$name.ready" "$dir/$name.err"
}
wait_rx() {
  rc=0
  wait "$rx_pid" || rc=$?
}
