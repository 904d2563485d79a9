#!/usr/bin/env bash
# A file ring and its consumer (issue 12, items 8, 10 and 11), pmdcon on
# real DPDK ports (net_null, net_pcap):
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
sleep 3
kill -TERM "$pid"
wait "$pid" || fail "item 8: pmdcon: $(tail -3 "$dir/stuck.log")"
"$rx" --pcap="$dir/stuck.pcap" --listen=:6666 --quiet --fail_on_gap \
  --fail_on_malformed 2>"$dir/stuck.rx" || fail "item 8: $(cat "$dir/stuck.rx")"
grep -q 'seq 0-99, missing 0 in 0 gaps, announced lost 1,' "$dir/stuck.rx" ||
  fail "item 8: the records after the stuck one: $(cat "$dir/stuck.rx")"

"$gen" --ring="$dir/ring" --size=1M --count=100 >/dev/null 2>&1
conf() {
  cat >"$dir/$1.yaml" <<YAML
eal: {vdevs: ["net_null0"], memory_mb: 128}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/ring, start: oldest}
targets: [{name: t, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}]
stats: {interval_s: 0, telemetry: false}
YAML
}
conf one
conf two
"$pmdcon" --config "$dir/one.yaml" >"$dir/one.log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'TX on lcore' "$dir/one.log" && break; sleep 0.1; done
sleep 0.5

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
"$gen" --ring="$dir/ring" --count=50 --seq_start=100 >/dev/null 2>&1
sleep 0.5
kill -TERM "$pid"
wait "$pid" || fail "the first pmdcon: $(tail -3 "$dir/one.log")"
grep -q 'pmdcon: target t: active, records 150,' "$dir/one.log" ||
  fail "item 10: the first consumer: $(grep 'target t' "$dir/one.log")"
echo "ring file: a stuck record skipped and announced; a second consumer refused by name; read_id and pid $pid in the consumer page"
