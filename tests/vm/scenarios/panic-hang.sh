# As panic-2nic on a host that hangs on a panic (run.sh boots it with
# panic=0): 7.x's netconsole flushes at the end of panic().
panic_with_netconsole eth1 crash
