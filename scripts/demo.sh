#!/usr/bin/env bash
# demo.sh: `make demo`. The whole flow on the embedded SQLite default, with real parts: the
# server over TLS, a courier's agent, and a real gpsd fed a recorded Cao Lãnh round. An
# office plans its day, a device enrols and pulls its round, the courier records acts at
# three doors with the network cut, the network comes back, every act arrives once, and the
# province's report is printed. The demo's files are kept; the last line says where.
set -u
cd "$(dirname "$0")/.."
export DOORSTEP_ROOT=$PWD
. tests/integration/agent_lib.sh
agent_init
KEEP=1
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s|$T|\$DEMO|g; s|$BUILD/bin/||g"; "$@"; }
srv() { "$SERVER" --data "$T/server" "$@"; }
die() { echo "demo: $*" >&2; exit 1; }
D=$(vn_today)

say "1. The post office sets up the server (data in \$DEMO/server)"
out=$(srv init) || die "init failed"; echo "$out"
PIN=$(echo "$out" | sed -n 's/^pin: //p')
run "$SERVER" --data "$T/server" office add --id o1 --name "Bưu điện Cao Lãnh" \
	--lat 10.4565 --lon 105.6345
run "$SERVER" --data "$T/server" courier add --id c1 --name "Trần Thị Bích" \
	--office o1 --shift 07:30-17:00
run "$SERVER" --data "$T/server" courier add --id c2 --name "Lê Văn Hải" \
	--office o1 --shift 07:30-17:00
round_csv >"$T/today.csv"
cat >>"$T/today.csv" <<CSV
H15.50.05.13-261008-0004,collect,Võ Thị Hạnh,0911222333,Ấp 2 xã Mỹ Trà Cao Lãnh,10.4802,105.6290,\
${D}T14:00:00+07:00,${D}T15:00:00+07:00,10,o1,${D}T17:00:00+07:00,
H15.50.05.13-261008-0005,deliver,Đặng Quốc Việt,0933444555,99 Tôn Đức Thắng P.1 Cao Lãnh,\
10.4550,105.6400,\
${D}T15:00:00+07:00,${D}T16:00:00+07:00,10,o1,${D}T17:00:00+07:00,
CSV
echo "appointments booked for $D (Vietnam time):"; cut -d, -f1-3,8-9 "$T/today.csv" | column -t -s,
run "$SERVER" --data "$T/server" import "$T/today.csv" || die "import failed"

say "2. The dispatcher plans the office's rounds"
run "$SERVER" --data "$T/server" plan --office o1 --date "$D" --time-limit-ms 1000 ||
	die "plan failed"

say "3. The server serves HTTPS; the courier's handheld enrols with a one-time code"
server_start || die "server did not start: $(cat "$T/server.err")"
echo "listening on $URL"
code=$(srv enroll --courier c1 | sed -n 's/^code: //p')
echo "one-time code for courier c1: $code"
run "$AGENT" --data "$T/agent" enroll --server "$URL" --pin "$PIN" --code "$code" ||
	die "enrol failed"
run "$AGENT" --data "$T/agent" sync || die "first sync failed"
run "$AGENT" --data "$T/agent" round
run "$AGENT" --data "$T/agent" find "nguyen van an"

say "4. The courier rides the round; gpsd is fed the recorded Cao Lãnh log. The network is cut."
gpsd_start || die "gpsd did not start"
daemon_start || die "agent daemon did not start"
server_stop
echo "(server stopped: no network)"
replay cao-lanh-round.nmea 0 600
run "$AGENT" --data "$T/agent" arrive H15.50.05.13-261008-0001
run "$AGENT" --data "$T/agent" collect H15.50.05.13-261008-0001 --documents 3 --fee-vnd 26000
replay cao-lanh-round.nmea 600 300
run "$AGENT" --data "$T/agent" fail H15.50.05.13-261008-0002 --reason not-home \
	--note "gọi không nghe máy"
replay cao-lanh-round.nmea 900 300
run "$AGENT" --data "$T/agent" deliver H15.50.05.13-261008-0003 --recipient "Phạm Đức Minh" \
	--relation self --id-last4 4321
run "$AGENT" --data "$T/agent" sync
echo "(sync exit status $?: the server cannot be reached; the acts wait in the outbox)"
run "$AGENT" --data "$T/agent" status

say "5. The network is back: one sync delivers every act, once"
server_start || die "server did not restart"
run "$AGENT" --data "$T/agent" sync || die "sync failed"
run "$AGENT" --data "$T/agent" sync
daemon_stop
srv export events --format json >"$T/events.json"
python3 - "$T/events.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
print(f"the server holds {len(ev)} events (docs/PROTOCOL.md):")
print(f"{'seq':>3} {'type':8} {'appointment':26} {'gps':10} {'acc m':>6} {'to door m':>9}  flags")
for e in ev:
    g = e["gps"]
    print(f"{e['seq']:>3} {e['type']:8} {e['appointment']:26} {g['source']:10} "
          f"{g.get('accuracy_m', float('nan')):>6.1f} {g.get('dist_m', float('nan')):>9.1f}  "
          f"{','.join(e.get('flags', []))}")
print("(clock_skew: the recorded log is from 2025, so GPS time and the device clock disagree,"
      " and the agent says so)")
PY

say "6. The province's report for Doorstep's part of the work"
run "$SERVER" --data "$T/server" report --from "$D" --to "$D"
echo
echo "demo files kept in $T (server data in $T/server, agent data in $T/agent)"
