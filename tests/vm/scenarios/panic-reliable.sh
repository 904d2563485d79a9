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
print_records 100 unacked
print_records 100 after
sleep 4 # acks for what came before the unacked records
unsent=$(cat $SYS/unsent)
log "panic-reliable: $unsent records unacknowledged before the panic"
[ "$unsent" -ge 200 ] || fail "only $unsent records unacknowledged"
mark_panic
crash
boot_ends_within 30 "no panic"
