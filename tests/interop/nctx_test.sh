#!/usr/bin/env bash
# pmdcon-rx --ack against netconsd's own sender half, its unmodified sample
# nctx (built here from ../shared/third_party/netconsd): nctx reads this
# host's /dev/kmsg and resends the records a receiver asks for. The
# original stream plays the kernel's netconsole from nctx's address and port
# (tests/interop/kmsg_netconsole.py) and leaves out every 7th record; each
# of those must come back from nctx because pmdcon-rx asked for it. Needs
# root (/dev/kmsg, a raw socket).
set -euo pipefail
rx=$1
here=$(dirname "$0")
source "$here/../../scripts/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
source "$here/../scratch.sh"
shared=$(shared_dir) || fail "netconsd's sources are needed"
src=$shared/third_party/netconsd/ncrx
cc -O2 -D_GNU_SOURCE -I "$src" -o "$dir/nctx" "$src/nctx.c" "$src/libncrx.c" ||
  fail "cannot build nctx"
port=$((20000 + RANDOM % 20000))
nctx_port=$((port + 1))
mark="pmdcon-ack-test-$$-$RANDOM"

# nctx frees the head slot where it means the tail one when acks consume
# records (shared README: observed quirks); under meson's MALLOC_PERTURB_
# that use-after-free crashes it, so it runs with glibc's plain malloc.
env -u MALLOC_PERTURB_ "$dir/nctx" 127.0.0.1 "$nctx_port" 2>"$dir/nctx.err" &
nctx_pid=$!
rm -f "$dir/ready"
"$rx" --listen="127.0.0.1:$port" --ack --idle=4 --format=json \
  --output="$dir/out.jsonl" --ready_file="$dir/ready" 2>"$dir/rx.err" &
rxpid=$!
wait_ready "$dir/ready" "$dir/rx.err"
# Debug level: the records reach /dev/kmsg but no console.
for i in $(seq 1 700); do echo "<7>$mark $i" >/dev/kmsg; done
echo "<7>$mark end" >/dev/kmsg
read -r first last < <(python3 "$here/kmsg_netconsole.py" "$nctx_port" "$port" "$mark" 7)
wait "$rxpid" || fail "pmdcon-rx: $(cat "$dir/rx.err")"
kill -0 "$nctx_pid" 2>/dev/null || fail "nctx died: $(tail -3 "$dir/nctx.err")"
python3 - "$dir/out.jsonl" "$first" "$last" <<'PY' || fail "$(tail -3 "$dir/rx.err")"
import json, sys
seqs = {json.loads(l)["seq"] for l in open(sys.argv[1])}
want = set(range(int(sys.argv[2]), int(sys.argv[3]) + 1))
missing = sorted(want - seqs)
if missing:
    sys.exit("seqs never recovered from nctx: %d, e.g. %s" % (len(missing), missing[:8]))
PY
grep '^acks:' "$dir/rx.err"
grep -q '^acks: [1-9][0-9]* responses, [1-9][0-9]* requests for missing records, [1-9][0-9]* records recovered' "$dir/rx.err" ||
  fail "no recovery counted: $(grep '^acks' "$dir/rx.err")"
echo "nctx: all of seq $first-$last arrived; every 7th only because pmdcon-rx asked nctx for it"
