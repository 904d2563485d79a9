# What printk callers pay: N calls with (a) no extra console, (b)
# netconsole, (c) pmdcon's console alone, (d) pmdcon with the appliance
# running, in one boot.

# Prints the nanoseconds N printk calls took, the best of 3 runs.
bench_printk() {
  best=
  for _ in 1 2 3; do
    echo "$1" >$TESTMOD/bench || fail "bench failed"
    ns=$(cat $TESTMOD/bench_ns)
    if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
  done
  echo "$best"
}
load_netdevs
load_testmod
n=20000
a=$(bench_printk $n)
load_netconsole $NETCONSOLE
b=$(bench_printk $n)
rmmod netconsole || fail "rmmod netconsole"
load $MEMMAP
c=$(bench_printk $n)
unload
load $MEMMAP
start_appliance
d=$(bench_printk $n)
stop_appliance
unload
log "bench: $n printk calls (ns): none $a netconsole $b pmdcon-console $c pmdcon+appliance $d"
