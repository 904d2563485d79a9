#!/usr/bin/env bash
# pmdcon on net_af_packet through a veth pair between two namespaces made
# here: 100,000 records to pmdcon-rx with zero gaps, the collector's MAC
# resolved from DPDK by ARP (IPv4) and NDP (IPv6) against the namespace's
# kernel, and plain socat receiving a small stream. Needs root; cleans up.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3 dump=$4
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"

# pmdcon NAME DST PORT RING: runs pmdcon in $tx (resolving DST), in the background.
pmdcon_start() {
  cat >"$dir/$1.yaml" <<YAML
eal: {lcores: [0, 1], memory_mb: 256, vdevs: ["net_af_packet0,iface=veth0"]}
port: {src_ipv4: 10.99.0.1, src_ipv6: "fd00:99::1"}
source: {type: file, path: $4, start: oldest}
targets: [{name: t, dst_ip: "$2", dst_port: $3}]
stats: {interval_s: 0, telemetry: false}
YAML
  ip netns exec "$tx" "$pmdcon" --config "$dir/$1.yaml" >"$dir/$1.log" 2>&1 &
  pmdcon_pid=$!
}
pmdcon_stop() {
  kill -TERM "$pmdcon_pid"
  wait "$pmdcon_pid" || fail "pmdcon exited $?: $(tail -3 "$dir/$1.log")"
}
rx_start() {
  rm -f "$dir/ready"
  ip netns exec "$rxns" "$rx" --ready_file="$dir/ready" "$@" &
  rx_pid=$!
  wait_ready "$dir/ready"
}
# listens PORT: a UDP socket in the collector's namespace is bound to PORT.
listens() { ip netns exec "$rxns" ss -Hlun "sport = :$1" | grep -q .; }
# sending RING: pmdcon has handed a record of RING to the NIC.
sending() { [ "$(consumer_id "$1" transmitted)" != 0x0000000000000000 ]; }

# 1. 100,000 records over IPv4, destination MAC resolved by ARP: zero gaps.
"$gen" --ring="$dir/big" --size=32M --count=100000 --text_size=80 >/dev/null 2>&1
rx_start --listen=10.99.0.2:6666 --quiet --count=100000 --expect=0-99999 \
  --fail_on_gap --fail_on_malformed --duration=60 2>"$dir/v4.rx"
pmdcon_start v4 10.99.0.2 6666 "$dir/big"
rc=0; wait "$rx_pid" || rc=$?
pmdcon_stop v4
[ "$rc" = 0 ] || fail "IPv4 stream: $(cat "$dir/v4.rx")"
grep -q 'records 100000,' "$dir/v4.rx" || fail "100000 records: $(cat "$dir/v4.rx")"

# 2. IPv6: the next hop resolved by NDP from DPDK; fragmented records.
"$gen" --ring="$dir/v6ring" --size=4M --count=300 --text_size=1800 >/dev/null 2>&1
rx_start "--listen=[fd00:99::2]:6666" --quiet --count=300 --expect=0-299 \
  --fail_on_gap --fail_on_malformed --duration=30 2>"$dir/v6.rx"
pmdcon_start v6 fd00:99::2 6666 "$dir/v6ring"
rc=0; wait "$rx_pid" || rc=$?
pmdcon_stop v6
[ "$rc" = 0 ] || fail "IPv6 stream: $(cat "$dir/v6.rx")"

# 3. Plain socat receives a small stream unchanged: extended records, in order.
"$gen" --ring="$dir/small" --size=1M --count=10 --text_size=30 >/dev/null 2>&1
ip netns exec "$rxns" socat -u UDP4-RECV:6667,bind=10.99.0.2 "OPEN:$dir/socat.out,creat,append" &
wait_for 30 listens 6667 || fail "socat does not listen"
pmdcon_start socat 10.99.0.2 6667 "$dir/small"
wait_for 30 has_lines "$dir/socat.out" 10 || fail "socat: $(lines "$dir/socat.out") of 10 records"
pmdcon_stop socat
for i in $(seq 0 9); do
  grep -Eq "^6,$i,[0-9]+,-,caller=T[0-9]+;ringgen seq=$i x+\$" "$dir/socat.out" ||
    fail "socat: record $i: $(cat "$dir/socat.out")"
done
[ "$(grep -c '' "$dir/socat.out")" = 10 ] || fail "socat: 10 lines expected"
# 4. kill -9 mid-stream, then a restart resumes from the transmitted
#    position: no gap; duplicates (suppressed by seq) only for records that
#    were in flight.
"$gen" --ring="$dir/live" --size=8M --count=1 >/dev/null 2>&1
rx_start --listen=10.99.0.2:6666 --quiet --expect=0-30000 --fail_on_gap \
  --fail_on_malformed --count=30001 --duration=60 2>"$dir/kill.rx"
"$gen" --ring="$dir/live" --count=30000 --seq_start=1 --rate=15000 >/dev/null 2>&1 &
gen_pid=$!
pmdcon_start kill1 10.99.0.2 6666 "$dir/live"
sed -i 's/start: oldest/start: transmitted/' "$dir/kill1.yaml"  # for the restart
# Mid-stream: pmdcon sends, the writer writes for 2 s.
wait_for 30 sending "$dir/live" || fail "kill -9: pmdcon sent nothing: $(tail -3 "$dir/kill1.log")"
kill -9 "$pmdcon_pid"
wait "$pmdcon_pid" 2>/dev/null || true
sleep 0.5  # the outage under test: records keep arriving in the ring meanwhile
ip netns exec "$tx" "$pmdcon" --config "$dir/kill1.yaml" >"$dir/kill2.log" 2>&1 &
pmdcon_pid=$!
wait "$gen_pid"
rc=0; wait "$rx_pid" || rc=$?
pmdcon_stop kill2
[ "$rc" = 0 ] || fail "kill -9 and restart: $(cat "$dir/kill.rx")"

# 5. A link flap (veth down, then up) mid-stream loses nothing: the port
#    refuses frames, the engine keeps and retries them, records wait.
"$gen" --ring="$dir/flap" --size=8M --count=1 >/dev/null 2>&1
rx_start --listen=10.99.0.2:6666 --quiet --expect=0-20000 --fail_on_gap \
  --count=20001 --duration=60 2>"$dir/flap.rx"
pmdcon_start flap 10.99.0.2 6666 "$dir/flap"
"$gen" --ring="$dir/flap" --count=20000 --seq_start=1 --rate=10000 >/dev/null 2>&1 &
gen_pid=$!
# Mid-stream: pmdcon sends, the writer writes for 2 s.
wait_for 30 sending "$dir/flap" || fail "link flap: pmdcon sent nothing: $(tail -3 "$dir/flap.log")"
ip -n "$tx" link set veth0 down
sleep 0.5  # the outage under test
ip -n "$tx" link set veth0 up
wait "$gen_pid"
rc=0; wait "$rx_pid" || rc=$?
pmdcon_stop flap
[ "$rc" = 0 ] || fail "link flap: $(cat "$dir/flap.rx")"

cat "$dir/v4.rx" "$dir/v6.rx" "$dir/kill.rx" "$dir/flap.rx" |
  grep -v "^pmdcon-rx: listening"
echo "pmdcon on af_packet/veth: all checks passed"
