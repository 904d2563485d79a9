#!/usr/bin/env bash
# Reliable delivery of a backlog at full speed (issue 24, item 1): the ring
# holds 100,000 records when pmdcon starts (`start: oldest`, as at every
# boot and after an outage), so they leave as fast as the port takes them.
# pmdcon-rx --ack in the other namespace, nftables dropping a share of the
# data and of the acks on the collector's side. For each loss rate, with
# and without keys: every record arrives, once, as one stream (no restart,
# no gap, none announced lost). The stream's first records are lost too:
# they say where the stream began (",ncfirst="), so the collector asks for
# what came before its first arrival; one more run drops exactly the first
# copy of seq 0 and nothing else. BACKLOG_LOSS ("0.1 10", in %) narrows it,
# BACKLOG_RECORDS (100000) sizes it. Needs root; cleans up after itself.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3
records=${BACKLOG_RECORDS:-100000}
rates=${BACKLOG_LOSS:-0.1 10}
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"
key_files "$dir"

# run NAME PCT AUTH [FIRST]: the backlog through a link losing PCT %
# (FIRST=yes: and the first copy of seq 0); the collector's summary in
# $dir/NAME.rx, pmdcon's log in $dir/NAME.log.
run() {
  local name=$1 pct=$2 auth=$3 first=${4:-no} target="{name: t, dst_ip: 10.99.0.2, reliable: true"
  local rx_keys=()
  if [ "$auth" = yes ]; then
    target+=", auth: {key_file: $dir/tx.keys}"
    rx_keys=(--auth_keys="$dir/rx.keys")
  fi
  rm -f "$dir/ring" "$dir/ready"
  "$gen" --ring="$dir/ring" --size=64M --count=$records >/dev/null 2>&1
  veth_config "$dir/ring" "$target}" >"$dir/c.yaml"
  lossy_link "$rxns" 0
  # The rules again, per mille (0.1 % as well). The first copy of seq 0
  # ("6,0," opens its payload) is dropped by remembering its sender.
  local pm drop_first=
  pm=$(awk "BEGIN { print int($pct * 10 + 0.5) }")
  [ "$first" = yes ] &&
    drop_first="add rule inet pmdcon_loss in udp dport 6666 @th,64,32 == 0x362c302c ip saddr != @first add @first { ip saddr } drop"
  ip netns exec "$rxns" nft -f - <<NFT
flush chain inet pmdcon_loss in
flush chain inet pmdcon_loss out
add set inet pmdcon_loss first { type ipv4_addr; flags dynamic; }
flush set inet pmdcon_loss first
$drop_first
add rule inet pmdcon_loss in udp dport 6666 numgen random mod 1000 < $pm drop
add rule inet pmdcon_loss out udp sport 6666 numgen random mod 1000 < $pm drop
NFT
  # A lost last record is resent as an emergency after ack_timeout (10 s).
  ip netns exec "$rxns" "$rx" --listen=10.99.0.2:6666 --quiet --ack \
    --ready_file="$dir/ready" --expect=0-$((records - 1)) --count=$records \
    --duration=90 --give_up_ms=60000 "${rx_keys[@]}" 2>"$dir/$name.rx" &
  local rxpid=$!
  wait_ready "$dir/ready" "$dir/$name.rx"
  ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >"$dir/$name.log" 2>&1 &
  local pid=$!
  wait "$rxpid" || true
  kill -TERM "$pid"
  wait "$pid" || fail "$name: pmdcon: $(tail -3 "$dir/$name.log")"
  if [ "$first" = yes ]; then
    ip netns exec "$rxns" nft list set inet pmdcon_loss first | grep -q 10.99.0.1 ||
      fail "$name: the first copy of seq 0 was not dropped"
  fi
  lossy_link "$rxns" 0
}

# check NAME: every record arrived, once, as one stream.
check() {
  local name=$1 line
  line=$(grep -m1 '^10\.99\.0\.1' "$dir/$name.rx") || fail "$name: no summary: $(cat "$dir/$name.rx")"
  echo "$name: ${line#*: }"
  grep -m1 '^acks:' "$dir/$name.rx" | sed 's/^/  /' || true
  grep -q "records $records,.*seq 0-$((records - 1)), missing 0 in 0 gaps, announced lost 0,.*restarts 0" <<<"$line" ||
    fail "$name: the backlog did not arrive whole, as one stream: $line ($(grep -h 'acked seq' "$dir/$name.log"))"
}

run first 0 no yes
check first
for pct in $rates; do
  for auth in no yes; do
    name=backlog$pct-$auth
    run "$name" "$pct" "$auth"
    check "$name"
  done
done
