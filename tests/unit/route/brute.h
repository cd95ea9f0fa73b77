/* brute.h: small random models of the route search (route/tour.h) and the
 * brute-force schedule simulation that the tests of the search's internals check
 * against. The Makefile links each tests/unit/route/test_*.c on its own, with no
 * shared test object, so the helpers are static inline in this header.
 *
 * A model has at most BRUTE_MAX_JOBS jobs and BRUTE_MAX_VEH vehicles. Travel is
 * either metric (times are Manhattan distances on an integer grid, distances the
 * straight line, so both obey the triangle inequality) or a raw random matrix
 * that breaks it. Times are whole seconds, so schedule sums are exact and a
 * window met to the second is met by both the code and the simulation. */
#ifndef DS_TEST_BRUTE_H
#define DS_TEST_BRUTE_H

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route/solution.h"
#include "route/tour.h"

#define BRUTE_MAX_JOBS  8
#define BRUTE_MAX_VEH   4
#define BRUTE_MAX_NODES (BRUTE_MAX_JOBS + BRUTE_MAX_VEH)
#define BRUTE_MAX_STOPS (BRUTE_MAX_NODES + 2)           /* a tour's stops, START and END included */
#define BRUTE_MAX_LOCS  (BRUTE_MAX_JOBS + 2 * BRUTE_MAX_VEH)
#define BRUTE_GRID      20      /* grid coordinates are 0 .. BRUTE_GRID */

/* Generator options (bits of brute_gen()'s FLAGS). */
#define BRUTE_BREAKS     0x01   /* vehicles may have a break */
#define BRUTE_FIXED      0x02   /* vehicles may have a fixed prefix */
#define BRUTE_RAW        0x04   /* random matrices that break the triangle inequality */
#define BRUTE_PRIO       0x08   /* priorities 0..3 instead of all 0 */
#define BRUTE_PINNED     0x10   /* some jobs only one vehicle may serve */
#define BRUTE_SAME_FLEET 0x20   /* every vehicle a copy of vehicle 0 (one class) */
#define BRUTE_LOOSE      0x40   /* wide windows and a long shift */

struct brute_rng {
	uint64_t s;
};

/* A model and the storage its pointers refer to; never copied once made. */
struct brute_world {
	struct tour_model m;
	double time_s[BRUTE_MAX_LOCS * BRUTE_MAX_LOCS];
	double dist[BRUTE_MAX_LOCS * BRUTE_MAX_LOCS];
	struct tour_node nodes[BRUTE_MAX_NODES];
	struct tour_vehicle veh[BRUTE_MAX_VEH];
	int fixed[BRUTE_MAX_VEH][BRUTE_MAX_JOBS];
	int neigh[BRUTE_MAX_JOBS * BRUTE_MAX_JOBS];
	double depot_dist[BRUTE_MAX_JOBS];
};

/* A schedule simulated from scratch. */
struct brute_sched {
	int loc[BRUTE_MAX_STOPS];
	double start_s[BRUTE_MAX_STOPS];
	double dist, load;
	int n_jobs;
};

/* splitmix64, the same sequence everywhere. */
static inline uint64_t brute_next(struct brute_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A whole number in [LO, HI]. */
static inline int brute_int(struct brute_rng *r, int lo, int hi)
{
	return lo + (int)(brute_next(r) % (uint64_t)(hi - lo + 1));
}

/* Shuffle A[0..N). */
static inline void brute_shuffle(struct brute_rng *r, int *a, int n)
{
	int i;

	for (i = n - 1; i > 0; i--) {
		int k = brute_int(r, 0, i), x = a[i];

		a[i] = a[k];
		a[k] = x;
	}
}

static inline double brute_mat(const double *a, const struct tour_model *m, int from, int to)
{
	return a[(size_t)from * (size_t)m->n_locs + (size_t)to];
}

static inline void brute_matrices(struct brute_world *w, struct brute_rng *r, int n_locs, int raw)
{
	int x[BRUTE_MAX_LOCS], y[BRUTE_MAX_LOCS], a, b;

	for (a = 0; a < n_locs; a++) {
		x[a] = brute_int(r, 0, BRUTE_GRID);
		y[a] = brute_int(r, 0, BRUTE_GRID);
	}
	for (a = 0; a < n_locs; a++)
		for (b = 0; b < n_locs; b++) {
			size_t k = (size_t)a * (size_t)n_locs + (size_t)b;

			if (a == b) {
				w->time_s[k] = w->dist[k] = 0;
			} else if (raw) {
				w->time_s[k] = brute_int(r, 1, 40);
				w->dist[k] = brute_int(r, 1, 40);
			} else {
				w->time_s[k] = abs(x[a] - x[b]) + abs(y[a] - y[b]);
				w->dist[k] = hypot(x[a] - x[b], y[a] - y[b]);
			}
		}
}

static inline void brute_job(struct brute_world *w, struct brute_rng *r, int j, unsigned flags)
{
	struct tour_node *n = &w->nodes[j];
	int loose = (flags & BRUTE_LOOSE) != 0;

	memset(n, 0, sizeof(*n));
	n->loc = j;
	n->ready_s = brute_int(r, 0, loose ? 40 : 120);
	n->late_s = brute_int(r, 0, 9) == 0 ? INFINITY :
	    n->ready_s + brute_int(r, 0, loose ? 300 : 60);
	n->service_s = brute_int(r, 0, 8);
	n->demand = brute_int(r, 0, 4);
	n->only_veh = -1;
	n->prio = flags & BRUTE_PRIO ? brute_int(r, 0, 3) : 0;
	n->miss_cost = 0;
}

static inline void brute_vehicle(struct brute_world *w, struct brute_rng *r, int k,
    unsigned flags)
{
	struct tour_vehicle *v = &w->veh[k];
	struct tour_node *b = &w->nodes[w->m.n_jobs + k];
	int loose = (flags & BRUTE_LOOSE) != 0;

	memset(v, 0, sizeof(*v));
	v->start_loc = w->m.n_jobs + 2 * k;
	v->end_loc = brute_int(r, 0, 2) == 0 ? v->start_loc : v->start_loc + 1;
	v->start_s = brute_int(r, 0, 20);
	v->end_s = v->start_s + brute_int(r, loose ? 400 : 80, loose ? 600 : 220);
	v->capacity = brute_int(r, loose ? 12 : 4, loose ? 30 : 14);
	v->brk = -1;
	v->fixed = w->fixed[k];
	v->cls = k;
	memset(b, 0, sizeof(*b));
	b->loc = -1;
	b->only_veh = k;
	b->prio = 9;
	if ((flags & BRUTE_BREAKS) && brute_int(r, 0, 2) > 0) {
		v->brk = w->m.n_jobs + k;
		b->ready_s = v->start_s + brute_int(r, 0, 100);
		b->late_s = b->ready_s + brute_int(r, 0, 60);
		b->service_s = brute_int(r, 1, 15);
	}
}

/* Give some vehicles a fixed prefix of one or two jobs, each job in one at most.
 * A prefix always fits its vehicle (load 1 a job, the shift long enough), as the
 * stops under way of a real re-plan do. */
static inline void brute_fixed(struct brute_world *w, struct brute_rng *r)
{
	int j = 0, k, i, n, loc;
	double t;

	for (k = 0; k < w->m.n_veh && j < w->m.n_jobs; k++) {
		n = brute_int(r, 0, 3) == 0 ? brute_int(r, 1, 2) : 0;
		t = w->veh[k].start_s;
		loc = w->veh[k].start_loc;
		for (i = 0; i < n && j < w->m.n_jobs; i++, j++) {
			w->fixed[k][w->veh[k].n_fixed++] = j;
			w->nodes[j].fixed = 1;
			w->nodes[j].ready_s = -INFINITY;
			w->nodes[j].late_s = INFINITY;
			w->nodes[j].demand = 1;
			t += brute_mat(w->time_s, &w->m, loc, j) + w->nodes[j].service_s;
			loc = j;
		}
		t += brute_mat(w->time_s, &w->m, loc, w->veh[k].end_loc);
		w->veh[k].end_s = fmax(w->veh[k].end_s, t);
	}
}

/* Every job's other jobs, nearest first, and its distance from the nearest start. */
static inline void brute_neighbours(struct brute_world *w)
{
	struct tour_model *m = &w->m;
	int j, o, i, k;

	m->n_neigh = m->n_jobs > 1 ? m->n_jobs - 1 : 0;
	for (j = 0; j < m->n_jobs; j++) {
		int *nb = &w->neigh[j * m->n_neigh];

		for (o = 0, i = 0; o < m->n_jobs; o++) {
			double d = brute_mat(w->dist, m, j, o);

			if (o == j)
				continue;
			for (k = i++; k > 0 && brute_mat(w->dist, m, j, nb[k - 1]) > d; k--)
				nb[k] = nb[k - 1];
			nb[k] = o;
		}
		w->depot_dist[j] = INFINITY;
		for (k = 0; k < m->n_veh; k++)
			w->depot_dist[j] = fmin(w->depot_dist[j],
			    brute_mat(w->dist, m, w->veh[k].start_loc, j));
	}
}

/* Make W a random model of N_JOBS jobs and N_VEH vehicles. */
static inline void brute_gen(struct brute_world *w, struct brute_rng *r, int n_jobs, int n_veh,
    unsigned flags)
{
	struct tour_model *m = &w->m;
	int j, k;

	memset(w, 0, sizeof(*w));
	m->n_jobs = n_jobs;
	m->n_veh = n_veh;
	m->n_nodes = n_jobs + n_veh;
	m->n_locs = n_jobs + 2 * n_veh;
	m->time_s = w->time_s;
	m->dist = w->dist;
	m->nodes = w->nodes;
	m->veh = w->veh;
	m->neigh = w->neigh;
	m->depot_dist = w->depot_dist;
	brute_matrices(w, r, m->n_locs, (flags & BRUTE_RAW) != 0);
	for (j = 0; j < n_jobs; j++)
		brute_job(w, r, j, flags);
	for (k = 0; k < n_veh; k++) {
		if ((flags & BRUTE_SAME_FLEET) && k > 0) {
			w->veh[k] = w->veh[0];
			w->veh[k].fixed = w->fixed[k];
			w->nodes[n_jobs + k] = w->nodes[n_jobs];
			w->nodes[n_jobs + k].only_veh = k;
			w->veh[k].brk = w->veh[0].brk < 0 ? -1 : n_jobs + k;
			continue;
		}
		brute_vehicle(w, r, k, flags);
	}
	if (flags & BRUTE_FIXED)
		brute_fixed(w, r);
	if (flags & BRUTE_PINNED)
		for (j = 0; j < n_jobs; j++)
			if (!w->nodes[j].fixed && brute_int(r, 0, 5) == 0)
				w->nodes[j].only_veh = brute_int(r, 0, n_veh - 1);
	brute_neighbours(w);
}

/* Simulate vehicle V serving SEQ[0..N) (job and break ids, no START or END) from
 * scratch: service starts at max(arrival, ready), a break is taken where the stop
 * before it is. Returns 1 when every start is by its latest start, the load by
 * the capacity and the return by the vehicle's end; OUT (may be NULL) gets the
 * schedule, stop 0 being the start. */
static inline int brute_simulate(const struct tour_model *m, int v, const int *seq, int n,
    struct brute_sched *out)
{
	const struct tour_vehicle *veh = &m->veh[v];
	struct brute_sched s;
	double t = veh->start_s;
	int i, loc = veh->start_loc, ok = 1;

	memset(&s, 0, sizeof(s));
	s.loc[0] = loc;
	s.start_s[0] = t;
	for (i = 0; i < n; i++) {
		const struct tour_node *nd = &m->nodes[seq[i]];
		int to = nd->loc < 0 ? loc : nd->loc;
		double arr = t + brute_mat(m->time_s, m, loc, to);

		s.dist += brute_mat(m->dist, m, loc, to);
		t = arr > nd->ready_s ? arr : nd->ready_s;
		if (t > nd->late_s + TOUR_EPS)
			ok = 0;
		s.loc[i + 1] = loc = to;
		s.start_s[i + 1] = t;
		t += nd->service_s;
		if (seq[i] < m->n_jobs) {
			s.load += nd->demand;
			s.n_jobs++;
		}
	}
	t += brute_mat(m->time_s, m, loc, veh->end_loc);
	s.dist += brute_mat(m->dist, m, loc, veh->end_loc);
	s.loc[n + 1] = veh->end_loc;
	s.start_s[n + 1] = t;
	if (t > veh->end_s + TOUR_EPS || s.load > veh->capacity + TOUR_EPS)
		ok = 0;
	if (out != NULL)
		*out = s;
	return ok;
}

/* The stops of T between START and END into SEQ; returns how many. */
static inline int brute_seq(const struct tour *t, int *seq)
{
	int i;

	for (i = 1; i < t->len - 1; i++)
		seq[i - 1] = t->node[i];
	return t->len - 2;
}

/* SEQ[0..N) with node J put at index AT, into OUT. */
static inline void brute_with(const int *seq, int n, int j, int at, int *out)
{
	int i, k = 0;

	for (i = 0; i <= n; i++)
		out[i] = i == at ? j : seq[k++];
}

/* Is tour T, as it stands, feasible by the brute-force simulation? */
static inline int brute_tour_ok(const struct tour_model *m, const struct tour *t)
{
	int seq[BRUTE_MAX_STOPS];

	return brute_simulate(m, t->veh, seq, brute_seq(t, seq), NULL);
}

/* Does job J fit in T after index P, by the brute-force simulation? */
static inline int brute_fits(const struct tour_model *m, const struct tour *t, int j, int p)
{
	int seq[BRUTE_MAX_STOPS], with[BRUTE_MAX_STOPS], n = brute_seq(t, seq);

	brute_with(seq, n, j, p, with);
	return brute_simulate(m, t->veh, with, n + 1, NULL);
}

/* Fill S, made by solution_init(), with the left-out jobs in random order, each at a
 * random place that the simulation says is feasible in a random vehicle (or left
 * out when none is, or when the coin says so with chance 1/SKIP; SKIP 0: never).
 * Returns DS_OK or DS_ENOMEM. */
static inline int brute_fill(const struct tour_model *m, struct solution *s, struct brute_rng *r,
    int skip)
{
	int order[BRUTE_MAX_JOBS], vs[BRUTE_MAX_VEH], places[BRUTE_MAX_STOPS], n = s->n_unas;
	int i, k, p, np;

	memcpy(order, s->unas, (size_t)n * sizeof(int));
	brute_shuffle(r, order, n);
	s->n_unas = 0;
	for (i = 0; i < n; i++) {
		int j = order[i], placed = 0;

		for (k = 0; k < m->n_veh; k++)
			vs[k] = k;
		brute_shuffle(r, vs, m->n_veh);
		for (k = 0; k < m->n_veh && !placed && !(skip && brute_int(r, 1, skip) == 1); k++) {
			struct tour *t = &s->t[vs[k]];

			if (m->nodes[j].only_veh >= 0 && m->nodes[j].only_veh != vs[k])
				continue;
			for (np = 0, p = t->first_free - 1; p < t->len - 1; p++)
				if (brute_fits(m, t, j, p))
					places[np++] = p;
			if (np == 0)
				continue;
			if (tour_insert(t, m, j, places[brute_int(r, 0, np - 1)]) != DS_OK)
				return DS_ENOMEM;
			s->route_of[j] = vs[k];
			placed = 1;
		}
		if (!placed)
			s->unas[s->n_unas++] = j;
	}
	for (k = 0; k < m->n_veh; k++)
		tour_update(&s->t[k], m);
	solution_totals(s, m);
	return DS_OK;
}

/* Assert that S is consistent: every job exactly once, in a tour (with route_of
 * naming it) or left out; fixed prefixes first and in order; a break only in its
 * own vehicle; pinned jobs with their vehicle; with FEASIBLE every tour passes the
 * simulation. With TOTALS, S's dist, used and miss also equal a recount. */
static inline void brute_check_solution(const struct tour_model *m, const struct solution *s,
    int feasible, int totals)
{
	int seen[BRUTE_MAX_NODES] = {0}, miss[SOL_PRIO_LEVELS] = {0}, v, i, used = 0;
	double dist = 0;

	ck_assert_int_eq(s->n_veh, m->n_veh);
	for (v = 0; v < m->n_veh; v++) {
		const struct tour *t = &s->t[v];
		int seq[BRUTE_MAX_STOPS] = {0}, n = brute_seq(t, seq);
		struct brute_sched sc;

		ck_assert_int_eq(t->veh, v);
		ck_assert_int_eq(t->node[0], TOUR_START);
		ck_assert_int_eq(t->node[t->len - 1], TOUR_END);
		ck_assert_int_eq(t->first_free, m->veh[v].n_fixed + 1);
		for (i = 0; i < m->veh[v].n_fixed; i++)
			ck_assert_int_eq(t->node[1 + i], m->veh[v].fixed[i]);
		for (i = 0; i < n; i++) {
			int id = seq[i];

			ck_assert(id >= 0 && id < m->n_nodes);
			seen[id]++;
			if (id >= m->n_jobs) {
				ck_assert_int_eq(id, m->veh[v].brk);
				continue;
			}
			ck_assert_int_eq(s->route_of[id], v);
			ck_assert(m->nodes[id].only_veh < 0 || m->nodes[id].only_veh == v);
		}
		if (brute_simulate(m, v, seq, n, &sc) == 0)
			ck_assert(!feasible);
		if (sc.n_jobs > 0) {
			used++;
			dist += sc.dist;
		}
	}
	for (i = 0; i < s->n_unas; i++) {
		ck_assert(s->unas[i] >= 0 && s->unas[i] < m->n_jobs);
		ck_assert_int_eq(s->route_of[s->unas[i]], -1);
		seen[s->unas[i]]++;
		miss[m->nodes[s->unas[i]].prio]++;
	}
	for (i = 0; i < m->n_jobs; i++)
		ck_assert_int_eq(seen[i], 1);
	for (i = m->n_jobs; i < m->n_nodes; i++)
		ck_assert_int_le(seen[i], 1);
	if (!totals)
		return;
	ck_assert_int_eq(s->used, used);
	ck_assert_double_eq_tol(s->dist, dist, 1e-6);
	ck_assert_mem_eq(s->miss, miss, sizeof(miss));
}

/* Assert that T's schedule arrays, load and distance are up to date: equal to
 * those a full tour_update() of a copy computes. */
static inline void brute_check_fresh(const struct tour_model *m, const struct tour *t)
{
	struct tour c;
	int i;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(tour_copy(&c, t), DS_OK);
	tour_update(&c, m);
	for (i = 0; i < t->len; i++) {
		ck_assert_int_eq(t->loc[i], c.loc[i]);
		ck_assert_double_eq_tol(t->start_s[i], c.start_s[i], 1e-9);
		ck_assert(t->late_s[i] == c.late_s[i] || fabs(t->late_s[i] - c.late_s[i]) < 1e-9);
	}
	ck_assert_double_eq_tol(t->load, c.load, 1e-9);
	ck_assert_int_eq(t->n_jobs, c.n_jobs);
	ck_assert_double_eq_tol(t->dist, c.dist, 1e-6);
	tour_fini(&c);
}

#endif
