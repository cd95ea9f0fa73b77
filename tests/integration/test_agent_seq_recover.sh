#!/usr/bin/env bash
# test_agent_seq_recover.sh: an agent database lost together with its journal (truncated to
# nothing, or an older copy put back; with the journal kept, the agent refuses and `doctor
# --repair` rebuilds, see test_agent_truncate.sh) starts its count again, while the server
# already holds this device's events 1..N (issue 15, finding 5). Regression: the next act was
# #1 and every sync after it failed with 409 until the device was enrolled again. The agent
# follows the server's last_seq (in every sync reply): after a sync of the fresh database the
# next act takes the next free number, and an outbox refused for numbers the server holds is
# renumbered after last_seq and sent again. The server ends with every event once.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || skip_all "no doorstep-server"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
# A copy of the database as it is now: appointments, no event yet.
sqlite3 "$T/agent/agent.db" ".backup '$T/backup.db'"

for i in 1 2 3; do agent arrive $i >/dev/null; done
check "three acts synced" eval 'agent sync >/dev/null && test "$(status_field waiting)" = 0'

put_db() { # put_db FILE: the agent's database becomes FILE (empty: truncated to nothing)
	# The journal is lost with it.
	rm -f "$T/agent/agent.db-wal" "$T/agent/agent.db-shm" "$T/agent/outbox.journal"
	if [ -n "$1" ]; then cp "$1" "$T/agent/agent.db"; else truncate -s 0 "$T/agent/agent.db"; fi
}
seq_of() { event_field "$1" 'e["seq"]'; }

# 1. Truncated: the first sync of the empty database brings the appointments back, and its
# reply's last_seq the count: the next acts are #4 and #5, not #1 and #2.
put_db ""
check "a sync on the truncated database succeeds" eval 'agent sync >/dev/null'
agent arrive 1 --json >"$T/a4.json" && agent collect 1 --documents 2 --json >"$T/a5.json"
check "the next act follows the server's count (seq $(seq_of "$T/a4.json"))" \
	test "$(seq_of "$T/a4.json")" = 4
agent sync >/dev/null 2>"$T/sync1.err"
rc=$?
check "and the sync after it succeeds (exit $rc: $(tail -1 "$T/sync1.err"))" test $rc -eq 0
check "the server holds 5 events, once each, numbered 1..5" export_check 5
check "the two new acts are among them, under their own uuids" python3 -c '
import json, sys
ev = {e["uuid"]: e for e in json.load(open(sys.argv[1]))}
for f in sys.argv[2:]:
    a = json.load(open(f))
    if a["uuid"] not in ev or ev[a["uuid"]]["type"] != a["type"]:
        sys.exit("missing " + a["uuid"])
' "$T/export.json" "$T/a4.json" "$T/a5.json"

# 2. An older copy put back (appointments, but a count of 0): acts recorded before any sync
# take #1 and #2, which the server holds already. The sync is refused (409), learns last_seq,
# renumbers the two after it and sends them again.
put_db "$T/backup.db"
agent arrive 2 --json >"$T/a6.json" && agent arrive 3 --json >"$T/a7.json"
check "on the old copy the count starts again (seq $(seq_of "$T/a6.json"))" \
	test "$(seq_of "$T/a6.json")" = 1
agent sync --json >"$T/sync2.json" 2>"$T/sync2.err"
rc=$?
check "the sync recovers from the collision (exit $rc: $(tail -1 "$T/sync2.err"))" test $rc -eq 0
check "it renumbered the two colliding events" python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(0 if r["status"] == "ok" and r["pushed"] == 2 and r["renumbered"] == 2 else str(r))
' "$T/sync2.json"
check "nothing waits" test "$(status_field waiting)" = 0
check "the server holds 7 events, once each, numbered 1..7" export_check 7
check "the two acts are there under their own uuids" python3 -c '
import json, sys
ev = {e["uuid"]: e for e in json.load(open(sys.argv[1]))}
sys.exit(0 if all(json.load(open(f))["uuid"] in ev for f in sys.argv[2:]) else 1)
' "$T/export.json" "$T/a6.json" "$T/a7.json"
agent arrive 1 --json >"$T/a8.json"
check "the next act is #8 (seq $(seq_of "$T/a8.json"))" test "$(seq_of "$T/a8.json")" = 8
check "and syncs" eval 'agent sync >/dev/null && export_check 8'

# 3. A real conflict is not hidden by renumbering: an event whose uuid the server holds with
# other content (here put back into the outbox with another time) is refused again under its
# new number, stays in the outbox and is never stored twice.
python3 - "$T/agent/agent.db" "$T/a8.json" <<'PY'
import json, sqlite3, sys
e = json.load(open(sys.argv[2]))
e["recorded_at"] = "2020-01-01T00:00:00Z"
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO outbox(seq, uuid, body) VALUES (?, ?, ?)", (e["seq"], e["uuid"],
           json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)))
db.commit()
PY
agent sync >/dev/null 2>"$T/sync4.err"
rc=$?
check "an event the server holds with other content is refused (exit $rc)" test $rc -eq 4
check "and says conflict" grep -q "conflict" "$T/sync4.err"
check "and is kept" test "$(status_field waiting)" = 1
check "the server still holds 8 events, once each" export_check 8
finish
