#!/usr/bin/env bash
# pmdcon-rx on loopback against real senders: pmdcon-wiresend (pmdcon's own
# encoder, fragments shuffled) and plain socat. Checks the oracle's verdicts,
# JSON output, IPv6, malformed input and CLI errors.
set -euo pipefail
rx=$(realpath "$1") send=$2
here=$(dirname "$0")
source "$here/../scratch.sh"
source "$here/start_rx.sh"

# 1. 20000 fragmented records, fragments shuffled within windows of 16:
#    complete, in JSON, and the oracle passes.
start_rx ok --listen=127.0.0.1:$port --format=json --output="$dir/ok.jsonl" \
  --count=20000 --expect=0-19999 --fail_on_gap --fail_on_malformed --duration=60
"$send" --to=127.0.0.1:$port --count=20000 --text_size=1800 --shuffle_window=16 \
  --userdata=host=db1 --sysdata=cpu,msgid --rate=50000 >/dev/null
wait_rx
[ "$rc" = 0 ] || fail "oracle should pass: $(cat "$dir/ok.err")"
[ "$(wc -l <"$dir/ok.jsonl")" = 20000 ] || fail "expected 20000 JSON lines"
grep -q '"seq":12345,.*"text":"wiresend seq=12345 www' "$dir/ok.jsonl" || fail "record 12345"
grep -q '"userdata":{"host":"db1"},"sysdata":{"cpu":"1","msgid":"12346"},"fragments":2' "$dir/ok.jsonl" ||
  fail "fields of record 12345: $(grep '"seq":12345,' "$dir/ok.jsonl" | tail -c 200)"
grep -q 'records 20000, .*missing 0 in 0 gaps.*malformed 0, reassembly failures 0' "$dir/ok.err" ||
  fail "summary: $(cat "$dir/ok.err")"

# 2. A gap the sender made: --fail_on_gap fails and names it.
start_rx gap --listen=127.0.0.1:$port --idle=1 --fail_on_gap --quiet --duration=30
"$send" --to=127.0.0.1:$port --count=100 --skip=40-49 >/dev/null
wait_rx
[ "$rc" = 1 ] || fail "a gap must fail the oracle (rc $rc)"
grep -q 'missing 10 in 1 gaps (40-49)' "$dir/gap.err" || fail "gap summary: $(cat "$dir/gap.err")"
grep -q 'FAIL: 127.0.0.1:[0-9]*: 10 records missing' "$dir/gap.err" || fail "gap verdict"

# 3. An expected range that is incomplete fails even without --fail_on_gap.
start_rx exp --listen=127.0.0.1:$port --idle=1 --expect=0-199 --quiet --duration=30
"$send" --to=127.0.0.1:$port --count=150 >/dev/null
wait_rx
[ "$rc" = 1 ] || fail "incomplete --expect must fail"
grep -q 'seq 0-199 incomplete' "$dir/exp.err" || fail "expect verdict: $(cat "$dir/exp.err")"

# 4. Duplicates are suppressed by seq and counted; not a failure.
start_rx dup --listen=127.0.0.1:$port --idle=1 --expect=0-299 --fail_on_gap --duration=30
"$send" --to=127.0.0.1:$port --count=300 --duplicate_every=3 >/dev/null
wait_rx
[ "$rc" = 0 ] || fail "duplicates are not a failure: $(cat "$dir/dup.err")"
[ "$(grep -c 'wiresend seq=' "$dir/dup.out")" = 300 ] || fail "each record once"
grep -q 'duplicates 100' "$dir/dup.err" || fail "duplicate count: $(cat "$dir/dup.err")"

# 5. A plain socat sender: extended and basic payloads arrive unchanged.
start_rx socat --listen=127.0.0.1:$port --count=2 --duration=30
printf '6,7,8000000,-;hello from socat\n' | socat -u - UDP4-SENDTO:127.0.0.1:$port
printf '[    8.000000] a basic line\n' | socat -u - UDP4-SENDTO:127.0.0.1:$port
wait_rx
[ "$rc" = 0 ] || fail "socat run"
grep -q '^\[    8.000000\] 127.0.0.1:[0-9]* #7 <6> hello from socat$' "$dir/socat.out" ||
  fail "socat record: $(cat "$dir/socat.out")"
grep -q '^127.0.0.1:[0-9]* | \[    8.000000\] a basic line$' "$dir/socat.out" || fail "basic line"

# 6. IPv6 on ::1.
start_rx v6 "--listen=[::1]:$port" --count=50 --expect=0-49 --fail_on_gap --quiet --duration=30
"$send" "--to=[::1]:$port" --count=50 --text_size=2500 --shuffle_window=4 >/dev/null
wait_rx
[ "$rc" = 0 ] || fail "IPv6: $(cat "$dir/v6.err")"
grep -q '^\[::1\]:[0-9]*: records 50' "$dir/v6.err" || fail "IPv6 source name"

# 7. Malformed input is counted and fails --fail_on_malformed; the stream goes on.
start_rx bad --listen=127.0.0.1:$port --idle=1 --fail_on_malformed --quiet --duration=30
# One source, like a kernel sending from its fixed port.
sport=$((port + 1))
printf '6,1,2,-,ncfrag=0/0;x' | socat -u - UDP4-SENDTO:127.0.0.1:$port,sourceport=$sport
printf '6,1,1x,-;bad number\n' | socat -u - UDP4-SENDTO:127.0.0.1:$port,sourceport=$sport
printf '6,2,2,-;fine\n' | socat -u - UDP4-SENDTO:127.0.0.1:$port,sourceport=$sport
wait_rx
[ "$rc" = 1 ] || fail "malformed must fail"
grep -q 'records 1, .*malformed 2' "$dir/bad.err" || fail "malformed counts: $(cat "$dir/bad.err")"

# 8. SIGUSR1 prints the summary while running; SIGTERM stops it cleanly.
start_rx usr1 --listen=127.0.0.1:$port --quiet --duration=30
"$send" --to=127.0.0.1:$port --count=7 >/dev/null
# summary: it printed one counting the 7 records; if not, asks again.
summary() { grep -q 'records 7,' "$dir/usr1.err" || { kill -USR1 "$rx_pid"; false; }; }
wait_for 30 summary || fail "no summary on SIGUSR1: $(cat "$dir/usr1.err")"
kill -TERM "$rx_pid"
wait_rx
[ "$rc" = 0 ] || fail "SIGTERM should exit 0 (rc $rc)"
[ "$(grep -c 'records 7,' "$dir/usr1.err")" -ge 2 ] || fail "summary again at exit"

# 9. CLI errors: exit 2 with a message naming the flag.
set +e
msg=$("$rx" --listen=127.0.0.1:notaport 2>&1); rc=$?
msg2=$("$rx" --format=xml 2>&1); rc2=$?
msg3=$("$rx" --expect=5 2>&1); rc3=$?
msg4=$("$rx" --ack --ack_holes=0 2>&1); rc4=$?
msg5=$(cd "$dir" && timeout 10 "$rx" --listen=127.0.0.1:$port --sink=syslog://127.0.0.1:514 2>&1); rc5=$?
msg6=$(cd "$dir" && timeout 10 "$rx" --listen=127.0.0.1:$port --sink=json://collector 2>&1); rc6=$?
msg7=$(timeout 10 "$rx" --listen=127.0.0.1:$port --rcvbuf=-5 2>&1); rc7=$?
set -e
[ "$rc" = 2 ] && [ "$msg" = 'pmdcon-rx: listen "127.0.0.1:notaport": bad port "notaport"' ] || fail "bad port: $msg"
[ "$rc2" = 2 ] && [ "$msg2" = 'pmdcon-rx: --format: "xml" is not text, json or syslog' ] || fail "bad format: $msg2"
[ "$rc3" = 2 ] && [ "$msg3" = 'pmdcon-rx: --expect: "5" is not FIRST-LAST' ] || fail "bad expect: $msg3"
[ "$rc4" = 2 ] && [ "$msg4" = 'pmdcon-rx: --ack_holes=0: out of range 1-1048576' ] || fail "bad --ack_holes: $msg4"
# A URL-looking FORMAT:FILE (issue 24, item 11: it wrote a file "//HOST").
[ "$rc5" = 2 ] && [[ "$msg5" == "pmdcon-rx: --sink=syslog://127.0.0.1:514: syslog:// is a URL no output speaks: syslog:FILE writes a file"* ]] ||
  fail "syslog://: $msg5"
[ "$rc6" = 2 ] && [[ "$msg6" == "pmdcon-rx: --sink=json://collector: json:// is a URL"* ]] || fail "json://: $msg6"
[ ! -e /127.0.0.1:514 ] && [ ! -e "$dir/collector" ] || fail "a URL-looking --sink created a file"
[ "$rc7" = 2 ] && [ "$msg7" = "pmdcon-rx: --rcvbuf=-5: must be a positive byte count" ] || fail "--rcvbuf=-5: $msg7"

# 10. A flagfile (the collector's small config file): one flag per line,
#     dashes optional, comments; a list flag given twice adds to its list,
#     on the command line too; a bad line is named with its file and number.
cat >"$dir/rx.flags" <<EOF2
# two outputs, one listener from here and one from the command line; the
# forms a config file takes (issue 24, items 9 and 16)
listen = 127.0.0.1:$port  # the collector's port
--sink json:$dir/one.jsonl
--sink=text:$dir/two.txt
format=json # a comment after a value
quiet
EOF2
start_rx flagfile --flagfile="$dir/rx.flags" --listen=127.0.0.1:$((port + 1)) \
  --count=200 --duration=30
"$send" --to=127.0.0.1:$port --count=100 >/dev/null
"$send" --to=127.0.0.1:$((port + 1)) --count=100 >/dev/null
wait_rx
[ "$rc" = 0 ] || fail "flagfile: exit $rc: $(cat "$dir/flagfile.err")"
[ "$(wc -l <"$dir/one.jsonl")" = 200 ] && [ "$(wc -l <"$dir/two.txt")" = 200 ] ||
  fail "flagfile: both outputs should hold 200 records: $(wc -l "$dir/one.jsonl" "$dir/two.txt")"
printf 'quiet\nworkers=two\n' >"$dir/bad.flags"
# A value checked after parsing names the file's line too (issue 24, item 16).
printf 'quiet\nformat = xml  # no such format\n' >"$dir/badval.flags"
set +e
msg5=$(timeout 10 "$rx" --flagfile="$dir/badval.flags" 2>&1); rc5=$?
set -e
[ "$rc5" = 2 ] && [ "$msg5" = "pmdcon-rx: $dir/badval.flags:2: --format: \"xml\" is not text, json or syslog" ] ||
  fail "a bad value from a flag file: $msg5"
set +e
msg=$("$rx" --flagfile="$dir/bad.flags" 2>&1); rc=$?
msg2=$("$rx" --flagfile="$dir/none.flags" 2>&1); rc2=$?
msg3=$("$rx" --flagfile=/dev/zero 2>&1); rc3=$?
msg4=$("$rx" --flagfile="$dir" 2>&1); rc4=$?
set -e
[ "$rc" = 2 ] && [[ "$msg" == "pmdcon-rx: $dir/bad.flags:2: --workers=two: "* ]] ||
  fail "bad flagfile line: $msg"
[ "$rc2" = 2 ] && [ "$msg2" = "pmdcon-rx: --flagfile: cannot read $dir/none.flags: No such file or directory" ] ||
  fail "missing flagfile: $msg2"
[ "$rc3" = 2 ] && [ "$msg3" = "pmdcon-rx: --flagfile: /dev/zero is not a regular file" ] ||
  fail "flagfile that reads forever: $msg3"
[ "$rc4" = 2 ] && [ "$msg4" = "pmdcon-rx: --flagfile: $dir is a directory, not a flag file" ] ||
  fail "flagfile that is a directory: $msg4"
# 11. Outputs whose peers are down (nothing listens on port 1): a NATS
#     server holds up neither the start nor the records (issue 24, item 3:
#     it hung in the first connect, forever); both say so on stderr while
#     pmdcon-rx runs, and the summary counts the failed connects (item 15:
#     silent, and "0 reconnects").
started=$SECONDS
# (Small queues: two outputs' default 64 MiB each, and libnats' buffer,
# would not fit the memory budget beside the sanitizers' own memory.)
start_rx down --listen=127.0.0.1:$port --sink=nats://127.0.0.1:1 \
  --sink=relp://127.0.0.1:1 --sink_queue_mb=4 --duration=3 --drain=0 --quiet
"$send" --to=127.0.0.1:$port --count=100 >/dev/null
wait_rx
[ $((SECONDS - started)) -le 10 ] || fail "outputs whose peers are down held pmdcon-rx up for $((SECONDS - started)) s"
grep -q 'records 100, ' "$dir/down.err" || fail "records while the peers are down: $(cat "$dir/down.err")"
grep -q 'output nats://127.0.0.1:1: 100 records, 0 delivered' "$dir/down.err" ||
  fail "the NATS output's summary: $(grep output "$dir/down.err")"
grep -Eq 'output relp://127.0.0.1:1: 100 records, 0 delivered, .* reconnects, [1-9][0-9]* connects failed' "$dir/down.err" ||
  fail "the RELP output's summary: $(grep output "$dir/down.err")"
grep -q '^pmdcon-rx: output nats://127.0.0.1:1 (worker [0-9]*): not connected yet' "$dir/down.err" &&
  grep -q '^pmdcon-rx: output relp://127.0.0.1:1 (worker [0-9]*): connect: Connection refused' "$dir/down.err" ||
  fail "no word while the peers were down: $(cat "$dir/down.err")"

# 12. A file name holding a ',' (issue 24, item 9: --sink split there and
#     named "--sink=b.jsonl"), next to a second output in the same flag.
start_rx comma --listen=127.0.0.1:$port "--sink=json:$dir/a,b.jsonl,text:$dir/c.txt" \
  --count=10 --duration=30
"$send" --to=127.0.0.1:$port --count=10 >/dev/null
wait_rx
[ "$rc" = 0 ] || fail "a ',' in a --sink file name: exit $rc: $(cat "$dir/comma.err")"
[ "$(wc -l <"$dir/a,b.jsonl")" = 10 ] && [ "$(wc -l <"$dir/c.txt")" = 10 ] ||
  fail "a ',' in a --sink file name: $(ls "$dir")"

# 13. --help names --flagfile and --version; --version prints it, exit 0.
"$rx" --help | grep -q -- '--flagfile=FILE' || fail "--help does not mention --flagfile"
"$rx" --version | grep -Eq '^pmdcon-rx [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version: $("$rx" --version 2>&1)"

# 14. Unprivileged, the receive buffer the kernel grants is capped by
#     net.core.rmem_max: said, with the sysctl (issue 24, item 17: silent).
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    "$rx" --listen=127.0.0.1:$port --duration=0.1 --rcvbuf=$((1 << 30)) 2>&1) ||
    fail "unprivileged pmdcon-rx: $out"
  grep -q "the receive buffer is [0-9]* bytes, not --rcvbuf=1073741824: the kernel caps it at net.core.rmem_max" <<<"$out" ||
    fail "no word of the capped receive buffer: $out"
fi

echo "pmdcon-rx loopback: all checks passed"
