# netem on the appliance's NIC delays, reorders, duplicates and drops what
# it sends (qdisc_bypass=0: af_packet's frames pass the qdisc); with its
# target reliable, pmdcon-rx --ack on the host gets every record once.
# Both ends hold a key: a collector that proved none would get no more
# bytes of resends than it sent (issue 23).
load_netdevs
load $MEMMAP
/opt/pmdcon/tc qdisc add dev eth1 root netem delay 10ms reorder 25% 50% \
  duplicate 10% loss 10% || fail "netem"
(umask 077 && echo "1 $AUTH_KEY" >/tmp/pmdcon.keys)
printf '    reliable: true\n    auth: {key_file: /tmp/pmdcon.keys}\n' >/tmp/reliable.yaml
VDEV_EXTRA=,qdisc_bypass=0 start_appliance eth1 /tmp/reliable.yaml
print_records 2000 netem
wait_sent # the position moves as the collector acknowledges
kill -TERM $appliance
wait $appliance || { cat /tmp/pmdcon.log; fail "pmdcon exited $?"; }
appliance=
grep 'acked seq' /tmp/pmdcon.log
log "netem: $(/opt/pmdcon/tc -s qdisc show dev eth1 | tr '\n' ' ')"
unload
