#!/usr/bin/env bash
# Reliable delivery through an outage and through duplication (issue 13),
# pmdcon (af_packet, `reliable: true`) and pmdcon-rx --ack in two namespaces
# joined by a veth:
#  - the link goes down for 5 s mid-stream while records flow into the ring:
#    with a ring that holds them, every record arrives once the link
#    returns; with one too small, what the ring overwrote is announced, and
#    nothing goes missing silently;
#  - 10 % loss each way and 10 % of the arriving datagrams duplicated:
#    every record arrives exactly once (copies dropped and counted).
# Both ends hold a key (`auth`, --auth_keys): the collector is validated, so
# its requests are not bounded by the bytes it sent (issue 23).
# Needs root; cleans up its namespaces and processes.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3 dump=$4
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"
command -v nft >/dev/null || { echo "SKIP: nft (Debian's nftables) is not installed"; exit 77; }
lossy_link "$rxns" 0
key=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && echo "1 $key" >"$dir/tx.keys" &&
  echo "10.99.0.1 1 $key" >"$dir/rx.keys")

# start NAME RING-SIZE RX-ARGS...: seq 0 in a fresh ring, pmdcon-rx --ack and
# pmdcon running, seq 0 acknowledged; pids in $rxpid and $pid.
start() {
  local name=$1 size=$2
  shift 2
  rm -f "$dir/ring" "$dir/ready"
  "$gen" --ring="$dir/ring" --size="$size" --count=1 --text_size=100 >/dev/null 2>&1
  veth_config "$dir/ring" "{name: t, dst_ip: 10.99.0.2, reliable: true, auth: {key_file: $dir/tx.keys}}" >"$dir/c.yaml"
  ip netns exec "$rxns" "$rx" --listen=10.99.0.2:6666 --quiet --ack \
    --auth_keys="$dir/rx.keys" \
    --ready_file="$dir/ready" --idle="${rx_idle:-8}" --duration=120 "$@" 2>"$dir/$name.rx" &
  rxpid=$!
  wait_ready "$dir/ready" "$dir/$name.rx"
  ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >"$dir/$name.log" 2>&1 &
  pid=$!
  wait_ring_sent "$dir/ring" "$dir/$name.log"
}
finish() { # finish NAME: both stopped; pmdcon's stats line printed
  wait "$rxpid" || true
  kill -TERM "$pid"
  wait "$pid" || fail "$1: pmdcon: $(tail -3 "$dir/$1.log")"
  grep -h 'acked seq' "$dir/$1.log" | sed 's/^/  /'
}
# outage NAME RING-SIZE [RX-ARGS...]: 40,000 records at 5,000/s, the link
# down from 2 s to 7 s.
outage() {
  local name=$1 size=$2
  shift 2
  start "$name" "$size" --expect=0-40000 "$@"
  "$gen" --ring="$dir/ring" --count=40000 --seq_start=1 --rate=5000 \
    --text_size=100 >/dev/null 2>&1 &
  local genpid=$!
  sleep 2  # the moment under test: mid-stream (the writer runs 8 s)
  ip -n "$rxns" link set veth1 down
  sleep 5  # the outage under test
  ip -n "$rxns" link set veth1 up
  wait "$genpid"
  finish "$name"
}

# 40,000 records of about 200 bytes fit in a 16 MiB ring (the collector
# stops once it has them all).
outage within 16M --count=40001
grep -q 'seq 0-40000, missing 0 in 0 gaps, announced lost 0' "$dir/within.rx" ||
  fail "outage within the ring's capacity: $(cat "$dir/within.rx")"
grep -q 'link down' "$dir/within.log" || fail "pmdcon did not see the link go down"
echo "link down 5 s, ring large enough: all 40,001 records, none missing or announced lost"

# A 1 MiB ring holds about 5,000 of them; 25,000 are written while down.
outage beyond 1M || true
lost=$(sed -n 's/.*seq 0-40000, missing 0 in 0 gaps, announced lost \([0-9]*\).*/\1/p' "$dir/beyond.rx")
[ -n "$lost" ] && ((lost > 0)) ||
  fail "outage beyond the ring's capacity: $(cat "$dir/beyond.rx")"
echo "link down 5 s, ring too small: $lost records announced lost, none missing silently"

# Loss and duplication. A lost last record is resent only as an emergency,
# ack_timeout (10 s) after it was sent: the collector waits longer.
rx_idle=13 start dup 16M --expect=0-20000 --count=20001
lossy_link "$rxns" 10 10
"$gen" --ring="$dir/ring" --count=20000 --seq_start=1 --rate=10000 \
  --text_size=100 >/dev/null 2>&1
finish dup
lossy_link "$rxns" 0
grep -q 'records 20001, .*seq 0-20000, missing 0 in 0 gaps, announced lost 0, duplicates [1-9]' "$dir/dup.rx" ||
  fail "loss and duplication: $(cat "$dir/dup.rx")"
echo "10 % loss, 10 % duplicated: $(grep -o 'records 20001.*duplicates [0-9]*' "$dir/dup.rx" | sed 's/, basic chunks 0, bytes [0-9]*//')"
