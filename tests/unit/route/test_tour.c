/* test_tour.c: unit tests of route/tour.c, one courier's stops and the schedule
 * arrays behind the O(1) insertion checks. Every answer of the O(1) checks and
 * every array after an insert, a removal or a splice is compared with a
 * from-scratch simulation of the same sequence (brute.h), on many seeded random
 * tours of 1-7 jobs with windows, service times, waiting, capacities, shift ends,
 * breaks, fixed prefixes and matrices that break the triangle inequality. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "brute.h"
#include "route/tour.h"

#define T_CASES   1000   /* random instances per test */
#define T_CASES_PLACES 20000 /* ... for the insertion checks: a break that moves to
                              * a new stop's place is rare and needs many */
#define T_NEAR    1e-9   /* times and loads are whole numbers: sums are exact */
#define T_DIST    1e-6   /* distances are square roots summed in other orders */

/* The generator's options for case K: every mix of breaks, fixed stops and raw
 * matrices, with and without loose windows. */
static unsigned case_flags(int k)
{
	static const unsigned mix[] = {
		0, BRUTE_BREAKS, BRUTE_FIXED, BRUTE_BREAKS | BRUTE_FIXED, BRUTE_RAW,
		BRUTE_RAW | BRUTE_BREAKS | BRUTE_FIXED, BRUTE_LOOSE | BRUTE_BREAKS,
		BRUTE_LOOSE | BRUTE_BREAKS | BRUTE_FIXED | BRUTE_RAW,
	};

	return mix[k % (int)(sizeof(mix) / sizeof(mix[0]))];
}

/* Latest start at each stop of schedule S (stops 0..N+1 of SEQ, START and END
 * included) that keeps every later stop inside its window, from the definition:
 * the minimum over later stops K of K's latest start less the service and travel
 * between. O(n^2), independent of tour.c's backward pass. */
static void brute_latest(const struct tour_model *m, int v, const int *seq, int n,
    const struct brute_sched *s, double *late)
{
	int i, k;

	for (i = 0; i <= n + 1; i++) {
		double d = 0, best = INFINITY;

		for (k = i; k <= n + 1; k++) {
			double lk = k == 0 ? m->veh[v].start_s : k == n + 1 ? m->veh[v].end_s :
			    m->nodes[seq[k - 1]].late_s;

			best = fmin(best, lk - d);
			if (k <= n) {
				d += k == 0 ? 0 : m->nodes[seq[k - 1]].service_s;
				d += brute_mat(m->time_s, m, s->loc[k], s->loc[k + 1]);
			}
		}
		late[i] = best;
	}
}

/* Assert that T's arrays, load, jobs and distance equal a recomputation from its
 * sequence alone. Returns the simulation's verdict on feasibility. */
static int check_arrays(const struct tour_model *m, const struct tour *t)
{
	int seq[BRUTE_MAX_STOPS] = {0}, n = brute_seq(t, seq), i, ok;
	double late[BRUTE_MAX_STOPS];
	struct brute_sched s;

	ok = brute_simulate(m, t->veh, seq, n, &s);
	brute_latest(m, t->veh, seq, n, &s, late);
	ck_assert_int_eq(t->node[0], TOUR_START);
	ck_assert_int_eq(t->node[t->len - 1], TOUR_END);
	for (i = 0; i < t->len; i++) {
		ck_assert_int_eq(t->loc[i], s.loc[i]);
		ck_assert_double_eq_tol(t->start_s[i], s.start_s[i], T_NEAR);
		if (isfinite(late[i]))
			ck_assert_double_eq_tol(t->late_s[i], late[i], T_NEAR);
		else
			ck_assert(t->late_s[i] == late[i]);
	}
	ck_assert_double_eq_tol(t->load, s.load, T_NEAR);
	ck_assert_int_eq(t->n_jobs, s.n_jobs);
	ck_assert_double_eq_tol(t->dist, s.dist, T_DIST);
	return ok;
}

/* Tour of vehicle 0 of W with random jobs at places the simulation accepts. */
static void random_tour(struct brute_world *w, struct brute_rng *r, struct tour *t)
{
	const struct tour_model *m = &w->m;
	int order[BRUTE_MAX_JOBS], places[BRUTE_MAX_STOPS], i, p, np;

	ck_assert_int_eq(tour_init(t, m, 0), DS_OK);
	for (i = 0; i < m->n_jobs; i++)
		order[i] = i;
	brute_shuffle(r, order, m->n_jobs);
	for (i = 0; i < m->n_jobs; i++) {
		if (m->nodes[order[i]].fixed)
			continue;
		for (np = 0, p = t->first_free - 1; p < t->len - 1; p++)
			if (brute_fits(m, t, order[i], p))
				places[np++] = p;
		if (np > 0 && brute_int(r, 0, 4) > 0)
			ck_assert_int_eq(tour_insert(t, m, order[i],
			    places[brute_int(r, 0, np - 1)]), DS_OK);
	}
}

static void new_case(struct brute_world *w, struct brute_rng *r, int k)
{
	r->s = 0x70u + (uint64_t)k * 7919u;
	brute_gen(w, r, brute_int(r, 1, 7), 1, case_flags(k));
}

/* Is node J somewhere in T? */
static int in_tour(const struct tour *t, int j)
{
	int i;

	for (i = 0; i < t->len; i++)
		if (t->node[i] == j)
			return 1;
	return 0;
}

/* Every O(1) answer for node J at every place of T against the simulation.
 * Counts feasible and infeasible places in N_OK and N_BAD. */
static void check_places(const struct tour_model *m, const struct tour *t, int j,
    int *n_ok, int *n_bad)
{
	int seq[BRUTE_MAX_STOPS], with[BRUTE_MAX_STOPS], n = brute_seq(t, seq), p, ok, first;
	struct brute_sched before, after;
	double delta;

	brute_simulate(m, t->veh, seq, n, &before);
	first = tour_first_place(t, m, m->nodes[j].ready_s + m->nodes[j].service_s);
	ck_assert_int_ge(first, t->first_free - 1);
	for (p = t->first_free - 1; p < t->len - 1; p++) {
		brute_with(seq, n, j, p, with);
		ok = brute_simulate(m, t->veh, with, n + 1, &after);
		ck_assert_int_eq(tour_fits(t, m, j, p), ok);
		ck_assert_double_eq_tol(tour_insert_dist(t, m, j, p), after.dist - before.dist,
		    T_DIST);
		delta = NAN;
		ck_assert_int_eq(tour_can_insert(t, m, j, p, &delta), ok);
		if (ok)
			ck_assert_double_eq_tol(delta, after.dist - before.dist, T_DIST);
		/* Every place before the first one tour_first_place() names fails. */
		if (p < first)
			ck_assert_int_eq(ok, 0);
		*(ok ? n_ok : n_bad) += 1;
	}
}

/* (1) tour_fits, tour_can_insert, tour_insert_dist and tour_first_place agree
 * with the simulation at every place of every tour, for every job not in it and
 * for the vehicle's break when it is taken out. */
START_TEST(test_insert_checks_match_simulation)
{
	struct brute_world w;
	struct brute_rng r;
	struct tour t;
	int k, j, n_ok = 0, n_bad = 0, n_break = 0, i;

	for (k = 0; k < T_CASES_PLACES; k++) {
		new_case(&w, &r, k);
		memset(&t, 0, sizeof(t));
		random_tour(&w, &r, &t);
		ck_assert(check_arrays(&w.m, &t));
		for (j = 0; j < w.m.n_jobs; j++)
			if (!in_tour(&t, j))
				check_places(&w.m, &t, j, &n_ok, &n_bad);
		for (i = t.first_free; i < t.len - 1; i++)
			if (t.node[i] >= w.m.n_jobs) {
				tour_remove_at(&t, i);
				ck_assert(tour_update(&t, &w.m));
				check_places(&w.m, &t, w.m.veh[0].brk, &n_ok, &n_bad);
				n_break++;
				break;
			}
		tour_fini(&t);
	}
	/* The cases must reach both answers and the break's own path. */
	ck_assert_int_gt(n_ok, 1000);
	ck_assert_int_gt(n_bad, 2000);
	ck_assert_int_gt(n_break, 200);
}
END_TEST

/* (2) After tour_insert() at any place, feasible or not, the incrementally
 * updated arrays equal a recomputation, and so does a full tour_update(). */
START_TEST(test_insert_keeps_arrays)
{
	struct brute_world w;
	struct brute_rng r;
	struct tour t, c;
	int k, j, n_ins = 0;

	for (k = 0; k < T_CASES; k++) {
		new_case(&w, &r, k);
		memset(&t, 0, sizeof(t));
		memset(&c, 0, sizeof(c));
		random_tour(&w, &r, &t);
		for (j = 0; j < w.m.n_jobs; j++) {
			if (in_tour(&t, j))
				continue;
			ck_assert_int_eq(tour_insert(&t, &w.m, j,
			    brute_int(&r, t.first_free - 1, t.len - 2)), DS_OK);
			check_arrays(&w.m, &t);
			ck_assert_int_eq(tour_copy(&c, &t), DS_OK);
			tour_update(&c, &w.m);
			check_arrays(&w.m, &c);
			n_ins++;
		}
		tour_fini(&t);
		tour_fini(&c);
	}
	ck_assert_int_gt(n_ins, 1000);
}
END_TEST

/* (2) After removals (any free stop, breaks included) tour_update() recomputes
 * the arrays and reports feasibility as the simulation does; with raw matrices
 * a removal can make a tour infeasible, and the verdict must say so. */
START_TEST(test_remove_keeps_arrays)
{
	struct brute_world w;
	struct brute_rng r;
	struct tour t;
	int k, n_rm = 0, n_infeasible = 0;

	for (k = 0; k < T_CASES; k++) {
		new_case(&w, &r, k);
		memset(&t, 0, sizeof(t));
		random_tour(&w, &r, &t);
		while (t.len - 1 > t.first_free) {
			int ok;

			tour_remove_at(&t, brute_int(&r, t.first_free, t.len - 2));
			ok = tour_update(&t, &w.m);
			ck_assert_int_eq(ok, check_arrays(&w.m, &t));
			n_infeasible += !ok;
			n_rm++;
		}
		tour_fini(&t);
	}
	ck_assert_int_gt(n_rm, 1000);
	ck_assert_int_gt(n_infeasible, 0);
}
END_TEST

/* (2) A splice of one tour's head and another's tail, then tour_update(), gives
 * the arrays and verdict of the spliced sequence; a copy is exact. */
START_TEST(test_splice_and_copy)
{
	struct brute_world w;
	struct brute_rng r;
	struct tour a, b, x;
	int k, i, q, n_ok = 0, n_bad = 0;

	for (k = 0; k < T_CASES; k++) {
		r.s = 0x5b1cu + (uint64_t)k * 104729u;
		brute_gen(&w, &r, brute_int(&r, 1, 7), 2, case_flags(k));
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		memset(&x, 0, sizeof(x));
		random_tour(&w, &r, &a);
		ck_assert_int_eq(tour_init(&b, &w.m, 1), DS_OK);
		for (i = 0; i < w.m.n_jobs; i++)
			if (!in_tour(&a, i) && !w.m.nodes[i].fixed)
				ck_assert_int_eq(tour_insert(&b, &w.m, i, b.len - 2), DS_OK);
		for (i = a.first_free - 1; i < a.len - 1; i++)
			for (q = b.first_free; q < b.len; q++) {
				ck_assert_int_eq(tour_copy(&x, &a), DS_OK);
				ck_assert_int_eq(tour_splice(&x, a.node, i + 1, b.node + q,
				    b.len - q), DS_OK);
				ck_assert_int_eq(x.len, i + 1 + b.len - q);
				if (tour_update(&x, &w.m)) {
					ck_assert(check_arrays(&w.m, &x));
					n_ok++;
				} else {
					ck_assert(!check_arrays(&w.m, &x));
					n_bad++;
				}
			}
		ck_assert_int_eq(tour_copy(&x, &b), DS_OK);
		ck_assert_int_eq(x.len, b.len);
		ck_assert_int_eq(x.veh, b.veh);
		ck_assert_int_eq(x.first_free, b.first_free);
		ck_assert_mem_eq(x.node, b.node, (size_t)b.len * sizeof(int));
		ck_assert_mem_eq(x.start_s, b.start_s, (size_t)b.len * sizeof(double));
		ck_assert_mem_eq(x.late_s, b.late_s, (size_t)b.len * sizeof(double));
		tour_fini(&a);
		tour_fini(&b);
		tour_fini(&x);
	}
	ck_assert_int_gt(n_ok, 1000);
	ck_assert_int_gt(n_bad, 1000);
}
END_TEST

/* tour_init() keeps the fixed prefix in order, inserts after it, and takes the
 * break right after it exactly when the simulation says the break fits there. */
START_TEST(test_init_prefix_and_break)
{
	struct brute_world w;
	struct brute_rng r;
	struct tour t;
	int k, i, n_brk = 0, n_nobrk = 0;

	for (k = 0; k < T_CASES; k++) {
		const struct tour_vehicle *v;
		int seq[BRUTE_MAX_STOPS], n, want;

		new_case(&w, &r, k);
		v = &w.m.veh[0];
		memset(&t, 0, sizeof(t));
		ck_assert_int_eq(tour_init(&t, &w.m, 0), DS_OK);
		ck_assert_int_eq(t.first_free, v->n_fixed + 1);
		for (i = 0; i < v->n_fixed; i++)
			ck_assert_int_eq(t.node[1 + i], v->fixed[i]);
		n = brute_seq(&t, seq);
		want = 0;
		if (v->brk >= 0) {
			seq[v->n_fixed] = v->brk;
			want = brute_simulate(&w.m, 0, seq, v->n_fixed + 1, NULL);
		}
		ck_assert_int_eq(n, v->n_fixed + want);
		check_arrays(&w.m, &t);
		*(want ? &n_brk : &n_nobrk) += v->brk >= 0;
		tour_fini(&t);
	}
	ck_assert_int_gt(n_brk, 50);
	ck_assert_int_gt(n_nobrk, 10);
}
END_TEST

/* Regression: tour_first_place() must not skip the place right before a break.
 * The break's latest start counts the travel from where it stands now; a job
 * inserted before it moves it to the job's place, which may be nearer the next
 * stop. Here the courier (start 10 at A, back at C by 110) can serve the job
 * (at B, window [76, 107], 7 s) and then take its break (9 s, from 75) at B:
 * 83 + 9 + 17 = 109. Taken at A the break must start by 110 - 20 - 9 = 81,
 * which the job, done at 83 at the earliest, never is. */
START_TEST(test_first_place_before_break)
{
	struct brute_world w;
	struct brute_rng r = { 1 };
	struct tour t;
	static const double time_s[3][3] = { { 0, 7, 17 }, { 7, 0, 20 }, { 17, 20, 0 } };
	int a, b, n_ok = 0, n_bad = 0;

	brute_gen(&w, &r, 1, 1, 0);
	for (a = 0; a < 3; a++)
		for (b = 0; b < 3; b++)
			w.time_s[a * 3 + b] = w.dist[a * 3 + b] = time_s[a][b];
	w.nodes[0] = (struct tour_node){ .loc = 0, .ready_s = 76, .late_s = 107, .service_s = 7,
	    .demand = 1, .only_veh = -1 };
	w.nodes[1] = (struct tour_node){ .loc = -1, .ready_s = 75, .late_s = 135, .service_s = 9,
	    .only_veh = 0, .prio = 9 };
	w.veh[0] = (struct tour_vehicle){ .start_loc = 1, .end_loc = 2, .start_s = 10, .end_s = 110,
	    .capacity = 8, .brk = 1, .fixed = w.fixed[0] };
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(tour_init(&t, &w.m, 0), DS_OK);
	ck_assert_int_eq(t.len, 3);
	ck_assert_int_eq(t.node[1], 1);
	ck_assert(tour_fits(&t, &w.m, 0, 0));
	ck_assert_int_eq(tour_first_place(&t, &w.m, w.nodes[0].ready_s + w.nodes[0].service_s), 0);
	check_places(&w.m, &t, 0, &n_ok, &n_bad);
	ck_assert_int_eq(n_ok, 1);
	tour_fini(&t);
}
END_TEST

/* A removal can make a tour late with metric travel too, when a break follows
 * the stop removed: on a line A=0, B=10, C=20 the courier leaves A at 0, serves B
 * at 10, takes its break there at 10 (window [10, 10], 5 s) and reaches C at 25,
 * its latest start. Without B the break is taken at A and C is reached at 35.
 * tour_update() must say so, as solution.h's drop rule relies on it. */
START_TEST(test_removal_before_break_can_be_late)
{
	struct brute_world w;
	struct brute_rng r = { 3 };
	struct tour t;
	static const double x[3] = { 0, 10, 20 };
	int a, b;

	brute_gen(&w, &r, 2, 1, 0);
	w.m.n_locs = 3;
	for (a = 0; a < 3; a++)
		for (b = 0; b < 3; b++)
			w.time_s[a * 3 + b] = w.dist[a * 3 + b] = fabs(x[a] - x[b]);
	w.nodes[0] = (struct tour_node){ .loc = 1, .ready_s = 0, .late_s = 100, .only_veh = -1 };
	w.nodes[1] = (struct tour_node){ .loc = 2, .ready_s = 0, .late_s = 25, .only_veh = -1 };
	w.nodes[2] = (struct tour_node){ .loc = -1, .ready_s = 10, .late_s = 10, .service_s = 5,
	    .only_veh = 0, .prio = 9 };
	w.veh[0] = (struct tour_vehicle){ .start_loc = 0, .end_loc = 2, .start_s = 0,
	    .end_s = 100, .capacity = 8, .brk = 2, .fixed = w.fixed[0] };
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(tour_init(&t, &w.m, 0), DS_OK);
	ck_assert(tour_fits(&t, &w.m, 0, 0));
	ck_assert_int_eq(tour_insert(&t, &w.m, 0, 0), DS_OK);
	ck_assert(tour_fits(&t, &w.m, 1, 2));
	ck_assert_int_eq(tour_insert(&t, &w.m, 1, 2), DS_OK);
	ck_assert_int_eq(t.node[2], 2);
	ck_assert(check_arrays(&w.m, &t));
	tour_remove_at(&t, 1);
	ck_assert(!tour_update(&t, &w.m));
	ck_assert(!check_arrays(&w.m, &t));
	tour_fini(&t);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("tour");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_insert_checks_match_simulation);
	tcase_add_test(tc, test_insert_keeps_arrays);
	tcase_add_test(tc, test_remove_keeps_arrays);
	tcase_add_test(tc, test_splice_and_copy);
	tcase_add_test(tc, test_init_prefix_and_break);
	tcase_add_test(tc, test_first_place_before_break);
	tcase_add_test(tc, test_removal_before_break_can_be_late);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
