#!/usr/bin/env bash
# agent_kill.sh [TRIALS]: kill -9 of the agent at random points while it records and syncs.
# Each trial starts an act and a sync at once (the daemon syncs while the courier records)
# and kills one of them, the other or both after a random 0-40 ms. An act is acknowledged
# when it printed its event and exited 0. After every trial the server's database and the
# agent's outbox are checked: no acknowledged act lost, nothing doubled. At the end one
# clean sync must leave the outbox empty and the server holding seq 1..N once each.
. "$(dirname "$0")/../integration/agent_lib.sh"
. "$(dirname "$0")/torture_lib.sh"
TRIALS=${1:-20}
agent_init

server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
server_setup "$T/round.csv" && server_start || bail "server set up and serving"
agent_enroll && agent sync >/dev/null || bail "agent enrolled and synced"
agent config --set batch_max=3 >/dev/null     # several requests per sync: more places to die

: >"$T/acked"
lost=0; doubled=0; kills=0; acked=0
# An act lasts about 20 ms here, a sync about 30-50 ms: kills fall within their lives.
KILL_WITHIN_MS=${KILL_WITHIN_MS:-40}
acts=(arrive "collect --documents 1" "fail --reason not-home")
for trial in $(seq 1 "$TRIALS"); do
	# Random choices come straight from RANDOM: a $(...) forks and would delay the kill.
	act=${acts[RANDOM % 3]}
	# shellcheck disable=SC2086 # act carries its own arguments
	"$AGENT" --data "$T/agent" $act $((RANDOM % 3 + 1)) --json >"$T/act.json" 2>/dev/null &
	apid=$!
	"$AGENT" --data "$T/agent" sync >/dev/null 2>&1 &
	spid=$!
	printf -v delay '0.%03d' $((RANDOM % KILL_WITHIN_MS))
	sleep "$delay"
	case $((RANDOM % 3)) in
	0) kill -KILL "$apid" 2>/dev/null ;;
	1) kill -KILL "$spid" 2>/dev/null ;;
	2) kill -KILL "$apid" "$spid" 2>/dev/null ;;
	esac
	wait "$apid"; arc=$?
	wait "$spid"; src=$?
	[ $arc -eq 137 ] && kills=$((kills + 1))
	[ $src -eq 137 ] && kills=$((kills + 1))
	if [ $arc -eq 0 ]; then
		uuid=$(event_field "$T/act.json" 'e["uuid"]' 2>/dev/null)
		if [ -n "$uuid" ]; then
			echo "$uuid" >>"$T/acked"; acked=$((acked + 1))
		else
			not_ok "trial $trial: the act exited 0 without printing its event"
		fi
	fi
	read -r l d < <(tally_agent "$T/server/doorstep.db" "$T/agent/agent.db" "$T/acked" "$trial")
	if [ "${l:-x}" != 0 ] || [ "${d:-x}" != 0 ]; then
		not_ok "trial $trial: ${l:-?} lost, ${d:-?} doubled (act exit $arc, sync exit $src)"
		lost=$((lost + ${l:-1})); doubled=$((doubled + ${d:-0}))
	fi
done
figures "agent kill -9 while recording and syncing" "$TRIALS" "$lost" "$doubled" \
	"$kills processes killed, $acked acts acknowledged"

agent sync >/dev/null 2>&1
check "a final sync empties the outbox" test "$(status_field waiting)" = 0
n=$(sqlite3 "$T/agent/agent.db" "SELECT value FROM meta WHERE key = 'last_seq'" 2>/dev/null)
n=${n:-$(sqlite3 -readonly "$T/server/doorstep.db" 'SELECT max(seq) FROM events')}
check "the server holds seq 1..$n once each, in order" export_check "$n"
check "the agent database is intact" \
	test "$(sqlite3 "$T/agent/agent.db" 'PRAGMA integrity_check')" = ok
[ "$TORTURE_BAD" -eq 0 ] || exit 1
finish
