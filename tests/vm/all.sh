#!/usr/bin/env bash
# all.sh BUILD_DIR [SCENARIO...]: builds the module for every installed
# Debian kernel (W=1, warnings are failures), an initramfs per kernel, and
# runs every scenario on every kernel. Logs go to BUILD_DIR/vm-logs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "$1" && pwd)
shift
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(load-alloc load-memmap load-reserve bad-params records hostile reboot-memmap reboot-reserve e2e flood bench fallback-idle
  takeover panic panic-2nic panic-kthread panic-timer panic-flood reboot-stranded)
logs=$build/vm-logs
mkdir -p "$logs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for kdir in /lib/modules/*/build; do
  kver=$(basename "$(dirname "$kdir")")
  [ -e "/boot/vmlinuz-$kver" ] || continue
  mkdir -p "$work/$kver"
  cp -r "$top/kmod" "$top/include" "$here/testmod" "$work/$kver/"
  for m in kmod testmod; do
    out=$(make -C "$kdir" M="$work/$kver/$m" W=1 modules 2>&1) || {
      echo "$out"; echo "FAIL: $kver: $m build"; exit 1; }
    if grep -E 'warning:|error:' <<<"$out" | grep -v 'Skipping BTF'; then
      echo "FAIL: $kver: $m build warnings"; exit 1
    fi
  done
  cp "$work/$kver/testmod/pmdcon_test.ko" "$work/$kver/kmod/"
  echo "ok: $kver: pmdcon.ko and pmdcon_test.ko built with W=1, no warnings"
  KMODS="virtio_pci virtio_net netconsole" PMDS="net_af_packet mempool_ring" \
    "$here/initramfs.sh" "$kver" "$work/$kver/initrd.gz" "$work/$kver/kmod" \
    "$build/src/tools/pmdcon-ringdump" "$build/tests/pmdcon-hostile-consumer" \
    "$build/src/pmdcon"
  for s in "${scenarios[@]}"; do
    case "$s:$kver" in load-reserve:6.1.* | reboot-reserve:6.1.*) continue ;; esac
    PMDCON_RX=$build/src/pmdcon-rx \
      "$here/run.sh" "$kver" "$s" "$work/$kver/initrd.gz" "$logs" || failed=1
  done
done
exit $failed
