#!/bin/sh
# /init of the test guest: runs the scenario named by pmdcon.scenario= on the
# kernel command line and reports "PMDCON-VM PASS" or "PMDCON-VM FAIL: why"
# on the serial console, then powers off. The host side is run.sh.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
# Scenarios that keep the kernel console off the (slow) serial port talk to
# the host on it directly.
grep -q 'console=ttyS0' /proc/cmdline || exec </dev/ttyS0 >/dev/ttyS0 2>&1
export PATH=/bin:/sbin:/opt/pmdcon
# pmdcon.ko needs configfs (its run-time targets), as netconsole does.
insmod /lib/modules/configfs.ko
mount -t configfs configfs /sys/kernel/config
CFS=/sys/kernel/config
KVER=$(cat /etc/kver)
scenario=$(sed -n 's/.*pmdcon\.scenario=\([^ ]*\).*/\1/p' /proc/cmdline)
MEMMAP="mem_address=0x40000000 mem_size=0x1000000"
SYS=/sys/class/misc/pmdcon

fail() {
  echo "PMDCON-VM FAIL: $*"
  dmesg | tail -20
  poweroff -f
}
log() { echo "pmdcon-vm: $*"; }
has_msg() { dmesg | grep -q "pmdcon: .*$1" || fail "no kernel message \"pmdcon: $1\""; }
load() { insmod /lib/modules/pmdcon.ko "$@" || fail "insmod $* failed"; }
# The ring attribute: where the ring lives and whose it is.
ring_is() { [ "$(cat $SYS/ring)" = "$1" ] || fail "ring is \"$(cat $SYS/ring)\", not \"$1\""; }
unload() { rmmod pmdcon || fail "rmmod failed"; }

# The device, its mode, one consumer, stats, and rmmod refused while open.
check_device() {
  [ -c /dev/pmdcon ] || fail "/dev/pmdcon missing"
  mode=$(ls -l /dev/pmdcon | cut -c1-10)
  [ "$mode" = "crw-------" ] || fail "/dev/pmdcon mode $mode, want crw-------"
  [ "$(cat $SYS/records)" -gt 0 ] || fail "no records counted"
  [ "$(cat $SYS/lost)" = 0 ] || fail "lost $(cat $SYS/lost)"
  exec 3</dev/pmdcon
  if (exec 4</dev/pmdcon) 2>/tmp/err; then fail "a second open succeeded"; fi
  grep -qi busy /tmp/err || fail "second open: $(cat /tmp/err)"
  if rmmod pmdcon 2>/dev/null; then fail "rmmod succeeded while open"; fi
  exec 3<&-
}

# Every record /dev/kmsg has is in the ring with the same fields, in order.
check_records_match_kmsg() {
  timeout 3 cat /dev/kmsg >/tmp/kmsg
  pmdcon-ringdump --ring /dev/pmdcon >/tmp/ring || fail "ringdump failed"
  last=$(grep -E '^[0-9]' /tmp/kmsg | tail -1 | cut -d, -f2)
  # Records only (dict lines follow their record), up to kmsg's last seq.
  awk -F, -v last="$last" '/^[0-9]/ { keep = ($2 <= last) } keep' /tmp/kmsg >/tmp/a
  awk -F, -v last="$last" '/^[0-9]/ { keep = ($2 <= last) } keep' /tmp/ring >/tmp/b
  n=$(grep -c '^[0-9]' /tmp/a)
  [ "$n" -gt 100 ] || fail "only $n records in /dev/kmsg"
  diff /tmp/a /tmp/b >/tmp/diff || { head -20 /tmp/diff; fail "ring differs from /dev/kmsg"; }
  log "ring matches /dev/kmsg: $n records"
}

# A NIC of the appliance's own under a DPDK hardware PMD (run.sh's
# SCENARIO@MODEL-BIND): QEMU's MODEL at PCI, bound to vfio-pci (behind the
# emulated IOMMU) or uio_pci_generic, as docs/operations.md tells users to.
PMD_NIC=$(sed -n 's/.*pmdcon\.nic=\([^ ]*\).*/\1/p' /proc/cmdline)
PMD_BIND=$(sed -n 's/.*pmdcon\.bind=\([^ ]*\).*/\1/p' /proc/cmdline)
PCI=0000:00:05.0
# More EAL arguments, for debugging (run.sh's PMDCON_EAL_EXTRA).
EAL_EXTRA=$(sed -n 's/.*pmdcon\.eal_extra=\([^ ]*\).*/\1/p' /proc/cmdline)
case "$PMD_BIND" in vfio) PMD_DRIVER=vfio-pci ;; uio) PMD_DRIVER=uio_pci_generic ;; esac

# The netdev modules (not netconsole), eth0 and eth1 up. With a PMD NIC, its
# kernel driver too (it starts on the kernel's driver, as on a host) and
# eth1 only where the guest has one for af_packet (bench-pmd).
load_netdevs() {
  grep -v -e /netconsole.ko -e /configfs.ko /etc/modules.load >/tmp/modules
  [ -n "$PMD_NIC" ] && cat "/etc/modules.$PMD_NIC" >>/tmp/modules
  while read -r m; do insmod "$m" || fail "insmod $m"; done </tmp/modules
  ip link set eth0 up || fail "no eth0"
  if [ -z "$PMD_NIC" ] || [ -e /sys/class/net/eth1 ]; then
    ip link set eth1 up || fail "no eth1"
  fi
}

# bind_nic DRIVER [ADDR]: hands the PCI device (default the PMD NIC) to
# DRIVER ("" leaves it without one) through driver_override.
bind_nic() {
  d=/sys/bus/pci/devices/${2:-$PCI}
  [ -e "$d" ] || fail "no PCI device ${2:-$PCI}"
  if [ -e "$d/driver" ]; then echo "${2:-$PCI}" >"$d/driver/unbind" || fail "unbind ${2:-$PCI}"; fi
  echo "$1" >"$d/driver_override"
  [ -n "$1" ] || return 0
  echo "${2:-$PCI}" >/sys/bus/pci/drivers_probe
  [ "$(basename "$(readlink "$d/driver")")" = "$1" ] || fail "${2:-$PCI} not bound to $1"
}

# 512 MiB of hugepages, mounted: the appliance's 128 and room for pmdcon
# doctor beside it.
hugepages() {
  mkdir -p /dev/hugepages
  grep -q hugetlbfs /proc/mounts || mount -t hugetlbfs nodev /dev/hugepages || fail "hugetlbfs"
  echo 256 >/proc/sys/vm/nr_hugepages
}

# Hugepages and the binding's modules, once; then the NIC to its DPDK driver.
setup_pmd() {
  if [ -z "$pmd_ready" ]; then
    hugepages
    while read -r m; do insmod "$m" || fail "insmod $m"; done </etc/modules.$PMD_BIND
    # TCG's q35 has no interrupt remapping (intremap=off).
    [ "$PMD_BIND" = vfio ] &&
      echo 1 >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
    pmd_ready=1
  fi
  bind_nic $PMD_DRIVER
  log "$PCI ($(cat /sys/bus/pci/devices/$PCI/vendor):$(cat /sys/bus/pci/devices/$PCI/device), $PMD_NIC) bound to $PMD_DRIVER"
}

# Debian's netconsole, extended, on eth0 (pcap'd by QEMU): the reference,
# to a live listener on the host's pmdcon.ncport, from a source port of its
# own (slirp gives each guest source port its own host socket).
NCPORT=$(sed -n 's/.*pmdcon\.ncport=\([0-9]*\).*/\1/p' /proc/cmdline)
NETCONSOLE="netconsole=+6664@10.0.2.15/eth0,${NCPORT:-6666}@10.0.2.2/"

# pmdcon-rx's port on the host (slirp forwards 10.0.2.2:PORT to it).
PORT=$(sed -n 's/.*pmdcon\.port=\([0-9]*\).*/\1/p' /proc/cmdline)
# The module's netpoll fallback on eth0, to the same collector.
FALLBACK="fallback=+6665@10.0.2.15/eth0,$PORT@10.0.2.2/52:55:0a:00:02:02"
# panic-auth, reliable-netem: the key the host's pmdcon-rx holds for this guest (a test
# passes it on the command line; a host keeps it in a root-only file).
AUTH_KEY=$(sed -n 's/.*pmdcon\.auth_key=\([0-9a-f]*\).*/\1/p' /proc/cmdline)

# pmdcon's configuration: af_packet on ${1:-eth1}, or with a PMD NIC (and
# $1 empty or eth1) that NIC by its PCI address, on hugepages; $2: a file of
# lines to add to its target.
appliance_config() {
  sed "s/@PORT@/$PORT/; s/start: oldest/start: ${START:-oldest}/; s/iface=eth1/iface=${1:-eth1}${VDEV_EXTRA:-}/; /dst_mac:/r ${2:-/dev/null}" \
    /etc/pmdcon-guest.yaml |
    if [ -n "$PMD_NIC" ] && [ "${1:-eth1}" = eth1 ] && [ -z "$AF_PACKET" ]; then
      awk -v pci="$PCI" -v extra="$EAL_EXTRA" '!/vdevs:/ { print; next }
        { print "  vdevs: []"; print "  hugepages: true"; print "  pci_allow: [\"" pci "\"]" }
        extra != "" { print "  extra_args: [\"" extra "\"]" }'
    else
      cat
    fi
}

# The appliance, sending to pmdcon-rx on the host (see appliance_config);
# returns once it runs (its TX lcore launched).
start_appliance() {
  appliance_config "$@" >/tmp/pmdcon.yaml
  app_if=
  if grep -q pci_allow /tmp/pmdcon.yaml; then
    [ "$(basename "$(readlink /sys/bus/pci/devices/$PCI/driver)")" = "$PMD_DRIVER" ] || setup_pmd
  else
    app_if=${1:-eth1}
    tx0=$(cat /sys/class/net/$app_if/statistics/tx_packets)
  fi
  pmdcon --config /tmp/pmdcon.yaml >/tmp/pmdcon.log 2>&1 &
  appliance=$!
  t=0
  until grep -q 'TX on lcore' /tmp/pmdcon.log; do
    kill -0 $appliance 2>/dev/null || { cat /tmp/pmdcon.log; fail "pmdcon did not start"; }
    [ $t -lt 600 ] || { cat /tmp/pmdcon.log; fail "pmdcon not running after 60 s"; }
    sleep 0.1
    t=$((t + 1))
  done
}

# Waits (up to 60 s) until every record was sent, by whoever sends now.
wait_sent() {
  # One read per look: the verdict is the value the loop saw.
  t=0
  unsent=$(cat $SYS/unsent)
  while [ "$unsent" != 0 ] && [ $t -lt 120 ]; do
    sleep 0.5
    t=$((t + 1))
    unsent=$(cat $SYS/unsent)
  done
  log "$(cat $SYS/records) records written, $unsent unsent ($(cat $SYS/sender) sends)"
  [ "$unsent" = 0 ] && return
  if [ -n "$appliance" ]; then
    kill -0 $appliance 2>/dev/null && state=running || state=gone
    [ -n "$app_if" ] && log "$app_if sent $(($(cat /sys/class/net/$app_if/statistics/tx_packets) - tx0)) packets"
    log "appliance $state, heartbeat age $(cat $SYS/heartbeat_age_ms) ms; its log" \
      "after SIGTERM (it prints its stats when it stops):"
    for t in /proc/$appliance/task/*; do
      echo "  thread $(cat $t/comm): $(cut -d' ' -f3 $t/stat), wchan $(cat $t/wchan 2>/dev/null), syscall $(cut -d' ' -f1 $t/syscall 2>/dev/null)"
    done
    q=/sys/class/net/${app_if:-none}/queues/tx-0/byte_queue_limits
    [ -d $q ] && log "$app_if BQL inflight $(cat $q/inflight), limit $(cat $q/limit)"
    # A TX queue timeout or a crash would be in the kernel log, among the
    # scenario's own records.
    dmesg | grep -v 'pmdcon-' | grep -iE 'watchdog|timed out|segfault|trap|killed' | tail -5
    kill -TERM $appliance 2>/dev/null
    sleep 2
    tail -30 /tmp/pmdcon.log
  fi
  fail "$unsent records left unsent"
}

# Waits (up to 5 s) until the module's sender is $1.
wait_sender() {
  t=0
  while [ "$(cat $SYS/sender)" != "$1" ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
  [ "$(cat $SYS/sender)" = "$1" ] || fail "sender is $(cat $SYS/sender), want $1"
}

# The boot after a panic scenario's warm reboot: the fallback sends what the
# panic left in the ring, then the scenario passes.
after_panic() {
  dmesg | grep -q "pmdcon: adopted the ring of the previous boot" || return 0
  log "after the panic: $(cat $SYS/unsent) records unsent"
  wait_sent
  sleep 0.5
  echo "PMDCON-VM PASS $scenario"
  poweroff -f
}

# Waits up to 10 s until at least N records are unsent (from 6.12 the
# console is NBCON: printk's thread writes it after print_records returns).
wait_unsent() {
  t=0
  unsent=$(cat $SYS/unsent)
  while [ "$unsent" -lt "$1" ] && [ $t -lt 100 ]; do
    sleep 0.1
    t=$((t + 1))
    unsent=$(cat $SYS/unsent)
  done
  [ "$unsent" -ge "$1" ] || fail "$2: $unsent of $1 records unsent"
}

# Prints N records "pmdcon-vm TAG i" through /dev/kmsg.
print_records() {
  i=0
  while [ $i -lt "$1" ]; do
    echo "<6>pmdcon-vm $2 $i" >/dev/kmsg
    i=$((i + 1))
  done
}

# Waits until the appliance sent every record, then stops it.
stop_appliance() {
  wait_sent
  kill -TERM $appliance
  wait $appliance
  rc=$?
  appliance=
  [ $rc = 0 ] || { cat /tmp/pmdcon.log; fail "pmdcon exited $rc"; }
  # A PMD NIC's frames left when its tail register was written (QEMU
  # emulates the transmit there and then).
  [ -n "$app_if" ] || { sleep 0.5; return 0; }
  # "Transmitted" means handed to the NIC: let $app_if put the packets out
  # before the guest powers off.
  sent=$(sed -n 's/^pmdcon: target .*, packets \([0-9]*\),.*/\1/p' /tmp/pmdcon.log)
  t=0
  while [ $(($(cat /sys/class/net/$app_if/statistics/tx_packets) - tx0)) -lt "${sent:-0}" ] &&
    [ $t -lt 50 ]; do
    sleep 0.2
    t=$((t + 1))
  done
  out=$(($(cat /sys/class/net/$app_if/statistics/tx_packets) - tx0))
  [ "$out" -ge "${sent:-0}" ] || fail "$app_if sent $out packets, the appliance ${sent:-?}"
  sleep 0.5
}

TESTMOD=/sys/module/pmdcon_test/parameters

# A configfs target DIR (netconsole's or pmdcon's: the same names) on eth0
# from local port $2 to the host's port $3, extended.
cfs_target() {
  mkdir "$1" || fail "mkdir $1"
  { echo eth0 >"$1/dev_name" && echo "$2" >"$1/local_port" &&
    echo 10.0.2.15 >"$1/local_ip" && echo 10.0.2.2 >"$1/remote_ip" &&
    echo "$3" >"$1/remote_port" &&
    echo 52:55:0a:00:02:02 >"$1/remote_mac" && echo 1 >"$1/extended"; } ||
    fail "configuring $1"
}

# Userdata dc=sea1 rack=r42 and every sysdata switch DIR/userdata has; prints
# what it set.
cfs_userdata() {
  [ -d "$1/userdata" ] || return 0
  for kv in dc=sea1 rack=r42; do
    mkdir "$1/userdata/${kv%=*}" && echo "${kv#*=}" >"$1/userdata/${kv%=*}/value" ||
      fail "userdata ${kv%=*} on $1"
  done
  echo userdata
  for s in cpu_nr taskname release msgid; do
    [ -e "$1/userdata/${s}_enabled" ] || continue
    echo 1 >"$1/userdata/${s}_enabled" || fail "${s}_enabled on $1"
    echo "$s"
  done
}

# Fails unless writing $1 to $2 fails with a kernel message matching $3.
refused() {
  if echo "$1" >"$2" 2>/dev/null; then fail "wrote '$1' to $2"; fi
  has_msg "$3"
}

# Prints the nanoseconds N printk calls took, the best of 3 runs.
bench_printk() {
  best=
  for _ in 1 2 3; do
    echo "$1" >$TESTMOD/bench || fail "bench failed"
    ns=$(cat $TESTMOD/bench_ns)
    if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
  done
  echo "$best"
}

case "$scenario" in
load-alloc)
  load
  has_msg "no reserved memory given"
  ring_is "allocated new"
  check_device
  unload
  load alloc_size=65536
  has_msg "ring at .*: 65536 bytes"
  unload
  ;;
load-memmap)
  load $MEMMAP
  has_msg "no valid ring at 0x0*40000000 (bad magic"
  ring_is "memmap new"
  check_device
  echo "<6>pmdcon-vm: before reload" >/dev/kmsg
  unload
  load $MEMMAP
  has_msg "reattached to this boot's ring"
  ring_is "memmap reattached"
  pmdcon-ringdump --ring /dev/pmdcon | grep -q "pmdcon-vm: before reload" ||
    fail "record from the first load not kept"
  unload
  ;;
load-reserve)
  load mem_name=pmdcon
  has_msg "(reserve_mem)"
  ring_is "reserve_mem new"
  check_device
  unload
  if insmod /lib/modules/pmdcon.ko mem_name=nosuch 2>/dev/null; then fail "mem_name=nosuch loaded"; fi
  has_msg 'no reserve_mem region "nosuch"'
  ;;
bad-params)
  if insmod /lib/modules/pmdcon.ko mem_address=0x40000000 2>/dev/null; then fail "loaded without mem_size"; fi
  has_msg "mem_address= and mem_size= go together"
  if insmod /lib/modules/pmdcon.ko mem_address=0x1000000 mem_size=0x100000 2>/dev/null; then fail "loaded over System RAM"; fi
  has_msg "is System RAM in use"
  if insmod /lib/modules/pmdcon.ko mem_address=0x40000001 mem_size=0x100000 2>/dev/null; then fail "loaded unaligned"; fi
  has_msg "must be page aligned"
  # The fallback's targets and timing (docs/crash-path.md).
  if insmod /lib/modules/pmdcon.ko "fallback=@/eth0,@10.0.0/" 2>/dev/null; then fail "loaded a bad target"; fi
  has_msg 'fallback target 1 "@/eth0,@10.0.0/": bad or missing target IP address'
  if insmod /lib/modules/pmdcon.ko "fallback=+@/eth0,@10.0.2.2/;r@/eth0,@10.0.2.2/" 2>/dev/null; then
    fail "loaded a bad second target"
  fi
  has_msg "fallback target 2 .*needs the extended format"
  if insmod /lib/modules/pmdcon.ko "fallback=@10.0.2.15/eth0,@fec0::2/" 2>/dev/null; then fail "loaded mixed families"; fi
  has_msg "fallback target 1 .*: the source and target addresses are of different families"
  if insmod /lib/modules/pmdcon.ko "fallback=@/nosuch0,@10.0.2.2/" 2>/dev/null; then fail "loaded without the device"; fi
  has_msg 'fallback target 1 "@/nosuch0,@10.0.2.2/": netpoll on nosuch0 failed'
  if insmod /lib/modules/pmdcon.ko "fallback=@/eth0,@10.0.2.2/" takeover_ms=5 2>/dev/null; then fail "loaded takeover_ms=5"; fi
  has_msg "takeover_ms=5: must be 10 to 60000"
  ;;
records)
  load $MEMMAP
  i=0
  while [ $i -lt 500 ]; do
    echo "<5>pmdcon-vm record $i tab	esc\\ end" >/dev/kmsg
    i=$((i + 1))
  done
  check_records_match_kmsg
  n=$(grep -c '^13,.*;pmdcon-vm record [0-9]* tab\\x09esc\\x5c end$' /tmp/ring)
  [ "$n" = 500 ] || fail "$n of the 500 test records in the ring"
  unload
  ;;
hostile)
  load $MEMMAP
  pmdcon-hostile-consumer 6 >/tmp/hostile 2>&1 &
  pid=$!
  i=0
  while kill -0 $pid 2>/dev/null; do
    echo "<6>pmdcon-vm printk under attack $i" >/dev/kmsg
    cat $SYS/tx_id $SYS/unsent $SYS/heartbeat_age_ms $SYS/lost >/dev/null
    i=$((i + 1))
  done
  wait $pid
  rc=$?
  cat /tmp/hostile
  [ $rc = 0 ] || fail "hostile consumer: exit $rc"
  log "$i records printed while the consumer page was garbage"
  check_records_match_kmsg
  [ "$(cat $SYS/lost)" = 0 ] || fail "lost $(cat $SYS/lost)"
  # A mapping alone (file closed) must keep the module and its memory.
  pmdcon-hostile-consumer hold 3 >/tmp/hold 2>&1 &
  pid=$!
  sleep 1
  if rmmod pmdcon 2>/dev/null; then fail "rmmod succeeded while mapped"; fi
  wait $pid || { cat /tmp/hold; fail "ring not intact while mapped"; }
  cat /tmp/hold
  unload
  ;;
reboot-memmap | reboot-reserve)
  # Boot 1 writes a marker and reboots; boot 2 finds it as previous boot.
  if [ "$scenario" = reboot-reserve ]; then args=mem_name=pmdcon kind=reserve_mem; else args=$MEMMAP kind=memmap; fi
  load $args
  if dmesg | grep -q "pmdcon: adopted the ring of the previous boot"; then
    ring_is "$kind adopted"
    pmdcon-ringdump --ring /dev/pmdcon >/tmp/ring || fail "ringdump failed"
    grep -q "pmdcon-vm: written before the reboot  \[previous boot\]" /tmp/ring ||
      fail "the previous boot's marker is not in the ring"
    grep "adopted the ring" /tmp/ring | grep -q "\\[previous boot\\]" &&
      fail "this boot's record marked as previous boot"
    grep -q "adopted the ring" /tmp/ring || fail "this boot's records missing"
    n=$(grep -c "\[previous boot\]" /tmp/ring)
    log "second boot: $n records of the previous boot kept"
    unload
  else
    echo "<6>pmdcon-vm: written before the reboot" >/dev/kmsg
    log "first boot: rebooting"
    reboot -f
    sleep 30
    fail "reboot did not happen"
  fi
  ;;
reboot-stranded)
  # Boot 1: records reach the ring but never the wire (nothing sends), and
  # the machine reboots. Boot 2: the appliance delivers them first, marked
  # as the previous boot's, then this boot's.
  load $MEMMAP
  if dmesg | grep -q "pmdcon: adopted the ring of the previous boot"; then
    ring_is "memmap adopted"
    load_netdevs
    start_appliance
    print_records 100 fresh
    stop_appliance
    unload
  else
    print_records 200 stranded
    log "first boot: $(cat $SYS/unsent) records unsent, rebooting"
    reboot -f
    sleep 30
    fail "reboot did not happen"
  fi
  ;;
e2e)
  load_netdevs
  insmod /lib/modules/netconsole.ko $NETCONSOLE || fail "netconsole did not load"
  load $MEMMAP
  start_appliance
  # The host check on a real kernel: the module's ring on memmap, new.
  pmdcon doctor --config /tmp/pmdcon.yaml >/tmp/doctor.txt 2>&1 || true
  sed 's/^/pmdcon-vm: doctor: /' /tmp/doctor.txt
  grep -q '^ok *reserved memory: memmap=16M\$0x40000000: the ring is in it' /tmp/doctor.txt &&
    grep -q '^ok *module: loaded; its ring is new' /tmp/doctor.txt &&
    grep -q '^ok */dev/pmdcon: mode 0600' /tmp/doctor.txt &&
    if [ -n "$PMD_NIC" ]; then
      grep -q "^ok *NIC $PCI: bound to $PMD_DRIVER for DPDK" /tmp/doctor.txt &&
        grep -q '^ok *hugepages: ' /tmp/doctor.txt
    else
      grep -q '^ok *interface eth1: up' /tmp/doctor.txt
    fi &&
    grep -q ' 0 problems that would stop pmdcon' /tmp/doctor.txt || fail "pmdcon doctor"
  print_records 1000 e2e
  stop_appliance
  unload
  ;;
fallback-idle)
  # No appliance ever: the module sends like netconsole, byte for byte
  # (Debian's netconsole runs beside it as the reference).
  load_netdevs
  insmod /lib/modules/netconsole.ko $NETCONSOLE || fail "netconsole did not load"
  load $MEMMAP $FALLBACK takeover_ms=300
  has_msg "fallback: 1 netpoll target"
  wait_sender takeover
  has_msg "no appliance heartbeat for"
  print_records 1000 fallback
  wait_sent
  log "fallback: $(cat $SYS/fallback_sent) records sent through netpoll"
  sleep 0.5
  unload
  ;;
nic-lifecycle)
  # The fallback's NIC goes away and comes back three ways (driver unbind
  # and bind, another NIC renamed to its name, virtio_net removed and
  # loaded again). Each removal returns within 1 s (the module lets go of
  # the NIC at once) and every record printed while it was gone arrives.
  # "Sent" is handed to netpoll: let QEMU put out what waits in the NIC's
  # queue before the NIC goes (an unbind drops it; a clean-clone run with
  # another guest beside it lost the last 30 records of nic-before so).
  settle() { sleep 1; }
  load_netdevs
  load $MEMMAP $FALLBACK takeover_ms=300
  wait_sender takeover
  print_records 100 nic-before
  wait_sent
  settle
  virtio0=$(basename "$(readlink /sys/class/net/eth0/device)")
  drv=/sys/bus/virtio/drivers/virtio_net
  # Runs "$@" and fails unless it returned within a second.
  quick() {
    t0=$(cut -d' ' -f1 /proc/uptime | tr -d .)
    timeout 5 "$@" || fail "$* failed or hung"
    cs=$(($(cut -d' ' -f1 /proc/uptime | tr -d .) - t0))
    [ $cs -le 100 ] || fail "$* took $((cs * 10)) ms"
    log "nic-lifecycle: '$*' returned in $((cs * 10)) ms"
  }
  resumed() {
    t=0
    until [ "$(dmesg | grep -c 'network logging resumed')" -ge "$1" ] || [ $t -ge 100 ]; do
      sleep 0.1
      t=$((t + 1))
    done
    [ "$(dmesg | grep -c 'network logging resumed')" -ge "$1" ] || fail "no resume $1"
  }
  # 1. unbind and bind the driver: eth0 comes back under its name.
  quick sh -c "echo $virtio0 >$drv/unbind"
  has_msg "network logging stopped on interface eth0"
  print_records 100 nic-unbound
  wait_unsent 100 "records went nowhere while the NIC was gone"
  echo "$virtio0" >$drv/bind || fail "bind $virtio0"
  resumed 1
  wait_sent
  settle
  # 2. gone again; another NIC takes its name (NETDEV_CHANGENAME).
  quick sh -c "echo $virtio0 >$drv/unbind"
  print_records 100 nic-renamed
  ip link set eth1 down
  ip link set eth1 name eth0 || fail "rename eth1 to eth0"
  resumed 2
  wait_sent
  settle
  echo "$virtio0" >$drv/bind || fail "bind $virtio0 again"
  # 3. the driver module goes and comes back.
  quick rmmod virtio_net
  print_records 100 nic-rmmod
  insmod "$(grep /virtio_net.ko /etc/modules.load)" || fail "insmod virtio_net"
  resumed 3
  wait_sent
  settle
  # 4. rmmod pmdcon while its target waits for a NIC that is gone.
  virtio0=$(basename "$(readlink /sys/class/net/eth0/device)")
  quick sh -c "echo $virtio0 >$drv/unbind"
  print_records 10 nic-gone-at-unload
  unload
  ;;
fallback-ipv6)
  # An IPv6 target in netconsole's syntax, through slirp (fec0::2 is the
  # host's ::1).
  load_netdevs
  load $MEMMAP "fallback=+6665@fec0::15/eth0,$PORT@fec0::2/52:55:0a:00:02:02" takeover_ms=300
  wait_sender takeover
  print_records 1000 fallback6
  wait_sent
  sleep 0.5
  unload
  ;;
configfs)
  # Run-time targets under netconsole's names: defaults, every bad write
  # refused with a message, parameters locked while enabled, the slots'
  # limit, and the module pinned while a target exists.
  load_netdevs
  load $MEMMAP takeover_ms=300
  tg=$CFS/pmdcon/t1
  mkdir $tg || fail "mkdir $tg"
  for kv in enabled=0 dev_name=eth0 local_port=6665 remote_port=6666 \
    remote_mac=ff:ff:ff:ff:ff:ff local_mac=ff:ff:ff:ff:ff:ff extended=0 \
    release=0 transmit_errors=0 userdata/msgid_enabled=0; do
    [ "$(cat $tg/${kv%%=*})" = "${kv#*=}" ] || fail "${kv%%=*} is $(cat $tg/${kv%%=*}), want ${kv#*=}"
  done
  refused 1 $tg/enabled "target t1: not enabled: remote_ip is not set"
  refused 0 $tg/remote_port "target t1: remote_port: not a port"
  refused 70000 $tg/local_port "target t1: local_port: not a port"
  refused 10.0.2 $tg/remote_ip "target t1: remote_ip: not an IPv4 or IPv6 address"
  refused 52:55:0a:00:02 $tg/remote_mac "target t1: remote_mac: not a MAC address"
  refused 1 $tg/release "target t1: release: release needs the extended format"
  refused eth0/x $tg/dev_name "target t1: dev_name: not an interface name"
  refused "1 0011" $tg/auth_key "target t1: auth_key: write \"<key id 0-255> <32 hex digits>\" or \"none\""
  refused "1 $(printf '%031dg' 0)" $tg/auth_key "target t1: auth_key: write"
  refused "256 $(printf '%032d' 0)" $tg/auth_key "target t1: auth_key: write"
  echo "7 5ec7e75ec7e75ec7e75ec7e75ec7e75e" >$tg/auth_key || fail "auth_key"
  [ -z "$(cat $tg/auth_key 2>/dev/null)" ] || fail "auth_key reads back"
  if dmesg | grep -qi "5ec7e75ec7e7"; then fail "a key reached the kernel log"; fi
  echo none >$tg/auth_key || fail "auth_key none"
  refused 2 $tg/extended "target t1: extended: write 0 or 1"
  if mkdir "$tg/userdata/a=b" 2>/dev/null; then fail "made userdata key a=b"; fi
  has_msg 'target t1: userdata key "a=b"'
  mkdir $tg/userdata/k || fail "mkdir userdata/k"
  refused "$(printf '%0201d' 0)" $tg/userdata/k/value "target t1: userdata k: value longer than 200 bytes"
  echo fec0::15 >$tg/local_ip || fail "local_ip fec0::15"
  echo 10.0.2.2 >$tg/remote_ip || fail "remote_ip"
  refused 1 $tg/enabled "target t1: not enabled: local_ip and remote_ip are of different families"
  echo 0.0.0.0 >$tg/local_ip || fail "local_ip 0.0.0.0"
  echo nosuch0 >$tg/dev_name || fail "dev_name nosuch0"
  refused 1 $tg/enabled "target t1: not enabled: netpoll on nosuch0 failed"
  cfs_target $CFS/pmdcon/t2 6665 $PORT >/dev/null
  echo 1 >$CFS/pmdcon/t2/enabled || fail "enable t2"
  [ "$(cat $CFS/pmdcon/t2/enabled)" = 1 ] || fail "t2 not enabled"
  [ "$(cat $CFS/pmdcon/t2/local_mac)" = "$(cat /sys/class/net/eth0/address)" ] ||
    fail "local_mac $(cat $CFS/pmdcon/t2/local_mac)"
  refused 7000 $CFS/pmdcon/t2/remote_port "target t2: remote_port: the target is enabled"
  refused "1 $(printf '%032d' 0)" $CFS/pmdcon/t2/auth_key "target t2: auth_key: the target is enabled"
  i=3
  while [ $i -le 8 ]; do mkdir $CFS/pmdcon/t$i || fail "mkdir t$i"; i=$((i + 1)); done
  if mkdir $CFS/pmdcon/t9 2>/dev/null; then fail "made a ninth target"; fi
  has_msg "target t9: at most 8 fallback targets"
  if rmmod pmdcon 2>/dev/null; then fail "rmmod with configfs targets"; fi
  wait_sender takeover
  print_records 100 cfs
  wait_sent
  # Sent means handed to netpoll, which may still queue the last few for
  # the NIC; disabling the target frees its netpoll and drops that queue
  # (a clean-clone run lost 6 of 100 so, once, on 6.12).
  sleep 0.5
  echo 0 >$CFS/pmdcon/t2/enabled || fail "disable t2"
  wait_sender off
  rmdir $tg/userdata/k || fail "rmdir userdata/k"
  for d in $CFS/pmdcon/t*; do rmdir "$d" || fail "rmdir $d"; done
  unload
  ;;
sysdata)
  # Three senders, one set of settings (extended, userdata, every sysdata
  # switch): the kernel's netconsole and pmdcon's fallback as configfs
  # targets, then the appliance on the same NIC. The host compares the
  # payloads with netconsole's and the two paths' frames with each other.
  load_netdevs
  insmod /lib/modules/netconsole.ko || fail "netconsole did not load"
  cfs_target $CFS/netconsole/ref 6664 "$NCPORT"
  features=$(cfs_userdata $CFS/netconsole/ref | paste -sd' ')
  echo 1 >$CFS/netconsole/ref/enabled || fail "netconsole target not enabled"
  load $MEMMAP takeover_ms=300
  fb=$CFS/pmdcon/fb
  cfs_target $fb 6665 "$PORT"
  cfs_userdata $fb >/dev/null
  echo 1 >$fb/enabled || fail "fallback target not enabled"
  wait_sender takeover
  print_records 200 sys-fb
  wait_sent
  printf '    src_port: 6665\n    userdata:\n      dc: sea1\n      rack: r42\n    sysdata: [cpu, taskname, release, msgid]\n' >/tmp/extra.yaml
  start_appliance eth0 /tmp/extra.yaml
  wait_sender appliance
  print_records 200 sys-app
  stop_appliance
  log "sysdata: netconsole has: ${features:-none}"
  echo 0 >$fb/enabled && rmdir $fb/userdata/dc $fb/userdata/rack $fb || fail "removing $fb"
  unload
  ;;
takeover)
  # The appliance is killed: the module takes over within takeover_ms; the
  # appliance comes back: the module hands the ring back without a gap.
  load_netdevs
  load $MEMMAP $FALLBACK takeover_ms=300
  start_appliance
  wait_sender appliance
  print_records 300 before
  wait_sent
  kill -KILL $appliance
  wait $appliance
  print_records 300 during
  wait_sender takeover
  wait_sent
  log "takeover: $(cat $SYS/fallback_sent) records sent through netpoll"
  start_appliance
  wait_sender appliance
  has_msg "appliance heartbeat is back"
  print_records 300 after
  stop_appliance
  unload
  ;;
panic | panic-hang | panic-2nic | panic-kthread | panic-timer | panic-txlock | panic-auth)
  # The appliance is running and caught up; then the kernel panics. The
  # reference, netconsole on eth0, sees the same panic. panic: the appliance
  # shares eth0 with netpoll; the others: it has eth1 of its own.
  # After the panic the guest reboots warm (QEMU keeps the RAM): what the
  # panic could not send (a target wedged on a lock a stopped CPU held) is
  # in the ring, and the fallback sends it now, marked previous boot.
  # panic-auth: the appliance and the fallback (a configfs target, its key
  # written to auth_key) seal every record; the host refuses any that is not.
  load_netdevs
  if [ "$scenario" = panic-auth ]; then
    load $MEMMAP
    cfs_target $CFS/pmdcon/sealed 6665 $PORT
    echo "1 $AUTH_KEY" >$CFS/pmdcon/sealed/auth_key || fail "auth_key"
    [ -z "$(cat $CFS/pmdcon/sealed/auth_key 2>/dev/null)" ] || fail "auth_key reads back"
    echo 1 >$CFS/pmdcon/sealed/enabled || fail "enable the sealed target"
  else
    load $MEMMAP $FALLBACK
  fi
  after_panic
  # panic-txlock: no netconsole, whose netpoll would spin on the held lock
  # before the panic (on any kernel: netpoll's NAPI poll takes it), and no
  # IPv6 chatter on eth0 for the same reason.
  if [ "$scenario" = panic-txlock ]; then
    echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6
  else
    insmod /lib/modules/netconsole.ko $NETCONSOLE || fail "netconsole did not load"
  fi
  insmod /lib/modules/pmdcon_test.ko || fail "pmdcon_test did not load"
  if [ "$scenario" = panic-auth ]; then
    (umask 077 && echo "1 $AUTH_KEY" >/tmp/pmdcon.keys)
    echo "    auth: {key_file: /tmp/pmdcon.keys}" >/tmp/auth.yaml
    start_appliance eth1 /tmp/auth.yaml
  elif [ "$scenario" = panic ]; then
    start_appliance eth0
  else
    start_appliance eth1
  fi
  wait_sender appliance
  print_records 300 before
  wait_sent
  echo 1 >/proc/sys/kernel/panic_on_oops
  echo "<6>pmdcon-vm: panicking" >/dev/kmsg
  case "$scenario" in
  panic-kthread) echo 1 >$TESTMOD/oops_kthread ;;
  panic-timer) echo 1 >$TESTMOD/panic_timer ;;
  panic-txlock)
    # The other CPU holds eth0's transmit lock when the panic stops it.
    echo eth0 >$TESTMOD/hold_txlock || fail "hold_txlock"
    echo c >/proc/sysrq-trigger
    ;;
  *) echo c >/proc/sysrq-trigger ;;
  esac
  sleep 30
  fail "no panic"
  ;;
nic-checks)
  # The host check and the appliance's refusals around its PMD NIC: on its
  # kernel driver, bound for DPDK, without hugepages, without an IOMMU
  # (uio guests have none), at a wrong address, and a device no PMD drives
  # (QEMU's virtio-rng at 0000:00:06.0).
  load_netdevs
  load $MEMMAP
  appliance_config >/tmp/pmdcon.yaml
  doctor() {
    pmdcon doctor --config /tmp/pmdcon.yaml >/tmp/doctor.txt 2>&1
    rc=$?
    sed "s/^/pmdcon-vm: doctor ($1): /" /tmp/doctor.txt
    [ $rc = "$2" ] || fail "doctor ($1): exit $rc, want $2"
  }
  expect() { grep -q "$1" /tmp/doctor.txt || fail "doctor: no line matching '$1'"; }
  # start_refused CONFIG WHY...: pmdcon exits 2 before using a NIC,
  # naming it.
  start_refused() {
    cfg=$1
    shift
    pmdcon --config "$cfg" >/tmp/refused.txt 2>&1
    rc=$?
    sed 's/^/pmdcon-vm: refused: /' /tmp/refused.txt
    [ $rc = 2 ] || fail "pmdcon exited $rc, want 2"
    for why in "$@"; do grep -q "$why" /tmp/refused.txt || fail "pmdcon did not say '$why'"; done
  }
  kdrv=$(basename "$(readlink /sys/bus/pci/devices/$PCI/driver)")
  [ -n "$kdrv" ] && [ "$kdrv" != "$PMD_DRIVER" ] || fail "$PCI starts on '$kdrv', not a kernel driver"
  hugepages
  doctor "NIC on $kdrv" 1
  expect "^FAIL *NIC $PCI: bound to the kernel's $kdrv"
  if [ "$PMD_BIND" = vfio ]; then
    expect "fix: .*vfio-pci"
  else
    expect "^FAIL *IOMMU: .*$PCI"
    expect "fix: .*intel_iommu=on.*uio_pci_generic"
  fi
  start_refused /tmp/pmdcon.yaml "NIC $PCI" "$kdrv"
  setup_pmd
  doctor "NIC on $PMD_DRIVER" 0
  expect "^ok *NIC $PCI: bound to $PMD_DRIVER for DPDK"
  expect " 0 problems that would stop pmdcon"
  echo 0 >/proc/sys/vm/nr_hugepages
  doctor "no hugepages" 1
  expect "^FAIL *hugepages: "
  expect "fix: .*nr_hugepages"
  echo 256 >/proc/sys/vm/nr_hugepages
  if [ "$PMD_BIND" = uio ]; then
    # No IOMMU: unbound, vfio-pci cannot take it; the fix says what can.
    bind_nic ""
    doctor "no IOMMU" 1
    expect "^FAIL *IOMMU: .*$PCI"
    start_refused /tmp/pmdcon.yaml "$PCI" "IOMMU"
    bind_nic $PMD_DRIVER
  fi
  sed "s/$PCI/0000:00:1e.0/" /tmp/pmdcon.yaml >/tmp/wrong.yaml
  start_refused /tmp/wrong.yaml "NIC 0000:00:1e.0" "no such PCI device"
  bind_nic $PMD_DRIVER 0000:00:06.0
  sed "s/$PCI/0000:00:06.0/" /tmp/pmdcon.yaml >/tmp/nopmd.yaml
  start_refused /tmp/nopmd.yaml "NIC 0000:00:06.0" "1af4:1005" "no DPDK poll-mode driver"
  unload
  ;;
link)
  # QEMU's monitor takes the PMD NIC's link down and up (run.sh acts on
  # "PMDCON-VM SET_LINK"): the targets wait while it is down, nothing is
  # lost.
  load_netdevs
  load $MEMMAP
  start_appliance
  print_records 100 link-before
  wait_sent
  link_to() {
    echo "PMDCON-VM SET_LINK $1"
    t=0
    until grep -q "link $2" /tmp/pmdcon.log; do
      [ $t -lt 100 ] || { cat /tmp/pmdcon.log; log "link: interrupts: $(irqs)"; fail "pmdcon saw no link $2"; }
      sleep 0.1
      t=$((t + 1))
    done
  }
  irqs() { grep -E 'uio|vfio' /proc/interrupts | tr -s ' ' | paste -sd';'; }
  log "link: interrupts before: $(irqs)"
  link_to off down
  log "link: interrupts after link down: $(irqs)"
  print_records 100 link-down
  wait_unsent 100 "records sent while the link was down"
  sleep 1
  unsent=$(cat $SYS/unsent)
  [ "$unsent" -ge 100 ] || fail "only $unsent records held while the link was down"
  link_to on up
  print_records 100 link-after
  stop_appliance
  grep -E 'link|target host' /tmp/pmdcon.log | sed 's/^/pmdcon-vm: link: /'
  unload
  ;;
bench-pmd)
  # The same guest, the same kernel, one appliance at a time: af_packet on
  # eth1 (virtio-net), then the PMD NIC. For each: printk -> handed to the
  # NIC (the module's unsent count back to 0), and the rate a backlog
  # leaves at (the appliance stopped while a kernel thread prints for
  # 1000 ms, then resumed).
  load_netdevs
  load $MEMMAP
  insmod /lib/modules/pmdcon_test.ko || fail "pmdcon_test did not load"
  result=
  for via in af_packet pmd; do
    START=transmitted
    if [ $via = af_packet ]; then AF_PACKET=1; else AF_PACKET=; fi
    start_appliance eth1
    wait_sent
    lat=$(pmdcon-vm-latency latency 2000) || fail "latency: $lat"
    kill -STOP $appliance
    echo 1000 >$TESTMOD/flood_ms || fail "flood failed"
    drain=$(pmdcon-vm-latency drain $appliance) || fail "drain: $drain"
    stop_appliance
    result="$result $via: printk to NIC $lat; backlog $drain;"
  done
  log "bench-pmd:$result"
  unload
  ;;
reliable-netem)
  # netem on the appliance's NIC delays, reorders, duplicates and drops what
  # it sends (qdisc_bypass=0: af_packet's frames pass the qdisc); with its
  # target reliable, pmdcon-rx --ack on the host gets every record once.
  # Both ends hold a key: a collector that proved none would get no more
  # bytes of resends than it sent (issue 23).
  load_netdevs
  load $MEMMAP
  /opt/pmdcon/tc qdisc add dev eth1 root netem delay 10ms reorder 25% 50% \
    duplicate 10% loss 10% || fail "netem"
  (umask 077 && echo "1 $AUTH_KEY" >/tmp/pmdcon.keys)
  printf '    reliable: true\n    auth: {key_file: /tmp/pmdcon.keys}\n' >/tmp/reliable.yaml
  VDEV_EXTRA=,qdisc_bypass=0 start_appliance eth1 /tmp/reliable.yaml
  print_records 2000 netem
  wait_sent # the position moves as the collector acknowledges
  kill -TERM $appliance
  wait $appliance || { cat /tmp/pmdcon.log; fail "pmdcon exited $?"; }
  appliance=
  grep 'acked seq' /tmp/pmdcon.log
  log "netem: $(/opt/pmdcon/tc -s qdisc show dev eth1 | tr '\n' ' ')"
  unload
  ;;
panic-reliable)
  # Reliable delivery through a panic: the appliance's target is reliable,
  # and the collector (pmdcon-rx --ack --ignore_text on the host) never
  # takes the "unacked" records from it, so the acknowledged position, the
  # one published to the module, stays before them. The panic's fallback
  # sends everything after it: the host sees no gap. Then as panic above.
  load_netdevs
  load $MEMMAP $FALLBACK
  after_panic
  echo "    reliable: true" >/tmp/reliable.yaml
  start_appliance eth1 /tmp/reliable.yaml
  wait_sender appliance
  print_records 100 unacked
  print_records 100 after
  sleep 4 # acks for what came before the unacked records
  unsent=$(cat $SYS/unsent)
  log "panic-reliable: $unsent records unacknowledged before the panic"
  [ "$unsent" -ge 200 ] || fail "only $unsent records unacknowledged"
  echo 1 >/proc/sys/kernel/panic_on_oops
  echo "<6>pmdcon-vm: panicking" >/dev/kmsg
  echo c >/proc/sysrq-trigger
  sleep 30
  fail "no panic"
  ;;
panic-flood)
  # A large backlog: the appliance is stopped (but not yet taken over)
  # while a flood fills the ring; then the kernel panics. The backlog must
  # arrive in order, then the panic output, with no gap.
  load_netdevs
  insmod /lib/modules/pmdcon_test.ko || fail "pmdcon_test did not load"
  load $MEMMAP $FALLBACK takeover_ms=60000
  start_appliance
  wait_sender appliance
  wait_sent
  kill -STOP $appliance
  echo 1000 >$TESTMOD/flood_ms || fail "flood failed"
  # The report goes to the host twice: the panic can come before ttyS0
  # drains the tty's buffer, while the fallback sends the kernel's log.
  report="panic-flood: run 1: $(cat $TESTMOD/flood_count) records printed, $(cat $SYS/unsent) unsent: panicking"
  log "$report"
  echo "<6>pmdcon-vm: $report" >/dev/kmsg
  echo c >/proc/sysrq-trigger
  sleep 60
  fail "no panic"
  ;;
flood)
  # printk as fast as a kernel thread can for 3 s while the appliance runs,
  # then 2 s with the appliance stopped (the 1 MiB ring overflows): every
  # record either reaches the host or is announced lost.
  load_netdevs
  load alloc_size=1048576
  start_appliance
  insmod /lib/modules/pmdcon_test.ko || fail "pmdcon_test did not load"
  echo 3000 >$TESTMOD/flood_ms || fail "flood failed"
  log "flood: run 1: $(cat $TESTMOD/flood_count) records printed in 3000 ms"
  kill -STOP $appliance
  echo 2000 >$TESTMOD/flood_ms || fail "flood failed"
  log "flood: run 2: $(cat $TESTMOD/flood_count) records printed in 2000 ms, appliance stopped"
  kill -CONT $appliance
  stop_appliance
  log "flood: module records $(cat $SYS/records), skipped by printk $(cat $SYS/skipped), lost $(cat $SYS/lost)"
  sed -n 's/^pmdcon: target /pmdcon-vm: appliance: /p' /tmp/pmdcon.log
  unload
  ;;
flood-netconsole)
  # The reference under flood's first run: netconsole, extended, to a live
  # listener, alone; then time for a printing thread (7.x) to catch up.
  load_netdevs
  insmod /lib/modules/netconsole.ko $NETCONSOLE || fail "netconsole did not load"
  insmod /lib/modules/pmdcon_test.ko || fail "pmdcon_test did not load"
  echo 3000 >$TESTMOD/flood_ms || fail "flood failed"
  log "flood-netconsole: $(cat $TESTMOD/flood_count) records printed in 3000 ms"
  sleep 10
  rmmod netconsole || fail "rmmod netconsole"
  ;;
bench | bench-mttcg)
  # What printk callers pay: N calls with (a) no extra console, (b)
  # netconsole, (c) pmdcon's console alone, (d) pmdcon with the appliance
  # running, in one boot.
  load_netdevs
  insmod /lib/modules/pmdcon_test.ko || fail "pmdcon_test did not load"
  n=20000
  a=$(bench_printk $n)
  insmod /lib/modules/netconsole.ko $NETCONSOLE || fail "netconsole did not load"
  b=$(bench_printk $n)
  rmmod netconsole || fail "rmmod netconsole"
  load $MEMMAP
  c=$(bench_printk $n)
  unload
  load $MEMMAP
  start_appliance
  d=$(bench_printk $n)
  stop_appliance
  unload
  log "bench: $n printk calls (ns): none $a netconsole $b pmdcon-console $c pmdcon+appliance $d"
  ;;
*)
  fail "unknown scenario '$scenario'"
  ;;
esac
echo "PMDCON-VM PASS $scenario"
poweroff -f
