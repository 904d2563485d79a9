# The appliance sends everything from boot; pmdcon-rx on the host gets all
# 1000 test records (run.sh), and Debian's netconsole on eth0 is the
# reference its payloads are compared with byte for byte.
load_netdevs
load_netconsole $NETCONSOLE
load $MEMMAP
start_appliance
# The host check on a real kernel: the module's ring on memmap, new.
pmdcon doctor --config /tmp/pmdcon.yaml >/tmp/doctor.txt 2>&1 || true
sed 's/^/pmdcon-vm: doctor: /' /tmp/doctor.txt
grep -q '^ok *reserved memory: memmap=16M\$0x40000000: the ring is in it' /tmp/doctor.txt &&
  grep -q '^ok *module: loaded; its ring is new' /tmp/doctor.txt &&
  grep -q '^ok */dev/pmdcon: mode 0600' /tmp/doctor.txt &&
  if [ -n "$PMD_NIC" ]; then
    grep -q "^ok *NIC $PCI: bound to $PMD_DRIVER for DPDK" /tmp/doctor.txt &&
      grep -q '^ok *hugepages: ' /tmp/doctor.txt
  else
    grep -q '^ok *interface eth1: up' /tmp/doctor.txt
  fi &&
  grep -q ' 0 problems that would stop pmdcon' /tmp/doctor.txt || fail "pmdcon doctor"
print_records 1000 e2e
stop_appliance
unload
