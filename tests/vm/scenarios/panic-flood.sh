# A large backlog: the appliance is stopped (but not yet taken over)
# while a flood fills the ring; then the kernel panics. The backlog must
# arrive in order, then the panic output, with no gap.
load_netdevs
load_testmod
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
crash
boot_ends_within 60 "no panic"
