# Sourced by the test scripts: a scratch directory $dir, removed on exit,
# and every background job (a pmdcon busy-polls a CPU) killed on any exit,
# failures included; fail MESSAGE ends the test.
dir=$(mktemp -d)
cleanup() {
  for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# wait_for SECONDS COMMAND...: COMMAND every 50 ms until it succeeds; false
# once SECONDS passed. A test waits on what it checks, never on a fixed
# sleep: `wait_for 10 grep -q 'link down' "$dir/log" || fail "..."`.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS <= end)) || return 1
    sleep 0.05
  done
}
