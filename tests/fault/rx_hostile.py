#!/usr/bin/env python3
"""Hostile senders and judges for pmdcon-rx (tests/fault/rx_hostile_test.sh).

  sources PORT N LEGIT   N sources (distinct address and port, forged on
                         loopback through a raw socket) send one record each;
                         127.0.0.1:40000 sends records 0..LEGIT-1 among them.
  incomplete PORT N LEGIT  N incomplete records (first 10 bytes of a declared
                         65000) from 200 sources; 127.0.0.1:40000 sends LEGIT
                         records of 2400 bytes in three fragments among them.
  conflict PORT          a record whose overlapping fragments disagree, then
                         one whose overlaps agree (seq 2).
  pcap FILE              a capture with basic-mode lines holding ESC and BEL
                         to ports 6666 and 6667 (and 6668, not listened to).
  legit JSONL LEGIT      checks 127.0.0.1:40000 delivered seq 0..LEGIT-1.
"""
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pcapfile import ones_sum  # noqa: E402

LEGIT_PORT = 40000


def udp_packet(src, sport, dst, dport, payload):
    """IPv4 header (length and checksum filled by the kernel) and UDP."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


class Raw:
    """Sends datagrams with any loopback source, paced so that a receiver
    keeping up loses none in its socket buffer."""

    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                               socket.IPPROTO_RAW)
        self.port = port
        self.sent = 0

    def send(self, src, sport, payload):
        self.s.sendto(udp_packet(src, sport, "127.0.0.1", self.port, payload),
                      ("127.0.0.1", 0))
        self.sent += 1
        if self.sent % 2000 == 0:
            time.sleep(0.01)


def flood_source(i):
    """The i-th flooding source: 127.2.x.y, ports from 1024 on."""
    return "127.2.%d.%d" % (i // 60000 // 250, i // 60000 % 250 + 1), \
        1024 + i % 60000


def record(seq, text, frag=None):
    head = "6,%d,%d,-" % (seq, 1000 + seq)
    if frag:
        head += ",ncfrag=%d/%d" % frag
    return (head + ";" + text).encode()


def sources(port, n, legit):
    raw = Raw(port)
    seq = 0
    for i in range(n):
        src, sport = flood_source(i)
        raw.send(src, sport, record(7, "flood\n"))
        if i % (n // legit) == 0 and seq < legit:
            raw.send("127.0.0.1", LEGIT_PORT, record(seq, "legit %d\n" % seq))
            seq += 1
    while seq < legit:
        raw.send("127.0.0.1", LEGIT_PORT, record(seq, "legit %d\n" % seq))
        seq += 1


def incomplete(port, n, legit):
    raw = Raw(port)
    seq = 0
    body = ("".join("%05d " % k for k in range(400)))  # 2400 bytes
    for i in range(n):
        raw.send("127.3.0.%d" % (i % 200 + 1), 5000,
                 record(i // 200, "0123456789", (0, 65000)))
        if i % (n // legit) == 0 and seq < legit:
            for off in (0, 900, 1800):
                raw.send("127.0.0.1", LEGIT_PORT,
                         record(seq, body[off:off + 900], (off, len(body))))
            seq += 1


def conflict(port):
    raw = Raw(port)
    raw.send("127.0.0.1", LEGIT_PORT, record(1, "0123456789", (0, 20)))
    raw.send("127.0.0.1", LEGIT_PORT, record(1, "89XXXXXXXX", (8, 20)))
    raw.send("127.0.0.1", LEGIT_PORT, record(1, "abcdefghij", (10, 20)))
    raw.send("127.0.0.1", LEGIT_PORT, record(2, "0123456789", (0, 20)))
    raw.send("127.0.0.1", LEGIT_PORT, record(2, "6789abcdefghij", (6, 20)))


def checksum(data):
    return ~ones_sum(data) & 0xFFFF


def frame(dport, payload, sport=6665):
    src, dst = socket.inet_aton("10.99.0.1"), socket.inet_aton("10.99.0.2")
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0,
                     src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02" * 6 + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + udp


def pcap(path):
    lines = [(6666, b"[  1.000000] red \x1b[31mALERT\x1b[0m\x07\n"),
             (6667, b"[  2.000000] second port \x1b]0;title\x07\n"),
             (6668, b"[  3.000000] not listened to\n")]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for port, payload in lines:
            fr = frame(port, payload)
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)


def legit_check(path, legit):
    seqs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = json.loads(line)
            if m["source"] == "127.0.0.1:%d" % LEGIT_PORT:
                seqs.append(m["seq"])
    if sorted(seqs) != list(range(legit)):
        missing = sorted(set(range(legit)) - set(seqs))
        sys.exit("legit source: %d of %d records, missing %s" %
                 (len(set(seqs)), legit, missing[:10]))
    print("legit source: all %d records" % legit)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "sources":
        sources(int(args[0]), int(args[1]), int(args[2]))
    elif cmd == "incomplete":
        incomplete(int(args[0]), int(args[1]), int(args[2]))
    elif cmd == "conflict":
        conflict(int(args[0]))
    elif cmd == "pcap":
        pcap(args[0])
    elif cmd == "legit":
        legit_check(args[0], int(args[1]))
    else:
        sys.exit("unknown command " + cmd)
