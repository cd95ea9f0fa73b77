#!/usr/bin/env bash
# test_torture.sh: the fault harness's short form (tests/torture/, a few trials of each kind,
# under a minute): kill -9 of the agent while recording and syncing, kill -9 of the server
# while ingesting, and the agent syncing through a proxy that cuts, truncates, resets and
# delays connections. `make torture` runs the long form. Prints the scripts' TAP lines.
cd "$(dirname "$0")/../torture" || exit 1
rc=0
for run in "agent_kill.sh 15" "server_kill.sh 3" "proxy.sh 2"; do
	# shellcheck disable=SC2086 # a script and its trial count
	./$run 2>/dev/null
	r=$?
	[ $r -eq 0 ] || { echo "not ok - torture ${run%% *} exits 0 (exit $r)"; rc=1; }
done
exit $rc
