#!/usr/bin/env bash
# pmdcon-rx's receive workers on loopback: sources spread over workers and
# each stays whole in one (no gaps, no second stream), --by_address keeps
# an address's ports together, a second collector cannot take a share of
# the port, and workers writing one file interleave whole lines only, each
# source's in order; sources spread with IPv4 options and over IPv6, with
# and without a destination options header.
set -euo pipefail
rx=$1 send=$2
here=$(dirname "$0")
source "$here/../scratch.sh"
source "$here/start_rx.sh"

# workers_line NAME: "records A (S sources) B (T sources) ..." per worker.
workers_line() { grep '^workers: ' "$dir/$1.err" || fail "$1: no workers line"; }

# 1. 16 senders at once, 4 workers: every source complete and in one
#    stream (how evenly they spread is case 5's: with 16 sources a worker
#    may get none).
start_rx spread --listen=127.0.0.1:$port --workers=4 --quiet --count=80000 \
  --expect=0-4999 --fail_on_gap --duration=60
for _ in $(seq 16); do
  "$send" --to=127.0.0.1:$port --count=5000 --rate=20000 >/dev/null &
done
wait_rx
[ "$rc" = 0 ] || fail "spread: exit $rc: $(cat "$dir/spread.err")"
sources=$(grep -c '^127.0.0.1:[0-9]*: records 5000,' "$dir/spread.err" || true)
[ "$sources" = 16 ] || fail "spread: $sources of 16 sources whole: $(cat "$dir/spread.err")"
echo "spread: $(workers_line spread)"
wait  # the senders

# 2. --by_address: one address's four ports (an appliance, then its
#    module's fallback, each from a new port) are one stream, in one worker.
port=$((port + 1))
start_rx byaddr --listen=127.0.0.1:$port --workers=4 --by_address --quiet \
  --count=20000 --expect=0-19999 --fail_on_gap --duration=60
for i in 0 1 2 3; do
  "$send" --to=127.0.0.1:$port --count=5000 --seq_start=$((i * 5000)) \
    --rate=50000 >/dev/null
  sleep 0.2  # pacing: a pause between senders, as at a restart
done
wait_rx
[ "$rc" = 0 ] || fail "by_address: exit $rc: $(cat "$dir/byaddr.err")"
grep -q '^127.0.0.1:0: records 20000,' "$dir/byaddr.err" ||
  fail "by_address: not one stream of 20000: $(cat "$dir/byaddr.err")"
line=$(workers_line byaddr)
[ "$(echo "$line" | grep -o ' 0 (0 sources)' | wc -l)" = 3 ] ||
  fail "by_address: the address was split over workers: $line"

# 3. A second collector on a port that one holds is refused (it would
#    silently take a share of the sources).
port=$((port + 1))
start_rx first --listen=127.0.0.1:$port --workers=2 --quiet --duration=30
first_pid=$rx_pid
rc=0
"$rx" --listen=127.0.0.1:$port --workers=2 --quiet --duration=1 \
  2>"$dir/second.err" || rc=$?
[ "$rc" != 0 ] || fail "second collector on a held port started"
grep -q "bind 127.0.0.1:$port: Address already in use" "$dir/second.err" ||
  fail "second collector: $(cat "$dir/second.err")"
kill -TERM "$first_pid"
rx_pid=$first_pid
wait_rx
[ "$rc" = 0 ] || fail "first collector: exit $rc after SIGTERM"

# 4. Four workers, eight senders, one JSON file: every line whole JSON, each
#    source's seqs in order.
port=$((port + 1))
start_rx file --listen=127.0.0.1:$port --workers=4 --format=json \
  --output="$dir/all.jsonl" --count=32000 --fail_on_gap --duration=60
for _ in $(seq 8); do
  "$send" --to=127.0.0.1:$port --count=4000 --text_size=300 --rate=20000 \
    >/dev/null &
done
wait_rx
[ "$rc" = 0 ] || fail "file: exit $rc: $(cat "$dir/file.err")"
wait
python3 - "$dir/all.jsonl" <<'PY' || fail "file: lines interleaved or out of order"
import json, sys
last = {}
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    key = (r["source"])
    if last.get(key, -1) + 1 != r["seq"]:
        sys.exit(f"{key}: seq {r['seq']} after {last.get(key)}")
    last[key] = r["seq"]
    n += 1
if n != 32000 or len(last) != 8:
    sys.exit(f"{n} records from {len(last)} sources")
PY
line=$(workers_line file)
echo "file: $line"

# many_sources NAME N MIN ADDRESS [OPTIONS]: N sockets (sender ports) send
# 20 records each to 4 workers on ADDRESS, with IPv4 options or an IPv6
# destination options header (hex) if given; each source arrives whole and
# every worker gets at least MIN.
many_sources() {
  local name=$1 n=$2 min=$3 addr=$4 opts=${5:-} line got
  port=$((port + 1))
  start_rx "$name" --listen="$addr:$port" --workers=4 --quiet \
    --count=$((n * 20)) --expect=0-19 --fail_on_gap --duration=60
  python3 - "$port" "$n" "$addr" "$opts" <<'PY'
import socket, sys, time
port, n, addr = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].strip("[]")
opts = bytes.fromhex(sys.argv[4])
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
socks = [socket.socket(family, socket.SOCK_DGRAM) for _ in range(n)]
for s in socks:
    if opts and family == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, opts)
    elif opts:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, opts)
for seq in range(20):
    for s in socks:
        s.sendto(b"6,%d,%d,-;fleet record" % (seq, seq * 1000), (addr, port))
    time.sleep(0.002)  # pacing: no drops in the socket buffers
PY
  wait_rx
  [ "$rc" = 0 ] || fail "$name: exit $rc: $(tail -5 "$dir/$name.err")"
  got=$(grep -cF ": records 20," "$dir/$name.err" || true)
  [ "$got" = "$n" ] || fail "$name: $got of $n sources whole"
  line=$(workers_line "$name")
  echo "$name: $line"
  for got in $(echo "$line" | grep -o '([0-9]* sources)' | tr -dc '0-9 \n'); do
    [ "$got" -ge "$min" ] || fail "$name: a worker got $got of $n sources: $line"
  done
}

# 5. 256 sources (a fleet's worth of sender ports), 4 workers: the hash
#    spreads them; each worker gets at least half its fair share (64).
many_sources fleet 256 32 127.0.0.1

# 6. IPv4 options move the source port: 64 sources sending with 4 bytes of
#    them (no-operation three times, end of list) still spread by port (a
#    hash that read the options as the port put them all on one worker).
many_sources options 64 4 127.0.0.1 01010100

# 7. The same over IPv6 (the port at the end of its 40-byte header), and
#    behind a destination options header (8 bytes: padding).
many_sources v6 64 4 "[::1]"
many_sources v6_options 64 4 "[::1]" 0000010400000000

echo "workers: all cases passed"
