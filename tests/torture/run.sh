#!/usr/bin/env bash
# run.sh: the fault harness's long form (`make torture`): 1,000 trials of kill -9 of the
# agent while recording and syncing, 200 of kill -9 of the server while ingesting, and 100
# per fault kind of the agent syncing through faultproxy. Ends with a table, one row per
# fault kind: trials, lost, doubled, and how long each part took. TRIALS_SCALE=0.1 runs a
# tenth of every count (at least one trial each). Exits 0 only when every trial passed.
set -u
cd "$(dirname "$0")" || exit 1
export BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$(cd ../.. && pwd)/$BUILD ;; esac
export DOORSTEP_ROOT=${DOORSTEP_ROOT:-$(cd ../.. && pwd)}
SCALE=${TRIALS_SCALE:-1}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/doorstep-torture.XXXXXX")

scaled() { python3 -c 'import sys; print(max(1, round(int(sys.argv[1]) * float(sys.argv[2]))))' \
	"$1" "$SCALE"; }

rc=0
: >"$logdir/figures"
for part in "agent_kill.sh $(scaled 1000)" "server_kill.sh $(scaled 200)" \
	"proxy.sh $(scaled 100)"; do
	name=${part%%.sh*}
	start=$SECONDS
	# shellcheck disable=SC2086 # a script and its trial count
	./$part >"$logdir/$name.log" 2>"$logdir/$name.err"
	r=$?
	echo "$name: exit $r in $((SECONDS - start)) s ($part)"
	grep -E '^not ok' "$logdir/$name.log" | head -20
	[ $r -eq 0 ] || rc=1
	sed -nE 's/^# figures: (.*) trials ([0-9]+) lost ([0-9]+) doubled ([0-9]+)$/\1|\2|\3|\4/p' \
		"$logdir/$name.log" >>"$logdir/figures"
done

echo
printf '%-48s %7s %5s %8s\n' "fault kind" trials lost doubled
while IFS='|' read -r kind trials lost doubled; do
	printf '%-48s %7s %5s %8s\n' "$kind" "$trials" "$lost" "$doubled"
done <"$logdir/figures"
echo "logs: $logdir"
exit $rc
