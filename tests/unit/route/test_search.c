/* test_search.c: unit tests of route/search.c, the SISR search with its fleet
 * minimisation, against exact answers on small instances. For seeded random
 * models of 1-7 jobs and 1-4 vehicles, a dynamic programme over subsets finds
 * which sets of jobs each vehicle can serve (earliest departure per last stop
 * dominates, since waiting is allowed and every constraint is a latest time),
 * then the fewest vehicles that serve every job and the best set of jobs any
 * plan can serve. search_solve() must return a feasible solution with every job
 * once, never fewer vehicles than that minimum, never leave out a job the exact
 * answer serves (highest priority first), and reach the minimum fleet. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "brute.h"
#include "route/search.h"

#define E_CASES 1000                 /* random instances per test */
#define E_MASKS (1 << BRUTE_MAX_JOBS)
#define E_NONE 1000                  /* "no plan" in vehicle counts */

/* The exact answers for one model. */
struct exact {
	unsigned char ok[BRUTE_MAX_VEH][E_MASKS]; /* vehicle can serve exactly these jobs */
	int fleet[E_MASKS];   /* fewest vehicles serving exactly these jobs, or E_NONE */
};

/* Earliest departures of vehicle V over states (jobs done incl. the break bit,
 * last job or the start): fills X->ok[V]. The break is in the route exactly when
 * tour_init() takes it (it fits right after the start). */
static void vehicle_subsets(const struct tour_model *m, int v, struct exact *x)
{
	static const double none = INFINITY;
	const struct tour_vehicle *veh = &m->veh[v];
	int n = m->n_jobs, bbit = 1 << n, nb = 1 << (n + 1), mask, last, j, brk = veh->brk;
	double dep[2 * E_MASKS][BRUTE_MAX_JOBS + 1], load;

	if (brk >= 0 && !brute_simulate(m, v, &brk, 1, NULL))
		brk = -1;
	for (mask = 0; mask < nb; mask++)
		for (last = 0; last <= n; last++)
			dep[mask][last] = none;
	dep[0][n] = veh->start_s;
	for (mask = 0; mask < nb; mask++)
		for (last = 0; last <= n; last++) {
			double t = dep[mask][last], s;
			int from = last == n ? veh->start_loc : m->nodes[last].loc;

			if (isinf(t))
				continue;
			for (j = 0; j < n; j++) {
				const struct tour_node *nj = &m->nodes[j];

				if ((mask >> j & 1) || (nj->only_veh >= 0 && nj->only_veh != v))
					continue;
				s = fmax(t + brute_mat(m->time_s, m, from, nj->loc), nj->ready_s);
				if (s <= nj->late_s + TOUR_EPS)
					dep[mask | 1 << j][j] = fmin(dep[mask | 1 << j][j],
					    s + nj->service_s);
			}
			if (brk >= 0 && !(mask & bbit)) {
				s = fmax(t, m->nodes[brk].ready_s);
				if (s <= m->nodes[brk].late_s + TOUR_EPS)
					dep[mask | bbit][last] = fmin(dep[mask | bbit][last],
					    s + m->nodes[brk].service_s);
			}
		}
	for (mask = 0; mask < bbit; mask++) {
		int full = mask | (brk >= 0 ? bbit : 0);

		for (load = 0, j = 0; j < n; j++)
			load += (mask >> j & 1) ? m->nodes[j].demand : 0;
		x->ok[v][mask] = 0;
		for (last = 0; last <= n && load <= veh->capacity + TOUR_EPS; last++) {
			int at = last == n ? veh->start_loc : m->nodes[last].loc;

			if (dep[full][last] + brute_mat(m->time_s, m, at, veh->end_loc) <=
			    veh->end_s + TOUR_EPS)
				x->ok[v][mask] = 1;
		}
	}
}

/* Fewest vehicles serving exactly each set of jobs: vehicles one by one, each
 * taking no job or a set it can serve. O(n_veh 3^n_jobs). */
static void exact_fleet(const struct tour_model *m, struct exact *x)
{
	int cur[E_MASKS], nxt[E_MASKS], n = 1 << m->n_jobs, v, mask, sub;

	for (mask = 0; mask < n; mask++)
		cur[mask] = mask == 0 ? 0 : E_NONE;
	for (v = 0; v < m->n_veh; v++) {
		vehicle_subsets(m, v, x);
		for (mask = 0; mask < n; mask++) {
			nxt[mask] = cur[mask];
			for (sub = mask; sub > 0; sub = (sub - 1) & mask)
				if (x->ok[v][sub] && cur[mask ^ sub] + 1 < nxt[mask])
					nxt[mask] = cur[mask ^ sub] + 1;
		}
		memcpy(cur, nxt, sizeof(cur));
	}
	memcpy(x->fleet, cur, sizeof(cur));
}

/* The left-out counts per priority of the best plan: fewest left out at the
 * highest priority first. */
static void exact_miss(const struct tour_model *m, const struct exact *x, int *best)
{
	int n = 1 << m->n_jobs, mask, j, p, miss[SOL_PRIO_LEVELS];

	for (p = 0; p < SOL_PRIO_LEVELS; p++)
		best[p] = E_NONE;
	for (mask = 0; mask < n; mask++) {
		if (x->fleet[mask] >= E_NONE)
			continue;
		memset(miss, 0, sizeof(miss));
		for (j = 0; j < m->n_jobs; j++)
			miss[m->nodes[j].prio] += !(mask >> j & 1);
		for (p = SOL_PRIO_LEVELS - 1; p >= 0 && miss[p] == best[p]; p--)
			;
		if (p >= 0 && miss[p] < best[p])
			memcpy(best, miss, sizeof(miss));
	}
}

/* Outcomes over many cases. */
struct tally {
	int at_min;      /* served everything with the fewest vehicles */
	int above_min;   /* served everything with more vehicles than needed */
	int no_plan;     /* no plan serves every job */
	int missed;      /* left out a job the best plan serves */
};

/* Solve case K with FLAGS, check what must always hold, and count the outcome. */
static void solve_case(int k, unsigned flags, int vehicles_first, long iterations,
    struct tally *out)
{
	struct brute_world w;
	struct brute_rng r;
	struct solution s;
	struct search_params par = { vehicles_first, 60000, iterations, 0 };
	static struct exact x;
	int best[SOL_PRIO_LEVELS], full, p;
	long iters = 0;

	r.s = 0x5ea7u + (uint64_t)k * 32452843u;
	par.seed = r.s;
	brute_gen(&w, &r, brute_int(&r, 1, 7), brute_int(&r, 1, 4), flags);
	exact_fleet(&w.m, &x);
	exact_miss(&w.m, &x, best);
	full = (1 << w.m.n_jobs) - 1;
	ck_assert_int_eq(search_solve(&w.m, &par, &s, &iters), DS_OK);
	ck_assert_int_gt(iters, 0);
	brute_check_solution(&w.m, &s, 1, 1);
	/* Never better than the exact answer (that would be an infeasible plan or a
	 * wrong brute force), priority by priority. */
	for (p = SOL_PRIO_LEVELS - 1; p >= 0 && s.miss[p] == best[p]; p--)
		;
	ck_assert(p < 0 || s.miss[p] > best[p]);
	if (p >= 0)
		out->missed++;
	else if (x.fleet[full] >= E_NONE)
		out->no_plan++;
	else if (s.used == x.fleet[full])
		out->at_min++;
	else
		out->above_min++;
	if (x.fleet[full] < E_NONE && s.n_unas == 0)
		ck_assert_int_ge(s.used, x.fleet[full]);
	solution_fini(&s);
}

/* Count the outcomes of E_CASES solves over the generator mixes MIX[0..N), each
 * with a deterministic budget of ITERATIONS. */
static struct tally solve_many(const unsigned *mix, int n, int vehicles_first, long iterations,
    int seed_base)
{
	struct tally t = { 0, 0, 0, 0 };
	int k;

	for (k = 0; k < E_CASES; k++)
		solve_case(seed_base + k, mix[k % n], vehicles_first, iterations, &t);
	ck_assert_int_eq(t.at_min + t.above_min + t.no_plan + t.missed, E_CASES);
	return t;
}

/* (4) Vehicles first on one class of vehicles (the classic fleet minimisation):
 * nothing left out that a plan serves, never fewer vehicles than the minimum,
 * and the minimum reached in every case within the budget. */
START_TEST(test_fleet_minimum_same_fleet)
{
	static const unsigned mix[] = {
		BRUTE_SAME_FLEET, BRUTE_SAME_FLEET | BRUTE_LOOSE,
		BRUTE_SAME_FLEET | BRUTE_BREAKS | BRUTE_LOOSE, BRUTE_SAME_FLEET | BRUTE_BREAKS,
	};
	struct tally t = solve_many(mix, 4, 1, 2000, 0);

	ck_assert_int_eq(t.missed, 0);
	ck_assert_int_eq(t.above_min, 0);
	ck_assert_int_gt(t.at_min, E_CASES / 2);
	ck_assert_int_gt(t.no_plan, 0);
}
END_TEST

/* (4) Vehicles first on mixed fleets, with pinned jobs and priorities: nothing
 * left out that a plan serves, never fewer vehicles than the minimum. The
 * minimum is not always reached: fleet minimisation empties the route with the
 * fewest jobs, which on a mixed fleet can be the one vehicle some job needs, and
 * then only the annealing can swap vehicles. On these 1,000 cases 15 end above
 * the minimum; the bound keeps that from growing unseen. */
START_TEST(test_fleet_minimum_mixed_fleet)
{
	static const unsigned mix[] = {
		0, BRUTE_LOOSE, BRUTE_LOOSE | BRUTE_BREAKS | BRUTE_PINNED,
		BRUTE_BREAKS | BRUTE_PRIO,
		BRUTE_LOOSE | BRUTE_PRIO | BRUTE_PINNED, BRUTE_LOOSE | BRUTE_RAW,
	};
	struct tally t = solve_many(mix, 6, 1, 1000, 100000);

	ck_assert_int_eq(t.missed, 0);
	ck_assert_int_le(t.above_min, E_CASES / 50);
	ck_assert_int_gt(t.at_min, E_CASES / 2);
}
END_TEST

/* The distance objective, too, leaves out only what the best plan must. */
START_TEST(test_distance_objective_serves_all_it_can)
{
	static const unsigned mix[] = {
		BRUTE_PRIO, BRUTE_LOOSE | BRUTE_BREAKS | BRUTE_PRIO, BRUTE_PINNED | BRUTE_PRIO,
	};
	struct tally t = solve_many(mix, 3, 0, 300, 200000);

	ck_assert_int_eq(t.missed, 0);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("search");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fleet_minimum_same_fleet);
	tcase_add_test(tc, test_fleet_minimum_mixed_fleet);
	tcase_add_test(tc, test_distance_objective_serves_all_it_can);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
