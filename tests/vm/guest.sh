#!/bin/sh
# /init of the test guest: runs the scenario named by pmdcon.scenario= on the
# kernel command line and reports "PMDCON-VM PASS" or "PMDCON-VM FAIL: why"
# on the serial console, then powers off. The host side is run.sh.
# initramfs.sh puts guest-lib.sh (mounts, module loading, the helpers the
# scenarios share) in /vm and each scenario, scenarios/NAME.sh, in
# /vm/scenarios; a scenario fails by calling fail, and passes by returning.
. /vm/guest-lib.sh
[ -f "/vm/scenarios/$scenario.sh" ] || fail "unknown scenario '$scenario'"
. "/vm/scenarios/$scenario.sh"
echo "PMDCON-VM PASS $scenario"
poweroff -f
