#!/usr/bin/env python3
"""Datagrams with a forged source, as an attacker on the logging network
sends them (tests/fault/auth_test.sh).

  forge.py ip SRC:SPORT DST:DPORT PAYLOAD
      through a raw IP socket (IP_HDRINCL) of this namespace.
  forge.py sealed-wrong SRC:SPORT DST:DPORT PAYLOAD
      the same, with a MAC field of key id 1 whose tag is made up.
PAYLOAD is a Python bytes literal's body ("6,5,1,-;text\\n").
"""
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff or 0xffff


def udp(src, sport, dst, dport, payload):
    """IPv4 (length and checksum filled by the kernel) and UDP with its
    checksum (receivers may refuse a datagram without one)."""
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    n = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, 17, n)
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, n, 0) + payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, 17, 0, s, d)
    return ip + struct.pack("!HHHH", sport, dport, n, c) + payload


def main():
    mode, src, dst, text = sys.argv[1:5]
    payload = text.encode().decode("unicode_escape").encode("latin-1")
    if mode == "sealed-wrong":
        head, body = payload.split(b";", 1)
        payload = head + b",ncmac=01.0000000000000001.0123456789abcdef;" + body
    s_ip, s_port = src.rsplit(":", 1)
    d_ip, d_port = dst.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(udp(s_ip, int(s_port), d_ip, int(d_port), payload), (d_ip, 0))


main()
