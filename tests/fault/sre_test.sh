#!/usr/bin/env bash
# What a careful SRE tries (issue 12), through a veth pair between two
# namespaces made here, pmdcon on net_af_packet and pmdcon-rx listening in
# the collector's namespace for the whole test:
#  - kill -9 right after a SIGHUP (during the reload, at three moments),
#    each time started again: every record arrives, and the killed
#    instances' runtime directories do not pile up;
#  - the ring fills while pmdcon is stopped: the records overwritten
#    meanwhile are announced with their seqs, everything after arrives.
# Needs root; cleans up its namespaces and processes.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3 dump=$4
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"

# ring_conf NAME [EXTRA]: pmdcon on $dir/NAME; telemetry on (a runtime
# directory); EXTRA: more targets (a SIGHUP that changes nothing is no
# reload).
ring_conf() {
  cat >"$dir/c.yaml" <<YAML
eal: {lcores: [0, 1], memory_mb: 256, vdevs: ["net_af_packet0,iface=veth0"]}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/$1, start: transmitted}
targets: [{name: t, dst_ip: 10.99.0.2}${2:-}]
stats: {interval_s: 0, telemetry: true}
YAML
}
start() { # start N: pmdcon, the N+1st in $dir/log
  ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >>"$dir/log" 2>&1 &
  pid=$!
  wait_started "$dir/log" "$1"
}
listen() { # listen NAME RX-ARGS...: pmdcon-rx in the collector's namespace
  local name=$1
  shift
  rm -f "$dir/ready"
  ip netns exec "$rxns" "$rx" --listen=10.99.0.2:6666 --quiet --by_address \
    --ready_file="$dir/ready" "$@" 2>"$dir/$name.rx" &
  rxpid=$!
  wait_ready "$dir/ready" "$dir/$name.rx"
}

# kill -9 during SIGHUP: 30,000 records written at 10,000/s meanwhile.
"$gen" --ring="$dir/ring" --size=16M --count=1 --seq_start=0 >/dev/null 2>&1
ring_conf ring
listen hup --expect=0-30000 --fail_on_gap --idle=3
start 0
"$gen" --ring="$dir/ring" --count=30000 --rate=10000 --seq_start=1 >/dev/null 2>&1 &
gen_pid=$!
killed=()
n=1
for delay in 0 0.02 0.2; do
  sleep 0.5  # pacing: the three kills spread over the writer's 3 s
  ring_conf ring "$([ $((n % 2)) = 1 ] && echo ", {name: b, dst_ip: 10.99.0.2, dst_port: 6668}")"
  kill -HUP "$pid"
  sleep "$delay"  # the moment under test
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  killed+=("$pid")
  start "$n"
  n=$((n + 1))
done
wait "$gen_pid"
wait_ring_sent "$dir/ring" "$dir/log"
kill -TERM "$pid"
wait "$pid" || fail "kill -9: the last pmdcon: $(tail -3 "$dir/log")"
wait "$rxpid" || fail "kill -9 during SIGHUP: $(cat "$dir/hup.rx")"
grep -o 'seq [0-9-]*, missing 0[^,]*' "$dir/hup.rx" | head -1 | sed 's/^/kill -9 during SIGHUP (3 times): /'
for p in "${killed[@]}"; do
  [ ! -e "/var/run/dpdk/pmdcon-$p" ] ||
    fail "kill -9: the runtime directory of pid $p was left behind"
done
echo "kill -9: the killed instances' runtime directories were removed"

# The ring fills while pmdcon is stopped: 64 KiB, 100 records sent, then
# 3,000 written while it is down.
"$gen" --ring="$dir/small" --size=64K --count=100 --text_size=100 >/dev/null 2>&1
ring_conf small
listen full --idle=3
start "$n"
n=$((n + 1))
wait_ring_sent "$dir/small" "$dir/log"
kill -TERM "$pid"
wait "$pid" || fail "ring full: pmdcon: $(tail -3 "$dir/log")"
"$gen" --ring="$dir/small" --count=3000 --text_size=100 --seq_start=100 >/dev/null 2>&1
start "$n"
wait_ring_sent "$dir/small" "$dir/log"
kill -TERM "$pid"
wait "$pid" || fail "ring full: pmdcon: $(tail -3 "$dir/log")"
wait "$rxpid" || true
grep -q 'seq 0-3099, missing 0 in 0 gaps, announced lost [1-9]' "$dir/full.rx" ||
  fail "ring full: $(cat "$dir/full.rx")"
echo "ring filled while stopped: $(grep -o 'seq 0-3099.*announced lost [0-9]*' "$dir/full.rx")"
