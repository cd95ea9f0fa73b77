/* test_solution.c: unit tests of route/solution.c, the search's bookkeeping, and
 * chiefly of solution_remove_positions(), the removal every ruin and route drop
 * of the search goes through. On seeded random solutions of 1-7 jobs, SISR-shaped
 * strings (a run of a tour's free jobs, sometimes with a kept substring inside)
 * are removed and the result is compared with the sequence computed here: the
 * stops removed are exactly those asked for (plus, with a matrix that breaks the
 * triangle inequality, the trailing jobs the documented rule drops), no job is
 * lost or doubled, and the recounted totals match. */
#include <check.h>
#include <string.h>

#include "brute.h"
#include "route/solution.h"

#define S_CASES 1000   /* random instances per test */

/* A random solution of 1-7 jobs and 1-3 vehicles for case K; RAW: raw matrices. */
static void random_solution(struct brute_world *w, struct brute_rng *r, struct solution *s,
    int k, int raw)
{
	static const unsigned mix[] = {
		0, BRUTE_BREAKS, BRUTE_FIXED | BRUTE_PRIO,
		BRUTE_BREAKS | BRUTE_FIXED | BRUTE_PINNED,
		BRUTE_LOOSE | BRUTE_BREAKS | BRUTE_PRIO,
	};

	r->s = 0x501u + (uint64_t)k * 6151u + (raw ? 1u << 20 : 0u);
	brute_gen(w, r, brute_int(r, 1, 7), brute_int(r, 1, 3),
	    mix[k % 5] | (raw ? BRUTE_RAW : 0u));
	ck_assert_int_eq(solution_init(s, &w->m), DS_OK);
	brute_check_solution(&w->m, s, 1, 1);
	ck_assert_int_eq(brute_fill(&w->m, s, r, 4), DS_OK);
	brute_check_solution(&w->m, s, 1, 1);
}

/* Positions of a SISR string in tour T: L consecutive free jobs, of which, with a
 * split, M consecutive ones inside stay. Returns how many, ascending, into POS. */
static int string_positions(const struct tour_model *m, const struct tour *t,
    struct brute_rng *r, int *pos)
{
	int free_pos[BRUTE_MAX_STOPS], k = 0, i, n = 0, l, start, keep = -1, mk = 0;

	for (i = t->first_free; i < t->len - 1; i++)
		if (t->node[i] < m->n_jobs)
			free_pos[k++] = i;
	if (k == 0)
		return 0;
	l = brute_int(r, 1, k);
	start = brute_int(r, 0, k - l);
	if (l >= 3 && brute_int(r, 0, 1)) {
		mk = brute_int(r, 1, l - 2);
		keep = start + brute_int(r, 1, l - mk - 1);
	}
	for (i = start; i < start + l; i++)
		if (keep < 0 || i < keep || i >= keep + mk)
			pos[n++] = free_pos[i];
	return n;
}

/* The stops of tour T without those at POS[0..N) and then, while the simulation
 * rejects the tour, without its last free job: solution.h's rule. Returns the
 * length of the expected sequence in WANT and the jobs dropped in DROP/N_DROP. */
static int expected_after(const struct tour_model *m, const struct tour *t, const int *pos,
    int n, int *want, int *drop, int *n_drop)
{
	int nw = 0, i, k = 0, fixed_and_breaks;

	for (i = 1; i < t->len - 1; i++) {
		if (k < n && pos[k] == i) {
			drop[(*n_drop)++] = t->node[i];
			k++;
			continue;
		}
		want[nw++] = t->node[i];
	}
	while (!brute_simulate(m, t->veh, want, nw, NULL)) {
		for (i = nw - 1, fixed_and_breaks = t->first_free - 1; i >= fixed_and_breaks; i--)
			if (want[i] < m->n_jobs)
				break;
		if (i < fixed_and_breaks)
			break;
		drop[(*n_drop)++] = want[i];
		memmove(&want[i], &want[i + 1], (size_t)(nw - i - 1) * sizeof(int));
		nw--;
	}
	return nw;
}

/* Is X among A[0..N)? */
static int among(const int *a, int n, int x)
{
	int i;

	for (i = 0; i < n; i++)
		if (a[i] == x)
			return 1;
	return 0;
}

/* One removal of a SISR string from tour V of S, checked. Returns the number of
 * jobs dropped beyond those asked for. */
static int remove_and_check(const struct tour_model *m, struct solution *s, int v,
    struct brute_rng *r)
{
	int pos[BRUTE_MAX_STOPS], want[BRUTE_MAX_STOPS], drop[BRUTE_MAX_STOPS];
	int seq[BRUTE_MAX_STOPS] = {0}, old_unas[BRUTE_MAX_JOBS], n_old = s->n_unas;
	int n, nw, n_drop = 0, i, ok;

	n = string_positions(m, &s->t[v], r, pos);
	memcpy(old_unas, s->unas, (size_t)n_old * sizeof(int));
	nw = expected_after(m, &s->t[v], pos, n, want, drop, &n_drop);
	solution_remove_positions(s, m, v, pos, n);
	ck_assert_int_eq(brute_seq(&s->t[v], seq), nw);
	ck_assert_mem_eq(seq, want, (size_t)nw * sizeof(int));
	/* The left-out list is the old one followed by exactly the jobs dropped. */
	ck_assert_int_eq(s->n_unas, n_old + n_drop);
	ck_assert_mem_eq(s->unas, old_unas, (size_t)n_old * sizeof(int));
	for (i = 0; i < n_drop; i++) {
		ck_assert(among(s->unas + n_old, n_drop, drop[i]));
		ck_assert_int_eq(s->route_of[drop[i]], -1);
	}
	/* A tour still late after the drops has no free job left to drop. */
	ok = brute_tour_ok(m, &s->t[v]);
	for (i = s->t[v].first_free; i < s->t[v].len - 1 && !ok; i++)
		ck_assert_int_ge(s->t[v].node[i], m->n_jobs);
	solution_totals(s, m);
	brute_check_solution(m, s, ok, 1);
	return n_drop - n;
}

/* (3) With metric travel a string removal removes exactly the stops asked for,
 * keeps every tour feasible and every job once, and the totals recount right. */
START_TEST(test_remove_string_exact)
{
	struct brute_world w;
	struct brute_rng r;
	struct solution s;
	int k, round, v, n_removals = 0;

	for (k = 0; k < S_CASES; k++) {
		random_solution(&w, &r, &s, k, 0);
		for (round = 0; round < 3; round++) {
			v = brute_int(&r, 0, w.m.n_veh - 1);
			ck_assert_int_eq(remove_and_check(&w.m, &s, v, &r), 0);
			brute_check_solution(&w.m, &s, 1, 1);
			n_removals++;
		}
		solution_fini(&s);
	}
	ck_assert_int_eq(n_removals, 3 * S_CASES);
}
END_TEST

/* (3) With a matrix that breaks the triangle inequality a removal can make a
 * tour late; the trailing jobs are then dropped as well, no more than needed, and
 * reported in the left-out list. */
START_TEST(test_remove_string_raw_matrix)
{
	struct brute_world w;
	struct brute_rng r;
	struct solution s;
	int k, round, extra = 0;

	for (k = 0; k < S_CASES; k++) {
		random_solution(&w, &r, &s, k, 1);
		for (round = 0; round < 3; round++)
			extra += remove_and_check(&w.m, &s, brute_int(&r, 0, w.m.n_veh - 1), &r);
		solution_fini(&s);
	}
	/* The cases must reach the drop path. */
	ck_assert_int_gt(extra, 0);
}
END_TEST

/* solution_sync() copies only the tours named, and then D equals S; copy_rest
 * carries the left-out list and the totals. */
START_TEST(test_copy_and_sync)
{
	struct brute_world w;
	struct brute_rng r;
	struct solution s, d;
	int k, v;

	for (k = 0; k < S_CASES; k++) {
		random_solution(&w, &r, &s, k, 0);
		ck_assert_int_eq(solution_init(&d, &w.m), DS_OK);
		ck_assert_int_eq(solution_copy(&d, &s, &w.m), DS_OK);
		brute_check_solution(&w.m, &d, 1, 1);
		v = brute_int(&r, 0, w.m.n_veh - 1);
		remove_and_check(&w.m, &s, v, &r);
		ck_assert_int_eq(solution_sync(&d, &s, &w.m, &v, 1), DS_OK);
		brute_check_solution(&w.m, &d, 1, 1);
		for (v = 0; v < w.m.n_veh; v++) {
			ck_assert_int_eq(d.t[v].len, s.t[v].len);
			ck_assert_mem_eq(d.t[v].node, s.t[v].node,
			    (size_t)s.t[v].len * sizeof(int));
		}
		ck_assert_int_eq(d.n_unas, s.n_unas);
		ck_assert_double_eq(d.dist, s.dist);
		solution_fini(&s);
		solution_fini(&d);
	}
}
END_TEST

/* The orders: left-out jobs highest priority first, then vehicles (when asked),
 * then distance. */
START_TEST(test_orders)
{
	struct solution a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.miss[0] = 5;
	b.miss[1] = 1;
	ck_assert_int_lt(solution_miss_cmp(&a, &b), 0);
	ck_assert_int_gt(solution_miss_cmp(&b, &a), 0);
	ck_assert(solution_better(&a, &b, 1));
	b.miss[1] = 0;
	b.miss[0] = 5;
	ck_assert_int_eq(solution_miss_cmp(&a, &b), 0);
	a.used = 2;
	a.dist = 10;
	b.used = 3;
	b.dist = 5;
	ck_assert(solution_better(&a, &b, 1));
	ck_assert(!solution_better(&a, &b, 0));
	ck_assert(solution_better(&b, &a, 0));
	b.dist = 10;
	ck_assert(!solution_better(&b, &a, 0));
	ck_assert(!solution_better(&a, &b, 0));
	solution_fini(NULL);
	solution_fini(&a);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("solution");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_remove_string_exact);
	tcase_add_test(tc, test_remove_string_raw_matrix);
	tcase_add_test(tc, test_copy_and_sync);
	tcase_add_test(tc, test_orders);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
