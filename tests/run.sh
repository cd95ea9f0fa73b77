#!/usr/bin/env bash
# run.sh: runs every test (unit binaries, fuzz-corpus replays, integration scripts) and ends
# with one line "N passed, N failed, N skipped". BUILD names the build tree (build or
# build-asan); ONLY=text runs the tests whose name contains it.
#
# What counts, so that a green line proves something:
# - Unit tests are Check suites; each check counts. A binary that exits non-zero is a failure
#   even when its summary is clean (a LeakSanitizer report at exit looks like that).
# - Integration scripts print TAP lines ("ok - ..." / "not ok - ..."); each line counts. A
#   script that exits non-zero without a "not ok" line, or runs no check at all, is one
#   failure.
# - "ok - # SKIP reason" is a skip, not a pass. A skip fails the run unless it is allowed:
#   by the list below (each entry with its reason) or by ALLOW_SKIP=name1,name2 (script
#   names) for a one-off run. Allowed skips are counted apart in the closing line.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export DOORSTEP_ROOT=$PWD
passed=0; failed=0; skipped=0; failures=""
ONLY=${ONLY:-}
ALLOW_SKIP=${ALLOW_SKIP:-}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/doorstep-tests.XXXXXX")

# Skips allowed in every run, as "script:text the skip line contains", one per line:
# - test_agent_memory's shared-library check: a sanitizer build maps libasan and an
#   AGENT_STATIC=0 build maps libsqlite3 by design; the check guards the product build only.
# - the allocation-failure trials under AddressSanitizer: the LD_PRELOAD shim cannot sit in
#   front of its allocator; they run in the ordinary build (make test).
ALLOWED_SKIPS="test_agent_memory:shared-library check
test_fault_alloc_server:AddressSanitizer
test_fault_alloc_agent:AddressSanitizer"

# skip_allowed NAME LINE: whether a skip line of script NAME is allowed.
skip_allowed() {
	local entry
	[[ ",$ALLOW_SKIP," == *",$1,"* ]] && return 0
	while IFS= read -r entry; do
		[ -n "$entry" ] || continue
		[ "${entry%%:*}" = "$1" ] && [[ "$2" == *"${entry#*:}"* ]] && return 0
	done <<<"$ALLOWED_SKIPS"
	return 1
}

fail_one() { failed=$((failed+1)); failures="$failures $1"; }

count_check() { # $1 name, $2 log, $3 exit status
	local line c f e
	line=$(grep -E '^[0-9]+%: Checks: ' "$2" | tail -1)
	if [ -z "$line" ]; then fail_one "$1"; return; fi
	c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + c - f - e)); failed=$((failed + f + e))
	if [ $((f + e)) -gt 0 ]; then
		failures="$failures $1"
	elif [ "$3" -ne 0 ]; then
		# A clean summary and a non-zero exit: something after the checks failed.
		fail_one "$1"; echo "# $1: exit $3 after a clean Check summary"
	fi
}

for t in "$BUILD"/tests/*/test_*; do
	[ -x "$t" ] || continue
	name=${t#"$BUILD"/tests/}
	[ -n "$ONLY" ] && [[ "$name" != *$ONLY* ]] && continue
	log="$logdir/${name//\//_}.log"
	CK_FORK=yes "$t" >"$log" 2>&1
	rc=$?
	count_check "$name" "$log" "$rc"
	if [ $rc -ne 0 ]; then
		echo "FAIL $name (exit $rc)"; tail -20 "$log"
	else
		echo "ok   $name"
	fi
done

# Fuzz corpora replay through the same entry points the fuzzers use.
for t in "$BUILD"/fuzz-replay/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$ONLY" ] && [[ "$name" != *$ONLY* ]] && continue
	corpus="tests/fuzz/corpus/${name#fuzz_}"
	log="$logdir/$name.log"
	if "$t" "$corpus" >"$log" 2>&1; then
		passed=$((passed+1))
		echo "ok   $name ($(grep -c . "$log" 2>/dev/null || echo 0) inputs)"
	else
		fail_one "$name"; echo "FAIL $name"; tail -20 "$log"
	fi
done

# count_tap NAME LOG RC: counts one integration script's TAP lines.
count_tap() {
	local name=$1 log=$2 rc=$3 p f s bad=0 line
	p=$(grep -E '^ok\b' "$log" | grep -cv '# SKIP')
	f=$(grep -cE '^not ok\b' "$log")
	s=0
	while IFS= read -r line; do
		if skip_allowed "$name" "$line"; then
			s=$((s+1))
		else
			bad=$((bad+1)); echo "# $name: skip not allowed: $line"
		fi
	done < <(grep -E '^ok\b.*# SKIP' "$log")
	f=$((f + bad))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		f=1; echo "# $name: no check ran"
	fi
	passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
	if [ "$f" -gt 0 ]; then
		failures="$failures $name"
		echo "FAIL $name ($p ok, $f not ok, $s skipped, exit $rc)"
		grep -E '^not ok' "$log" | head -20; tail -30 "$log"
	else
		[ "$s" -gt 0 ] && s_note=", $s skipped" || s_note=""
		echo "ok   $name ($p checks$s_note)"
	fi
}

for t in tests/integration/test_*.sh; do
	[ -x "$t" ] || continue
	name=$(basename "$t" .sh)
	[ -n "$ONLY" ] && [[ "$name" != *$ONLY* ]] && continue
	log="$logdir/$name.log"
	timeout 600 "$t" >"$log" 2>&1
	count_tap "$name" "$log" $?
done

[ -n "$failures" ] && echo "failed:$failures"
echo "logs: $logdir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
