#!/usr/bin/env bash
# pmdcon-rx's /metrics (--metrics) on loopback: the values equal what was
# sent and what the summary prints (records, gaps, announced losses, a
# panic), a scrape during a flood costs no record, and a port in use is a
# clear startup error.
set -euo pipefail
rx=$(realpath "$1") send=$2
here=$(dirname "$0")
source "$here/../scratch.sh"
source "$here/start_rx.sh"

# scrape NAME: GET /metrics into $dir/NAME.prom (python3: curl may be absent).
scrape() {
  python3 - "$url" >"$dir/$1.prom" <<'PY'
import sys, urllib.request
r = urllib.request.urlopen(sys.argv[1], timeout=10)
assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
sys.stdout.write(r.read().decode())
PY
}
# value FILE METRIC LABELS: the sample's value ("" if absent), LABELS as in
# the text: 'source="127.0.0.1:5"'.
value() {
  awk -v key="$2{$3}" '$1 == key { print $2 }' "$1"
}
# summed FILE METRIC: the sum over its samples.
summed() {
  awk -v m="$2" 'index($1, m "{") == 1 || $1 == m { s += $2 } END { print s + 0 }' "$1"
}

start_rx m --listen=127.0.0.1:$port --metrics=127.0.0.1:0 --workers=2 \
  --output="$dir/m.records" --duration=120
url=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/m.err") ||
  fail "no 'metrics on' line: $(cat "$dir/m.err")"
addr=${url#http://}
addr=${addr%/metrics}

# 1. A port in use is a startup error naming the flag and the address.
if "$rx" --listen=127.0.0.1:0 --metrics="$addr" --duration=1 2>"$dir/busy.err"; then
  fail "a second pmdcon-rx on $addr started"
fi
grep -q -- "--metrics=$addr: " "$dir/busy.err" ||
  fail "port in use: $(cat "$dir/busy.err")"
[ "$(grep -o -- "$addr" "$dir/busy.err" | wc -l)" = 1 ] ||
  fail "the address more than once: $(cat "$dir/busy.err")"

# 2. One sender (one port): records 0-2, a loss notice for 3-7 (seq 8), a
#    panic (seq 9), an oops, a gap 12-13, and a last record 14.
python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
recs = [
    "6,0,1000,-;hello",
    "6,1,1001,-;world",
    "6,2,1002,-;again",
    "4,8,1008,-;pmdcon: 5 records lost\n PMDCON_LOST=5\n PMDCON_LOST_SEQ=3-7",
    "0,9,1009,-;Kernel panic - not syncing: Fatal exception in interrupt",
    "4,10,1010,-;Oops: 0002 [#1] PREEMPT SMP",
    "4,11,1011,-;after the oops",
    "6,14,1014,-;the end",
]
for r in recs:
    s.sendto(r.encode(), ("127.0.0.1", int(sys.argv[1])))
PY
# 3. pmdcon-wiresend: 1000 records, 10 skipped, every 100th twice.
"$send" --to=127.0.0.1:$port --count=1000 --skip=500-509 --duplicate_every=100 >/dev/null
total=$((8 + 990))
settled() {
  scrape now && (($(summed "$dir/now.prom" pmdcon_rx_source_records_total) == total))
}
wait_for 30 settled || fail "records_total: $(grep records_total "$dir/now.prom")"
scrape a
grep -q '^pmdcon_rx_build_info{version="[0-9.]*"} 1$' "$dir/a.prom" || fail "build_info"

# The summary (SIGUSR1), a line per source, against the scrape.
kill -USR1 "$rx_pid"
wait_for 10 grep -q '^worker 1:' "$dir/m.err" || fail "no summary"
wait_for 10 grep -q '^worker 0:' "$dir/m.err" || fail "no summary"
wait_for 10 test "$(grep -c '^127.0.0.1:[0-9]*: records' "$dir/m.err")" = 2 ||
  fail "summary: $(cat "$dir/m.err")"
while read -r line; do
  src=${line%%: records*}
  l="source=\"$src\""
  records=$(sed -E 's/.*: records ([0-9]+), basic chunks ([0-9]+),.*/\1/' <<<"$line")
  missing=$(sed -E 's/.*, missing ([0-9]+) in ([0-9]+) gaps.*/\1/' <<<"$line")
  gaps=$(sed -E 's/.*, missing ([0-9]+) in ([0-9]+) gaps.*/\2/' <<<"$line")
  lost=$(sed -E 's/.*announced lost ([0-9]+),.*/\1/' <<<"$line")
  dups=$(sed -E 's/.*duplicates ([0-9]+),.*/\1/' <<<"$line")
  bytes=$(sed -E 's/.*, bytes ([0-9]+),.*/\1/' <<<"$line")
  # (gaps_total counts gaps ever opened, the summary those open now.)
  for pair in "records_total:$records" "missing_records:$missing" \
    "lost_records_total:$lost" "duplicates_total:$dups" \
    "bytes_total:$bytes"; do
    got=$(value "$dir/a.prom" "pmdcon_rx_source_${pair%%:*}" "$l")
    [ "$got" = "${pair#*:}" ] ||
      fail "$src ${pair%%:*}: /metrics $got, summary ${pair#*:}"
  done
  if [ "$records" = 8 ]; then
    [ "$missing $gaps $lost" = "2 1 5" ] || fail "crafted source: $line"
    # 3-7, filled by the notice, and 12-13.
    [ "$(value "$dir/a.prom" pmdcon_rx_source_gaps_total "$l")" = 2 ] ||
      fail "gaps_total: $(grep gaps_total "$dir/a.prom")"
    [ "$(value "$dir/a.prom" pmdcon_rx_source_panics_total "$l,kind=\"panic\"")" = 1 ] ||
      fail "panic: $(grep panics_total "$dir/a.prom")"
    [ "$(value "$dir/a.prom" pmdcon_rx_source_panics_total "$l,kind=\"oops\"")" = 1 ] ||
      fail "oops"
    [ "$(value "$dir/a.prom" pmdcon_rx_source_panics_total "$l,kind=\"bug\"")" = 0 ] ||
      fail "bug"
    at=$(value "$dir/a.prom" pmdcon_rx_source_last_panic_timestamp_seconds "$l")
    python3 -c "import sys, time; sys.exit(abs(time.time() - float('$at')) > 60)" ||
      fail "last panic at $at, not now"
  else
    [ "$records $missing $gaps $dups" = "990 10 1 9" ] || fail "wiresend: $line"
    [ "$(value "$dir/a.prom" pmdcon_rx_source_gaps_total "$l")" = 1 ] ||
      fail "gaps_total: $(grep gaps_total "$dir/a.prom")"
    [ -z "$(value "$dir/a.prom" pmdcon_rx_source_last_panic_timestamp_seconds "$l")" ] ||
      fail "a panic from wiresend?"
  fi
  idle=$(value "$dir/a.prom" pmdcon_rx_source_idle_seconds "$l")
  python3 -c "import sys; sys.exit(not 0 <= float('$idle') < 60)" || fail "idle $idle"
done < <(grep '^127.0.0.1:[0-9]*: records' "$dir/m.err")
grep -q '^pmdcon_rx_sources 2$' "$dir/a.prom" || fail "sources: $(grep '^pmdcon_rx_sources' "$dir/a.prom")"
grep -q '^pmdcon_rx_source_records_total{source="evicted"} 0$' "$dir/a.prom" || fail "evicted"
grep -q '^pmdcon_rx_source_records_total{source="other"} 0$' "$dir/a.prom" || fail "other"
# Every datagram, duplicates included: 8 + 990 + 9 (every 100th of 990 twice).
(($(summed "$dir/a.prom" pmdcon_rx_worker_datagrams_total) == 8 + 990 + 9)) ||
  fail "datagrams: $(grep datagrams_total "$dir/a.prom")"
out="output=\"$dir/m.records\""
(($(summed "$dir/a.prom" pmdcon_rx_output_delivered_records_total) == total)) ||
  fail "output delivered: $(grep "output_delivered" "$dir/a.prom")"
grep -q "^pmdcon_rx_output_dropped_records_total{worker=\"0\",$out} 0$" "$dir/a.prom" ||
  fail "output labels: $(grep output_dropped "$dir/a.prom")"
for m in pmdcon_rx_memory_budget_bytes pmdcon_rx_memory_used_bytes pmdcon_rx_resident_bytes; do
  (($(summed "$dir/a.prom" $m) > 0)) || fail "$m"
done

# 4. A flood of 60000 records while /metrics is scraped 20 times a second:
#    every record arrives, and the last scrape agrees with the summary.
"$send" --to=127.0.0.1:$port --count=60000 --rate=30000 --text_size=200 >/dev/null &
flood=$!
scrapes=0
while kill -0 "$flood" 2>/dev/null; do
  scrape flood
  scrapes=$((scrapes + 1))
  sleep 0.05
done
wait "$flood"
((scrapes >= 3)) || fail "only $scrapes scrapes during the flood"
total=$((total + 60000))
wait_for 30 settled || fail "after the flood: $(grep records_total "$dir/now.prom")"
scrape end
kill -TERM "$rx_pid"
wait_rx
[ "$rc" = 0 ] || fail "pmdcon-rx exit $rc: $(tail -5 "$dir/m.err")"
flood_line=$(grep -E '^127.0.0.1:[0-9]*: records 60000, ' "$dir/m.err" | tail -1) ||
  fail "flood lost records: $(tail -8 "$dir/m.err")"
grep -q 'missing 0 in 0 gaps' <<<"$flood_line" || fail "flood: $flood_line"
src=${flood_line%%: records*}
[ "$(value "$dir/end.prom" pmdcon_rx_source_records_total "source=\"$src\"")" = 60000 ] ||
  fail "flood source in /metrics: $(grep records_total "$dir/end.prom")"

# 5. --metrics_sources=1: of three senders (two workers), the one with the
#    most records has series, the other two are summed under "other".
start_rx c --listen=127.0.0.1:$port --metrics=127.0.0.1:0 --workers=2 \
  --metrics_sources=1 --duration=60
url=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/c.err")
for n in 30 5 7; do
  "$send" --to=127.0.0.1:$port --count=$n >/dev/null
done
capped() {
  scrape c && (($(summed "$dir/c.prom" pmdcon_rx_source_records_total) == 42))
}
wait_for 30 capped || fail "capped: $(grep records_total "$dir/c.prom")"
[ "$(grep -c '^pmdcon_rx_source_records_total{source="127' "$dir/c.prom")" = 1 ] ||
  fail "capped: $(grep records_total "$dir/c.prom")"
grep -q '^pmdcon_rx_source_records_total{source="127.0.0.1:[0-9]*"} 30$' "$dir/c.prom" ||
  fail "capped, the largest: $(grep records_total "$dir/c.prom")"
grep -q '^pmdcon_rx_source_records_total{source="other"} 12$' "$dir/c.prom" ||
  fail "capped, other: $(grep records_total "$dir/c.prom")"
grep -q '^pmdcon_rx_sources_other 2$' "$dir/c.prom" || fail "sources_other"
kill -TERM "$rx_pid"
wait_rx
[ "$rc" = 0 ] || fail "pmdcon-rx (capped) exit $rc: $(tail -5 "$dir/c.err")"
echo "ok: /metrics agrees with the summary; $scrapes scrapes during a flood of 60000; --metrics_sources caps the series"
