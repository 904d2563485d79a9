#!/usr/bin/env bash
# pmdcon-rx under hostile input (issue 12, items 12, 13 and 15), on
# loopback with forged sources (a raw socket):
#  12. 100,000 sources: resident memory stays within the budget, idle
#      sources are evicted and counted, a legitimate source's records all
#      arrive (it starts after the table would have been full).
#  13. A flood of incomplete records declaring 65,000 bytes: memory follows
#      what arrived; a legitimate fragmented stream arrives whole.
#  15. Overlapping fragments that disagree are refused, not spliced; ESC and
#      BEL never reach a terminal raw; --pcap honours every --listen.
set -euo pipefail
rx=$1
here=$(dirname "$0")
source "$here/../scratch.sh"
port=$((20000 + RANDOM % 20000))
hostile() { python3 "$here/rx_hostile.py" "$@"; }

# start NAME ARGS...: pmdcon-rx in the background, JSON to $dir/NAME.jsonl.
start() {
  local name=$1
  shift
  rm -f "$dir/ready"
  "$rx" --listen="127.0.0.1:$port" --format=json --output="$dir/$name.jsonl" \
    --ready_file="$dir/ready" "$@" 2>"$dir/$name.err" &
  rxpid=$!
  wait_ready "$dir/ready" "$dir/$name.err"
}
# legit FILE: how many records of the legitimate source FILE holds.
legit() { grep -c '"source":"127.0.0.1:40000"' "$1" || true; }
# through FILE N: N at least, and pmdcon-rx's socket holds nothing unread.
through() {
  (($(legit "$1") >= $2)) &&
    ss -Hlun "sport = :$port" | awk '$2 != 0 {n++} END {exit n > 0}'
}
# finish NAME BUDGET_MB LEGIT: waits until the legitimate source's LEGIT
# records are out and everything sent was read, checks the peak resident
# memory against the budget, stops pmdcon-rx.
finish() {
  wait_for 60 through "$dir/$1.jsonl" "$3" ||
    fail "$1: $(legit "$dir/$1.jsonl") of the legitimate source's $3 records: $(tail -3 "$dir/$1.err")"
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$rxpid/status")
  kill -TERM "$rxpid"
  wait "$rxpid" || true
  echo "$1: peak resident $((hwm / 1024)) MiB, budget $2 MiB;" \
    "$(grep '^memory' "$dir/$1.err")"
  # Under the sanitizers resident memory is mostly theirs: not judged.
  [ -n "${PMDCON_SANITIZED:-}" ] || [ "$hwm" -le $(($2 * 1024)) ] ||
    fail "$1: resident $hwm KiB > $2 MiB"
}

# 12. With the default budget (256 MiB), then with 48 MiB.
for budget in 256 48; do
  flag=()
  [ "$budget" = 256 ] || flag=(--memory_budget_mb="$budget")
  start "sources$budget" "${flag[@]}"
  hostile sources "$port" 100000 10000
  finish "sources$budget" "$budget" 10000
  hostile legit "$dir/sources$budget.jsonl" 10000 || fail "sources$budget"
  grep -q "evicted for the budget: [1-9][0-9]* idle sources" \
    "$dir/sources$budget.err" || fail "sources$budget: no eviction reported"
  # The CPU line counts every datagram, the evicted sources' too (issue
  # 24, item 9: it counted the sources still held).
  n=$(sed -n 's/.*: cpu [0-9.]* s for \([0-9]*\) datagrams.*/\1/p' "$dir/sources$budget.err")
  [ -n "$n" ] && [ "$n" -ge 100000 ] ||
    fail "sources$budget: $(grep 'cpu' "$dir/sources$budget.err") (100,000 sources sent one at least)"
done

# 13. 50,000 incomplete records (200 sources, 256 pending each at most).
start incomplete
hostile incomplete "$port" 50000 2000
finish incomplete 256 2000
hostile legit "$dir/incomplete.jsonl" 2000 || fail "incomplete"

# 15. Overlaps: seq 1's disagree (refused and counted), seq 2's agree.
start conflict
hostile conflict "$port"
finish conflict 256 1  # seq 2; seq 1 is refused
grep -q '"seq":2,.*"text":"0123456789abcdefghij"' "$dir/conflict.jsonl" ||
  fail "conflict: the agreeing record is missing: $(cat "$dir/conflict.jsonl")"
! grep -q '"seq":1,' "$dir/conflict.jsonl" ||
  fail "conflict: spliced: $(cat "$dir/conflict.jsonl")"
grep -q 'reassembly failures 1 (1 with conflicting overlaps)' \
  "$dir/conflict.err" || fail "conflict: $(cat "$dir/conflict.err")"
echo "conflict: refused and counted"

# 15. Text output to a terminal, and --pcap with two --listen ports.
hostile pcap "$dir/esc.pcap"
"$rx" --pcap="$dir/esc.pcap" --listen=:6666,:6667 >"$dir/esc.txt" \
  2>"$dir/esc.err" || fail "pcap: $(cat "$dir/esc.err")"
! grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$dir/esc.txt" ||
  fail "control bytes reach the terminal: $(od -c "$dir/esc.txt" | head)"
grep -qF 'red \x1b[31mALERT\x1b[0m\x07' "$dir/esc.txt" ||
  fail "pcap: $(cat "$dir/esc.txt")"
grep -q 'second port' "$dir/esc.txt" || fail "pcap: port 6667 not read"
! grep -q 'not listened to' "$dir/esc.txt" || fail "pcap: port 6668 read"
echo "text output escaped; --pcap read ports 6666 and 6667, not 6668"
