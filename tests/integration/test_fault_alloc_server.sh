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

# A failed import leaves no appointment; a failed report or courier add leaves all of them.
# A command that succeeded is judged by the checks after the trials.
none_held() { [ "$1" -eq 0 ] || [ "$(sql 'SELECT count(*) FROM appointments')" = 0 ]; }
all_held() { [ "$1" -eq 0 ] || [ "$(sql 'SELECT count(*) FROM appointments')" = "$ROWS" ]; }
trials() { # trials NAME JUDGE CMD...
	local name=$1 judge=$2
	shift 2
	alloc_trials "$name" "$T/data" "$T/data/doorstep.db" "$judge" \
		"a failed run leaves the data as it was" "$@"
}

trials "import" none_held "$SERVER" --data "$T/data" import \
	"$ROOT/tests/data/appointments.csv"
rm -rf "$T/data"; cp -a "$T/pristine" "$T/data"
check "import succeeds once memory is there again" srv import "$ROOT/tests/data/appointments.csv"
check_eq "and holds every row" "$ROWS" "$(sql 'SELECT count(*) FROM appointments')"
cp -a "$T/data" "$T/imported"; rm -rf "$T/pristine"; mv "$T/imported" "$T/pristine"
trials "report" all_held "$SERVER" --data "$T/data" report --format csv
trials "courier add" all_held "$SERVER" --data "$T/data" courier add --id c3 \
	--name "Lê Văn Cường" --office cl
finish
