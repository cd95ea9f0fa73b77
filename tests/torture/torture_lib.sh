# torture_lib.sh: what the fault scripts share (sourced after lib.sh or agent_lib.sh).
# A script reports each fault kind with `figures`: one TAP line that fails unless nothing
# was lost and nothing doubled, and one "# figures:" line that run.sh gathers into a table.
TORTURE_BAD=0

# figures KIND TRIALS LOST DOUBLED [NOTE]
figures() {
	if [ "$2" -gt 0 ] && [ "$3" -eq 0 ] && [ "$4" -eq 0 ]; then
		echo "ok - $1: $2 trials, 0 lost, 0 doubled${5:+ ($5)}"
	else
		echo "not ok - $1: $2 trials, $3 lost, $4 doubled${5:+ ($5)}"
		TORTURE_BAD=$((TORTURE_BAD + 1))
	fi
	echo "# figures: $1 trials $2 lost $3 doubled $4"
}

# trial_rand N: a random number in [0, N), from bash's RANDOM (seeded by TORTURE_SEED).
trial_rand() { echo $(( RANDOM % $1 )); }
RANDOM=${TORTURE_SEED:-$$}

# tally_agent SERVER_DB AGENT_DB ACKED ATTEMPTS: prints "LOST DOUBLED" for one device.
# LOST: acknowledged acts (uuids in the file ACKED: the act printed its event and exited 0)
# neither on the server nor in the agent's outbox. DOUBLED: a uuid or a device sequence
# number stored twice by the server, an event on the server and in the outbox under
# different sequence numbers, or more distinct events than acts attempted (ATTEMPTS).
tally_agent() {
	sqlite3 -readonly -cmd ".timeout 10000" "$1" <<SQL
ATTACH 'file:$2?mode=ro' AS a;
CREATE TEMP TABLE acked(uuid TEXT);
.mode list
.import '$3' acked
SELECT (SELECT count(*) FROM acked WHERE uuid NOT IN (SELECT uuid FROM main.events)
                                     AND uuid NOT IN (SELECT uuid FROM a.outbox))
     || ' ' ||
       ((SELECT count(*) - count(DISTINCT uuid) FROM main.events)
      + (SELECT count(*) - count(DISTINCT device_id || '/' || seq) FROM main.events)
      + (SELECT count(*) FROM a.outbox o JOIN main.events e ON e.uuid = o.uuid
         WHERE e.seq != o.seq)
      + max(0, (SELECT count(*) FROM (SELECT uuid FROM main.events UNION
                                      SELECT uuid FROM a.outbox)) - $4));
SQL
}

# undelivered SERVER_DB ACKED: how many acknowledged uuids the server does not hold.
undelivered() {
	sqlite3 -readonly -cmd ".timeout 10000" "$1" <<SQL
CREATE TEMP TABLE acked(uuid TEXT);
.import '$2' acked
SELECT count(*) FROM acked WHERE uuid NOT IN (SELECT uuid FROM main.events);
SQL
}
