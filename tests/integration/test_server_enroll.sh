#!/usr/bin/env bash
# test_server_enroll.sh: one-time enrolment codes: good, reused, expired, unknown, malformed.
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up"; finish; }
start_server || { notok "server starts"; finish; }

check_eq "enroll for an unknown courier fails" 1 \
	"$(srv enroll --courier nobody >/dev/null 2>&1; echo $?)"
code=$(srv enroll --courier c1 | sed -n 's/^code: //p')
check "code has the XXXX-XXXX-XXXX shape" grep -qE '^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$' \
	<<<"$code"
out=$(api /v1/enroll -X POST -d "{\"code\":\"$code\",\"device_name\":\"handheld 7\"}")
check_eq "good code: 200" 200 "$(echo "$out" | status_of)"
check "good code: device and credential returned" python3 -c \
	'import json,sys;d=json.loads(sys.argv[1]);assert d["device"].startswith(
		"dev-") and len(d["credential"])>=40 and d["courier"]=="c1"' \
	"$(echo "$out" | body_of)"
check_eq "one device stored" 1 "$(sql 'SELECT count(*) FROM devices')"
check_eq "the secret itself is not stored" 0 \
	"$(sql "SELECT count(*) FROM devices WHERE secret_hash LIKE '%$(echo "$out" | body_of | \
	python3 -c 'import json,sys;print(json.load(sys.stdin)["credential"][:10])')%'")"

out=$(api /v1/enroll -X POST -d "{\"code\":\"$code\"}")
check_eq "reused code: 410" 410 "$(echo "$out" | status_of)"
check "reused code: code_used" grep -q code_used <<<"$out"
lower=$(echo "$code" | tr 'A-Z' 'a-z' | tr -d '-')
check_eq "reused code typed in lower case without dashes: still 410" 410 \
	"$(api /v1/enroll -X POST -d "{\"code\":\"$lower\"}" | status_of)"

code2=$(srv enroll --courier c1 | sed -n 's/^code: //p')
# Age the code past its 15 minutes, as the clock would.
sqlite3 "$T/data/doorstep.db" \
	"UPDATE enroll_codes SET expires_ms = expires_ms - 16*60*1000 WHERE used_ms IS NULL"
out=$(api /v1/enroll -X POST -d "{\"code\":\"$code2\"}")
check_eq "expired code: 410" 410 "$(echo "$out" | status_of)"
check "expired code: code_expired" grep -q code_expired <<<"$out"

check_eq "unknown code: 401" 401 \
	"$(api /v1/enroll -X POST -d '{"code":"AAAA-BBBB-CCCC"}' | status_of)"
check_eq "malformed body: 400" 400 "$(api /v1/enroll -X POST -d '{"code":' | status_of)"
check_eq "unknown member: 400" 400 \
	"$(api /v1/enroll -X POST -d '{"code":"x","admin":true}' | status_of)"
check_eq "missing code: 400" 400 "$(api /v1/enroll -X POST -d '{}' | status_of)"
check_eq "refusals made no device" 1 "$(sql 'SELECT count(*) FROM devices')"
finish
