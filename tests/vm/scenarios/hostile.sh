# Every forbidden mapping and ioctl refused, then the consumer page filled
# with garbage while printk and sysfs reads run: the ring still equals
# /dev/kmsg; rmmod refused while only a mapping remains.
load $MEMMAP
pmdcon-hostile-consumer 6 >/tmp/hostile 2>&1 &
pid=$!
i=0
while kill -0 $pid 2>/dev/null; do
  echo "<6>pmdcon-vm printk under attack $i" >/dev/kmsg
  cat $SYS/tx_id $SYS/unsent $SYS/heartbeat_age_ms $SYS/lost >/dev/null
  i=$((i + 1))
done
wait $pid
rc=$?
cat /tmp/hostile
[ $rc = 0 ] || fail "hostile consumer: exit $rc"
log "$i records printed while the consumer page was garbage"
check_records_match_kmsg
[ "$(cat $SYS/lost)" = 0 ] || fail "lost $(cat $SYS/lost)"
# A mapping alone (file closed) must keep the module and its memory.
pmdcon-hostile-consumer hold 3 >/tmp/hold 2>&1 &
pid=$!
wait_for 30 grep -q 'holding a mapping' /tmp/hold || { cat /tmp/hold; fail "no mapping held"; }
if rmmod pmdcon 2>/dev/null; then fail "rmmod succeeded while mapped"; fi
wait $pid || { cat /tmp/hold; fail "ring not intact while mapped"; }
cat /tmp/hold
unload
