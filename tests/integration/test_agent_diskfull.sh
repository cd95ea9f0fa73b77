#!/usr/bin/env bash
# test_agent_diskfull.sh: the data dir on a small tmpfs filled to exactly 0 bytes free.
# `status` still reports (read-only, saying the storage is full), an act fails with exit 5
# and a clear "storage is full" message, nothing is half-recorded, and once space is freed
# acts are recorded again.
. "$(dirname "$0")/agent_lib.sh"
agent_init
mkdir -p "$T/mnt"
mount -t tmpfs -o size=2m tmpfs "$T/mnt" 2>/dev/null || skip_all "cannot mount a tmpfs"
trap 'umount "$T/mnt" 2>/dev/null; agent_cleanup' EXIT
D=$T/mnt/agent
A=("$AGENT" --data "$D" --gpsd 127.0.0.1:1)
CODE=H15.50.05.13-261008-0002

"${A[@]}" status >/dev/null
sqlite3 "$D/agent.db" "INSERT INTO appointment(code, kind, citizen, status)
	VALUES ('$CODE', 'deliver', 'Lê Thị Đào', 'booked')"
check "an act is recorded with room on the disk" eval '"${A[@]}" arrive $CODE >/dev/null'
dd if=/dev/zero of="$T/mnt/filler" bs=4k 2>/dev/null
free=$(df --output=avail -B1 "$T/mnt" | tail -1 | tr -d ' ')
check "the disk is full ($free bytes free)" test "$free" = 0

"${A[@]}" status >"$T/status.out" 2>"$T/status.err"
rc=$?
check "status works on a full disk (exit $rc)" test $rc -eq 0
check "and says the storage is full" grep -q "storage: FULL" "$T/status.out"
check "and still counts the event waiting" grep -q "events waiting: 1" "$T/status.out"
check "status --json says so too" eval '"${A[@]}" status --json | grep -q "\"storage_full\":true"'
"${A[@]}" arrive $CODE >/dev/null 2>"$T/arrive.err"
rc=$?
check "an act on a full disk exits 5 (exit $rc)" test $rc -eq 5
check "with a clear message" grep -q "storage is full" "$T/arrive.err"
check "that says it was not recorded" grep -q "NOT recorded" "$T/arrive.err"
check "and no disk I/O error" eval '! grep -q "disk I/O error (database error)" "$T/arrive.err"'

rm -f "$T/mnt/filler"
check "with room again, acts are recorded" eval '"${A[@]}" arrive $CODE >/dev/null'
check "two events waiting, nothing half-recorded" \
	eval '"${A[@]}" status | grep -q "events waiting: 2"'
check "the journal holds the same two" eval '"${A[@]}" status | grep -q "journal: 2 events"'
check "doctor finds the storage sound" eval '"${A[@]}" doctor >/dev/null'
finish
