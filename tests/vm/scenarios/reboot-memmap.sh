# Boot 1 writes a marker and reboots; boot 2 finds it as previous boot.
ring_survives_reboot memmap $MEMMAP
