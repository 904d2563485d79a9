# Sourced by the test scripts: a scratch directory $dir, removed on exit,
# and every background job (a pmdcon busy-polls a CPU) killed on any exit,
# failures included; fail MESSAGE ends the test. A test waits on what it
# checks, never on a fixed sleep: wait_for (scripts/lib.sh) and the waits
# below, e.g. `wait_for 30 grep -q 'link down' "$dir/log" || fail "..."`.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
dir=$(mktemp -d)
cleanup() {
  for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# gone PID: the process has exited (`wait_for 10 gone "$pid"`).
gone() { ! kill -0 "$1" 2>/dev/null; }
# lines FILE: how many lines FILE holds (0 while it does not exist);
# has_lines FILE N: at least N.
lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }
has_lines() { (($(lines "$1") >= $2)); }
# wait_ready FILE [LOG]: pmdcon-rx created its --ready_file FILE (it is
# bound and listening); fails, with LOG's end, if it does not.
wait_ready() {
  wait_for 30 test -e "$1" ||
    fail "pmdcon-rx did not start (no $1)${2:+: $(tail -3 "$2")}"
}
# started LOG [N]: pmdcon has started its engine more than N times (default
# 0) in LOG: its "TX on lcore" line. It catches its signals from the first
# instant, and reads the ring from then on.
started() {
  local n
  n=$(grep -c 'TX on lcore' "$1" 2>/dev/null) || true
  ((${n:-0} > ${2:-0}))
}
wait_started() { # wait_started LOG [N]: started, or the test fails
  wait_for 30 started "$@" || fail "pmdcon did not start: $(tail -3 "$1")"
}
# The file ring RING's consumer page, as pmdcon (its consumer) publishes
# it; these need $dump, pmdcon-ringdump. consumer_id RING WHICH: its `read`
# or `transmitted` id. ring_sent RING: pmdcon handed every record in RING to
# the NIC (for a reliable target: its collector acknowledged them), the
# transmitted id is the ring's head.
consumer_id() {
  "$dump" --ring="$1" --header --quiet 2>/dev/null |
    awk -v w="$2" '/^consumer:/ {for (i = 2; i < NF; i++) if ($i == w) print $(i + 1)}'
}
ring_sent() {
  "$dump" --ring="$1" --header --quiet 2>/dev/null |
    awk '/^head / {h = $2} /^consumer:/ {t = $5} END {exit !(h != "" && h == t)}'
}
wait_ring_sent() { # wait_ring_sent RING LOG: ring_sent, or the test fails
  wait_for 30 ring_sent "$1" ||
    fail "pmdcon did not send all of $1 ($("$dump" --ring="$1" --header --quiet 2>&1 |
      grep -E '^head|^consumer' | tr '\n' ' ')): $(tail -3 "$2")"
}
