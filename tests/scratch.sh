# Sourced by the test scripts: a scratch directory $dir, removed on exit,
# and every background job (a pmdcon busy-polls a CPU) killed on any exit,
# failures included; fail MESSAGE ends the test.
dir=$(mktemp -d)
cleanup() {
  for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
