# Shared by scripts/demo, scripts/test, scripts/bench and the namespace tests:
# install what is missing, configure and build, make namespaces. Source it; it
# defines functions only.

# Debian 12 packages the build and the tests need.
PMDCON_PACKAGES=(
  meson ninja-build pkg-config g++ clang clang-format python3
  libabsl-dev libyaml-cpp-dev libgtest-dev libbenchmark-dev
  dpdk dpdk-dev libdpdk-dev
  socat iproute2
  linux-headers-amd64 make
  tshark
  qemu-system-x86 busybox-static cpio bc
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

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
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Debian's two kernels, images and headers, side by side: 6.1 from bookworm
# and 6.12 from bookworm-backports (the module is built and booted on both).
ensure_kernels() {
  local have61=0 have612=0 d
  for d in /lib/modules/*/build; do
    [ -e "$d/Makefile" ] || continue
    case "$(basename "$(dirname "$d")")" in
    6.1.*) [ -e "/boot/vmlinuz-$(basename "$(dirname "$d")")" ] && have61=1 ;;
    6.12.*) [ -e "/boot/vmlinuz-$(basename "$(dirname "$d")")" ] && have612=1 ;;
    esac
  done
  ((have61 && have612)) && return 0
  [ "$(id -u)" = 0 ] || die "kernels 6.1 and 6.12 (images and headers) missing; run as root"
  if ((!have61)); then
    log "installing kernel 6.1 (bookworm) image and headers"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      linux-image-amd64 linux-headers-amd64 >/dev/null || return 1
  fi
  if ((!have612)); then
    log "installing kernel 6.12 (bookworm-backports) image and headers"
    grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ ||
      echo 'deb http://deb.debian.org/debian bookworm-backports main' \
        >/etc/apt/sources.list.d/pmdcon-backports.list
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports \
      linux-image-amd64 linux-headers-amd64 >/dev/null || return 1
  fi
}

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
