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
