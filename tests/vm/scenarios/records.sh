# 500 /dev/kmsg writes with tabs and backslashes: every record /dev/kmsg
# holds is in the ring with the same fields, in order.
load $MEMMAP
i=0
while [ $i -lt 500 ]; do
  echo "<5>pmdcon-vm record $i tab	esc\\ end" >/dev/kmsg
  i=$((i + 1))
done
check_records_match_kmsg
n=$(grep -c '^13,.*;pmdcon-vm record [0-9]* tab\\x09esc\\x5c end$' /tmp/ring)
[ "$n" = 500 ] || fail "$n of the 500 test records in the ring"
unload
