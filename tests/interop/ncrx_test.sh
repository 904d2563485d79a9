#!/usr/bin/env bash
# pmdcon's sender half against netconsd's own receiver half: its unmodified
# sample ncrx (built here from ../shared/third_party/netconsd), acks on,
# listening in the collector's namespace of a veth pair where nftables drops
# 10 % of the data and of the acks. pmdcon (af_packet, `reliable: true`)
# must resend what ncrx asks for: ncrx prints every record, in order, and
# never "SEQ SKIPPED". Needs root; cleans up its namespaces and processes.
set -euo pipefail
pmdcon=$1 gen=$2 dump=$3
here=$(dirname "$0")
source "$here/../scratch.sh"
source "$here/../netns.sh"
command -v nft >/dev/null || { echo "SKIP: nft (Debian's nftables) is not installed"; exit 77; }
shared=$(shared_dir) || fail "netconsd's sources are needed"
src=$shared/third_party/netconsd/ncrx
cc -O2 -D_GNU_SOURCE -I "$src" -o "$dir/ncrx" "$src/ncrx.c" "$src/libncrx.c" ||
  fail "cannot build ncrx"
records=5000

lossy_link "$rxns" 0
"$gen" --ring="$dir/ring" --size=16M --count=1 >/dev/null 2>&1
veth_config "$dir/ring" "{name: ncrx, dst_ip: 10.99.0.2, reliable: true}" >"$dir/c.yaml"
ip netns exec "$rxns" stdbuf -oL "$dir/ncrx" 6666 >"$dir/ncrx.out" 2>"$dir/ncrx.err" &
ncrx_pid=$!
ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >"$dir/log" 2>&1 &
pid=$!
# Seq 0 over a clean link (a receiver cannot ask for what came before the
# first record it saw), then the loss.
wait_for 30 grep -q "ringgen seq=0 " "$dir/ncrx.out" ||
  fail "ncrx: no seq 0: $(tail -3 "$dir/ncrx.out"; tail -3 "$dir/log")"
lossy_link "$rxns" 10
"$gen" --ring="$dir/ring" --count=$((records - 1)) --seq_start=1 --rate=2000 \
  >/dev/null 2>&1
# Wait until ncrx has printed the last record (holes resent, in order),
# and acknowledged it: nothing is resent after.
wait_for 60 grep -q "ringgen seq=$((records - 1)) " "$dir/ncrx.out" ||
  fail "ncrx: no seq $((records - 1)): $(tail -3 "$dir/ncrx.out")"
wait_ring_sent "$dir/ring" "$dir/log"
kill -TERM "$pid"
wait "$pid" || fail "pmdcon: $(tail -3 "$dir/log")"
kill "$ncrx_pid" 2>/dev/null || true
wait "$ncrx_pid" 2>/dev/null || true
grep -h 'acked seq' "$dir/log" | sed 's/^/  /'
python3 - "$dir/ncrx.out" "$records" <<'PY' || fail "ncrx's output: $(grep -v ringgen "$dir/ncrx.out" | head -5)"
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
seqs = [int(m.group(1)) for l in lines if (m := re.search(r"ringgen seq=(\d+) ", l))]
# ncrx announces the stream's first seq; anything else (SEQ SKIPPED, OOS,
# INVAL) is a failure.
other = [l for l in lines if "ringgen seq=" not in l and l != "[   SEQ RESET] seq=0"]
if other:
    sys.exit("ncrx printed other lines: %s" % other[:3])
want = list(range(int(sys.argv[2])))
if seqs != want:
    missing = sorted(set(want) - set(seqs))
    sys.exit("%d records printed, %d missing (e.g. %s)" % (len(seqs), len(missing), missing[:5]))
print("ncrx printed all %d records in order, none skipped" % len(seqs))
PY
grep -q 'retransmits [1-9]' "$dir/log" || fail "nothing was resent: $(grep target "$dir/log")"
