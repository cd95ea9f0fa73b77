/* search.c: ruin-and-recreate search over tours. Each iteration takes the current
 * solution, removes a few strings of stops around a random seed job (spatial
 * slack), reinserts every left-out job at its cheapest feasible place (skipping
 * each place with a small "blink" probability for diversity), and accepts the
 * result by simulated annealing on distance. Left-out jobs are compared first,
 * highest priority first, so a solution never trades a job for distance.
 * Vehicles-first runs the fleet-minimisation phase of the SISR paper before that:
 * drop a route, and accept recreations that leave out fewer jobs or jobs that were
 * left out less often (absence counts), until time is up. Every new best of
 * the annealing is polished by descent.c's local search. Only the tours an
 * iteration touched are copied back or forth, and a tour the iteration did not
 * touch answers from the insertion cache (icache.c). Vehicles-first on a small
 * problem runs three times (half, a quarter, a quarter of the budget), the later
 * runs relaxed when routes are long (search_solve). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route/descent.h"
#include "route/placecache.h"
#include "route/search.h"
#include "route/solution.h"
#include "route/swap.h"

#define SISR_C_BAR       10.0   /* mean jobs removed per ruin (paper: 10) */
#define SISR_C_BAR_FLEET 5.0    /* ... in fleet minimisation: smaller, more tries */
#define SISR_L_MAX       10.0   /* longest string removed (paper: 10) */
#define SISR_L_MAX_FLEET 4.0    /* ... in fleet minimisation (tuned on Solomon R, RC) */
#define SISR_SPLIT_RATE  0.5    /* share of ruins that keep a substring */
#define SISR_SPLIT_GROW  0.5    /* chance the kept substring grows by one */
#define SISR_BLINK       0.01   /* chance to skip an insertion place */
#define SISR_REPAIR_PASSES 4    /* priority swap passes after the search */
#define SISR_FLEET_SHARE 0.6    /* most of the budget fleet minimisation may take */
#define SISR_FLEET_STALL 0.35   /* ... and how long it may go without a reduction */
/* Temperatures per mean distance to the nearest neighbours, tuned on Solomon with
 * a one-second budget; clustered instances need the high start to untangle. */
#define SISR_T0_SCALE    30.0   /* start temperature */
#define SISR_TF_SCALE    0.1    /* final temperature */
#define SISR_VEH_COST_SCALE 1000.0 /* vehicles-first: cost of a used vehicle */
#define SISR_RUNS        3      /* independent runs sharing the budget ... */
#define SISR_FIRST_SHARE 0.5    /* ... of which the first run (the fleet) gets this */
#define SISR_RUNS_MAX_JOBS 400  /* ... for problems of at most this many jobs */
#define SISR_MISS_SCALE  30.0   /* relaxed run: cost of a left-out job */
#define SISR_RELAX_MIN_LEN 15   /* later runs relaxed only when routes average this many jobs */
#define SISR_CACHE_MAX   (1u << 20) /* insertion cache entries (jobs x vehicles) at most */
#define SISR_CACHE_MAX_JOBS 400 /* ... and jobs */

struct rng {
	uint64_t s;
};

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static int rng_below(struct rng *r, int n)
{
	return n <= 1 ? 0 : (int)(rng_next(r) % (uint64_t)n);
}

/* Everything one search needs besides the model. */
struct search {
	const struct tour_model *m;
	const struct search_params *par;
	struct rng rng;
	struct timespec t0;
	long iter;
	int *stamp;           /* per vehicle: iteration it was last ruined or filled */
	int *touched;         /* vehicles changed this iteration (stamp == iter) */
	int n_touched;
	int *rpos;            /* scratch: removable positions of a tour */
	int *pos;             /* scratch: per node, index in its tour (descent) */
	double *key;          /* per job: sort key for recreate */
	long *absent;         /* per job: fleet-minimisation absence counts */
	double mean_nb;       /* mean distance to the nearest neighbours */
	int fleet_goal;       /* fleet minimisation stops at this many vehicles */
	double blink;         /* chance to skip an insertion place */
	int in_fleet;         /* in fleet minimisation */
	int allow_new;        /* annealing may open empty vehicles */
	double miss_cost;     /* >0: relaxed annealing, the cost of a left-out job */
	double veh_cost;      /* annealing cost of a used vehicle */
	double open_cost;     /* insertion cost of opening an empty vehicle */
	struct tour scratch;  /* priority repair's trial tour */
	struct tour ls[2];    /* descent's trial tours */
	/* Cheapest places per (job, vehicle) in CUR's tours; on while WORK equals
	 * CUR outside the touched tours (see cached_in_tour()). */
	struct placecache ic;
};

static double elapsed_ms(const struct search *S)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - S->t0.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - S->t0.tv_nsec) / 1e6;
}

/* Share of the budget used, 0..1; the iteration budget, when set, rules so that a
 * seed gives the same run on any machine. */
static double progress(const struct search *S)
{
	double t = elapsed_ms(S) / (double)S->par->time_limit_ms;

	if (S->par->max_iterations <= 0 || t >= 1.0)
		return t;
	return (double)S->iter / (double)S->par->max_iterations;
}

/* Start iteration S->iter + 1: no tour touched yet. */
static void next_iteration(struct search *S)
{
	S->iter++;
	S->n_touched = 0;
}

/* Note that tour V changes in this iteration (the ruin skips tours noted). */
static void touch(struct search *S, int v)
{
	if (S->stamp[v] == (int)S->iter)
		return;
	S->stamp[v] = (int)S->iter;
	S->touched[S->n_touched++] = v;
}

/* Removable positions of tour T (jobs after the fixed prefix) into S->rpos. */
static int removable(const struct search *S, const struct tour *t)
{
	int i, k = 0;

	for (i = t->first_free; i < t->len - 1; i++)
		if (t->node[i] < S->m->n_jobs)
			S->rpos[k++] = i;
	return k;
}

/* Ruin tour V around job C: a string of L removable stops containing C, or with
 * the split variant a string of L+M stops of which M consecutive ones stay. */
static void ruin_tour(struct search *S, struct solution *s, int v, int c, double ls_max)
{
	int k = removable(S, &s->t[v]), idx, l, mk = 0, total, start, keep, i, n = 0;
	int lmax = (int)fmin((double)k, ls_max);

	for (idx = 0; idx < k && s->t[v].node[S->rpos[idx]] != c; idx++)
		;
	if (k == 0 || idx == k)
		return;
	l = 1 + rng_below(&S->rng, lmax > 0 ? lmax : 1);
	if (l < k && rng_unit(&S->rng) < SISR_SPLIT_RATE) {
		mk = 1;
		while (l + mk < k && rng_unit(&S->rng) < SISR_SPLIT_GROW)
			mk++;
	}
	total = l + mk;
	start = idx - rng_below(&S->rng, total);
	if (start < 0)
		start = 0;
	if (start + total > k)
		start = k - total;
	keep = mk ? start + 1 + rng_below(&S->rng, total - mk - 1 > 0 ? total - mk : 1) : -1;
	for (i = start; i < start + total; i++)
		if (keep < 0 || i < keep || i >= keep + mk)
			S->rpos[n++] = S->rpos[i];
	solution_remove_positions(s, S->m, v, S->rpos, n);
}

static void ruin(struct search *S, struct solution *s)
{
	const struct tour_model *m = S->m;
	int assigned = m->n_jobs - s->n_unas, ks, done = 0, i, c;
	double avg = s->used ? (double)assigned / s->used : 1.0;
	double ls_max = fmin(S->in_fleet ? SISR_L_MAX_FLEET : SISR_L_MAX, avg);
	double ks_max = 4.0 * (S->in_fleet ? SISR_C_BAR_FLEET : SISR_C_BAR) / (1.0 + ls_max) - 1.0;
	int seed = rng_below(&S->rng, m->n_jobs);


	ks = 1 + (int)(rng_unit(&S->rng) * ks_max);
	for (i = -1; i < m->n_neigh && done < ks; i++) {
		int v;

		c = i < 0 ? seed : m->neigh[(size_t)seed * (size_t)m->n_neigh + (size_t)i];
		v = s->route_of[c];
		if (v < 0 || m->nodes[c].fixed || S->stamp[v] == (int)S->iter)
			continue;
		touch(S, v);
		ruin_tour(S, s, v, c, ls_max);
		done++;
	}
}

/* Cheapest feasible place for job C in tour T that costs less than *BEST; with
 * BLINK each such place is skipped with probability S->blink. Returns the
 * place (and lowers *BEST), or -1. */
static int scan_tour(struct search *S, const struct tour *t, int c, double *best, int blink)
{
	const struct tour_node *nc = &S->m->nodes[c];
	int p, bp = -1;
	double d;

	for (p = tour_first_place(t, S->m, nc->ready_s + nc->service_s); p < t->len - 1; p++) {
		/* Earliest starts only grow along a tour: once leaving P is too late
		 * for C, every later place is too. */
		if (t->start_s[p] > nc->late_s + TOUR_EPS)
			break;
		/* Blink only where it matters: skipping a place that would not win
		 * anyway changes nothing, and saves a random draw per place. */
		d = tour_insert_dist(t, S->m, c, p);
		if (d < *best && tour_fits(t, S->m, c, p) &&
		    !(blink && S->blink > 0 && rng_unit(&S->rng) < S->blink)) {
			*best = d;
			bp = p;
		}
	}
	return bp;
}

/* CUR's tours noted in S->touched changed: their cached places are stale. */
static void bump_touched(struct search *S)
{
	int i;

	for (i = 0; i < S->n_touched; i++)
		placecache_bump(&S->ic, S->touched[i]);
}

/* Cheapest place for C in tour V, which this iteration has not touched (so it
 * equals CUR's): a ruin changes a few tours and an acceptance keeps the rest, so
 * most tours are asked for the same job again before they change. The blink
 * skips the whole tour instead of one place. The cached place is checked again
 * (O(1)) so a stale entry could cost distance, never feasibility. */
static void cached_in_tour(struct search *S, const struct tour *t, int v, int c,
    double *best, int *bv, int *bp)
{
	double cost;
	int p;

	if (!placecache_get(&S->ic, c, v, &cost, &p) ||
	    (p >= 0 && (p >= t->len - 1 || !tour_fits(t, S->m, c, p)))) {
		cost = INFINITY;
		p = scan_tour(S, t, c, &cost, 0);
		placecache_put(&S->ic, c, v, cost, p);
	}
	if (cost < *best && !(S->blink > 0 && rng_unit(&S->rng) < S->blink)) {
		*best = cost;
		*bv = v;
		*bp = p;
	}
}

/* Best place for job C in tour V; updates BEST, BV and BP when cheaper. */
static void best_in_tour(struct search *S, const struct solution *s, int v, int c,
    double *best, int *bv, int *bp)
{
	const struct tour *t = &s->t[v];
	const struct tour_node *nc = &S->m->nodes[c];
	int p;

	if (nc->only_veh >= 0 && nc->only_veh != v)
		return;
	if (t->load + nc->demand > S->m->veh[v].capacity + TOUR_EPS)
		return;
	if (placecache_enabled(&S->ic) && c < S->m->n_jobs && S->stamp[v] != (int)S->iter) {
		cached_in_tour(S, t, v, c, best, bv, bp);
		return;
	}
	p = scan_tour(S, t, c, best, 1);
	if (p >= 0) {
		*bv = v;
		*bp = p;
	}
}

/* Insert job C at its cheapest place; with ALLOW_NEW an empty vehicle may open
 * (only when no used one fits, for vehicles-first). Returns 1 when placed, -1 on
 * out of memory. */
static int place(struct search *S, struct solution *s, int c, int allow_new)
{
	const struct tour_model *m = S->m;
	double best = INFINITY;
	int bv = -1, bp = -1, v, seen[64] = {0}, nc_only = m->nodes[c].only_veh;

	for (v = 0; v < s->n_veh; v++)
		if (s->t[v].n_jobs > 0)
			best_in_tour(S, s, v, c, &best, &bv, &bp);
	if (allow_new) {
		double eb = INFINITY;
		int ev = -1, ep = -1;

		for (v = 0; v < s->n_veh; v++) {
			int cls = m->veh[v].cls;

			if (s->t[v].n_jobs > 0)
				continue;
			/* Interchangeable empty vehicles give the same answer; try one (but a
			 * job pinned to one courier may open only that courier's). */
			if (nc_only >= 0 && v != nc_only)
				continue;
			if (nc_only < 0 && cls < 64 && seen[cls])
				continue;
			if (cls < 64)
				seen[cls] = 1;
			best_in_tour(S, s, v, c, &eb, &ev, &ep);
		}
		/* Opening a vehicle costs open_cost on top of its distance; with
		 * INFINITY it happens only when no used vehicle can take C. */
		if (ev >= 0 && (bv < 0 || eb + S->open_cost < best)) {
			bv = ev;
			bp = ep;
		}
	}
	if (bv < 0 && S->blink > 0) {
		/* A blink must not be what leaves a job out. */
		double blink = S->blink;
		int rc;

		S->blink = 0;
		rc = place(S, s, c, allow_new);
		S->blink = blink;
		return rc;
	}
	if (bv < 0)
		return 0;
	if (tour_insert(&s->t[bv], m, c, bp) != DS_OK)
		return -1;
	s->route_of[c] = bv;
	touch(S, bv);
	return 1;
}

static int key_cmp(const void *a, const void *b, void *ctx)
{
	const double *key = ctx;
	double ka = key[*(const int *)a], kb = key[*(const int *)b];

	return ka < kb ? -1 : ka > kb ? 1 : (*(const int *)a - *(const int *)b);
}

/* Insertion sort by key: n is the jobs of one ruin (about 10), and qsort_r is
 * not in C11. */
static void sort_by_key(int *a, int n, double *key)
{
	int i, j;

	for (i = 1; i < n; i++) {
		int x = a[i];

		for (j = i - 1; j >= 0 && key_cmp(&a[j], &x, key) > 0; j--)
			a[j + 1] = a[j];
		a[j + 1] = x;
	}
}

/* The SISR orders: random 4, demand 4, far 2, close 1; higher priority first. */
static void order_unassigned(struct search *S, struct solution *s)
{
	const struct tour_model *m = S->m;
	int r = rng_below(&S->rng, 11), i;

	for (i = 0; i < s->n_unas; i++) {
		int j = s->unas[i];
		double k;

		if (S->in_fleet && r < 4)
			k = -(double)S->absent[j] - rng_unit(&S->rng);  /* often-left-out first */
		else if (r < 4)
			k = rng_unit(&S->rng);
		else if (r < 8)
			k = -m->nodes[j].demand;
		else if (r < 10)
			k = -m->depot_dist[j];
		else
			k = m->depot_dist[j];
		S->key[j] = k - 1e9 * m->nodes[j].prio;
	}
	sort_by_key(s->unas, s->n_unas, S->key);
}

static int recreate(struct search *S, struct solution *s, int allow_new)
{
	int i, n = 0, rc;

	order_unassigned(S, s);
	for (i = 0; i < s->n_unas; i++) {
		rc = place(S, s, s->unas[i], allow_new);
		if (rc < 0)
			return DS_ENOMEM;
		if (rc == 0)
			s->unas[n++] = s->unas[i];
	}
	s->n_unas = n;
	solution_totals(s, S->m);
	return DS_OK;
}

/* Empty the used vehicle without fixed stops that serves the fewest jobs (ties:
 * at random) into the left-out list: its jobs are the easiest to place elsewhere. */
static void drop_route(struct search *S, struct solution *s)
{
	int v, k, best = -1, ties = 0;

	for (v = 0; v < s->n_veh; v++) {
		if (s->t[v].n_jobs == 0 || s->t[v].first_free != 1)
			continue;
		if (best < 0 || s->t[v].n_jobs < s->t[best].n_jobs) {
			best = v;
			ties = 1;
		} else if (s->t[v].n_jobs == s->t[best].n_jobs && rng_below(&S->rng, ++ties) == 0) {
			best = v;
		}
	}
	if (best < 0)
		return;
	k = removable(S, &s->t[best]);
	solution_remove_positions(s, S->m, best, S->rpos, k);
	solution_totals(s, S->m);
}

static long absence_sum(const struct search *S, const struct solution *s)
{
	long sum = 0;
	int i;

	for (i = 0; i < s->n_unas; i++)
		sum += S->absent[s->unas[i]];
	return sum;
}

static int stop_now(const struct search *S, double until)
{
	return progress(S) >= until;
}

/* Fleet minimisation: S holds a solution with nothing left out; BEST gets the
 * smallest fleet found that serves every job. */
static int fleet_phase(struct search *S, struct solution *cur, struct solution *work,
    struct solution *best)
{
	int i, better;
	double last = progress(S), now;

	if (solution_copy(best, cur, S->m) != DS_OK)
		return DS_ENOMEM;
	drop_route(S, cur);
	if (solution_copy(work, cur, S->m) != DS_OK)
		return DS_ENOMEM;
	S->in_fleet = 1;
	S->ic.on = 1;
	placecache_bump_all(&S->ic);
	/* Reductions come early or not at all: stop after a long dry spell. WORK
	 * equals CUR at the top of every iteration. */
	while (best->used > S->fleet_goal && (now = progress(S)) < SISR_FLEET_SHARE &&
	    now - last < SISR_FLEET_STALL) {
		next_iteration(S);
		ruin(S, work);
		if (recreate(S, work, 0) != DS_OK)
			return DS_ENOMEM;
		better = work->n_unas < cur->n_unas || absence_sum(S, work) < absence_sum(S, cur);
		for (i = 0; i < work->n_unas; i++)
			S->absent[work->unas[i]]++;
		if (work->n_unas == 0) {
			last = progress(S);
			if (solution_copy(best, work, S->m) != DS_OK ||
			    solution_copy(cur, work, S->m) != DS_OK)
				return DS_ENOMEM;
			drop_route(S, cur);
			placecache_bump_all(&S->ic);
			if (solution_copy(work, cur, S->m) != DS_OK)
				return DS_ENOMEM;
		} else if (better) {
			if (solution_sync(cur, work, S->m, S->touched, S->n_touched) != DS_OK)
				return DS_ENOMEM;
			bump_touched(S);
		} else if (solution_sync(work, cur, S->m, S->touched, S->n_touched) != DS_OK) {
			return DS_ENOMEM;
		}
	}
	S->in_fleet = 0;
	S->ic.on = 0;
	return solution_copy(cur, best, S->m);
}

/* Does the annealing take WORK over CUR at temperature TEMP? Left-out jobs
 * first, then distance plus the vehicles' cost, with the annealing's margin. */
static int accept(struct search *S, const struct solution *work, const struct solution *cur,
    double temp)
{
	int c = solution_miss_cmp(work, cur);

	if (S->miss_cost > 0) {
		/* Relaxed: a left-out job costs miss_cost, and a route may only
		 * disappear when nothing is left out (else dropping a route's jobs
		 * would pay for itself). */
		if (work->n_unas > 0 && work->used < cur->used)
			return 0;
		return work->dist + S->miss_cost * work->n_unas <
		    cur->dist + S->miss_cost * cur->n_unas - temp * log(rng_unit(&S->rng) + 1e-300);
	}
	return c < 0 || (c == 0 && work->dist + S->veh_cost * work->used <
	    cur->dist + S->veh_cost * cur->used - temp * log(rng_unit(&S->rng) + 1e-300));
}

/* Simulated annealing on distance from CUR; BEST keeps the best seen. */
static int anneal_phase(struct search *S, struct solution *cur, struct solution *work,
    struct solution *best, double from)
{
	double t0 = SISR_T0_SCALE * S->mean_nb, tf = SISR_TF_SCALE * S->mean_nb;

	if (solution_copy(work, cur, S->m) != DS_OK)
		return DS_ENOMEM;
	S->ic.on = 1;
	placecache_bump_all(&S->ic);
	/* WORK equals CUR at the top of every iteration. */
	while (!stop_now(S, 1.0)) {
		double f = (progress(S) - from) / (1.0 - from), temp;

		next_iteration(S);
		temp = t0 * pow(tf / t0, f < 0 ? 0 : f > 1 ? 1 : f);
		ruin(S, work);
		if (recreate(S, work, S->allow_new) != DS_OK)
			return DS_ENOMEM;
		if (!accept(S, work, cur, temp)) {
			if (solution_sync(work, cur, S->m, S->touched, S->n_touched) != DS_OK)
				return DS_ENOMEM;
			continue;
		}
		if (solution_sync(cur, work, S->m, S->touched, S->n_touched) != DS_OK)
			return DS_ENOMEM;
		bump_touched(S);
		/* A new best is polished by local search before it is kept: rare
		 * enough to be cheap, and the walk goes on from there. */
		if (!solution_better(cur, best, S->par->vehicles_first))
			continue;
		if (descent_run(S->m, cur, S->pos, S->ls) != DS_OK ||
		    solution_copy(best, cur, S->m) != DS_OK ||
		    solution_copy(work, cur, S->m) != DS_OK)
			return DS_ENOMEM;
		placecache_bump_all(&S->ic);
	}
	S->ic.on = 0;
	return DS_OK;
}

/* Make sure no left-out job could come in by moving a routed job to another
 * route, nor take the place of a lower-priority one: the annealing compares
 * priorities first but may stop before finding every such move. */
static int priority_repair(struct search *S, struct solution *s)
{
	int pass, i, rc, changed = 1;

	S->blink = 0;
	for (pass = 0; changed && pass < SISR_REPAIR_PASSES; pass++) {
		changed = 0;
		if (recreate(S, s, 1) != DS_OK)
			return DS_ENOMEM;
		for (i = 0; i < s->n_unas; i++) {
			/* Making room by a move serves one more job and leaves none out,
			 * so it goes before a swap that leaves a lower priority out. After
			 * it, slot I holds another left-out job, which goes next. */
			rc = swap_eject(S->m, s, i, &S->scratch);
			if (rc > 0) {
				changed = 1;
				i--;
				continue;
			}
			if (rc == 0)
				rc = swap_in(S->m, s, i, &S->scratch);
			if (rc < 0)
				return DS_ENOMEM;
			changed |= rc;
		}
	}
	solution_totals(s, S->m);
	return DS_OK;
}

static double mean_neighbour_dist(const struct tour_model *m)
{
	double sum = 0;
	int j, k, n = 0, kmax = m->n_neigh < 10 ? m->n_neigh : 10;

	for (j = 0; j < m->n_jobs; j++)
		for (k = 0; k < kmax; k++) {
			int o = m->neigh[(size_t)j * (size_t)m->n_neigh + (size_t)k];

			sum += m->dist[(size_t)m->nodes[j].loc * (size_t)m->n_locs +
			               (size_t)m->nodes[o].loc];
			n++;
		}
	return n ? (sum / n > 1e-9 ? sum / n : 1.0) : 1.0;
}

static int search_init(struct search *S, const struct tour_model *m,
                       const struct search_params *par)
{
	double load = 0, cap = 0;
	int v, j;

	memset(S, 0, sizeof(*S));
	S->m = m;
	S->par = par;
	S->rng.s = par->seed;
	S->blink = SISR_BLINK;
	clock_gettime(CLOCK_MONOTONIC, &S->t0);
	S->stamp = malloc(((size_t)m->n_veh + 1) * sizeof(int));
	S->touched = malloc(((size_t)m->n_veh + 1) * sizeof(int));
	S->rpos = malloc((size_t)(m->n_nodes + 2) * sizeof(int));
	S->key = calloc((size_t)m->n_nodes, sizeof(double));
	S->pos = calloc((size_t)m->n_nodes + 1, sizeof(int));
	S->absent = calloc((size_t)m->n_nodes, sizeof(long));
	/* The cache pays when a job is left out again before the tours near it
	 * change: with 100 jobs it does, on the 1,000-job province day it halved
	 * the iterations (every tour had changed by then). */
	if (placecache_init(&S->ic, m->n_jobs, m->n_veh,
	    m->n_jobs <= SISR_CACHE_MAX_JOBS ? SISR_CACHE_MAX : 0) != DS_OK)
		return DS_ENOMEM;
	if (S->stamp == NULL || S->touched == NULL || S->rpos == NULL || S->key == NULL ||
	    S->absent == NULL || S->pos == NULL)
		return DS_ENOMEM;
	for (v = 0; v < m->n_veh; v++) {
		S->stamp[v] = -1;
		cap = m->veh[v].capacity > cap ? m->veh[v].capacity : cap;
	}
	for (j = 0; j < m->n_jobs; j++)
		load += m->nodes[j].demand;
	/* Vehicles needed by load alone. */
	S->fleet_goal = cap > 0 ? (int)ceil(load / cap - 1e-9) : 1;
	if (S->fleet_goal < 1)
		S->fleet_goal = 1;
	S->mean_nb = mean_neighbour_dist(m);
	return m->n_veh > 0 ? tour_init(&S->scratch, m, 0) : DS_OK;
}

static void search_fini(struct search *S)
{
	free(S->stamp);
	free(S->touched);
	free(S->rpos);
	free(S->key);
	free(S->pos);
	free(S->absent);
	placecache_fini(&S->ic);
	tour_fini(&S->scratch);
	tour_fini(&S->ls[0]);
	tour_fini(&S->ls[1]);
}

/* First solution: insert the jobs farthest from a start first, opening vehicles
 * as needed (the classic construction SISR's recreate reduces to). */
static int construct(struct search *S, struct solution *s)
{
	int i, n = 0, rc;

	for (i = 0; i < s->n_unas; i++)
		S->key[s->unas[i]] = -S->m->depot_dist[s->unas[i]] -
		                     1e9 * S->m->nodes[s->unas[i]].prio;
	sort_by_key(s->unas, s->n_unas, S->key);
	for (i = 0; i < s->n_unas; i++) {
		rc = place(S, s, s->unas[i], 1);
		if (rc < 0)
			return DS_ENOMEM;
		if (rc == 0)
			s->unas[n++] = s->unas[i];
	}
	s->n_unas = n;
	solution_totals(s, S->m);
	return DS_OK;
}

/* One search: construction, fleet minimisation, annealing, polish. */
static int search_run(const struct tour_model *m, const struct search_params *par,
    int goal, int relax, struct solution *out, long *iterations)
{
	struct search S;
	struct solution cur, work;
	int rc = DS_ENOMEM, v;
	double from = 0;

	memset(&cur, 0, sizeof(cur));
	memset(&work, 0, sizeof(work));
	memset(out, 0, sizeof(*out));
	if (search_init(&S, m, par) != DS_OK || solution_init(&cur, m) != DS_OK ||
	    solution_init(&work, m) != DS_OK || solution_init(out, m) != DS_OK)
		goto fail;
	if (goal > S.fleet_goal)
		S.fleet_goal = goal;
	S.open_cost = par->vehicles_first ? INFINITY : 0;
	if (construct(&S, &cur) != DS_OK || solution_copy(out, &cur, m) != DS_OK)
		goto fail;
	S.allow_new = 1;
	/* Vehicles-first anneals with the fleet the first phase reached: a vehicle
	 * costs so much that opening one only happens when a job fits nowhere else,
	 * and such a solution is dropped again at once. */
	S.veh_cost = par->vehicles_first ? SISR_VEH_COST_SCALE * S.mean_nb : 0;
	S.open_cost = S.veh_cost;
	if (par->vehicles_first && cur.n_unas == 0 && m->n_jobs > 0) {
		if (fleet_phase(&S, &cur, &work, out) != DS_OK)
			goto fail;
		from = progress(&S);
	}
	/* The relaxed annealing keeps the fleet it starts with: a job that fits
	 * nowhere is left out at a cost instead of opening a vehicle. */
	if (relax && par->vehicles_first && cur.n_unas == 0) {
		S.miss_cost = SISR_MISS_SCALE * S.mean_nb;
		S.allow_new = 0;
	}
	if (m->n_jobs > 0 && anneal_phase(&S, &cur, &work, out, from >= 1.0 ? 0.99 : from) != DS_OK)
		goto fail;
	/* The fleet phase's answer, when the annealing never beat it, is polished
	 * here; a best already polished costs one pass that finds nothing. */
	if (descent_run(m, out, S.pos, S.ls) != DS_OK || priority_repair(&S, out) != DS_OK)
		goto fail;
	/* Insertions add distances up; the answer gets exact sums. */
	for (v = 0; v < out->n_veh; v++)
		tour_update(&out->t[v], m);
	solution_totals(out, m);
	*iterations = S.iter;
	rc = DS_OK;
fail:
	if (rc != DS_OK)
		solution_fini(out);
	solution_fini(&cur);
	solution_fini(&work);
	search_fini(&S);
	return rc;
}

/* Milliseconds since T0 on the monotonic clock. */
static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)((now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Vehicles-first on a small problem gets SISR_RUNS searches that share the
 * budget (the first, which finds the fleet, half of it), and the best answer
 * wins. With the fleet at its minimum the annealing settles early in one basin
 * that depends on the seed, so shorter runs beat one full run. The later runs
 * stop minimising the fleet at the best size so far and, on long routes, anneal
 * relaxed: jobs may be left out at a cost, so the walk can cross between
 * feasible solutions that no single ruin and recreate connects (R2 and RC2);
 * only complete solutions are kept. On short routes (R1, RC1) relaxing made
 * the runs worse. The distance objective and large problems do better with one
 * run (docs/PERFORMANCE.md gives the measurements). */
int search_solve(const struct tour_model *m, const struct search_params *par,
    struct solution *out, long *iterations)
{
	struct search_params p = *par;
	struct solution cand;
	struct timespec t0;
	int runs = par->vehicles_first && m->n_jobs <= SISR_RUNS_MAX_JOBS ? SISR_RUNS : 1, k;
	long it;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&cand, 0, sizeof(cand));
	*iterations = 0;
	for (k = 0; k < runs; k++) {
		long left = par->time_limit_ms - ms_since(&t0);

		/* Run 0 gets SISR_FIRST_SHARE (or all) of the budget, the later runs
		 * share the rest. */
		double share = runs == 1 ? 1.0 : k == 0 ? SISR_FIRST_SHARE :
		    1.0 / (runs - k);
		long part = (long)(share * (double)left);
		long iters = k == 0 ? (long)(share * (double)par->max_iterations) :
		    (long)((1.0 - SISR_FIRST_SHARE) * (double)par->max_iterations) / (runs - 1);

		p.time_limit_ms = part > 1 ? part : 1;
		p.max_iterations = par->max_iterations <= 0 ? 0 : iters > 1 ? iters : 1;
		p.seed = par->seed + (uint64_t)k * 0x9e3779b97f4a7c15ULL;
		/* A later run stops minimising the fleet at the size an earlier one
		 * reached: that run already spent its dry spell looking for less. */
		if (search_run(m, &p, k > 0 && out->n_unas == 0 ? out->used : 0,
		    k > 0 && out->used > 0 && m->n_jobs >= SISR_RELAX_MIN_LEN * out->used,
		    k == 0 ? out : &cand, &it) != DS_OK)
			goto fail;
		*iterations += it;
		if (k > 0 && solution_better(&cand, out, par->vehicles_first)) {
			struct solution x = *out;

			*out = cand;
			cand = x;
		}
		solution_fini(&cand);
	}
	return DS_OK;
fail:
	solution_fini(out);
	solution_fini(&cand);
	return DS_ENOMEM;
}

int search_ruin_for_test(const struct tour_model *m, struct solution *s, uint64_t seed,
    int in_fleet, int *touched, int *n_touched)
{
	struct search_params par = { 0, 1, 1, seed };
	struct search S;
	int rc = DS_ENOMEM;

	*n_touched = 0;
	if (search_init(&S, m, &par) != DS_OK)
		goto fail;
	S.in_fleet = in_fleet;
	next_iteration(&S);
	ruin(&S, s);
	memcpy(touched, S.touched, (size_t)S.n_touched * sizeof(int));
	*n_touched = S.n_touched;
	rc = DS_OK;
fail:
	search_fini(&S);
	return rc;
}
