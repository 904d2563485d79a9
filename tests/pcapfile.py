"""Reads a pcap file (the tests' captures: QEMU filter-dump, DPDK net_pcap),
and the Internet checksum the judges verify and the generators write."""
import struct


def frames(path):
    """The captured bytes of every packet of a pcap file, in order."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def ones_sum(data):
    """The 16-bit ones' complement sum of data (0xFFFF over a packet whose
    checksum is right; its complement is the checksum to write)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s
