#!/usr/bin/env python3
"""sysdata_judge.py PCAP PORT NCPORT FEATURES: judges the sysdata scenario.

PCAP is QEMU's dump of the guest's eth0, where three senders with the same
settings (extended, userdata dc=sea1 rack=r42, the sysdata switches) sent
the records tagged "pmdcon-vm sys-fb N" and "pmdcon-vm sys-app N":
  - the kernel's netconsole, a configfs target, to NCPORT (the reference);
  - pmdcon's fallback, a configfs target, to PORT (sys-fb records);
  - pmdcon's appliance on the same NIC, to PORT (sys-app records).
FEATURES names what the kernel's netconsole offers ("userdata cpu_nr
taskname release msgid"); pmdcon offers all of it on every kernel.

Passes if
  1. pmdcon sent all 200 records of each tag, each payload with the userdata
     and sysdata lines, in netconsole's order, and msgid counting up by one
     per record within each sender;
  2. every payload netconsole sent for those records equals pmdcon's byte for
     byte, except the msgid value (each sender counts its own) and the lines
     of features this kernel's netconsole lacks, which are left out of
     pmdcon's copy before comparing;
  3. the fallback's and the appliance's frames are the same frame: Ethernet,
     IPv4 and UDP headers equal except the IPv4 ID, every length and
     checksum right for the payload. Their constant IPv4 fields (TOS, flags,
     TTL) equal netconsole's.
"""
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pcapfile import frames, ones_sum as csum  # noqa: E402

TAG = re.compile(rb";pmdcon-vm (sys-fb|sys-app) (\d+)\n")
MSGID = re.compile(rb" msgid=(\d+)\n")
SYSDATA = {"cpu_nr": rb" cpu=\d+\n", "taskname": rb" taskname=[^\n]*\n",
           "release": rb" release=[^\n]*\n", "msgid": rb" msgid=\d+\n"}
USERDATA = rb" dc=sea1\n rack=r42\n"


def udp4(frame):
    """(dst port, headers, payload) of an IPv4 UDP frame, else None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return None
    ihl = (frame[14] & 15) * 4
    udp = 14 + ihl
    return struct.unpack("!H", frame[udp + 2:udp + 4])[0], frame[:udp + 8], \
        frame[udp + 8:]


def check_sums(frame, why):
    """Lengths and checksums of an IPv4 UDP frame; appends problems to why."""
    ihl = (frame[14] & 15) * 4
    ip, udp = frame[14:14 + ihl], frame[14 + ihl:]
    if struct.unpack("!H", ip[2:4])[0] != len(frame) - 14:
        why.append("IPv4 total length")
    if csum(ip) != 0xFFFF:
        why.append("IPv4 header checksum")
    if struct.unpack("!H", udp[4:6])[0] != len(udp):
        why.append("UDP length")
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    if udp[6:8] != b"\0\0" and csum(pseudo + udp) != 0xFFFF:
        why.append("UDP checksum")


def constant(headers):
    """A frame's headers without the fields that depend on the payload or
    the packet: IPv4 total length, ID, checksum; UDP length, checksum."""
    h = bytearray(headers)
    for i in (16, 17, 18, 19, 24, 25, len(h) - 4, len(h) - 3, len(h) - 2,
              len(h) - 1):
        h[i] = 0
    return bytes(h)


def main():
    pcap, port, ncport, features = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), sys.argv[4].split()
    ours, nc = {}, {}
    ours_hdr, nc_hdr, problems = {}, [], []
    for frame in frames(pcap):
        u = udp4(frame)
        if not u:
            continue
        dport, headers, payload = u
        m = TAG.search(payload)
        if not m:
            continue
        key = (m.group(1).decode(), int(m.group(2)))
        if dport == port:
            ours[key] = payload
            ours_hdr.setdefault(key[0], set()).add(constant(headers))
            why = []
            check_sums(frame, why)
            if why:
                problems.append("%s %d: wrong %s" % (key + (", ".join(why),)))
        elif dport == ncport:
            nc[key] = payload
            nc_hdr.append(headers)

    ok = True
    order = USERDATA + b"".join(SYSDATA[f] for f in
                                ("cpu_nr", "taskname", "release", "msgid"))
    for tag in ("sys-fb", "sys-app"):
        got = sorted(n for t, n in ours if t == tag)
        msgids = [int(MSGID.search(ours[(tag, n)]).group(1))
                  for n in got if MSGID.search(ours[(tag, n)])]
        shaped = sum(1 for n in got
                     if re.search(b"\n" + order + b"$", ours[(tag, n)]))
        steps = {b - a for a, b in zip(msgids, msgids[1:])}
        print("sysdata: pmdcon %s: %d of 200 records, %d with userdata and "
              "sysdata in order, msgid %s..%s" %
              (tag, len(got), shaped, msgids[0] if msgids else "?",
               msgids[-1] if msgids else "?"))
        if got != list(range(200)) or shaped != 200 or len(msgids) != 200 \
                or steps != {1}:
            print("FAIL: pmdcon's %s records (msgid steps %s)" % (tag, steps))
            ok = False

    # Netconsole against pmdcon, record by record.
    drop = [SYSDATA[f] for f in SYSDATA if f not in features]
    if "userdata" not in features:
        drop.append(USERDATA)
    same = differ = 0
    for key, theirs in sorted(nc.items()):
        mine = ours.get(key)
        if mine is None:
            continue
        for d in drop:
            mine = re.sub(d, b"", mine)
        if MSGID.sub(b" msgid=N\n", mine) == MSGID.sub(b" msgid=N\n", theirs):
            same += 1
        else:
            differ += 1
            if differ <= 3:
                print("differs: %s %d\n  netconsole %r\n  pmdcon     %r" %
                      (key + (theirs, mine)))
    print("sysdata: netconsole (with %s) sent %d of the 400 records: %d "
          "identical to pmdcon's, %d different" %
          (" ".join(features) or "no userdata, no sysdata", len(nc), same,
           differ))
    if differ or same < 100:
        print("FAIL: netconsole's payloads against pmdcon's")
        ok = False

    # One frame for both paths.
    fb, app = ours_hdr.get("sys-fb", set()), ours_hdr.get("sys-app", set())
    print("sysdata: frame headers: fallback %d distinct, appliance %d "
          "distinct (IPv4 ID, lengths and checksums aside); %s" %
          (len(fb), len(app), "the same" if fb == app and len(fb) == 1
           else "DIFFERENT"))
    if len(fb) != 1 or fb != app:
        for h in sorted(fb | app):
            print("  %s" % h.hex())
        ok = False
    if problems:
        print("FAIL: %d frames with wrong lengths or checksums: %s" %
              (len(problems), "; ".join(problems[:3])))
        ok = False
    if fb and nc_hdr:
        h = next(iter(fb))
        # IPv4 TOS, flags and fragment offset, TTL, protocol.
        fields = lambda x: (x[15], x[20:22], x[22], x[23])
        if fields(h) != fields(nc_hdr[0]):
            print("FAIL: IPv4 TOS/flags/TTL differ from netconsole's: %r %r"
                  % (fields(h), fields(nc_hdr[0])))
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
