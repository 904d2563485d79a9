#!/usr/bin/env bash
# Reliable delivery over a lossy link (issue 13): pmdcon on net_af_packet in
# one namespace, pmdcon-rx in the other, joined by a veth. In the collector's
# namespace nftables drops a random share of the data on its input hook and
# of the acknowledgements on its output hook (on pmdcon's side af_packet
# sees frames before netfilter, so rules there would not apply). For each
# loss rate: with `reliable: true` and --ack every record arrives, none
# announced lost; without them the same link loses records.
# RELIABLE_RECORDS (100000) and RELIABLE_LOSS ("1 10 30") narrow it for
# daily work. Needs root; cleans up its namespaces and processes.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3
records=${RELIABLE_RECORDS:-100000}
rates=${RELIABLE_LOSS:-1 10 30}
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"
command -v nft >/dev/null || { echo "SKIP: nft (Debian's nftables) is not installed"; exit 77; }
# A veth leaves the checksum of what the collector's kernel sends to the
# receiver (CHECKSUM_PARTIAL); pmdcon checks it, as a NIC's frames carry it.
ip netns exec "$rxns" ethtool -K veth1 tx-checksumming off >/dev/null

lossy() { # lossy PCT: drop PCT % of the data in and of the acks out
  ip netns exec "$rxns" nft -f - <<NFT
table inet pmdcon_loss
delete table inet pmdcon_loss
table inet pmdcon_loss {
  chain in { type filter hook input priority 0; udp dport 6666 numgen random mod 100 < $1 drop; }
  chain out { type filter hook output priority 0; udp sport 6666 numgen random mod 100 < $1 drop; }
}
NFT
}

# run NAME RELIABLE RX-ARGS...: a fresh ring of $records records written at
# 20,000/s while pmdcon sends; the collector's summary in $dir/NAME.rx.
run() {
  local name=$1 reliable=$2
  shift 2
  rm -f "$dir/ring" "$dir/ready"
  "$gen" --ring="$dir/ring" --size=64M --count=1 >/dev/null 2>&1
  cat >"$dir/c.yaml" <<YAML
eal: {lcores: [0, 1], memory_mb: 256, vdevs: ["net_af_packet0,iface=veth0"]}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/ring, start: oldest}
targets: [{name: t, dst_ip: 10.99.0.2, reliable: $reliable}]
stats: {interval_s: 0, telemetry: false}
YAML
  ip netns exec "$rxns" "$rx" --listen=10.99.0.2:6666 --quiet \
    --ready_file="$dir/ready" --expect=0-$((records - 1)) --idle=8 "$@" \
    2>"$dir/$name.rx" &
  local rxpid=$!
  for _ in $(seq 100); do [ -e "$dir/ready" ] && break; sleep 0.05; done
  ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >"$dir/$name.log" 2>&1 &
  local pid=$!
  "$gen" --ring="$dir/ring" --count=$((records - 1)) --seq_start=1 \
    --rate=20000 >/dev/null 2>&1
  wait "$rxpid" || true  # the summary says what arrived
  kill -TERM "$pid"
  wait "$pid" || fail "$name: pmdcon: $(tail -3 "$dir/$name.log")"
}

# delivered FILE: the records the collector's summary counts (once each).
delivered() { sed -n 's/^10\.99\.0\.1[^ ]*: records \([0-9]*\),.*/\1/p' "$1" | head -1; }

printf '%-6s %-28s %-28s\n' loss "plain: delivered" "reliable + --ack: delivered"
for pct in $rates; do
  lossy "$pct"
  run "plain$pct" false
  run "rel$pct" true --ack --give_up_ms=60000
  plain=$(delivered "$dir/plain$pct.rx") rel=$(delivered "$dir/rel$pct.rx")
  [ -n "$plain" ] && [ -n "$rel" ] ||
    fail "loss $pct %: no summary: $(tail -5 "$dir/plain$pct.rx" "$dir/rel$pct.rx")"
  printf '%-6s %-28s %-28s\n' "$pct %" "$plain of $records" "$rel of $records"
  [ "$rel" = "$records" ] && ! grep -q FAIL "$dir/rel$pct.rx" ||
    fail "loss $pct %: reliable: $(cat "$dir/rel$pct.rx"; grep -h acked "$dir/rel$pct.log")"
  grep -q "seq 0-$((records - 1)), missing 0 in 0 gaps, announced lost 0" "$dir/rel$pct.rx" ||
    fail "loss $pct %: reliable: $(cat "$dir/rel$pct.rx")"
  [ "$plain" -lt "$records" ] || fail "loss $pct %: the plain run lost nothing: the link is not lossy"
  grep -h 'acked seq' "$dir/rel$pct.log" | sed "s/^/  /"
done
