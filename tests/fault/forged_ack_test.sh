#!/usr/bin/env bash
# Hostile ncrx datagrams from the collector's own address (issue 23): the
# attacker shares 10.99.0.2:6666, so only what pmdcon does with a datagram
# can stop it (pmdcon on af_packet, the collector in Python in the other
# namespace of a veth pair):
#  1. "ncrx1999", beyond the last seq sent (299): refused and counted, the
#     acknowledged position does not move.
#  2. "ncrx299 5 5 ... 5" (495 requests, 997 bytes) with 900-byte records:
#     seq 5 goes out at most once, not 495 times; 250 distinct requests get
#     no more bytes than the address sent (anti-amplification), and after
#     200 KB more from it, 200 resends (the per-response cap).
#  3. "ncrx0 4000000000": no notice for a seq never sent, nothing moves but
#     a counter, and the collector's real acks are taken afterwards.
# Needs root; cleans up its namespaces and processes.
set -euo pipefail
pmdcon=$1 gen=$2 dump=$3
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"
command -v nft >/dev/null || { echo "SKIP: nft (Debian's nftables) is not installed"; exit 77; }
lossy_link "$rxns" 0

"$gen" --ring="$dir/ring" --size=1M --count=300 --text_size=900 >/dev/null 2>&1
veth_config "$dir/ring" "{name: t, dst_ip: 10.99.0.2, reliable: true, max_level: debug}" |
  sed 's/telemetry: false/telemetry: true/' >"$dir/c.yaml"
cat >"$dir/collector.py" <<'PY'
import subprocess, sys, time
from ncrx_peer import PMDCON as pmdcon, Collector, seq_of, stats as t_stats, until
gen, dump, ring, pid = sys.argv[1:5]
c = Collector()
s, recv_until, drain = c.sock, c.recv_until, c.drain
failed = []

def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failed.append(what)

def stats():
    return t_stats(pid)

def unconfirmed():
    """Records after the position published to the kernel."""
    out = subprocess.run([dump, "--ring=" + ring, "--from=transmitted",
                          "--quiet"], capture_output=True, text=True).stderr
    return int(out.split(": ")[1].split(" ")[0])

recv_until(lambda p: seq_of(p) == 299, 120,
           "the first 300 records did not arrive")
# 1. An ack of a seq never sent, before any real one (within the 10 s
# before emergencies).
s.sendto(b"ncrx1999", pmdcon)
until(lambda: stats()["bad_responses"] >= 1)  # judged below
t = stats()
check(t["acked_seq"] == "none" and t["bad_responses"] == 1 and
      unconfirmed() == 300,
      "ncrx1999 refused: acked_seq %s, bad_responses %s, %d records after "
      "the kernel's position" % (t["acked_seq"], t["bad_responses"],
                                 unconfirmed()))
s.sendto(b"ncrx299", pmdcon)  # everything acked: no emergencies from here on
until(lambda: stats().get("acked_seq") == 299)  # judged below
check(stats().get("acked_seq") == 299 and unconfirmed() == 0,
      "the real ack of 299 is taken and published")

# 2. 495 requests for one seq; 250 distinct ones; the same after 200 KB
# more from the address. Bytes out never exceed bytes in (every datagram
# from the address counts, the acks above too), and a response never gets
# more than 200 resends.
sent_in = len(b"ncrx1999") + 2 * len(b"ncrx299")
sent_out = 0
hostile = b"ncrx299" + b" 5" * 495
s.sendto(hostile, pmdcon)
sent_in += len(hostile)
out = drain(1.5)
copies = sum(seq_of(p) == 5 for p in out)
sent_out += sum(len(p) for p in out)
print("495 requests for seq 5: %d bytes in, %d datagrams, %d bytes out"
      % (len(hostile), len(out), sum(len(p) for p in out)))
check(copies <= 1 and len(out) == copies,
      "495 requests for seq 5: %d copies, %d datagrams" % (copies, len(out)))
distinct = b"ncrx299" + b"".join(b" %d" % i for i in range(250))
before = stats()
s.sendto(distinct, pmdcon)
sent_in += len(distinct)
out = drain(1.5)
sent_out += sum(len(p) for p in out)
print("amplification: %d bytes in, %d bytes out (%.2fx), %d over budget"
      % (sent_in, sent_out, sent_out / sent_in,
         stats().get("over_budget", 0) - before.get("over_budget", 0)))
check(sent_out <= sent_in and
      stats().get("over_budget", 0) > before.get("over_budget", 0),
      "250 distinct requests: %d resends, %d bytes out for %d in"
      % (len(out), sent_out, sent_in))
bad = stats()["bad_responses"]
for _ in range(200):
    s.sendto(b"x" * 1000, pmdcon)  # malformed, but bytes from the address
    sent_in += 1000
    time.sleep(0.002)  # pacing: none dropped on the way
# Counted (their bytes credited) before the request comes.
until(lambda: stats()["bad_responses"] >= bad + 200)  # judged below
s.sendto(distinct, pmdcon)
sent_in += len(distinct)
out = drain(1.5)
sent_out += sum(len(p) for p in out)
check(len(out) == 200 and len({seq_of(p) for p in out}) == 200 and
      sent_out <= sent_in,
      "250 distinct requests with credit: %d resends (cap 200), %d bytes out "
      "for %d in" % (len(out), sent_out, sent_in))

# 3. A request far beyond the last seq sent.
before = stats()
s.sendto(b"ncrx0 4000000000", pmdcon)
out = drain(1.5)
check(out == [], "ncrx0 4000000000: %d answers %s"
      % (len(out), [p.split(b"\n")[0] for p in out]))
t = stats()
moved = {k: (before[k], t[k]) for k in t
         if k not in ("requests", "requests_refused", "responses")
         and t[k] != before[k]}
check(not moved and
      t.get("requests_refused", 0) > before.get("requests_refused", 0),
      "only counters of requests moved: %s" % moved)
subprocess.run([gen, "--ring=" + ring, "--count=10", "--text_size=900",
                "--seq_start=300"], check=True, capture_output=True)
recv_until(lambda p: seq_of(p) == 309, 60, "the next 10 records did not arrive")
s.sendto(b"ncrx309", pmdcon)
until(lambda: stats().get("acked_seq") == 309)  # judged below
t = stats()
check(t["acked_seq"] == 309, "the real ack of 309 is taken: acked_seq %s"
      % t["acked_seq"])
print("telemetry /pmdcon/stats:", {k: t.get(k) for k in (
    "acked_seq", "responses", "bad_responses", "requests", "requests_refused",
    "over_budget", "retransmits", "unavailable", "emergencies")})
sys.exit(1 if failed else 0)
PY
ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >"$dir/log" 2>&1 &
pid=$!
ip netns exec "$rxns" env PYTHONPATH="$(dirname "$0")/../reliable" \
  python3 "$dir/collector.py" "$gen" "$dump" "$dir/ring" "$pid" ||
  fail "collector: $(tail -3 "$dir/log")"
kill -TERM "$pid"
wait "$pid" || fail "pmdcon: $(tail -3 "$dir/log")"
grep 'acked seq' "$dir/log"
