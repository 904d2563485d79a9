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
