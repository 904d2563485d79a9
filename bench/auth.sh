#!/usr/bin/env bash
# The cost of authenticated records (`auth:`, a SipHash-2-4 MAC sealed
# into every payload): engine throughput on net_null, 100-byte extended
# records, sealed versus plain, in the same sitting (engine_bench
# BM_EngineNetNull, runs alternated, medians). Target: sealed >= 0.80 of
# plain. Also the MAC alone per payload size (wire_bench BM_Seal), next to
# a memcpy of the same bytes (BM_MemcpyPayload).
# Usage: bench/auth.sh BUILD_DIR [RUNS]
set -euo pipefail
build=$(cd "$1" && pwd)
runs=${2:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "engine throughput, net_null, 100-byte extended records ($runs alternated runs):"
for _ in $(seq "$runs"); do
  for auth in 0 1; do
    "$build/bench/engine_bench" \
      --benchmark_filter="BM_EngineNetNull/text:100/reliable:0/auth:$auth" \
      --benchmark_min_time=1 2>/dev/null | grep '^BM_EngineNetNull' >>"$out"
  done
done
python3 - "$out" <<'PY'
import re, statistics, sys
rates = {"0": [], "1": []}
scale = {"k": 1e3, "M": 1e6, "G": 1e9}
for line in open(sys.argv[1]):
    m = re.search(r"auth:(\d).*items_per_second=([0-9.]+)([kMG])", line)
    if m:
        rates[m.group(1)].append(float(m.group(2)) * scale[m.group(3)])
plain, sealed = statistics.median(rates["0"]), statistics.median(rates["1"])
for name, key in (("plain ", "0"), ("sealed", "1")):
    runs = ", ".join(f"{r / 1e6:.2f}" for r in rates[key])
    print(f"   {name} {statistics.median(rates[key]) / 1e6:.2f} M records/s  (runs: {runs})")
r = sealed / plain
print(f"   sealed / plain = {r:.3f} -> target >= 0.80 {'met' if r >= 0.80 else 'MISSED'}")
PY
echo "the MAC alone (wire_bench):"
"$build/bench/wire_bench" --benchmark_filter='BM_Seal/|BM_MemcpyPayload/(128|957)' \
  --benchmark_min_time=0.5 2>/dev/null | grep '^BM_' | sed 's/^/   /'
