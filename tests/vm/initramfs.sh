#!/usr/bin/env bash
# initramfs.sh KVER OUT.cpio.gz KMOD_DIR BIN...: an initramfs for one kernel
# with busybox, the modules built for KVER (KMOD_DIR/*.ko: pmdcon and its
# test helper), the guest's /init (guest.sh) with its library and scenarios
# (in /vm) and the given programs (in /opt/pmdcon) with their shared
# libraries at their original paths. Env KMODS: kernel modules (with
# dependencies) to load in the guest, in order in /etc/modules.load; env
# PMDS: DPDK PMDs (e.g. net_af_packet) put in EAL's plugin directory; env
# MODROOT: where lib/modules/KVER lives (default /).
set -euo pipefail
kver=$1 out=$2 kmod=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,var/run,lib/modules,etc,vm/scenarios}
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cp "$here/guest.sh" "$root/init"
chmod +x "$root/init"
cp "$here/guest-lib.sh" "$root/vm/"
cp "$here/scenarios/"*.sh "$root/vm/scenarios/"
cp "$kmod"/*.ko "$root/lib/modules/"

# Programs and their ldd closure (plus libgcc_s, which ldd may not list).
copy_with_libs() {
  local f lib
  for f in "$@"; do
    mkdir -p "$root/$(dirname "$f")"
    rm -f "$root/$f" # may be a link (absolute: it names a host file here)
    cp -L "$f" "$root/$f"
    for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' || true); do
      [ -e "$root/$lib" ] || [ -L "$root/$lib" ] && continue
      # One file per library, links as on the host: DPDK's PMDs live in its
      # plugin directory, linked from the library directory, and EAL
      # aborts on two copies of one ("tailq is already registered").
      real=$(readlink -f "$lib")
      mkdir -p "$root/$(dirname "$real")" "$root/$(dirname "$lib")"
      [ -e "$root/$real" ] || cp "$real" "$root/$real"
      [ "$real" = "$lib" ] || ln -sf "$real" "$root/$lib"
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
# modlist LIST MODULE...: /etc/modules.LIST names MODULE and its
# dependencies in order (a module built in is skipped).
modlist() {
  local list=$root/etc/modules.$1 m
  shift
  : >"$list"
  for m in "$@"; do
    modprobe -d "${MODROOT:-/}" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}' |
      while read -r ko; do
        name=$(basename "${ko%.xz}")
        grep -qx "/lib/modules/$name" "$list" && continue
        case "$ko" in
        *.xz) xz -dc "$ko" >"$root/lib/modules/$name" ;;
        *) cp "$ko" "$root/lib/modules/$name" ;;
        esac
        echo "/lib/modules/$name" >>"$list"
      done
  done
}
# shellcheck disable=SC2086
modlist load ${KMODS:-}
# A PMD NIC's kernel drivers, and each binding's modules (env MODLISTS:
# "nic=e1000,e1000e uio=uio_pci_generic ...").
for l in ${MODLISTS:-}; do
  # shellcheck disable=SC2046
  modlist "${l%%=*}" $(tr , ' ' <<<"${l#*=}")
done

# Each PMD exactly once, as the .so.23.0 name EAL loads from its directory
# (a PMD the program links, bus_pci, is already there).
pmddir=$(ls -d /usr/lib/x86_64-linux-gnu/dpdk/pmds-* 2>/dev/null | head -1)
for p in ${PMDS:-}; do
  so=$(ls "$pmddir"/librte_"$p".so.*.* | head -1)
  [ -e "$root/$so" ] || copy_with_libs "$so"
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
