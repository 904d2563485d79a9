# Run-time targets under netconsole's names: defaults, every bad write
# refused with a message, parameters locked while enabled, the slots'
# limit, and the module pinned while a target exists.

# Fails unless writing $1 to $2 fails with a kernel message matching $3.
refused() {
  if echo "$1" >"$2" 2>/dev/null; then fail "wrote '$1' to $2"; fi
  has_msg "$3"
}
load_netdevs
load $MEMMAP takeover_ms=300
tg=$CFS/pmdcon/t1
mkdir $tg || fail "mkdir $tg"
for kv in enabled=0 dev_name=eth0 local_port=6665 remote_port=6666 \
  remote_mac=ff:ff:ff:ff:ff:ff local_mac=ff:ff:ff:ff:ff:ff extended=0 \
  release=0 transmit_errors=0 userdata/msgid_enabled=0; do
  [ "$(cat $tg/${kv%%=*})" = "${kv#*=}" ] || fail "${kv%%=*} is $(cat $tg/${kv%%=*}), want ${kv#*=}"
done
refused 1 $tg/enabled "target t1: not enabled: remote_ip is not set"
refused 0 $tg/remote_port "target t1: remote_port: not a port"
refused 70000 $tg/local_port "target t1: local_port: not a port"
refused 10.0.2 $tg/remote_ip "target t1: remote_ip: not an IPv4 or IPv6 address"
refused 52:55:0a:00:02 $tg/remote_mac "target t1: remote_mac: not a MAC address"
refused 1 $tg/release "target t1: release: release needs the extended format"
refused eth0/x $tg/dev_name "target t1: dev_name: not an interface name"
refused "1 0011" $tg/auth_key "target t1: auth_key: write \"<key id 0-255> <32 hex digits>\" or \"none\""
refused "1 $(printf '%031dg' 0)" $tg/auth_key "target t1: auth_key: write"
refused "256 $(printf '%032d' 0)" $tg/auth_key "target t1: auth_key: write"
echo "7 5ec7e75ec7e75ec7e75ec7e75ec7e75e" >$tg/auth_key || fail "auth_key"
[ -z "$(cat $tg/auth_key 2>/dev/null)" ] || fail "auth_key reads back"
if dmesg | grep -qi "5ec7e75ec7e7"; then fail "a key reached the kernel log"; fi
echo none >$tg/auth_key || fail "auth_key none"
refused 2 $tg/extended "target t1: extended: write 0 or 1"
if mkdir "$tg/userdata/a=b" 2>/dev/null; then fail "made userdata key a=b"; fi
has_msg 'target t1: userdata key "a=b"'
mkdir $tg/userdata/k || fail "mkdir userdata/k"
refused "$(printf '%0201d' 0)" $tg/userdata/k/value "target t1: userdata k: value longer than 200 bytes"
echo fec0::15 >$tg/local_ip || fail "local_ip fec0::15"
echo 10.0.2.2 >$tg/remote_ip || fail "remote_ip"
refused 1 $tg/enabled "target t1: not enabled: local_ip and remote_ip are of different families"
echo 0.0.0.0 >$tg/local_ip || fail "local_ip 0.0.0.0"
echo nosuch0 >$tg/dev_name || fail "dev_name nosuch0"
refused 1 $tg/enabled "target t1: not enabled: netpoll on nosuch0 failed"
cfs_target $CFS/pmdcon/t2 6665 $PORT >/dev/null
echo 1 >$CFS/pmdcon/t2/enabled || fail "enable t2"
[ "$(cat $CFS/pmdcon/t2/enabled)" = 1 ] || fail "t2 not enabled"
[ "$(cat $CFS/pmdcon/t2/local_mac)" = "$(cat /sys/class/net/eth0/address)" ] ||
  fail "local_mac $(cat $CFS/pmdcon/t2/local_mac)"
refused 7000 $CFS/pmdcon/t2/remote_port "target t2: remote_port: the target is enabled"
refused "1 $(printf '%032d' 0)" $CFS/pmdcon/t2/auth_key "target t2: auth_key: the target is enabled"
i=3
while [ $i -le 8 ]; do mkdir $CFS/pmdcon/t$i || fail "mkdir t$i"; i=$((i + 1)); done
if mkdir $CFS/pmdcon/t9 2>/dev/null; then fail "made a ninth target"; fi
has_msg "target t9: at most 8 fallback targets"
if rmmod pmdcon 2>/dev/null; then fail "rmmod with configfs targets"; fi
wait_sender takeover
print_records 100 cfs
wait_sent
# Sent means handed to netpoll, which may still queue the last few for
# the NIC; disabling the target frees its netpoll and drops that queue
# (a clean-clone run lost 6 of 100 so, once, on 6.12).
settle
echo 0 >$CFS/pmdcon/t2/enabled || fail "disable t2"
wait_sender off
rmdir $tg/userdata/k || fail "rmdir userdata/k"
for d in $CFS/pmdcon/t*; do rmdir "$d" || fail "rmdir $d"; done
unload
