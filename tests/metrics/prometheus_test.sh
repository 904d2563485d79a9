#!/usr/bin/env bash
# A real Prometheus scrapes pmdcon and pmdcon-rx during a run across the
# veth pair of tests/netns.sh, as a fleet's monitoring would: what it
# stored at the end equals what the programs themselves report when they
# stop (pmdcon's stats line, pmdcon-rx's summary): records, announced
# losses, gaps; a "Kernel panic - not syncing" record in the stream is
# counted by pmdcon-rx's panic metric and fires PmdconPanicSeen; every
# shipped alert rule evaluates on the real metrics without an error.
#
# Prometheus runs in the collector's namespace. pmdcon-rx serves its
# metrics on loopback there (its packaged default); pmdcon, whose veth0
# belongs to DPDK, serves them on a management link of its own (a second
# veth pair, 10.98.0.1 -> 10.98.0.2), as an appliance exposes them to a
# monitoring host. The stream: 2,000 records into a 64 KiB ring before
# pmdcon starts (the overwritten ones announced lost), 2,000 more through
# a link that drops 10 % (gaps no notice explains), then the panic.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3 dump=$4 alerts=$5
here=$(dirname "$0")
source "$here/../scratch.sh"
[ -x "${PROMETHEUS:-/usr/bin/prometheus}" ] ||
  { echo "SKIP: Debian's prometheus is not installed"; exit 77; }
source "$here/../netns.sh"
command -v nft >/dev/null || { echo "SKIP: nft (Debian's nftables) is not installed"; exit 77; }
PROM_NETNS=$rxns
source "$here/prometheus.sh"

ip -n "$tx" link add mgmt0 type veth peer name mgmt1 netns "$rxns"
ip -n "$tx" addr add 10.98.0.1/24 dev mgmt0
ip -n "$rxns" addr add 10.98.0.2/24 dev mgmt1
ip -n "$tx" link set mgmt0 up
ip -n "$tx" link set lo up
ip -n "$rxns" link set mgmt1 up

src=10.99.0.1:6665  # pmdcon's address and its default src_port
"$gen" --ring="$dir/ring" --size=64K --count=2000 --text_size=100 >/dev/null 2>&1
ip netns exec "$rxns" "$rx" --listen=10.99.0.2:6666 --metrics=127.0.0.1:9732 \
  --output="$dir/rx.txt" --ready_file="$dir/ready" 2>"$dir/rx.err" &
rx_pid=$!
wait_ready "$dir/ready" "$dir/rx.err"
cat >"$dir/pmdcon.yaml" <<YAML
eal: {lcores: [0, 1], memory_mb: 256, vdevs: ["net_af_packet0,iface=veth0"]}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/ring, start: transmitted}
targets: [{name: t, dst_ip: 10.99.0.2}]
stats: {interval_s: 0, telemetry: false, metrics: "10.98.0.1:9731"}
YAML
ip netns exec "$tx" "$pmdcon" --config "$dir/pmdcon.yaml" >"$dir/pmdcon.log" 2>&1 &
pmdcon_pid=$!
wait_started "$dir/pmdcon.log"
start_prometheus --rules "$alerts" pmdcon=10.98.0.1:9731 pmdcon-rx=127.0.0.1:9732
prom_wait_target_up pmdcon
prom_wait_target_up pmdcon-rx
wait_ring_sent "$dir/ring" "$dir/pmdcon.log"

lossy_link "$rxns" 10
"$gen" --ring="$dir/ring" --count=2000 --seq_start=2000 --text_size=100 \
  --rate=2000 >/dev/null 2>&1
wait_ring_sent "$dir/ring" "$dir/pmdcon.log"
lossy_link "$rxns" 0
"$gen" --ring="$dir/ring" --count=1 --seq_start=4000 \
  --text="Kernel panic - not syncing: pmdcon metrics test" >/dev/null 2>&1
wait_for 30 grep -q 'Kernel panic - not syncing: pmdcon metrics test' "$dir/rx.txt" ||
  fail "the panic record did not reach pmdcon-rx: $(tail -3 "$dir/rx.err")"

# Sending ended: what Prometheus scrapes after now is the final count.
end=$(date +%s.%N)
prom_wait_scraped_after pmdcon "$end"
prom_wait_scraped_after pmdcon-rx "$end"
declare -A prom
q() { # q NAME EXPR: prom[NAME] = EXPR's value, or the test fails
  prom[$1]=$(prom_query "$2") || fail "Prometheus has no single value for $2"
}
s="source=\"$src\""
q rx_records "pmdcon_rx_source_records_total{$s}"
q rx_lost "pmdcon_rx_source_lost_records_total{$s}"
q rx_missing "pmdcon_rx_source_missing_records{$s}"
q rx_gaps "pmdcon_rx_source_gaps_total{$s}"
q rx_panics "pmdcon_rx_source_panics_total{$s,kind=\"panic\"}"
q tx_records 'pmdcon_target_records_total{target="t"}'
q tx_lost 'pmdcon_target_lost_records_total{target="t"}'
q tx_active 'pmdcon_target_state{target="t",state="active"}'
q tx_pending 'pmdcon_ring_pending_records'
firing() {
  [ "$(prom_query "ALERTS{alertname=\"PmdconPanicSeen\",alertstate=\"firing\",$s,kind=\"panic\"}" 2>/dev/null)" = 1 ]
}
wait_for 15 firing || fail "PmdconPanicSeen did not fire: $(prom_api /api/v1/alerts)"
prom_rules_ok || fail "the shipped alert rules on the real metrics"

kill -TERM "$pmdcon_pid"
wait "$pmdcon_pid" || fail "pmdcon exited $?: $(tail -3 "$dir/pmdcon.log")"
kill -TERM "$rx_pid"
wait "$rx_pid" || fail "pmdcon-rx exited $?: $(tail -3 "$dir/rx.err")"

# The programs' own words. pmdcon: "target t: active, records N, ...,
# lost N, ..."; pmdcon-rx: "SRC: records N, basic chunks N, bytes N, seq
# A-B, missing N in N gaps (...), announced lost N, ...".
stats=$(grep -m1 '^pmdcon: target t: ' "$dir/pmdcon.log") || fail "no stats line: $(tail -3 "$dir/pmdcon.log")"
summary=$(grep -m1 "^$src: records " "$dir/rx.err") || fail "no summary for $src: $(cat "$dir/rx.err")"
field() { grep -oE "(^|, |: )$1 [0-9]+" <<<"$2" | grep -oE '[0-9]+$'; }
declare -A own
own[tx_records]=$(field records "$stats")
own[tx_lost]=$(field lost "$stats")
own[rx_records]=$(($(field records "$summary") + $(field 'basic chunks' "$summary")))
own[rx_lost]=$(field 'announced lost' "$summary")
read -r own[rx_missing] own[rx_gaps] < <(sed -E 's/.*, missing ([0-9]+) in ([0-9]+) gaps.*/\1 \2/' <<<"$summary")
own[rx_panics]=1 own[tx_active]=1 own[tx_pending]=0
echo "pmdcon:    $stats"
echo "pmdcon-rx: $summary"
bad=0
for k in rx_records rx_lost rx_missing rx_gaps rx_panics tx_records tx_lost tx_active tx_pending; do
  printf '%-11s Prometheus %-8s programs %s\n' "$k" "${prom[$k]}" "${own[$k]}"
  [ "${prom[$k]}" = "${own[$k]}" ] || bad=1
done
((bad == 0)) || fail "Prometheus and the programs disagree"
# The run did what it was meant to: losses announced by both ends alike,
# gaps from the lossy link, fewer records received than sent.
((own[rx_lost] > 0 && own[rx_lost] == own[tx_lost])) || fail "announced losses: pmdcon ${own[tx_lost]}, pmdcon-rx ${own[rx_lost]}"
((own[rx_missing] > 0 && own[rx_gaps] > 0)) || fail "the lossy link made no gap"
((own[rx_records] > 0 && own[rx_records] < own[tx_records])) ||
  fail "pmdcon sent ${own[tx_records]}, pmdcon-rx got ${own[rx_records]}"
echo "Prometheus agrees with pmdcon and pmdcon-rx; PmdconPanicSeen fired; every rule ok"
