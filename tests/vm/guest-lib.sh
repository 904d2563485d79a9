# Sourced by the guest's /init (guest.sh) before its scenario
# (scenarios/NAME.sh): mounts what the scenarios use, loads configfs, reads
# the kernel command line run.sh wrote, and defines what more than one
# scenario does: reporting, loading modules, waiting, the appliance, the
# panic and reboot steps. Busybox's sh runs it (no $SECONDS, no arrays).
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
# cmdline KEY: the value of pmdcon.KEY= on the kernel command line.
cmdline() { sed -n "s/.*pmdcon\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
scenario=$(cmdline scenario)
MEMMAP="mem_address=0x40000000 mem_size=0x1000000"
SYS=/sys/class/misc/pmdcon
TESTMOD=/sys/module/pmdcon_test/parameters

# ---- reporting ----------------------------------------------------------

fail() {
  echo "PMDCON-VM FAIL: $*"
  dmesg | tail -20
  poweroff -f
}
log() { echo "pmdcon-vm: $*"; }
has_msg() { dmesg | grep -q "pmdcon: .*$1" || fail "no kernel message \"pmdcon: $1\""; }

# ---- waiting ------------------------------------------------------------

# uptime_cs: sets _cs to the centiseconds since boot (/proc/uptime; busybox
# sh has no $SECONDS), without a fork.
uptime_cs() {
  read -r _up _ </proc/uptime
  _c=${_up#*.}
  _cs=$((${_up%.*} * 100 + ${_c#0}))
}

# wait_for SECONDS COMMAND...: COMMAND every 50 ms until it succeeds; false
# once SECONDS passed (scripts/lib.sh's, for busybox sh). COMMAND runs in
# this shell: what it sets is there afterwards. A scenario waits on what it
# checks, never on a fixed sleep; TCG is slow, so the timeouts are generous.
wait_for() {
  uptime_cs
  _end=$((_cs + $1 * 100))
  shift
  until "$@"; do
    uptime_cs
    [ "$_cs" -le "$_end" ] || return 1
    sleep 0.05
  done
}

# boot_ends_within SECONDS WHAT: a reboot or panic was started and ends this
# boot while the sleep lasts; fails with WHAT if it did not.
boot_ends_within() {
  sleep "$1"
  fail "$2"
}

# ---- the module ---------------------------------------------------------

load() { insmod /lib/modules/pmdcon.ko "$@" || fail "insmod $* failed"; }
# The ring attribute: where the ring lives and whose it is.
ring_is() { [ "$(cat $SYS/ring)" = "$1" ] || fail "ring is \"$(cat $SYS/ring)\", not \"$1\""; }
unload() { rmmod pmdcon || fail "rmmod failed"; }
load_testmod() { insmod /lib/modules/pmdcon_test.ko || fail "pmdcon_test did not load"; }
load_netconsole() { insmod /lib/modules/netconsole.ko "$@" || fail "netconsole did not load"; }
# insmod_list FILE: insmod every module FILE names, in order.
insmod_list() { while read -r m; do insmod "$m" || fail "insmod $m"; done <"$1"; }
# This boot adopted the ring of the boot before a reboot or panic.
previous_boot() { dmesg | grep -q "pmdcon: adopted the ring of the previous boot"; }

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

# Prints N records "pmdcon-vm TAG i" through /dev/kmsg.
print_records() {
  i=0
  while [ $i -lt "$1" ]; do
    echo "<6>pmdcon-vm $2 $i" >/dev/kmsg
    i=$((i + 1))
  done
}

# ---- NICs ---------------------------------------------------------------

# A NIC of the appliance's own under a DPDK hardware PMD (run.sh's
# SCENARIO@MODEL-BIND): QEMU's MODEL at PCI, bound to vfio-pci (behind the
# emulated IOMMU) or uio_pci_generic, as docs/operations.md tells users to.
PMD_NIC=$(cmdline nic)
PMD_BIND=$(cmdline bind)
PCI=0000:00:05.0
# More EAL arguments, for debugging (run.sh's PMDCON_EAL_EXTRA).
EAL_EXTRA=$(cmdline eal_extra)
case "$PMD_BIND" in vfio) PMD_DRIVER=vfio-pci ;; uio) PMD_DRIVER=uio_pci_generic ;; esac

# The netdev modules (not netconsole), eth0 and eth1 up. With a PMD NIC, its
# kernel driver too (it starts on the kernel's driver, as on a host) and
# eth1 only where the guest has one for af_packet (bench-pmd).
load_netdevs() {
  grep -v -e /netconsole.ko -e /configfs.ko /etc/modules.load >/tmp/modules
  [ -n "$PMD_NIC" ] && cat "/etc/modules.$PMD_NIC" >>/tmp/modules
  insmod_list /tmp/modules
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
    insmod_list /etc/modules.$PMD_BIND
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
NCPORT=$(cmdline ncport)
NETCONSOLE="netconsole=+6664@10.0.2.15/eth0,${NCPORT:-6666}@10.0.2.2/"

# pmdcon-rx's port on the host (slirp forwards 10.0.2.2:PORT to it).
PORT=$(cmdline port)
# The module's netpoll fallback on eth0, to the same collector.
FALLBACK="fallback=+6665@10.0.2.15/eth0,$PORT@10.0.2.2/52:55:0a:00:02:02"
# panic-auth, reliable-netem: the key the host's pmdcon-rx holds for this guest (a test
# passes it on the command line; a host keeps it in a root-only file).
AUTH_KEY=$(cmdline auth_key)

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

# ---- the appliance ------------------------------------------------------

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
# returns once it runs (its TX lcore launched; up to 60 s).
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
  wait_for 60 appliance_up || { cat /tmp/pmdcon.log; fail "pmdcon not running after 60 s"; }
  grep -q 'TX on lcore' /tmp/pmdcon.log || { cat /tmp/pmdcon.log; fail "pmdcon did not start"; }
}
# It launched its TX lcore, or it is gone.
appliance_up() { grep -q 'TX on lcore' /tmp/pmdcon.log || ! kill -0 $appliance 2>/dev/null; }

# Waits (up to 60 s) until every record was sent, by whoever sends now.
# It looks every 0.5 s, not every 50 ms as wait_for does: the panic
# scenarios crash the kernel as soon as it returns, and with 50 ms looks,
# a crash 0.1-0.2 s after the appliance caught up on eth0 (which netpoll
# also uses) hung 6.12 in panic() after its first line, in 3 of 5 runs of
# scenario panic; with 0.5 s, 4 of 4 passed. Not understood yet.
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
    # Diagnostics only (the verdict is FAIL already): time for a live
    # appliance to print its stats; a wedged one never does.
    sleep 2
    tail -30 /tmp/pmdcon.log
  fi
  fail "$unsent records left unsent"
}

# The module's unsent count (in $unsent) is at least N.
unsent_at_least() {
  unsent=$(cat $SYS/unsent)
  [ "$unsent" -ge "$1" ]
}

# Waits up to 30 s until at least N records are unsent (from 6.12 the
# console is NBCON: printk's thread writes it after print_records returns).
wait_unsent() {
  wait_for 30 unsent_at_least "$1" || fail "$2: $unsent of $1 records unsent"
}

# Waits (up to 30 s) until the module's sender is $1.
wait_sender() {
  wait_for 30 sender_is "$1" || fail "sender is $(cat $SYS/sender), want $1"
}
sender_is() { [ "$(cat $SYS/sender)" = "$1" ]; }

# Waits until the appliance sent every record, then stops it.
stop_appliance() {
  wait_sent
  kill -TERM $appliance
  wait $appliance
  rc=$?
  appliance=
  [ $rc = 0 ] || { cat /tmp/pmdcon.log; fail "pmdcon exited $rc"; }
  # A PMD NIC's frames left when its tail register was written (QEMU
  # emulates the transmit there and then); a virtio PMD's kick may be served
  # by QEMU a moment later, and DPDK owns that NIC: nothing here sees when.
  [ -n "$app_if" ] || { settle; return 0; }
  # "Transmitted" means handed to the NIC: let $app_if put the packets out
  # before the guest powers off (virtio counts a packet once QEMU used it).
  sent=$(sed -n 's/^pmdcon: target .*, packets \([0-9]*\),.*/\1/p' /tmp/pmdcon.log)
  wait_for 30 nic_sent_at_least "${sent:-0}" ||
    fail "$app_if sent $out packets, the appliance ${sent:-?}"
  settle
}
# $app_if's packets since start_appliance (in $out) are at least N.
nic_sent_at_least() {
  out=$(($(cat /sys/class/net/$app_if/statistics/tx_packets) - tx0))
  [ "$out" -ge "$1" ]
}

# settle [SECONDS]: a margin (default 0.5 s) for frames the guest handed on
# but cannot see leave: in netpoll's own queue (the module's "sent" means
# handed to netpoll) or in a PMD NIC's queue (DPDK owns that NIC). No
# counter shows either on every kernel, so this stays a sleep.
settle() { sleep "${1:-0.5}"; }

# ---- panics and reboots -------------------------------------------------

# The boot after a panic scenario's warm reboot: the fallback sends what the
# panic left in the ring, then the scenario passes.
after_panic() {
  previous_boot || return 0
  log "after the panic: $(cat $SYS/unsent) records unsent"
  wait_sent
  settle
  echo "PMDCON-VM PASS $scenario"
  poweroff -f
}

# Reboots warm (QEMU keeps the RAM): the next boot is the scenario's second.
reboot_warm() {
  reboot -f
  boot_ends_within 30 "reboot did not happen"
}

# ring_survives_reboot KIND LOAD-ARGS...: boot 1 writes a marker and reboots
# warm; boot 2 adopts the ring (of KIND) and finds the marker there, marked
# previous boot, and its own records not.
ring_survives_reboot() {
  kind=$1
  shift
  load "$@"
  if previous_boot; then
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
    reboot_warm
  fi
}

crash() { echo c >/proc/sysrq-trigger; }
# The marker the host's judge starts from; from here an oops panics.
mark_panic() {
  echo 1 >/proc/sys/kernel/panic_on_oops
  echo "<6>pmdcon-vm: panicking" >/dev/kmsg
}

# panic_when_caught_up TRIGGER...: the appliance (just started) sends,
# catches up with 300 records, then the marker and TRIGGER, which panics
# the kernel.
panic_when_caught_up() {
  wait_sender appliance
  print_records 300 before
  wait_sent
  mark_panic
  "$@"
  boot_ends_within 30 "no panic"
}

# panic_with_netconsole IFACE TRIGGER...: the panic scenarios' usual boot:
# the fallback on eth0, netconsole there as the reference, the appliance on
# IFACE (scenarios/panic.sh tells the story).
panic_with_netconsole() {
  load_netdevs
  load $MEMMAP $FALLBACK
  after_panic
  load_netconsole $NETCONSOLE
  load_testmod
  start_appliance "$1"
  shift
  panic_when_caught_up "$@"
}
