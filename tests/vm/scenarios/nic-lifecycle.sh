# The fallback's NIC goes away and comes back three ways (driver unbind
# and bind, another NIC renamed to its name, virtio_net removed and
# loaded again). Each removal returns within 1 s (the module lets go of
# the NIC at once) and every record printed while it was gone arrives.
# "Sent" is handed to netpoll: let QEMU put out what waits in the NIC's
# queue before the NIC goes (an unbind drops it; a clean-clone run with
# another guest beside it lost the last 30 records of nic-before so);
# nothing in the guest says when it did (lib: settle).
load_netdevs
load $MEMMAP $FALLBACK takeover_ms=300
wait_sender takeover
print_records 100 nic-before
wait_sent
settle 1
virtio0=$(basename "$(readlink /sys/class/net/eth0/device)")
drv=/sys/bus/virtio/drivers/virtio_net
# Runs "$@" and fails unless it returned within a second.
quick() {
  uptime_cs
  t0=$_cs
  timeout 5 "$@" || fail "$* failed or hung"
  uptime_cs
  cs=$((_cs - t0))
  [ $cs -le 100 ] || fail "$* took $((cs * 10)) ms"
  log "nic-lifecycle: '$*' returned in $((cs * 10)) ms"
}
# Waits (up to 30 s) until the target resumed N times.
resumed() { wait_for 30 resumed_times "$1" || fail "no resume $1"; }
resumed_times() { [ "$(dmesg | grep -c 'network logging resumed')" -ge "$1" ]; }
# 1. unbind and bind the driver: eth0 comes back under its name.
quick sh -c "echo $virtio0 >$drv/unbind"
has_msg "network logging stopped on interface eth0"
print_records 100 nic-unbound
wait_unsent 100 "records went nowhere while the NIC was gone"
echo "$virtio0" >$drv/bind || fail "bind $virtio0"
resumed 1
wait_sent
settle 1
# 2. gone again; another NIC takes its name (NETDEV_CHANGENAME).
quick sh -c "echo $virtio0 >$drv/unbind"
print_records 100 nic-renamed
ip link set eth1 down
ip link set eth1 name eth0 || fail "rename eth1 to eth0"
resumed 2
wait_sent
settle 1
echo "$virtio0" >$drv/bind || fail "bind $virtio0 again"
# 3. the driver module goes and comes back.
quick rmmod virtio_net
print_records 100 nic-rmmod
insmod "$(grep /virtio_net.ko /etc/modules.load)" || fail "insmod virtio_net"
resumed 3
wait_sent
settle 1
# 4. rmmod pmdcon while its target waits for a NIC that is gone.
virtio0=$(basename "$(readlink /sys/class/net/eth0/device)")
quick sh -c "echo $virtio0 >$drv/unbind"
print_records 10 nic-gone-at-unload
unload
