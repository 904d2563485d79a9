# The reference under flood's first run: netconsole, extended, to a live
# listener, alone; then time for a printing thread (7.x) to catch up.
load_netdevs
load_netconsole $NETCONSOLE
load_testmod
echo 3000 >$TESTMOD/flood_ms || fail "flood failed"
log "flood-netconsole: $(cat $TESTMOD/flood_count) records printed in 3000 ms"
sleep 10
rmmod netconsole || fail "rmmod netconsole"
