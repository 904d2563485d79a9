#!/usr/bin/env bash
# tests/metrics/prometheus.sh against a stand-in: python3's http.server
# serves a fixed /metrics in pmdcon-rx's names on loopback (no root, no
# namespace). A real Prometheus scrapes it with the shipped alerts loaded:
# prom_query returns its values, every rule evaluates without an error, and
# a panic counter that appears at 1 with a fresh timestamp fires
# PmdconPanicSeen (the case increase() alone would miss).
set -euo pipefail
alerts=$1
source "$(dirname "$0")/../scratch.sh"
source "$(dirname "$0")/prometheus.sh"

mkdir -p "$dir/www"
src='source="10.99.0.1:6665"'
cat >"$dir/www/metrics" <<METRICS
# TYPE pmdcon_rx_source_records_total counter
pmdcon_rx_source_records_total{$src} 4001
# TYPE pmdcon_rx_source_missing_records gauge
pmdcon_rx_source_missing_records{$src} 0
# TYPE pmdcon_rx_source_idle_seconds gauge
pmdcon_rx_source_idle_seconds{$src} 2
# TYPE pmdcon_rx_source_panics_total counter
pmdcon_rx_source_panics_total{$src,kind="panic"} 1
# TYPE pmdcon_rx_source_last_panic_timestamp_seconds gauge
pmdcon_rx_source_last_panic_timestamp_seconds{$src} $(date +%s)
METRICS
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$dir/www" "$port" >"$dir/http.log" 2>&1 &
start_prometheus --rules "$alerts" "pmdcon-rx=127.0.0.1:$port"
prom_wait_target_up pmdcon-rx
now=$(date +%s.%N)
prom_wait_scraped_after pmdcon-rx "$now"
got=$(prom_query "pmdcon_rx_source_records_total{$src}")
[ "$got" = 4001 ] || fail "records: $got, not 4001"
# Two sources would be two samples: prom_query refuses them.
if prom_query 'up or vector(1)' >/dev/null 2>&1; then fail "prom_query took two samples"; fi
firing() {
  [ "$(prom_query "ALERTS{alertname=\"PmdconPanicSeen\",alertstate=\"firing\",$src,kind=\"panic\"}" 2>/dev/null)" = 1 ]
}
wait_for 15 firing || fail "PmdconPanicSeen did not fire: $(prom_api /api/v1/alerts)"
prom_rules_ok || fail "alert rules"
echo "Prometheus scraped the stand-in: records $got, PmdconPanicSeen firing, every rule ok"
