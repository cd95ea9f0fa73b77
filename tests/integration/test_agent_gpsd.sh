#!/usr/bin/env bash
# test_agent_gpsd.sh: gpsd absent at start, killed and restarted mid-round, alive but silent:
# the agent keeps recording with honest stamps (none / last_known, never a made-up live fix)
# and `status` says what is wrong.
. "$(dirname "$0")/agent_lib.sh"
agent_init
LOG=cao-lanh-round.nmea

server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
agent config --set gpsd_silent_ms=1000 >/dev/null
GPSD_PORT=$(free_port 1); GPSD_UPORT=$(free_port 2)
src() { event_field "$T/$1" 'e["gps"]["source"]'; }

# 1. no gpsd, no daemon
agent arrive 1 --json >"$T/e1.json"
check "no gpsd: the act is recorded (exit $?)" test -s "$T/e1.json"
check "no gpsd: the stamp says none" test "$(src e1.json)" = none
check "no gpsd: status says gpsd unreachable" test "$(status_field gpsd)" = unreachable

# 2. daemon first, gpsd later
check "daemon starts without gpsd" daemon_start
check "daemon status: gpsd unreachable" wait_status 5 gpsd unreachable
check "status says the daemon runs" test "$(status_field daemon)" = True
check "a second daemon on the same data dir is refused" \
	eval '! "$AGENT" --data "$T/agent" --gpsd 127.0.0.1:1 run 2>/dev/null'
check "gpsd started late" gpsd_start
start=$(date +%s%N)
wait_status 8 gpsd '!unreachable'
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
# The backoff is capped at 5 s; the status poll adds a little.
check "daemon reconnects within its 5 s backoff cap (${ms} ms)" \
	eval 'test $rc -eq 0 && test $ms -lt 6000'
replay $LOG 430 60
check "status: fix mode 3 and the next act live" \
	eval 'test "$(status_field fix_mode)" = 3 && test "$(status_field next_source)" = live'
agent arrive 1 --json >"$T/e2.json"
check "with gpsd fed, the act is live" test "$(src e2.json)" = live

# 3. gpsd killed mid-round
gpsd_stop KILL
check "gpsd killed: status says unreachable" wait_status 5 gpsd unreachable
agent collect 1 --json >"$T/e3.json"
check "gpsd killed: the act is last_known, with its age" \
	eval \
	'test "$(src e3.json)" = last_known && test "$(event_field "$T/e3.json" "e[\"gps\"][\"fix_age_s\"] > 0")" = True'
check "gpsd restarted on the same port" gpsd_start
check "daemon reconnects after the restart" wait_status 8 gpsd '!unreachable'
replay $LOG 900 30
check "after the restart the act is live again" \
	eval 'agent fail 2 --reason refused --json >"$T/e4.json" && test "$(src e4.json)" = live'

# 4. gpsd alive but silent
check "gpsd alive but silent: status says silent" wait_status 5 gpsd silent
agent arrive 2 --json >"$T/e5.json"
check "silent gpsd: the act is last_known" test "$(src e5.json)" = last_known
check "gpsd process still alive (it is the feed that stopped)" kill -0 "$GPSD_PID"
check "the daemon noticed the 1000 ms silence and reconnected" \
	grep -q "gpsd silent for 1000 ms; reconnecting" "$T/daemon.err"

# 5. daemon gone too: the act asks the silent gpsd and waits at most ~1.2 s
daemon_stop
start=$(date +%s%N)
agent arrive 2 --json >"$T/e6.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "no daemon, silent gpsd: last_known in ${ms} ms (< 2000)" \
	eval 'test "$(src e6.json)" = last_known && test $ms -lt 2000'
check "status without daemon: gpsd silent" test "$(status_field gpsd)" = silent
check "all 6 acts reach the server once" eval 'agent sync >/dev/null && export_check 6'
finish
