# bench under QEMU's multi-threaded TCG (run.sh: a host thread per vCPU);
# the guest does the same.
. /vm/scenarios/bench.sh
