#!/usr/bin/env bash
# vm_test.sh DEBDIR [KVER]: the e2e scenario of tests/vm in a QEMU guest
# whose pmdcon, ring tools and module come from the packages: pmdcon and
# pmdcon-ringdump from pmdcon's .deb (on a PCI NIC of its own under
# DPDK's e1000 PMD, vfio-pci), pmdcon.ko built by DKMS from
# pmdcon-dkms's source, pmdcon-rx on the host from its .deb. KVER: a host
# kernel (default: the newest 6.x of scripts/lib.sh's).
set -euo pipefail
debs=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib.sh"
source "$top/tests/scratch.sh"
source "$top/tests/deb/dkms.sh"
kver=${2:-$(pmdcon_kernels | awk '$4 == "-" { print $1 }' | sort -V | tail -1)}
[ -n "$kver" ] || fail "no host kernel with headers"
for p in pmdcon pmdcon-rx; do dpkg-deb -x "$(ls "$debs/${p}_"*_amd64.deb)" "$dir/pkg"; done
mkdir "$dir/kmod"
ko=$(dkms_build "$(ls "$debs"/pmdcon-dkms_*_all.deb)" "$kver") || fail "dkms build for $kver"
cp "$ko" "$dir/kmod/"
dkms_clean "$kver"
# DKMS compresses it as the kernel's modules are; busybox insmod wants it
# plain.
[ -e "$dir/kmod/pmdcon.ko.xz" ] && xz -d "$dir/kmod/pmdcon.ko.xz"
[ -e "$dir/kmod/pmdcon.ko.zst" ] && zstd -q -d --rm "$dir/kmod/pmdcon.ko.zst"
[ -e "$dir/kmod/pmdcon.ko" ] || fail "DKMS left no pmdcon.ko: $(ls "$dir/kmod")"
KMODS=$PMDCON_VM_KMODS MODLISTS=$PMDCON_VM_MODLISTS PMDS=$PMDCON_VM_PMDS \
  "$top/tests/vm/initramfs.sh" "$kver" "$dir/initrd.gz" "$dir/kmod" \
  "$dir/pkg/usr/bin/pmdcon" "$dir/pkg/usr/bin/pmdcon-ringdump" >/dev/null
# As a user runs it: the NIC of its own under a PMD, bound to vfio-pci.
PMDCON_RX=$dir/pkg/usr/bin/pmdcon-rx VMLINUZ=/boot/vmlinuz-$kver \
  "$top/tests/vm/run.sh" "$kver" e2e@e1000-vfio "$dir/initrd.gz" "$dir/logs" ||
  fail "e2e with the packaged pmdcon, pmdcon-rx and DKMS-built module on $kver"
echo "ok: $kver e2e with pmdcon from the packages (module by DKMS) on an e1000 owned by net_e1000_em (vfio-pci)"
