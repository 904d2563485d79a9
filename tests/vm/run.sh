#!/usr/bin/env bash
# run.sh KVER SCENARIO INITRD [LOGDIR]: boots Debian's kernel KVER under QEMU
# TCG with INITRD (initramfs.sh), runs SCENARIO in the guest and passes only
# if the guest reports PASS and the serial log has no Oops, BUG or WARNING.
# PMDCON_QEMU_ARGS: more QEMU arguments, for debugging (e.g. a -monitor).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kver=$1 name=$2 initrd=$3 logdir=${4:-$(mktemp -d)}
source "$here/../../scripts/lib.sh"  # wait_for
mkdir -p "$logdir"
log="$logdir/$kver-$name.log"
# SCENARIO@MODEL-BIND (e.g. e2e@e1000-vfio): the appliance owns a PCI NIC of
# its own through a DPDK hardware PMD. MODEL: e1000, e1000e, virtio or
# vmxnet3, at 0000:00:05.0; BIND: vfio (vfio-pci behind QEMU's intel-iommu,
# on the q35 machine) or uio (uio_pci_generic, no IOMMU).
scenario=${name%%@*} nic= bind=
if [[ $name == *@* ]]; then
  nic=${name#*@} bind=${name##*-}
  nic=${nic%-*}
fi

# panic-hang: the host that hangs on a panic (panic=0), where 7.x's
# netconsole flushes at the end of panic(); the others reboot (panic=1).
panic=1
[ "$scenario" = panic-hang ] && panic=0
append="panic=$panic ignore_loglevel nokaslr pmdcon.scenario=$scenario"
append+=' memmap=16M$0x40000000'
# With a PMD NIC every NIC has a fixed slot: eth0 (n0) at 3, the PMD's NIC
# (n1) at 5, and for bench-pmd an af_packet NIC (n2, eth1) at 4.
nic0=virtio-net-pci,netdev=n0 nic1=virtio-net-pci,netdev=n1 machine=() extra=()
if [ -n "$nic" ]; then
  case "$nic" in
  e1000 | e1000e | vmxnet3) nic1=$nic,netdev=n1 ;;
  virtio) nic1=virtio-net-pci,netdev=n1 ;;
  *) echo "FAIL: $kver $name: unknown NIC model $nic"; exit 1 ;;
  esac
  case "$bind" in
  # The IOMMU before the NICs; TCG has no split irqchip, so no interrupt
  # remapping.
  vfio)
    machine=(-machine q35 -device intel-iommu,intremap=off,caching-mode=on)
    append+=" intel_iommu=on"
    # A virtio device translates its DMA through the IOMMU only when asked
    # (else DPDK's IOVAs land as guest-physical addresses and its control
    # queue waits for an answer written elsewhere).
    [ "$nic" = virtio ] && nic1+=,disable-legacy=on,iommu_platform=on
    ;;
  # uio_pci_generic drives virtio through its legacy interface.
  uio) [ "$nic" = virtio ] && nic1+=,disable-modern=on ;;
  *) echo "FAIL: $kver $name: unknown binding $bind"; exit 1 ;;
  esac
  nic0+=,addr=0x3 nic1+=,addr=0x5
  append+=" pmdcon.nic=$nic pmdcon.bind=$bind"
  # One more EAL argument for the guest's pmdcon, for debugging.
  [ -n "${PMDCON_EAL_EXTRA:-}" ] && append+=" pmdcon.eal_extra=$PMDCON_EAL_EXTRA"
  # A PCI device that no PMD drives, for nic-checks' refusal.
  [ "$scenario" = nic-checks ] && extra+=(-device virtio-rng-pci,addr=0x6)
fi
netdevs=(-netdev user,id=n0 -device "$nic0")
# flood and bench measure printk: the kernel console stays off the serial
# port (TCG's UART costs milliseconds a line); the guest writes its report
# to ttyS0 directly and checks its own log for trouble.
trouble='Oops|BUG:|WARNING:|Call Trace|general protection|Kernel panic|invalid memtype'
quiet=(-vga none)
case "$scenario" in flood* | bench* | panic-flood) ;; *) append="console=ttyS0 $append" quiet=() ;; esac
# thread=single runs every vCPU on one host thread: work a printing kthread or
# the appliance does on another vCPU is charged to the caller's wall time.
# bench-mttcg measures the same with a host thread per vCPU.
accel=tcg,thread=single
[ "$scenario" = bench-mttcg ] && accel=tcg,thread=multi
case "$kver" in 6.1.*) ;; *) append+=" reserve_mem=16M:4096:pmdcon" ;; esac

# reboot-* and panic scenarios reboot the guest once (QEMU keeps its RAM
# across the reset, as a warm reboot does); the second boot powers off.
noreboot=(-no-reboot)
case "$scenario" in reboot-* | panic | panic-2nic | panic-kthread | panic-timer | panic-txlock | panic-reliable | panic-auth) noreboot=() ;; esac

# A free UDP port (free_port tcp: TCP) on 127.0.0.1 (and ::1): any, or one
# of the 2000 from PMDCON_PORT_BASE, so that guests run side by side
# (all.sh) never pick the same one between choosing it and binding it.
free_port() {
  python3 - "${PMDCON_PORT_BASE:-0}" "${1:-udp}" <<'PY'
import random, socket, sys
base = int(sys.argv[1])
kind = socket.SOCK_STREAM if sys.argv[2] == "tcp" else socket.SOCK_DGRAM
for _ in range(200):
    port = random.randrange(base, base + 2000) if base else 0
    try:
        socks = []
        for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            s = socket.socket(fam, kind)
            s.bind((host, port))
            port = s.getsockname()[1]
            socks.append(s)
        print(port)
        sys.exit(0)
    except OSError:
        continue
sys.exit("no free UDP port")
PY
}
# e2e: pmdcon in the guest sends on a second NIC, whose slirp gateway
# forwards to pmdcon-rx here on 127.0.0.1.
rx_pid=
rx_flags=(--fail_on_gap --fail_on_malformed)
case "$scenario" in
e2e) rx_flags+=(--fail_on_loss) ;;
# The appliance and the module's fallback reach the host through two slirp
# NICs (two source ports): one stream. takeover counts every copy.
takeover) rx_flags+=(--by_address --dedupe=false) ;;
# The fallback moves between the two NICs (two slirp source ports).
nic-lifecycle) rx_flags+=(--by_address) ;;
panic*) rx_flags+=(--by_address) ;;
esac
# The collector acknowledges, and never takes the "unacked" records from
# the appliance (nor gives up asking): only the panic's fallback brings them.
[ "$scenario" = reliable-netem ] && rx_flags+=(--ack --fail_on_loss)
[ "$scenario" = panic-reliable ] &&
  rx_flags+=(--ack --give_up_ms=600000 "--ignore_text=pmdcon-vm unacked ")
# Sealed records: a key for the guest (slirp delivers from 127.0.0.1) that
# the guest gets on its command line.
if [ "$scenario" = panic-auth ] || [ "$scenario" = reliable-netem ]; then
  auth_key=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077 && echo "127.0.0.1 1 $auth_key" >"$logdir/$kver-$name.keys")
  rx_flags+=(--auth_keys="$logdir/$kver-$name.keys")
  append+=" pmdcon.auth_key=$auth_key"
fi
case "$scenario" in
e2e | flood* | bench* | fallback-* | takeover | panic* | reboot-stranded | nic-* | configfs | sysdata | reliable-netem | link) with_rx=1 ;;
*) with_rx= ;;
esac
# panic* scenarios end in a panic: the guest never reports PASS.
panics=
case "$scenario" in panic*) panics=1 ;; esac
# The panic scenarios also read pmdcon-rx's panic metric (issue 26) from
# its /metrics on 127.0.0.1.
metrics_port=
if [ -n "$panics" ]; then
  metrics_port=$(free_port tcp)
  rx_flags+=("--metrics=127.0.0.1:$metrics_port")
fi
if [ -n "$with_rx" ]; then
  port=$(free_port)
  append+=" pmdcon.port=$port"
  netdevs+=(-object "filter-dump,id=f0,netdev=n0,file=$logdir/$kver-$name-n0.pcap"
    -netdev user,id=n1 -device "$nic1"
    -object "filter-dump,id=f1,netdev=n1,file=$logdir/$kver-$name.pcap")
  [ "$scenario" = bench-pmd ] && netdevs+=(-netdev user,id=n2
    -device virtio-net-pci,netdev=n2,addr=0x4
    -object "filter-dump,id=f2,netdev=n2,file=$logdir/$kver-$name-af.pcap")
  ready=$logdir/$kver-$name.ready
  rm -f "$ready"
  listen=127.0.0.1:$port
  [ "$scenario" = fallback-ipv6 ] && listen="[::1]:$port"
  "$PMDCON_RX" --listen="$listen" --format=text "${rx_flags[@]}" \
    --output="$logdir/$kver-$name-rx.txt" --ready_file="$ready" \
    2>"$logdir/$kver-$name-rx.err" &
  rx_pid=$!
  trap 'kill $rx_pid 2>/dev/null || true' EXIT
  wait_for 60 test -e "$ready" || {
    cat "$logdir/$kver-$name-rx.err"
    echo "FAIL: $kver $name: pmdcon-rx not listening after 60 s"
    exit 1
  }
fi

# Debian's netconsole, the reference, sends to a live listener (socat) on
# its own port, as its users run it: a port with nothing listening makes
# slirp answer every datagram with an ARP request into the guest, which
# would charge netconsole for the harness.
nc_pid=
case "$scenario" in
e2e | fallback-idle | bench | bench-mttcg | flood-netconsole | panic | panic-hang | panic-2nic | panic-auth | panic-kthread | panic-timer | panic-txlock | sysdata)
  ncport=$(free_port)
  append+=" pmdcon.ncport=$ncport"
  socat -u "UDP4-RECV:$ncport,bind=127.0.0.1,rcvbuf=8388608" \
    "CREATE:$logdir/$kver-$name-nc.txt" &
  nc_pid=$!
  ;;
esac
trap 'kill $rx_pid $nc_pid 2>/dev/null || true' EXIT

# link: QEMU's monitor sets the PMD NIC's link as the guest asks
# ("PMDCON-VM SET_LINK on|off" on the serial console), one request at a time.
mon=() watcher=
if [ "$scenario" = link ]; then
  sock=$(mktemp -u /tmp/pmdcon-mon.XXXXXX)
  mon=(-monitor "unix:$sock,server=on,wait=off")
  monitor_log=$logdir/$kver-$name-monitor.txt
  : >"$monitor_log"
  # The monitor's prompts so far: one when a client connects, one after each
  # command it ran.
  prompts() { { grep -ao '(qemu)' "$monitor_log" || true; } | wc -l; }
  prompted() { (($(prompts) >= $1)); }
  (
    done_n=0
    # Polls the serial log for the guest's requests until killed.
    while sleep 0.1; do
      mapfile -t reqs < <(grep -ao 'PMDCON-VM SET_LINK [a-z]*' "$log")
      while ((done_n < ${#reqs[@]})); do
        # The monitor reads the command only while its input is open: keep
        # it open until the prompt after the command (the command ran).
        n=$(prompts)
        { echo "set_link n1 ${reqs[done_n]##* }"; wait_for 30 prompted $((n + 2)) || true; } |
          socat - "UNIX-CONNECT:$sock" >>"$monitor_log" 2>&1
        done_n=$((done_n + 1))
      done
    done
  ) &
  watcher=$!
fi
trap 'kill $rx_pid $nc_pid $watcher 2>/dev/null || true' EXIT

: >"$log"
start=$(date +%s.%N)
timeout 180 qemu-system-x86_64 "${machine[@]}" -accel $accel -cpu max -m 2G -smp 2 \
  -nographic "${quiet[@]}" "${noreboot[@]}" -kernel "${VMLINUZ:-/boot/vmlinuz-$kver}" -initrd "$initrd" \
  -append "$append" "${netdevs[@]}" "${extra[@]}" "${mon[@]}" ${PMDCON_QEMU_ARGS:-} \
  </dev/null >>"$log" 2>&1 &
qemu=$!
if [ "$scenario" = panic-hang ]; then
  # The guest hangs after the panic: stop it once the panic's last line
  # reached the host from both senders on eth0 (the fallback and
  # netconsole) and pmdcon-rx wrote it, or 30 s after it reached the serial
  # console, or by the timeout.
  end='---\[ end Kernel panic'
  delivered() {
    ! kill -0 $qemu 2>/dev/null ||
      { (($({ grep -ao -- "$end" "$logdir/$kver-$name-n0.pcap" || true; } | wc -l) >= 2)) &&
        grep -q -- "$end" "$logdir/$kver-$name-rx.txt"; }
  }
  until grep -aq -- "$end" "$log" || ! kill -0 $qemu 2>/dev/null; do sleep 0.5; done
  wait_for 30 delivered || true
  pkill -TERM -P $qemu 2>/dev/null || true
  kill -TERM $qemu 2>/dev/null || true
fi
wait $qemu || true
[ -n "$watcher" ] && { kill $watcher 2>/dev/null; wait $watcher 2>/dev/null || true; rm -f "$sock"; }
secs=$(echo "$(date +%s.%N) - $start" | bc)

if [ -n "$panics" ]; then
  # What the panic printed is judged from what reached the host, below.
  if grep -q 'PMDCON-VM FAIL' "$log"; then
    grep -A25 'PMDCON-VM FAIL' "$log"
    echo "FAIL: $kver $name (${secs}s, log $log)"
    exit 1
  fi
elif first=$(grep -anE -m1 "$trouble" "$log"); then
  # The report itself, without the records the guest printed around it.
  sed -n "${first%%:*},\$p" "$log" | grep -av 'pmdcon-vm ' | head -60
  echo "FAIL: $kver $name: kernel trouble in $log"
  exit 1
elif ! grep -q "PMDCON-VM PASS $scenario" "$log"; then
  grep -A25 'PMDCON-VM FAIL' "$log" || tail -30 "$log"
  echo "FAIL: $kver $name (${secs}s, log $log)"
  exit 1
fi
rx_txt=$logdir/$kver-$name-rx.txt
# The panic the guest printed is in pmdcon-rx's panic metric: every source
# (--by_address: the guest's address) summed, kind "panic", at least 1.
if [ -n "$metrics_port" ]; then
  n=$(python3 - "http://127.0.0.1:$metrics_port/metrics" <<'PY'
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
print(int(sum(float(l.split()[-1]) for l in text.splitlines()
              if re.match(r'pmdcon_rx_source_panics_total\{.*kind="panic"', l))))
PY
  ) || n="no answer"
  echo "pmdcon-rx /metrics: pmdcon_rx_source_panics_total{kind=\"panic\"} = $n"
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1)); then
    echo "FAIL: $kver $name: the panic is not in pmdcon-rx's panic metric"
    exit 1
  fi
fi
if [ -n "$rx_pid" ]; then
  kill -TERM "$rx_pid"
  rx_rc=0
  wait "$rx_pid" || rx_rc=$?
  cat "$logdir/$kver-$name-rx.err"
  if ((rx_rc != 0)); then
    echo "FAIL: $kver $name: pmdcon-rx exit $rx_rc"
    exit 1
  fi
  if [ -z "$panics" ] && grep -nE "$trouble" "$rx_txt"; then
    echo "FAIL: $kver $name: kernel trouble in what pmdcon sent ($rx_txt)"
    exit 1
  fi
fi
# Reference: every payload Debian's netconsole (ncport on n0) sent for a
# record pmdcon also sent (seq up to pmdcon's last; later ones came after it
# stopped) is among pmdcon's payloads in PCAP, byte for byte; at least MIN.
same_as_netconsole() {
  local nc extra
  payloads() {
    tshark -r "$1" -Y "udp.dstport==$2" -T fields -e udp.payload 2>/dev/null |
      sort -u
  }
  payloads "$logdir/$kver-$name-n0.pcap" "$ncport" >"$logdir/$kver-$name-nc.hex"
  payloads "$1" "$port" >"$logdir/$kver-$name-pm.hex"
  read -r nc extra < <(python3 - "$logdir/$kver-$name-nc.hex" "$logdir/$kver-$name-pm.hex" <<'PY2'
import sys
seq = lambda p: int(p.split(b",", 2)[1])
nc, pm = ({bytes.fromhex(l) for l in open(f).read().split()} for f in sys.argv[1:])
last = max(map(seq, pm))
same = [p for p in nc if seq(p) <= last]
print(len(same), len([p for p in same if p not in pm]))
PY2
  )
  if ((nc < $2 || extra != 0)); then
    echo "FAIL: $kver $name: netconsole sent $nc payloads, $extra not sent identically by pmdcon"
    exit 1
  fi
  echo "netconsole reference: all $nc of its payloads identical in pmdcon's stream"
}
if [ "$scenario" = e2e ]; then
  got=$(grep -c 'pmdcon-vm e2e [0-9]*$' "$rx_txt" || true)
  if ((got != 1000)); then
    echo "FAIL: $kver $name: $got of 1000 records"
    exit 1
  fi
  echo "pmdcon-rx on the host: all 1000 test records, no gap, no loss"
  same_as_netconsole "$logdir/$kver-$name.pcap" 1000
fi
# How many records tagged "pmdcon-vm TAG i" pmdcon-rx printed, and how many
# distinct ones.
tagged() {
  local all
  all=$(grep -oE "pmdcon-vm $1 [0-9]+\$" "$rx_txt" || true)
  echo "$(grep -c . <<<"$all") $(sort -u <<<"$all" | grep -c .)"
}
if [ "$scenario" = fallback-idle ]; then
  read -r n distinct < <(tagged fallback)
  echo "fallback-idle: $distinct of 1000 records through netpoll ($n copies)"
  ((n == 1000 && distinct == 1000)) || { echo "FAIL: $kver $name"; exit 1; }
  # The module's own codec against the kernel's netconsole (e2e does the
  # same for the appliance): both paths send the same bytes.
  same_as_netconsole "$logdir/$kver-$name-n0.pcap" 1000
fi
if [ "$scenario" = reliable-netem ]; then
  read -r n distinct < <(tagged netem)
  echo "reliable-netem: $distinct of 2000 records, $n copies in pmdcon-rx's output"
  sed -n 's/.*\(duplicates [0-9]*, reordered [0-9]*\).*/reliable-netem: pmdcon-rx counted \1/p' "$logdir/$kver-$name-rx.err"
  grep -a 'netem:' "$log" | tr -d '\r' | head -1
  if ((n != 2000 || distinct != 2000)) ||
    ! grep -q 'duplicates [1-9][0-9]*, reordered [1-9]' "$logdir/$kver-$name-rx.err"; then
    echo "FAIL: $kver $name"
    exit 1
  fi
fi
if [ "$scenario" = fallback-ipv6 ]; then
  read -r n distinct < <(tagged fallback6)
  echo "fallback-ipv6: $distinct of 1000 records over IPv6 ($n copies)"
  ((n == 1000 && distinct == 1000)) || { echo "FAIL: $kver $name"; exit 1; }
fi
if [ "$scenario" = configfs ]; then
  read -r n distinct < <(tagged cfs)
  echo "configfs: $distinct of 100 records through the run-time target ($n copies)"
  ((distinct == 100)) || { echo "FAIL: $kver $name"; exit 1; }
fi
if [ "$scenario" = sysdata ]; then
  features=$(grep -o 'sysdata: netconsole has: .*' "$log" | tr -d '\r' | sed 's/.*has: //; s/none//')
  python3 "$here/sysdata_judge.py" "$logdir/$kver-$name-n0.pcap" "$port" "$ncport" "$features" |
    sed "s/^/$kver /" | tee -a "$logdir/sysdata.txt" || { echo "FAIL: $kver $name"; exit 1; }
fi
if [ "$scenario" = nic-lifecycle ]; then
  # Every record printed before, while the NIC was gone, and after each
  # return reached the host once the target resumed.
  for tag in nic-before nic-unbound nic-renamed nic-rmmod; do
    read -r n distinct < <(tagged $tag)
    echo "nic-lifecycle: $tag: $distinct of 100 records"
    ((distinct == 100)) || { echo "FAIL: $kver $name: $tag records"; exit 1; }
  done
fi
if [ "$scenario" = takeover ]; then
  # before: the appliance may have handed some to the NIC unconfirmed when
  # it was killed (the module resends those). during: only the module sent
  # them. after: only the appliance: exactly once each.
  for tag in before during after; do
    read -r n distinct < <(tagged $tag)
    echo "takeover: $tag: $distinct of 300 records, $n copies"
    if ((distinct != 300)) || { [ $tag != before ] && ((n != 300)); }; then
      echo "FAIL: $kver $name: $tag records"
      exit 1
    fi
  done
  # Every takeover (at boot, after the kill, after the final stop) must
  # follow takeover_ms (300) plus the worker's 10 ms poll, with TCG's slack.
  ms=$(grep -o 'pmdcon: no appliance heartbeat for [0-9]* ms' "$rx_txt" | grep -o '[0-9]*' | sort -n | tail -1 || true)
  echo "takeover: the module took over at most ${ms:-?} ms after the last heartbeat (takeover_ms=300)"
  if [ -z "$ms" ] || ((ms > 600)); then
    echo "FAIL: $kver $name: takeover after ${ms:-?} ms"
    exit 1
  fi
fi
if [ "$scenario" = reboot-stranded ]; then
  # The previous boot's records come first and are marked; this boot's not.
  prev=$(grep -cE '\(previous boot\) pmdcon-vm stranded [0-9]+$' "$rx_txt" || true)
  unmarked=$(grep -E 'pmdcon-vm stranded [0-9]+$' "$rx_txt" | grep -vc '(previous boot)' || true)
  fresh=$(grep -E 'pmdcon-vm fresh [0-9]+$' "$rx_txt" | grep -vc '(previous boot)' || true)
  first_fresh=$(grep -nE 'pmdcon-vm fresh 0$' "$rx_txt" | cut -d: -f1)
  last_prev=$(grep -nE '\(previous boot\)' "$rx_txt" | tail -1 | cut -d: -f1)
  echo "reboot-stranded: $prev of 200 stranded records delivered after the reboot, marked previous boot; $fresh of 100 of this boot's"
  # The two boots' streams are apart: no record of one is taken for a
  # duplicate of the other's.
  dups=$(grep -oE 'duplicates [0-9]+' "$logdir/$kver-$name-rx.err" | awk '{ s += $2 } END { print s + 0 }')
  if ((prev != 200 || unmarked != 0 || fresh != 100 || dups != 0)) || [ -z "$first_fresh" ] ||
    ((last_prev > first_fresh)); then
    echo "FAIL: $kver $name"
    exit 1
  fi
fi
if [ "$scenario" = panic-flood ]; then
  printed=$(sed -n 's/.*panic-flood: run 1: \([0-9]*\) records printed, \([0-9]*\) unsent.*/\1 \2/p' \
    "$log" "$rx_txt" | tr -d '\r' | head -1)
  read -r printed backlog <<<"$printed"
  got=$(grep -oE 'pmdcon-flood 1 [0-9]+ ' "$rx_txt" | sort -u | wc -l)
  echo "panic-flood: $printed printed, backlog ${backlog:-?} records at the panic, $got received"
  for mark in 'sysrq: Trigger a crash' 'Kernel panic - not syncing' 'Call Trace' 'Rebooting in'; do
    grep -q "$mark" "$rx_txt" || { echo "FAIL: $kver $name: no \"$mark\""; exit 1; }
  done
  if [ -z "$printed" ] || ((got != printed)); then
    echo "FAIL: $kver $name: $got of ${printed:-?} flood records"
    exit 1
  fi
  tshark -r "$logdir/$kver-$name-n0.pcap" -Y "udp.dstport==$port" -T fields \
    -e frame.time_relative 2>/dev/null | sed -n '1p;$p' | paste -sd' ' |
    awk -v n="${backlog:-0}" '{ printf "panic-flood: the fallback sent for %.2f s (%d records of backlog first; TCG)\n", $2 - $1, n }'
elif [ "$scenario" = panic-reliable ]; then
  for tag in unacked after; do
    read -r n distinct < <(tagged $tag)
    echo "panic-reliable: $tag: $distinct of 100 records ($n copies)"
    ((distinct == 100)) || { echo "FAIL: $kver $name: $tag records"; exit 1; }
  done
  grep -q 'Kernel panic - not syncing' "$rx_txt" || { echo "FAIL: $kver $name: no panic output"; exit 1; }
  grep -q -- '--ignore_text: [1-9][0-9]* datagrams dropped' "$logdir/$kver-$name-rx.err" ||
    { echo "FAIL: $kver $name: the appliance's copies were not dropped"; exit 1; }
  echo "panic-reliable: what the collector never acknowledged came from the panic's fallback"
elif [ -n "$panics" ]; then
  tshark -r "$logdir/$kver-$name-n0.pcap" -Y 'udp' -T fields \
    -e frame.time_epoch -e udp.dstport -e udp.payload 2>/dev/null >"$logdir/$kver-$name-n0.txt"
  grep -aE 'stopped holding|a stopped CPU holds' "$log" | tr -d '\r' | sed "s/^/$kver $name: wedged: /" | tee -a "$logdir/panic.txt" || true
  python3 "$here/panic_judge.py" "$scenario" "$rx_txt" "$logdir/$kver-$name-n0.txt" "$port" "$ncport" \
    | sed "s/^/$kver $name: /" | tee -a "$logdir/panic.txt" ||
    { echo "FAIL: $kver $name: panic output"; exit 1; }
  if [ "$scenario" = panic-auth ]; then
    # Every record from the guest was sealed: some authenticated, none refused.
    auth=$(grep -a '^127.0.0.1' "$logdir/$kver-$name-rx.err" | grep -o 'authenticated [0-9]*, refused [0-9]*' || true)
    echo "panic-auth: pmdcon-rx: ${auth:-no authentication counts}" | tr '\n' ';'
    echo
    grep -q 'authenticated [1-9]' <<<"$auth" && ! grep -q 'refused [1-9]' <<<"$auth" ||
      { echo "FAIL: $kver $name: records not all sealed: $(grep -a '^127.0.0.1' "$logdir/$kver-$name-rx.err")"; exit 1; }
  fi
fi
if [ "$scenario" = link ]; then
  for tag in link-before link-down link-after; do
    read -r n distinct < <(tagged $tag)
    echo "link: $tag: $distinct of 100 records"
    ((distinct == 100)) || { echo "FAIL: $kver $name: $tag records"; exit 1; }
  done
  for want in 'port 0 link down' 'port 0 link up' 'target host: deactivated' 'target host: active'; do
    grep -aq "pmdcon-vm: link: pmdcon: $want" "$log" || { echo "FAIL: $kver $name: pmdcon did not log \"$want\""; exit 1; }
  done
fi
if [ "$scenario" = bench-pmd ]; then
  line=$(grep -ao 'pmdcon-vm: bench-pmd: .*' "$log" | tr -d '\r')
  [ -n "$line" ] || { echo "FAIL: $kver $name: no result"; exit 1; }
  echo "$kver ($name, TCG $accel): ${line#*bench-pmd: }" >>"$logdir/bench-pmd.txt"
fi
# The appliance's path in result lines: af_packet, or the PMD and binding.
via=af_packet
[ -n "$nic" ] && via="$nic PMD on $bind"
if [ "$scenario" = flood ]; then
  # Exact accounting: every flood record printed reached the host, or lies
  # in a range pmdcon (module or appliance) announced as lost; pmdcon-rx
  # already failed on any silent gap.
  printed=$(sed -n 's/.*pmdcon-vm: flood: run [0-9]: \([0-9]*\) records printed.*/\1/p' "$log" |
    tr -d '\r' | paste -sd+ | bc)
  got=$(grep -oE 'pmdcon-flood [0-9]+ [0-9]+ ' "$rx_txt" | sort -u | wc -l)
  announced=$(sed -n 's/.*announced lost \([0-9]*\).*/\1/p' "$logdir/$kver-$name-rx.err" | head -1)
  echo "flood: $printed printed, $got received, ${announced:-?} announced lost"
  echo "$kver: flood: pmdcon ($via): $printed printed, $got delivered, ${announced:-?} announced lost, $((printed - got - ${announced:-0})) lost silently" >>"$logdir/flood.txt"
  # Run 1 alone (3 s, the appliance running) is what flood-netconsole repeats.
  printed1=$(sed -n 's/.*pmdcon-vm: flood: run 1: \([0-9]*\) records printed.*/\1/p' "$log" | tr -d '\r')
  got1=$(grep -oE 'pmdcon-flood 1 [0-9]+ ' "$rx_txt" | sort -u | wc -l)
  echo "flood: run 1 (3 s, appliance running): $printed1 printed, $got1 delivered, the rest announced lost"
  echo "$kver: flood: pmdcon ($via) run 1 (3 s, appliance running): $printed1 printed, $got1 delivered, $((printed1 - got1)) announced lost, 0 lost silently" >>"$logdir/flood.txt"
  if [ -z "$printed" ] || [ -z "$announced" ] || ((announced == 0 || got + announced != printed)); then
    echo "FAIL: $kver $name: $printed printed != $got received + ${announced:-?} announced lost"
    exit 1
  fi
fi
if [ "$scenario" = flood-netconsole ]; then
  # The reference under the same flood. netconsole cannot announce a loss;
  # printk itself may ("** N printk messages dropped **", 7.x's NBCON
  # consoles), which counts as announced.
  kill -TERM "$nc_pid" 2>/dev/null || true
  wait "$nc_pid" 2>/dev/null || true
  nc_txt=$logdir/$kver-$name-nc.txt
  printed=$(sed -n 's/.*flood-netconsole: \([0-9]*\) records printed.*/\1/p' "$log" | tr -d '\r')
  got=$({ grep -aoE 'pmdcon-flood 1 [0-9]+ ' "$nc_txt" || true; } | sort -u | wc -l)
  announced=$({ grep -aoE '\*\* [0-9]+ printk messages dropped' "$nc_txt" || true; } | awk '{ s += $2 } END { print s + 0 }')
  if [ -z "$printed" ] || ((got == 0)); then
    echo "FAIL: $kver $name: netconsole delivered $got of ${printed:-?}"
    exit 1
  fi
  line="netconsole: $printed printed, $got delivered, $announced announced lost, $((printed - got - announced)) lost silently"
  echo "flood: $line"
  echo "$kver: flood: $line" >>"$logdir/flood.txt"
fi
if [ "$scenario" = bench ] || [ "$scenario" = bench-mttcg ]; then
  line=$(grep -o 'pmdcon-vm: bench: .*' "$log" | tr -d '\r')
  read -r n a b c d < <(sed 's/[^0-9 ]//g; s/  */ /g' <<<"${line#*bench: }")
  ratios=$(python3 -c "print(f'printk cost vs no console: netconsole x{$b/$a:.2f}, pmdcon console x{$c/$a:.2f}, pmdcon + appliance x{$d/$a:.2f} ({$a/$n:.0f} ns per call without)')")
  echo "bench: $ratios"
  echo "$kver ($accel): $line; $ratios" >>"$logdir/bench.txt"
fi
grep 'pmdcon-vm:' "$log" | tr -d '\r' || true
printf 'ok: %s %s (%.1fs)\n' "$kver" "$name" "$secs"
