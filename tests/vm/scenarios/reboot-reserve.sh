# As reboot-memmap, the ring in a reserve_mem region (not on 6.1: all.sh
# skips it there).
ring_survives_reboot reserve_mem mem_name=pmdcon
