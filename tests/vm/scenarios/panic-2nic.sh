# As panic, with the appliance on eth1, a NIC of its own.
panic_with_netconsole eth1 crash
