# lib.sh: shared helpers for the server's integration tests. Source it; it sets a trap that
# stops every process the test started and removes its temporary folder, even on failure.
# Results are TAP lines ("ok - ..." / "not ok - ..."); run.sh counts them.
set -u
ROOT=${DOORSTEP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
SERVER="$BUILD/bin/doorstep-server"
T=$(mktemp -d "${TMPDIR:-/tmp}/doorstep-it.XXXXXX")
FAILS=0
PIDS=""

cleanup() {
	local p
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILS=$((FAILS+1)); }
# check DESC CMD...: ok when CMD succeeds.
check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else notok "$d"; fi; }
# check_eq DESC EXPECTED ACTUAL
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (expected '$2', got '$3')"; fi; }
finish() { [ "$FAILS" -eq 0 ]; exit $?; }

free_port() {
	python3 -c \
		'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# srv ARGS...: the server CLI on the test's data folder.
srv() { "$SERVER" --data "$T/data" "$@"; }

# setup_server: init, one office with two couriers, the fixture appointments.
setup_server() {
	srv init >"$T/init.out" || return 1
	PIN=$(sed -n 's/^pin: //p' "$T/init.out")
	srv office add --id cl --name "Bưu điện Cao Lãnh" --lat 10.4565 --lon 105.6345 >/dev/null &&
	srv office add --id sd --name "Bưu điện Sa Đéc" --lat 10.2957 --lon 105.7590 >/dev/null &&
	srv courier add --id c1 --name "Trần Văn Bình" --office cl >/dev/null &&
	srv courier add --id c2 --name "Phạm Thị Hoa" --office cl >/dev/null &&
	srv import "$ROOT/tests/data/appointments.csv" >/dev/null
}

# running PID: the process is alive and not a zombie (kill -0 succeeds on a zombie).
running() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null); [ -n "$st" ] && [[ "$st" != Z* ]]; }

# start_server: serve on a free port and wait for "listening on". Sets URL, SRV_PID.
start_server() {
	local port i
	port=$(free_port)
	"$SERVER" --data "$T/data" serve --listen "127.0.0.1:$port" >"$T/serve.out" \
		2>>"$T/serve.err" &
	SRV_PID=$!
	PIDS="$PIDS $SRV_PID"
	for i in $(seq 1 400); do
		grep -q "^listening on" "$T/serve.out" 2>/dev/null && break
		running "$SRV_PID" || break
		sleep 0.05
	done
	URL="https://127.0.0.1:$port"
	grep -q "^listening on" "$T/serve.out" && return 0
	echo "# server did not start (port '$port', $i polls, $(running "$SRV_PID" &&
		echo running || echo gone)):"
	sed 's/^/# /' "$T/serve.err"
	return 1
}

stop_server() { kill -TERM "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; }

# api PATH [curl args...]: HTTPS call with the pinned key; prints the body, then the status
# on the last line.
api() {
	local path=$1; shift
	curl -sS -k --pinnedpubkey "$PIN" -w '\n%{http_code}' "$@" "$URL$path"
}
status_of() { tail -n1; }
body_of() { sed '$d'; }

# error_of: reads an api reply on stdin; prints "STATUS ERROR", ERROR being the body's
# "error" member ("-" when the body is not a JSON object with one).
error_of() {
	python3 -c '
import json, sys
text = sys.stdin.read()
body, _, status = text.rpartition("\n")
try:
    err = json.loads(body).get("error", "-")
except (ValueError, AttributeError):
    err = "-"
print(status, err)'
}

# check_error DESC STATUS ERROR REPLY: REPLY (an api reply) has that status and error code.
check_error() { check_eq "$1: $2 $3" "$2 $3" "$(printf '%s' "$4" | error_of)"; }

# enroll COURIER: enrols a device; sets CRED ("dev-….secret").
enroll() {
	local code out
	code=$(srv enroll --courier "$1" | sed -n 's/^code: //p')
	out=$(api /v1/enroll -X POST -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" \
		| body_of)
	CRED=$(printf '%s' "$out" | python3 -c \
		'import json,sys;d=json.load(sys.stdin);print(d["device"]+"."+d["credential"])')
}

# sync_file FILE [curl args...]: POST FILE to /v1/sync with the current CRED.
sync_file() {
	local f=$1; shift
	api /v1/sync -X POST -H "Authorization: Bearer $CRED" -H 'Content-Type: application/json' \
		--data-binary "@$f" "$@"
}

# sql QUERY: a read-only look at the server's database.
sql() { sqlite3 -readonly -cmd ".timeout 10000" "$T/data/doorstep.db" "$1"; }

# mkbatch ARGS: event batches for tests (see tests/tools/mkbatch.py --help).
mkbatch() { python3 "$ROOT/tests/tools/mkbatch.py" "$@"; }

# setup_load N A: N couriers at office cl, each with A appointments, each with an enrolled
# device; writes $T/creds for tests/tools/loadgen ("DEVICE.SECRET CODE,CODE,..." lines).
# Courier C's appointment K has the serial CCKKKKK, so a courier's appointments sort
# together in order of K; $T/codes-C lists them. The CSV goes in files of at most 8
# couriers, each well under the import's size cap.
setup_load() {
	local n=$1 a=$2 i f
	for i in $(seq 0 $((n - 1))); do
		srv courier add --id "lc$i" --name "Courier $i" --office cl >/dev/null || return 1
	done
	python3 - "$n" "$a" "$T" <<'PY' || return 1
import sys
n, a, t = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
head = "code,kind,citizen,phone,address,lat,lon,window_start,window_end,service_min,office,due,courier\n"
for first in range(0, n, 8):
    with open(f"{t}/load-{first // 8:02d}.csv", "w") as f:
        f.write(head)
        for c in range(first, min(n, first + 8)):
            codes = [f"H15.50.05.13-261126-{c:02d}{k:05d}" for k in range(a)]
            with open(f"{t}/codes-{c}", "w") as cf:
                cf.write(",".join(codes))
            for k, code in enumerate(codes):
                kind = "collect" if k % 2 == 0 else "deliver"
                f.write(f"{code},{kind},Nguyễn Văn {c}-{k},"
                        f"09{c:02d}{k:06d},\"{k} Lý Thường Kiệt, Cao Lãnh\",{10.45 + (k % 300) * 1e-4:.6f},"
                        f"{105.62 + c * 1e-4:.6f},2026-11-26T08:00:00+07:00,"
                        f"2026-11-26T17:00:00+07:00,10,cl,2026-11-26T17:00:00+07:00,lc{c}\n")
PY
	for f in "$T"/load-*.csv; do
		srv import "$f" >/dev/null || return 1
	done
	: >"$T/creds"
	for i in $(seq 0 $((n - 1))); do
		enroll "lc$i" || return 1
		echo "$CRED $(cat "$T/codes-$i")" >>"$T/creds"
	done
}
