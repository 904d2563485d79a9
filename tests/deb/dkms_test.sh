#!/usr/bin/env bash
# dkms_test.sh DEBDIR: DKMS builds pmdcon-dkms's source, as the package
# installs it, for 6.1 and 6.12 on this host and for the newest 7.x inside
# the trixie chroot the kernel tests use (tests/deb/dkms.sh: private trees,
# nothing installed).
set -euo pipefail
debs=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib.sh"
source "$top/tests/scratch.sh"
source "$top/tests/deb/dkms.sh"
deb=$(ls "$debs"/pmdcon-dkms_*_all.deb)
while read -r kver _ _ root; do
  [ "$root" = - ] && root=
  if [ -n "$root" ]; then # 7.x: its headers live in the trixie chroot
    chroot_run "$root" apt-get install -y -qq --no-install-recommends dkms \
      >"$dir/apt.log" 2>&1 || { tail "$dir/apt.log"; fail "dkms in the trixie chroot"; }
  fi
  ko=$(dkms_build "$deb" "$kver" "$root") || fail "DKMS did not build pmdcon for $kver"
  got=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
  dkms_clean "$kver" "$root"
  [ "$got" = "$kver" ] || fail "$kver: the module's vermagic is $got"
  echo "ok: DKMS built pmdcon $(dpkg-deb -f "$deb" Version) for $kver (vermagic $got)"
done < <(pmdcon_kernels)
