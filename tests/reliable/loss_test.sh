#!/usr/bin/env bash
# Reliable delivery over a lossy link (issue 13): pmdcon on net_af_packet in
# one namespace, pmdcon-rx in the other, joined by a veth. In the collector's
# namespace nftables drops a random share of the data on its input hook and
# of the acknowledgements on its output hook (on pmdcon's side af_packet
# sees frames before netfilter, so rules there would not apply). For each
# loss rate: with `reliable: true`, `auth` and --ack --auth_keys every
# record arrives, none announced lost; without them the same link loses
# records. Reliable without auth is reported: the collector proved no key,
# so pmdcon resends on request no more bytes than its address sent (issue
# 23), and repairs the rest by its own emergencies; it must do no worse
# than plain. The authenticated run also stops the collector for 1.5 s
# halfway (SIGSTOP, as a busy host might): 30,000 records pile up in its
# socket buffer, and the resends of the holes before them come after. At
# 30 % that is ~10,000 holes at once: --ack_holes=32768 tracks them all
# (the default, 8,192, would give up the oldest).
# RELIABLE_RECORDS (100000) and RELIABLE_LOSS ("1 10 30") narrow it for
# daily work. Needs root; cleans up its namespaces and processes.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3 dump=$4
# Under the sanitizers (scripts/test's ASan tree) the point is memory errors,
# not scale: 20,000 records, at the rate that exercises the most
# (emergencies included).
default=100000 default_rates="1 10 30"
[ "${PMDCON_SANITIZED:-}" = 1 ] && default=20000 default_rates=30
records=${RELIABLE_RECORDS:-$default}
rates=${RELIABLE_LOSS:-$default_rates}
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/../netns.sh"
key_files "$dir"
# run NAME PCT MODE RX-ARGS...: MODE plain, reliable or auth (reliable and
# sealed); seq 0 over the clean link (a receiver
# cannot ask for what came before the first record it saw, ncrx alike), then
# $records records, seq 1 on, written at 20,000/s while PCT % are dropped;
# the collector's summary in $dir/NAME.rx.
run() {
  local name=$1 pct=$2 mode=$3 target="{name: t, dst_ip: 10.99.0.2"
  shift 3
  case $mode in
  plain) target+="}" ;;
  reliable) target+=", reliable: true}" ;;
  auth) target+=", reliable: true, auth: {key_file: $dir/tx.keys}}" ;;
  esac
  lossy_link "$rxns" 0
  rm -f "$dir/ring" "$dir/ready"
  "$gen" --ring="$dir/ring" --size=64M --count=1 >/dev/null 2>&1 # seq 0
  veth_config "$dir/ring" "$target" >"$dir/c.yaml"
  # A lost last record is only resent as an emergency, ack_timeout (10 s)
  # after it was sent: a reliable collector waits longer than that for it.
  # Without auth, what is left after 60 s is what the run delivers.
  local idle=3 duration=150
  [ "$mode" != plain ] && idle=13
  [ "$mode" = reliable ] && duration=60
  # It stops early once it has every record (the reliable runs should).
  ip netns exec "$rxns" "$rx" --listen=10.99.0.2:6666 --quiet \
    --ready_file="$dir/ready" --expect=0-$records --idle=$idle --duration=$duration \
    --count=$((records + 1)) "$@" \
    2>"$dir/$name.rx" &
  local rxpid=$!
  wait_ready "$dir/ready" "$dir/$name.rx"
  ip netns exec "$tx" "$pmdcon" --config "$dir/c.yaml" >"$dir/$name.log" 2>&1 &
  local pid=$!
  wait_ring_sent "$dir/ring" "$dir/$name.log"  # seq 0 (reliable: acknowledged)
  lossy_link "$rxns" "$pct"
  local stall=
  if [ "$mode" = auth ]; then
    local half=$(awk "BEGIN { print $records / 40000 }")
    # The stall under test: 1.5 s, halfway through the writer's run.
    (sleep "$half" && kill -STOP "$rxpid" && sleep 1.5 && kill -CONT "$rxpid") &
    stall=$!
  fi
  "$gen" --ring="$dir/ring" --count="$records" --seq_start=1 \
    --rate=20000 >/dev/null 2>&1
  [ -z "$stall" ] || wait "$stall" || kill -CONT "$rxpid"
  wait "$rxpid" || true  # the summary says what arrived
  kill -TERM "$pid"
  wait "$pid" || fail "$name: pmdcon: $(tail -3 "$dir/$name.log")"
}

# delivered FILE: of seq 1-$records, the records the collector's summary
# counts: the seqs up to the newest it saw, neither missing nor announced
# lost (a loss notice takes the seq of the last record it covers).
delivered() {
  local line last missing announced
  line=$(grep -m1 '^10\.99\.0\.1[^ ]*: records' "$1") || return 0
  last=$(sed -n 's/.*, seq 0-\([0-9]*\), .*/\1/p' <<<"$line")
  missing=$(sed -n 's/.*, missing \([0-9]*\) in.*/\1/p' <<<"$line")
  announced=$(sed -n 's/.*, announced lost \([0-9]*\),.*/\1/p' <<<"$line")
  # Unparsed (a restart, say): nothing, and the caller fails saying why.
  if [ -n "$last" ] && [ -n "$missing" ] && [ -n "$announced" ]; then
    echo $((last - missing - announced))
  fi
}

printf '%-6s %-22s %-28s %-28s\n' loss "plain: delivered" "reliable, no key: delivered" "reliable + auth: delivered"
for pct in $rates; do
  run "plain$pct" "$pct" plain
  run "unauth$pct" "$pct" reliable --ack --give_up_ms=60000 --ack_holes=32768
  run "rel$pct" "$pct" auth --ack --give_up_ms=60000 --ack_holes=32768 \
    --auth_keys="$dir/rx.keys"
  plain=$(delivered "$dir/plain$pct.rx") rel=$(delivered "$dir/rel$pct.rx")
  unauth=$(delivered "$dir/unauth$pct.rx")
  [ -n "$plain" ] && [ -n "$rel" ] && [ -n "$unauth" ] ||
    fail "loss $pct %: no summary: $(tail -5 "$dir/plain$pct.rx" "$dir/unauth$pct.rx" "$dir/rel$pct.rx")"
  printf '%-6s %-22s %-28s %-28s\n' "$pct %" "$plain of $records" "$unauth of $records" "$rel of $records"
  [ "$rel" = "$records" ] && ! grep -q FAIL "$dir/rel$pct.rx" ||
    fail "loss $pct %: reliable: $(cat "$dir/rel$pct.rx"; grep -h acked "$dir/rel$pct.log")"
  grep -q "seq 0-$records, missing 0 in 0 gaps, announced lost 0.*authenticated [0-9]*, refused 0" "$dir/rel$pct.rx" ||
    fail "loss $pct %: reliable: $(cat "$dir/rel$pct.rx")"
  [ "$plain" -lt "$records" ] || fail "loss $pct %: the plain run lost nothing: the link is not lossy"
  [ "$unauth" -ge "$plain" ] || fail "loss $pct %: reliable without a key did worse than plain"
  grep -h 'acked seq' "$dir/unauth$pct.log" "$dir/rel$pct.log" | sed "s/^/  /"
done
