# An IPv6 target in netconsole's syntax, through slirp (fec0::2 is the
# host's ::1).
load_netdevs
load $MEMMAP "fallback=+6665@fec0::15/eth0,$PORT@fec0::2/52:55:0a:00:02:02" takeover_ms=300
wait_sender takeover
print_records 1000 fallback6
wait_sent
settle
unload
