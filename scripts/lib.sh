# Shared by scripts/demo, scripts/test and scripts/bench: install what is
# missing, configure and build. Source it; it defines functions only.

# Debian 12 packages the build and the tests need.
PMDCON_PACKAGES=(
  meson ninja-build pkg-config g++ clang clang-format python3
  libabsl-dev libyaml-cpp-dev libgtest-dev libbenchmark-dev
  dpdk dpdk-dev libdpdk-dev
  socat iproute2
  linux-headers-amd64 make
  tshark
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
