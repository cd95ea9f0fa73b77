#!/usr/bin/env bash
# test_lint_layout.sh: scripts/lint-layout.py passes on the tree (and lint-width.py), and
# lint-layout fails on each kind of fault it promises to catch, planted one at a time in a
# copy of the tree's sources.
. "$(dirname "$0")/lib.sh"

LINT="$DOORSTEP_ROOT/scripts/lint-layout.py"
check "the tree keeps its layers" "$LINT" "$DOORSTEP_ROOT"
check "the code's lines fit 100 columns" "$DOORSTEP_ROOT/scripts/lint-width.py" "$DOORSTEP_ROOT"

plant() { # $1 name, $2 file to append to, $3 line; the copy is fresh each time
	rm -rf "$T/tree"; mkdir -p "$T/tree"
	(cd "$DOORSTEP_ROOT" && cp -r --parents shared route server agent "$T/tree/")
	printf '%s\n' "$3" >>"$T/tree/$2"
	local out rc
	out=$("$LINT" "$T/tree" 2>&1); rc=$?
	check_eq "$1: refused" 1 "$rc"
	echo "$out" | grep -q "lint-layout: " || notok "$1: says why"
}
plant "route/ includes server/" route/tour.c '#include "server/db/store.h"'
plant "route/ includes agent/" route/tour.c '#include "agent/ledger.h"'
plant "shared/ includes server/" shared/geo.c '#include "server/report.h"'
plant "shared/ includes agent/" shared/geo.c '#include "agent/act.h"'
plant "net layer includes the service" server/net/http.c '#include "server/api.h"'
plant "agent includes the server" agent/round.c '#include "server/plan.h"'
plant "a cycle between two modules" route/tour.h '#include "route/solution.h"'
plant "a cycle through three modules" shared/isotime.h '#include "model.h"'
finish
