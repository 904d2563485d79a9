#!/usr/bin/env bash
# install_test.sh DEBDIR: the packages of DEBDIR (scripts/package) installed
# with apt into a clean bookworm chroot made by debootstrap (the minbase
# system is cached as a tarball; every run unpacks a fresh copy). There:
# pmdcon --check-config on the installed example, pmdcon-rx --help, man -l
# on every page, the conffile, DKMS building the module when the chroot's
# kernel headers arrive (as on a kernel upgrade), systemd-analyze verify on
# both units, pmdcon doctor, and a purge that leaves nothing behind.
set -euo pipefail
debs=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib.sh"
source "$top/tests/scratch.sh"
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot)"
mirror=$(debian_mirror)
base=$PMDCON_CACHE/bookworm-minbase.tar
if [ ! -s "$base" ]; then
  log "debootstrap bookworm (minbase) into $base (once)"
  mkdir -p "$PMDCON_CACHE"
  debootstrap --variant=minbase bookworm "$dir/base" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
    { tail -20 "$dir/debootstrap.log"; fail "debootstrap bookworm"; }
  tar -C "$dir/base" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf --one-file-system "$dir/base"
fi
root=$dir/root
mkdir "$root"
tar -C "$root" -xf "$base"
# Downloads go to the host's apt cache (bound for the test only): a second
# run fetches nothing. The cleanup unbinds it before anything is removed.
mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives"
unbind() {
  umount -l "$root/var/cache/apt/archives" 2>/dev/null || true
  cleanup
}
trap unbind EXIT
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" \
  >"$root/etc/apt/sources.list"
in_root() { chroot_run "$root" "$@"; }
mkdir -p "$root/tmp/debs"
cp "$debs"/pmdcon_*.deb "$debs"/pmdcon-rx_*.deb "$debs"/pmdcon-dkms_*.deb "$root/tmp/debs/"
in_root apt-get update -qq >"$dir/apt.log" 2>&1 || { tail "$dir/apt.log"; fail "apt-get update"; }
log "apt install the three packages (and man-db, systemd) into the chroot"
in_root sh -c 'apt-get install -y -qq --no-install-recommends man-db systemd \
  /tmp/debs/pmdcon_*.deb /tmp/debs/pmdcon-rx_*.deb /tmp/debs/pmdcon-dkms_*.deb' \
  >"$dir/apt.log" 2>&1 || { tail -30 "$dir/apt.log"; fail "apt-get install"; }
echo "ok: installed: $(in_root dpkg-query -W -f='${Package} ${Version}\n' pmdcon pmdcon-rx pmdcon-dkms | paste -sd, | sed 's/,/, /g')"

out=$(in_root pmdcon --check-config /etc/pmdcon/pmdcon.yaml) || fail "check-config: $out"
echo "ok: $out"
# EAL loads these as plugins (no shlibs dependency finds them): the mbuf
# pool's driver and the PCI and vdev buses, without which no NIC probes.
for p in mempool_ring bus_pci bus_vdev; do
  in_root sh -c "ls /usr/lib/*/dpdk/pmds-*/librte_$p.so.*" >/dev/null 2>&1 ||
    fail "librte_$p (a plugin pmdcon needs) not installed with pmdcon"
done
echo "ok: pmdcon brought DPDK's mempool_ring, bus_pci and bus_vdev plugins"
# The installed pmdcon runs a port (issue 24, item 10: no PMD came with it,
# and EAL failed to parse the shipped config's device): 100 records from a
# ring its own pmdcon-ringgen writes, out through net_null.
in_root pmdcon-ringgen --ring=/tmp/ring --size=1M --count=100 >/dev/null 2>&1 ||
  fail "the installed pmdcon-ringgen"
null_config /tmp/ring >"$root/tmp/null.yaml"
out=$(in_root timeout --preserve-status -s TERM 4 pmdcon --config /tmp/null.yaml 2>&1) ||
  fail "the installed pmdcon on net_null: $out"
grep -q 'target t: active, records 100,' <<<"$out" || fail "the installed pmdcon sent nothing: $out"
echo "ok: the installed pmdcon ran net_null0: $(grep -o 'target t: active, records 100, packets [0-9]*' <<<"$out")"
in_root dpkg-query -W -f='${Conffiles}\n' pmdcon | grep -q ' /etc/pmdcon/pmdcon.yaml ' ||
  fail "/etc/pmdcon/pmdcon.yaml is not a conffile"
in_root dpkg-query -W -f='${Conffiles}\n' pmdcon-dkms | grep -q ' /etc/modprobe.d/pmdcon.conf ' ||
  fail "/etc/modprobe.d/pmdcon.conf is not a conffile"
for f in /etc/default/pmdcon-rx /etc/pmdcon/rx.flags /etc/logrotate.d/pmdcon-rx; do
  in_root dpkg-query -W -f='${Conffiles}\n' pmdcon-rx | grep -q " $f " ||
    fail "$f is not a conffile of pmdcon-rx"
done
echo "ok: conffiles /etc/pmdcon/pmdcon.yaml, /etc/modprobe.d/pmdcon.conf, and pmdcon-rx's default file, flag file and logrotate snippet"
# The Prometheus alerts and scrape example come with the collector, as
# files to load or copy, not conffiles.
for f in /usr/share/pmdcon/alerts.yml /usr/share/pmdcon/scrape.yml; do
  [ "$(in_root dpkg-query -S "$f" 2>/dev/null)" = "pmdcon-rx: $f" ] ||
    fail "$f is not in pmdcon-rx"
done
echo "ok: pmdcon-rx ships /usr/share/pmdcon/alerts.yml and scrape.yml"
# The shipped flag file runs as it is (its output moved here: the unit's
# log directory exists only under systemd).
out=$(in_root pmdcon-rx --flagfile=/etc/pmdcon/rx.flags --output=/tmp/rx.jsonl \
  --listen=127.0.0.1:6999 --duration=0.3 2>&1) || fail "pmdcon-rx with the shipped rx.flags: $out"
echo "ok: pmdcon-rx --flagfile=/etc/pmdcon/rx.flags: $(head -1 <<<"$out")"
in_root pmdcon-rx --help >"$dir/rx-help" 2>&1 || fail "pmdcon-rx --help: $(cat "$dir/rx-help")"
grep -q -- '--listen' "$dir/rx-help" || fail "pmdcon-rx --help: $(cat "$dir/rx-help")"
echo "ok: pmdcon-rx --help"
# Test hooks (-Dtest_hooks=true) never ship: the flag is unknown here.
if grep -q -- '--ignore_text' "$dir/rx-help" ||
  in_root pmdcon-rx --ignore_text=x --duration=0 >/dev/null 2>&1; then
  fail "the packaged pmdcon-rx has the test-only --ignore_text"
fi
echo "ok: no test hook in the packaged pmdcon-rx"
# pmdcon-rx needs no DPDK: its package does not pull it in.
if in_root dpkg-query -W -f='${Depends}' pmdcon-rx | grep -q librte; then
  fail "pmdcon-rx depends on DPDK"
fi
pages=$(in_root sh -c 'ls /usr/share/man/man*/pmdcon*')
for page in $pages; do
  warn=$(in_root man --warnings -l "$page" 2>&1 >/dev/null) || fail "man -l $page"
  [ -z "$warn" ] || fail "man -l $page: $warn"
done
echo "ok: man -l, no warnings: $(echo $pages | wc -w) pages"
for unit in pmdcon.service pmdcon-rx.service; do
  warn=$(in_root systemd-analyze verify "/lib/systemd/system/$unit" 2>&1) ||
    fail "systemd-analyze verify $unit: $warn"
  [ -z "$warn" ] || fail "systemd-analyze verify $unit: $warn"
done
echo "ok: systemd-analyze verify pmdcon.service pmdcon-rx.service: no complaints"
in_root sh -c 'readlink -f /etc/systemd/system/multi-user.target.wants/pmdcon-rx.service' |
  grep -q pmdcon-rx.service || fail "pmdcon-rx.service is not enabled"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/pmdcon.service" ] ||
  fail "pmdcon.service was enabled before it is configured"
echo "ok: pmdcon-rx.service enabled, pmdcon.service left disabled"

# DKMS: headers arriving (a kernel upgrade) build the module for them.
log "linux-headers-amd64 into the chroot: DKMS builds pmdcon"
in_root apt-get install -y -qq --no-install-recommends linux-headers-amd64 \
  >"$dir/apt.log" 2>&1 || { tail -30 "$dir/apt.log"; fail "linux-headers-amd64"; }
kver=$(in_root dpkg-query -W -f='${Depends}' linux-headers-amd64 |
  grep -oE 'linux-headers-[0-9][^ ,]*' | head -1)
kver=${kver#linux-headers-}
status=$(in_root dkms status pmdcon)
grep -q "pmdcon/.*, $kver, x86_64: installed" <<<"$status" ||
  { grep -i -A5 dkms "$dir/apt.log" | tail -20; fail "dkms status: $status"; }
ko=$(ls "$root/lib/modules/$kver/updates/dkms/pmdcon.ko"* 2>/dev/null | head -1)
[ -n "$ko" ] || fail "no pmdcon.ko under /lib/modules/$kver/updates/dkms"
[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] || fail "$ko: vermagic"
echo "ok: dkms status: $status"

# The doctor runs here and finds what a chroot lacks: the module.
rc=0
out=$(in_root pmdcon doctor) || rc=$?
((rc == 1)) && grep -q '^FAIL *module: pmdcon is not loaded' <<<"$out" ||
  fail "pmdcon doctor (exit $rc): $out"
echo "ok: pmdcon doctor in the chroot: exit 1, \"$(grep '^FAIL *module' <<<"$out")\""

in_root apt-get purge -y -qq pmdcon pmdcon-rx pmdcon-dkms >"$dir/apt.log" 2>&1 ||
  { tail -30 "$dir/apt.log"; fail "apt-get purge"; }
left=$(cd "$root" && ls -d usr/src/pmdcon* etc/pmdcon var/lib/dkms/pmdcon \
  "lib/modules/$kver/updates/dkms/pmdcon.ko"* usr/bin/pmdcon* 2>/dev/null || true)
[ -z "$left" ] || fail "left after purge: $left"
echo "ok: purged; no pmdcon files, module or DKMS tree left"
