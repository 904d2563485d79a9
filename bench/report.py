"""Prints benchmark results as ratios against references measured in the same
run, with each target. Input: Google Benchmark JSON files."""
import json
import sys


def load(paths):
    """Median of each benchmark's repetitions, plus every repetition's
    counters under "reps" (to show the spread on a noisy machine)."""
    runs, reps = {}, {}
    for p in paths:
        with open(p) as f:
            for b in json.load(f)["benchmarks"]:
                name = b.get("run_name", b["name"])
                if b.get("run_type") == "aggregate":
                    if b.get("aggregate_name") == "median":
                        runs[name] = b
                else:
                    reps.setdefault(name, []).append(b)
                    runs.setdefault(name, b)
    for name, b in runs.items():
        b["reps"] = reps.get(name, [b])
    return runs


def spread(b, key, scale=1.0):
    vals = sorted(r[key] / scale for r in b["reps"] if key in r)
    return f"min {vals[0]:.1f}, max {vals[-1]:.1f} over {len(vals)} runs" if vals else ""


def find(runs, prefix):
    for name, b in runs.items():
        if name.startswith(prefix):
            return b
    return None


def verdict(ok):
    return "meets target" if ok else "MISSES target"


def ring_report(runs):
    print("Ring producer: cost per record vs. memcpy of the same text (same run)")
    print(f"  {'text':>6} {'ring ns':>9} {'memcpy ns':>10} {'ratio':>7}")
    for size in (64, 128, 512):
        w, m = find(runs, f"BM_RingWrite/{size}"), find(runs, f"BM_Memcpy/{size}")
        if not w or not m:
            continue
        print(f"  {size:>5}B {w['real_time']:>9.1f} {m['real_time']:>10.1f} "
              f"{w['real_time'] / m['real_time']:>6.1f}x")
    lat = find(runs, "BM_RingWriteLatency/128")
    if lat:
        p50 = lat["p50_ns"]
        print(f"  per-record latency, 128 B: p50 {p50:.0f} ns, p99 {lat['p99_ns']:.0f} ns, "
              f"p99.9 {lat['p999_ns']:.0f} ns (timer cost {lat['timer_ns']:.0f} ns "
              f"subtracted) -> p50 <= 50 ns {verdict(p50 <= 50)}")
    print("Ring producer->consumer, two threads, 128 B text (median; all records accounted):")
    for name, b in runs.items():
        if not name.startswith("BM_RingThroughput/"):
            continue
        _, size, region_kib, wait = name.split("/")[:4]
        d = b["delivered_per_s"] / 1e6
        # The target is for the module's default ring (16 MiB); others inform.
        judged = (f"-> >= 20 M/s {verdict(d >= 20)}" if int(region_kib) == 16 << 10
                  else "(for comparison)")
        print(f"  {int(region_kib) >> 10 or 1:>3} MiB ring, consumer waits {wait:>4} ns after a "
              f"partial burst: {d:5.1f} M records/s delivered ({spread(b, 'delivered_per_s', 1e6)}), "
              f"{b['per_poll']:.0f} per poll, {b['lost_pct']:.2f}% overwritten {judged}")


def wire_report(runs):
    enc = find(runs, "BM_EncodeExtendedSysdata/128")
    ref = find(runs, "BM_MemcpyPayload/230")
    if enc and ref:
        rate = 1e3 / enc["real_time"]
        print(f"Wire encode, 128 B text, extended + all four sysdata fields: "
              f"{enc['real_time']:.1f} ns/record = {rate:.1f} M records/s "
              f"({enc['real_time'] / ref['real_time']:.0f}x a memcpy of the "
              f"{enc['payload_bytes']:.0f}-byte payload, same run) "
              f"-> >= 20 M/s {verdict(rate >= 20)}")
    frag = find(runs, "BM_EncodeFragmented8K")
    if frag:
        print(f"Wire encode, 8 KB record: {frag['real_time']:.0f} ns/record, "
              f"{frag['payloads_per_record']:.0f} payloads")
    for size, what in ((128, "whole records"), (1800, "2 fragments each")):
        dec = find(runs, f"BM_DecodeReassemble/{size}")
        if dec:
            rate = dec["items_per_second"] / 1e6
            print(f"Decode + reassemble, {what}: {rate:.1f} M payloads/s "
                  f"-> >= 5 M/s {verdict(rate >= 5)}")


def output_report(runs):
    ref = find(runs, "BM_MemcpyBody")
    plain = find(runs, "BM_JsonString/0")
    if not ref or not plain:
        return
    print(f"pmdcon-rx JSON string escaping, 8 KiB body (a memcpy of it: "
          f"{ref['real_time']:.0f} ns, same run):")
    for arg, what in ((0, "plain text"), (1, "a quote every 16 bytes"),
                      (2, "every other byte a quote")):
        b = find(runs, f"BM_JsonString/{arg}")
        if b:
            print(f"  {what:>24}: {b['real_time']:>8.0f} ns "
                  f"({b['real_time'] / plain['real_time']:.0f}x plain text)")


def main():
    runs = load(sys.argv[1:])
    ring_report(runs)
    print()
    wire_report(runs)
    print()
    output_report(runs)


if __name__ == "__main__":
    main()
