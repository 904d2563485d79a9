#!/usr/bin/env bash
# Each man page given renders with man(1) (man-db, as `man -l` shows it),
# with a NAME section, and without a single warning from groff.
set -euo pipefail
command -v man >/dev/null || { echo "FAIL: man (Debian's man-db) is not installed"; exit 1; }
for page in "$@"; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || { echo "FAIL: $page: $warnings"; exit 1; }
  text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>/dev/null)
  grep -q '^NAME' <<<"$text" || { echo "FAIL: $page: no NAME section"; exit 1; }
  echo "$(basename "$page"): $(sed -n '/^NAME/{n;p;q}' <<<"$text" | sed 's/^ *//'), $(wc -l <<<"$text") lines"
done
