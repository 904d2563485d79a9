#!/usr/bin/env bash
# doctor_test.sh PMDCON: `pmdcon doctor --root` on trees standing in for a
# host's /proc, /sys and /dev: a healthy host passes (exit 0), a host
# without the module fails (exit 1) naming the fix, warnings alone pass,
# and a bad configuration is exit 2. Needs root (mknod).
set -euo pipefail
pmdcon=$1
source "$(dirname "$0")/../scratch.sh"

# host ROOT: a 6.12 host with the module loaded on reserved memory.
host() {
  local r=$1
  mkdir -p "$r/proc/sys/kernel" "$r/sys/module/pmdcon/parameters" \
    "$r/sys/class/misc/pmdcon" "$r/dev" "$r/sys/class/net/eth1" \
    "$r/sys/devices/system/cpu"
  echo 6.12.95+deb12-amd64 >"$r/proc/sys/kernel/osrelease"
  echo "root=/dev/vda1 reserve_mem=16M:4096:pmdcon ignore_loglevel isolcpus=1" >"$r/proc/cmdline"
  printf '4\t4\t1\t7\n' >"$r/proc/sys/kernel/printk"
  echo pmdcon >"$r/sys/module/pmdcon/parameters/mem_name"
  echo "+6665@10.99.0.1/eth0,6666@10.99.0.2/" >"$r/sys/module/pmdcon/parameters/fallback"
  echo "reserve_mem adopted" >"$r/sys/class/misc/pmdcon/ring"
  mknod -m 0600 "$r/dev/pmdcon" c 10 123
  echo up >"$r/sys/class/net/eth1/operstate"
  echo 0-1 >"$r/sys/devices/system/cpu/online"
  echo 1 >"$r/sys/devices/system/cpu/isolated"
  printf 'MemTotal: 1000 kB\nHugePages_Free: 0\nHugepagesize: 2048 kB\n' >"$r/proc/meminfo"
  : >"$r/proc/mounts"
  # EAL's drivers, where this DPDK's EAL looks for them.
  mkdir -p "$r$pmds"
  for l in mempool_ring bus_vdev bus_pci net_af_packet; do : >"$r$pmds/librte_$l.so.23"; done
}
pmds=$(ls -d /usr/lib/*/dpdk/pmds-* | head -1)
cat >"$dir/c.yaml" <<'YAML'
eal: {vdevs: ["net_af_packet0,iface=eth1"]}
port: {src_ipv4: 10.99.0.1}
targets: [{name: t, dst_ip: 10.99.0.2}]
YAML

host "$dir/good"
out=$("$pmdcon" doctor --config "$dir/c.yaml" --root "$dir/good") ||
  fail "a healthy host failed: $out"
grep -q '^ok *module: loaded; its ring is the previous boot' <<<"$out" || fail "$out"
grep -q '^ok *reserved memory: reserve_mem=16M:4096:pmdcon: the ring is in it' <<<"$out" || fail "$out"
grep -q '^ok *interface eth1: up' <<<"$out" || fail "$out"
grep -q '0 problems that would stop pmdcon, 0 warnings' <<<"$out" || fail "$out"
echo "healthy host: exit 0"

# Warnings alone: the log level and an unisolated TX lcore.
host "$dir/warn"
echo "root=/dev/vda1 reserve_mem=16M:4096:pmdcon" >"$dir/warn/proc/cmdline"
: >"$dir/warn/sys/devices/system/cpu/isolated"
out=$("$pmdcon" doctor --config "$dir/c.yaml" --root "$dir/warn") ||
  fail "warnings made it fail: $out"
grep -q '^WARN *console log level: 4' <<<"$out" || fail "$out"
grep -q 'fix: add isolcpus=1 nohz_full=1 rcu_nocbs=1' <<<"$out" || fail "$out"
echo "warnings only: exit 0"

# No module, a missing interface: exit 1, each with its fix.
host "$dir/bad"
rm -r "$dir/bad/sys/module/pmdcon" "$dir/bad/sys/class/misc/pmdcon" "$dir/bad/dev/pmdcon" \
  "$dir/bad/sys/class/net/eth1"
rc=0
out=$("$pmdcon" doctor --config "$dir/c.yaml" --root "$dir/bad") || rc=$?
((rc == 1)) || fail "no module: exit $rc, not 1: $out"
grep -q '^FAIL *module: pmdcon is not loaded' <<<"$out" || fail "$out"
grep -q 'fix: modprobe pmdcon' <<<"$out" || fail "$out"
grep -q '^FAIL *interface eth1: does not exist' <<<"$out" || fail "$out"
grep -q '^FAIL */dev/pmdcon: does not exist' <<<"$out" || fail "$out"
echo "no module: exit 1"

# A configuration error is the configuration's: exit 2, named.
echo 'targets: [{name: t}]' >"$dir/bad.yaml"
rc=0
out=$("$pmdcon" doctor --config "$dir/bad.yaml" --root "$dir/good" 2>&1) || rc=$?
((rc == 2)) || fail "bad config: exit $rc, not 2: $out"
grep -q 'bad.yaml' <<<"$out" || fail "$out"
echo "bad configuration: exit 2"

# A 6.1 host without reserved memory: the memmap= fix, pasted into
# /etc/default/grub, survives the shell that reads that file ("$0" would
# expand; issue 24, item 13) and reaches GRUB as memmap=16M\$0x40000000,
# which GRUB's own script reads as memmap=16M$0x40000000.
host "$dir/old"
echo 6.1.0-56-amd64 >"$dir/old/proc/sys/kernel/osrelease"
echo "root=/dev/vda1 ignore_loglevel isolcpus=1" >"$dir/old/proc/cmdline"
out=$("$pmdcon" doctor --config "$dir/c.yaml" --root "$dir/old") || true
fix=$(grep -o 'add memmap=[^ ]*' <<<"$out" | head -1) || fail "no memmap fix: $out"
printf 'GRUB_CMDLINE_LINUX="%s"\n' "${fix#add }" >"$dir/grub"
got=$(sh -c '. "$1"; printf %s "$GRUB_CMDLINE_LINUX"' sh "$dir/grub")
[ "$got" = 'memmap=16M\$0x40000000' ] || fail "the doctor's memmap= through /etc/default/grub: $got ($fix)"
echo "6.1 without reserved memory: $fix, as GRUB gets it: $got"

# A driver the configuration names is not installed (issue 24, item 10: the
# doctor said "0 problems" and EAL failed to parse the device).
host "$dir/nodriver"
rm "$dir/nodriver$pmds/librte_net_af_packet.so.23"
rc=0
out=$("$pmdcon" doctor --config "$dir/c.yaml" --root "$dir/nodriver") || rc=$?
((rc == 1)) || fail "no af_packet driver: exit $rc, not 1: $out"
grep -q "^FAIL *DPDK drivers: librte_net_af_packet.so not in $pmds: EAL cannot load it" <<<"$out" &&
  grep -q "fix: apt-get install librte-net-af-packet23" <<<"$out" || fail "no af_packet driver: $out"
echo "no af_packet driver: exit 1, named with its package"
