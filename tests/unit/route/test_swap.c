/* test_swap.c: unit tests of route/swap.c, the moves of the search's last pass.
 * For every left-out job of seeded random solutions (1-7 jobs, priorities 0-3,
 * tight capacities, breaks, fixed prefixes, pinned jobs), swap_in() is compared
 * with a brute-force scan of every routed job and every place: it swaps exactly
 * when some routed job of lower priority can make room, it displaces one of the
 * lowest such priority at the cheapest place among those, it never displaces a
 * job of equal or higher priority, and the result stays feasible with every job
 * once. swap_eject() is compared the same way with every routed job, every other
 * route and every pair of places. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "brute.h"
#include "route/swap.h"

#define W_CASES 1000   /* random instances */
#define W_DIST  1e-6

/* The brute-force answer for left-out job J: the lowest priority of a routed job
 * whose removal lets J in (-1: none) and the least distance J then adds. */
struct swap_best {
	int prio;
	double add;
};

/* Distance of vehicle V's sequence SEQ[0..N) when feasible, else INFINITY. */
static double seq_dist(const struct tour_model *m, int v, const int *seq, int n)
{
	struct brute_sched sc;

	return brute_simulate(m, v, seq, n, &sc) ? sc.dist : INFINITY;
}

/* Try every routed job below J's priority in tour V and every place for J. */
static void scan_vehicle(const struct tour_model *m, const struct solution *s, int v, int j,
    struct swap_best *b)
{
	const struct tour *t = &s->t[v];
	int seq[BRUTE_MAX_STOPS] = {0}, rest[BRUTE_MAX_STOPS], with[BRUTE_MAX_STOPS];
	int n = brute_seq(t, seq), i, k, at;
	double base, d;

	for (i = t->first_free - 1; i < n; i++) {
		int o = seq[i];

		if (o >= m->n_jobs || m->nodes[o].prio >= m->nodes[j].prio ||
		    (b->prio >= 0 && m->nodes[o].prio > b->prio))
			continue;
		for (k = 0, at = 0; k < n; k++)
			if (k != i)
				rest[at++] = seq[k];
		if (isinf(base = seq_dist(m, v, rest, n - 1)))
			continue;
		for (at = t->first_free - 1; at <= n - 1; at++) {
			brute_with(rest, n - 1, j, at, with);
			d = seq_dist(m, v, with, n) - base;
			if (isinf(d))
				continue;
			if (b->prio < 0 || m->nodes[o].prio < b->prio ||
			    (m->nodes[o].prio == b->prio && d < b->add)) {
				b->prio = m->nodes[o].prio;
				b->add = d;
			}
		}
	}
}

static struct swap_best brute_swap(const struct tour_model *m, const struct solution *s, int j)
{
	struct swap_best b = { -1, INFINITY };
	int v;

	for (v = 0; v < m->n_veh; v++)
		if (m->nodes[j].only_veh < 0 || m->nodes[j].only_veh == v)
			scan_vehicle(m, s, v, j, &b);
	return b;
}

/* Check one swap_in() of S->unas[UI], made on a copy, against the brute force.
 * Returns 1 when it swapped. */
static int check_swap(const struct tour_model *m, const struct solution *s, int ui,
    struct tour *scratch)
{
	struct solution x;
	struct swap_best want = brute_swap(m, s, s->unas[ui]);
	int j = s->unas[ui], rc, o, v, seq[BRUTE_MAX_STOPS] = {0}, rest[BRUTE_MAX_STOPS], n, i, k;

	ck_assert_int_eq(solution_init(&x, m), DS_OK);
	ck_assert_int_eq(solution_copy(&x, s, m), DS_OK);
	rc = swap_in(m, &x, ui, scratch);
	ck_assert_int_eq(rc, want.prio >= 0);
	brute_check_solution(m, &x, 1, 0);
	if (rc == 0) {
		for (v = 0; v < m->n_veh; v++)
			ck_assert_mem_eq(x.t[v].node, s->t[v].node,
			    (size_t)s->t[v].len * sizeof(int));
		ck_assert_mem_eq(x.unas, s->unas, (size_t)s->n_unas * sizeof(int));
		solution_fini(&x);
		return 0;
	}
	o = x.unas[ui];
	v = x.route_of[j];
	ck_assert_int_ge(v, 0);
	ck_assert_int_eq(s->route_of[o], v);
	ck_assert_int_lt(m->nodes[o].prio, m->nodes[j].prio);
	ck_assert_int_eq(m->nodes[o].prio, want.prio);
	/* J's tour is the old one without O, plus J at the cheapest place. */
	n = brute_seq(&s->t[v], seq);
	for (i = 0, k = 0; i < n; i++)
		if (seq[i] != o)
			rest[k++] = seq[i];
	ck_assert_double_eq_tol(x.t[v].dist - seq_dist(m, v, rest, k),
	    want.add, W_DIST);
	solution_totals(&x, m);
	brute_check_solution(m, &x, 1, 1);
	solution_fini(&x);
	return 1;
}

/* (7) swap_in() against the brute force for every left-out job. */
START_TEST(test_swap_matches_brute_force)
{
	static const unsigned mix[] = {
		BRUTE_PRIO, BRUTE_PRIO | BRUTE_BREAKS, BRUTE_PRIO | BRUTE_FIXED | BRUTE_PINNED,
		BRUTE_PRIO | BRUTE_LOOSE, BRUTE_PRIO | BRUTE_RAW | BRUTE_BREAKS,
	};
	struct brute_world w;
	struct brute_rng r;
	struct solution s;
	struct tour scratch;
	int k, ui, n_swap = 0, n_none = 0;

	memset(&scratch, 0, sizeof(scratch));
	for (k = 0; k < W_CASES; k++) {
		r.s = 0x5a4u + (uint64_t)k * 15485863u;
		brute_gen(&w, &r, brute_int(&r, 2, 7), brute_int(&r, 1, 2), mix[k % 5]);
		ck_assert_int_eq(solution_init(&s, &w.m), DS_OK);
		ck_assert_int_eq(brute_fill(&w.m, &s, &r, 3), DS_OK);
		for (ui = 0; ui < s.n_unas; ui++) {
			if (check_swap(&w.m, &s, ui, &scratch))
				n_swap++;
			else
				n_none++;
		}
		solution_fini(&s);
	}
	tour_fini(&scratch);
	/* The cases must reach both answers. */
	ck_assert_int_gt(n_swap, 300);
	ck_assert_int_gt(n_none, 300);
}
END_TEST

/* A left-out job never displaces one of its own priority, even when that would
 * be the only way in: one vehicle of capacity 1 holds a job of priority 2, and
 * the left-out job of priority 2 stays out; at priority 3 it swaps in. */
START_TEST(test_swap_needs_lower_priority)
{
	struct brute_world w;
	struct brute_rng r = { 7 };
	struct solution s;
	struct tour scratch;
	int j;

	memset(&scratch, 0, sizeof(scratch));
	brute_gen(&w, &r, 2, 1, BRUTE_LOOSE);
	w.veh[0].capacity = 1;
	for (j = 0; j < 2; j++) {
		w.nodes[j].ready_s = 0;
		w.nodes[j].late_s = INFINITY;
		w.nodes[j].demand = 1;
		w.nodes[j].prio = 2;
	}
	w.veh[0].end_s = INFINITY;
	ck_assert_int_eq(solution_init(&s, &w.m), DS_OK);
	ck_assert_int_eq(tour_insert(&s.t[0], &w.m, 0, 0), DS_OK);
	s.route_of[0] = 0;
	s.unas[0] = 1;
	s.n_unas = 1;
	ck_assert_int_eq(swap_in(&w.m, &s, 0, &scratch), 0);
	ck_assert_int_eq(s.route_of[0], 0);
	w.nodes[1].prio = 3;
	ck_assert_int_eq(swap_in(&w.m, &s, 0, &scratch), 1);
	ck_assert_int_eq(s.route_of[1], 0);
	ck_assert_int_eq(s.unas[0], 0);
	ck_assert_int_eq(s.route_of[0], -1);
	solution_fini(&s);
	tour_fini(&scratch);
}
END_TEST

/* Total distance of S's tours by the simulation. */
static double total_dist(const struct tour_model *m, const struct solution *s)
{
	int seq[BRUTE_MAX_STOPS] = {0}, v, n;
	double d = 0;

	for (v = 0; v < m->n_veh; v++) {
		n = brute_seq(&s->t[v], seq);
		d += seq_dist(m, v, seq, n);
	}
	return d;
}

/* Least distance added by putting O anywhere in tour U (INFINITY: nowhere). */
static double brute_place(const struct tour_model *m, const struct tour *t, int o)
{
	int seq[BRUTE_MAX_STOPS] = {0}, with[BRUTE_MAX_STOPS], n = brute_seq(t, seq), at;
	double best = INFINITY, base = seq_dist(m, t->veh, seq, n);

	if (m->nodes[o].only_veh >= 0 && m->nodes[o].only_veh != t->veh)
		return INFINITY;
	for (at = t->first_free - 1; at <= n; at++) {
		brute_with(seq, n, o, at, with);
		best = fmin(best, seq_dist(m, t->veh, with, n + 1) - base);
	}
	return best;
}

/* The cheapest eject move for J by brute force: J into tour V in place of a job
 * O that goes to another tour. Returns the distance it adds, INFINITY when none
 * exists. */
static double brute_eject(const struct tour_model *m, const struct solution *s, int j)
{
	int seq[BRUTE_MAX_STOPS] = {0}, rest[BRUTE_MAX_STOPS], with[BRUTE_MAX_STOPS];
	int v, u, i, k, at, n;
	double best = INFINITY, dj, base;

	for (v = 0; v < m->n_veh; v++) {
		const struct tour *t = &s->t[v];

		if (m->nodes[j].only_veh >= 0 && m->nodes[j].only_veh != v)
			continue;
		n = brute_seq(t, seq);
		base = seq_dist(m, v, seq, n);
		for (i = t->first_free - 1; i < n; i++) {
			if (seq[i] >= m->n_jobs)
				continue;
			for (k = 0, at = 0; k < n; k++)
				if (k != i)
					rest[at++] = seq[k];
			/* As for swap_in(), the route must stay feasible without O (with a
			 * raw matrix, J could otherwise shorten a leg O's removal made late). */
			if (isinf(seq_dist(m, v, rest, n - 1)))
				continue;
			for (at = t->first_free - 1, dj = INFINITY; at <= n - 1; at++) {
				brute_with(rest, n - 1, j, at, with);
				dj = fmin(dj, seq_dist(m, v, with, n) - base);
			}
			for (u = 0; u < m->n_veh && !isinf(dj); u++)
				if (u != v)
					best = fmin(best, dj + brute_place(m, &s->t[u], seq[i]));
		}
	}
	return best;
}

/* Check one swap_eject() of S->unas[UI], made on a copy. Returns 1 when it moved. */
static int check_eject(const struct tour_model *m, const struct solution *s, int ui,
    struct tour *scratch)
{
	struct solution x;
	double want = brute_eject(m, s, s->unas[ui]);
	int j = s->unas[ui], rc, i, moved = 0;

	ck_assert_int_eq(solution_init(&x, m), DS_OK);
	ck_assert_int_eq(solution_copy(&x, s, m), DS_OK);
	rc = swap_eject(m, &x, ui, scratch);
	ck_assert_int_eq(rc, !isinf(want));
	solution_totals(&x, m);
	brute_check_solution(m, &x, 1, 1);
	if (rc == 0) {
		ck_assert_int_eq(x.n_unas, s->n_unas);
		solution_fini(&x);
		return 0;
	}
	/* J came in, nothing went out, one other job changed route. */
	ck_assert_int_ge(x.route_of[j], 0);
	ck_assert_int_eq(x.n_unas, s->n_unas - 1);
	for (i = 0; i < m->n_jobs; i++) {
		if (i == j)
			continue;
		ck_assert_int_eq(x.route_of[i] < 0, s->route_of[i] < 0);
		moved += x.route_of[i] != s->route_of[i];
	}
	ck_assert_int_eq(moved, 1);
	ck_assert_double_eq_tol(total_dist(m, &x) - total_dist(m, s), want, W_DIST);
	solution_fini(&x);
	return 1;
}

/* swap_eject() against the brute force for every left-out job. */
START_TEST(test_eject_matches_brute_force)
{
	static const unsigned mix[] = {
		0, BRUTE_BREAKS, BRUTE_FIXED | BRUTE_PINNED, BRUTE_LOOSE | BRUTE_PRIO,
		BRUTE_RAW | BRUTE_BREAKS,
	};
	struct brute_world w;
	struct brute_rng r;
	struct solution s;
	struct tour scratch;
	int k, ui, n_move = 0, n_none = 0;

	memset(&scratch, 0, sizeof(scratch));
	for (k = 0; k < W_CASES; k++) {
		r.s = 0xe7ecu + (uint64_t)k * 86028121u;
		brute_gen(&w, &r, brute_int(&r, 2, 7), brute_int(&r, 2, 3), mix[k % 5]);
		ck_assert_int_eq(solution_init(&s, &w.m), DS_OK);
		ck_assert_int_eq(brute_fill(&w.m, &s, &r, 3), DS_OK);
		for (ui = 0; ui < s.n_unas; ui++)
			*(check_eject(&w.m, &s, ui, &scratch) ? &n_move : &n_none) += 1;
		solution_fini(&s);
	}
	tour_fini(&scratch);
	ck_assert_int_gt(n_move, 300);
	ck_assert_int_gt(n_none, 300);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("swap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_swap_matches_brute_force);
	tcase_add_test(tc, test_swap_needs_lower_priority);
	tcase_add_test(tc, test_eject_matches_brute_force);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
