/* swap.c: the priority swap behind the scheduler's last pass. The annealing
 * compares left-out jobs highest priority first, but it may run out of time
 * before it finds that a left-out job would fit in place of a routed one of
 * lower priority; this move tries exactly that, for every routed job below the
 * left-out one's priority, in a scratch tour. O(routed jobs x route length) per
 * left-out job: it runs once, after the search. The same pass also lets one of
 * a left-out job's nearest routed jobs move to another route to make room
 * (swap_eject(), O(neighbours x all stops)): cheapest insertion places higher
 * priorities first, so a job that takes the last room a lower-priority one could
 * use, while it would fit elsewhere, otherwise keeps the other out for good. */
#include <math.h>

#include "route/swap.h"

#define SWAP_EJECT_NEIGH 30   /* nearest jobs swap_eject() tries moving */

/* Best place for job J in tour T with stop I taken out (I < 0: nothing taken
 * out). Returns the added distance, or INFINITY when J does not fit. */
static double trial_insert(const struct tour_model *m, const struct tour *t, int i, int j,
    int *bp, struct tour *x)
{
	double best = INFINITY, d;
	int p;

	if (tour_copy(x, t) != DS_OK)
		return INFINITY;
	if (i >= 0) {
		tour_remove_at(x, i);
		if (!tour_update(x, m))
			return INFINITY;
	}
	if (x->load + m->nodes[j].demand > m->veh[t->veh].capacity + TOUR_EPS)
		return INFINITY;
	for (p = x->first_free - 1; p < x->len - 1; p++)
		if (tour_can_insert(x, m, j, p, &d) && d < best) {
			best = d;
			*bp = p;
		}
	return best;
}

int swap_in(const struct tour_model *m, struct solution *s, int ui, struct tour *scratch)
{
	int j = s->unas[ui], v, i, bv = -1, bi = -1, bp = -1, bprio = m->nodes[j].prio, p;
	double bd = INFINITY, d;

	for (v = 0; v < s->n_veh; v++) {
		const struct tour *t = &s->t[v];

		if (m->nodes[j].only_veh >= 0 && m->nodes[j].only_veh != v)
			continue;
		for (i = t->first_free; i < t->len - 1; i++) {
			int o = t->node[i];

			if (o >= m->n_jobs || m->nodes[o].prio >= m->nodes[j].prio ||
			    (bv >= 0 && m->nodes[o].prio > bprio))
				continue;
			d = trial_insert(m, t, i, j, &p, scratch);
			if (d < INFINITY && (bv < 0 || m->nodes[o].prio < bprio || d < bd)) {
				bprio = m->nodes[o].prio;
				bd = d;
				bv = v;
				bi = i;
				bp = p;
			}
		}
	}
	if (bv < 0)
		return 0;
	s->unas[ui] = s->t[bv].node[bi];
	s->route_of[s->unas[ui]] = -1;
	tour_remove_at(&s->t[bv], bi);
	tour_update(&s->t[bv], m);
	if (tour_insert(&s->t[bv], m, j, bp) != DS_OK)
		return -1;
	s->route_of[j] = bv;
	return 1;
}

/* Cheapest place for job J in tour T: the added distance, INFINITY when J may not
 * or cannot go there; the place in *P. */
static double cheapest_place(const struct tour_model *m, const struct tour *t, int j, int *p)
{
	double best = INFINITY, d;
	int q;

	if (m->nodes[j].only_veh >= 0 && m->nodes[j].only_veh != t->veh)
		return INFINITY;
	for (q = t->first_free - 1; q < t->len - 1; q++)
		if (tour_can_insert(t, m, j, q, &d) && d < best) {
			best = d;
			*p = q;
		}
	return best;
}

/* A move of swap_eject(): job at index I of tour V goes to place Q of tour U, and
 * the left-out job to place P of V (counted with that job out); COST in distance. */
struct eject {
	int v, i, p, u, q;
	double cost;
};

/* Try routed job O (at index I of tour V) as the one that makes room for J; keep
 * the cheapest move in *BEST. X is scratch. */
static void eject_one(const struct tour_model *m, const struct solution *s, int j, int v,
    int i, struct tour *x, struct eject *best)
{
	const struct tour *t = &s->t[v];
	int o = t->node[i], u, p = -1, q = -1;
	double dj, du;

	if ((dj = trial_insert(m, t, i, j, &p, x)) == INFINITY)
		return;
	/* X is now V without O. */
	dj += x->dist - t->dist;
	for (u = 0; u < s->n_veh; u++) {
		if (u == v || (du = cheapest_place(m, &s->t[u], o, &q)) == INFINITY ||
		    dj + du >= best->cost)
			continue;
		best->v = v;
		best->i = i;
		best->p = p;
		best->u = u;
		best->q = q;
		best->cost = dj + du;
	}
}

/* Only J's nearest jobs are tried: room near J is what a move can free, and trying
 * every routed job for every left-out one cost a tenth of a second a pass on a
 * day of 1,000 jobs with hundreds left out. */
int swap_eject(const struct tour_model *m, struct solution *s, int ui, struct tour *scratch)
{
	struct eject b = { -1, -1, -1, -1, -1, INFINITY };
	int j = s->unas[ui], k, i, v, o, n = m->n_neigh < SWAP_EJECT_NEIGH ? m->n_neigh :
	    SWAP_EJECT_NEIGH;

	for (k = 0; k < n; k++) {
		o = m->neigh[(size_t)j * (size_t)m->n_neigh + (size_t)k];
		v = s->route_of[o];
		if (v < 0 || m->nodes[o].fixed ||
		    (m->nodes[j].only_veh >= 0 && m->nodes[j].only_veh != v))
			continue;
		for (i = s->t[v].first_free; s->t[v].node[i] != o; i++)
			;
		eject_one(m, s, j, v, i, scratch, &b);
	}
	if (b.v < 0)
		return 0;
	o = s->t[b.v].node[b.i];
	tour_remove_at(&s->t[b.v], b.i);
	tour_update(&s->t[b.v], m);
	if (tour_insert(&s->t[b.v], m, j, b.p) != DS_OK ||
	    tour_insert(&s->t[b.u], m, o, b.q) != DS_OK)
		return -1;
	s->route_of[j] = b.v;
	s->route_of[o] = b.u;
	s->unas[ui] = s->unas[--s->n_unas];
	return 1;
}
