# Sourced by the tests that scrape pmdcon and pmdcon-rx with a real
# Prometheus (Debian's /usr/bin/prometheus), after scratch.sh (and
# netns.sh): it runs on 127.0.0.1 at a free port, in namespace $PROM_NETNS
# if that is set (the programs' metrics must be reachable from there),
# scrapes and evaluates every second, keeps its data under $dir, and is
# stopped on exit before the scratch directory goes. Skips the test (77)
# without Prometheus. What it defines:
#   start_prometheus [--rules FILE] JOB=HOST:PORT...  one job per target
#   prom_query EXPR           the value of EXPR (a scalar, or a vector of
#                             exactly one sample), printed; fails otherwise
#   prom_wait_target_up JOB   Prometheus scraped JOB successfully (30 s)
#   prom_wait_scraped_after JOB EPOCH  JOB's last scrape began after EPOCH
#                             (date +%s.%N): what it holds is that late
#   prom_rules_ok             every rule of --rules evaluated without error
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
[ -x "$PROMETHEUS" ] || { echo "SKIP: $PROMETHEUS (Debian's prometheus) is not installed"; exit 77; }
prom_pid= prom_url= prom_in=()
[ -n "${PROM_NETNS:-}" ] && prom_in=(ip netns exec "$PROM_NETNS")

# Stopped first on exit, then whatever the trap did before (scratch.sh's
# cleanup, netns.sh's namespaces).
prom_stop() {
  [ -n "$prom_pid" ] || return 0
  kill -TERM "$prom_pid" 2>/dev/null || true
  wait_for 10 gone "$prom_pid" || kill -KILL "$prom_pid" 2>/dev/null || true
  wait "$prom_pid" 2>/dev/null || true
  prom_pid=
}
prom_chain_trap() {
  eval "set -- $(trap -p EXIT)"  # trap -- 'COMMANDS' EXIT
  trap "prom_stop; ${3:-}" EXIT
}
prom_chain_trap

# prom_api PATH [EXPR [TIME]]: the HTTP API's answer. For /api/v1/query the
# value of EXPR (at TIME, default now) as above; for other paths the JSON.
prom_api() {
  "${prom_in[@]}" python3 - "$prom_url" "$@" <<'PY'
import json, sys, urllib.parse, urllib.request
url, path = sys.argv[1], sys.argv[2]
if path == "/api/v1/query":
    q = {"query": sys.argv[3]}
    if len(sys.argv) > 4:
        q["time"] = sys.argv[4]
    path += "?" + urllib.parse.urlencode(q)
try:
    with urllib.request.urlopen(url + path, timeout=5) as r:
        body = r.read().decode()
except OSError as e:
    sys.exit(f"{path}: {e}")
if not path.startswith("/api/v1/query?"):
    print(body)
    sys.exit(0)
data = json.loads(body)["data"]
if data["resultType"] == "scalar":
    print(data["result"][1])
elif len(data["result"]) == 1:
    print(data["result"][0]["value"][1])
else:
    sys.exit(f"{sys.argv[3]}: {len(data['result'])} samples: {data['result']}")
PY
}
prom_query() { prom_api /api/v1/query "$@"; }

start_prometheus() {
  local rules= t port
  if [ "${1:-}" = --rules ]; then rules=$(realpath "$2"); shift 2; fi
  mkdir -p "$dir/prometheus"
  {
    echo "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}"
    [ -z "$rules" ] || echo "rule_files: [\"$rules\"]"
    echo "scrape_configs:"
    for t in "$@"; do
      echo "  - {job_name: \"${t%%=*}\", static_configs: [{targets: [\"${t#*=}\"]}]}"
    done
  } >"$dir/prometheus/prometheus.yml"
  port=$("${prom_in[@]}" python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  prom_url=http://127.0.0.1:$port
  "${prom_in[@]}" "$PROMETHEUS" --config.file="$dir/prometheus/prometheus.yml" \
    --storage.tsdb.path="$dir/prometheus/data" --web.listen-address="127.0.0.1:$port" \
    --log.level=warn >"$dir/prometheus/log" 2>&1 &
  prom_pid=$!
  wait_for 30 prom_ready || fail "Prometheus is not ready: $(tail -5 "$dir/prometheus/log")"
}
prom_ready() { prom_api /-/ready >/dev/null 2>&1; }

# up_is JOB: JOB's last scrape succeeded.
up_is() { [ "$(prom_query "up{job=\"$1\"}" 2>/dev/null)" = 1 ]; }
prom_wait_target_up() {
  wait_for "${2:-30}" up_is "$1" ||
    fail "Prometheus cannot scrape $1: $(prom_api /api/v1/targets | grep -o '"lastError":"[^"]*"' | sort -u)"
}
scraped_after() {
  local t
  t=$(prom_query "timestamp(up{job=\"$1\"})" 2>/dev/null) &&
    python3 -c 'import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))' "$t" "$2"
}
prom_wait_scraped_after() {
  wait_for 30 scraped_after "$1" "$2" || fail "Prometheus did not scrape $1 after $2"
}
# prom_rules_ok: every rule evaluated, none with an error (a many-to-many
# match, a bad template); prints the rules' health otherwise.
prom_rules_ok() {
  prom_api /api/v1/rules | python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
bad = [(r["name"], r["health"], r.get("lastError", "")) for r in rules if r["health"] != "ok"]
if bad or not rules:
    sys.exit(f"{len(rules)} rules, not ok: {bad}")'
}
