#!/usr/bin/env bash
# pmdcon-rx end to end on loopback: pmdcon-wiresend sends N records at a
# series of rates and pmdcon-rx (quiet) counts what arrived. Prints, per rate,
# the rate the sender achieved (the reference, same run) and what the receiver
# got, and the highest rate received without loss.
# Usage: bench/rx_loopback.sh BUILD_DIR [RECORDS]
set -euo pipefail
build=$1
records=${2:-400000}
rx=$build/src/pmdcon-rx
send=$build/src/tools/pmdcon-wiresend
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
best=0
printf '%-12s %14s %14s %10s %14s\n' "target pps" "sent pps" "received" "lost" "rx us/packet"
for rate in 250000 500000 750000 1000000 0; do
  rm -f "$dir/ready"
  "$rx" --listen=127.0.0.1:$port --quiet --idle=1 --duration=120 \
    --ready_file="$dir/ready" 2>"$dir/rx.err" &
  rxpid=$!
  for _ in $(seq 100); do [ -e "$dir/ready" ] && break; sleep 0.05; done
  t0=$(date +%s%N)
  "$send" --to=127.0.0.1:$port --count="$records" --text_size=100 \
    --rate="$rate" >/dev/null
  t1=$(date +%s%N)
  wait "$rxpid" || true
  got=$(grep -o 'records [0-9]*' "$dir/rx.err" | head -1 | cut -d' ' -f2)
  got=${got:-0}
  sent_pps=$((records * 1000000000 / (t1 - t0)))
  lost=$((records - got))
  us=$(grep -o '([0-9.]* us each)' "$dir/rx.err" | tr -d '(' | cut -d' ' -f1)
  printf '%-12s %14d %14d %10d %14s\n' "${rate/#0/max}" "$sent_pps" "$got" "$lost" "$us"
  if [ "$lost" = 0 ] && [ "$sent_pps" -gt "$best" ]; then best=$sent_pps; fi
done
echo "highest rate received without loss: $best packets/s (target >= 500000)"
echo "(the sender's core limits the rate: on loopback the kernel's receive path"
echo " runs in the sender's context; rx us/packet is pmdcon-rx's own CPU time)"
