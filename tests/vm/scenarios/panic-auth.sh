# As panic-2nic, sealed: the appliance and the fallback (a configfs target,
# its key written to auth_key) seal every record; the host refuses any that
# is not.
load_netdevs
load $MEMMAP
cfs_target $CFS/pmdcon/sealed 6665 $PORT
echo "1 $AUTH_KEY" >$CFS/pmdcon/sealed/auth_key || fail "auth_key"
[ -z "$(cat $CFS/pmdcon/sealed/auth_key 2>/dev/null)" ] || fail "auth_key reads back"
echo 1 >$CFS/pmdcon/sealed/enabled || fail "enable the sealed target"
after_panic
load_netconsole $NETCONSOLE
load_testmod
(umask 077 && echo "1 $AUTH_KEY" >/tmp/pmdcon.keys)
echo "    auth: {key_file: /tmp/pmdcon.keys}" >/tmp/auth.yaml
start_appliance eth1 /tmp/auth.yaml
panic_when_caught_up crash
