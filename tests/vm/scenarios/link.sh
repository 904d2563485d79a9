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
  wait_for 30 grep -q "link $2" /tmp/pmdcon.log ||
    { cat /tmp/pmdcon.log; log "link: interrupts: $(irqs)"; fail "pmdcon saw no link $2"; }
}
irqs() { grep -E 'uio|vfio' /proc/interrupts | tr -s ' ' | paste -sd';'; }
log "link: interrupts before: $(irqs)"
link_to off down
log "link: interrupts after link down: $(irqs)"
print_records 100 link-down
wait_unsent 100 "records sent while the link was down"
# What is tested: the records stay held while the link stays down a while.
sleep 1
unsent=$(cat $SYS/unsent)
[ "$unsent" -ge 100 ] || fail "only $unsent records held while the link was down"
link_to on up
print_records 100 link-after
stop_appliance
grep -E 'link|target host' /tmp/pmdcon.log | sed 's/^/pmdcon-vm: link: /'
unload
