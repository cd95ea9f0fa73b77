#!/usr/bin/env bash
# routing.sh: the routing benchmark behind `make bench-routing`. Solves all 56
# Solomon instances with both objectives (vehicles first, then distance), re-checks
# every solution with the independent checker (build/tools/vrptw_check), prints a
# row per instance and a summary per family and overall (means and medians), then
# times a generated province-sized day (1,000 jobs, 40 couriers, 5 offices).
# Exits non-zero when any solution is infeasible or a run fails. A run's time is taken
# from outside the solver (process start to exit, parsing included) and its vehicles and
# distance from the checker, so the figures do not rest on the solver's own account;
# failed and infeasible runs are listed and left out of the means.
# Environment: BUILD (build dir), TIME_LIMIT_MS (default: the solver's own),
# JOBS (instances solved at once, default 1: one core each), ONLY (name filter),
# OBJECTIVES (default "vehicles distance"), SKIP_DAY=1 (skip the province day).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-1}
ONLY=${ONLY:-}
DATA=data/solomon
CHECK=$BUILD/tools/vrptw_check
SOLVE=("$BUILD/bin/doorstep-server" solve)
if ! "${SOLVE[@]}" --help >/dev/null 2>&1; then
	echo "bench-routing: '${SOLVE[*]} --help' fails; the solver is broken" >&2
	exit 2
fi
for b in "$CHECK" "${SOLVE[0]}" "$BUILD/tools/route_bench"; do
	[ -x "$b" ] || { echo "bench-routing: $b missing; run make test-build" >&2; exit 2; }
done
LIMIT=()
[ -n "${TIME_LIMIT_MS:-}" ] && LIMIT=(--time-limit-ms "$TIME_LIMIT_MS")
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-routing.XXXXXX")
trap 'rm -rf "$out"' EXIT

# One run: prints "instance objective vehicles distance ms status", vehicles and distance
# as the checker counted them, ms from outside the solver, in one write (so two rows that
# finish together with JOBS=2 cannot interleave).
run_one() {
	local obj=$1 name=$2 sol="$out/$1.$2.json" t0 t1 ms v d
	t0=$(date +%s%N)
	if ! "${SOLVE[@]}" "$DATA/$name.txt" --objective "$obj" "${LIMIT[@]}" \
		>"$sol" 2>"$sol.err"; then
		echo "$name $obj 0 0 0 FAILED"; return
	fi
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	if ! "$CHECK" "$DATA/$name.txt" "$sol" --require-all >"$sol.chk" 2>&1; then
		echo "$name $obj 0 0 $ms INFEASIBLE"; return
	fi
	v=$(sed -nE 's/^feasible vehicles=([0-9]+) distance=.*/\1/p' "$sol.chk")
	d=$(sed -nE 's/^feasible vehicles=[0-9]+ distance=([0-9.]+)$/\1/p' "$sol.chk")
	if [ -z "$v" ] || [ -z "$d" ]; then
		echo "$name $obj 0 0 $ms UNCHECKED"; return
	fi
	echo "$name $obj $v $d $ms ok"
}
export -f run_one
export out DATA CHECK
export SOLVE_STR="${SOLVE[*]}" LIMIT_STR="${LIMIT[*]}"

names=$(ls "$DATA"/*.txt | xargs -n1 basename | sed 's/\.txt$//' | grep -- "$ONLY")
for obj in ${OBJECTIVES:-vehicles distance}; do
	printf '%s\n' $names | xargs -P "$JOBS" -I{} bash -c \
		'SOLVE=($SOLVE_STR); LIMIT=($LIMIT_STR); run_one '"$obj"' {}' >>"$out/results"
done

python3 - "$out/results" "$DATA/bks.csv" <<'PY'
import csv, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
bks = {r["instance"]: (int(r["vehicles"]), float(r["distance"]))
       for r in csv.DictReader(open(sys.argv[2]))}
fam = lambda n: n.rstrip("0123456789").upper() + n[len(n.rstrip("0123456789"))]
bad = 0
for obj in ("vehicles", "distance"):
    if not any(r[1] == obj for r in rows): continue
    sel = sorted((r for r in rows if r[1] == obj), key=lambda r: r[0])
    print(f"\n== objective: {obj} ==")
    print(f"{'instance':10}{'veh':>5}{'distance':>11}{'bks_veh':>9}{'bks_dist':>10}{'gap%':>8}"
          f"{'ms':>7}  check")
    by = {}
    for name, _, v, d, ms, st in sel:
        v, d, ms = int(v), float(d), int(ms)
        bv, bd = bks[name]
        if st != "ok":
            bad += 1
            print(f"{name:10}{'-':>5}{'-':>11}{bv:>9}{bd:>10.2f}{'-':>8}{ms:>7}  {st}")
            continue
        gap = 100.0 * (d - bd) / bd
        print(f"{name:10}{v:>5}{d:>11.2f}{bv:>9}{bd:>10.2f}{gap:>8.2f}{ms:>7}  {st}")
        for key in (fam(name), "ALL"):
            by.setdefault(key, []).append((v, bv, gap, ms))
    failed = sum(1 for r in sel if r[5] != "ok")
    if failed:
        print(f"\n{failed} run(s) failed or infeasible: left out of the figures below")
    print(f"\n{'family':8}{'n':>4}{'bks_veh':>9}{'gap%(veh=bks)':>15}{'gap%(all)':>11}"
          f"{'median_gap%':>13}{'median_ms':>11}")
    for key in ["C1", "C2", "R1", "R2", "RC1", "RC2", "ALL"]:
        if key not in by: continue
        xs = by[key]
        match = [g for v, bv, g, _ in xs if v == bv]
        mm = f"{statistics.mean(match):.2f}" if match else "-"
        print(f"{key:8}{len(xs):>4}{sum(v == bv for v, bv, _, _ in xs):>5}/{len(xs):<3}{mm:>15}"
              f"{statistics.mean(g for *_, g, _ in xs):>11.2f}"
              f"{statistics.median(g for *_, g, _ in xs):>13.2f}"
              f"{statistics.median(m for *_, m in xs):>11.0f}")
print()
if bad:
    print(f"bench-routing: {bad} solution(s) INFEASIBLE, UNCHECKED or FAILED")
sys.exit(1 if bad else 0)
PY
rc=$?
if [ -z "${SKIP_DAY:-}" ]; then
	echo
	"$BUILD/tools/route_bench" || rc=1
fi
exit $rc
