#!/usr/bin/env bash
# test_agent_offline.sh: the server goes down while the courier keeps recording; `sync` says
# the server is unreachable and keeps the events; the daemon backs off, and once the server
# is back every event arrives exactly once and in order.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
agent config --set sync_backoff_max_s=1 >/dev/null
agent config --set sync_interval_s=5 >/dev/null
agent config --set connect_timeout_ms=500 >/dev/null
check "daemon started (no gpsd at all)" daemon_start
check "daemon says gpsd is unreachable" wait_status 5 gpsd unreachable

agent arrive 1 >/dev/null
check "an act while online is synced soon by the daemon" wait_status 10 waiting 0

server_stop
recorded=0
for i in $(seq 1 12); do
	case $((i % 3)) in
	0) agent arrive 2 >/dev/null ;;
	1) agent collect 1 --documents "$i" >/dev/null ;;
	2) agent fail 3 --reason not-home --note "lần $i" >/dev/null ;;
	esac && recorded=$((recorded + 1))
done
check "12 acts recorded while the server is down ($recorded)" test "$recorded" -eq 12
agent sync >"$T/sync.out" 2>"$T/sync.err"
rc=$?
check "sync exits 3 when the server is unreachable (exit $rc)" test $rc -eq 3
check "and says so, with the count kept" grep -q "server unreachable.*events kept: 12 waiting" \
	"$T/sync.err"
check "status shows 12 waiting" test "$(status_field waiting)" = 12
check "status shows the last error" eval 'status_field last_error | grep -q unreachable'
sleep 2   # the daemon fails a few times and backs off

server_start
check "the daemon delivers everything once the server is back" \
	wait_status 20 waiting 0
check "server holds 13 events, once each, in order" export_check 13
check "last error cleared after a good sync" test -z "$(status_field last_error)"
check "daemon logged the failures without personal data" \
	eval 'grep -q "sync failed" "$T/daemon.err" && ! grep -Eq "Nguy|Đào|lần" "$T/daemon.err"'
daemon_stop
rc=$?
check "daemon exits 0 on SIGTERM (exit $rc)" test $rc -eq 0
check "status says the daemon is gone" test "$(status_field daemon)" = False
finish
