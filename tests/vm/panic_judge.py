#!/usr/bin/env python3
"""panic_judge.py SCENARIO RX_TXT N0_FIELDS PORT NCPORT: judges a panic scenario.

RX_TXT is pmdcon-rx's text output (the appliance and the module's fallback,
one stream, then what the panic left in the ring, sent after a warm reboot); N0_FIELDS is `tshark -T fields -e frame.time_epoch -e
udp.dstport -e udp.payload` of the first NIC, where Debian's netconsole (the
reference, to a live listener on NCPORT) and the module's fallback (PORT) send. Passes if pmdcon
delivered every record netconsole delivered from the guest's "panicking"
marker on, and the panic output's landmarks; prints the delivered fractions and how much
later (or earlier) than netconsole the fallback sent the panic banner.
"""
import re
import sys

# The end marker with panic=1 is "Rebooting in 1 seconds.." ("---[ end
# Kernel panic" is printed only when the kernel does not reboot). The timer
# fires in softirq context, which runs either on the way out of an interrupt
# (the trace shows "<IRQ>") or in ksoftirqd (it does not): call_timer_fn is in
# the trace either way.
LANDMARKS = {
    "panic": ["sysrq: Trigger a crash", "Kernel panic - not syncing",
              "Call Trace", "RIP: ", "Kernel Offset", "Rebooting in"],
    "panic-kthread": ["BUG: kernel NULL pointer dereference", "pmdcon-oops",
                      "Kernel panic - not syncing: Fatal exception",
                      "Call Trace", "RIP: ", "Kernel Offset", "Rebooting in"],
    "panic-timer": ["Kernel panic - not syncing: pmdcon_test: panic from a "
                    "timer", "call_timer_fn", "Call Trace", "Kernel Offset",
                    "Rebooting in"],
}
LANDMARKS["panic-2nic"] = LANDMARKS["panic"]
LANDMARKS["panic-auth"] = LANDMARKS["panic"]
# panic=0: the kernel hangs instead of rebooting, and says so.
LANDMARKS["panic-hang"] = LANDMARKS["panic"][:-1] + ["---[ end Kernel panic"]
# The fallback's NIC is wedged: the target's records arrive after the warm
# reboot, and the panic must have reached its reboot.
LANDMARKS["panic-txlock"] = LANDMARKS["panic"] + [
    "stopped holding eth0's transmit lock"]


def main():
    scenario, rx_txt, n0 = sys.argv[1:4]
    port, ncport = int(sys.argv[4]), int(sys.argv[5])
    # The panicking boot's records, then (after the warm reboot) what it
    # left unsent, marked previous boot; the second boot's own records
    # (seq restarts) are not the panic's.
    pm, boot2, last = {}, False, -1
    for line in open(rx_txt, errors="replace"):
        m = re.search(r" #(\d+) <\d+>( \(previous boot\))? (.*)$", line)
        if not m:
            continue
        seq = int(m.group(1))
        if m.group(2):
            boot2 = True
        elif boot2 or seq < last - 100:
            boot2 = True
            continue
        last = max(last, seq)
        pm.setdefault(seq, m.group(3))
    nc, first_seen = {}, {}
    for line in open(n0):
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].strip():
            continue
        t, dport = float(parts[0]), int(parts[1])
        payload = bytes.fromhex(parts[2].strip()).decode("utf-8", "replace")
        head, _, body = payload.partition(";")
        fields = head.split(",")
        if len(fields) < 4 or not fields[1].isdigit():
            continue
        seq = int(fields[1])
        if dport == ncport:
            nc.setdefault(seq, body.split("\n", 1)[0])
        if dport in (ncport, port):
            first_seen.setdefault((dport, seq), t)
    trigger = [s for s, text in nc.items() if "pmdcon-vm: panicking" in text]
    if not trigger:
        # 7.x's NBCON netconsole may deliver nothing of a panic (its kthread
        # never runs again): pmdcon's own marker starts the comparison, and
        # the landmarks below are still required of pmdcon.
        print("panic: netconsole did not deliver the guest's marker")
        trigger = [s for s, text in pm.items() if "pmdcon-vm: panicking" in text]
        if not trigger:
            print("panic: pmdcon did not deliver it either")
            return 1
    start = min(trigger)
    nc_after = {s for s in nc if s >= start}
    pm_after = {s for s in pm if s >= start}
    missing = sorted(nc_after - pm_after)
    print(f"panic: from seq {start}: netconsole delivered {len(nc_after)} "
          f"records, pmdcon {len(pm_after)} (pmdcon has "
          f"{len(nc_after & pm_after)}/{len(nc_after)} of netconsole's)")
    ok = True
    if missing:
        print(f"panic: pmdcon lacks {len(missing)} records netconsole "
              f"delivered: {missing[:10]}")
        ok = False
    texts = [pm[s] for s in sorted(pm_after)]
    nc_texts = [nc[s] for s in sorted(nc_after)]
    for mark in LANDMARKS[scenario]:
        if not any(mark in t for t in texts):
            nc_has = any(mark in t for t in nc_texts)
            print(f"panic: pmdcon did not deliver \"{mark}\" (netconsole "
                  f"{'did' if nc_has else 'did not either'})")
            ok = False
    banner = [s for s in pm_after if "Kernel panic - not syncing" in pm[s]]
    if banner and (port, banner[0]) not in first_seen:
        print("panic: the appliance sent the panic banner before its CPU "
              "was stopped")
    elif banner and (ncport, banner[0]) in first_seen:
        d = first_seen[(port, banner[0])] - first_seen[(ncport, banner[0])]
        print(f"panic: the fallback sent the panic banner {d * 1e3:+.1f} ms "
              "after netconsole (TCG)")
    if not ok:
        print("panic: what pmdcon delivered from the marker on:")
        for t in texts[:80]:
            print(f"panic: | {t}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
