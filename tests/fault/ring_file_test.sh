#!/usr/bin/env bash
# A file ring and its consumer (issue 12, items 7-11), pmdcon on real DPDK
# ports (net_null, net_pcap):
#   7. The file changes under pmdcon and pmdcon-ringgen: truncated (no
#      SIGBUS: both stop with a message naming the file), removed and
#      recreated (pmdcon sends what the old file held, then stops and says
#      so), reformatted in place (no bogus loss notice; it stops and says so).
#   9. A record skipped at the end of the ring is announced once, not again
#      by every restart (as seq 0 at time 0, which receivers take for a
#      reboot).
#   8. A record its writer reserved and never committed (it died) in
#      mid-ring: after a bounded wait (1 s) pmdcon skips it and announces
#      it; the records after it arrive.
#  10. A second pmdcon on a ring file another pmdcon consumes is refused,
#      naming the file, as the module's device refuses a second open; the
#      first goes on undisturbed.
#  11. The consumer writes read_id and consumer_pid into the consumer page,
#      as docs/ring-abi.md says.
set -euo pipefail
pmdcon=$1 gen=$2 dump=$3 rx=$4
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../../scripts/lib.sh"

# 8: record 50 of 100 is never committed.
"$gen" --ring="$dir/stuck" --size=1M --count=100 --abandon_at=50 >/dev/null 2>&1
cat >"$dir/stuck.yaml" <<YAML
eal: {vdevs: ["net_pcap0,tx_pcap=$dir/stuck.pcap"], memory_mb: 128}
port: {src_ipv4: 10.99.0.1, src_mac: "02:00:00:00:00:01"}
source: {type: file, path: $dir/stuck, start: oldest}
targets: [{name: t, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}]
stats: {interval_s: 0, telemetry: false}
YAML
"$pmdcon" --config "$dir/stuck.yaml" >"$dir/stuck.log" 2>&1 &
pid=$!
wait_ring_sent "$dir/stuck" "$dir/stuck.log"
kill -TERM "$pid"
wait "$pid" || fail "item 8: pmdcon: $(tail -3 "$dir/stuck.log")"
"$rx" --pcap="$dir/stuck.pcap" --listen=:6666 --quiet --fail_on_gap \
  --fail_on_malformed 2>"$dir/stuck.rx" || fail "item 8: $(cat "$dir/stuck.rx")"
grep -q 'seq 0-99, missing 0 in 0 gaps, announced lost 1,' "$dir/stuck.rx" ||
  fail "item 8: the records after the stuck one: $(cat "$dir/stuck.rx")"

# 9: the last record of the ring is never committed. The first run skips
# and announces it; the second, from where the first stopped, has nothing
# to send.
"$gen" --ring="$dir/end" --size=1M --count=100 --abandon_at=99 >/dev/null 2>&1
sed "s|$dir/stuck|$dir/end|; s/start: oldest/start: transmitted/" "$dir/stuck.yaml" >"$dir/end.yaml"
for run in 1 2; do
  sed -i "s|tx_pcap=[^\"]*|tx_pcap=$dir/end$run.pcap|" "$dir/end.yaml"
  "$pmdcon" --config "$dir/end.yaml" >"$dir/end$run.log" 2>&1 &
  pid=$!
  wait_started "$dir/end$run.log"
  # The interval under test: past the 1 s a stuck record is waited for (the
  # first run skips it, to announce it at the stop; the second has nothing
  # to send, and must send nothing).
  sleep 3
  kill -TERM "$pid"
  wait "$pid" || fail "item 9: pmdcon: $(tail -3 "$dir/end$run.log")"
done
"$rx" --pcap="$dir/end1.pcap" --listen=:6666 --quiet --fail_on_gap 2>"$dir/end1.rx" ||
  fail "item 9: $(cat "$dir/end1.rx")"
grep -q 'seq 0-99, missing 0 in 0 gaps, announced lost 1,' "$dir/end1.rx" ||
  fail "item 9: first run: $(cat "$dir/end1.rx")"
"$rx" --pcap="$dir/end2.pcap" --listen=:6666 2>"$dir/end2.rx" >"$dir/end2.txt" || true
grep -q 'no datagrams received' "$dir/end2.rx" ||
  fail "item 9: the restart announced the skipped record again: $(cat "$dir/end2.txt")"
echo "item 9: a skipped record announced once, not by the restart"

# 7: pmdcon on a ring file, sending to a capture; $1 names the run.
follow() {
  cat >"$dir/$1.yaml" <<YAML
eal: {vdevs: ["net_pcap0,tx_pcap=$dir/$1.pcap"], memory_mb: 128}
port: {src_ipv4: 10.99.0.1, src_mac: "02:00:00:00:00:01"}
source: {type: file, path: $dir/$1, start: oldest}
targets: [{name: t, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}]
stats: {interval_s: 0, telemetry: false}
YAML
  "$pmdcon" --config "$dir/$1.yaml" >"$dir/$1.log" 2>&1 &
  pid=$!
  wait_ring_sent "$dir/$1" "$dir/$1.log"
}
# read_past RING ID: the consumer page's read id is no longer ID.
read_past() { [ "$(consumer_id "$1" read)" != "$2" ]; }
stops() { # stops NAME MESSAGE: pmdcon exits 1 (not by a signal), saying so
  local rc=0
  wait_for 30 gone "$pid" || fail "item 7 ($1): pmdcon did not notice: $(tail -3 "$dir/$1.log")"
  wait "$pid" || rc=$?
  [ "$rc" = 1 ] || fail "item 7 ($1): pmdcon exited $rc: $(tail -3 "$dir/$1.log")"
  grep -qF "$2" "$dir/$1.log" || fail "item 7 ($1): $(tail -3 "$dir/$1.log")"
}

# 7, truncated to nothing while a writer writes and pmdcon reads.
"$gen" --ring="$dir/cut" --size=1M --count=1000 >/dev/null 2>&1
follow cut
read0=$(consumer_id "$dir/cut" read)
"$gen" --ring="$dir/cut" --count=0 --rate=20000 --seq_start=1000 >"$dir/cutgen.log" 2>&1 &
gen_pid=$!
# The writer writes and pmdcon reads what it wrote.
wait_for 30 read_past "$dir/cut" "$read0" || fail "item 7 (cut): pmdcon read no new record"
truncate -s 0 "$dir/cut"
stops cut "pmdcon: $dir/cut: the ring file was truncated to 0 bytes (was 1048576) while in use"
rc=0
wait "$gen_pid" || rc=$?
[ "$rc" = 1 ] || fail "item 7 (cut): pmdcon-ringgen exited $rc: $(cat "$dir/cutgen.log")"
grep -q "pmdcon-ringgen: $dir/cut: the ring file was truncated to 0 bytes" "$dir/cutgen.log" ||
  fail "item 7 (cut): $(cat "$dir/cutgen.log")"
echo "item 7: truncated: pmdcon and pmdcon-ringgen stop with a message, no SIGBUS"

# 7, removed and created again: the old file's records all go out first.
"$gen" --ring="$dir/new" --size=1M --count=1000 >/dev/null 2>&1
follow new
rm "$dir/new"
"$gen" --ring="$dir/new" --size=1M --count=10 >/dev/null 2>&1
stops new "pmdcon: $dir/new: the ring file was "
"$rx" --pcap="$dir/new.pcap" --listen=:6666 --quiet --expect=0-999 --fail_on_gap \
  2>"$dir/new.rx" || fail "item 7 (new): $(cat "$dir/new.rx")"
echo "item 7: removed and recreated: $(grep -o 'the ring file was [a-z]*' "$dir/new.log"), after records 0-999"

# 7, reformatted in place (the header wiped, then a new ring in the file).
"$gen" --ring="$dir/fmt" --size=1M --count=1000 >/dev/null 2>&1
follow fmt
dd if=/dev/zero of="$dir/fmt" bs=4096 count=1 conv=notrunc status=none
"$gen" --ring="$dir/fmt" --reformat --count=5 >/dev/null 2>&1
stops fmt "pmdcon: $dir/fmt: ring: the ring was replaced under the reader"
"$rx" --pcap="$dir/fmt.pcap" --listen=:6666 --quiet --expect=0-999 --fail_on_loss \
  2>"$dir/fmt.rx" || fail "item 7 (fmt): $(cat "$dir/fmt.rx")"
echo "item 7: reformatted in place: stopped, no loss invented"

"$gen" --ring="$dir/ring" --size=1M --count=100 >/dev/null 2>&1
conf() { null_config "$dir/ring" >"$dir/$1.yaml"; }
conf one
conf two
"$pmdcon" --config "$dir/one.yaml" >"$dir/one.log" 2>&1 &
pid=$!
wait_ring_sent "$dir/ring" "$dir/one.log"

# 11: read_id and consumer_pid are the running consumer's.
"$dump" --ring="$dir/ring" --header --quiet >"$dir/header"
grep -Eq "consumer: read 0x0*[1-9a-f][0-9a-f]* transmitted .* pid $pid\$" "$dir/header" ||
  fail "item 11: consumer page: $(grep consumer: "$dir/header")"

# 10: a second consumer is refused by name; the first is unharmed.
rc=0
timeout 20 "$pmdcon" --config "$dir/two.yaml" >"$dir/two.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "item 10: a second pmdcon on the ring exited $rc: $(tail -3 "$dir/two.log")"
grep -q "pmdcon: $dir/ring is in use: another consumer (pmdcon) holds its lock" "$dir/two.log" ||
  fail "item 10: $(tail -3 "$dir/two.log")"
"$dump" --ring="$dir/ring" --header --quiet >"$dir/header"
grep -Eq " pid $pid\$" "$dir/header" ||
  fail "item 10: the refused consumer changed the page: $(grep consumer: "$dir/header")"
"$gen" --ring="$dir/ring" --count=50 --seq_start=100 >/dev/null 2>&1
wait_ring_sent "$dir/ring" "$dir/one.log"
kill -TERM "$pid"
wait "$pid" || fail "the first pmdcon: $(tail -3 "$dir/one.log")"
grep -q 'pmdcon: target t: active, records 150,' "$dir/one.log" ||
  fail "item 10: the first consumer: $(grep 'target t' "$dir/one.log")"
# Issue 24, item 9: gone, it is no longer named as the ring's reader.
"$dump" --ring="$dir/ring" --header --quiet >"$dir/header"
grep -Eq " pid 0\$" "$dir/header" || fail "after exit: $(grep consumer: "$dir/header")"
echo "ring file: a stuck record skipped and announced; a second consumer refused by name; read_id and pid $pid in the consumer page"
