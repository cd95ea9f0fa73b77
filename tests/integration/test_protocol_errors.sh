#!/usr/bin/env bash
# test_protocol_errors.sh: every row of the error table in docs/PROTOCOL.md, triggered against
# the real doorstep-server over TLS on loopback. Each reply is checked for its status and its
# "error" string, and the database for "nothing is written when an error is returned".
# Rows that no client can cause are caused from outside the protocol, as an operator's
# machine could: 500 by a database trigger that refuses every insert, 503 busy by another
# process holding the database's write lock past the server's busy timeout (5 s), 503
# unavailable (not in the table) by a preloaded library that fails the log's fdatasync.
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up"; finish; }
# A short read timeout, so the 408 row takes a second rather than ten.
echo "read_timeout_ms = 1000" >>"$T/data/doorstep.conf"
start_server || { notok "server starts"; finish; }
enroll c1
C1=$CRED
PORT=${URL##*:}
A1=H15.50.05.13-261126-0001; A4=H15.50.05.13-261126-0004
events() { sql 'SELECT count(*) FROM events'; }

# raw MODE: a TLS client for what curl cannot send; prints the reply as api() does (body,
# then the status on the last line). Modes: garbage (not HTTP), stall (half a request head,
# then silence until the server answers).
cat >"$T/raw.py" <<'PY'
import socket, ssl, sys
mode, port = sys.argv[1], int(sys.argv[2])
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
t = c.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=8))
if mode == "garbage":
    t.sendall(b"NOT HTTP AT ALL\r\n\r\n")
else:
    t.sendall(b"POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n")
buf = b""
try:
    while True:
        d = t.recv(65536)
        if not d:
            break
        buf += d
        head, sep, rest = buf.partition(b"\r\n\r\n")
        if sep and b"content-length: %d" % len(rest) in head.lower():
            break
except (OSError, ssl.SSLError):
    pass
head, _, body = buf.partition(b"\r\n\r\n")
status = head.split(b" ")[1].decode() if head else "000"
print(body.decode("utf-8", "replace"))
print(status, end="")
PY
raw() { timeout 10 python3 "$T/raw.py" "$1" "$PORT"; }

mkbatch --seed pe --seq 1 --count 2 --appt "$A1" --type arrive,collect >"$T/good.json"
check_error "a good batch is stored" 200 - "$(sync_file "$T/good.json")"
n=$(events)
check_eq "two events stored" 2 "$n"

# 400 bad_request: bytes that are not HTTP.
check_error "HTTP that cannot be parsed" 400 bad_request "$(raw garbage)"
# 400 malformed_json, 400 invalid.
printf '{"v":1,"events":[{' >"$T/trunc.json"
check_error "body is not JSON" 400 malformed_json "$(sync_file "$T/trunc.json")"
printf '{"v":1,"v":1,"events":[]}' >"$T/dup.json"
check_error "duplicate key (strict RFC 8259)" 400 malformed_json "$(sync_file "$T/dup.json")"
mkbatch --seed pe --seq 3 --count 1 --appt "$A1" | python3 -c '
import json, sys
b = json.load(sys.stdin); del b["events"][0]["type"]; json.dump(b, sys.stdout)' >"$T/missing.json"
out=$(sync_file "$T/missing.json")
check_error "a member is missing" 400 invalid "$out"
check "and the message names it (events[0]: type)" grep -q 'events\[0\]: type' <<<"$out"
mkbatch --seed pe --seq 3 --count 1 --appt "$A1" | python3 -c '
import json, sys
b = json.load(sys.stdin); b["events"][0]["colour"] = "red"
json.dump(b, sys.stdout)' >"$T/unknown.json"
check_error "an unknown member" 400 invalid "$(sync_file "$T/unknown.json")"
# 401 unauthorized: none, unknown, revoked (revoked is in test_authz.sh's matrix too).
check_error "no credential" 401 unauthorized \
	"$(api /v1/sync -X POST -H 'Content-Type: application/json' --data-binary "@$T/good.json")"
CRED="dev-0000000000000000.nosuchsecret"
check_error "unknown credential" 401 unauthorized "$(sync_file "$T/good.json")"
CRED=$C1
# 422 unknown_appointment: another courier's code and one that does not exist get the same
# answer; 403 forbidden is for a moved appointment (at the end, as it moves A1).
mkbatch --seed pe --seq 3 --count 2 --appt "$A1,$A4" >"$T/other.json"
check_error "an event names another courier's appointment" 422 unknown_appointment \
	"$(sync_file "$T/other.json")"
mkbatch --seed pe --seq 3 --count 1 --appt H15.50.05.13-261126-9999 >"$T/unk.json"
check_error "an event names an unknown dossier code" 422 unknown_appointment \
	"$(sync_file "$T/unk.json")"
# 404, 405.
check_error "no such endpoint" 404 not_found "$(api /v1/nothing)"
check_error "wrong method (GET /v1/sync)" 405 method_not_allowed "$(api /v1/sync)"
check_error "wrong method (PUT /v1/enroll)" 405 method_not_allowed \
	"$(api /v1/enroll -X PUT -d '{}')"
# 408 timeout: half a request head, then nothing; the server answers near its 1 s timeout.
start=$(date +%s%N)
out=$(raw stall)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_error "the request did not arrive within the read timeout" 408 timeout "$out"
check "and the answer came near the 1 s timeout (${ms} ms)" test "$ms" -ge 900 -a "$ms" -lt 5000
# 409 conflict: an acknowledged uuid with other content, naming the uuid.
python3 - "$T/good.json" >"$T/conflict.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1])); b["events"] = b["events"][:1]
b["events"][0]["gps"]["lat"] = 10.5
json.dump(b, sys.stdout)
PY
uuid=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["events"][0]["uuid"])' "$T/good.json")
out=$(sync_file "$T/conflict.json")
check_error "a stored uuid with different content" 409 conflict "$out"
check "and the message names the uuid" grep -qF "$uuid" <<<"$out"
mkbatch --seed pe-other --seq 1 --count 1 --appt "$A1" >"$T/seqreuse.json"
check_error "a stored device sequence number with another uuid" 409 conflict \
	"$(sync_file "$T/seqreuse.json")"
# 410 code_used, code_expired.
code=$(srv enroll --courier c1 | sed -n 's/^code: //p')
api /v1/enroll -X POST -d "{\"code\":\"$code\"}" >/dev/null
check_error "enrolment code already used" 410 code_used \
	"$(api /v1/enroll -X POST -d "{\"code\":\"$code\"}")"
code=$(srv enroll --courier c1 | sed -n 's/^code: //p')
sqlite3 "$T/data/doorstep.db" \
	"UPDATE enroll_codes SET expires_ms = expires_ms - 16*60*1000 WHERE used_ms IS NULL"
check_error "enrolment code expired" 410 code_expired \
	"$(api /v1/enroll -X POST -d "{\"code\":\"$code\"}")"
# 413 too_large: over 1000 events, over the wire cap, over the decompressed cap.
mkbatch --seed big --seq 100 --count 1001 --appt "$A1" --no-gps >"$T/big.json"
check_error "more than 1000 events" 413 too_large "$(sync_file "$T/big.json")"
head -c 5000000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
check_error "a body over the wire cap (5 MB)" 413 too_large "$(sync_file "$T/huge.json")"
head -c 40000000 /dev/zero | tr '\0' ' ' | gzip -9 >"$T/bomb.gz"
check_error "a gzip body over the decompressed cap (40 MB)" 413 too_large \
	"$(sync_file "$T/bomb.gz" -H 'Content-Encoding: gzip')"
# 415, 431.
check_error "Content-Encoding br" 415 unsupported_encoding \
	"$(sync_file "$T/good.json" -H 'Content-Encoding: br')"
check_error "a request head over the cap" 431 header_too_large \
	"$(sync_file "$T/good.json" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)")"
check_eq "no refused request wrote anything" "$n" "$(events)"

# 500 internal: a trigger (added behind the server's back) makes every insert of an event
# fail. The batch is rolled back and the reply says so; once the trigger is gone the same
# batch is stored.
mkbatch --seed pe --seq 3 --count 1 --appt "$A1" --type deliver >"$T/next.json"
sqlite3 "$T/data/doorstep.db" ".timeout 5000" \
	"CREATE TRIGGER pe_refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'refused'); END"
check_error "the server failed (an insert refused by the database)" 500 internal \
	"$(sync_file "$T/next.json")"
check_eq "the failed batch wrote nothing" "$n" "$(events)"
sqlite3 "$T/data/doorstep.db" ".timeout 5000" "DROP TRIGGER pe_refuse"
check_error "the same batch once the fault is gone" 200 - "$(sync_file "$T/next.json")"
n=$(events)

# 503 busy: another process holds the write lock past the server's 5 s busy timeout.
mkbatch --seed pe --seq 4 --count 1 --appt "$A1" --type fail >"$T/busy.json"
mkfifo "$T/lock.in"
sqlite3 "$T/data/doorstep.db" <"$T/lock.in" >"$T/lock.out" 2>&1 &
PIDS="$PIDS $!"
exec 7>"$T/lock.in"
echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&7
for i in $(seq 1 100); do grep -q locked "$T/lock.out" && break; sleep 0.05; done
check_error "the database is locked" 503 busy "$(sync_file "$T/busy.json" --max-time 30)"
echo "ROLLBACK;" >&7
exec 7>&-
check_eq "the busy batch wrote nothing" "$n" "$(events)"
check_error "the same batch once the lock is gone" 200 - "$(sync_file "$T/busy.json")"
n=$(events)

# 503 unavailable (undocumented): the log's fdatasync fails. From then on every sync is
# refused until a restart; after it the device's re-send is acknowledged.
stop_server
PRELOAD=$BUILD/tools/syncfail.so
if [ -f "$PRELOAD" ]; then
	# Under AddressSanitizer the preload comes before the sanitizer's runtime.
	LD_PRELOAD=$PRELOAD DOORSTEP_SYNCFAIL=$T/syncfail \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 start_server ||
		notok "server starts with the fault library"
	mkbatch --seed pe --seq 5 --count 1 --appt "$A1" --type arrive >"$T/u1.json"
	mkbatch --seed pe --seq 6 --count 1 --appt "$A1" --type arrive >"$T/u2.json"
	check_error "with the fault library loaded but idle, a batch is stored" 200 - \
		"$(sync_file "$T/u1.json")"
	touch "$T/syncfail"
	check_error "the log could not be flushed" 503 unavailable "$(sync_file "$T/u2.json")"
	rm -f "$T/syncfail"
	check_error "and nothing is acknowledged until a restart" 503 unavailable \
		"$(sync_file "$T/u2.json")"
	stop_server
	start_server || notok "server restarts after the failed flush"
	out=$(sync_file "$T/u2.json")
	check_error "after the restart the re-sent batch is acknowledged" 200 - "$out"
	check_eq "once: stored or a duplicate, never twice" 1 \
		"$(sql "SELECT count(*) FROM events WHERE seq = 6")"
else
	notok "the fault library $PRELOAD is built (make test-build)"
fi
# 403 forbidden: A1 moved to c2, and this device has pulled the move (a sync whose cursor
# passed it); an act it records after that is refused (test_server_moved.sh has the rest).
cursor_of() { python3 -c 'import json,sys;print(json.load(sys.stdin)["cursor"])'; }
sed "/^$A1,/s/,c1\$/,c2/" "$ROOT/tests/data/appointments.csv" >"$T/moved.csv"
srv import "$T/moved.csv" >/dev/null
K=$(api /v1/sync -X POST -H "Authorization: Bearer $C1" -d '{"v":1}' | body_of | cursor_of)
api /v1/sync -X POST -H "Authorization: Bearer $C1" -d "{\"v\":1,\"cursor\":$K}" >/dev/null
sleep 1
before=$(sql "SELECT count(*) FROM events")
mkbatch --seed pe --seq 40 --count 1 --appt "$A1" --type arrive \
	--at "$(date -u +%Y-%m-%dT%H:%M:%S)" --cursor "$K" >"$T/moved.json"
CRED=$C1
check_error "an event names an appointment moved away after the move reached the device" 403 \
	forbidden "$(sync_file "$T/moved.json")"
check_eq "and nothing is written" "$before" "$(sql "SELECT count(*) FROM events")"
finish
