# As panic-2nic, with the other CPU holding eth0's transmit lock when the
# panic stops it: the fallback's target there is wedged, and what it could
# not send arrives after the warm reboot. No netconsole, whose netpoll would
# spin on the held lock before the panic (on any kernel: netpoll's NAPI poll
# takes it), and no IPv6 chatter on eth0 for the same reason.
load_netdevs
load $MEMMAP $FALLBACK
after_panic
echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6
load_testmod
start_appliance eth1
crash_holding_txlock() {
  echo eth0 >$TESTMOD/hold_txlock || fail "hold_txlock"
  crash
}
panic_when_caught_up crash_holding_txlock
