#!/usr/bin/env python3
"""report.py LOGDIR: this run's comparisons as Markdown tables, from the
result lines tests/vm/run.sh wrote (bench-pmd.txt, flood.txt, panic.txt).

- af_packet against the PMD, one guest each (bench-pmd): printk to NIC
  latency and the rate a backlog leaves at, with the PMD's ratio;
- the 3 s flood: netconsole, pmdcon on af_packet, pmdcon on a PMD;
- panics: what netconsole and pmdcon delivered, panic=1 (reboot) against
  panic=0 (hang).
"""
import os
import re
import sys


def read(logdir, name):
    path = os.path.join(logdir, name)
    return open(path).read().splitlines() if os.path.exists(path) else []


def kernel(line):
    return line.split()[0].rstrip(":").split("-")[0]


def bench_pmd(lines):
    rows = []
    for line in lines:
        k = kernel(line)
        mode = re.search(r"\((bench-pmd@\S+), TCG ([^)]*)\)", line)
        paths = {}
        for via in ("af_packet", "pmd"):
            m = re.search(via + r": printk to NIC p50 (\d+) us, p99 (\d+) us, "
                          r"max (\d+) us .*?backlog (\d+) records in ([\d.]+) s "
                          r"\((\d+) records/s\)", line)
            if m:
                paths[via] = [int(m.group(i)) for i in (1, 2, 3, 4, 6)]
        if len(paths) == 2:
            rows.append((k, mode.group(1) if mode else "?",
                         mode.group(2) if mode else "?", paths))
    if not rows:
        return
    print("| kernel | PMD NIC (TCG) | path | printk to NIC p50 / p99 / max | "
          "backlog | records/s | PMD / af_packet |")
    print("|---|---|---|---|---|---|---|")
    for k, nic, tcg, p in rows:
        a, d = p["af_packet"], p["pmd"]
        for via, v in (("af_packet", a), ("PMD", d)):
            ratio = (f"p50 ×{d[0] / a[0]:.2f}, p99 ×{d[1] / a[1]:.2f}, "
                     f"rate ×{d[4] / a[4]:.2f}") if via == "PMD" else ""
            print(f"| {k} | {nic.split('@')[1]} ({tcg}) | {via} | {v[0]} / "
                  f"{v[1]} / {v[2]} µs | {v[3]:,} | {v[4]:,} | {ratio} |")
    print()


def flood(lines):
    rows = []
    for line in lines:
        k = kernel(line)
        m = re.search(r"flood: netconsole: (\d+) printed, (\d+) delivered, "
                      r"(\d+) announced lost, (-?\d+) lost silently", line)
        if m:
            rows.append((k, "netconsole", *m.groups()))
            continue
        m = re.search(r"flood: pmdcon \(([^)]*)\) run 1 \(3 s, appliance "
                      r"running\): (\d+) printed, (\d+) delivered, (\d+) "
                      r"announced lost, (-?\d+) lost silently", line)
        if m:
            rows.append((k, "pmdcon, " + m.group(1), *m.groups()[1:]))
    if not rows:
        return
    print("| kernel | 3 s flood through | printed | delivered | "
          "announced lost | lost silently |")
    print("|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (r[0], r[1])):
        print(f"| {r[0]} | {r[1]} | " +
              " | ".join(f"{int(x):,}" for x in r[2:]) + " |")
    print()


def panics(lines):
    rows = []
    for line in lines:
        m = re.match(r"(\S+) (panic[^:]*): panic: from seq \d+: netconsole "
                     r"delivered (\d+) records, pmdcon (\d+)", line)
        if m:
            rows.append((m.group(1).split("-")[0], m.group(2),
                         "0 (hang)" if m.group(2) == "panic-hang" else "1 (reboot)",
                         m.group(3), m.group(4)))
    if not rows:
        return
    print("| kernel | scenario | panic= | netconsole delivered | "
          "pmdcon delivered |")
    print("|---|---|---|---|---|")
    for r in sorted(rows):
        print("| " + " | ".join(r) + " |")
    print()


def main():
    logdir = sys.argv[1]
    bench_pmd(read(logdir, "bench-pmd.txt"))
    flood(read(logdir, "flood.txt"))
    panics(read(logdir, "panic.txt"))


if __name__ == "__main__":
    main()
