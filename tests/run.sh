#!/usr/bin/env bash
# run.sh: runs every test (unit binaries, fuzz-corpus replays, integration scripts) and ends
# with one line "N passed, N failed". BUILD names the build tree (build or build-asan).
# Unit tests are Check suites; each check counts. Integration scripts print TAP lines
# ("ok - ..." / "not ok - ..."); each line counts, and a script that exits non-zero
# without a "not ok" line counts as one failure.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export DOORSTEP_ROOT=$PWD
passed=0; failed=0; failures=""
ONLY=${ONLY:-}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/doorstep-tests.XXXXXX")

count_check() { # $1 name, $2 log
	local line c f e
	line=$(grep -E '^[0-9]+%: Checks: ' "$2" | tail -1)
	if [ -z "$line" ]; then failed=$((failed+1)); failures="$failures $1"; return; fi
	c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + c - f - e)); failed=$((failed + f + e))
	[ $((f + e)) -gt 0 ] && failures="$failures $1"
}

for t in "$BUILD"/tests/*/test_*; do
	[ -x "$t" ] || continue
	name=${t#"$BUILD"/tests/}
	[ -n "$ONLY" ] && [[ "$name" != *$ONLY* ]] && continue
	log="$logdir/${name//\//_}.log"
	CK_FORK=yes "$t" >"$log" 2>&1
	rc=$?
	count_check "$name" "$log"
	if [ $rc -ne 0 ]; then echo "FAIL $name"; tail -20 "$log"; else echo "ok   $name"; fi
done

# Fuzz corpora replay through the same entry points the fuzzers use.
for t in "$BUILD"/fuzz-replay/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$ONLY" ] && [[ "$name" != *$ONLY* ]] && continue
	corpus="tests/fuzz/corpus/${name#fuzz_}"
	log="$logdir/$name.log"
	if "$t" "$corpus" >"$log" 2>&1; then
		passed=$((passed+1)); echo "ok   $name ($(grep -c . "$log" 2>/dev/null || echo 0) inputs)"
	else
		failed=$((failed+1)); failures="$failures $name"; echo "FAIL $name"; tail -20 "$log"
	fi
done

for t in tests/integration/test_*.sh; do
	[ -x "$t" ] || continue
	name=$(basename "$t" .sh)
	[ -n "$ONLY" ] && [[ "$name" != *$ONLY* ]] && continue
	log="$logdir/$name.log"
	timeout 600 "$t" >"$log" 2>&1
	rc=$?
	p=$(grep -cE '^ok\b' "$log"); f=$(grep -cE '^not ok\b' "$log")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed+p)); failed=$((failed+f))
	if [ "$f" -gt 0 ]; then
		failures="$failures $name"; echo "FAIL $name ($p ok, $f not ok, exit $rc)"
		grep -E '^not ok' "$log" | head -20; tail -30 "$log"
	else
		echo "ok   $name ($p checks)"
	fi
done

[ -n "$failures" ] && echo "failed:$failures"
echo "logs: $logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
