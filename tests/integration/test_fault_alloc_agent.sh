#!/usr/bin/env bash
# test_fault_alloc_agent.sh: the courier's acts and status with an allocation failing at each
# chosen point (tests/integration/fault_lib.sh): never a crash, a message whenever the act is
# not recorded, an outbox that gains the act once or not at all, a database that passes
# SQLite's integrity check, and the same act recorded once memory is there again.
. "$(dirname "$0")/agent_lib.sh"
agent_init
. "$(dirname "$0")/fault_lib.sh"

if fault_asan "$AGENT"; then
	echo "ok - # SKIP allocation failures: the shim cannot sit in front of AddressSanitizer"
	exit 0
fi
[ -f "$SHIM" ] || { not_ok "the allocation shim is built ($SHIM)"; finish; }
round_csv >"$T/round.csv"
if ! { server_setup "$T/round.csv" && server_start && agent_enroll && agent sync >/dev/null; }
then
	not_ok "server set up, agent enrolled and synced"; finish
fi
server_stop
cp -a "$T/agent" "$T/pristine"
db() { sqlite3 -readonly "$T/agent/agent.db" "$1"; }
check_eq() { fault_eq "$@"; }

# An act recorded (exit 0) adds exactly one event to the outbox; a refused one adds none.
one_or_none() {
	local got
	got=$(db "SELECT count(*) FROM outbox")
	if [ "$1" -eq 0 ]; then [ "$got" = "$ADDS" ]; else [ "$got" = 0 ]; fi
}
trials() { # trials NAME ADDS CMD...: ADDS, the events a successful CMD records
	local name=$1
	ADDS=$2
	shift 2
	alloc_trials "$name" "$T/agent" "$T/agent/agent.db" one_or_none \
		"the act is recorded once or not at all" "$@"
}

AG=("$AGENT" --data "$T/agent" --gpsd "127.0.0.1:1")
trials "arrive" 1 "${AG[@]}" arrive 1
trials "collect" 1 "${AG[@]}" collect 1 --documents 2
trials "status" 0 "${AG[@]}" status
rm -rf "$T/agent"; cp -a "$T/pristine" "$T/agent"
check "arrive is recorded once memory is there again" eval '"${AG[@]}" arrive 1 >/dev/null'
check_eq "and the outbox holds it" 1 "$(db 'SELECT count(*) FROM outbox')"
finish
