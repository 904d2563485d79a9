# A fresh memmap region is formatted, the reason logged; a reload reattaches
# and keeps the records.
load $MEMMAP
has_msg "no valid ring at 0x0*40000000 (bad magic"
ring_is "memmap new"
check_device
echo "<6>pmdcon-vm: before reload" >/dev/kmsg
unload
load $MEMMAP
has_msg "reattached to this boot's ring"
ring_is "memmap reattached"
pmdcon-ringdump --ring /dev/pmdcon | grep -q "pmdcon-vm: before reload" ||
  fail "record from the first load not kept"
unload
