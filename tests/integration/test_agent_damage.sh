#!/usr/bin/env bash
# test_agent_damage.sh: 200 bytes of garbage in an outbox page, then in a breadcrumb page.
# Every command notices (status and acts exit 6 with a clear message, nothing is recorded
# into the damaged file), `doctor` reports it, and `doctor --repair` rebuilds the outbox
# from the journal into a fresh database, keeping the damaged file aside: the server then
# receives every act exactly once.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || skip_all "no doorstep-server"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
DB=$T/agent/agent.db
note=$(printf 'n%.0s' $(seq 1 400))
for i in $(seq 1 12); do agent fail 2 --reason other --note "$note" >/dev/null; done
check "12 acts waiting" test "$(status_field waiting)" = 12

# garble TABLE: 200 bytes of garbage over the cells at the end of the table's root page
garble() {
	local root size
	root=$(sqlite3 "$DB" "SELECT rootpage FROM sqlite_master WHERE name = '$1'")
	size=$(sqlite3 "$DB" 'PRAGMA page_size')
	head -c 200 /dev/urandom | dd of="$DB" bs=1 seek=$(( root * size - 200 )) \
		conv=notrunc status=none
}
garble outbox
agent status >"$T/status.out" 2>"$T/status.err"
rc=$?
check "status on a damaged outbox exits 6 (exit $rc)" test $rc -eq 6
check "and says the database is damaged" grep -qi "damaged" "$T/status.err"
check "and how many events the journal holds" grep -q "journal: 12 events" "$T/status.out"
agent arrive 1 >/dev/null 2>"$T/arrive.err"
rc=$?
check "an act on a damaged database exits 6 (exit $rc)" test $rc -eq 6
check "with a clear message" grep -q "damaged: the act was NOT recorded" "$T/arrive.err"
check "and advice" grep -q "doctor --repair" "$T/arrive.err"
agent doctor >"$T/doctor.out"
rc=$?
check "doctor reports the damage (exit $rc)" \
	eval 'test $rc -eq 6 && grep -q "database: damaged" "$T/doctor.out"'
agent doctor --repair >"$T/repair.out" 2>&1
check "doctor --repair succeeds" test $? -eq 0
check "and keeps the damaged file aside" eval 'ls "$T/agent" | grep -q "^agent.db.damaged"'
check "12 acts waiting again" test "$(status_field waiting)" = 12
check "the rebuilt database is sound" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
check "sync pushes them" eval 'agent sync >/dev/null'
agent arrive 1 --json >"$T/a13.json"
check "the next act is #13" test "$(event_field "$T/a13.json" 'e["seq"]')" = 13

# Breadcrumbs: enough rows to fill pages of their own, then garbage in one of them.
sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
	INSERT INTO crumb(at_ms, lat, lon) SELECT $(date +%s)000 - i * 1000, 10.4, 105.6 FROM n"
garble crumb
agent status >/dev/null 2>"$T/crumb.err"
rc=$?
check "damage in the breadcrumb pages is noticed by status (exit $rc)" test $rc -eq 6
agent arrive 1 >/dev/null 2>&1
check "and by an act" test $? -eq 6
check "doctor --repair rebuilds it" eval 'agent doctor --repair >/dev/null'
check "1 act waiting after the repair" test "$(status_field waiting)" = 1
check "sync delivers every act exactly once" eval 'agent sync >/dev/null && export_check 13'
finish
