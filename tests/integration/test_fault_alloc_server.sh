#!/usr/bin/env bash
# test_fault_alloc_server.sh: doorstep-server commands with an allocation failing at each
# chosen point (tests/integration/fault_lib.sh): never a crash, a message whenever it fails,
# a database that passes SQLite's integrity check, an import that is all or nothing, and the
# same command succeeding once memory is there again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"

if fault_asan "$SERVER"; then
	echo "ok - # SKIP allocation failures: the shim cannot sit in front of AddressSanitizer"
	exit 0
fi
[ -f "$SHIM" ] || { notok "the allocation shim is built ($SHIM)"; finish; }
srv init >/dev/null && srv office add --id cl --name "Bưu điện Cao Lãnh" --lat 10.4565 \
	--lon 105.6345 >/dev/null && srv courier add --id c1 --name "Trần Văn Bình" --office cl \
	>/dev/null && srv courier add --id c2 --name "Phạm Thị Hoa" --office cl >/dev/null ||
	{ notok "server set-up"; finish; }
cp -a "$T/data" "$T/pristine"
ROWS=$(($(wc -l <"$ROOT/tests/data/appointments.csv") - 1))

# trials NAME EXPECT CMD...: every chosen point of CMD on a fresh copy of the data; EXPECT is
# a shell test on the appointments held after a failed run.
trials() {
	local name=$1 expect=$2 n k crashed=0 silent=0 corrupt=0 partial=0 tried=0 held
	shift 2
	rm -rf "$T/data"; cp -a "$T/pristine" "$T/data"
	n=$(alloc_count "$T/count" "$@")
	[ "$n" -gt 0 ] || { notok "$name: allocations counted"; return; }
	for k in $(alloc_points "$n"); do
		rm -rf "$T/data"; cp -a "$T/pristine" "$T/data"
		alloc_fail "$k" "$@"
		tried=$((tried + 1))
		[ "$RC" -ge 128 ] && { crashed=$((crashed + 1)); echo \
			"# $name: allocation $k: signal $((RC - 128))"; }
		[ "$RC" -ne 0 ] && [ ! -s "$T/fault.err" ] && silent=$((silent + 1))
		[ "$(sql 'PRAGMA integrity_check')" = ok ] || corrupt=$((corrupt + 1))
		held=$(sql "SELECT count(*) FROM appointments")
		if [ "$RC" -ne 0 ] && ! eval "$expect"; then partial=$((partial + 1)); fi
	done
	check_eq "$name: no crash in $tried failure points of $n" 0 "$crashed"
	check_eq "$name: every failure says why" 0 "$silent"
	check_eq "$name: the database passes its integrity check after each" 0 "$corrupt"
	check_eq "$name: a failed run leaves the data as it was" 0 "$partial"
}

trials "import" '[ "$held" = 0 ]' "$SERVER" --data "$T/data" import \
	"$ROOT/tests/data/appointments.csv"
rm -rf "$T/data"; cp -a "$T/pristine" "$T/data"
check "import succeeds once memory is there again" srv import "$ROOT/tests/data/appointments.csv"
check_eq "and holds every row" "$ROWS" "$(sql 'SELECT count(*) FROM appointments')"
cp -a "$T/data" "$T/imported"; rm -rf "$T/pristine"; mv "$T/imported" "$T/pristine"
trials "report" '[ "$held" = "$ROWS" ]' "$SERVER" --data "$T/data" report --format csv
trials "courier add" '[ "$held" = "$ROWS" ]' "$SERVER" --data "$T/data" courier add --id c3 \
	--name "Lê Văn Cường" --office cl
finish
