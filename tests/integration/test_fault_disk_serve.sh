#!/usr/bin/env bash
# test_fault_disk_serve.sh: the sync server when its disk fills while devices sync (its data
# folder on a small tmpfs, in a mount namespace of the test's own): batches past the room are
# refused with a 5xx status a device retries, never acknowledged; every acknowledged event is
# in the database exactly once after a restart with room; the refused batch then goes in.
if [ -z "${DOORSTEP_IN_NS:-}" ]; then
	exec unshare -rm env DOORSTEP_IN_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/data"
mount -t tmpfs -o size=2m tmpfs "$T/data" || { notok "a small disk is mounted"; finish; }
trap 'cleanup_disk' EXIT
cleanup_disk() { stop_server 2>/dev/null; umount "$T/data" 2>/dev/null; cleanup; }
setup_server && start_server || { notok "server set-up"; finish; }
enroll c1
A1=H15.50.05.13-261126-0001
# Batches of 200 acts until one is refused: each a few hundred kB of database and log.
acked=0; refused=""; n=0
for b in $(seq 1 60); do
	mkbatch --seed full --seq $(( (b - 1) * 200 + 1 )) --count 200 --appt "$A1" \
		--type arrive --at 2026-11-26T01:00:00 >"$T/b$b.json"
	st=$(sync_file "$T/b$b.json" | status_of)
	n=$b
	if [ "$st" = 200 ]; then
		acked=$((acked + 200))
	else
		refused=$st; break
	fi
done
check "the disk fills before 60 batches (batch $n: $refused)" test -n "$refused"
case "$refused" in 5??) ok "the full disk is answered $refused, which devices retry" ;;
*) notok "the full disk is answered with a 5xx status (got '$refused')" ;; esac
grep -qiE 'full' "$T/serve.err" && ok "the server's log says the disk is full" ||
	notok "the server's log says the disk is full"
stop_server
mount -o remount,size=256m "$T/data"
start_server || { notok "the server starts again with room"; finish; }
# The acknowledged batches' UUIDs, each looked up in the database.
python3 - "$T" $((n - 1)) >"$T/acked.sql" <<'PY'
import json, sys
t, last = sys.argv[1], int(sys.argv[2])
uuids = [e["uuid"] for b in range(1, last + 1) for e in json.load(open(f"{t}/b{b}.json"))["events"]]
print("SELECT count(*) FROM events WHERE uuid IN (" + ",".join(f"'{u}'" for u in uuids) + ");")
PY
check_eq "every acknowledged event is held after the restart" "$acked" \
	"$(sqlite3 -readonly "$T/data/doorstep.db" <"$T/acked.sql")"
check_eq "the database passes its integrity check" ok "$(sql 'PRAGMA integrity_check')"
body=$(sync_file "$T/b$n.json")
check_eq "the refused batch goes in once there is room" 200 "$(printf '%s' "$body" | status_of)"
check_eq "and nothing is doubled" $((acked + 200)) \
	"$(sql 'SELECT count(DISTINCT uuid) FROM events')"
check_eq "... counting rows too" $((acked + 200)) "$(sql 'SELECT count(*) FROM events')"
finish
