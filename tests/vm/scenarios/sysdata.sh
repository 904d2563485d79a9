# Three senders, one set of settings (extended, userdata, every sysdata
# switch): the kernel's netconsole and pmdcon's fallback as configfs
# targets, then the appliance on the same NIC. The host compares the
# payloads with netconsole's and the two paths' frames with each other.

# Userdata dc=sea1 rack=r42 and every sysdata switch DIR/userdata has; prints
# what it set.
cfs_userdata() {
  [ -d "$1/userdata" ] || return 0
  for kv in dc=sea1 rack=r42; do
    mkdir "$1/userdata/${kv%=*}" && echo "${kv#*=}" >"$1/userdata/${kv%=*}/value" ||
      fail "userdata ${kv%=*} on $1"
  done
  echo userdata
  for s in cpu_nr taskname release msgid; do
    [ -e "$1/userdata/${s}_enabled" ] || continue
    echo 1 >"$1/userdata/${s}_enabled" || fail "${s}_enabled on $1"
    echo "$s"
  done
}
load_netdevs
load_netconsole
cfs_target $CFS/netconsole/ref 6664 "$NCPORT"
features=$(cfs_userdata $CFS/netconsole/ref | paste -sd' ')
echo 1 >$CFS/netconsole/ref/enabled || fail "netconsole target not enabled"
load $MEMMAP takeover_ms=300
fb=$CFS/pmdcon/fb
cfs_target $fb 6665 "$PORT"
cfs_userdata $fb >/dev/null
echo 1 >$fb/enabled || fail "fallback target not enabled"
wait_sender takeover
print_records 200 sys-fb
wait_sent
printf '    src_port: 6665\n    userdata:\n      dc: sea1\n      rack: r42\n    sysdata: [cpu, taskname, release, msgid]\n' >/tmp/extra.yaml
start_appliance eth0 /tmp/extra.yaml
wait_sender appliance
print_records 200 sys-app
stop_appliance
log "sysdata: netconsole has: ${features:-none}"
echo 0 >$fb/enabled && rmdir $fb/userdata/dc $fb/userdata/rack $fb || fail "removing $fb"
unload
