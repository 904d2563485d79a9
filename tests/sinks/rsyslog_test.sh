#!/usr/bin/env bash
# rsyslog_test.sh PMDCON_RX WIRESEND: pmdcon-rx hands records to a real
# rsyslogd (Debian's rsyslog and rsyslog-relp) on loopback, as RFC 5424
# messages, over RELP (imrelp) and over octet-counted TCP (imtcp). Over
# RELP, rsyslogd is stopped mid-stream and started again 2 s later: every
# record arrives exactly once, its structured data intact. rsyslogd runs
# from a configuration of its own in a scratch directory (no /dev/log, no
# system log touched) with a direct main queue: a message is written before
# it is acknowledged. Then RELP again, with a queue too small for the outage
# and a spill directory.
set -euo pipefail
rx=$1 send=$2
source "$(dirname "$0")/../scratch.sh"
command -v rsyslogd >/dev/null || fail "rsyslogd is not installed (Debian's rsyslog)"
moddir=$(dirname "$(dpkg -L rsyslog | grep '/imtcp.so$')")
[ -e "$moddir/imrelp.so" ] || fail "no imrelp.so (Debian's rsyslog-relp)"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
relp=$(port) tcp=$(port) udp=$(port)
mkdir "$dir/work"
cat >"$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir/work")
main_queue(queue.type="direct")
module(load="$moddir/imrelp.so")
module(load="$moddir/imtcp.so")
input(type="imrelp" port="$relp" address="127.0.0.1")
input(type="imtcp" port="$tcp" address="127.0.0.1")
template(name="sd" type="string" string="%inputname% %structured-data% %msg%\n")
*.* action(type="omfile" file="$dir/out.log" template="sd")
CONF
# listening: rsyslogd takes connections on both ports.
listening() { ss -ltn | grep -q "127.0.0.1:$relp " && ss -ltn | grep -q "127.0.0.1:$tcp "; }
start_rsyslog() {
  rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslog.pid" 2>>"$dir/rsyslog.err" &
  rsyslog_pid=$!
  wait_for 30 listening || fail "rsyslogd did not listen: $(cat "$dir/rsyslog.err")"
}
stop_rsyslog() {
  kill -TERM "$rsyslog_pid"
  wait "$rsyslog_pid" || true
}
# seqs INPUT: the seq of each record rsyslog wrote for that input, sorted.
seqs() { grep "^$1 " "$dir/out.log" | grep -oE ' seq="[0-9]+"' | tr -dc '0-9\n' | sort -n; }
# written INPUT N: rsyslog wrote N records for that input, at least.
written() { (($(seqs "$1" | wc -l) >= $2)); }
check() { # check INPUT N [FIRST]: seqs FIRST..FIRST+N-1, each exactly once
  local first=${3:-0} got dups
  got=$(seqs "$1" | awk -v f="$first" '$1 >= f' | uniq | wc -l)
  dups=$(seqs "$1" | awk -v f="$first" '$1 >= f' | uniq -d | wc -l)
  [ "$got" = "$2" ] && [ "$dups" = 0 ] &&
    [ "$(seqs "$1" | awk -v f="$first" '$1 >= f' | head -1)" = "$first" ] &&
    [ "$(seqs "$1" | tail -1)" = $((first + $2 - 1)) ] ||
    fail "$1: $got distinct of $2 records, $dups duplicated: $(tail -3 "$dir/rx.err")"
}
# relp_restart N FIRST RATE AWAY_AFTER ARGS...: N records from seq FIRST at
# RATE/s to pmdcon-rx (with ARGS) over RELP; rsyslogd stops AWAY_AFTER
# seconds in and starts again 2 s later. Every record delivered, rsyslogd's
# restart seen; pmdcon-rx's summary is in $dir/rx.err.
relp_restart() {
  local n=$1 first=$2 rate=$3 after=$4 rxpid sendpid
  shift 4
  rm -f "$dir/ready"
  "$rx" --listen=127.0.0.1:$udp --sink=relp://127.0.0.1:$relp --idle=4 --duration=60 \
    --ready_file="$dir/ready" "$@" 2>"$dir/rx.err" &
  rxpid=$!
  wait_ready "$dir/ready" "$dir/rx.err"
  "$send" --to=127.0.0.1:$udp --count="$n" --seq_start="$first" --rate="$rate" \
    --userdata=rack=r12 >/dev/null &
  sendpid=$!
  sleep "$after"  # the moment under test
  stop_rsyslog
  sleep 2  # the outage under test
  start_rsyslog
  wait "$sendpid"
  wait "$rxpid" || fail "pmdcon-rx: $(cat "$dir/rx.err")"
  grep '^output relp' "$dir/rx.err"
  grep -q "^output relp://127.0.0.1:$relp: $n records, $n delivered, 0 pending, 0 dropped" "$dir/rx.err" ||
    fail "relp: $(cat "$dir/rx.err")"
  grep '^output relp' "$dir/rx.err" | grep -qE ' [1-9][0-9]* reconnects' ||
    fail "rsyslogd's restart was not seen"
  check imrelp "$n" "$first"
}

start_rsyslog
# 1. RELP, with rsyslogd restarted 2 s into a 6 s stream.
n=12000
relp_restart $n 0 2000 2
grep -m1 '^imrelp ' "$dir/out.log" | grep -q 'userdata@32473 rack="r12"' ||
  fail "structured data: $(grep -m1 '^imrelp ' "$dir/out.log")"
echo "relp: $n of $n records exactly once across an rsyslogd restart"

# 2. Octet-counted TCP (imtcp): no restart, nothing acknowledges it.
rm -f "$dir/ready"
"$rx" --listen=127.0.0.1:$udp --sink=syslog+tcp://127.0.0.1:$tcp --idle=2 --duration=60 \
  --ready_file="$dir/ready" 2>"$dir/rx.err" &
rxpid=$!
wait_ready "$dir/ready" "$dir/rx.err"
"$send" --to=127.0.0.1:$udp --count=2000 --rate=4000 --text_size=300 >/dev/null
wait "$rxpid" || fail "pmdcon-rx: $(cat "$dir/rx.err")"
# rsyslogd writes what it read.
wait_for 30 written imtcp 2000 || fail "imtcp: $(seqs imtcp | wc -l) of 2000 records written"
check imtcp 2000
echo "syslog+tcp: 2000 of 2000 records"

# 3. RELP with a small memory queue (--sink_queue_mb=1) and a spill
#    directory: rsyslogd is away for 2 s while 5000 records/s arrive, more
#    than the queue holds. The rest wait on disk, in order: every record
#    arrives exactly once, and some went through the spill file.
mkdir "$dir/spill"
relp_restart 20000 100000 5000 0.5 --sink_queue_mb=1 --sink_spill="$dir/spill"
grep '^output relp' "$dir/rx.err" | grep -qE ', [1-9][0-9]* spilled' ||
  fail "nothing was spilled"
[ -z "$(ls -A "$dir/spill")" ] || fail "spill files left behind: $(ls -A "$dir/spill")"
echo "relp with spill: 20000 of 20000 records exactly once, past a 1 MiB queue"
stop_rsyslog
