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
netdevs=(-netdev user,id=n0 -device virtio-net-pci,netdev=n0)
case "$kver" in 6.1.*) ;; *) append+=" reserve_mem=16M:4096:pmdcon" ;; esac

# reboot-* scenarios reboot the guest once (QEMU keeps its RAM across the
# reset, as a warm reboot does); the second boot powers off.
noreboot=(-no-reboot)
case "$scenario" in reboot-*) noreboot=() ;; esac

# e2e: pmdcon in the guest sends on a second NIC, whose slirp gateway
# forwards to pmdcon-rx here on 127.0.0.1.
rx_pid=
if [ "$scenario" = e2e ]; then
  port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  append+=" pmdcon.port=$port"
  netdevs+=(-object "filter-dump,id=f0,netdev=n0,file=$logdir/$kver-netconsole.pcap"
    -netdev user,id=n1 -device virtio-net-pci,netdev=n1
    -object "filter-dump,id=f1,netdev=n1,file=$logdir/$kver-$scenario.pcap")
  rm -f "$logdir/rx.ready"
  "$PMDCON_RX" --listen="127.0.0.1:$port" --format=text --fail_on_gap \
    --fail_on_loss --fail_on_malformed --output="$logdir/$kver-rx.txt" \
    --ready_file="$logdir/rx.ready" 2>"$logdir/$kver-rx.err" &
  rx_pid=$!
  trap 'kill $rx_pid 2>/dev/null || true' EXIT
  for _ in $(seq 50); do [ -e "$logdir/rx.ready" ] && break; sleep 0.1; done
fi

start=$(date +%s.%N)
timeout 180 qemu-system-x86_64 -accel tcg,thread=single -cpu max -m 2G -smp 2 \
  -nographic "${noreboot[@]}" -kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
  -append "$append" "${netdevs[@]}" \
  </dev/null >"$log" 2>&1 || true
secs=$(echo "$(date +%s.%N) - $start" | bc)

if grep -nE 'Oops|BUG:|WARNING:|Call Trace|general protection|Kernel panic|invalid memtype' "$log"; then
  echo "FAIL: $kver $scenario: kernel trouble in $log"
  exit 1
fi
if ! grep -q "PMDCON-VM PASS $scenario" "$log"; then
  grep -A25 'PMDCON-VM FAIL' "$log" || tail -30 "$log"
  echo "FAIL: $kver $scenario (${secs}s, log $log)"
  exit 1
fi
if [ -n "$rx_pid" ]; then
  kill -TERM "$rx_pid"
  rx_rc=0
  wait "$rx_pid" || rx_rc=$?
  cat "$logdir/$kver-rx.err"
  got=$(grep -c 'pmdcon-vm e2e [0-9]*$' "$logdir/$kver-rx.txt" || true)
  if ((rx_rc != 0 || got != 1000)); then
    echo "FAIL: $kver $scenario: pmdcon-rx exit $rx_rc, $got of 1000 records"
    exit 1
  fi
  echo "pmdcon-rx on the host: all 1000 test records, no gap, no loss"
  # Reference: every payload netconsole sent for a record pmdcon also sent
  # (seq up to pmdcon's last; later ones came after it stopped) is among
  # pmdcon's payloads, byte for byte.
  payloads() {
    tshark -r "$1" -Y "udp.dstport==$2" -T fields -e udp.payload 2>/dev/null |
      sort -u
  }
  payloads "$logdir/$kver-netconsole.pcap" 6666 >"$logdir/$kver-nc.hex"
  payloads "$logdir/$kver-$scenario.pcap" "$port" >"$logdir/$kver-pm.hex"
  read -r nc extra < <(python3 - "$logdir/$kver-nc.hex" "$logdir/$kver-pm.hex" <<'PY'
import sys
seq = lambda p: int(p.split(b",", 2)[1])
nc, pm = ({bytes.fromhex(l) for l in open(f).read().split()} for f in sys.argv[1:])
last = max(map(seq, pm))
same = [p for p in nc if seq(p) <= last]
print(len(same), len([p for p in same if p not in pm]))
PY
  )
  if ((nc < 1000 || extra != 0)); then
    echo "FAIL: $kver $scenario: netconsole sent $nc payloads, $extra not sent identically by pmdcon"
    exit 1
  fi
  echo "netconsole reference: all $nc of its payloads identical in pmdcon's stream"
fi
grep 'pmdcon-vm:' "$log" | tr -d '\r' || true
printf 'ok: %s %s (%.1fs)\n' "$kver" "$scenario" "$secs"
