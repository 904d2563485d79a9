#!/usr/bin/env bash
# initramfs.sh KVER OUT.cpio.gz KMOD_DIR BIN...: an initramfs for one kernel
# with busybox, the modules built for KVER (KMOD_DIR/*.ko: pmdcon and its
# test helper), the guest scenario script and the given programs (in
# /opt/pmdcon) with their shared libraries at their original paths. Env KMODS: kernel modules (with
# dependencies) to load in the guest, in order in /etc/modules.load; env
# PMDS: DPDK PMDs (e.g. net_af_packet) put in EAL's plugin directory; env
# MODROOT: where lib/modules/KVER lives (default /).
set -euo pipefail
kver=$1 out=$2 kmod=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,var/run,lib/modules,etc}
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cp "$here/guest.sh" "$root/init"
chmod +x "$root/init"
cp "$kmod"/*.ko "$root/lib/modules/"

# Programs and their ldd closure (plus libgcc_s, which ldd may not list).
copy_with_libs() {
  local f lib
  for f in "$@"; do
    mkdir -p "$root/$(dirname "$f")"
    cp -L "$f" "$root/$f"
    for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' || true); do
      [ -e "$root/$lib" ] && continue
      mkdir -p "$root/$(dirname "$lib")"
      cp -L "$lib" "$root/$lib"
    done
  done
}
copy_with_libs "$@" /lib/x86_64-linux-gnu/libgcc_s.so.1
# Programs live in /opt/pmdcon: their build paths may lie under /tmp, which
# the guest mounts over.
mkdir -p "$root/opt/pmdcon"
for f in "$@"; do
  mv "$root/$f" "$root/opt/pmdcon/$(basename "$f")"
done
echo "$kver" >"$root/etc/kver"
cp "$here/pmdcon-guest.yaml" "$root/etc/"

# Kernel modules in load order; busybox insmod wants them uncompressed.
: >"$root/etc/modules.load"
for m in ${KMODS:-}; do
  modprobe -d "${MODROOT:-/}" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}' |
    while read -r ko; do
      name=$(basename "${ko%.xz}")
      grep -qx "/lib/modules/$name" "$root/etc/modules.load" && continue
      case "$ko" in
      *.xz) xz -dc "$ko" >"$root/lib/modules/$name" ;;
      *) cp "$ko" "$root/lib/modules/$name" ;;
      esac
      echo "/lib/modules/$name" >>"$root/etc/modules.load"
    done
done

# Each PMD exactly once, as the .so.23.0 name EAL loads from its directory.
pmddir=$(ls -d /usr/lib/x86_64-linux-gnu/dpdk/pmds-* 2>/dev/null | head -1)
for p in ${PMDS:-}; do
  so=$(ls "$pmddir"/librte_"$p".so.*.* | head -1)
  copy_with_libs "$so"
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
