#!/usr/bin/env bash
# pmdcon-ringgen and pmdcon-ringdump end to end on a file-backed ring: counts,
# wrap and loss accounting, resume, and the errors users see for bad input.
set -euo pipefail
gen=$1 dump=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ring=$dir/ring
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

# Create, write 100 records, dump them all in order.
out=$("$gen" --ring="$ring" --size=1M --count=100 --text_size=40 2>&1)
grep -q 'formatted ring' <<<"$out" || fail "new file should be formatted: $out"
grep -q 'written=100 dropped=0' <<<"$out" || fail "ringgen: $out"
"$dump" --ring="$ring" >"$dir/dump" 2>"$dir/err"
expect_eq "$(grep -c ';ringgen seq=' "$dir/dump")" 100 "records dumped"
expect_eq "$(head -1 "$dir/dump" | cut -d, -f1-2)" "6,0" "first record prio,seq"
expect_eq "$(tail -1 "$dir/dump" | cut -d, -f2)" "99" "last seq"
grep -q '100 records, 0 lost' "$dir/err" || fail "summary: $(cat "$dir/err")"

# Re-opening keeps the ring (this boot) and appends.
out=$("$gen" --ring="$ring" --count=5 --seq_start=100 2>&1)
grep -q 'this-boot ring' <<<"$out" || fail "re-open should keep the ring: $out"
expect_eq "$("$dump" --ring="$ring" --quiet 2>&1)" \
  "pmdcon-ringdump: 105 records, 0 lost" "after append"

# A record reserved and never committed (its writer died): after a second
# it is skipped and announced, as the appliance does; the 199 after it and
# before it are all dumped (issue 24, item 8: the dump stopped at it).
rm -f "$ring"
"$gen" --ring="$ring" --size=1M --count=200 --abandon_at=50 >/dev/null 2>&1
"$dump" --ring="$ring" >"$dir/dump" 2>"$dir/err"
grep -q '199 records, 1 lost' "$dir/err" || fail "abandoned record: $(cat "$dir/err")"
grep -q '^-- lost 1 records (corrupt) after seq 49 before seq 51 --' "$dir/dump" ||
  fail "abandoned record's loss line: $(grep '^--' "$dir/dump")"
expect_eq "$(tail -1 "$dir/dump" | cut -d, -f2)" "199" "last seq after the abandoned one"

# Overwrite a small ring that no consumer read: from the transmitted position
# (the start) the dump must report the loss and its seq bounds.
rm -f "$ring"
"$gen" --ring="$ring" --size=16K --count=2000 --text_size=100 >/dev/null 2>&1
"$dump" --ring="$ring" >"$dir/oldest" 2>/dev/null
grep -q '^-- lost' "$dir/oldest" && fail "from the oldest record nothing is lost"
"$dump" --ring="$ring" --from=transmitted >"$dir/dump" 2>"$dir/err"
first=$(grep -m1 ';ringgen' "$dir/dump" | cut -d, -f2)
head -1 "$dir/dump" | grep -q "^-- lost $first records (overwritten) before seq $first --" ||
  fail "loss line: $(head -1 "$dir/dump")"
kept=$(grep -c ';ringgen' "$dir/dump")
expect_eq "$((first + kept))" 2000 "kept + lost"

# Dictionary and level/facility.
rm -f "$ring"
"$gen" --ring="$ring" --count=1 --level=3 --facility=1 --dict='SUBSYSTEM=net,DEVICE=n2' \
  >/dev/null 2>&1
"$dump" --ring="$ring" >"$dir/dump" 2>/dev/null
expect_eq "$(head -1 "$dir/dump" | cut -d, -f1)" 11 "prio = facility*8+level"
expect_eq "$(sed -n 2p "$dir/dump")" " SUBSYSTEM=net" "dict line 1"
expect_eq "$(sed -n 3p "$dir/dump")" " DEVICE=n2" "dict line 2"

# Header view.
"$dump" --ring="$ring" --header --quiet 2>/dev/null | grep -q '^abi 1, region 16777216 bytes' ||
  fail "header view"

# Bad input: clear messages, exit 2 for usage, 1 for bad data; nothing crashes.
set +e
msg=$("$dump" --ring="$ring" --from=middle 2>&1); rc=$?
set -e
expect_eq "$rc" 2 "bad --from exit code"
expect_eq "$msg" 'pmdcon-ringdump: --from: "middle" is not oldest, transmitted or newest' "bad --from"
head -c 20000 /dev/urandom >"$dir/garbage"
set +e
msg=$("$dump" --ring="$dir/garbage" 2>&1); rc=$?
set -e
expect_eq "$rc" 1 "garbage exit code"
expect_eq "$msg" "pmdcon-ringdump: $dir/garbage: ring: bad magic (not a pmdcon ring)" "garbage"
set +e
msg=$("$dump" --ring="$dir/missing" 2>&1); rc=$?
msg2=$("$gen" --ring="$dir/x" --size=12Q 2>&1); rc2=$?
msg3=$("$gen" --ring="$dir/x" --size=4K 2>&1); rc3=$?
set -e
expect_eq "$rc" 1 "missing file exit code"
grep -q "cannot open $dir/missing: No such file or directory" <<<"$msg" || fail "missing: $msg"
expect_eq "$rc2" 2 "bad size exit code"
expect_eq "$msg2" 'pmdcon-ringgen: bad size "12Q" (expected e.g. 65536, 64K, 16M)' "bad size"
expect_eq "$rc3" 1 "tiny ring exit code"
grep -q 'too small' <<<"$msg3" || fail "tiny ring: $msg3"

# The errno text once (issue 12.16: it was doubled).
expect_eq "$(grep -o 'No such file or directory' <<<"$msg" | wc -l)" 1 "errno text once"

# A file that holds no ring is not overwritten unless asked (issue 12.16: a
# mistyped path destroyed it); --ring is required (no shared default path).
sum=$(md5sum <"$dir/garbage")
set +e
msg=$("$gen" --ring="$dir/garbage" --count=1 2>&1); rc=$?
msg2=$("$gen" --count=1 2>&1); rc2=$?
set -e
expect_eq "$rc" 2 "existing non-ring file exit code"
expect_eq "$msg" "pmdcon-ringgen: $dir/garbage exists and holds no pmdcon ring; --reformat overwrites it" "non-ring file"
expect_eq "$(md5sum <"$dir/garbage")" "$sum" "the non-ring file is untouched"
expect_eq "$rc2" 2 "no --ring exit code"
expect_eq "$msg2" "pmdcon-ringgen: --ring=FILE is required" "no --ring"

# With --reformat the producer re-initialises it and says why.
out=$("$gen" --ring="$dir/garbage" --count=1 --reformat 2>&1)
grep -q 'formatted ring.*(old contents: bad magic' <<<"$out" || fail "reformat: $out"

# --help lists the tool's own flags (not "No flags matched"), exit 0; an
# unknown flag or a bad value is a usage error, exit 2 (issue 12.16).
for tool in "$gen" "$dump"; do
  help=$("$tool" --help) || fail "$tool --help exit $?"
  grep -q -- '--ring (default' <<<"$help" || fail "$tool --help: $help"
  set +e
  msg=$("$tool" --no_such_flag 2>&1); rc=$?
  msg2=$("$tool" --limit=x --count=x 2>&1); rc2=$?
  set -e
  expect_eq "$rc" 2 "$tool unknown flag exit code"
  expect_eq "$msg" "$(basename "$tool"): unknown flag --no_such_flag (see --help)" "unknown flag"
  expect_eq "$rc2" 2 "$tool bad value exit code"
done
echo "ring tools: all checks passed"
