#!/usr/bin/env bash
# test_agent_truncate.sh: the agent's database truncated to zero bytes. The loss is never
# silent (status and acts exit 6 and say so), `doctor --repair` brings the unsynced acts
# back from the journal, and the sequence goes on where it was, also when every act had
# been synced before the truncation.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || skip_all "no doorstep-server"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
DB=$T/agent/agent.db
for i in 1 2 3; do agent arrive $i >/dev/null; done
: >"$DB"
agent status >"$T/status.out" 2>"$T/status.err"
rc=$?
check "status on a truncated database exits 6 (exit $rc)" test $rc -eq 6
check "and warns that events were lost from the database" grep -qi "lost" "$T/status.err"
check "and that the journal holds them" grep -q "journal: 3 events" "$T/status.out"
agent arrive 1 >/dev/null 2>"$T/arrive.err"
check "an act is refused (exit 6)" test $? -eq 6
agent doctor --repair >"$T/repair.out" 2>&1
check "doctor --repair succeeds" test $? -eq 0
check "the 3 acts are back" test "$(status_field waiting)" = 3
check "sync pushes them and pulls the round again" eval 'agent sync >/dev/null'
agent arrive 1 --json >"$T/a4.json"
check "the next act is #4, not #1" test "$(event_field "$T/a4.json" 'e["seq"]')" = 4
check "sync" eval 'agent sync >/dev/null'

# Everything synced, then truncated: nothing to restore, but the sequence is not reset.
: >"$DB"
agent status >/dev/null 2>&1
check "status after truncating a synced database exits 6" test $? -eq 6
check "doctor --repair succeeds" eval 'agent doctor --repair >/dev/null 2>&1'
check "sync pulls the round again" eval 'agent sync >/dev/null'
agent arrive 2 --json >"$T/a5.json"
check "the next act is #5" test "$(event_field "$T/a5.json" 'e["seq"]')" = 5
check "server holds every act once, in order" eval 'agent sync >/dev/null && export_check 5'
finish
