#!/usr/bin/env bash
# pmdcon's /metrics end to end (stats.metrics on 127.0.0.1, a free port):
# the counters a scrape shows are the ones pmdcon's own summary prints; a
# SIGHUP that swaps engines, and a shutdown, while scrapes hammer the
# server, crash nothing; a changed address waits for a restart.
set -euo pipefail
pmdcon=$1 gen=$2 dump=$3
source "$(dirname "$0")/../scratch.sh"

# scrape ADDR: the page, on stdout (curl may be absent).
scrape() {
  python3 - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(f"http://{sys.argv[1]}/metrics", timeout=10) as r:
    assert r.status == 200, r.status
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    sys.stdout.write(r.read().decode())
PY
}
# value FILE SAMPLE: the value of the sample (name and labels, exactly).
value() { awk -v s="$2" '$1 == s {print $2}' "$1"; }
# expect FILE SAMPLE VALUE
expect() {
  local v
  v=$(value "$1" "$2")
  [ "$v" = "$3" ] || fail "$2 is '${v}', not $3: $(grep -v '^#' "$1" | head -40)"
}
# hammer ADDR OUT STOPFILE: scrapes until STOPFILE exists or the server is
# gone (refused after shutdown); OUT gets "ok N" or the first other error.
hammer() {
  python3 - "$1" "$2" "$3" <<'PY' &
import os, sys, urllib.request, urllib.error
addr, out, stop = sys.argv[1:]
ok, err, end = 0, "", ""
while not os.path.exists(stop):
    try:
        with urllib.request.urlopen(f"http://{addr}/metrics", timeout=10) as r:
            body = r.read().decode()
            assert body.startswith("# HELP pmdcon_build_info"), body[:200]
            ok += 1
            if ok == 1:
                open(out + ".up", "w").close()
    except urllib.error.URLError as e:
        if isinstance(e.reason, (ConnectionRefusedError, ConnectionResetError)):
            end = " then refused"  # shut down
            break
        err = repr(e)
        break
    except (ConnectionResetError, ConnectionRefusedError):
        end = " then refused"
        break
    except Exception as e:
        err = repr(e)
        break
open(out, "w").write(err if err else f"ok {ok}{end}\n")
PY
}

conf() {  # conf TARGETS METRICS
  cat >"$dir/m.yaml" <<YAML
eal: {vdevs: [net_null0], memory_mb: 128}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/ring, start: oldest}
targets: $1
stats: {interval_s: 0, telemetry: false, metrics: "$2"}
YAML
}

# 1. 1234 records to one target; the scrape agrees with the ring and with
#    pmdcon's own count.
"$gen" --ring="$dir/ring" --size=4M --count=1234 >/dev/null 2>&1
A='{name: a, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}'
B='{name: b, dst_ip: 10.99.0.3, dst_mac: "02:00:00:00:00:03"}'
conf "[$A]" 127.0.0.1:0
"$pmdcon" --config "$dir/m.yaml" >"$dir/log" 2>&1 &
pid=$!
wait_for 30 grep -q 'metrics on http://' "$dir/log" ||
  fail "no metrics line: $(tail -3 "$dir/log")"
addr=$(sed -n 's|.*pmdcon: metrics on http://\(.*\)/metrics$|\1|p' "$dir/log")
[[ $addr == 127.0.0.1:[1-9]* ]] || fail "address: $addr"
wait_ring_sent "$dir/ring" "$dir/log"
# The port's counters are the control loop's sample (every 100 ms): a
# scrape just after the last send may predate it. Until it caught up:
caught_up() {
  scrape "$addr" >"$dir/s1" || return 1
  local t p
  t=$(value "$dir/s1" 'pmdcon_target_packets_total{target="a"}')
  p=$(value "$dir/s1" pmdcon_port_tx_packets_total)
  [ -n "$t" ] && [ -n "$p" ] && ((p >= t))
}
wait_for 10 caught_up ||
  fail "port counters: $(grep -E '^pmdcon_(port|target_packets)' "$dir/s1")"
expect "$dir/s1" 'pmdcon_target_records_total{target="a"}' 1234
expect "$dir/s1" 'pmdcon_target_state{target="a",state="active"}' 1
expect "$dir/s1" 'pmdcon_target_state{target="a",state="resolving"}' 0
expect "$dir/s1" pmdcon_ring_head_records 1234
expect "$dir/s1" pmdcon_ring_transmitted_records 1234
expect "$dir/s1" pmdcon_ring_pending_records 0
expect "$dir/s1" pmdcon_ring_used_bytes 0
# A 4 MiB region: the data area is the largest power of two that fits
# beside the two header pages, 2 MiB.
expect "$dir/s1" pmdcon_ring_capacity_bytes 2097152
expect "$dir/s1" pmdcon_port_link_up 1
grep -q '^pmdcon_build_info{version="[0-9.]*",dpdk="[0-9][0-9.]*[^"]*"} 1$' "$dir/s1" ||
  fail "build_info: $(grep build_info "$dir/s1")"
grep -q '^# TYPE pmdcon_target_records_total counter$' "$dir/s1" || fail "TYPE"
packets=$(value "$dir/s1" 'pmdcon_target_packets_total{target="a"}')
port_packets=$(value "$dir/s1" pmdcon_port_tx_packets_total)
((packets >= 1234 && port_packets >= packets)) ||
  fail "packets: target $packets, port $port_packets"
! grep -q '^pmdcon_kernel_' "$dir/s1" || fail "a file ring has no module"
! grep -q '^pmdcon_target_responses_total' "$dir/s1" || fail "not reliable"

# 2. A new address is for a restart: refused, and the old one goes on.
conf "[$A]" 127.0.0.1:1
kill -HUP "$pid"
wait_for 30 grep -q 'SIGHUP: stats.metrics differs .*restarts; keeping' "$dir/log" ||
  fail "metrics address reload: $(tail -3 "$dir/log")"
scrape "$addr" >/dev/null || fail "the old address stopped serving"

# 3. A reload swaps engines while scrapes go on: none fails, target b
#    appears, a's counters carry over.
hammer "$addr" "$dir/h1" "$dir/stop1"
hpid=$!
wait_for 10 test -e "$dir/h1.up" || fail "no scrape: $(cat "$dir/h1" 2>&1)"
conf "[$A, $B]" 127.0.0.1:0
kill -HUP "$pid"
wait_for 30 grep -q 'SIGHUP: 2 targets' "$dir/log" || fail "reload: $(tail -3 "$dir/log")"
"$gen" --ring="$dir/ring" --count=100 --seq_start=1234 >/dev/null 2>&1
wait_ring_sent "$dir/ring" "$dir/log"
touch "$dir/stop1"
wait "$hpid" || true
grep -q '^ok [1-9][0-9]*$' "$dir/h1" || fail "scrapes during the reload: $(cat "$dir/h1")"
scrape "$addr" >"$dir/s2" || fail "scrape after reload"
expect "$dir/s2" 'pmdcon_target_records_total{target="a"}' 1334
expect "$dir/s2" 'pmdcon_target_records_total{target="b"}' 100
expect "$dir/s2" 'pmdcon_target_state{target="b",state="active"}' 1
expect "$dir/s2" pmdcon_ring_pending_records 0
expect "$dir/s2" pmdcon_ring_head_records 1334
packets=$(value "$dir/s2" 'pmdcon_target_packets_total{target="a"}')

# 4. Shutdown while scrapes go on: a clean stop, and the summary's counts
#    are the scrape's.
hammer "$addr" "$dir/h2" "$dir/stop2"
hpid=$!
wait_for 10 test -e "$dir/h2.up" || fail "no scrape: $(cat "$dir/h2" 2>&1)"
kill -TERM "$pid"
wait "$pid" || fail "pmdcon exited $? under scrapes: $(tail -5 "$dir/log")"
grep -q 'pmdcon: stopped' "$dir/log" || fail "no clean stop: $(tail -3 "$dir/log")"
wait_for 20 gone "$hpid" || fail "the scraper hangs after shutdown"
wait "$hpid" || true
grep -q '^ok ' "$dir/h2" || fail "scrapes during shutdown: $(cat "$dir/h2")"
grep -q "pmdcon: target a: active, records 1334, packets $packets," "$dir/log" ||
  fail "summary vs scrape: $(grep 'target a' "$dir/log")"
grep -q 'pmdcon: target b: active, records 100,' "$dir/log" ||
  fail "summary b: $(grep 'target b' "$dir/log")"

# 5. An address in use: pmdcon says so and exits, before any engine.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(60)
' "$dir/busy" &
wait_for 10 test -s "$dir/busy" || fail "no busy port"
conf "[$A]" "127.0.0.1:$(cat "$dir/busy")"
set +e
"$pmdcon" --config "$dir/m.yaml" >"$dir/busy.log" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "busy address: exit $rc: $(tail -3 "$dir/busy.log")"
grep -q "pmdcon: stats.metrics 127.0.0.1:$(cat "$dir/busy"): bind: .*[Aa]ddress already in use" "$dir/busy.log" ||
  fail "busy address message: $(tail -3 "$dir/busy.log")"
! grep -q 'TX on lcore' "$dir/busy.log" || fail "an engine started"
echo "scrapes during the reload: $(cat "$dir/h1"), during shutdown: $(cat "$dir/h2")"
grep -v "^#" "$dir/s2"
echo "pmdcon /metrics end to end: all checks passed"
