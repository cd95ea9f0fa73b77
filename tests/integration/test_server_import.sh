#!/usr/bin/env bash
# test_server_import.sh: CSV imports: a good file, re-import (update, no duplicates), and
# each kind of bad row: refused with its line number and reason, nothing changed.
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up (imports the fixture)"; finish; }
check_eq "fixture imported: 6 appointments" 6 "$(sql 'SELECT count(*) FROM appointments')"
HDR="code,kind,citizen,phone,address,lat,lon,window_start,window_end,service_min,office,due,courier"
GOOD='H15.50.05.13-261126-0101,collect,Ngô Bảo Châu,0912000111,"1 Đường 30/4, Cao Lãnh",10.46,105.63,2026-11-27T08:00:00+07:00,2026-11-27T09:00:00+07:00,10,cl,2026-12-04T17:00:00+07:00,c1'

# Re-importing the same codes updates them: no duplicates, new values.
sed 's/Nguyễn Văn An/Nguyễn Văn Ân/' "$ROOT/tests/data/appointments.csv" >"$T/re.csv"
out=$(srv import "$T/re.csv")
check "re-import reports 6 updated" grep -q "6 updated" <<<"$out"
check_eq "re-import: still 6 appointments" 6 "$(sql 'SELECT count(*) FROM appointments')"
check_eq "re-import: value updated" "Nguyễn Văn Ân" \
	"$(sql "SELECT citizen FROM appointments WHERE code='H15.50.05.13-261126-0001'")"

snapshot() { sql 'SELECT * FROM appointments ORDER BY code' | sha256sum; }
before=$(snapshot)

# bad_case DESC LINE_EXPECTED REASON_PATTERN ROW: a file with one good row and ROW.
bad_case() {
	local desc=$1 line=$2 pat=$3 row=$4 rc
	printf '%s\n%s\n%s\n' "$HDR" "$GOOD" "$row" >"$T/bad.csv"
	srv import "$T/bad.csv" >/dev/null 2>"$T/bad.err"; rc=$?
	if [ $rc -ne 0 ] && grep -q "bad.csv:$line: .*$pat" "$T/bad.err" && [ "$(snapshot)" = \
		"$before" ]; then
		ok "bad row refused, line $line named, nothing changed: $desc"
	else
		notok "bad row: $desc (exit $rc): $(cat "$T/bad.err")"
	fi
}
R='H15.50.05.13-261126-0102'
W='2026-11-27T08:00:00+07:00,2026-11-27T09:00:00+07:00'
bad_case "garbage dossier code" 3 "code:" \
	"XX-1,collect,A,0912000111,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "bad date in code" 3 "code:" \
	"H15.50-261332-0001,collect,A,0912000111,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "unknown kind" 3 "kind" \
	"$R,pickup,A,0912000111,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "empty citizen" 3 "citizen" \
	"$R,collect,,0912000111,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "bad phone" 3 "phone" \
	"$R,collect,A,call me,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "latitude out of range" 3 "lat/lon" \
	"$R,collect,A,0912000111,addr,100.5,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "longitude not a number" 3 "lat/lon" \
	"$R,collect,A,0912000111,addr,10.46,abc,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "time without offset" 3 "window_start" \
	"$R,collect,A,0912000111,addr,10.46,105.63,2026-11-27T08:00:00,2026-11-27T09:00:00+07:00,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "window ends before it starts" 3 "window_end is not after" \
	"$R,collect,A,0912000111,addr,10.46,105.63,2026-11-27T09:00:00+07:00,2026-11-27T08:00:00+07:00,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "bad due time" 3 "due" "$R,collect,A,0912000111,addr,10.46,105.63,$W,10,cl,tomorrow,c1"
bad_case "negative service minutes" 3 "service_min" \
	"$R,collect,A,0912000111,addr,10.46,105.63,$W,-5,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "unknown office" 3 "office \"zz\" does not exist" \
	"$R,collect,A,0912000111,addr,10.46,105.63,$W,10,zz,2026-12-04T17:00:00+07:00,c1"
bad_case "unknown courier" 3 "courier \"c9\"" \
	"$R,collect,A,0912000111,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c9"
bad_case "too few fields" 3 "fields" "$R,collect,A"
bad_case "code twice in the file" 3 "appears twice" "$GOOD"
bad_case "unterminated quote" 3 "CSV syntax.*never closed" "$R,collect,\"A,0912000111"
bad_case "citizen starting like a formula" 3 "citizen starts with \"=\"" \
	"$R,collect,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",0912000111,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
bad_case "address starting like a formula" 3 "address starts with \"@\"" \
	"$R,collect,A,0912000111,@SUM(A1),10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1"
# A file that cannot be read as CSV names its line, and the summary does not count rows.
printf '%s\n%s\n%s\n%s\n' "$HDR" "$GOOD" "$R,collect,\"A,0912000111" "$GOOD" >"$T/open.csv"
srv import "$T/open.csv" 2>"$T/open.err"
check "unclosed quote: the line where its record began" grep -q 'open.csv:4: .*starting on line 3' \
	"$T/open.err"
check "unclosed quote: no \"0 of 0 rows\" summary" bash -c \
	"! grep -q 'of [0-9]* rows' '$T/open.err'"

# Header problems and non-UTF-8 text.
printf 'code,kind,citizen\n' >"$T/h.csv"
check "missing header columns refused" bash -c \
	"! '$SERVER' --data '$T/data' import '$T/h.csv' 2>&1 | grep -q x; ! '$SERVER' --data '$T/data' import '$T/h.csv' 2>/dev/null"
srv import "$T/h.csv" 2>"$T/h.err"; check "header problem names the column" grep -q \
	'lacks the column "phone"' "$T/h.err"
printf '%s\n%s\n' "$HDR" "$GOOD" | sed 's/Ngô/Ng\xf4/' >"$T/latin1.csv"
check "non-UTF-8 file refused" bash -c \
	"! '$SERVER' --data '$T/data' import '$T/latin1.csv' 2>/dev/null"
srv import "$T/latin1.csv" 2>"$T/latin1.err"
check "non-UTF-8: the line and byte named" grep -q 'latin1.csv:2: not UTF-8 text at byte 36' \
	"$T/latin1.err"
check "non-UTF-8: no \"0 of 0 rows\" summary" bash -c "! grep -q '0 of 0 rows' '$T/latin1.err'"
: >"$T/empty.csv"
check "empty file refused" bash -c "! '$SERVER' --data '$T/data' import '$T/empty.csv' 2>/dev/null"
check "missing file refused" bash -c "! '$SERVER' --data '$T/data' import '$T/nope.csv' 2>/dev/null"
# Several bad rows are all reported.
printf '%s\n%s\n%s\n' "$HDR" \
	"$R,pickup,A,0912000111,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1" \
	"$R-2,collect,A,0912000111,addr,10.46,105.63,$W,10,cl,2026-12-04T17:00:00+07:00,c1" \
	>"$T/two.csv"
srv import "$T/two.csv" 2>"$T/two.err"
check "every bad row reported (lines 2 and 3)" bash -c \
	"grep -q 'two.csv:2:' '$T/two.err' && grep -q 'two.csv:3:' '$T/two.err'"
check_eq "bad files changed nothing" "$before" "$(snapshot)"

# A good file with quoted fields, a BOM and CRLF line ends.
printf '\xef\xbb\xbf%s\r\n%s\r\n' "$HDR" "$GOOD" >"$T/good.csv"
check "BOM + CRLF + quoted commas imported" srv import "$T/good.csv"
check_eq "quoted address kept whole" "1 Đường 30/4, Cao Lãnh" \
	"$(sql "SELECT address FROM appointments WHERE code='H15.50.05.13-261126-0101'")"
finish
