# Boot 1: records reach the ring but never the wire (nothing sends), and
# the machine reboots. Boot 2: the appliance delivers them first, marked
# as the previous boot's, then this boot's.
load $MEMMAP
if previous_boot; then
  ring_is "memmap adopted"
  load_netdevs
  start_appliance
  print_records 100 fresh
  stop_appliance
  unload
else
  print_records 200 stranded
  log "first boot: $(cat $SYS/unsent) records unsent, rebooting"
  reboot_warm
fi
