#!/usr/bin/env bash
# The link and the collector's side of the neighbor tables (issue 12, items
# 5 and 6), through a veth pair between two namespaces made here, pmdcon on
# net_af_packet:
#  - the port's link going down is seen (af_packet's driver always says up:
#    the kernel interface is watched) and the targets are deactivated; the
#    records printed meanwhile arrive once it is up again;
#  - a collector's kernel resolves pmdcon's source addresses: pmdcon answers
#    ARP and neighbor solicitations for them;
#  - a collector whose MAC changes without a gratuitous ARP is found again
#    within port.neighbor_reachable_s (15 s) plus 3 s of probes, not 60 s.
# Needs root; cleans up its namespaces and processes.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"
mac=$(ip -n "$tx" -o link show veth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
# lladdr IP: the MAC the collector's kernel resolved IP to; false if none.
lladdr() {
  ip -n "$rxns" neigh show "$1" dev veth1 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2 | grep .
}

"$gen" --ring="$dir/ring" --size=4M --count=1 >/dev/null 2>&1
cat >"$dir/c.yaml" <<YAML
eal: {lcores: [0, 1], memory_mb: 256, vdevs: ["net_af_packet0,iface=veth0"]}
port: {src_ipv4: 10.99.0.1, src_ipv6: "fd00:99::1"}
source: {type: file, path: $dir/ring, start: oldest}
targets: [{name: t, dst_ip: 10.99.0.2}]
stats: {interval_s: 0, telemetry: false}
YAML
ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >"$dir/log" 2>&1 &
pid=$!
wait_started "$dir/log"

# The collector asks for pmdcon's addresses (a datagram to each makes its
# kernel resolve them) and must find pmdcon's MAC.
for ip in 10.99.0.1 fd00:99::1; do
  addr=$ip
  [[ $ip == *:* ]] && addr="[$ip]"
  echo x | ip netns exec "$rxns" socat -u - "UDP-SENDTO:$addr:9" 2>/dev/null || true
  wait_for 30 lladdr "$ip" >/dev/null && [ "$(lladdr "$ip")" = "$mac" ] ||
    fail "the collector cannot resolve pmdcon's $ip: $(ip -n "$rxns" neigh show "$ip" dev veth1)"
done
echo "neighbor: the collector resolved 10.99.0.1 and fd00:99::1 to $mac"

# 6: the link goes down for a second while records are printed.
rm -f "$dir/ready"
ip netns exec "$rxns" "$rx" --listen=10.99.0.2:6666 --quiet --ready_file="$dir/ready" \
  --duration=30 --count=50 --expect=500-549 --fail_on_gap 2>"$dir/link.rx" &
rxpid=$!
wait_ready "$dir/ready" "$dir/link.rx"
ip -n "$tx" link set veth0 down
wait_for 30 grep -q 'pmdcon: port 0 link down' "$dir/log" ||
  fail "item 6: link down not seen: $(tail -3 "$dir/log")"
"$gen" --ring="$dir/ring" --count=50 --seq_start=500 >/dev/null 2>&1
sleep 0.5  # the outage under test: the records wait in the ring while down
ip -n "$tx" link set veth0 up
rc=0
wait "$rxpid" || rc=$?
grep -q 'pmdcon: port 0 link up' "$dir/log" || fail "item 6: link up not seen: $(tail -3 "$dir/log")"
[ "$rc" = 0 ] || fail "item 6: records printed while the link was down: $(cat "$dir/link.rx")"
echo "link: down and up seen; 50 of 50 records printed while down arrived after"

# The collector's NIC changes its MAC without announcing it. Records printed
# 19 s later (15 s reachable + 3 probes) must reach it.
rm -f "$dir/ready"
ip netns exec "$rxns" "$rx" --listen=10.99.0.2:6666 --quiet --ready_file="$dir/ready" \
  --duration=40 --count=100 --expect=1000-1099 2>"$dir/rx" &
rxpid=$!
wait_ready "$dir/ready" "$dir/rx"
ip -n "$rxns" link set veth1 address 02:00:00:00:aa:02
sleep 19  # the interval under test: 15 s reachable + 3 s of probes
"$gen" --ring="$dir/ring" --count=100 --seq_start=1000 >/dev/null 2>&1
rc=0
wait "$rxpid" || rc=$?
kill -TERM "$pid"
wait "$pid" || fail "pmdcon: $(tail -3 "$dir/log")"
[ "$rc" = 0 ] && grep -q 'records 100,' "$dir/rx" ||
  fail "records after the collector's MAC changed: $(cat "$dir/rx")"
echo "neighbor: after an unannounced MAC change, 100 of 100 records printed 19 s later arrived"
