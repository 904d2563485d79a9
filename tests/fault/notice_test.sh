#!/usr/bin/env bash
# Loss notices that must reach the receiver whole and in time (issue 12,
# items 2 and 3), on a real DPDK port (net_pcap), judged by pmdcon-rx:
#  2. With long userdata (five 200-byte values) a notice spans several
#     payloads: every fragment goes out, no reassembly failure, no gap.
#  3. Records the rate limit dropped are announced with no record after
#     them: the notice goes once the limiter allows, or at shutdown.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3 dump=$4
source "$(dirname "$0")/../scratch.sh"

# run NAME RING START EXTRA: pmdcon with one target (EXTRA: its other
# settings) until it sent the ring, then SIGTERM; the capture is
# $dir/NAME.pcap.
run() {
  cat >"$dir/$1.yaml" <<YAML
eal: {vdevs: ["net_pcap0,tx_pcap=$dir/$1.pcap"], memory_mb: 128}
port: {src_ipv4: 10.99.0.1, src_mac: "02:00:00:00:00:01"}
source: {type: file, path: $2, start: $3}
targets:
  - {name: t, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02", $4}
stats: {interval_s: 0, telemetry: false}
YAML
  "$pmdcon" --config "$dir/$1.yaml" >"$dir/$1.log" 2>&1 &
  local pid=$!
  wait_ring_sent "$2" "$dir/$1.log"
  kill -TERM "$pid"
  wait "$pid" || fail "$1: pmdcon: $(tail -3 "$dir/$1.log")"
}
judge() { # judge NAME: no silent gap, nothing malformed, a loss announced
  "$rx" --pcap="$dir/$1.pcap" --listen=:6666 --quiet --fail_on_gap \
    --fail_on_malformed 2>"$dir/$1.rx" || fail "$1: $(cat "$dir/$1.rx")"
  grep -q 'announced lost [1-9]' "$dir/$1.rx" || fail "$1: no loss announced: $(cat "$dir/$1.rx")"
  grep -q 'reassembly failures 0' "$dir/$1.rx" || fail "$1: $(cat "$dir/$1.rx")"
  echo "$1: $(grep -o 'records [0-9]*.*announced lost [0-9]*' "$dir/$1.rx")"
}

# 2. Records overwritten before pmdcon ran, announced with long userdata.
v=$(printf 'v%.0s' $(seq 200))
"$gen" --ring="$dir/small" --size=64K --count=2000 --text_size=100 >/dev/null 2>&1
run long "$dir/small" transmitted "userdata: {k1: $v, k2: $v, k3: $v, k4: $v, k5: $v}"
judge long

# 3. 400 records at once into a limit of 100/s with a burst of 10: 390 are
#    dropped and no record comes after them.
"$gen" --ring="$dir/rl" --size=1M --count=400 >/dev/null 2>&1
run limited "$dir/rl" oldest "rate_limit: {records_per_s: 100, burst: 10}"
judge limited
