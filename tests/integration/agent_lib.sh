# agent_lib.sh: shell helpers for the agent's integration tests (sourced). Real parts only:
# a private gpsd fed NMEA through tests/tools/nmea_replay.py, and the real doorstep-server
# over TLS on loopback. Every process started here is recorded and killed by agent_cleanup
# (installed as an EXIT trap by agent_init).
set -u
ROOT=${DOORSTEP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
AGENT=$BUILD/bin/doorstep-agent
SERVER=$BUILD/bin/doorstep-server
REPLAY=$ROOT/tests/tools/nmea_replay.py
NMEA=$ROOT/tests/data/nmea
T_PIDS=""
T_FAILED=0
T_SHM=""

agent_init() { # sets T (a private temp dir) and the cleanup trap
	T=$(mktemp -d "${TMPDIR:-/tmp}/agent-test.XXXXXX")
	trap agent_cleanup EXIT
	trap 'exit 130' INT TERM
}

agent_cleanup() {
	local p
	for p in $T_PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in $T_PIDS; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for p in $T_SHM; do ipcrm -M "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}

track() { T_PIDS="$T_PIDS $1"; }

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; T_FAILED=$((T_FAILED + 1)); }
check() { # check DESC COMMAND...: ok when COMMAND succeeds
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
finish() { [ "$T_FAILED" -eq 0 ]; exit $?; }
# bail REASON: a set-up step failed; that is a failure of the test, never a skip.
bail() { echo "not ok - $*"; T_FAILED=$((T_FAILED + 1)); exit 1; }

free_port() { # $1: 1 = TCP, 2 = UDP
	python3 -c \
		'import socket,sys;s=socket.socket(type=int(sys.argv[1]));s.bind(
			("127.0.0.1",0));print(s.getsockname()[1])' \
		"$1"
}

wait_for() { # wait_for SECONDS COMMAND...: poll every 50 ms
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# ---- gpsd ----
gpsd_start() { # sets GPSD_PORT (TCP, reused on restart), GPSD_UPORT (UDP), GPSD_PID
	: "${GPSD_PORT:=$(free_port 1)}"
	: "${GPSD_UPORT:=$(free_port 2)}"
	GPSD_SHM_KEY=$(printf '0x4770%04X' "$GPSD_PORT")
	T_SHM="$T_SHM $GPSD_SHM_KEY"
	GPSD_SHM_KEY=$GPSD_SHM_KEY gpsd -N -n -b -S "$GPSD_PORT" "udp://127.0.0.1:$GPSD_UPORT" \
		2>>"$T/gpsd.err" &
	GPSD_PID=$!
	track $GPSD_PID
	python3 "$REPLAY" --udp "127.0.0.1:$GPSD_UPORT" --wait-gpsd "$GPSD_PORT" --wait-only &&
		kill -0 $GPSD_PID
}

gpsd_stop() { # $1 signal (default TERM)
	kill -"${1:-TERM}" "$GPSD_PID" 2>/dev/null
	wait "$GPSD_PID" 2>/dev/null
	ipcrm -M "$GPSD_SHM_KEY" 2>/dev/null
	return 0
}

replay() { # replay LOG FIRST_EPOCH COUNT [RATE]: play epochs FIRST..FIRST+COUNT-1
	python3 "$REPLAY" --udp "127.0.0.1:$GPSD_UPORT" --rate "${4:-200}" --skip "$2" \
		--count "$3" "$NMEA/$1" 2>/dev/null
}

replay_bg() { # like replay, in the background; sets REPLAY_PID (python's own pid)
	python3 "$REPLAY" --udp "127.0.0.1:$GPSD_UPORT" --rate "${4:-200}" --skip "$2" \
		--count "$3" "$NMEA/$1" 2>/dev/null &
	REPLAY_PID=$!
	track $REPLAY_PID
}

# ---- the agent ----
agent() { "$AGENT" --data "$T/agent" --gpsd "127.0.0.1:${GPSD_PORT:-1}" "$@"; }

daemon_start() { # the agent's daemon; waits until it watches gpsd (or is at least up)
	# The binary itself, not the agent() function: a function in the background is a
	# subshell, and its pid is not the daemon's.
	"$AGENT" --data "$T/agent" --gpsd "127.0.0.1:${GPSD_PORT:-1}" --log-level debug run \
		2>>"$T/daemon.err" &
	DAEMON_PID=$!
	track $DAEMON_PID
	wait_for 10 test -e "$T/agent/gps.view"
}

daemon_stop() {
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID"
}

status_field() { # status_field NAME: one member of `status --json`
	agent status --json | python3 -c \
		'import json,sys;v=json.load(sys.stdin).get(sys.argv[1]);print(
			v if v is not None else "")' \
		"$1"
}

# ---- the server ----
server_wait_built() { # the server is built by another part of the project: wait for it
	local i
	for i in $(seq 1 "${1:-1}"); do
		[ -x "$SERVER" ] && "$SERVER" --data "$T/probe" init >/dev/null 2>&1 && return 0
		rm -rf "$T/probe"; sleep 1
	done
	return 1
}

vn_today() { date -u -d '+7 hours' +%F; }

server_setup() { # init, one office, one courier, appointments from $1 (CSV); sets PIN
	local out
	out=$("$SERVER" --data "$T/server" init) || return 1
	PIN=$(echo "$out" | sed -n 's/^pin: //p')
	"$SERVER" --data "$T/server" office add --id o1 --name "Bưu điện Cao Lãnh" \
		--lat 10.4565 --lon 105.6345 >/dev/null &&
	"$SERVER" --data "$T/server" courier add --id c1 --name "Trần Thị Bích" --office o1 \
		>/dev/null &&
	"$SERVER" --data "$T/server" import "$1" >/dev/null
}

server_start() { # sets SERVER_PORT (reused on restart), SERVER_PID, URL
	: "${SERVER_PORT:=$(free_port 1)}"
	"$SERVER" --data "$T/server" serve --listen "127.0.0.1:$SERVER_PORT" \
		>>"$T/server.out" 2>>"$T/server.err" &
	SERVER_PID=$!
	track $SERVER_PID
	URL="https://127.0.0.1:$SERVER_PORT"
	wait_for 10 grep -q "listening on" "$T/server.out" && kill -0 $SERVER_PID
}

server_stop() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	: >"$T/server.out"
	return 0
}

agent_enroll() {
	local code
	code=$("$SERVER" --data "$T/server" enroll --courier c1 | sed -n 's/^code: //p')
	agent enroll --server "$URL" --pin "$PIN" --code "$code" >/dev/null
}

export_events() { "$SERVER" --data "$T/server" export events --format json; }

# The three stops of the Cao Lãnh logs as today's appointments (CSV for `import`).
round_csv() {
	local d; d=$(vn_today)
	cat <<CSV
code,kind,citizen,phone,address,lat,lon,window_start,window_end,service_min,office,due,courier
H15.50.05.13-261008-0001,collect,Nguyễn Văn An,0912345678,12 Lý Thường Kiệt P.1 Cao Lãnh,10.4748,105.6412,${d}T08:30:00+07:00,${d}T09:30:00+07:00,10,o1,${d}T17:00:00+07:00,c1
H15.50.05.13-261008-0002,deliver,Lê Thị Đào,0987654321,45 Nguyễn Huệ P.2 Cao Lãnh,10.4695,105.6456,${d}T08:40:00+07:00,${d}T09:40:00+07:00,10,o1,${d}T17:00:00+07:00,c1
H15.50.05.13-261008-0003,deliver,Phạm Đức Minh,0901234567,7 Đường 30/4 P.3 Cao Lãnh,10.4638,105.6465,${d}T08:45:00+07:00,${d}T09:50:00+07:00,10,o1,${d}T17:00:00+07:00,c1
CSV
}

# ---- assertions on JSON (python3 stdlib) ----
# stop_pos LOG INDEX: "lat lon" of the INDEX-th stop (0 = post office) of a log's events.json
stop_pos() {
	python3 - "$NMEA/${1%.nmea}.events.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
stops = [s for s in d["segments"] if s["type"] == "stop"]
print(*stops[int(sys.argv[2])]["end_pos"])
PY
}

# event_field FILE EXPR: evaluate EXPR (Python, the event as `e`) on the act's --json output
event_field() {
	python3 - "$1" "$2" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))
PY
}

# dist_m FILE LAT LON: distance in metres from the event's fix to LAT LON ("nan" if none)
dist_m() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, math, sys
e = json.load(open(sys.argv[1]))
g = e["gps"]
if "lat" not in g:
    print("nan"); sys.exit()
la1, lo1, la2, lo2 = map(math.radians, (g["lat"], g["lon"], float(sys.argv[2]), float(sys.argv[3])))
h = math.sin((la2-la1)/2)**2 + math.cos(la1)*math.cos(la2)*math.sin((lo2-lo1)/2)**2
print(round(2 * 6371008.8 * math.asin(math.sqrt(h)), 1))
PY
}

lt() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)' \
	"$1" "$2"; }

# export_check: the server's events for this device are exactly the agent's SEQ 1..N, each
# once, in order. Prints a reason and fails otherwise.
export_check() { # $1 = N expected
	export_events >"$T/export.json" || { echo "export failed"; return 1; }
	python3 - "$T/export.json" "$1" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1])); n = int(sys.argv[2])
seqs = [e["seq"] for e in ev]
uuids = [e["uuid"] for e in ev]
if len(set(uuids)) != len(uuids): sys.exit("doubled uuids: %d of %d unique"
                                           % (len(set(uuids)), len(uuids)))
if sorted(seqs) != list(range(1, n + 1)): sys.exit("seqs %s... expected 1..%d (got %d)"
                                                  % (sorted(seqs)[:10], n, len(seqs)))
if seqs != sorted(seqs): sys.exit("stored out of order")
PY
}

# wait_status SECONDS FIELD VALUE: until `status --json` shows FIELD = VALUE ("!VALUE": not)
wait_status() {
	local end=$((SECONDS + $1)) v
	while :; do
		v=$(status_field "$2")
		case $3 in
		!*) [ "$v" != "${3#!}" ] && return 0 ;;
		*) [ "$v" = "$3" ] && return 0 ;;
		esac
		[ $SECONDS -ge $end ] && { echo "# status $2 = $v"; return 1; }
		sleep 0.1
	done
}
