# Shared by scripts/demo, scripts/test, scripts/bench and the namespace tests:
# install what is missing, configure and build, make namespaces. Source it; it
# defines functions only.

# Debian 12 packages the build and the tests need.
PMDCON_PACKAGES=(
  meson ninja-build pkg-config g++ clang clang-format python3
  libabsl-dev libyaml-cpp-dev libgtest-dev libbenchmark-dev libmicrohttpd-dev
  dpdk dpdk-dev libdpdk-dev
  socat iproute2 nftables ethtool man-db systemd rsyslog rsyslog-relp logrotate
  nats-server libnats-dev
  make debootstrap kmod xz-utils
  debhelper dh-dkms dkms lintian fakeroot
  tshark prometheus
  qemu-system-x86 busybox-static cpio bc
)

# Each step says when it started (minutes into the script): where the time
# goes.
log() { printf '\033[1m==> [%d:%02d] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# wait_for SECONDS COMMAND...: COMMAND every 50 ms until it succeeds; false
# once SECONDS passed. For what a step needs (a ready file, a log line),
# instead of a fixed sleep: `wait_for 30 test -e "$ready" || die "..."`.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS <= end)) || return 1
    sleep 0.05
  done
}

# Installs the packages given (default: PMDCON_PACKAGES) that are missing.
ensure_packages() {
  local want=("$@") missing=() p
  ((${#want[@]})) || want=("${PMDCON_PACKAGES[@]}")
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
      grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root or install them"
  log "installing: ${missing[*]}"
  apt-get update -qq
  # Daemons the tests run themselves (rsyslog, ...) are not started as
  # system services by their packages: policy-rc.d refuses it meanwhile.
  local policy=/usr/sbin/policy-rc.d own_policy= rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || rc=$?
  [ -n "$own_policy" ] && rm -f "$policy"
  return $rc
}

# The Debian archive URI this machine's apt already uses for bookworm (from
# sources.list or sources.list.d, one-line or deb822): added suites and the
# trixie chroot use the same mirror, never one written here.
debian_mirror() {
  python3 - /etc/apt/sources.list /etc/apt/sources.list.d/* <<'PY'
import re, sys
for path in sys.argv[1:]:
    if not re.search(r"(\.list|\.sources|sources\.list)$", path):
        continue
    try:
        text = open(path).read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            f = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.M))
            if "deb" in f.get("Types", "").split() and \
                    "bookworm" in f.get("Suites", "").split() and \
                    f.get("Enabled", "yes") != "no":
                print(f["URIs"].split()[0]); sys.exit(0)
    else:
        for line in text.splitlines():
            w = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
            if len(w) >= 3 and w[0] == "deb" and w[2] == "bookworm":
                print(w[1]); sys.exit(0)
sys.exit("no bookworm entry in apt's sources: cannot tell which mirror to use")
PY
}

# The kernels every module test runs on, named here only: Debian's suites
# whose linux-image-amd64 and linux-headers-amd64 are used. The first two
# install on the host; a trixie suite's kernel needs trixie's gcc-14 and
# glibc, so it is built in a chroot and its image is only extracted.
PMDCON_KERNEL_SUITES=(bookworm bookworm-backports trixie-backports)
PMDCON_CACHE=${PMDCON_CACHE:-/var/cache/pmdcon}

# Kernels from a suite of the host's release (bookworm, bookworm-backports),
# images and headers side by side in /boot and /lib/modules. The image and
# the headers of one ABI are installed together by their versioned names: the
# metapackages of one suite can name different ABIs (an image from the
# release, headers from a newer point release or security update), and a
# kernel without its own headers would drop out of the matrix.
kernel_series() {
  case "$1" in bookworm) echo 6.1. ;; bookworm-backports) echo 6.12. ;; esac
}
ensure_host_kernel() {
  local suite=$1 series d k abi t=() meta
  series=$(kernel_series "$suite")
  for d in /lib/modules/*/build; do
    k=$(basename "$(dirname "$d")")
    [[ $k == "$series"* && -e $d/Makefile && -e /boot/vmlinuz-$k ]] && return 0
  done
  [ "$(id -u)" = 0 ] || die "kernel from $suite (image and headers) missing; run as root"
  log "installing the kernel of $suite (image and headers of one ABI)"
  if [ "$suite" != bookworm ] &&
    ! grep -rqs "^[^#]*$suite" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb $(debian_mirror) $suite main" >"/etc/apt/sources.list.d/pmdcon-$suite.list"
  fi
  apt-get update -qq
  # bookworm: the newest of the release's pockets (updates, security);
  # backports only by asking for them.
  [ "$suite" != bookworm ] && t=(-t "$suite")
  # The ABI (e.g. 6.1.0-57-amd64) the image metapackage names, else the
  # headers metapackage's, whichever has both packages in the archive.
  for meta in linux-image-amd64 linux-headers-amd64; do
    abi=$(apt-cache "${t[@]}" depends "$meta" 2>/dev/null |
      grep -oE "linux-(image|headers)-[0-9][^ ,]*-amd64\$" | head -1)
    abi=${abi#linux-image-}
    abi=${abi#linux-headers-}
    [[ -n $abi && $abi == "$series"* ]] || { abi=; continue; }
    apt-cache show "linux-image-$abi" >/dev/null 2>&1 &&
      apt-cache show "linux-headers-$abi" >/dev/null 2>&1 && break
    abi=
  done
  [ -n "$abi" ] || { echo "error: no kernel ABI of $suite has both its image and its headers in the archive" >&2; return 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${t[@]}" \
    "linux-image-$abi" "linux-headers-$abi" >/dev/null
}

# chroot_run ROOT CMD...: CMD inside ROOT with /proc, /sys and /dev bound
# for its duration only.
chroot_run() {
  local root=$1 m rc=0
  shift
  for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; done
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
    DEBIAN_FRONTEND=noninteractive "$@" || rc=$?
  for m in dev/pts dev sys proc; do umount -l "$root/$m"; done
  return $rc
}

# A trixie chroot (PMDCON_CACHE/trixie) with gcc-14 and the headers of the
# newest kernel of SUITE, and that kernel's image and modules extracted to
# PMDCON_CACHE/kernels/KVER (never installed on the host). Made on demand,
# refreshed when the archive's metapackage points at a newer kernel.
ensure_chroot_kernel() {
  local suite=$1 root=$PMDCON_CACHE/trixie mirror sources stamp kver pkgs dir deb f
  [ "$(id -u)" = 0 ] || die "the $suite kernel needs root (debootstrap, chroot)"
  mirror=$(debian_mirror) || return 1
  ensure_packages debootstrap kmod xz-utils || return 1
  if [ ! -x "$root/usr/bin/apt-get" ]; then
    log "debootstrap trixie into $root (once)"
    rm -rf "$root"
    mkdir -p "$PMDCON_CACHE"
    debootstrap --variant=minbase trixie "$root" "$mirror" >"$PMDCON_CACHE/debootstrap.log" 2>&1 ||
      { tail -20 "$PMDCON_CACHE/debootstrap.log"; return 1; }
  fi
  sources=$(printf 'deb %s trixie main\ndeb %s %s main\n' "$mirror" "$mirror" "$suite")
  rm -f "$root/etc/apt/sources.list.d/"*
  # Refresh the lists when the sources change and at most once a day
  # otherwise: a version bump in the archive is picked up, and a daily run
  # does not download them each time.
  stamp=$root/var/lib/apt/pmdcon-sources
  if [ "$sources" != "$(cat "$stamp" 2>/dev/null)" ] ||
    [ -z "$(find "$stamp" -mtime -1 2>/dev/null)" ]; then
    echo "$sources" >"$root/etc/apt/sources.list"
    chroot_run "$root" apt-get update -qq || return 1
    echo "$sources" >"$stamp"
  fi
  chroot_run "$root" apt-get install -y -qq --no-install-recommends \
    gcc-14 make bc libelf-dev flex bison pahole kmod xz-utils >/dev/null || return 1
  chroot_run "$root" apt-get install -y -qq --no-install-recommends -t "$suite" \
    linux-headers-amd64 >/dev/null || return 1
  # The kernel the metapackage names: linux-headers-KVER.
  kver=$(chroot "$root" dpkg-query -W -f='${Depends}' linux-headers-amd64 |
    grep -oE 'linux-headers-[0-9][^ ,]*' | head -1)
  kver=${kver#linux-headers-}
  [ -n "$kver" ] || { echo "no kernel version behind $suite's linux-headers-amd64"; return 1; }
  dir=$PMDCON_CACHE/kernels/$kver
  mkdir -p "$PMDCON_CACHE/kernels"
  echo "$kver" >"$PMDCON_CACHE/kernels/$suite.kver"
  [ -e "$dir/vmlinuz" ] && return 0
  log "extracting the $suite kernel $kver into $dir"
  rm -rf "$dir" "$root/tmp/debs"
  mkdir -p "$dir/root" "$root/tmp/debs"
  # The image package and whatever of the same version it depends on (the
  # modules live in a package of their own on newer kernels).
  pkgs=$(chroot "$root" apt-cache depends -t "$suite" "linux-image-$kver" 2>/dev/null |
    awk '{ print $NF }' | grep -F -- "-$kver" | grep '^linux-' | sort -u)
  pkgs=$(echo "linux-image-$kver" $pkgs | tr ' ' '\n' | sort -u | paste -sd' ')
  # shellcheck disable=SC2086
  chroot_run "$root" sh -c "cd /tmp/debs && chown _apt . && apt-get download -t $suite $pkgs" >/dev/null ||
    return 1
  for deb in "$root"/tmp/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
  rm -rf "$root/tmp/debs"
  # Kernel image: /boot in older packages, usr/lib/modules/KVER on newer.
  for f in "$dir/root/boot/vmlinuz-$kver" "$dir/root/usr/lib/modules/$kver/vmlinuz"; do
    [ -e "$f" ] && cp "$f" "$dir/vmlinuz"
  done
  [ -e "$dir/vmlinuz" ] || { echo "no vmlinuz in the $kver packages"; return 1; }
  mkdir -p "$dir/root/lib"
  [ -e "$dir/root/lib/modules" ] || ln -s ../usr/lib/modules "$dir/root/lib/modules"
  cp -n "$root/usr/src/linux-headers-$kver/modules.builtin"* \
    "$dir/root/lib/modules/$kver/" 2>/dev/null || true
  depmod -b "$dir/root" "$kver"
}

ensure_kernels() {
  local suite
  for suite in "${PMDCON_KERNEL_SUITES[@]}"; do
    case "$suite" in
    trixie*) ensure_chroot_kernel "$suite" ;;
    *) ensure_host_kernel "$suite" ;;
    esac || { echo "error: the kernel of $suite could not be set up" >&2; return 1; }
  done
}

# Every kernel to test, one line each: KVER VMLINUZ MODROOT CHROOT, where
# MODROOT holds lib/modules/KVER (with build/ for host kernels) and CHROOT is
# where modules are built for it ("-": on the host).
pmdcon_kernels() {
  local d k c
  for d in /lib/modules/*/build; do
    k=$(basename "$(dirname "$d")")
    [ -e "/boot/vmlinuz-$k" ] && [ -e "$d/Makefile" ] && echo "$k /boot/vmlinuz-$k / -"
  done
  # The chroot kernel each suite's metapackage named at the last set-up.
  c=$PMDCON_CACHE/trixie
  for d in "$PMDCON_CACHE"/kernels/*.kver; do
    [ -e "$d" ] || continue
    k=$(cat "$d")
    [ -e "$PMDCON_CACHE/kernels/$k/vmlinuz" ] &&
      [ -e "$c/usr/src/linux-headers-$k/Makefile" ] &&
      echo "$k $PMDCON_CACHE/kernels/$k/vmlinuz $PMDCON_CACHE/kernels/$k/root $c"
  done
}

# What the QEMU guests' initramfs carries (tests/vm/all.sh,
# tests/deb/vm_test.sh): kernel modules loaded at start; per PMD NIC model
# its kernel driver and per binding its modules; DPDK's plugins.
PMDCON_VM_KMODS="configfs virtio_pci virtio_net netconsole sch_netem"
PMDCON_VM_MODLISTS="e1000=e1000 e1000e=e1000e vmxnet3=vmxnet3 virtio= uio=uio_pci_generic vfio=vfio-pci"
PMDCON_VM_PMDS="net_af_packet mempool_ring bus_pci net_e1000 net_virtio net_vmxnet3"

# veth_pair TX RX: fresh namespaces TX and RX joined by a veth pair, veth0 in
# TX (no address: DPDK or a raw socket owns it) and veth1 in RX with
# 10.99.0.2/24 and fd00:99::2/64, all up. The caller deletes both.
veth_pair() {
  local tx=$1 rx=$2
  ip netns del "$tx" 2>/dev/null || true
  ip netns del "$rx" 2>/dev/null || true
  ip netns add "$tx"
  ip netns add "$rx"
  ip -n "$tx" link add veth0 type veth peer name veth1 netns "$rx"
  ip -n "$rx" addr add 10.99.0.2/24 dev veth1
  ip -n "$rx" addr add fd00:99::2/64 dev veth1 nodad
  ip -n "$tx" link set veth0 up
  ip -n "$rx" link set veth1 up
  ip -n "$rx" link set lo up
}

# lossy_link NS PCT [DUP]: in namespace NS (the collector's), nftables drops
# PCT % of the UDP datagrams to port 6666 on input and of those from it on
# output (the acks): a link lossy both ways; and duplicates DUP % of the
# arriving ones (a copy through lo, marked so that it is not copied again).
# Replaces the previous setting; 0: none. (On pmdcon's side af_packet sees
# frames before netfilter.) The veth keeps its checksum offload, as a host
# has it: the collector's datagrams reach pmdcon with partial checksums.
lossy_link() {
  ip netns exec "$1" nft -f - <<NFT
table inet pmdcon_loss
delete table inet pmdcon_loss
table inet pmdcon_loss {
  chain in { type filter hook input priority 0; udp dport 6666 numgen random mod 100 < $2 drop; }
  chain out { type filter hook output priority 0; udp sport 6666 numgen random mod 100 < $2 drop; }
}
table ip pmdcon_dup
delete table ip pmdcon_dup
table ip pmdcon_dup {
  chain pre {
    type filter hook prerouting priority 0;
    udp dport 6666 meta mark != 0x42 numgen random mod 100 < ${3:-0} meta mark set 0x42 dup to 127.0.0.1 device "lo";
  }
}
NFT
}

# key_files DIR: a fresh key shared by pmdcon at 10.99.0.1 and its collector,
# in DIR/tx.keys (pmdcon's `auth: {key_file}`) and DIR/rx.keys
# (pmdcon-rx --auth_keys), mode 600; $key holds it. Skips the test when nft,
# which the lossy links need, is missing.
key_files() {
  command -v nft >/dev/null || { echo "SKIP: nft (Debian's nftables) is not installed"; exit 77; }
  key=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077 && echo "1 $key" >"$1/tx.keys" && echo "10.99.0.1 1 $key" >"$1/rx.keys")
}

# veth_config RING TARGETS: pmdcon's configuration for veth_pair's veth0
# (af_packet, 10.99.0.1), reading the file ring RING from its oldest record;
# TARGETS: YAML flow mappings, e.g. "{name: t, dst_ip: 10.99.0.2}".
veth_config() {
  cat <<YAML
eal: {lcores: [0, 1], memory_mb: 256, vdevs: ["net_af_packet0,iface=veth0"]}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $1, start: oldest}
targets: [$2]
stats: {interval_s: 0, telemetry: false}
YAML
}

# null_config RING: pmdcon's configuration on a net_null port (every frame
# dropped, no namespace needed), reading the file ring RING from its oldest
# record, one target.
null_config() {
  cat <<YAML
eal: {vdevs: ["net_null0"], memory_mb: 128}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $1, start: oldest}
targets: [{name: t, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}]
stats: {interval_s: 0, telemetry: false}
YAML
}

# build_tree DIR [meson options...]: configure once, then build.
build_tree() {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    log "configuring $dir"
    meson setup "$dir" "$@" >/dev/null
  fi
  log "building $dir"
  ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

# shared_dir: the environment's shared directory (third-party peers for the
# tests: ../shared next to the repository, or next to the repository this
# clone came from); PMDCON_SHARED overrides. Fails naming where it looked.
shared_dir() {
  local repo origin c
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  origin=$(git -C "$repo" config remote.origin.url 2>/dev/null || true)
  for c in "${PMDCON_SHARED:-}" "$repo/../shared" "${origin:+$origin/../shared}"; do
    [ -n "$c" ] && [ -d "$c/third_party" ] && { (cd "$c" && pwd); return 0; }
  done
  echo "no shared directory (PMDCON_SHARED, $repo/../shared${origin:+, $origin/../shared})" >&2
  return 1
}
