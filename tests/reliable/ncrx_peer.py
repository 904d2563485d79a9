"""The collector's side of the reliable tests, in the collector's namespace:
a socket bound to 10.99.0.2:6666 (where pmdcon sends, and where its
responses come from), and waits that end as soon as what they wait for
arrived (deadlines bound a failure only: pmdcon may take long to start on a
loaded machine)."""
import json
import socket
import subprocess
import sys
import time

PMDCON = ("10.99.0.1", 6665)


def seq_of(p):
    return int(p.split(b";", 1)[0].split(b",")[1])


class Collector:
    def __init__(self, addr=("10.99.0.2", 6666)):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # SO_RCVBUFFORCE: no drops
        self.sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)
        self.sock.bind(addr)
        self.first = {}  # each seq's first copy

    def recv_until(self, pred, timeout, what):
        """The first datagram pred accepts; exits with FAIL: what if none
        came within timeout seconds."""
        end = time.time() + timeout
        while time.time() < end:
            self.sock.settimeout(max(0.01, end - time.time()))
            try:
                p = self.sock.recv(2048)
            except socket.timeout:
                break
            self.first.setdefault(seq_of(p), p)
            if pred(p):
                return p
        sys.exit("FAIL: " + what)

    def drain(self, seconds):
        """What arrives within seconds."""
        got = []
        end = time.time() + seconds
        while time.time() < end:
            self.sock.settimeout(max(0.01, end - time.time()))
            try:
                got.append(self.sock.recv(2048))
            except socket.timeout:
                break
        return got


def stats(pid, target="t"):
    """A target's counters, from pmdcon's telemetry (telemetry: true)."""
    out = subprocess.run(["dpdk-telemetry.py", "-f", "pmdcon-%s" % pid],
                         input="/pmdcon/stats\n", capture_output=True,
                         text=True, timeout=10).stdout
    return json.loads(out.strip().splitlines()[-1])["/pmdcon/stats"][target]


def until(cond, timeout=30):
    """Polls cond until it holds (True) or timeout seconds passed (False):
    a wait for what pmdcon did, not a fixed sleep."""
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False
