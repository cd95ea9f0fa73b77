#!/usr/bin/env bash
# test_agent_jumpy.sh: standing at house 1 while the fix jumps (HDOP 8, eph ~150 m): the act
# is recorded (never blocked), flagged poor_accuracy, and an act before the bad stretch is
# not flagged.
. "$(dirname "$0")/agent_lib.sh"
agent_init
LOG=cao-lanh-jumpy.nmea

server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
check "gpsd and daemon started" eval 'gpsd_start && daemon_start'
check "daemon connected to gpsd" wait_status 5 gpsd '!unreachable'

act() { local t=$1 a=$2 f=$3; shift 3; agent "$t" "$a" --json "$@" >"$T/$f" 2>>"$T/act.err"; }
flags() { event_field "$T/$1" '" ".join(e.get("flags", []))'; }

replay $LOG 0 460                     # house 1, good fix (427..486)
act arrive 1 good.json
check "act with a good fix is live" test "$(event_field "$T/good.json" 'e["gps"]["source"]')" = live
f=$(flags good.json)
check "and not flagged poor_accuracy ($f)" eval '[[ " $f " != *" poor_accuracy "* ]]'

replay $LOG 460 140                   # to 599: HDOP 8 while standing (487..666)
act collect 1 bad.json --documents 2
rc=$?
check "act in the bad stretch is recorded (exit $rc)" test $rc -eq 0
f=$(flags bad.json)
check "and flagged poor_accuracy ($f)" eval '[[ " $f " == *" poor_accuracy "* ]]'
acc=$(event_field "$T/bad.json" 'e["gps"].get("accuracy_m", 0)')
check "with the accuracy it had ($acc m > 100)" lt 100 "$acc"
check "the courier was warned" eval 'agent arrive 1 | grep -q "warning: poor_accuracy"'

check "sync delivers the flagged events" eval 'agent sync >/dev/null'
check "server holds 3 events in order" export_check 3
check "server kept the poor_accuracy flag" \
	python3 -c \
	'import json,sys; ev=json.load(open(sys.argv[1])); sys.exit(
		0 if "poor_accuracy" in ev[1]["flags"] else 1)' \
	"$T/export.json"
finish
