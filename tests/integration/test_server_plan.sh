#!/usr/bin/env bash
# test_server_plan.sh: `plan` on a realistic office day: every appointment is routed inside
# its window or reported with a reason; a device gets its round with ETAs at its next sync;
# re-planning keeps stops already done or under way; rounds are versioned.
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up"; finish; }
# 40 more appointments across the day, and one nobody can do (22:00, after every shift).
python3 - >"$T/day.csv" <<'PY'
import random
random.seed(7)
print("code,kind,citizen,phone,address,lat,lon,window_start,window_end,service_min,office,due,courier")
for i in range(40):
    h = random.choice([8, 9, 10, 13, 14, 15])
    print(f"H15.50.05.13-261126-1{i:03d},{'collect' if i % 2 else 'deliver'},Người dân {i},"
          f"0912{i:06d},\"{i} Đường Nguyễn Huệ, Cao Lãnh\",{10.44 + random.random() * 0.04:.5f},"
          f"{105.61 + random.random() * 0.05:.5f},2026-11-26T{h:02d}:00:00+07:00,"
          f"2026-11-26T{h + 1:02d}:00:00+07:00,10,cl,2026-11-28T17:00:00+07:00,")
print("H15.50.05.13-261126-1999,deliver,Đêm Khuya,0912999999,Xa lắm,10.45,105.62,"
      "2026-11-26T22:00:00+07:00,2026-11-26T23:00:00+07:00,10,cl,2026-11-27T17:00:00+07:00,")
PY
srv import "$T/day.csv" >/dev/null || notok "day import"
srv plan --office cl --date 2026-11-26 --time-limit-ms 1500 >"$T/plan1.out" 2>&1
check_eq "plan exits 0" 0 $?
check "plan prints each courier's stops with ETAs" grep -qE '^ +1\. H15.* ETA [0-9]{2}:[0-9]{2}' \
	"$T/plan1.out"
check "the 22:00 appointment is reported unplaced with a reason" grep -qE \
	'H15.50.05.13-261126-1999: .+' "$T/plan1.out"
n_all=$(sql "SELECT count(*) FROM appointments WHERE office_id='cl'")
n_placed=$(sql "SELECT count(*) FROM appointments WHERE office_id='cl' AND stop_no IS NOT NULL")
n_unplaced=$(sed -n '/could not be placed/,$p' "$T/plan1.out" | grep -c '^  H15')
check_eq "every appointment placed or reported (none lost)" "$n_all" "$((n_placed + n_unplaced))"
check_eq "every ETA inside its booked window" 0 \
	"$(sql "SELECT count(*) FROM appointments WHERE stop_no IS NOT NULL AND (eta_ms < window_start_ms OR eta_ms > window_end_ms)")"
check_eq "appointments the import pinned to a courier stay with it" 0 \
	"$(sql "SELECT count(*) FROM appointments WHERE pinned_courier IS NOT NULL AND stop_no IS NOT NULL AND courier_id != pinned_courier")"
check "and they are placed" test \
	"$(sql "SELECT count(*) FROM appointments WHERE pinned_courier IS NOT NULL AND stop_no IS NOT NULL")" \
	-gt 0
check_eq "round version 1 stored" 1 "$(sql "SELECT max(version) FROM rounds WHERE office_id='cl'")"
check "a lunch break is planned" grep -q 'break 1[12]:' "$T/plan1.out"

# The device gets its round at the next sync.
start_server || { notok "server starts"; finish; }
c=$(sql "SELECT courier_id FROM appointments WHERE stop_no = 1 LIMIT 1")
enroll "$c"
out=$(api /v1/sync -X POST -H "Authorization: Bearer $CRED" -d '{"v":1}' | body_of)
check "sync carries stop, eta and round_version" python3 -c '
import json,sys
a=json.loads(sys.argv[1])["appointments"]
assert a and all("stop" in x and "eta" in x and x["round_version"]==1 for x in a if "stop" in x)
assert any(x.get("stop")==1 for x in a)' "$out"
first=$(sql "SELECT code FROM appointments WHERE courier_id='$c' AND stop_no=2")
cursor=$(echo "$out" | python3 -c 'import json,sys;print(json.load(sys.stdin)["cursor"])')

# The courier arrives at its second stop first; a re-plan keeps it with that courier, first.
mkbatch --seed p --seq 1 --count 1 --appt "$first" --type arrive --at 2026-11-26T01:30:00 \
	>"$T/arr.json"
check_eq "arrival synced" 200 "$(sync_file "$T/arr.json" | status_of)"
srv plan --office cl --date 2026-11-26 --time-limit-ms 1500 >"$T/plan2.out" 2>&1
check_eq "re-plan exits 0" 0 $?
check_eq "stop under way kept with its courier, first" "$c 1" \
	"$(sql "SELECT courier_id, stop_no FROM appointments WHERE code='$first'" | tr '|' ' ')"
check "re-plan says it kept it" grep -q "$first.*kept" "$T/plan2.out"
check "re-plan prints what changed" grep -q 'changes since version 1' "$T/plan2.out"
check_eq "round version 2 stored" 2 "$(sql "SELECT max(version) FROM rounds WHERE office_id='cl'")"
out=$(api /v1/sync -X POST -H "Authorization: Bearer $CRED" -d "{\"v\":1,\"cursor\":$cursor}" | \
	body_of)
check "next sync brings version 2" python3 -c \
	'import json,sys;a=json.loads(sys.argv[1])["appointments"];assert any(
		x.get("round_version")==2 for x in a)' \
	"$out"

check_eq "unknown office: exit 1" 1 \
	"$(srv plan --office nope --date 2026-11-26 >/dev/null 2>&1; echo $?)"
check_eq "bad date: exit 2" 2 "$(srv plan --office cl --date 2026-13-01 >/dev/null 2>&1; echo $?)"
echo '{"seconds": [1,2]}' >"$T/bad-matrix.json"
check_eq "bad matrix file: exit 1" 1 \
	"$(srv plan --office cl --date 2026-11-26 --matrix "$T/bad-matrix.json" >/dev/null 2>&1; \
	echo $?)"
echo '{"seconds": {"office": {"H15.50.05.13-261126-1000": 60}}}' >"$T/matrix.json"
check "a travel-time matrix file is accepted" srv plan --office cl --date 2026-11-26 --matrix \
	"$T/matrix.json" --time-limit-ms 500
finish
