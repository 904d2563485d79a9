# A reserve_mem region by name (not on 6.1: all.sh skips it there); an
# unknown name refused.
load mem_name=pmdcon
has_msg "(reserve_mem)"
ring_is "reserve_mem new"
check_device
unload
if insmod /lib/modules/pmdcon.ko mem_name=nosuch 2>/dev/null; then fail "mem_name=nosuch loaded"; fi
has_msg 'no reserve_mem region "nosuch"'
