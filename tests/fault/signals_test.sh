#!/usr/bin/env bash
# Signals at odd moments (issue 24, items 4 and 6):
#  1. pmdcon: SIGHUP 0.05, 0.2 and 0.4 s after start (EAL and the port
#     still starting) does not kill it: it runs on, and SIGTERM then ends it
#     with 0. SIGTERM 0.05 s after start ends it with 0 too, not by signal.
#     A SIGHUP whose file changes nothing restarts no engine.
#  2. pmdcon-rx: SIGHUP reopens --output: logrotate, with the snippet the
#     package installs (config/logrotate/pmdcon-rx, its paths and reload
#     pointed here), moves the file away and the records after it go to a
#     new file, none lost. A SIGHUP at start does not kill it either.
#     SIGTERM then ends it with its summary.
set -euo pipefail
pmdcon=$1 rx=$2 gen=$3 send=$4
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/../scratch.sh"
command -v logrotate >/dev/null || fail "logrotate (Debian's logrotate) is not installed"
source "$(dirname "$0")/../rx/start_rx.sh"
source "$top/scripts/lib.sh"

"$gen" --ring="$dir/ring" --size=1M --count=10 >/dev/null 2>&1
null_config "$dir/ring" >"$dir/c.yaml"
# when_caught PID SIG NUMBER: sends SIG once PID catches it (SigCgt): a
# signal before main() runs, the loader's and the sanitizers' time, kills
# any program; from main on it must not.
when_caught() {
  local mask
  for _ in $(seq 500); do
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || mask=
    if [ -n "$mask" ] && (( (16#$mask >> ($3 - 1)) & 1 )); then
      kill -"$2" "$1"
      return
    fi
    sleep 0.01  # polls at 10 ms: the signal is to come early
  done
  fail "pid $1 never caught SIG$2"
}
hup_when_caught() { when_caught "$1" HUP 1; }
# hup_taken PID LOG: pmdcon reported on the (unchanged) file, or it is gone.
hup_taken() { grep -q 'SIGHUP: .* unchanged; running on' "$2" || gone "$1"; }

# 1. pmdcon.
for at in 0.05 0.2 0.4; do
  "$pmdcon" --config "$dir/c.yaml" >"$dir/hup$at.log" 2>&1 &
  pid=$!
  sleep "$at"  # the moment under test
  hup_when_caught "$pid"
  # The first is sent while EAL and the port are still starting.
  [ "$at" != 0.05 ] || ! grep -q 'TX on lcore' "$dir/hup$at.log" ||
    fail "SIGHUP at $at s came after the start: the test no longer reaches it"
  # Taken once pmdcon says what it made of the file (or it died of it).
  wait_for 30 hup_taken "$pid" "$dir/hup$at.log" ||
    fail "SIGHUP at $at s: no word of it: $(tail -3 "$dir/hup$at.log")"
  kill -0 "$pid" 2>/dev/null || { rc=0; wait "$pid" || rc=$?; fail "SIGHUP at $at s killed pmdcon (rc $rc): $(tail -3 "$dir/hup$at.log")"; }
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || fail "SIGHUP at $at s, then SIGTERM: rc $rc: $(tail -3 "$dir/hup$at.log")"
  grep -q "SIGHUP: $dir/c.yaml unchanged; running on" "$dir/hup$at.log" ||
    fail "SIGHUP at $at s: not taken as a reload request: $(grep -i sighup "$dir/hup$at.log")"
  [ "$(grep -c 'TX on lcore' "$dir/hup$at.log")" = 1 ] ||
    fail "SIGHUP at $at s: an unchanged file restarted the engine"
  echo "pmdcon: SIGHUP at $at s: ran on, SIGTERM: rc 0"
done
"$pmdcon" --config "$dir/c.yaml" >"$dir/term.log" 2>&1 &
pid=$!
sleep 0.05  # the moment under test
when_caught "$pid" TERM 15
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "SIGTERM at 0.05 s: rc $rc: $(tail -3 "$dir/term.log")"
echo "pmdcon: SIGTERM at 0.05 s: rc 0 ($(tail -1 "$dir/term.log"))"

# 2. pmdcon-rx: logrotate's move-and-HUP, and a HUP at once.
"$rx" --listen=127.0.0.1:$port --output="$dir/early.txt" --duration=2 \
  >/dev/null 2>"$dir/early.err" &
pid=$!
sleep 0.02  # the moment under test
hup_when_caught "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "pmdcon-rx: SIGHUP at 0.02 s: rc $rc: $(cat "$dir/early.err")"
start_rx rot --listen=127.0.0.1:$port --output="$dir/out.txt" --duration=60
"$send" --to=127.0.0.1:$port --count=100 >/dev/null
wait_for 30 has_lines "$dir/out.txt" 100 || fail "pmdcon-rx: $(lines "$dir/out.txt") of 100 records in $dir/out.txt"
sed -e "s|^/var/log/pmdcon-rx/.*{|$dir/out.txt {|" \
  -e "s|systemctl reload pmdcon-rx.service|kill -HUP $rx_pid|" \
  "$top/config/logrotate/pmdcon-rx" >"$dir/logrotate.conf"
grep -q "^$dir/out.txt {" "$dir/logrotate.conf" && grep -q "kill -HUP $rx_pid" "$dir/logrotate.conf" ||
  fail "the logrotate snippet no longer reads as this test expects: $(cat "$dir/logrotate.conf")"
logrotate -f -s "$dir/logrotate.state" "$dir/logrotate.conf" || fail "logrotate failed"
wait_for 30 grep -q 'output files reopened' "$dir/rot.err" || fail "no reopen: $(cat "$dir/rot.err")"
"$send" --to=127.0.0.1:$port --count=50 --seq_start=100 >/dev/null
wait_for 30 has_lines "$dir/out.txt" 50 || fail "pmdcon-rx: $(lines "$dir/out.txt") of 50 records in the new $dir/out.txt"
kill -TERM "$rx_pid"
wait_rx
[ "$rc" = 0 ] || fail "pmdcon-rx: SIGTERM after SIGHUP: rc $rc: $(cat "$dir/rot.err")"
grep -q 'SIGHUP: 1 output files reopened' "$dir/rot.err" || fail "no reopen: $(cat "$dir/rot.err")"
[ "$(wc -l <"$dir/out.txt.1")" = 100 ] && [ "$(wc -l <"$dir/out.txt")" = 50 ] ||
  fail "rotated: $(wc -l <"$dir/out.txt.1") lines before, $(wc -l <"$dir/out.txt" 2>/dev/null) after (100, 50)"
grep -q "output $dir/out.txt: 150 records, 150 delivered, 0 pending" "$dir/rot.err" ||
  fail "summary: $(cat "$dir/rot.err")"
echo "pmdcon-rx: logrotate and SIGHUP: 100 records in the rotated file, 50 in the new one; SIGTERM: rc 0, summary"
