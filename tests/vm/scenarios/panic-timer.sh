# As panic-2nic; the panic comes from a timer (softirq context).
panic_in_timer() { echo 1 >$TESTMOD/panic_timer; }
panic_with_netconsole eth1 panic_in_timer
