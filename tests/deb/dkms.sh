# Sourced by tests/deb/*_test.sh (after scripts/lib.sh).
# dkms_build DEB KVER [ROOT]: DKMS builds the source of the pmdcon-dkms
# package DEB for KVER, as the package's postinst would, but in private
# trees (/tmp/pmdcon-dkms-KVER: --sourcetree, --dkmstree) inside ROOT (a
# chroot; default this host), so nothing is installed. Prints the module's
# path under ROOT; dkms_clean KVER [ROOT] removes the trees.
dkms_build() {
  local deb=$1 kver=$2 root=${3:-} tmp=/tmp/pmdcon-dkms-$2 version args cmd
  version=$(dpkg-deb -f "$deb" Version)
  rm -rf "$root$tmp"
  mkdir -p "$root$tmp/dkms"
  dpkg-deb -x "$deb" "$root$tmp/x"
  args="-m pmdcon -v $version --sourcetree $tmp/x/usr/src --dkmstree $tmp/dkms"
  cmd="dkms add $args && dkms build $args -k $kver"
  if [ -z "$root" ]; then sh -c "$cmd"; else chroot_run "$root" sh -c "$cmd"; fi \
    >"$root$tmp/dkms.log" 2>&1 || {
    tail -30 "$root$tmp/dkms.log" >&2
    find "$root$tmp/dkms" -name make.log -exec tail -30 {} \; >&2
    return 1
  }
  ls "$root$tmp/dkms/pmdcon/$version/$kver/x86_64/module/pmdcon.ko"* | head -1
}
dkms_clean() { rm -rf "${2:-}/tmp/pmdcon-dkms-$1"; }
