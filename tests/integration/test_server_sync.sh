#!/usr/bin/env bash
# test_server_sync.sh: POST /v1/sync against the real server over TLS: new, re-sent,
# conflicting and gzip batches, malformed and oversize bodies, wrong and revoked credentials,
# another courier's appointment. After each, the replies and the database are checked.
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up"; finish; }
start_server || { notok "server starts"; cat "$T/serve.err"; finish; }
ok "server starts and says listening"
enroll c1
C1=$CRED
A1=H15.50.05.13-261126-0001; A2=H15.50.05.13-261120-0002; A3=H15.50.05.13-261119-0003
A4=H15.50.05.13-261126-0004

# A new batch is stored; the reply acknowledges it and carries the courier's appointments.
mkbatch --seed s1 --seq 1 --count 3 --appt "$A1,$A1,$A2" --type arrive,collect,arrive >"$T/b1.json"
out=$(sync_file "$T/b1.json")
check_eq "new batch: 200" 200 "$(echo "$out" | status_of)"
check_eq "new batch: 3 stored" "3 0" \
	"$(echo "$out" | body_of | python3 -c \
	'import json,sys;d=json.load(sys.stdin);print(d["stored"],d["duplicates"])')"
check_eq "new batch: 3 appointments of c1 pulled" 3 \
	"$(echo "$out" | body_of | python3 -c \
	'import json,sys;print(len(json.load(sys.stdin)["appointments"]))')"
check_eq "events in the database" 3 "$(sql 'SELECT count(*) FROM events')"
check_eq "appointment state derived: collected" collected \
	"$(sql "SELECT status FROM appointments WHERE code='$A1'")"
check_eq "database and its WAL are private (0600), the directory 0700" "600 600 700" \
	"$(stat -c %a "$T/data/doorstep.db" "$T/data/doorstep.db-wal" "$T/data" | tr '\n' ' ' | \
	sed 's/ $//')"
check_eq "no position in clear in the database" 0 \
	"$(sql "SELECT count(*) FROM events WHERE body LIKE '%10.47%'")"

# Re-sending the same batch any number of times changes nothing.
before=$(srv export events | sha256sum)
for i in 1 2 3; do out=$(sync_file "$T/b1.json"); done
check_eq "re-sent batch: acknowledged as duplicates" "200 0 3" \
	"$(echo "$out" | status_of) $(echo "$out" | body_of | python3 -c \
	'import json,sys;d=json.load(sys.stdin);print(d["stored"],d["duplicates"])')"
check_eq "re-sent batch: export unchanged" "$before" "$(srv export events | sha256sum)"
check_eq "re-sent batch: still 3 events" 3 "$(sql 'SELECT count(*) FROM events')"

# The same UUID with different content: 409, and nothing of that batch is written.
mkbatch --seed s1 --seq 4 --count 1 --appt "$A2" --type deliver >"$T/b2new.json"
python3 - "$T/b2new.json" "$T/b1.json" "$T/b2.json" <<'PY'
import json, sys
new = json.load(open(sys.argv[1])); old = json.load(open(sys.argv[2]))
ev = old["events"][0]; ev["gps"]["lat"] = 10.5
new["events"].append(ev)
json.dump(new, open(sys.argv[3], "w"))
PY
out=$(sync_file "$T/b2.json")
check_eq "conflicting duplicate: 409" 409 "$(echo "$out" | status_of)"
uuid=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["events"][0]["uuid"])' \
	"$T/b1.json")
check "conflicting duplicate: error conflict naming the uuid $uuid" python3 -c '
import json, sys
d = json.loads(sys.argv[1].rsplit("\n", 1)[0])
sys.exit(0 if d["error"] == "conflict" and sys.argv[2] in d["message"] else d)' "$out" "$uuid"
check_eq "conflicting duplicate: nothing written" 3 "$(sql 'SELECT count(*) FROM events')"

# The same sequence number with another UUID is a conflict too.
mkbatch --seed other --seq 2 --count 1 --appt "$A1" >"$T/b3.json"
check_eq "reused sequence number: 409" 409 "$(sync_file "$T/b3.json" | status_of)"

# Gzip request bodies are accepted.
mkbatch --seed s1 --seq 4 --count 2 --appt "$A2,$A3" --type deliver,fail >"$T/b4.json"
gzip -c "$T/b4.json" >"$T/b4.json.gz"
out=$(sync_file "$T/b4.json.gz" -H 'Content-Encoding: gzip')
check_eq "gzip batch: 200" 200 "$(echo "$out" | status_of)"
check_eq "gzip batch: stored" 5 "$(sql 'SELECT count(*) FROM events')"
check_eq "failed visit reason stored" not-home \
	"$(sql "SELECT fail_reason FROM appointments WHERE code='$A3'")"

# Malformed JSON, invalid members, unknown version: 400 with a JSON error.
printf '{"v":1,"events":[{' >"$T/bad.json"
out=$(sync_file "$T/bad.json")
check_eq "malformed JSON: 400" 400 "$(echo "$out" | status_of)"
check "malformed JSON: error code" grep -q '"error":"malformed_json"' <<<"$out"
python3 -c \
	'import json;b=json.load(open("'"$T/b4.json"'"));b["events"][1]["gps"]={
		"source":"live"};json.dump(b,open("'"$T/inv.json"'","w"))'
out=$(sync_file "$T/inv.json")
check_eq "invalid member: 400" 400 "$(echo "$out" | status_of)"
check "invalid member: message names it" grep -q 'events\[1\]: gps' <<<"$out"
echo '{"v":2,"events":[]}' >"$T/v2.json"
check_eq "unknown protocol version: 400" 400 "$(sync_file "$T/v2.json" | status_of)"
check_eq "bad requests wrote nothing" 5 "$(sql 'SELECT count(*) FROM events')"

# Oversize: more than 1000 events, and a body over the wire cap.
mkbatch --seed big --seq 100 --count 1001 --appt "$A1" --no-gps >"$T/big.json"
check_eq "1001 events: 413" 413 "$(sync_file "$T/big.json" | status_of)"
head -c 5000000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
check_eq "5 MB body: 413" 413 "$(sync_file "$T/huge.json" | status_of)"
check_eq "oversize wrote nothing" 5 "$(sql 'SELECT count(*) FROM events')"

# Credentials: none, wrong secret, unknown device, revoked device.
mkbatch --seed s1 --seq 6 --count 1 --appt "$A1" >"$T/b6.json"
check_eq "no credential: 401" 401 "$(api /v1/sync -X POST --data-binary "@$T/b6.json" | status_of)"
CRED="${C1%%.*}.wrongsecret"
check_eq "wrong secret: 401" 401 "$(sync_file "$T/b6.json" | status_of)"
CRED="dev-0000000000000000.${C1#*.}"
check_eq "unknown device: 401" 401 "$(sync_file "$T/b6.json" | status_of)"

# Another courier's appointment and an unknown one get the same answer (422), so a device
# cannot probe which codes exist; nothing is written.
CRED=$C1
mkbatch --seed s1 --seq 6 --count 2 --appt "$A1,$A4" >"$T/other.json"
other=$(sync_file "$T/other.json")
check_eq "another courier's appointment: 422" 422 "$(echo "$other" | status_of)"
mkbatch --seed s1 --seq 6 --count 2 --appt "$A1,H15.50.05.13-261126-9999" >"$T/unk.json"
unk=$(sync_file "$T/unk.json")
check_eq "unknown appointment: 422" 422 "$(echo "$unk" | status_of)"
check_eq "the two replies differ only in the code" "$(echo "$other" | sed "s/$A4/CODE/")" \
	"$(echo "$unk" | sed 's/H15.50.05.13-261126-9999/CODE/')"
check_eq "refused batches wrote nothing" 5 "$(sql 'SELECT count(*) FROM events')"

# A device sees only its courier's appointments.
enroll c2
out=$(api /v1/sync -X POST -H "Authorization: Bearer $CRED" -d '{"v":1}' | body_of)
check_eq "courier c2 sees only its 2 appointments" 2 \
	"$(echo "$out" | python3 -c \
	'import json,sys;print(len(json.load(sys.stdin)["appointments"]))')"

# Revocation takes effect at once.
dev=${C1%%.*}
srv revoke --device "$dev" >/dev/null
CRED=$C1
check_eq "revoked device: 401" 401 "$(sync_file "$T/b6.json" | status_of)"
check_eq "revoke of an unknown device fails" 1 \
	"$(srv revoke --device dev-nope >/dev/null 2>&1; echo $?)"

# Wrong method and path.
check_eq "GET /v1/sync: 405" 405 "$(api /v1/sync | status_of)"
check_eq "unknown path: 404" 404 "$(api /v1/nothing | status_of)"

# A wrong pin is refused by the client.
check "a wrong pin is refused" bash -c \
	"! curl -sk --pinnedpubkey 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' $URL/v1/health"

# Exits by itself, with status 0, within 5 s of SIGTERM (kill -0 after wait proves nothing).
kill -TERM "$SRV_PID"
for i in $(seq 1 50); do running "$SRV_PID" || break; sleep 0.1; done
check "SIGTERM: server exited within 5 s" eval '! running "$SRV_PID"'
wait "$SRV_PID"
check_eq "SIGTERM: exit status 0" 0 $?
finish
