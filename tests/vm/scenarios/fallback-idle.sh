# No appliance ever: the module sends like netconsole, byte for byte
# (Debian's netconsole runs beside it as the reference).
load_netdevs
load_netconsole $NETCONSOLE
load $MEMMAP $FALLBACK takeover_ms=300
has_msg "fallback: 1 netpoll target"
wait_sender takeover
has_msg "no appliance heartbeat for"
print_records 1000 fallback
wait_sent
log "fallback: $(cat $SYS/fallback_sent) records sent through netpoll"
settle
unload
