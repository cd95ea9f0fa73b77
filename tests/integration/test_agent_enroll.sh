#!/usr/bin/env bash
# test_agent_enroll.sh: enrolment over TLS with the server's key pinned (a wrong pin is
# refused before the code is sent), files at rest private, search without diacritics, and a
# revoked device told so clearly with its outbox kept.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
code=$("$SERVER" --data "$T/server" enroll --courier c1 | sed -n 's/^code: //p')
BAD_PIN="sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
agent enroll --server "$URL" --pin "$BAD_PIN" --code "$code" >/dev/null 2>"$T/pin.err"
rc=$?
check "a server whose key does not match the pin is refused (exit $rc)" test $rc -eq 4
check "with a clear message" grep -q "does not match the pinned key" "$T/pin.err"
check "and no credential is stored" test ! -e "$T/agent/credential"
check "the code was not spent: enrolment with the right pin works" \
	eval 'agent enroll --server "$URL" --pin "$PIN" --code "$code" >/dev/null'
check "a second enrolment is refused" eval \
	'! agent enroll --server "$URL" --pin "$PIN" --code "$code" 2>/dev/null'
check "data dir is 0700" test "$(stat -c %a "$T/agent")" = 700
check "credential is 0600" test "$(stat -c %a "$T/agent/credential")" = 600
agent sync >/dev/null
check "database and config are 0600" \
	eval \
	'test "$(stat -c %a "$T/agent/agent.db")" = 600 && test "$(stat -c %a "$T/agent/agent.conf")" = 600'
check "config records the server and the pin" grep -q "^pin = $PIN" "$T/agent/agent.conf"
check "config check passes" eval 'agent config --check | grep -q ok'

check "find without diacritics: nguyen van an" eval \
	'agent find "nguyen van an" | grep -q "Nguyễn Văn An"'
check "find: d matches đ (le thi dao)" eval 'agent find "le thi dao" | grep -q "Lê Thị Đào"'
check "find: by part of the dossier code" eval 'agent find 261008-0003 | grep -q "Phạm Đức Minh"'
check "find: nothing found exits 1" eval '! agent find "tran van x" >/dev/null'
check "round --json lists 3 stops in order" \
	eval \
	'agent round --json | python3 -c "import json,sys; r=json.load(sys.stdin); sys.exit(
		0 if [a[\"code\"][-4:] for a in r]==[\"0001\",\"0002\",\"0003\"] else 1)"'

sig=$T/sig.png; printf 'signature bytes' >"$sig"
agent deliver 2 --recipient "Lê Thị Đào" --relation family --id-last4 9876 --signature "$sig" \
	--json >"$T/d.json"
h=$(sha256sum "$sig" | cut -d' ' -f1)
check "the signature is kept by its SHA-256 and the hash is in the event" \
	eval \
	'test -f "$T/agent/files/$h" && test "$(event_field "$T/d.json" "e[\"signature_sha256\"]")" = "$h"'
check "an id number longer than 4 digits is refused" \
	eval '! agent deliver 2 --recipient X --relation self --id-last4 012345678901 2>/dev/null'
check "deliver without --relation is refused (exit 2)" \
	eval 'agent deliver 2 --recipient X 2>/dev/null; test $? -eq 2'
check "an unknown appointment is refused (exit 2)" \
	eval 'agent arrive H15.50.05.13-261008-9999 2>/dev/null; test $? -eq 2'

"$SERVER" --data "$T/server" plan --office o1 --date "$(vn_today)" >/dev/null 2>&1
agent sync >/dev/null
check "after the office plans the round: planned order with ETAs" \
	eval \
	'agent round --json | python3 -c "import json,sys; r=json.load(sys.stdin); sys.exit(
		0 if [a[\"stop\"] for a in r]==[1,2,3] and all(\"eta\" in a for a in r) else 1)"'
check "round shows the ETA" eval 'agent round | grep -Eq "eta [0-9]{2}:[0-9]{2}"'

# A conflict: the device re-sends an acknowledged event (same uuid and seq) with other content.
agent arrive 2 --json >"$T/a.json" && agent sync >/dev/null
seq=$(event_field "$T/a.json" 'e["seq"]'); uuid=$(event_field "$T/a.json" 'e["uuid"]')
# Another millisecond: .999, or .998 when the act already happened at .999 (else no change).
alter() { sed -E 's/("recorded_at":"[^"]*T[0-9:]*)(\.[0-9]+)?Z"/\1.'"$1"'Z"/' "$T/a.json"; }
altered=$(alter 999)
[ "$altered" = "$(cat "$T/a.json")" ] && altered=$(alter 998)
check "the altered event differs from the one sent" test "$altered" != "$(cat "$T/a.json")"
sqlite3 "$T/agent/agent.db" "INSERT INTO outbox(seq, uuid, body) VALUES ($seq, '$uuid', '$altered')"
agent sync >/dev/null 2>"$T/conflict.err"
rc=$?
check "a conflicting batch: sync exits 4 (exit $rc)" test $rc -eq 4
check "and says conflict, events kept" grep -q "conflict.*events kept" "$T/conflict.err"
check "the outbox is intact after the 409" test "$(status_field waiting)" = 1
sqlite3 "$T/agent/agent.db" "DELETE FROM outbox WHERE seq = $seq"

device=$(sed -n 's/^device=//p' "$T/agent/credential")
"$SERVER" --data "$T/server" revoke --device "$device" >/dev/null
agent arrive 1 >/dev/null
w=$(status_field waiting)
agent sync >/dev/null 2>"$T/revoked.err"
rc=$?
check "a revoked device: sync exits 4 (exit $rc)" test $rc -eq 4
check "and says: revoked or not enrolled, ask the office" \
	grep -q "this device was revoked or is not enrolled: ask the office" "$T/revoked.err"
check "the outbox is kept ($w waiting)" eval \
	'test "$w" -ge 1 && test "$(status_field waiting)" = "$w"'
check "status shows the error" eval 'status_field last_error | grep -q revoked'
finish
