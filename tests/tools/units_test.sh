#!/usr/bin/env bash
# units_test.sh PMDCON PMDCON_RX UNIT...: each generated unit passes
# systemd-analyze verify, with its programs pointed at this tree's builds
# and pmdcon's configuration at the documented example (which the unit's
# ExecStartPre checks; here it is run the same way).
set -euo pipefail
pmdcon=$(realpath "$1") rx=$(realpath "$2")
shift 2
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze is not installed"; exit 1; }
source "$(dirname "$0")/../scratch.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
# verify looks up each Documentation=man: page: this tree's, as installed.
for page in "$top"/docs/man/*.[0-9]; do
  mkdir -p "$dir/man/man${page##*.}"
  cp "$page" "$dir/man/man${page##*.}/"
done
export MANPATH=$dir/man
for unit in "$@"; do
  name=$(basename "$unit")
  sed -e "s|^\(Exec[A-Za-z]*=\)[^ ]*/pmdcon-rx |\1$rx |" \
    -e "s|^\(Exec[A-Za-z]*=\)[^ ]*/pmdcon |\1$pmdcon |" \
    -e "s|[^ ]*/pmdcon/pmdcon.yaml|$top/config/pmdcon.yaml|" "$unit" >"$dir/$name"
  out=$(systemd-analyze verify "$dir/$name" 2>&1) || fail "$name: $out"
  [ -z "$out" ] || fail "$name: $out"
  echo "$name: systemd-analyze verify: no complaints"
done
# What pmdcon.service runs before starting, on the installed example.
"$pmdcon" --check-config "$top/config/pmdcon.yaml"
