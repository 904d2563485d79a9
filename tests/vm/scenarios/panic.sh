# The appliance is running and caught up; then the kernel panics. The
# reference, netconsole on eth0, sees the same panic. Here the appliance
# shares eth0 with netpoll; in the other panic scenarios it has eth1 of its
# own. After the panic the guest reboots warm (QEMU keeps the RAM): what the
# panic could not send (a target wedged on a lock a stopped CPU held) is in
# the ring, and the fallback sends it now, marked previous boot
# (after_panic). run.sh and panic_judge.py judge what reached the host.
panic_with_netconsole eth0 crash
