#!/usr/bin/env bash
# ARP and NDP against a real kernel: a veth pair between two network
# namespaces made here; the peer has 10.99.0.2/24 and fd00:99::2/64, and the
# resolver (over AF_PACKET in the other namespace) must learn its MAC.
# Needs root (CI runs as root); cleans up its namespaces on exit.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
prog=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
a=pmdcon-ra-$$ b=pmdcon-rb-$$
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; }
trap cleanup EXIT
veth_pair "$a" "$b"
peer_mac=$(ip -n "$b" -o link show veth1 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
ip netns exec "$a" "$prog" veth0 10.99.0.1 10.99.0.2 "$peer_mac"
ip netns exec "$a" "$prog" veth0 fd00:99::1 fd00:99::2 "$peer_mac"
echo "resolver against the kernel: ARP and NDP resolved $peer_mac"
