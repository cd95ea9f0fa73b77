#!/usr/bin/env bash
# test_server_report.sh: a day of acts synced through the real server, then `report` in its
# three formats and `export events` in its three: the figures match what happened.
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up"; finish; }
start_server || { notok "server starts"; finish; }
enroll c1; C1=$CRED
A1=H15.50.05.13-261126-0001   # collect, window 08:00-09:00 (+07), due in a week
A2=H15.50.05.13-261120-0002   # deliver, window 09:00-10:00, due 17:00
A3=H15.50.05.13-261119-0003   # deliver, window 10:00-11:00, due 10:30
# A1 collected on time (08:10 local = 01:10Z); A2 failed (not home) then delivered late
# against its window (10:20 local) but before its due time; A3 delivered at 10:45 local:
# inside its window, after its legal due time.
mkbatch --seed r --seq 1 --count 2 --appt "$A1" --type arrive,collect --at 2026-11-26T01:10:00 \
	>"$T/1.json"
mkbatch --seed r --seq 3 --count 1 --appt "$A2" --type fail --at 2026-11-26T02:05:00 >"$T/2.json"
mkbatch --seed r --seq 4 --count 1 --appt "$A2" --type deliver --at 2026-11-26T03:20:00 >"$T/3.json"
mkbatch --seed r --seq 5 --count 1 --appt "$A3" --type deliver --at 2026-11-26T03:45:00 >"$T/4.json"
for f in 1 2 3 4; do \
	[ "$(sync_file "$T/$f.json" | status_of)" = 200 ] || notok "batch $f synced"; done

srv report --format json >"$T/r.json"
check "report JSON parses" python3 -c 'import json,sys;json.load(open(sys.argv[1]))' "$T/r.json"
get() { python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(eval(sys.argv[2]))' \
	"$T/r.json" "$1"; }
check_eq "booked: 6 (fixture)" 6 "$(get 'd["total"]["booked"]')"
check_eq "collected 1, delivered 2" "1 2" \
	"$(get 'd["total"]["collected"], d["total"]["delivered"]' | tr -d '(),')"
check_eq "on time 1 (A1)" 1 "$(get 'd["total"]["on_time"]')"
check_eq "late against the window 1 (A2)" 1 "$(get 'd["total"]["late_window"]')"
check_eq "late against the due time 1 (A3)" 1 "$(get 'd["total"]["late_due"]')"
check_eq "failed visits: 1, not-home" "1 1" \
	"$(get 'd["total"]["failed_visits"], d["total"]["failed_by_reason"]["not-home"]' | tr -d \
	'(),')"
check_eq "pending + overdue = 3 open" 3 "$(get 'd["total"]["pending"] + d["total"]["overdue"]')"
check_eq "one office row, cl" cl "$(get 'd["offices"][0]["office"]')"
check_eq "office filter: sd has nothing" 0 \
	"$(srv report --office sd --format json | python3 -c \
	'import json,sys;print(json.load(sys.stdin)["total"]["booked"])')"
check_eq "date filter: nothing on 2026-11-27" 0 \
	"$(srv report --from 2026-11-27 --to 2026-11-27 --format json | python3 -c \
	'import json,sys;print(json.load(sys.stdin)["total"]["booked"])')"
check_eq "date filter: 6 on 2026-11-26" 6 \
	"$(srv report --from 2026-11-26 --to 2026-11-26 --format json | python3 -c \
	'import json,sys;print(json.load(sys.stdin)["total"]["booked"])')"
check "CSV report: header + office + total" bash -c \
	"[ \$('$SERVER' --data '$T/data' report --format csv | wc -l) = 3 ]"
check "text report has a TOTAL row" bash -c "'$SERVER' --data '$T/data' report | grep -q '^TOTAL'"
check_eq "bad date: usage error" 2 "$(srv report --from 2026-02-30 >/dev/null 2>&1; echo $?)"

srv export events --format json >"$T/e.json"
check "export JSON: 5 events with the protocol's members" python3 -c '
import json,sys
ev=json.load(open(sys.argv[1])); assert len(ev)==5
for e in ev:
    for k in ("uuid","device","courier","appointment","type","recorded_at","received_at",
              "gps","flags"): assert k in e, k
    for k in ("lat","lon","accuracy_m","mode","fix_age_s","source"): assert k in e["gps"], k
' "$T/e.json"
check "export flags: late_window on A2's delivery, late_due on A3's" python3 -c '
import json,sys
ev={(e["appointment"],e["type"]):e for e in json.load(open(sys.argv[1]))}
assert "late_window" in ev[("'$A2'","deliver")]["flags"]
assert "late_due" in ev[("'$A3'","deliver")]["flags"]
assert ev[("'$A2'","fail")]["reason"]=="not-home"' "$T/e.json"
check "export CSV: header + 5 rows, note quoted" python3 -c '
import csv,sys,subprocess
rows=list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows)==6 and rows[0][0]=="uuid" and any("gọi điện" in r[rows[0].index("note")]
                                                   for r in rows[1:])' \
	<(srv export events --format csv)
check "export GeoJSON: 5 Point features" python3 -c '
import json,sys
g=json.load(sys.stdin); assert g["type"]=="FeatureCollection" and len(g["features"])==5
assert all(f["geometry"]["type"]=="Point" and len(f["geometry"]["coordinates"])==2
           for f in g["features"])' \
	< <(srv export events --format geojson)
check_eq "export --since the future: none" 0 \
	"$(srv export events --since 2100-01-01T00:00:00Z | python3 -c \
	'import json,sys;print(len(json.load(sys.stdin)))')"

# Regression: re-importing an appointment with a later due time derives its flags again.
sed "s/2026-11-26T10:30:00+07:00,c1/2026-11-26T11:00:00+07:00,c1/" \
	"$ROOT/tests/data/appointments.csv" >"$T/later-due.csv"
srv import "$T/later-due.csv" >/dev/null
check "re-import with a later due time clears late_due (re-derived)" python3 -c '
import json,sys
ev={(e["appointment"],e["type"]):e for e in json.load(sys.stdin)}
assert "late_due" not in ev[("'$A3'","deliver")]["flags"]' < <(srv export events)
srv import "$ROOT/tests/data/appointments.csv" >/dev/null

# Determinism: the same acts sent in another order to a fresh server give the same state.
state1=$(sql 'SELECT code, status, done_ms, fail_reason FROM appointments ORDER BY code')
stop_server
rm -rf "$T/data"; setup_server; start_server; enroll c1
for f in 4 3 2 1; do sync_file "$T/$f.json" >/dev/null; done
check_eq "same events in reverse order: same appointment state" "$state1" \
	"$(sql 'SELECT code, status, done_ms, fail_reason FROM appointments ORDER BY code')"
finish
