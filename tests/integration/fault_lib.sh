# fault_lib.sh: allocation-failure trials for the integration tests (sourced after lib.sh or
# agent_lib.sh). A command is run once under tests/fault/failmalloc.c counting its
# allocations, then again with each chosen allocation failing: the first 30 and a spread of
# the rest (FAULT_ALL=1: every one, as `make torture` runs it).
SHIM="$BUILD/fault/failmalloc.so"
# fault_asan BINARY: whether BINARY is built with AddressSanitizer, whose allocator the shim
# cannot sit in front of: the trials then run in the ordinary build only.
fault_asan() { nm "$1" 2>/dev/null | grep -q '__asan_init'; }

# alloc_count FILE CMD...: runs CMD once, counting; prints the number of allocations.
alloc_count() {
	local f=$1; shift
	FAILMALLOC_COUNT="$f" LD_PRELOAD="$SHIM" "$@" >/dev/null 2>&1
	cat "$f" 2>/dev/null || echo 0
}

# alloc_points N: the allocation numbers to fail, one per line.
alloc_points() {
	local n=$1 step i
	if [ "${FAULT_ALL:-0}" = 1 ]; then seq 1 "$n"; return; fi
	seq 1 $((n < 30 ? n : 30))
	step=$(( n / 50 > 1 ? n / 50 : 1 ))
	for ((i = 31; i <= n; i += step)); do echo "$i"; done
}

# alloc_fail K CMD...: runs CMD with its Kth allocation failing; sets RC and leaves its
# standard error in $T/fault.err.
alloc_fail() {
	local k=$1; shift
	FAILMALLOC_NTH="$k" LD_PRELOAD="$SHIM" "$@" >"$T/fault.out" 2>"$T/fault.err"
	RC=$?
}

# fault_eq DESC EXPECTED ACTUAL: a TAP line, through whichever library sourced this one.
fault_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	elif declare -F notok >/dev/null; then
		notok "$1 (expected '$2', got '$3')"
	else
		not_ok "$1 (expected '$2', got '$3')"
	fi
}

# alloc_trials NAME DIR DB JUDGE WHAT CMD...: CMD at each chosen allocation failure, each
# run on a fresh copy of $T/pristine at DIR. After each: no crash, a message when it fails,
# the database DB passes SQLite's integrity check, and JUDGE (a function given CMD's exit
# status) succeeds; WHAT says what JUDGE asserts. Four TAP lines, one per property.
alloc_trials() {
	local name=$1 dir=$2 db=$3 judge=$4 what=$5 n k crashed=0 silent=0 corrupt=0 wrong=0
	local tried=0
	shift 5
	rm -rf "$dir"; cp -a "$T/pristine" "$dir"
	n=$(alloc_count "$T/count" "$@")
	[ "$n" -gt 0 ] || { fault_eq "$name: allocations counted" yes no; return; }
	for k in $(alloc_points "$n"); do
		rm -rf "$dir"; cp -a "$T/pristine" "$dir"
		alloc_fail "$k" "$@"
		tried=$((tried + 1))
		if [ "$RC" -ge 128 ]; then
			crashed=$((crashed + 1)); echo "# $name: allocation $k: signal $((RC - 128))"
		fi
		[ "$RC" -ne 0 ] && [ ! -s "$T/fault.err" ] && silent=$((silent + 1))
		[ "$(sqlite3 -readonly "$db" 'PRAGMA integrity_check')" = ok ] ||
			corrupt=$((corrupt + 1))
		if ! "$judge" "$RC"; then
			wrong=$((wrong + 1)); echo "# $name: allocation $k: exit $RC: $what: no"
		fi
	done
	fault_eq "$name: no crash in $tried failure points of $n" 0 "$crashed"
	fault_eq "$name: every failure says why" 0 "$silent"
	fault_eq "$name: the database passes its integrity check after each" 0 "$corrupt"
	fault_eq "$name: $what" 0 "$wrong"
}
