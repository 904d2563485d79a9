# Sourced (after scratch.sh) by the tests that need a network: two
# namespaces joined by a veth pair, $tx (pmdcon's side, veth0) and $rxns (the
# collector's, veth1 with 10.99.0.2 and fd00:99::2), removed on exit with the
# scratch directory and the background jobs. Skips the test without root.
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
tx=pmdcon-t-$$ rxns=pmdcon-r-$$
trap 'cleanup; ip netns del "$tx" 2>/dev/null || true; ip netns del "$rxns" 2>/dev/null || true' EXIT
veth_pair "$tx" "$rxns"
