#!/usr/bin/env bash
# The appliance end to end on a real DPDK port (net_pcap): a file-backed ring
# written by pmdcon-ringgen, pmdcon sending it, and pmdcon-rx --pcap judging
# the capture (every IPv4/UDP checksum verified, records reassembled).
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3 dump=$4
source "$(dirname "$0")/../scratch.sh"

# run NAME RING START [DST_IP]: pmdcon until the ring is sent, then SIGTERM
# (which drains). The capture lands in $dir/NAME.pcap.
run() {
  local name=$1 ring=$2 start=$3 dst=${4:-10.99.0.2}
  cat >"$dir/$name.yaml" <<YAML
eal:
  lcores: [0, 1]
  memory_mb: 128
  vdevs: ["net_pcap0,tx_pcap=$dir/$name.pcap"]
port: {src_ipv4: 10.99.0.1, src_ipv6: "fd00:99::1", src_mac: "02:00:00:00:00:01"}
source: {type: file, path: $ring, start: $start}
targets:
  - name: t
    dst_ip: "$dst"
    dst_mac: "02:00:00:00:00:02"
    userdata: {host: e2e}
    sysdata: [cpu, msgid]
stats: {interval_s: 0, telemetry: false}
YAML
  "$pmdcon" --config "$dir/$name.yaml" >"$dir/$name.log" 2>&1 &
  local pid=$!
  wait_ring_sent "$ring" "$dir/$name.log"
  kill -TERM "$pid"
  wait "$pid" || fail "$name: pmdcon exited $?: $(tail -3 "$dir/$name.log")"
  grep -q 'pmdcon: stopped' "$dir/$name.log" || fail "$name: no clean stop"
}

# 1. Every record of a ring that holds them all arrives, checksums valid.
"$gen" --ring="$dir/ring" --size=16M --count=3000 --text_size=50 \
  --text_size_max=2500 >/dev/null 2>&1
run all "$dir/ring" oldest
"$rx" --pcap="$dir/all.pcap" --listen=:6666 --quiet --expect=0-2999 \
  --fail_on_gap --fail_on_malformed 2>"$dir/all.rx" || fail "all: $(cat "$dir/all.rx")"
grep -q 'bad checksums: 0 IPv4, 0 UDP' "$dir/all.rx" || fail "checksums"
grep -q 'records 3000,' "$dir/all.rx" || fail "3000 records: $(cat "$dir/all.rx")"

# ... and tshark, an independent decoder, agrees: every IP and UDP checksum
# good (status 1), and the payloads are netconsole records.
bad=$(tshark -r "$dir/all.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
  -Y 'ip.checksum.status != 1 || udp.checksum.status != 1' 2>/dev/null | wc -l)
[ "$bad" = 0 ] || fail "tshark: $bad frames with checksums not good"
first=$(tshark -r "$dir/all.pcap" -c 1 -T fields -e data.text -o data.show_as_text:TRUE 2>/dev/null)
grep -Eq '^6,0,[0-9]+,-,caller=T[0-9]+(,ncfrag=0/[0-9]+)?;ringgen seq=0 ' <<<"$first" ||
  fail "tshark payload: $first"

# 2. A restart resumes from the transmitted position: only new records go.
"$gen" --ring="$dir/ring" --count=500 --seq_start=3000 >/dev/null 2>&1
run resume "$dir/ring" transmitted
"$rx" --pcap="$dir/resume.pcap" --listen=:6666 --quiet --expect=3000-3499 \
  --fail_on_gap 2>"$dir/resume.rx" || fail "resume: $(cat "$dir/resume.rx")"
grep -q 'records 500, .*seq 3000-3499' "$dir/resume.rx" || fail "resume: only the new 500"

# 3. Records overwritten before pmdcon ran are announced, not a silent gap.
"$gen" --ring="$dir/small" --size=64K --count=2000 --text_size=100 >/dev/null 2>&1
run lost "$dir/small" transmitted
"$rx" --pcap="$dir/lost.pcap" --listen=:6666 --quiet --fail_on_gap \
  --fail_on_malformed 2>"$dir/lost.rx" || fail "lost: silent gap: $(cat "$dir/lost.rx")"
grep -q 'announced lost [1-9]' "$dir/lost.rx" || fail "no loss notice: $(cat "$dir/lost.rx")"
if "$rx" --pcap="$dir/lost.pcap" --listen=:6666 --quiet --fail_on_loss 2>/dev/null; then
  fail "--fail_on_loss must fail on an announced loss"
fi

# 4. An IPv6 target.
"$gen" --ring="$dir/r6" --size=1M --count=200 --text_size=1500 >/dev/null 2>&1
run v6 "$dir/r6" oldest fd00:99::2
"$rx" --pcap="$dir/v6.pcap" --listen=:6666 --quiet --expect=0-199 \
  --fail_on_gap --fail_on_malformed 2>"$dir/v6.rx" || fail "v6: $(cat "$dir/v6.rx")"
grep -q '^\[fd00:99::1\]:6665: records 200' "$dir/v6.rx" || fail "v6 source"

# 5. Telemetry: /pmdcon/stats through DPDK's own client while it runs; the
#    per-instance runtime directory is gone after exit.
"$gen" --ring="$dir/tel" --size=1M --count=42 >/dev/null 2>&1
cat >"$dir/tel.yaml" <<YAML
eal: {vdevs: [net_null0], memory_mb: 128}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/tel, start: oldest}
targets: [{name: collector, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}]
stats: {interval_s: 0, telemetry: true}
YAML
"$pmdcon" --config "$dir/tel.yaml" >"$dir/tel.log" 2>&1 &
pid=$!
wait_ring_sent "$dir/tel" "$dir/tel.log"
json=$(echo /pmdcon/stats | timeout 10 dpdk-telemetry.py -f "pmdcon-$pid" | tail -1)
kill -TERM "$pid"
wait "$pid" || fail "telemetry run: $(tail -3 "$dir/tel.log")"
python3 -c '
import json, sys
s = json.loads(sys.argv[1])["/pmdcon/stats"]["collector"]
assert s["state"] == "active" and s["records"] == 42, s
' "$json" || fail "telemetry: $json"
[ ! -e "/var/run/dpdk/pmdcon-$pid" ] || fail "runtime directory left behind"

# 6. SIGHUP: a bad file keeps the running targets (and says why); a good one
#    adds a target, which gets the records written after the reload, while
#    the first target misses nothing.
"$gen" --ring="$dir/hup" --size=4M --count=100 >/dev/null 2>&1
conf() {  # conf TARGETS_YAML: the whole configuration with these targets
  cat >"$dir/hup.yaml" <<YAML
eal: {vdevs: ["net_pcap0,tx_pcap=$dir/hup.pcap"], memory_mb: 128}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/hup, start: oldest}
targets: $1
stats: {interval_s: 0, telemetry: false}
YAML
}
conf '[{name: a, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}]'
"$pmdcon" --config "$dir/hup.yaml" >"$dir/hup.log" 2>&1 &
pid=$!
wait_ring_sent "$dir/hup" "$dir/hup.log"
conf '[{name: a, dst_ip: 10.99.0.300}]'  # now invalid
kill -HUP "$pid"
wait_for 30 grep -q 'SIGHUP: .*keeping the running configuration' "$dir/hup.log" ||
  fail "bad reload: $(cat "$dir/hup.log")"
conf '[{name: a, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"},
       {name: b, dst_ip: 10.99.0.3, dst_mac: "02:00:00:00:00:03"}]'
kill -HUP "$pid"
wait_for 30 grep -q 'SIGHUP: 2 targets' "$dir/hup.log" || fail "good reload: $(cat "$dir/hup.log")"
"$gen" --ring="$dir/hup" --count=50 --seq_start=100 >/dev/null 2>&1
wait_ring_sent "$dir/hup" "$dir/hup.log"
kill -TERM "$pid"
wait "$pid" || fail "SIGHUP run: $(tail -3 "$dir/hup.log")"
"$rx" --pcap="$dir/hup.pcap" --listen=:6666 --quiet --expect=0-149 \
  --fail_on_gap 2>"$dir/hup.rx" || fail "target a after reloads: $(cat "$dir/hup.rx")"
# Both targets send from 10.99.0.1:6665, one stream to the receiver: b's
# copies of the 50 new records show as duplicates of a's.
grep -q '200 frames' "$dir/hup.rx" || fail "a: 150 frames + b: 50: $(cat "$dir/hup.rx")"
grep -q 'records 150, .*duplicates 50,' "$dir/hup.rx" ||
  fail "a: 150 records + b: the 50 new ones: $(cat "$dir/hup.rx")"

# 7. Level filter and rate limit. 100 debug records then 100 errors, to a
#    target that takes err and worse: only the errors go out. 400 records to
#    a target limited to 100/s (burst 10): the rest are dropped, and every
#    dropped range is announced, so nothing is missing silently.
"$gen" --ring="$dir/lv" --size=1M --count=100 --level=7 >/dev/null 2>&1
"$gen" --ring="$dir/lv" --count=100 --level=3 --seq_start=100 >/dev/null 2>&1
cat >"$dir/lv.yaml" <<YAML
eal: {vdevs: ["net_pcap0,tx_pcap=$dir/lv.pcap"], memory_mb: 128}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/lv, start: oldest}
targets: [{name: t, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02", max_level: err}]
stats: {interval_s: 0, telemetry: false}
YAML
"$pmdcon" --config "$dir/lv.yaml" >"$dir/lv.log" 2>&1 &
pid=$!
wait_ring_sent "$dir/lv" "$dir/lv.log"
kill -TERM "$pid"
wait "$pid" || fail "level run"
grep -q 'records 100, .*filtered 100' "$dir/lv.log" || fail "level filter: $(grep target "$dir/lv.log")"
"$rx" --pcap="$dir/lv.pcap" --listen=:6666 --quiet --expect=100-199 2>"$dir/lv.rx" ||
  fail "level: errors missing: $(cat "$dir/lv.rx")"
grep -q 'records 100, .*seq 100-199' "$dir/lv.rx" || fail "only the errors: $(cat "$dir/lv.rx")"

"$gen" --ring="$dir/rl" --size=1M --count=400 >/dev/null 2>&1
sed -e "s|$dir/lv|$dir/rl|g" -e 's|max_level: err|rate_limit: {records_per_s: 100, burst: 10}|' \
  "$dir/lv.yaml" >"$dir/rl.yaml"
"$pmdcon" --config "$dir/rl.yaml" >"$dir/rl.log" 2>&1 &
pid=$!
wait_ring_sent "$dir/rl" "$dir/rl.log"
"$gen" --ring="$dir/rl" --count=1 --seq_start=400 >/dev/null 2>&1  # ends the last dropped run
wait_ring_sent "$dir/rl" "$dir/rl.log"
kill -TERM "$pid"
wait "$pid" || fail "rate limit run"
grep -q 'rate limited [1-9]' "$dir/rl.log" || fail "rate limit: $(grep target "$dir/rl.log")"
"$rx" --pcap="$dir/rl.pcap" --listen=:6666 --quiet --fail_on_gap 2>"$dir/rl.rx" ||
  fail "rate limit left a silent gap: $(cat "$dir/rl.rx")"
grep -q 'announced lost [1-9]' "$dir/rl.rx" || fail "rate-limit drops not announced: $(cat "$dir/rl.rx")"

# 8. A bad configuration: exit 2, the error names line:column and field.
printf 'port: {src_ipv4: 10.0.0.1}\ntargets: [{name: a, dst_ip: 10.0.0.2, dst_port: 0}]\n' >"$dir/bad.yaml"
set +e
msg=$("$pmdcon" --check-config "$dir/bad.yaml" 2>&1); rc=$?
set -e
[ "$rc" = 2 ] || fail "bad config exit code $rc"
[ "$msg" = "pmdcon: $dir/bad.yaml:2:49: targets[0].dst_port: 0 is out of range (1..65535)" ] ||
  fail "bad config message: $msg"
echo "pmdcon end to end on net_pcap: all checks passed"
