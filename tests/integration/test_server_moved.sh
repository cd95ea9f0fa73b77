#!/usr/bin/env bash
# test_server_moved.sh: an appointment re-imported for another courier, against the real
# server (docs/PROTOCOL.md, Moved appointments). The former courier's device, offline when
# the move happened, syncs a visit it did: kept and flagged moved. Once it has pulled the
# move, a later act on that appointment is refused with 403 and nothing is written.
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up"; finish; }
start_server || { notok "server starts"; cat "$T/serve.err"; finish; }
enroll c1
A1=H15.50.05.13-261126-0001
cursor_of() { python3 -c 'import json,sys;print(json.load(sys.stdin)["cursor"])'; }

# c1's device pulls its round, then goes offline.
out=$(api /v1/sync -X POST -H "Authorization: Bearer $CRED" -d '{"v":1}')
check_eq "first pull: 200" 200 "$(echo "$out" | status_of)"
K0=$(echo "$out" | body_of | cursor_of)

# The dispatcher re-imports A1 for courier c2.
sed "/^$A1,/s/,c1\$/,c2/" "$ROOT/tests/data/appointments.csv" >"$T/moved.csv"
srv import "$T/moved.csv" >/dev/null
check_eq "re-import moves A1 to c2" c2 \
	"$(sql "SELECT courier_id FROM appointments WHERE code='$A1'")"

# Offline, the courier arrived at A1; the device syncs with the cursor it had.
mkbatch --seed m --seq 1 --count 1 --appt "$A1" --type arrive --at 2026-11-26T01:05:00 \
	--cursor "$K0" >"$T/offline.json"
out=$(sync_file "$T/offline.json")
check_eq "act recorded before the move reached the device: 200" 200 \
	"$(echo "$out" | status_of)"
check_eq "that act is stored" 1 "$(sql "SELECT count(*) FROM events WHERE appointment='$A1'")"
check "that act is flagged moved in the export" bash -c \
	"'$SERVER' --data '$T/data' export events | grep -q '\"moved\"'"
check "the reply tells the device A1 is removed" grep -q "\"code\":\"$A1\",\"removed\":true" \
	<<<"$out"
K1=$(echo "$out" | body_of | cursor_of)

# The device has stored that reply: its next sync carries the new cursor.
out=$(api /v1/sync -X POST -H "Authorization: Bearer $CRED" -d "{\"v\":1,\"cursor\":$K1}")
check_eq "pull with the new cursor: 200" 200 "$(echo "$out" | status_of)"

# An act recorded after that is refused, and nothing of its batch is written.
sleep 1
now=$(date -u +%Y-%m-%dT%H:%M:%S)
mkbatch --seed m --seq 2 --count 1 --appt "$A1" --type collect --at "$now" \
	--cursor "$K1" >"$T/after.json"
out=$(sync_file "$T/after.json")
check_eq "act recorded after the move reached the device: 403" 403 "$(echo "$out" | status_of)"
check "403 names the appointment" grep -q "$A1" <<<"$out"
check_eq "nothing written" 1 "$(sql "SELECT count(*) FROM events WHERE appointment='$A1'")"
check_eq "A1 not collected" arrived "$(sql "SELECT status FROM appointments WHERE code='$A1'")"
finish
