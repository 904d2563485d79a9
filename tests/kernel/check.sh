#!/usr/bin/env bash
# Builds tests/kernel/abi_check.c against every installed Debian kernel's
# headers with W=1 and fails on any warning: the shared ABI headers must stay
# clean kernel C. Builds in a scratch copy, so the tree stays clean.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
found=0
for build in /lib/modules/*/build; do
  [ -e "$build/Makefile" ] || continue
  found=1
  kver=$(basename "$(dirname "$build")")
  scratch=$(mktemp -d)
  mkdir -p "$scratch/tests/kernel"
  cp "$here/abi_check.c" "$here/Kbuild" "$scratch/tests/kernel/"
  cp -r "$top/include" "$scratch/"
  log=$(make -C "$build" M="$scratch/tests/kernel" W=1 modules 2>&1) || {
    echo "$log"; echo "FAIL: $kver: build failed"; rm -rf "$scratch"; exit 1; }
  warnings=$(grep -E 'warning:|error:' <<<"$log" | grep -v 'Skipping BTF' || true)
  rm -rf "$scratch"
  if [ -n "$warnings" ]; then
    echo "$warnings"; echo "FAIL: $kver: warnings"; exit 1
  fi
  echo "ok: $kver: ring.h and wire.h build as kernel C with W=1, no warnings"
done
if [ "$found" = 0 ]; then
  echo "FAIL: no kernel headers installed (linux-headers-amd64)"
  exit 1
fi
