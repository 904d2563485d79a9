#!/usr/bin/env bash
# pmdcon-rx --ack as a reflector (issue 23, item 4): 100 sources that bear
# a victim's addresses (127.0.3.1-100 on loopback; the test holds those
# sockets, so it sees what the victim would get) each send seq 0 and seq
# 8000. Every hole between would be asked for again each second, in
# 1000-byte responses, toward an address that proved nothing. The bytes
# that reach the victim in 8 s may not exceed the bytes the sources sent;
# a real sender on the same pmdcon-rx still gets its acks.
set -euo pipefail
rx=$1
source "$(dirname "$0")/../scratch.sh"
port=$((20000 + RANDOM % 20000))
"$rx" --listen="127.0.0.1:$port" --ack --quiet --ready_file="$dir/ready" \
  2>"$dir/rx.err" &
wait_ready "$dir/ready" "$dir/rx.err"
python3 - "$port" <<'PY' || fail "$(cat "$dir/rx.err")"
import select, socket, sys, time
port = int(sys.argv[1])
rx = ("127.0.0.1", port)

def rec(seq):
    return b"6,%d,%d,-;reflect me %d\n" % (seq, seq * 1000, seq)

victims = []
sent = 0
for i in range(1, 101):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.3.%d" % i, 5000))
    s.setblocking(False)
    victims.append(s)
    for seq in (0, 8000):
        s.sendto(rec(seq), rx)
        sent += len(rec(seq))
# A real sender: 300 records, one hole (seq 150) it fills when asked.
real = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
real.bind(("127.0.0.1", 0))
for seq in range(300):
    if seq != 150:
        real.sendto(rec(seq), rx)
got = 0
datagrams = 0
asked = acked = False
end = time.time() + 8
while time.time() < end:
    r, _, _ = select.select(victims + [real], [], [], 0.2)
    for s in r:
        d = s.recv(2000)
        if s is real:
            asked = asked or b" 150" in d
            if b" 150" in d:
                real.sendto(rec(150), rx)
            acked = acked or d == b"ncrx299"
            continue
        got += len(d)
        datagrams += 1
ratio = got / sent
print("reflection: %d bytes from 100 sources, %d bytes in %d datagrams back "
      "(%.2fx); the real sender asked for its hole: %s, acked to 299: %s"
      % (sent, got, datagrams, ratio, asked, acked))
ok = ratio <= 1 and asked and acked
if not ok:
    print("FAIL: amplification above 1 or the real sender was not served")
sys.exit(0 if ok else 1)
PY
kill -TERM %1
wait %1 || true
grep -h "acks:" "$dir/rx.err"
