#!/usr/bin/env bash
# test_agent_storage.sh: the database is full (a real SQLITE_FULL through the
# DOORSTEP_AGENT_MAX_PAGES test hook) or locked by another process (sqlite3 holding
# BEGIN EXCLUSIVE): the act fails with a clear message and exit 5, and the outbox is intact.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
DB=$T/agent/agent.db
outbox() { sqlite3 "$DB" 'SELECT count(*) || ":" || coalesce(max(seq), 0) FROM outbox'; }
note=$(printf 'x%.0s' $(seq 1 480))

# Disk full: cap the database at its current size, then record until it is full.
pages=$(sqlite3 "$DB" 'PRAGMA page_count')
ok_acts=0; rc=0
for i in $(seq 1 200); do
	before=$(outbox)
	DOORSTEP_AGENT_MAX_PAGES=$pages agent fail 2 --reason other --note "$note" \
		>/dev/null 2>"$T/full.err"
	rc=$?
	[ $rc -ne 0 ] && break
	ok_acts=$((ok_acts + 1))
done
check "a full database refuses the act with exit 5 (exit $rc after $ok_acts acts)" test $rc -eq 5
check "with a clear message" grep -q "storage is full: the act was NOT recorded" "$T/full.err"
check "the outbox is intact (before $before, after $(outbox))" test "$(outbox)" = "$before"
check "integrity after SQLITE_FULL" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
agent arrive 1 >/dev/null
check "with room again, acts are recorded" test $? -eq 0
total=$((ok_acts + 1))

# Locked: another process holds an exclusive lock.
mkfifo "$T/sql.in"
sqlite3 "$DB" <"$T/sql.in" >"$T/sql.out" 2>&1 &
track $!
exec 7>"$T/sql.in"
echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&7
wait_for 5 grep -q locked "$T/sql.out"
before=$(outbox)
start=$(date +%s%N)
agent arrive 1 >/dev/null 2>"$T/lock.err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a locked database refuses the act with exit 5 (exit $rc, ${ms} ms)" test $rc -eq 5
check "with a clear message" grep -q "locked by another program: the act was NOT recorded" \
	"$T/lock.err"
check "status still reads while locked" test "$(status_field waiting)" = "${before%%:*}"
echo "ROLLBACK;" >&7
exec 7>&-
check "the outbox is intact after the lock" test "$(outbox)" = "$before"
check "once unlocked, acts are recorded" eval 'agent arrive 1 >/dev/null'
total=$((total + 1))
check "sync delivers exactly what was recorded" eval 'agent sync >/dev/null && export_check $total'
finish
