# The reference under flood's first run: netconsole, extended, to a live
# listener, alone; then time for a printing thread (7.x) to catch up.
load_netdevs
load_netconsole $NETCONSOLE
load_testmod
echo 3000 >$TESTMOD/flood_ms || fail "flood failed"
log "flood-netconsole: $(cat $TESTMOD/flood_count) records printed in 3000 ms"
# Measured, not awaited: the same 10 s on every kernel for whatever
# netconsole still sends (run.sh counts what arrived; nothing says when a
# printing thread is done).
sleep 10
rmmod netconsole || fail "rmmod netconsole"
