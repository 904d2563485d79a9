# Reliable delivery through a panic: the appliance's target is reliable,
# and the collector (pmdcon-rx --ack --ignore_text on the host) never
# takes the "unacked" records from it, so the acknowledged position, the
# one published to the module, stays before them. The panic's fallback
# sends everything after it: the host sees no gap. Then as scenarios/panic.sh.
load_netdevs
load $MEMMAP $FALLBACK
after_panic
echo "    reliable: true" >/tmp/reliable.yaml
start_appliance eth1 /tmp/reliable.yaml
wait_sender appliance
r0=$(cat $SYS/records)
print_records 100 unacked
print_records 100 after
# The acknowledged position (the ring's head less unsent) reached the first
# unacked record: unsent is at most what was written since R0 (read first),
# and the 200 are in the ring.
acked_up_to() {
  r=$(cat $SYS/records)
  unsent=$(cat $SYS/unsent)
  [ "$unsent" -le $((r - $1)) ] && [ "$unsent" -ge 200 ]
}
# The acks for what came before the unacked records; the check below is the
# verdict, as it was after the fixed 4 s this replaces.
wait_for 60 acked_up_to "$r0" || true
unsent=$(cat $SYS/unsent)
log "panic-reliable: $unsent records unacknowledged before the panic"
[ "$unsent" -ge 200 ] || fail "only $unsent records unacknowledged"
mark_panic
crash
boot_ends_within 30 "no panic"
