#!/usr/bin/env bash
# test_agent_kill9.sh: `sync` killed with SIGKILL at random moments, 20 times, while batches
# are in flight: nothing is lost and nothing doubled on the server (re-sent batches are
# byte-identical, so the server acknowledges them as duplicates).
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
agent config --set batch_max=7 >/dev/null     # many requests per sync: more places to die

total=0
recorded=0
killed=0
for round in $(seq 1 20); do
	for i in $(seq 1 12); do
		agent arrive $(( (i % 3) + 1 )) >/dev/null && recorded=$((recorded + 1))
		total=$((total + 1))
	done
	"$AGENT" --data "$T/agent" sync >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$(( RANDOM % 5 ))$(( RANDOM % 10 ))"
	kill -KILL $pid 2>/dev/null
	# kill succeeds on a sync that already exited (a zombie): only wait tells them apart.
	wait $pid 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1))
done
check "recorded all $total acts ($recorded)" test "$recorded" -eq "$total"
check "sync was really killed by SIGKILL in $killed of 20 rounds (at least 5)" test "$killed" -ge 5
agent sync >"$T/final.out" 2>&1
check "a final sync completes" grep -qw "0 waiting" "$T/final.out"
check "nothing left in the outbox" test "$(status_field waiting)" = 0
check "server holds all $total events, none lost, none doubled, in order" export_check $total
check "integrity of the agent database after the kills" \
	test "$(sqlite3 "$T/agent/agent.db" 'PRAGMA integrity_check')" = ok
finish
