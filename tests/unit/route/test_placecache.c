/* test_placecache.c: unit tests of route/placecache.c, the search's cache of the
 * cheapest place per (job, vehicle). A seeded random walk over small solutions
 * (1-7 jobs, 1-3 vehicles) uses the cache the way the search does: ask, and on a
 * miss scan the tour by brute force and store the answer; change a tour and bump
 * its version; sometimes bump them all. Every hit must equal a brute-force scan of
 * the tour as it is now, and an entry must hit exactly while its vehicle has not
 * been bumped since it was stored (a shadow table says which). */
#include <check.h>
#include <math.h>
#include <string.h>

#include "brute.h"
#include "route/placecache.h"

#define C_CASES 1000   /* random instances */
#define C_STEPS 200    /* cache operations per instance */

/* Cheapest place for job J in T by brute force, the lowest index on ties (as the
 * search's scan takes it). Returns the added distance, INFINITY with *P = -1 when
 * J fits nowhere. */
static double brute_best(const struct tour_model *m, const struct tour *t, int j, int *p)
{
	int seq[BRUTE_MAX_STOPS] = {0}, with[BRUTE_MAX_STOPS], n = brute_seq(t, seq), q;
	struct brute_sched base, sc;
	double best = INFINITY;

	brute_simulate(m, t->veh, seq, n, &base);
	*p = -1;
	for (q = t->first_free - 1; q < t->len - 1; q++) {
		brute_with(seq, n, j, q, with);
		if (brute_simulate(m, t->veh, with, n + 1, &sc) && sc.dist - base.dist < best) {
			best = sc.dist - base.dist;
			*p = q;
		}
	}
	return best;
}

/* Change tour V of S: take a free job out (unless that makes the tour late, as
 * it can with a raw matrix), or put a left-out one in at a place the simulation
 * accepts. */
static void mutate(const struct tour_model *m, struct solution *s, int v, struct brute_rng *r)
{
	struct tour *t = &s->t[v];
	int seq[BRUTE_MAX_STOPS] = {0}, n = brute_seq(t, seq), i, j, p;

	if (t->n_jobs > m->veh[v].n_fixed && brute_int(r, 0, 1)) {
		i = brute_int(r, t->first_free, t->len - 2);
		memmove(&seq[i - 1], &seq[i], (size_t)(n - i) * sizeof(int));
		if (t->node[i] >= m->n_jobs || !brute_simulate(m, v, seq, n - 1, NULL))
			return;
		j = t->node[i];
		tour_remove_at(t, i);
		tour_update(t, m);
		s->route_of[j] = -1;
		s->unas[s->n_unas++] = j;
		return;
	}
	for (i = 0; i < s->n_unas; i++) {
		j = s->unas[i];
		if (brute_best(m, t, j, &p) < INFINITY && (m->nodes[j].only_veh < 0 ||
		    m->nodes[j].only_veh == v)) {
			ck_assert_int_eq(tour_insert(t, m, j, p), DS_OK);
			s->route_of[j] = v;
			s->unas[i] = s->unas[--s->n_unas];
			return;
		}
	}
}

/* One query of job J in tour V, checked against the shadow table VALID. */
static void query(const struct tour_model *m, const struct solution *s, struct placecache *ic,
    int j, int v, char valid[BRUTE_MAX_JOBS][BRUTE_MAX_VEH], int *hits)
{
	double cost = NAN, want;
	int pos = -7, p;

	want = brute_best(m, &s->t[v], j, &p);
	if (placecache_get(ic, j, v, &cost, &pos)) {
		ck_assert(valid[j][v]);
		ck_assert(cost == want || fabs(cost - want) < 1e-9);
		ck_assert_int_eq(pos, p);
		(*hits)++;
		return;
	}
	ck_assert(!valid[j][v]);
	placecache_put(ic, j, v, want, p);
	valid[j][v] = 1;
	ck_assert(placecache_get(ic, j, v, &cost, &pos));
	ck_assert(cost == want);
	ck_assert_int_eq(pos, p);
}

/* (5) The cache answers as a brute-force scan would, across bumps. */
START_TEST(test_cache_matches_brute_force)
{
	struct brute_world w;
	struct brute_rng r;
	struct solution s;
	struct placecache ic;
	char valid[BRUTE_MAX_JOBS][BRUTE_MAX_VEH];
	int k, step, v, j, hits = 0, queries = 0;

	for (k = 0; k < C_CASES; k++) {
		r.s = 0xcac4eu + (uint64_t)k * 2750159u;
		brute_gen(&w, &r, brute_int(&r, 1, 7), brute_int(&r, 1, 3),
		    k % 2 ? BRUTE_BREAKS | BRUTE_FIXED : BRUTE_LOOSE | BRUTE_RAW);
		ck_assert_int_eq(solution_init(&s, &w.m), DS_OK);
		ck_assert_int_eq(brute_fill(&w.m, &s, &r, 3), DS_OK);
		ck_assert_int_eq(placecache_init(&ic, w.m.n_jobs, w.m.n_veh, 1u << 20), DS_OK);
		ic.on = 1;
		ck_assert(placecache_enabled(&ic));
		memset(valid, 0, sizeof(valid));
		for (step = 0; step < C_STEPS; step++) {
			int op = brute_int(&r, 0, 9);

			v = brute_int(&r, 0, w.m.n_veh - 1);
			if (op <= 6) {
				j = brute_int(&r, 0, w.m.n_jobs - 1);
				query(&w.m, &s, &ic, j, v, valid, &hits);
				queries++;
			} else if (op <= 8) {
				mutate(&w.m, &s, v, &r);
				placecache_bump(&ic, v);
				for (j = 0; j < w.m.n_jobs; j++)
					valid[j][v] = 0;
			} else {
				placecache_bump_all(&ic);
				memset(valid, 0, sizeof(valid));
			}
		}
		solution_totals(&s, &w.m);
		brute_check_solution(&w.m, &s, 1, 1);
		placecache_fini(&ic);
		solution_fini(&s);
	}
	/* Both paths must be taken often: hits and stores. */
	ck_assert_int_gt(hits, queries / 4);
	ck_assert_int_lt(hits, queries - queries / 10);
}
END_TEST

/* Above its cap, with no pairs, or switched off, the cache is not enabled; a
 * fresh cache holds nothing current. */
START_TEST(test_cache_enabled)
{
	struct placecache ic;
	double cost;
	int pos, j, v;

	ck_assert_int_eq(placecache_init(&ic, 10, 10, 99), DS_OK);
	ic.on = 1;
	ck_assert(!placecache_enabled(&ic));
	placecache_bump_all(&ic);
	placecache_fini(&ic);
	ck_assert_int_eq(placecache_init(&ic, 0, 3, 100), DS_OK);
	ic.on = 1;
	ck_assert(!placecache_enabled(&ic));
	placecache_fini(&ic);
	ck_assert_int_eq(placecache_init(&ic, 10, 10, 100), DS_OK);
	ck_assert(!placecache_enabled(&ic));
	ic.on = 1;
	ck_assert(placecache_enabled(&ic));
	for (j = 0; j < 10; j++)
		for (v = 0; v < 10; v++)
			ck_assert(!placecache_get(&ic, j, v, &cost, &pos));
	placecache_fini(&ic);
	placecache_fini(&ic);
	placecache_fini(NULL);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("placecache");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cache_matches_brute_force);
	tcase_add_test(tc, test_cache_enabled);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
