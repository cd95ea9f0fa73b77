# Routing benchmark: all 56 Solomon instances with both objectives, each solution
# re-checked by the independent checker, plus the generated province-sized day.
# Runs one instance at a time (one core each); JOBS=2 halves the wall time.
.PHONY: bench-routing
bench-routing: test-build
	@BUILD=$(BUILD) bench/routing.sh
