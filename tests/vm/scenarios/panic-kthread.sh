# As panic-2nic; the panic is an oops in a kernel thread.
oops_in_kthread() { echo 1 >$TESTMOD/oops_kthread; }
panic_with_netconsole eth1 oops_in_kthread
