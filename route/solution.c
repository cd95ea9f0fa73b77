/* solution.c: the search's solution bookkeeping: allocation, totals, copies (whole or
 * only the tours an iteration touched), the orders solutions are compared by, and
 * the removal of stops that every ruin and route drop goes through. */
#include <stdlib.h>
#include <string.h>

#include "route/solution.h"

void solution_fini(struct solution *s)
{
	int v;

	if (s == NULL)
		return;
	if (s->t != NULL)
		for (v = 0; v < s->n_veh; v++)
			tour_fini(&s->t[v]);
	free(s->t);
	free(s->route_of);
	free(s->unas);
	memset(s, 0, sizeof(*s));
}

void solution_totals(struct solution *s, const struct tour_model *m)
{
	int v, i;

	s->dist = 0;
	s->used = 0;
	memset(s->miss, 0, sizeof(s->miss));
	for (v = 0; v < s->n_veh; v++) {
		s->dist += s->t[v].n_jobs ? s->t[v].dist : 0;
		s->used += s->t[v].n_jobs > 0;
	}
	for (i = 0; i < s->n_unas; i++)
		s->miss[m->nodes[s->unas[i]].prio]++;
}

int solution_init(struct solution *s, const struct tour_model *m)
{
	int v, j;

	memset(s, 0, sizeof(*s));
	s->t = calloc((size_t)m->n_veh + 1, sizeof(*s->t));
	s->route_of = malloc((size_t)m->n_nodes * sizeof(int));
	s->unas = malloc((size_t)(m->n_jobs + 1) * sizeof(int));
	if (s->t == NULL || s->route_of == NULL || s->unas == NULL)
		goto fail;
	s->n_veh = m->n_veh;
	for (j = 0; j < m->n_nodes; j++)
		s->route_of[j] = -1;
	for (v = 0; v < m->n_veh; v++) {
		if (tour_init(&s->t[v], m, v) != DS_OK)
			goto fail;
		for (j = 1; j < s->t[v].len - 1; j++)
			s->route_of[s->t[v].node[j]] = v;
	}
	for (j = 0; j < m->n_jobs; j++)
		if (s->route_of[j] < 0)
			s->unas[s->n_unas++] = j;
	solution_totals(s, m);
	return DS_OK;
fail:
	solution_fini(s);
	return DS_ENOMEM;
}

/* Everything of S but the tours: the part solution_copy() and solution_sync() share. */
static void copy_rest(struct solution *d, const struct solution *s, const struct tour_model *m)
{
	memcpy(d->route_of, s->route_of, (size_t)m->n_nodes * sizeof(int));
	memcpy(d->unas, s->unas, (size_t)s->n_unas * sizeof(int));
	d->n_unas = s->n_unas;
	d->dist = s->dist;
	d->used = s->used;
	memcpy(d->miss, s->miss, sizeof(d->miss));
}

int solution_copy(struct solution *d, const struct solution *s, const struct tour_model *m)
{
	int v;

	for (v = 0; v < s->n_veh; v++)
		if (tour_copy(&d->t[v], &s->t[v]) != DS_OK)
			return DS_ENOMEM;
	copy_rest(d, s, m);
	return DS_OK;
}

/* Copying every tour each iteration cost a tenth of the search's time, and an
 * iteration changes only the few tours it ruined or filled. */
int solution_sync(struct solution *d, const struct solution *s, const struct tour_model *m,
    const int *touched, int n_touched)
{
	int i;

	for (i = 0; i < n_touched; i++)
		if (tour_copy(&d->t[touched[i]], &s->t[touched[i]]) != DS_OK)
			return DS_ENOMEM;
	copy_rest(d, s, m);
	return DS_OK;
}

int solution_miss_cmp(const struct solution *a, const struct solution *b)
{
	int p;

	for (p = SOL_PRIO_LEVELS - 1; p >= 0; p--)
		if (a->miss[p] != b->miss[p])
			return a->miss[p] < b->miss[p] ? -1 : 1;
	return 0;
}

int solution_better(const struct solution *a, const struct solution *b, int vehicles_first)
{
	int c = solution_miss_cmp(a, b);

	if (c != 0)
		return c < 0;
	if (vehicles_first && a->used != b->used)
		return a->used < b->used;
	return a->dist < b->dist - 1e-9;
}

void solution_remove_positions(struct solution *s, const struct tour_model *m, int v,
    const int *pos, int n)
{
	struct tour *t = &s->t[v];
	int i;

	for (i = n - 1; i >= 0; i--) {
		int j = t->node[pos[i]];

		tour_remove_at(t, pos[i]);
		s->route_of[j] = -1;
		s->unas[s->n_unas++] = j;
	}
	/* Removal keeps a tour feasible when travel obeys the triangle inequality and
	 * no break moves; a supplied matrix may not, and a break that now waits for
	 * its window at the stop before the removed one may be farther from the
	 * next, so drop stops until the schedule fits again. */
	while (!tour_update(t, m)) {
		int i2;

		for (i2 = t->len - 2; i2 >= t->first_free; i2--)
			if (t->node[i2] < m->n_jobs)
				break;
		if (i2 < t->first_free)
			break;
		s->route_of[t->node[i2]] = -1;
		s->unas[s->n_unas++] = t->node[i2];
		tour_remove_at(t, i2);
	}
}
