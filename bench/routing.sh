#!/usr/bin/env bash
# routing.sh: the routing benchmark behind `make bench-routing`. Solves all 56
# Solomon instances with both objectives (vehicles first, then distance), re-checks
# every solution with the independent checker (build/tools/vrptw_check), prints a
# row per instance and a summary per family and overall (means and medians), then
# times a generated province-sized day (1,000 jobs, 40 couriers, 5 offices).
# Exits non-zero when any solution is infeasible or a run fails.
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
if "$BUILD/bin/doorstep-server" solve --help >/dev/null 2>&1; then
	SOLVE=("$BUILD/bin/doorstep-server" solve)
else
	SOLVE=("$BUILD/tools/solve_cli")
fi
for b in "$CHECK" "${SOLVE[0]}" "$BUILD/tools/route_bench"; do
	[ -x "$b" ] || { echo "bench-routing: $b missing; run make test-build" >&2; exit 2; }
done
LIMIT=()
[ -n "${TIME_LIMIT_MS:-}" ] && LIMIT=(--time-limit-ms "$TIME_LIMIT_MS")
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-routing.XXXXXX")
trap 'rm -rf "$out"' EXIT

# One run: prints "instance objective vehicles distance ms status".
run_one() {
	local obj=$1 name=$2 sol="$out/$1.$2.json" status
	if ! "${SOLVE[@]}" "$DATA/$name.txt" --objective "$obj" "${LIMIT[@]}" >"$sol" 2>"$sol.err"; then
		echo "$name $obj 0 0 0 FAILED"; return
	fi
	if "$CHECK" "$DATA/$name.txt" "$sol" --require-all >"$sol.chk" 2>&1; then status=ok
	else status=INFEASIBLE; fi
	# One echo, one write: with JOBS=2 and PYTHONUNBUFFERED set, print() wrote
	# its fields one by one and two rows finishing together came out interleaved.
	local row
	row=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], d["vehicles"], "%.2f" % d["distance"], d["ms"], sys.argv[4])' \
		"$sol" "$name" "$obj" "$status")
	echo "$row"
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
bks = {r["instance"]: (int(r["vehicles"]), float(r["distance"])) for r in csv.DictReader(open(sys.argv[2]))}
fam = lambda n: n.rstrip("0123456789").upper() + n[len(n.rstrip("0123456789"))]
bad = 0
for obj in ("vehicles", "distance"):
    if not any(r[1] == obj for r in rows): continue
    sel = sorted((r for r in rows if r[1] == obj), key=lambda r: r[0])
    print(f"\n== objective: {obj} ==")
    print(f"{'instance':10}{'veh':>5}{'distance':>11}{'bks_veh':>9}{'bks_dist':>10}{'gap%':>8}{'ms':>7}  check")
    by = {}
    for name, _, v, d, ms, st in sel:
        v, d, ms = int(v), float(d), int(ms)
        bv, bd = bks[name]
        gap = 100.0 * (d - bd) / bd
        bad += st != "ok"
        print(f"{name:10}{v:>5}{d:>11.2f}{bv:>9}{bd:>10.2f}{gap:>8.2f}{ms:>7}  {st}")
        for key in (fam(name), "ALL"):
            by.setdefault(key, []).append((v, bv, gap, ms))
    print(f"\n{'family':8}{'n':>4}{'bks_veh':>9}{'gap%(veh=bks)':>15}{'gap%(all)':>11}{'median_gap%':>13}{'median_ms':>11}")
    for key in ["C1", "C2", "R1", "R2", "RC1", "RC2", "ALL"]:
        if key not in by: continue
        xs = by[key]
        match = [g for v, bv, g, _ in xs if v == bv]
        mm = f"{statistics.mean(match):.2f}" if match else "-"
        print(f"{key:8}{len(xs):>4}{sum(v == bv for v, bv, _, _ in xs):>5}/{len(xs):<3}{mm:>15}"
              f"{statistics.mean(g for *_, g, _ in xs):>11.2f}{statistics.median(g for *_, g, _ in xs):>13.2f}"
              f"{statistics.median(m for *_, m in xs):>11.0f}")
print()
if bad:
    print(f"bench-routing: {bad} solution(s) INFEASIBLE or FAILED")
sys.exit(1 if bad else 0)
PY
rc=$?
if [ -z "${SKIP_DAY:-}" ]; then
	echo
	"$BUILD/tools/route_bench" || rc=1
fi
exit $rc
