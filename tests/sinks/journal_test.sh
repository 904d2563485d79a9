#!/usr/bin/env bash
# journal_test.sh PMDCON_RX WIRESEND: pmdcon-rx --sink=journal into a real
# systemd-journald (Debian's), and journalctl reading back what arrived:
# every record once, with its native fields. journald runs in a mount
# namespace of this test's own, over tmpfs /run (and /var/log/journal),
# so the host's journal, if any, is never touched.
set -euo pipefail
rx=$(realpath "$1") send=$(realpath "$2")
journald=/lib/systemd/systemd-journald
[ -x "$journald" ] || { echo "FAIL: no $journald (Debian's systemd)"; exit 1; }
if [ "${1:-}" != --inside ] && [ -z "${JOURNAL_TEST_INSIDE:-}" ]; then
  exec env JOURNAL_TEST_INSIDE=1 unshare -m --propagation private bash "$0" "$rx" "$send"
fi
mount -t tmpfs tmpfs /run
[ -d /var/log/journal ] && mount -t tmpfs tmpfs /var/log/journal
source "$(dirname "$0")/../scratch.sh"
"$journald" 2>"$dir/journald.err" &
wait_for 30 test -S /run/systemd/journal/socket ||
  fail "journald did not start: $(cat "$dir/journald.err")"
# Until told to flush (journalctl --flush), journald keeps the journal
# under /run: this test never tells it.
store=/run/log/journal

n=3000
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$rx" --listen=127.0.0.1:$port --sink=journal --idle=2 --duration=60 \
  --ready_file="$dir/ready" 2>"$dir/rx.err" &
rxpid=$!
wait_ready "$dir/ready" "$dir/rx.err"
"$send" --to=127.0.0.1:$port --count=$n --rate=3000 --release=6.12.0-test \
  --userdata=rack=r12 >/dev/null
wait "$rxpid" || fail "pmdcon-rx: $(cat "$dir/rx.err")"
grep '^output journal' "$dir/rx.err"
grep -q "^output journal:/run/systemd/journal/socket: $n records, $n delivered, 0 pending, 0 dropped" \
  "$dir/rx.err" || fail "$(cat "$dir/rx.err")"
# entries: the records' entries in the journal, as JSON lines; holds N: at
# least N of them (journald writes what it read from its socket).
entries() { journalctl -D "$store" --no-pager -o json SYSLOG_IDENTIFIER=netconsole 2>/dev/null; }
holds() { (($(entries | wc -l) >= $1)); }
wait_for 30 holds $n || fail "the journal holds $(entries | wc -l) of $n entries"
entries >"$dir/entries.json"
python3 - "$dir/entries.json" "$n" <<'PY' || fail "the journal's entries"
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
seqs = sorted(int(e["NETCONSOLE_SEQ"]) for e in entries)
assert seqs == list(range(n)), f"{len(seqs)} entries, {len(set(seqs))} distinct seqs"
e = entries[0]
for field, want in (("PRIORITY", None), ("SYSLOG_FACILITY", None),
                    ("NETCONSOLE_RELEASE", "6.12.0-test"),
                    ("NETCONSOLE_USERDATA_RACK", "r12")):
    assert field in e, f"no {field}: {e}"
    assert want is None or e[field] == want, f"{field}={e[field]!r}"
assert e["NETCONSOLE_SOURCE"].startswith("127.0.0.1:"), e["NETCONSOLE_SOURCE"]
assert e["MESSAGE"], e
print(f"journal: {n} of {n} records, fields {sorted(k for k in e if k.startswith('NETCONSOLE_'))}")
PY
