#!/usr/bin/env bash
# pmdcon's TX engine against dpdk-testpmd --forward-mode=txonly on the same
# vdev (net_null, one TX lcore), in the same run. testpmd's frames are the
# size of pmdcon's for a 100-byte text (about 170 bytes).
# Usage: bench/engine_vs_testpmd.sh BUILD_DIR
set -euo pipefail
build=$1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout -s INT 6 dpdk-testpmd --no-huge -m 1024 --no-pci --no-shconf \
  --no-telemetry --vdev net_null0 -l 0,1 -- --forward-mode=txonly \
  --auto-start --stats-period 1 --txpkts=170 --total-num-mbufs=16384 \
  >"$log" 2>&1 || true
testpmd=$(grep -o 'Tx-pps: *[0-9]*' "$log" | awk '{print $2}' | sort -n | tail -1)
out=$("$build/bench/engine_bench" --benchmark_min_time=2 2>/dev/null)
pmdcon=$(grep -o 'items_per_second=[0-9.]*[kMG]' <<<"$out" | head -1 | cut -d= -f2)
latency() {
  grep "^BM_EngineLatency/rate:1000000/spread:$1" <<<"$out" |
    grep -oE '(p50|p99|p999|max)_ns=[0-9.]*[kM]*' | tr '\n' ' '
}
jitter=$(grep '^BM_HostJitter' <<<"$out" | grep -o '[a-z0-9_]*=[0-9.]*[kM]*' | tr '\n' ' ')
python3 - "$testpmd" "$pmdcon" <<'PY'
import sys
tp = float(sys.argv[1])
v = sys.argv[2]
scale = {"k": 1e3, "M": 1e6, "G": 1e9}[v[-1]]
pm = float(v[:-1]) * scale
print(f"dpdk-testpmd txonly, net_null, 170-byte frames: {tp / 1e6:.1f} Mpps")
print(f"pmdcon engine, net_null, 100-byte extended records: {pm / 1e6:.2f} M records/s"
      f" = {pm / tp:.2f} of testpmd's rate -> >= 10 M/s "
      f"{'meets target' if pm >= 10e6 else 'MISSES target'}")
PY
echo "latency producer stamp -> tx_burst return, 1 M records/s:"
echo "  chunks of 50 written at once every 50 us:  $(latency 0)"
echo "  chunks of 50 spread 0.6 us apart:           $(latency 1)"
echo "  (targets p50 <= 2 us, p99 <= 10 us; on a dedicated isolated core)"
echo "host stalls of a pure spinner on the TX lcore, same run: $jitter"
