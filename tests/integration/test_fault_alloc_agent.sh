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
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi; }

# trials NAME RECORDS CMD...: RECORDS is 1 when a successful CMD adds one event to the outbox.
trials() {
	local name=$1 adds=$2 n k crashed=0 silent=0 corrupt=0 partial=0 tried=0 got
	shift 2
	rm -rf "$T/agent"; cp -a "$T/pristine" "$T/agent"
	n=$(alloc_count "$T/count" "$@")
	[ "$n" -gt 0 ] || { not_ok "$name: allocations counted"; return; }
	for k in $(alloc_points "$n"); do
		rm -rf "$T/agent"; cp -a "$T/pristine" "$T/agent"
		alloc_fail "$k" "$@"
		tried=$((tried + 1))
		if [ "$RC" -ge 128 ]; then
			crashed=$((crashed + 1)); echo \
				"# $name: allocation $k: signal $((RC - 128))"
		fi
		[ "$RC" -ne 0 ] && [ ! -s "$T/fault.err" ] && silent=$((silent + 1))
		[ "$(db 'PRAGMA integrity_check')" = ok ] || corrupt=$((corrupt + 1))
		got=$(db "SELECT count(*) FROM outbox")
		# Recorded (exit 0) means exactly one more event; refused means none.
		if { [ "$RC" -eq 0 ] && [ "$got" != "$adds" ]; } ||
		   { [ "$RC" -ne 0 ] && [ "$got" != 0 ]; }; then
			partial=$((partial + 1)); echo \
				"# $name: allocation $k: exit $RC, outbox $got"
		fi
	done
	check_eq "$name: no crash in $tried failure points of $n" 0 "$crashed"
	check_eq "$name: every failure says why" 0 "$silent"
	check_eq "$name: the database passes its integrity check after each" 0 "$corrupt"
	check_eq "$name: the act is recorded once or not at all" 0 "$partial"
}

AG=("$AGENT" --data "$T/agent" --gpsd "127.0.0.1:1")
trials "arrive" 1 "${AG[@]}" arrive 1
trials "collect" 1 "${AG[@]}" collect 1 --documents 2
trials "status" 0 "${AG[@]}" status
rm -rf "$T/agent"; cp -a "$T/pristine" "$T/agent"
check "arrive is recorded once memory is there again" eval '"${AG[@]}" arrive 1 >/dev/null'
check_eq "and the outbox holds it" 1 "$(db 'SELECT count(*) FROM outbox')"
finish
