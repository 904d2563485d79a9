#!/usr/bin/env bash
# A reliable target's answers, datagram by datagram, to a scripted collector
# (Python in the collector's namespace of a veth pair; pmdcon on af_packet):
#  - a request gets each record again, byte for byte as first sent;
#  - a datagram from another address (port) is ignored and counted;
#  - a malformed one is counted (and, as every datagram from the
#    collector's address, pays for resends: there is no key);
#  - a seq the ring has overwritten gets a notice for that seq alone;
#  - without acks for 10 s the unacknowledged records go out again with
#    ",ncemg=1", 16 at once (no key: the burst of Engine::kUnvalidatedBurst),
#    and an ack that moves ends that.
# Needs root; cleans up its namespaces and processes.
set -euo pipefail
pmdcon=$1 gen=$2
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"
command -v nft >/dev/null || { echo "SKIP: nft (Debian's nftables) is not installed"; exit 77; }
lossy_link "$rxns" 0

"$gen" --ring="$dir/ring" --size=64K --count=50 --text_size=100 >/dev/null 2>&1
veth_config "$dir/ring" "{name: t, dst_ip: 10.99.0.2, reliable: true, sysdata: [msgid]}" |
  sed 's/telemetry: false/telemetry: true/' >"$dir/c.yaml"
cat >"$dir/collector.py" <<'PY'
import socket, subprocess, sys, time
from ncrx_peer import PMDCON as pmdcon, Collector, seq_of, stats, until
gen, ring, pid = sys.argv[1:4]
c = Collector()
s, first, recv_until, drain = c.sock, c.first, c.recv_until, c.drain
other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
other.bind(("10.99.0.2", 7777))

# Deadlines bound a failure only: pmdcon may take long to start (EAL) on a
# loaded machine, and each wait ends as soon as what it waits for arrived.
recv_until(lambda p: seq_of(p) == 49, 120, "the first 50 records did not arrive")
# Without a key the collector's address may draw no more bytes of resends
# than it sent (issue 23): 1000 bytes first (malformed, counted), then the
# request.
s.sendto(b"x" * 1000, pmdcon)
assert until(lambda: stats(pid)["bad_responses"] == 1), "the 1000 bytes not counted"
s.sendto(b"ncrx10 3 7", pmdcon)
again = [recv_until(lambda p: True, 30, "no resend")]
again.append(recv_until(lambda p: True, 30, "one resend only"))
again += drain(0.5)
assert sorted(again) == sorted([first[3], first[7]]), ("resends", again)
print("request for 3 and 7: both resent, byte for byte (msgid included)")
other.sendto(b"ncrx49 1", pmdcon)
s.sendto(b"hello", pmdcon)
assert drain(1) == [], "an answer to a foreign or malformed datagram"
print("foreign and malformed datagrams: no answer")
subprocess.run([gen, "--ring=" + ring, "--count=3000", "--text_size=100",
                "--seq_start=50"], check=True, capture_output=True)
recv_until(lambda p: seq_of(p) == 3049, 60, "the next 3000 records did not arrive")
s.sendto(b"ncrx10 5", pmdcon)
notice = recv_until(lambda p: seq_of(p) == 5, 30, "no answer for overwritten seq 5")
assert b"pmdcon: lost 1 record (seq 5): overwritten in the ring" in notice, notice
print("request for overwritten seq 5:", notice.split(b";", 1)[1].split(b"\n")[0].decode())
# No ack has moved since "ncrx10": 10 s after that, emergencies.
emg = recv_until(lambda p: b",ncemg=1" in p.split(b";", 1)[0], 60,
                 "no emergency resend without acks")
print("no acks for 10 s: emergency resend of seq", seq_of(emg))
assert seq_of(emg) == 11, emg
# Without a key, a burst of 16 at once (the target's own clock: no input
# adds to it), the oldest first.
burst = [seq_of(emg)] + [seq_of(p) for p in drain(0.3)
                         if b",ncemg=1" in p.split(b";", 1)[0]]
assert len(burst) >= 16 and burst == list(range(11, 11 + len(burst))), \
    ("burst", burst)
print("emergencies: seqs %d to %d in 0.3 s, oldest first" % (burst[0], burst[-1]))
s.sendto(b"ncrx3049", pmdcon)
assert until(lambda: stats(pid)["acked_seq"] == 3049), "ack 3049 not taken"
drain(0.1)  # what was on its way before the ack
late = [p for p in drain(3) if b",ncemg=1" in p]
assert not late, ("emergencies after the ack", late)
print("ack 3049: no more emergencies")
PY
ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >"$dir/log" 2>&1 &
pid=$!
ip netns exec "$rxns" env PYTHONPATH="$(dirname "$0")" \
  python3 "$dir/collector.py" "$gen" "$dir/ring" "$pid" ||
  fail "collector: $(tail -3 "$dir/log")"
# The same counters through telemetry, while it runs.
json=$(echo /pmdcon/stats | timeout 10 dpdk-telemetry.py -f "pmdcon-$pid" | tail -1)
python3 - "$json" <<'PY' || fail "telemetry: $json"
import json, sys
t = json.loads(sys.argv[1])["/pmdcon/stats"]["t"]
want = {"acked_seq": 3049, "retransmits": 2, "unavailable": 1, "foreign": 1,
        "bad_responses": 2, "requests": 3, "responses": 3}
bad = {k: t.get(k) for k, v in want.items() if t.get(k) != v}
assert not bad and t["emergencies"] >= 1, bad
print("telemetry /pmdcon/stats:", {k: t[k] for k in list(want) + ["emergencies"]})
PY
kill -TERM "$pid"
wait "$pid" || fail "pmdcon: $(tail -3 "$dir/log")"
line=$(grep 'acked seq' "$dir/log")
echo "$line"
for want in 'foreign 1,' 'bad responses 2,' 'retransmits 2,' 'unavailable 1,' \
  'emergencies [1-9]' 'acked seq 3049'; do
  grep -q "$want" <<<"$line" || fail "stats: want '$want': $line"
done
