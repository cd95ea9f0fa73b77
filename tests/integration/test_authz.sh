#!/usr/bin/env bash
# test_authz.sh: the authorisation matrix of the sync API (server/api.c's routes) against the
# real server over TLS. Every row (an endpoint and what is asked of it) is tried by every
# caller: a device of courier c1 (A), a device of courier c2 (B), a revoked device of c1, no
# credential, and malformed credentials. Each cell states the expected status; a refusal must
# carry the error string PROTOCOL.md gives it and write nothing, a success must show only the
# caller's own data.
#
# A new endpoint (the dispatcher's or the citizen pages') is one more line in MATRIX and, when
# its request needs making, one req_ROW function that sends it for a caller and prints the
# reply as api() does (the body, then the status on the last line).
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up"; finish; }
start_server || { notok "server starts"; finish; }
enroll c1; CRED_A=$CRED
enroll c2; CRED_B=$CRED
enroll c1; CRED_REVOKED=$CRED
srv revoke --device "${CRED_REVOKED%%.*}" >/dev/null || notok "revoke the third device"
A1=H15.50.05.13-261126-0001   # c1's
B1=H15.50.05.13-261126-0004   # c2's

# The callers, by column. "malformed" is tried in several shapes, each held to the cell.
CALLERS="A B revoked none malformed"
MALFORMED=("Bearer" "Bearer ${CRED_A%%.*}" "Bearer .${CRED_A#*.}" "Basic dXNlcjpwYXNz"
	"Bearer ${CRED_A}x" "Bearer $(head -c 300 /dev/zero | tr '\0' a).x")

# MATRIX: ROW then the expected status for each caller in CALLERS order.
MATRIX="
health          200 200 200 200 200
sync_pull       200 200 401 401 401
sync_push_own   200 200 401 401 401
sync_push_A     200 422 401 401 401
sync_push_B     422 200 401 401 401
sync_resend_A   200 422 401 401 401
enroll          200 200 200 200 200
sync_get        405 405 405 405 405
"

# auth_header CALLER [SHAPE]: the Authorization header's value ("" for none).
auth_header() {
	case $1 in
	A) echo "Bearer $CRED_A" ;;
	B) echo "Bearer $CRED_B" ;;
	revoked) echo "Bearer $CRED_REVOKED" ;;
	none) echo "" ;;
	malformed) echo "${MALFORMED[$2]}" ;;
	esac
}

# call METHOD PATH BODYFILE: the request with the current caller's header ($AUTH).
call() {
	local h=()
	[ -n "$AUTH" ] && h=(-H "Authorization: $AUTH")
	if [ -n "$3" ]; then
		api "$2" -X "$1" "${h[@]}" -H 'Content-Type: application/json' --data-binary "@$3"
	else
		api "$2" -X "$1" "${h[@]}"
	fi
}

# Each device's next sequence number: an accepted push must be new, a refused one must not
# be refused for a reused number.
declare -A SEQ=([A]=1 [B]=1 [revoked]=1 [none]=1 [malformed]=1)
push() { # push CALLER APPT: a one-event batch for APPT with the caller's next seq
	mkbatch --seed "authz-$1-$CELL" --seq "${SEQ[$1]}" --count 1 --appt "$2" >"$T/push.json"
	call POST /v1/sync "$T/push.json"
}
own_appt() { case $1 in B) echo "$B1" ;; *) echo "$A1" ;; esac; }

req_health() { call GET /v1/health ""; }
req_sync_pull() { echo '{"v":1}' >"$T/pull.json"; call POST /v1/sync "$T/pull.json"; }
req_sync_push_own() { push "$1" "$(own_appt "$1")"; }
req_sync_push_A() { push "$1" "$A1"; }
req_sync_push_B() { push "$1" "$B1"; }
req_sync_get() { call GET /v1/sync ""; }
# Re-sends the event device A stored first (its uuid, seq 1 and content): A gets it
# acknowledged as a duplicate; no other caller may learn that it exists.
req_sync_resend_A() { call POST /v1/sync "$T/a-first.json"; }
# Enrolment takes no credential: one sent along is ignored.
req_enroll() {
	local code
	code=$(srv enroll --courier c1 | sed -n 's/^code: //p')
	printf '{"code":"%s"}' "$code" >"$T/enroll.json"
	call POST /v1/enroll "$T/enroll.json"
}

mkbatch --seed authz-first --seq 1 --count 1 --appt "$A1" >"$T/a-first.json"
AUTH=$(auth_header A)
check_error "device A stores its first event" 200 - "$(call POST /v1/sync "$T/a-first.json")"
SEQ[A]=2

# pulled_only CALLER REPLY: a 200 sync reply lists only the caller's courier's appointments.
pulled_only() {
	local want=c1 codes
	[ "$1" = B ] && want=c2
	codes=$(sql "SELECT code FROM appointments WHERE courier_id = '$want' ORDER BY code")
	printf '%s' "$2" | sed '$d' | python3 -c '
import json, sys
got = sorted(a["code"] for a in json.load(sys.stdin).get("appointments", []))
sys.exit(0 if got and set(got) <= set(sys.argv[1].split()) else "pulled %s" % got)' "$codes"
}

# cell ROW CALLER EXPECTED LABEL: one request and its checks.
cell() {
	local row=$1 who=$2 want=$3 label=$4 out err before after
	before=$(sql 'SELECT count(*) FROM events')
	out=$("req_$row" "$who")
	after=$(sql 'SELECT count(*) FROM events')
	case $want in
	200) err=- ;;
	401) err=unauthorized ;;
	403) err=forbidden ;;
	422) err=unknown_appointment ;;
	405) err=method_not_allowed ;;
	*) err=? ;;
	esac
	check_error "$row by $label" "$want" "$err" "$out"
	if [ "$want" = 200 ] && [[ $row == sync_push* ]]; then
		check_eq "$row by $label: one event stored" $((before + 1)) "$after"
		SEQ[$who]=$((SEQ[$who] + 1))
	elif [[ $row == sync_* ]]; then
		check_eq "$row by $label: nothing written" "$before" "$after"
	fi
	if [ "$want" = 200 ] && [[ $row == sync_p* ]]; then
		check "$row by $label: only its courier's appointments come back" \
			pulled_only "$who" "$out"
	fi
}

while read -r row cells; do
	[ -n "$row" ] || continue
	set -- $cells
	for who in $CALLERS; do
		want=$1; shift
		if [ "$who" = malformed ]; then
			for i in "${!MALFORMED[@]}"; do
				CELL="$row-m$i"; AUTH=$(auth_header malformed "$i")
				cell "$row" "$who" "$want" "malformed credential #$i"
			done
		else
			CELL=$row; AUTH=$(auth_header "$who")
			cell "$row" "$who" "$want" "$who"
		fi
	done
done <<<"$MATRIX"
check_eq "the events stored are exactly the accepted pushes" \
	"$(( SEQ[A] - 1 + SEQ[B] - 1 ))" "$(sql 'SELECT count(*) FROM events')"
finish
