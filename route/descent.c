/* descent.c: first-improvement local search over neighbour lists. Ruin-and-
 * recreate moves strings of nearby stops; what it rarely finds in a short budget
 * on long routes is the stop or short string that would sit better next to a
 * neighbour far along another route (or its own), or two route ends that should
 * swap. Four moves, each tried only near a job's nearest neighbours: relocate one
 * job (taken out with one O(len) update, which gives the exact saving, breaks
 * included; the places are then O(1) checks), or-opt of 2 and 3 stops, 2-opt
 * inside a route and 2-opt* between two. The last three are filtered on distance
 * first and scheduled in scratch tours only when they would gain. No randomness,
 * so a seed still gives one answer. */
#include <math.h>
#include <string.h>

#include "route/descent.h"

#define DESCENT_NEIGH  30     /* neighbours tried per job */
#define DESCENT_PASSES 4      /* passes over all jobs at most */
#define DESCENT_EPS    1e-7   /* least saving that counts (rounding noise) */
#define DESCENT_SEG    3      /* longest string or-opt moves */

/* Positions of the stops of T into POS, by node id. */
static void index_tour(const struct tour *t, int *pos)
{
	int i;

	for (i = 1; i < t->len - 1; i++)
		pos[t->node[i]] = i;
}

/* Cheapest place for J right before or after one of its neighbours. Returns the
 * added distance (INFINITY: none) with the tour in *BV and the index in *BP. */
static double best_near(const struct tour_model *m, const struct solution *s,
    const int *pos, int j, int *bv, int *bp)
{
	const int *nb = &m->neigh[(size_t)j * (size_t)m->n_neigh];
	int n = m->n_neigh < DESCENT_NEIGH ? m->n_neigh : DESCENT_NEIGH, k, p;
	double best = INFINITY, d;

	*bv = -1;
	for (k = 0; k < n; k++) {
		int v = s->route_of[nb[k]];
		const struct tour *t;

		if (v < 0 || (m->nodes[j].only_veh >= 0 && m->nodes[j].only_veh != v))
			continue;
		t = &s->t[v];
		for (p = pos[nb[k]] - 1; p <= pos[nb[k]]; p++) {
			if (p < t->first_free - 1 || p >= t->len - 1)
				continue;
			d = tour_insert_dist(t, m, j, p);
			if (d < best && tour_fits(t, m, j, p)) {
				best = d;
				*bv = v;
				*bp = p;
			}
		}
	}
	return best;
}

/* Put J back at index R of its tour U. Cannot fail: the arrays still have the
 * room J left, and the sequence is the one before, so the schedule is too. */
static void put_back(const struct tour_model *m, struct solution *s, int *pos, int j,
    int u, int r)
{
	struct tour *t = &s->t[u];
	int rc = tour_insert(t, m, j, r - 1);

	(void)rc;
	tour_update(t, m);
	s->route_of[j] = u;
	index_tour(t, pos);
}

/* Try to move job J somewhere shorter. Returns 1 when moved, 0 when not, -1 on
 * out of memory (J is then back in place). */
static int try_relocate(const struct tour_model *m, struct solution *s, int *pos, int j)
{
	int u = s->route_of[j], r, bv, bp;
	struct tour *t;
	double old, gain, d;

	if (u < 0 || m->nodes[j].fixed)
		return 0;
	t = &s->t[u];
	r = pos[j];
	old = t->dist;
	tour_remove_at(t, r);
	s->route_of[j] = -1;
	if (!tour_update(t, m)) {
		/* With a matrix that breaks the triangle inequality, or a break that
		 * now waits farther from the next stop. */
		put_back(m, s, pos, j, u, r);
		return 0;
	}
	gain = old - t->dist;
	index_tour(t, pos);
	d = best_near(m, s, pos, j, &bv, &bp);
	if (bv < 0 || d >= gain - DESCENT_EPS) {
		put_back(m, s, pos, j, u, r);
		return 0;
	}
	if (tour_insert(&s->t[bv], m, j, bp) != DS_OK) {
		put_back(m, s, pos, j, u, r);
		return -1;
	}
	s->route_of[j] = bv;
	index_tour(&s->t[bv], pos);
	return 1;
}

/* Reverse the stops at indices I..K of T in place. */
static void reverse_span(struct tour *t, int i, int k)
{
	while (i < k) {
		int x = t->node[i];

		t->node[i++] = t->node[k];
		t->node[k--] = x;
	}
}

/* Try the 2-opt move that makes A (at index I of tour V) precede its neighbour B
 * further along the same tour, by reversing the stops after A up to B. Windows
 * make most reversals infeasible, so the distance test comes first and only a
 * promising one pays for the O(len) schedule in SCRATCH. Returns 1 when applied,
 * 0 when not, -1 on out of memory. */
static int try_reverse(const struct tour_model *m, struct solution *s, int *pos,
    struct tour *scratch, int v, int i, int k)
{
	struct tour *t = &s->t[v];
	int x;
	double est;

	if (k <= i + 1 || k >= t->len - 1)
		return 0;
	for (x = i + 1; x <= k; x++)
		if (t->node[x] >= m->n_jobs)
			return 0;
	est = TOUR_MAT(m->dist, m, t->loc[i], t->loc[k]) +
	    TOUR_MAT(m->dist, m, t->loc[i + 1], t->loc[k + 1]) -
	    TOUR_MAT(m->dist, m, t->loc[i], t->loc[i + 1]) -
	    TOUR_MAT(m->dist, m, t->loc[k], t->loc[k + 1]);
	if (est > -DESCENT_EPS)
		return 0;
	if (tour_copy(scratch, t) != DS_OK)
		return -1;
	reverse_span(scratch, i + 1, k);
	if (!tour_update(scratch, m) || scratch->dist >= t->dist - DESCENT_EPS)
		return 0;
	if (tour_copy(t, scratch) != DS_OK)
		return -1;
	index_tour(t, pos);
	return 1;
}

/* One pass of 2-opt inside every tour, over each job's neighbours. */
static int reverse_pass(const struct tour_model *m, struct solution *s, int *pos,
    struct tour *scratch)
{
	int a, k, rc, moved = 0;
	int n = m->n_neigh < DESCENT_NEIGH ? m->n_neigh : DESCENT_NEIGH;

	for (a = 0; a < m->n_jobs; a++) {
		int v = s->route_of[a];

		if (v < 0 || m->nodes[a].fixed)
			continue;
		for (k = 0; k < n; k++) {
			int b = m->neigh[(size_t)a * (size_t)m->n_neigh + (size_t)k];

			if (s->route_of[b] != v)
				continue;
			rc = try_reverse(m, s, pos, scratch, v, pos[a], pos[b]);
			if (rc < 0)
				return -1;
			moved |= rc;
		}
	}
	return moved;
}

/* Does tour T hold, from index LO to HI, a stop only one vehicle may serve (a
 * break)? Such a tail cannot change vehicle. */
static int tail_bound(const struct tour_model *m, const struct tour *t, int lo, int hi)
{
	int x;

	for (x = lo; x <= hi; x++)
		if (m->nodes[t->node[x]].only_veh >= 0)
			return 1;
	return 0;
}

/* Give the new tours in SC to vehicles U and V and fix route_of and POS. */
static int cross_apply(struct solution *s, int *pos, struct tour *sc, int u, int v)
{
	int w, x;

	if (tour_copy(&s->t[u], &sc[0]) != DS_OK || tour_copy(&s->t[v], &sc[1]) != DS_OK)
		return -1;
	for (w = 0; w < 2; w++) {
		struct tour *t = &s->t[w ? v : u];

		for (x = 1; x < t->len - 1; x++)
			s->route_of[t->node[x]] = w ? v : u;
		index_tour(t, pos);
	}
	return 1;
}

/* 2-opt* between tours: A (index I of tour U) is followed by its neighbour B
 * (index K of tour V) and the rest of V, while V's stops before B go on with
 * the rest of U. Filtered by distance first; the schedules are then built in the
 * two scratch tours SC. Returns 1 when applied, 0 when not, -1 on out of memory. */
static int try_cross(const struct tour_model *m, struct solution *s, int *pos,
    struct tour *sc, int u, int i, int v, int k)
{
	const struct tour *tu = &s->t[u], *tv = &s->t[v];
	double est, old;

	if (i < tu->first_free - 1 || k < tv->first_free ||
	    tail_bound(m, tu, i + 1, tu->len - 2) || tail_bound(m, tv, k, tv->len - 2))
		return 0;
	est = TOUR_MAT(m->dist, m, tu->loc[i], tv->loc[k]) +
	    TOUR_MAT(m->dist, m, tv->loc[k - 1], tu->loc[i + 1]) -
	    TOUR_MAT(m->dist, m, tu->loc[i], tu->loc[i + 1]) -
	    TOUR_MAT(m->dist, m, tv->loc[k - 1], tv->loc[k]);
	if (est > -DESCENT_EPS)
		return 0;
	if (tour_copy(&sc[0], tu) != DS_OK || tour_copy(&sc[1], tv) != DS_OK ||
	    tour_splice(&sc[0], tu->node, i + 1, tv->node + k, tv->len - k) != DS_OK ||
	    tour_splice(&sc[1], tv->node, k, tu->node + i + 1, tu->len - i - 1) != DS_OK)
		return -1;
	if (!tour_update(&sc[0], m) || !tour_update(&sc[1], m))
		return 0;
	old = tu->dist + tv->dist;
	if ((sc[0].n_jobs ? sc[0].dist : 0) + (sc[1].n_jobs ? sc[1].dist : 0) >=
	    old - DESCENT_EPS)
		return 0;
	return cross_apply(s, pos, sc, u, v);
}

/* One pass of 2-opt* over each job's neighbours in other tours. */
static int cross_pass(const struct tour_model *m, struct solution *s, int *pos,
    struct tour *sc)
{
	int a, k, rc, moved = 0;
	int n = m->n_neigh < DESCENT_NEIGH ? m->n_neigh : DESCENT_NEIGH;

	for (a = 0; a < m->n_jobs; a++) {
		for (k = 0; k < n; k++) {
			int b = m->neigh[(size_t)a * (size_t)m->n_neigh + (size_t)k];
			int u = s->route_of[a], v = s->route_of[b];

			if (u < 0 || v < 0 || u == v)
				continue;
			rc = try_cross(m, s, pos, sc, u, pos[a], v, pos[b]);
			if (rc < 0)
				return -1;
			moved |= rc;
		}
	}
	return moved;
}

/* Can the L stops of tour T from index R move (free jobs after the fixed prefix)? */
static int segment_free(const struct tour_model *m, const struct tour *t, int r, int l)
{
	int x;

	if (r < t->first_free || r + l > t->len - 1)
		return 0;
	/* Breaks never move; a job pinned to its courier stays to relocate's checked move. */
	for (x = r; x < r + l; x++)
		if (t->node[x] >= m->n_jobs || m->nodes[t->node[x]].only_veh >= 0)
			return 0;
	return 1;
}

/* Build in SC[1] tour BASE with SEG[0..L) inserted after index P. Returns its
 * distance, INFINITY when infeasible, or -1 on out of memory. */
static double segment_trial(const struct tour_model *m, const struct tour *base,
    struct tour *sc, const int *seg, int l, int p)
{
	int x;

	if (tour_copy(&sc[1], base) != DS_OK)
		return -1;
	for (x = 0; x < l; x++)
		if (tour_insert(&sc[1], m, seg[x], p + x) != DS_OK)
			return -1;
	return tour_update(&sc[1], m) ? sc[1].dist : INFINITY;
}

/* Make the move tried: U becomes SC[0] (unless V is U) and V becomes SC[1]. */
static int segment_apply(struct solution *s, int *pos, struct tour *sc, int u, int v,
    const int *seg, int l)
{
	int x;

	if ((v != u && tour_copy(&s->t[u], &sc[0]) != DS_OK) ||
	    tour_copy(&s->t[v], &sc[1]) != DS_OK)
		return -1;
	for (x = 0; x < l; x++)
		s->route_of[seg[x]] = v;
	index_tour(&s->t[u], pos);
	index_tour(&s->t[v], pos);
	return 1;
}

/* Best cheap guess of inserting SEG[0..L) after index P of BASE: the distance
 * added, counting the segment's own length (breaks make it only a guess). */
static double segment_guess(const struct tour_model *m, const struct tour *base,
    const int *seg, int l, int p)
{
	double d = TOUR_MAT(m->dist, m, base->loc[p], m->nodes[seg[0]].loc) +
	    TOUR_MAT(m->dist, m, m->nodes[seg[l - 1]].loc, base->loc[p + 1]) -
	    TOUR_MAT(m->dist, m, base->loc[p], base->loc[p + 1]);
	int x;

	for (x = 0; x + 1 < l; x++)
		d += TOUR_MAT(m->dist, m, m->nodes[seg[x]].loc, m->nodes[seg[x + 1]].loc);
	return d;
}

/* Or-opt: move the L stops of tour U from index R, in order, next to a neighbour
 * of the first one, in any tour. SC[0] gets U without them; a place is scheduled
 * in SC[1] only when the distance guess says it gains. Returns 1 when moved, 0
 * when not, -1 on out of memory. */
static int try_segment(const struct tour_model *m, struct solution *s, int *pos,
    struct tour *sc, int u, int r, int l)
{
	const struct tour *tu = &s->t[u];
	int seg[DESCENT_SEG], x, k, n = m->n_neigh < DESCENT_NEIGH ? m->n_neigh : DESCENT_NEIGH;
	double gain, d;

	if (l > DESCENT_SEG || !segment_free(m, tu, r, l))
		return 0;
	memcpy(seg, &tu->node[r], (size_t)l * sizeof(int));
	if (tour_copy(&sc[0], tu) != DS_OK)
		return -1;
	for (x = 0; x < l; x++)
		tour_remove_at(&sc[0], r);
	if (!tour_update(&sc[0], m))
		return 0;
	gain = tu->dist - (sc[0].n_jobs ? sc[0].dist : 0);
	for (k = 0; k < n; k++) {
		int b = m->neigh[(size_t)seg[0] * (size_t)m->n_neigh + (size_t)k];
		int v = s->route_of[b], p, i;
		const struct tour *base;

		if (v < 0 || (v == u && pos[b] >= r && pos[b] < r + l))
			continue;
		base = v == u ? &sc[0] : &s->t[v];
		i = v == u && pos[b] > r ? pos[b] - l : pos[b];
		for (p = i - 1; p <= i; p++) {
			if (p < base->first_free - 1 || p >= base->len - 1 ||
			    segment_guess(m, base, seg, l, p) >= gain - DESCENT_EPS)
				continue;
			if ((d = segment_trial(m, base, sc, seg, l, p)) < 0)
				return -1;
			if (d - (v == u ? sc[0].dist : base->dist) < gain - DESCENT_EPS)
				return segment_apply(s, pos, sc, u, v, seg, l);
		}
	}
	return 0;
}

/* One pass of or-opt over strings of 2 and 3 stops. */
static int segment_pass(const struct tour_model *m, struct solution *s, int *pos,
    struct tour *sc)
{
	int a, l, rc, moved = 0;

	for (a = 0; a < m->n_jobs; a++)
		for (l = 2; l <= DESCENT_SEG; l++) {
			if (s->route_of[a] < 0)
				break;
			rc = try_segment(m, s, pos, sc, s->route_of[a], pos[a], l);
			if (rc < 0)
				return -1;
			moved |= rc;
		}
	return moved;
}

/* One pass of relocation over all jobs. */
static int relocate_pass(const struct tour_model *m, struct solution *s, int *pos)
{
	int j, rc, moved = 0;

	for (j = 0; j < m->n_jobs; j++) {
		rc = try_relocate(m, s, pos, j);
		if (rc < 0)
			return -1;
		moved |= rc;
	}
	return moved;
}

int descent_run(const struct tour_model *m, struct solution *s, int *pos,
    struct tour *scratch)
{
	int v, pass, moved = 1, rc = 0;

	for (v = 0; v < s->n_veh; v++)
		index_tour(&s->t[v], pos);
	for (pass = 0; moved && pass < DESCENT_PASSES; pass++) {
		if ((moved = relocate_pass(m, s, pos)) < 0 ||
		    (rc = reverse_pass(m, s, pos, &scratch[0])) < 0)
			break;
		moved |= rc;
		if ((rc = cross_pass(m, s, pos, scratch)) < 0)
			break;
		moved |= rc;
		if ((rc = segment_pass(m, s, pos, scratch)) < 0)
			break;
		moved |= rc;
	}
	s->dist = 0;
	s->used = 0;
	for (v = 0; v < s->n_veh; v++) {
		s->dist += s->t[v].n_jobs ? s->t[v].dist : 0;
		s->used += s->t[v].n_jobs > 0;
	}
	return moved < 0 || rc < 0 ? DS_ENOMEM : DS_OK;
}
