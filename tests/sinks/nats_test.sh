#!/usr/bin/env bash
# nats_test.sh PMDCON_RX WIRESEND NATS_CHECK: a three-node NATS JetStream
# cluster (Debian's nats-server) on loopback, a stream of three replicas,
# two pmdcon-rx collectors feeding it, each from its own senders. The
# stream's leader node is killed (SIGKILL) mid-stream: the stream still
# holds every record exactly once. Before the stream exists, a collector
# says so, naming the subject no stream takes (issue 24, item 12: records
# stayed pending without a word). Cleans up its servers and their stores.
set -euo pipefail
rx=$1 send=$2 check=$3
source "$(dirname "$0")/../scratch.sh"
command -v nats-server >/dev/null || fail "nats-server is not installed (Debian's nats-server)"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
declare -A client route pid
for n in 1 2 3; do client[$n]=$(port) route[$n]=$(port); done
for n in 1 2 3; do
  routes=
  for m in 1 2 3; do
    [ "$m" = "$n" ] || routes+="nats-route://127.0.0.1:${route[$m]}, "
  done
  cat >"$dir/n$n.conf" <<CONF
server_name: n$n
host: 127.0.0.1
port: ${client[$n]}
jetstream { store_dir: "$dir/store$n" }
cluster { name: pmdcon, listen: 127.0.0.1:${route[$n]}, routes: [ ${routes%, } ] }
CONF
  nats-server -c "$dir/n$n.conf" >"$dir/n$n.log" 2>&1 &
  pid[$n]=$!
done
urls="nats://127.0.0.1:${client[1]},nats://127.0.0.1:${client[2]},nats://127.0.0.1:${client[3]}"
sink="nats://127.0.0.1:${client[1]}+127.0.0.1:${client[2]}+127.0.0.1:${client[3]}/netconsole"

# No stream yet.
udp=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -f "$dir/ready"
"$rx" --listen=127.0.0.1:$udp --sink="$sink" --duration=6 --drain=0 --quiet \
  --ready_file="$dir/ready" 2>"$dir/nostream.err" &
nostream=$!
wait_ready "$dir/ready" "$dir/nostream.err"
"$send" --to=127.0.0.1:$udp --count=5 >/dev/null
wait "$nostream" || true
grep -q "no JetStream stream takes the subject netconsole.> (.*); create one, e.g. nats stream add" "$dir/nostream.err" ||
  fail "no word of the missing stream: $(cat "$dir/nostream.err")"
echo "without a stream: $(grep -m1 -o 'no JetStream stream takes the subject [^ ]*' "$dir/nostream.err")"
"$check" create "$urls" NETCONSOLE 'netconsole.>' 3 || fail "$(tail -5 "$dir"/n*.log)"

# Two collectors, two senders each; 4 x 3,000 records at 1,000/s.
n=3000
for c in a b; do
  rm -f "$dir/ready"
  udp=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  eval "udp_$c=$udp"
  "$rx" --listen=127.0.0.1:$udp --sink="$sink" --idle=4 --duration=90 --drain=40 \
    --ready_file="$dir/ready" 2>"$dir/rx_$c.err" &
  eval "rx_$c=$!"
  wait_ready "$dir/ready" "$dir/rx_$c.err"
done
senders=()
for c in a b; do
  for s in 1 2; do
    udp=$(eval echo "\$udp_$c")
    "$send" --to=127.0.0.1:$udp --count=$n --rate=1000 >/dev/null &
    senders+=($!)
  done
done
# The stream's leader dies: JetStream elects another while the collectors
# publish, and refuses them meanwhile.
leader=$("$check" leader "$urls" NETCONSOLE) || fail "no stream leader"
sleep 1.5  # the moment under test: mid-stream (the senders run 3 s)
kill -KILL "${pid[${leader#n}]}"
echo "the stream's leader ($leader) killed 1.5 s into the stream"
alive=
for m in 1 2 3; do [ "n$m" = "$leader" ] || alive+="nats://127.0.0.1:${client[$m]},"; done
wait "${senders[@]}"
for c in a b; do
  wait "$(eval echo "\$rx_$c")" || fail "pmdcon-rx $c: $(cat "$dir/rx_$c.err")"
  grep '^output nats' "$dir/rx_$c.err"
  grep -q "^output nats://.*: $((2 * n)) records, $((2 * n)) delivered, 0 pending, 0 dropped" \
    "$dir/rx_$c.err" || fail "collector $c: $(cat "$dir/rx_$c.err")"
done
"$check" verify "${alive%,}" NETCONSOLE $((4 * n)) ||
  fail "the stream does not hold every record once"
echo "jetstream: $((4 * n)) of $((4 * n)) records exactly once, the leader of three nodes killed"
