#!/usr/bin/env python3
"""Plays the kernel's extended netconsole for tests/interop/nctx_test.sh.

  kmsg_netconsole.py SRC_PORT DST_PORT MARK DROP

Reads this host's /dev/kmsg from the start, and sends every record from the
first one whose text contains MARK on, as netconsole would (one datagram, the
/dev/kmsg record as is), from 127.0.0.1:SRC_PORT (forged through a raw socket:
netconsd's nctx, bound there, answers the requests) to 127.0.0.1:DST_PORT.
Every DROP-th record is not sent, so the receiver must ask for it. Stops at
the record whose text is MARK + " end"; prints the first and last seq sent.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fault"))
from rx_hostile import Raw  # noqa: E402


def main():
    src_port, dst_port = int(sys.argv[1]), int(sys.argv[2])
    mark, drop = sys.argv[3], int(sys.argv[4])
    raw = Raw(dst_port)
    fd = os.open("/dev/kmsg", os.O_RDONLY)
    first = last = None
    n = 0
    while True:
        try:
            rec = os.read(fd, 8192)
        except BrokenPipeError:  # records overwritten meanwhile
            continue
        head, _, rest = rec.partition(b";")
        text = rest.split(b"\n", 1)[0].decode(errors="replace")
        seq = int(head.split(b",")[1])
        if first is None and mark not in text:
            continue
        if first is None:
            first = seq
        last = seq
        n += 1
        if n % drop != 0 and len(rec) <= 1000:
            raw.send("127.0.0.1", src_port, rec)
        if text == mark + " end":
            break
    print(first, last)


if __name__ == "__main__":
    main()
