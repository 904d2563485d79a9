#!/usr/bin/env bash
# run.sh KVER SCENARIO INITRD [LOGDIR]: boots Debian's kernel KVER under QEMU
# TCG with INITRD (initramfs.sh), runs SCENARIO in the guest and passes only
# if the guest reports PASS and the serial log has no Oops, BUG or WARNING.
set -euo pipefail
kver=$1 scenario=$2 initrd=$3 logdir=${4:-$(mktemp -d)}
mkdir -p "$logdir"
log="$logdir/$kver-$scenario.log"

append="console=ttyS0 panic=1 ignore_loglevel nokaslr pmdcon.scenario=$scenario"
append+=' memmap=16M$0x40000000'
case "$kver" in 6.1.*) ;; *) append+=" reserve_mem=16M:4096:pmdcon" ;; esac

# reboot-* scenarios reboot the guest once (QEMU keeps its RAM across the
# reset, as a warm reboot does); the second boot powers off.
noreboot=(-no-reboot)
case "$scenario" in reboot-*) noreboot=() ;; esac

start=$(date +%s.%N)
timeout 180 qemu-system-x86_64 -accel tcg,thread=single -cpu max -m 2G -smp 2 \
  -nographic "${noreboot[@]}" -kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
  -append "$append" -netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
  </dev/null >"$log" 2>&1 || true
secs=$(echo "$(date +%s.%N) - $start" | bc)

if grep -nE 'Oops|BUG:|WARNING:|Call Trace|general protection|Kernel panic' "$log"; then
  echo "FAIL: $kver $scenario: kernel trouble in $log"
  exit 1
fi
if ! grep -q "PMDCON-VM PASS $scenario" "$log"; then
  grep -A25 'PMDCON-VM FAIL' "$log" || tail -30 "$log"
  echo "FAIL: $kver $scenario (${secs}s, log $log)"
  exit 1
fi
grep 'pmdcon-vm:' "$log" | tr -d '\r' || true
printf 'ok: %s %s (%.1fs)\n' "$kver" "$scenario" "$secs"
