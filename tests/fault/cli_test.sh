#!/usr/bin/env bash
# The command line a user meets first (issue 12, item 16), for pmdcon: the
# --flag=FILE form, and configurations that are not one (a device that reads
# forever, a directory, two YAML documents, a stray ',', nesting too deep, a
# ring that is not a ring, a NIC that is not there), each
# refused at once with a message that names it.
set -euo pipefail
pmdcon=$1 example=$2
source "$(dirname "$0")/../scratch.sh"

expect() { # expect RC MESSAGE CMD...: exit code and the last line of stderr
  local rc=0 want_rc=$1 want=$2 out
  shift 2
  out=$(timeout 20 "$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" = "$want_rc" ] || fail "$*: exit $rc, want $want_rc: $out"
  [ "$(tail -1 <<<"$out")" = "$want" ] || fail "$*: got '$(tail -1 <<<"$out")', want '$want'"
}

"$pmdcon" --check-config="$example" >/dev/null || fail "--check-config=FILE refused"
# --help: the usage and every flag on standard output, exit 0, as the other
# tools do (issue 24, item 9: exit 2 and the usage lines only).
help=$("$pmdcon" --help) || fail "pmdcon --help: exit $?"
"$pmdcon" --version | grep -Eq '^pmdcon [0-9]+\.[0-9]+\.[0-9]+$' || fail "pmdcon --version"
for flag in --config --check-config doctor --help --version "exit codes"; do
  grep -q -- "$flag" <<<"$help" || fail "pmdcon --help does not mention $flag: $help"
done
expect 2 "pmdcon: /dev/zero is not a regular file" "$pmdcon" --check-config /dev/zero
expect 2 "pmdcon: $dir is a directory, not a configuration file" "$pmdcon" --check-config="$dir"
printf 'port: {src_ipv4: 10.0.0.1}\ntargets: [{name: a, dst_ip: 10.0.0.2}]\n---\nport: {}\n' >"$dir/two.yaml"
msg="text after the YAML document (a second document, or a stray ','); the configuration is one document"
expect 2 "pmdcon: $dir/two.yaml:3:1: $msg" "$pmdcon" --check-config "$dir/two.yaml"
# Found by tests/fuzz/config_fuzz.cc: yaml-cpp's LoadAll made empty documents
# from a stray ',' until memory ran out (bounded here, so it cannot harm).
printf '{a: 1},\n' >"$dir/comma.yaml"
limit=2000000  # KiB of address space; the sanitizers reserve far more
[ -z "${PMDCON_SANITIZED:-}" ] || limit=unlimited
expect 2 "pmdcon: $dir/comma.yaml:1:7: $msg" \
  bash -c 'ulimit -v "$0"; exec "$@"' "$limit" "$pmdcon" --check-config "$dir/comma.yaml"
printf '%s' "$(python3 -c "print('[' * 5000 + ']' * 5000)")" >"$dir/deep.yaml"
expect 2 "pmdcon: $dir/deep.yaml:1:1: nested too deeply" \
  "$pmdcon" --check-config "$dir/deep.yaml"
head -c 2000000 /dev/zero | tr '\0' '#' >"$dir/big.yaml"
expect 2 "pmdcon: $dir/big.yaml is 2000000 bytes; a configuration file is at most 1 MiB" \
  "$pmdcon" --check-config "$dir/big.yaml"
expect 2 "pmdcon: cannot read $dir/none.yaml: No such file or directory" \
  "$pmdcon" --config "$dir/none.yaml"

# A ring file that holds no ring: named by its path.
head -c 100000 /dev/urandom >"$dir/garbage"
cat >"$dir/g.yaml" <<YAML
eal: {vdevs: ["net_null0"], memory_mb: 128}
port: {src_ipv4: 10.99.0.1}
source: {type: file, path: $dir/garbage, start: oldest}
targets: [{name: t, dst_ip: 10.99.0.2, dst_mac: "02:00:00:00:00:02"}]
stats: {interval_s: 0, telemetry: false}
YAML
expect 1 "pmdcon: $dir/garbage: ring: bad magic (not a pmdcon ring)" "$pmdcon" --config "$dir/g.yaml"

# A NIC that is not there: refused by address and reason before EAL starts
# (EAL would skip it unnamed). No machine has PCI domain 0, bus ff, 1f.7.
[ ! -e /sys/bus/pci/devices/0000:ff:1f.7 ] || fail "0000:ff:1f.7 exists here"
sed -e 's/vdevs: \["net_null0"\]/vdevs: [], pci_allow: ["0000:ff:1f.7"]/' \
  "$dir/g.yaml" >"$dir/nic.yaml"
grep -q 'pci_allow: \["0000:ff:1f.7"\]' "$dir/nic.yaml" || fail "nic.yaml: $(cat "$dir/nic.yaml")"
rc=0
out=$(timeout 20 "$pmdcon" --config "$dir/nic.yaml" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 2 ] || fail "pci_allow 0000:ff:1f.7: exit $rc, want 2: $out"
grep -q '^pmdcon: NIC 0000:ff:1f.7: no such PCI device' <<<"$out" ||
  fail "pci_allow 0000:ff:1f.7: not named: $out"
! grep -q 'EAL:' <<<"$out" || fail "pci_allow 0000:ff:1f.7: EAL started: $out"
# The command line as the other tools parse theirs (cli::ParseFlags):
# usage errors by name, a flag file, --root for the doctor alone.
expect 2 "pmdcon: give one configuration file (see --help)" \
  "$pmdcon" --config a.yaml --check-config b.yaml
expect 2 "pmdcon: --root is for pmdcon doctor (see --help)" \
  "$pmdcon" --root /mnt --config a.yaml
expect 2 "pmdcon: unexpected argument \"stray\" (see --help)" "$pmdcon" stray
expect 2 "pmdcon: unknown flag --confg (see --help)" "$pmdcon" --confg a.yaml
printf 'check-config %s  # the example\n' "$example" >"$dir/pmdcon.flags"
"$pmdcon" --flagfile="$dir/pmdcon.flags" | grep -q ': OK (' ||
  fail "pmdcon --flagfile: $("$pmdcon" --flagfile="$dir/pmdcon.flags" 2>&1)"
echo "pmdcon's command line: every bad configuration refused by name"
