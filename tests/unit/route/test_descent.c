/* test_descent.c: unit tests of route/descent.c, the local search that polishes
 * the search's solutions. On seeded random solutions of 1-7 jobs in 1-3 vehicles
 * (breaks, fixed prefixes, pinned jobs, priorities, and matrices that break the
 * triangle inequality), placed at random feasible places so there is something to
 * improve, descent_run() must never lengthen the total distance, never open a
 * vehicle nor change the jobs left out, keep every tour feasible by the
 * simulation with every job once, and leave the schedule arrays and the totals
 * up to date for the search that goes on from them. */
#include <check.h>
#include <string.h>

#include "brute.h"
#include "route/descent.h"

#define D_CASES 1000   /* random instances per test */

/* Run descent on case K and check it. Returns 1 when it shortened the solution. */
static int descend_case(int k, unsigned flags)
{
	struct brute_world w;
	struct brute_rng r;
	struct solution s;
	struct tour scratch[2];
	int pos[BRUTE_MAX_NODES + 1], unas[BRUTE_MAX_JOBS], n_unas, used, v, improved;
	double before;

	memset(scratch, 0, sizeof(scratch));
	r.s = 0xde5u + (uint64_t)k * 49979687u;
	brute_gen(&w, &r, brute_int(&r, 1, 7), brute_int(&r, 1, 3), flags);
	ck_assert_int_eq(solution_init(&s, &w.m), DS_OK);
	ck_assert_int_eq(brute_fill(&w.m, &s, &r, 8), DS_OK);
	brute_check_solution(&w.m, &s, 1, 1);
	before = s.dist;
	used = s.used;
	n_unas = s.n_unas;
	memcpy(unas, s.unas, (size_t)n_unas * sizeof(int));
	ck_assert_int_eq(descent_run(&w.m, &s, pos, scratch), DS_OK);
	/* dist and used are descent's to update; miss is untouched with unas. */
	brute_check_solution(&w.m, &s, 1, 1);
	ck_assert_double_le_tol(s.dist, before, 1e-9);
	ck_assert_int_le(s.used, used);
	ck_assert_int_eq(s.n_unas, n_unas);
	ck_assert_mem_eq(s.unas, unas, (size_t)n_unas * sizeof(int));
	for (v = 0; v < w.m.n_veh; v++)
		brute_check_fresh(&w.m, &s.t[v]);
	improved = s.dist < before - 1e-9;
	solution_fini(&s);
	tour_fini(&scratch[0]);
	tour_fini(&scratch[1]);
	return improved;
}

/* (6) Metric travel: descent never worsens and keeps feasibility. */
START_TEST(test_descent_metric)
{
	static const unsigned mix[] = {
		0, BRUTE_BREAKS, BRUTE_LOOSE, BRUTE_LOOSE | BRUTE_BREAKS | BRUTE_FIXED,
		BRUTE_LOOSE | BRUTE_PINNED | BRUTE_PRIO, BRUTE_LOOSE | BRUTE_SAME_FLEET,
	};
	int k, improved = 0;

	for (k = 0; k < D_CASES; k++)
		improved += descend_case(k, mix[k % 6]);
	/* The random placements leave room: descent must have found some. */
	ck_assert_int_gt(improved, 100);
}
END_TEST

/* (6) The same with matrices that break the triangle inequality, where taking a
 * stop out can make a tour late. */
START_TEST(test_descent_raw_matrix)
{
	static const unsigned mix[] = {
		BRUTE_RAW, BRUTE_RAW | BRUTE_BREAKS, BRUTE_RAW | BRUTE_LOOSE | BRUTE_FIXED,
		BRUTE_RAW | BRUTE_LOOSE | BRUTE_BREAKS | BRUTE_PINNED,
	};
	int k, improved = 0;

	for (k = 0; k < D_CASES; k++)
		improved += descend_case(k + D_CASES, mix[k % 4]);
	ck_assert_int_gt(improved, 100);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("descent");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_descent_metric);
	tcase_add_test(tc, test_descent_raw_matrix);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
