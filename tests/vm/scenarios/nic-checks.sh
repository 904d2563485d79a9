# The host check and the appliance's refusals around its PMD NIC: on its
# kernel driver, bound for DPDK, without hugepages, without an IOMMU
# (uio guests have none), at a wrong address, and a device no PMD drives
# (QEMU's virtio-rng at 0000:00:06.0).
load_netdevs
load $MEMMAP
appliance_config >/tmp/pmdcon.yaml
doctor() {
  pmdcon doctor --config /tmp/pmdcon.yaml >/tmp/doctor.txt 2>&1
  rc=$?
  sed "s/^/pmdcon-vm: doctor ($1): /" /tmp/doctor.txt
  [ $rc = "$2" ] || fail "doctor ($1): exit $rc, want $2"
}
expect() { grep -q "$1" /tmp/doctor.txt || fail "doctor: no line matching '$1'"; }
# start_refused CONFIG WHY...: pmdcon exits 2 before using a NIC,
# naming it.
start_refused() {
  cfg=$1
  shift
  pmdcon --config "$cfg" >/tmp/refused.txt 2>&1
  rc=$?
  sed 's/^/pmdcon-vm: refused: /' /tmp/refused.txt
  [ $rc = 2 ] || fail "pmdcon exited $rc, want 2"
  for why in "$@"; do grep -q "$why" /tmp/refused.txt || fail "pmdcon did not say '$why'"; done
}
kdrv=$(basename "$(readlink /sys/bus/pci/devices/$PCI/driver)")
[ -n "$kdrv" ] && [ "$kdrv" != "$PMD_DRIVER" ] || fail "$PCI starts on '$kdrv', not a kernel driver"
hugepages
doctor "NIC on $kdrv" 1
expect "^FAIL *NIC $PCI: bound to the kernel's $kdrv"
if [ "$PMD_BIND" = vfio ]; then
  expect "fix: .*vfio-pci"
else
  expect "^FAIL *IOMMU: .*$PCI"
  expect "fix: .*intel_iommu=on.*uio_pci_generic"
fi
start_refused /tmp/pmdcon.yaml "NIC $PCI" "$kdrv"
setup_pmd
doctor "NIC on $PMD_DRIVER" 0
expect "^ok *NIC $PCI: bound to $PMD_DRIVER for DPDK"
expect " 0 problems that would stop pmdcon"
echo 0 >/proc/sys/vm/nr_hugepages
doctor "no hugepages" 1
expect "^FAIL *hugepages: "
expect "fix: .*nr_hugepages"
echo 256 >/proc/sys/vm/nr_hugepages
if [ "$PMD_BIND" = uio ]; then
  # No IOMMU: unbound, vfio-pci cannot take it; the fix says what can.
  bind_nic ""
  doctor "no IOMMU" 1
  expect "^FAIL *IOMMU: .*$PCI"
  start_refused /tmp/pmdcon.yaml "$PCI" "IOMMU"
  bind_nic $PMD_DRIVER
fi
sed "s/$PCI/0000:00:1e.0/" /tmp/pmdcon.yaml >/tmp/wrong.yaml
start_refused /tmp/wrong.yaml "NIC 0000:00:1e.0" "no such PCI device"
bind_nic $PMD_DRIVER 0000:00:06.0
sed "s/$PCI/0000:00:06.0/" /tmp/pmdcon.yaml >/tmp/nopmd.yaml
start_refused /tmp/nopmd.yaml "NIC 0000:00:06.0" "1af4:1005" "no DPDK poll-mode driver"
unload
