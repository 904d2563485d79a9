#!/usr/bin/env bash
# What a Prometheus scrape costs the hot paths, each against itself
# unscraped in the same run, rounds alternated (the machine is shared):
#  1. pmdcon's TX engine (net_null) sending a ring prefilled with RECORDS
#     100-byte records (6 M, 1 GiB): its rate from the consumer page, read
#     every 50 ms while it drains (about 0.7 s, so "every second" is at
#     most one scrape per drain); metrics off, against /metrics scraped
#     every second, and every 10 ms (a bound: far beyond any Prometheus);
#  2. pmdcon-rx: RECORDS records from pmdcon-wiresend at full rate over
#     loopback; records received and pmdcon-rx's CPU per packet, metrics off
#     against scraped every second and every 10 ms.
# Prints medians and the median of the per-round ratios scraped/unscraped.
# Usage: bench/metrics.sh BUILD_DIR [RECORDS] [ROUNDS]
set -euo pipefail
build=$(cd "$1" && pwd)
records=${2:-1000000}  # pmdcon-rx's; pmdcon's ring holds 6,000,000
rounds=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../scripts/lib.sh"
pmdcon=$build/src/pmdcon rx=$build/src/pmdcon-rx
gen=$build/src/tools/pmdcon-ringgen dump=$build/src/tools/pmdcon-ringdump
send=$build/src/tools/pmdcon-wiresend
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
port() { echo $((20000 + RANDOM % 20000)); }

# scrape URL PERIOD: GETs URL every PERIOD seconds until killed, on CPU 0
# (EAL's main lcore; the TX lcore is CPU 1), as Prometheus would run on a
# housekeeping core or another host, never on the TX lcore's.
scrape() {
  exec taskset -c 0 python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request
url, period = sys.argv[1], float(sys.argv[2])
while True:
    try:
        urllib.request.urlopen(url, timeout=5).read()
    except OSError:
        pass  # not listening yet
    time.sleep(period)
PY
}

sent_all() {
  "$dump" --ring="$1" --header --quiet 2>/dev/null |
    awk '/^head / {h = $2} /^consumer:/ {t = $5} END {exit !(h != "" && h == t)}'
}

# tx MODE (off, 1, 0.01): prints pmdcon's send rate, records/s, taken
# from the consumer page between two readings in the middle of the drain
# (start-up and the end's polling are outside it).
tx() {
  local p metrics="" pid spid=""
  p=$(port)
  [ "$1" = off ] || metrics=", metrics: \"127.0.0.1:$p\""
  cat >"$dir/tx.yaml" <<YAML
eal: {vdevs: [net_null0], memory_mb: 256}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $ring, start: oldest}
targets: [{name: c, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}]
stats: {interval_s: 0, telemetry: false$metrics}
YAML
  # The scraper first: its start-up is not in the window measured.
  [ "$1" = off ] || { scrape "http://127.0.0.1:$p/metrics" "$1" & spid=$!; }
  "$pmdcon" --config "$dir/tx.yaml" >"$dir/tx.log" 2>&1 &
  pid=$!
  wait_for 60 grep -q 'TX on lcore' "$dir/tx.log" || die "pmdcon: $(tail -3 "$dir/tx.log")"
  echo "tx $1 $(drain_rate)"
  [ -z "$spid" ] || kill "$spid"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

# The consumer page's transmitted id against time until it reaches the head;
# prints the slope between the first and the last reading strictly inside.
drain_rate() {
  python3 - "$dump" "$ring" <<'PY'
import re, subprocess, sys, time
samples = []
while True:
    out = subprocess.run([sys.argv[1], f"--ring={sys.argv[2]}", "--header",
                          "--quiet", "--from=newest"],  # no walk: 5 ms
                         capture_output=True, text=True).stdout
    t = time.monotonic()
    # Ids are 64-bit: records written above bit 32, bytes below.
    head = int(re.search(r"^head (0x[0-9a-f]+)", out, re.M).group(1), 16) >> 32
    sent = int(re.search(r"^consumer: .* transmitted (0x[0-9a-f]+)", out,
                         re.M).group(1), 16) >> 32
    if sent >= head:
        break
    samples.append((t, sent))
    time.sleep(0.05)
mid = [s for s in samples if s[1] > 0]
if len(mid) < 2 or mid[-1][0] - mid[0][0] < 0.3:
    sys.exit("drain too short to measure: more records")
print(round((mid[-1][1] - mid[0][1]) / (mid[-1][0] - mid[0][0])))
PY
}

# rx MODE: prints records received and pmdcon-rx's microseconds per packet.
rx() {
  local p mp metrics=() rxpid spid=""
  p=$(port)
  mp=$(port)
  [ "$1" = off ] || metrics=(--metrics="127.0.0.1:$mp")
  rm -f "$dir/ready"
  "$rx" --listen=127.0.0.1:$p --quiet --idle=1 --duration=120 \
    --ready_file="$dir/ready" "${metrics[@]}" 2>"$dir/rx.err" &
  rxpid=$!
  wait_for 30 test -e "$dir/ready" || die "pmdcon-rx: $(cat "$dir/rx.err")"
  [ "$1" = off ] || { scrape "http://127.0.0.1:$mp/metrics" "$1" & spid=$!; }
  "$send" --to=127.0.0.1:$p --count="$records" --text_size=100 --rate=0 >/dev/null
  wait "$rxpid" || true
  [ -z "$spid" ] || kill "$spid"
  echo "rx $1 $(grep -o 'records [0-9]*' "$dir/rx.err" | head -1 | cut -d' ' -f2)" \
    "$(grep -o '([0-9.]* us each)' "$dir/rx.err" | tr -d '(' | cut -d' ' -f1)"
}

# In memory: every run sends the same file from its oldest record.
ring=/dev/shm/pmdcon-bench-metrics-$$
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir" "$ring"' EXIT
# 1 GiB of data (the most a ring holds): about 0.7 s of sending.
"$gen" --ring="$ring" --size=2G --count=6000000 --text_size=100 >/dev/null 2>&1
echo "pmdcon TX (net_null, 6 M records) and pmdcon-rx (loopback, $records records), $rounds rounds:"
modes=(off 1 0.01)
for ((r = 0; r < rounds; r++)); do
  # Each round in another order: drift on a shared machine hits all modes.
  for ((i = 0; i < 3; i++)); do
    m=${modes[(i + r) % 3]}
    echo "$r $(tx "$m")" >>"$dir/results"
    echo "$r $(rx "$m")" >>"$dir/results"
    tail -2 "$dir/results" >&2
  done
done
python3 - "$dir/results" "$records" <<'PY'
import collections, statistics, sys
n = int(sys.argv[2])
tx, rx = collections.defaultdict(dict), collections.defaultdict(dict)
for line in open(sys.argv[1]):
    f = line.split()
    if f[1] == "tx":
        tx[f[2]].setdefault(f[0], int(f[3]))
    else:
        rx[f[2]][f[0]] = (int(f[3] or 0), float(f[4] or "nan"))
name = {"off": "no metrics", "1": "scraped every 1 s", "0.01": "scraped every 10 ms"}
def ratios(d, mode, key):
    return [key(d[mode][r]) / key(d["off"][r]) for r in d["off"] if r in d[mode]]
print("  TX engine, records/s (median of rounds; ratio: median of per-round ratios)")
for m in ("off", "1", "0.01"):
    v = list(tx[m].values())
    line = f"    {name[m]:<22} {statistics.median(v) / 1e6:6.2f} M/s"
    if m != "off":
        line += f"   ratio {statistics.median(ratios(tx, m, lambda x: x)):.3f}"
    print(line + f"   runs: {', '.join(f'{x / 1e6:.2f}' for x in v)}")
print("  pmdcon-rx, records received of", n, "and its CPU per packet")
for m in ("off", "1", "0.01"):
    v = list(rx[m].values())
    line = (f"    {name[m]:<22} received median {statistics.median(x[0] for x in v):.0f}"
            f"   {statistics.median(x[1] for x in v):.2f} us/packet")
    if m != "off":
        line += f"   us ratio {statistics.median(ratios(rx, m, lambda x: x[1])):.3f}"
    print(line + f"   runs: {', '.join(f'{x[0]}/{x[1]}' for x in v)}")
print("  (a ratio of 1 is no change; TX ratio < 1 or rx us ratio > 1 is a cost)")
PY
