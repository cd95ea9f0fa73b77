#!/usr/bin/env bash
# test_solve.sh: the `solve` command end to end. Solves a time-limited subset of the
# Solomon instances with both objectives and re-checks each with the independent
# checker, then pins determinism, --help, exit codes and line-numbered errors for
# bad files. Prints TAP lines; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_solve.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
ok()     { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; fails=$((fails + 1)); }
check()  { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

SOLVE=("$BUILD/bin/doorstep-server" solve)
CHECK=$BUILD/tools/vrptw_check

check "--help prints usage" '"${SOLVE[@]}" --help | grep -q "usage: doorstep-server solve FILE"'

for inst in c101 c201 r101 r205 rc105 rc208; do
	for obj in vehicles distance; do
		out=$tmp/$inst.$obj.json
		if "${SOLVE[@]}" "data/solomon/$inst.txt" --objective $obj --time-limit-ms 300 \
			>"$out" 2>"$tmp/err" &&
		    "$CHECK" "data/solomon/$inst.txt" "$out" --require-all >"$tmp/chk"; then
			ok "$inst $obj feasible: $(cat "$tmp/chk")"
		else
			not_ok "$inst $obj feasible: $(cat "$tmp/err" "$tmp/chk" 2>/dev/null \
				| head -5)"
		fi
	done
done

strip_ms() { sed -E 's/,"ms":[0-9]+//' "$1"; }
for i in 1 2; do
	"${SOLVE[@]}" data/solomon/rc101.txt --seed 7 --iterations 400 --time-limit-ms 60000 \
		>"$tmp/det$i.json"
done
check "same seed and iterations give identical output" \
	'[ -s "$tmp/det1.json" ] && [ "$(strip_ms "$tmp/det1.json")" = "$(strip_ms "$tmp/det2.json")" ]'

sed 's/\r$//' data/solomon/c105.txt >"$tmp/c105_lf.txt"
"${SOLVE[@]}" data/solomon/c105.txt --iterations 200 --time-limit-ms 60000 >"$tmp/crlf.json"
"${SOLVE[@]}" "$tmp/c105_lf.txt" --iterations 200 --time-limit-ms 60000 >"$tmp/lf.json"
check "CRLF and LF files give the same routes" \
	'[ "$(strip_ms "$tmp/crlf.json")" = "$(strip_ms "$tmp/lf.json")" ]'

# bad_file NAME LINE_NO REPLACEMENT EXPECTED_MESSAGE: edit one line of c101, expect exit 1.
bad_file() {
	awk -v n="$2" -v r="$3" 'NR == n { print r; next } { print }' data/solomon/c101.txt \
		>"$tmp/$1.txt"
	"${SOLVE[@]}" "$tmp/$1.txt" --iterations 10 >/dev/null 2>"$tmp/$1.err"
	local rc=$?
	check "bad file ($1) exits 1 naming line $2" \
		"[ $rc -eq 1 ] && grep -q 'line $2: $4' '$tmp/$1.err'"
}
bad_file garbage 20 "   10      35         6x6         10         65        144         90" \
	"bad number .6x6."
bad_file section 3 "VEHICLS" "expected the VEHICLE section"
bad_file negative 15 "    5      42         65        -10         15         67         90" \
	"negative demand"
bad_file fields 15 "    5      42         65" "expected 7 fields"
head -8 data/solomon/c101.txt >"$tmp/truncated.txt"
"${SOLVE[@]}" "$tmp/truncated.txt" >/dev/null 2>"$tmp/trunc.err"
check "truncated file exits 1 naming a line" \
	'[ $? -eq 1 ] && grep -q "line 9: truncated" "$tmp/trunc.err"'
{ cat data/solomon/c101.txt; for i in $(seq 101 1001); do echo "$i 1 1 1 0 100 1"; done; } \
	>"$tmp/big.txt"
"${SOLVE[@]}" "$tmp/big.txt" >/dev/null 2>"$tmp/big.err"
check "more than 1000 customers exits 1 naming the line" \
	'[ $? -eq 1 ] && grep -q "line 1011: more than 1000 customers" "$tmp/big.err"'
"${SOLVE[@]}" "$tmp/no-such-file.txt" >/dev/null 2>&1
check "missing file exits 1" '[ $? -eq 1 ]'
"${SOLVE[@]}" data/solomon/c101.txt --objective fastest >/dev/null 2>&1
check "bad usage exits 2" '[ $? -eq 2 ]'

exit $((fails > 0))
