#!/usr/bin/env bash
# Faults at reload (issue 12, items 1 and 4), on a real DPDK port (net_pcap):
#  1. A SIGHUP whose file adds port.src_ipv6 and an IPv6 target is refused,
#     naming the key; no frame with an unset source address leaves.
#  4. A refused SIGHUP leaves the engine running (its counters intact); an
#     accepted one keeps a same-named target's counters and msgid going.
#  5. A reload that adds a target leaves an unchanged reliable one where it
#     was (issue 24, item 5: it sent everything its collector had not
#     acknowledged again): 100 records out, none acknowledged (no collector
#     answers), then the reload: it sends each seq once; the new target
#     starts at the published position, the records before included.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3
source "$(dirname "$0")/../scratch.sh"

conf() { # conf PORT TARGETS: the whole file
  cat >"$dir/c.yaml" <<YAML
eal: {vdevs: ["net_pcap0,tx_pcap=$dir/out.pcap"], memory_mb: 128}
port: $1
source: {type: file, path: $dir/ring, start: oldest}
targets: $2
stats: {interval_s: 0, telemetry: false}
YAML
}
v4='{src_ipv4: 10.99.0.1, src_mac: "02:00:00:00:00:01"}'
a='{name: a, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02", sysdata: [msgid]}'
b='{name: b, dst_ip: 10.99.0.3, dst_port: 6667, dst_mac: "02:00:00:00:00:03", sysdata: [msgid]}'
# captured PORT: how many UDP datagrams to PORT the capture holds so far
# (net_pcap writes each burst out); sent PORT N: at least N.
captured() {
  PYTHONPATH="$(dirname "$0")/.." python3 - "$dir/out.pcap" "$1" <<'PY'
import os, struct, sys
from pcapfile import frames
n = 0
if os.path.exists(sys.argv[1]) and os.path.getsize(sys.argv[1]) >= 24:
    for f in frames(sys.argv[1]):
        if len(f) >= 42 and f[12:14] == b"\x08\x00" and f[23] == 17:
            udp = 14 + (f[14] & 15) * 4
            n += struct.unpack("!H", f[udp + 2:udp + 4])[0] == int(sys.argv[2])
print(n)
PY
}
sent() { (($(captured "$1") >= $2)); }
# wait_sent ITEM PORT N: sent, or the test fails.
wait_sent() {
  wait_for 30 sent "$2" "$3" ||
    fail "item $1: $(captured "$2") of $3 datagrams to port $2 went out"
}
# add_b ITEM LOG A B: reloads with target b added to A (unchanged), writes 50
# more records, waits until a sent 150 and b sent B, stops pmdcon.
add_b() {
  conf "$v4" "[$3, $b]"
  kill -HUP "$pid"
  wait_for 30 grep -q 'SIGHUP: 2 targets: added b; unchanged a from' "$2" ||
    fail "item $1: reload not applied: $(grep SIGHUP "$2")"
  "$gen" --ring="$dir/ring" --count=50 --seq_start=100 >/dev/null 2>&1
  wait_sent "$1" 6666 150
  wait_sent "$1" 6667 "$4"
  kill -TERM "$pid"
  wait "$pid" || fail "pmdcon: $(tail -3 "$2")"
}
"$gen" --ring="$dir/ring" --size=4M --count=100 >/dev/null 2>&1
conf "$v4" "[$a]"
"$pmdcon" --config "$dir/c.yaml" >"$dir/log" 2>&1 &
pid=$!
wait_sent 1 6666 100

# 1: the port changes: refused by name, the running targets go on.
conf '{src_ipv4: 10.99.0.1, src_ipv6: "fd00:99::1", src_mac: "02:00:00:00:00:01"}' \
  "[$a, {name: six, dst_ip: \"fd00:99::2\", dst_mac: \"02:00:00:00:00:06\"}]"
kill -HUP "$pid"
wait_for 30 grep -q 'SIGHUP:' "$dir/log" || fail "item 1: no word of the SIGHUP: $(tail -3 "$dir/log")"
grep -q 'SIGHUP: port.src_ipv6 differs from the running configuration; it takes effect only when pmdcon restarts; keeping the running configuration' "$dir/log" ||
  fail "item 1: the port change was not refused by name: $(grep SIGHUP "$dir/log")"
grep -q "pmdcon: target a: .*records 100," "$dir/log" &&
  fail "item 4: a refused SIGHUP stopped the engine: $(grep 'target a' "$dir/log")"

# 4: an accepted reload (adds b; a unchanged) keeps a's counters and msgid.
add_b 4 "$dir/log" "$a" 50
grep -q 'pmdcon: target a: active, records 150,' "$dir/log" ||
  fail "item 4: a's counters after the reload: $(grep 'target a' "$dir/log" | tail -1)"
grep -q 'pmdcon: target b: active, records 50,' "$dir/log" ||
  fail "item 4: b's counters: $(grep 'target b' "$dir/log" | tail -1)"

# On the wire: no IPv6 frame (the refused target never ran), a's msgid 1-150
# and b's 1-50, each once.
PYTHONPATH="$(dirname "$0")/.." python3 - "$dir/out.pcap" <<'PY' || fail "the capture: see above"
import re, struct, sys
from pcapfile import frames
v6, ids = 0, {6666: [], 6667: []}
for f in frames(sys.argv[1]):
    if f[12:14] == b"\x86\xdd":
        v6 += 1
        continue
    if f[12:14] != b"\x08\x00" or f[23] != 17:
        continue
    udp = 14 + (f[14] & 15) * 4
    dport = struct.unpack("!H", f[udp + 2:udp + 4])[0]
    m = re.search(rb" msgid=(\d+)\n", f[udp + 8:])
    if m and dport in ids:
        ids[dport].append(int(m.group(1)))
ok = v6 == 0 and sorted(ids[6666]) == list(range(1, 151)) and \
    sorted(ids[6667]) == list(range(1, 51))
print(f"IPv6 frames {v6}; a: {len(ids[6666])} msgids "
      f"{min(ids[6666], default=0)}-{max(ids[6666], default=0)}; "
      f"b: {len(ids[6667])} msgids {min(ids[6667], default=0)}-"
      f"{max(ids[6667], default=0)}")
sys.exit(0 if ok else 1)
PY
"$rx" --pcap="$dir/out.pcap" --listen=:6666 --quiet --expect=0-149 \
  --fail_on_gap 2>"$dir/rx" || fail "target a's stream: $(cat "$dir/rx")"
echo "reload faults: the port change refused by name; a: 150 records, msgid 1-150 across the reload; b: 50"

# 5. a reliable, its collector silent.
rm -f "$dir/ring" "$dir/out.pcap"
"$gen" --ring="$dir/ring" --size=4M --count=100 >/dev/null 2>&1
ra='{name: a, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02", reliable: true}'
conf "$v4" "[$ra]"
"$pmdcon" --config "$dir/c.yaml" >"$dir/log5" 2>&1 &
pid=$!
wait_sent 5 6666 100
add_b 5 "$dir/log5" "$ra" 150
grep -q 'pmdcon: target a: active, records 150, packets 150,' "$dir/log5" ||
  fail "item 5: a after the reload: $(grep 'target a' "$dir/log5" | tail -1)"
"$rx" --pcap="$dir/out.pcap" --listen=:6666 --quiet --expect=0-149 \
  --fail_on_gap 2>"$dir/rx5" || fail "item 5: a's stream: $(cat "$dir/rx5")"
grep -q 'records 150, .*duplicates 0,' "$dir/rx5" ||
  fail "item 5: a sent records again: $(grep records "$dir/rx5")"
"$rx" --pcap="$dir/out.pcap" --listen=:6667 --quiet --expect=0-149 \
  --fail_on_gap 2>"$dir/rx5b" || fail "item 5: b's stream: $(cat "$dir/rx5b")"
echo "reload of a reliable target, unacknowledged: a sent seq 0-149 once; b, added, 0-149"
