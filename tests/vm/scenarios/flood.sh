# printk as fast as a kernel thread can for 3 s while the appliance runs,
# then 2 s with the appliance stopped (the 1 MiB ring overflows): every
# record either reaches the host or is announced lost.
load_netdevs
load alloc_size=1048576
start_appliance
load_testmod
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
