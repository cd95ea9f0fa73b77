/* swap.c: the priority swap behind the scheduler's last pass. The annealing
 * compares left-out jobs highest priority first, but it may run out of time
 * before it finds that a left-out job would fit in place of a routed one of
 * lower priority; this move tries exactly that, for every routed job below the
 * left-out one's priority, in a scratch tour. O(routed jobs x route length) per
 * left-out job: it runs once, after the search. */
#include <math.h>

#include "route/swap.h"

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
