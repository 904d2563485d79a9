# The same guest, the same kernel, one appliance at a time: af_packet on
# eth1 (virtio-net), then the PMD NIC. For each: printk -> handed to the
# NIC (the module's unsent count back to 0), and the rate a backlog
# leaves at (the appliance stopped while a kernel thread prints for
# 1000 ms, then resumed).
load_netdevs
load $MEMMAP
load_testmod
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
