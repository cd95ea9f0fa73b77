/* tour.c: a courier's stops and the forward/backward schedule arrays behind O(1)
 * insertion checks. start_s[i] is the earliest service start at stop i given the
 * stops before it; late_s[i] the latest start that keeps every later stop inside
 * its window and the return inside the shift. An insertion between i and i+1 is
 * feasible when the new stop's start fits its window and the arrival at i+1 stays
 * at or before late_s[i+1]. A break has no place of its own: it is taken where the
 * previous stop is, so inserting a job just before a break moves the break too;
 * tour_can_insert() handles that one case by stepping over the break. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "route/tour.h"

#define TOUR_INIT_CAP 16

static double node_service(const struct tour_model *m, int id)
{
	return id < 0 ? 0.0 : m->nodes[id].service_s;
}

static double mat(const double *a, const struct tour_model *m, int from, int to)
{
	return a[(size_t)from * (size_t)m->n_locs + (size_t)to];
}

static int tour_grow(struct tour *t, int need)
{
	int cap = t->cap ? t->cap : TOUR_INIT_CAP;
	int *node, *loc;
	double *st, *lt;

	if (need <= t->cap)
		return DS_OK;
	while (cap < need)
		cap *= 2;
	node = realloc(t->node, (size_t)cap * sizeof(*node));
	if (node == NULL)
		return DS_ENOMEM;
	t->node = node;
	loc = realloc(t->loc, (size_t)cap * sizeof(*loc));
	if (loc == NULL)
		return DS_ENOMEM;
	t->loc = loc;
	st = realloc(t->start_s, (size_t)cap * sizeof(*st));
	if (st == NULL)
		return DS_ENOMEM;
	t->start_s = st;
	lt = realloc(t->late_s, (size_t)cap * sizeof(*lt));
	if (lt == NULL)
		return DS_ENOMEM;
	t->late_s = lt;
	t->cap = cap;
	return DS_OK;
}

int tour_init(struct tour *t, const struct tour_model *m, int v)
{
	const struct tour_vehicle *veh = &m->veh[v];
	int i;

	memset(t, 0, sizeof(*t));
	t->veh = v;
	if (tour_grow(t, veh->n_fixed + 3) != DS_OK)
		return DS_ENOMEM;
	t->node[0] = TOUR_START;
	for (i = 0; i < veh->n_fixed; i++)
		t->node[1 + i] = veh->fixed[i];
	t->len = veh->n_fixed + 1;
	t->node[t->len++] = TOUR_END;
	t->first_free = veh->n_fixed + 1;
	tour_update(t, m);
	/* A break that cannot follow the fixed stops (the shift is already past its
	 * window) is left out rather than returned late. */
	if (veh->brk >= 0 && tour_fits(t, m, veh->brk, t->len - 2) &&
	    tour_insert(t, m, veh->brk, t->len - 2) != DS_OK)
		return DS_ENOMEM;
	return DS_OK;
}

void tour_fini(struct tour *t)
{
	if (t == NULL)
		return;
	free(t->node);
	free(t->loc);
	free(t->start_s);
	free(t->late_s);
	memset(t, 0, sizeof(*t));
}

int tour_copy(struct tour *dst, const struct tour *src)
{
	size_t n = (size_t)src->len;

	if (tour_grow(dst, src->len) != DS_OK)
		return DS_ENOMEM;
	memcpy(dst->node, src->node, n * sizeof(*dst->node));
	memcpy(dst->loc, src->loc, n * sizeof(*dst->loc));
	memcpy(dst->start_s, src->start_s, n * sizeof(*dst->start_s));
	memcpy(dst->late_s, src->late_s, n * sizeof(*dst->late_s));
	dst->veh = src->veh;
	dst->len = src->len;
	dst->load = src->load;
	dst->dist = src->dist;
	dst->n_jobs = src->n_jobs;
	dst->first_free = src->first_free;
	return DS_OK;
}

/* Location, window and load of the stop at index I, for the forward pass. */
static void stop_info(const struct tour *t, const struct tour_model *m, int i,
    int *loc, double *ready, double *late)
{
	const struct tour_vehicle *veh = &m->veh[t->veh];
	int id = t->node[i];

	if (id == TOUR_START) {
		*loc = veh->start_loc;
		*ready = veh->start_s;
		*late = veh->start_s;
	} else if (id == TOUR_END) {
		*loc = veh->end_loc;
		*ready = -INFINITY;
		*late = veh->end_s;
	} else {
		*loc = m->nodes[id].loc < 0 ? t->loc[i - 1] : m->nodes[id].loc;
		*ready = m->nodes[id].ready_s;
		*late = m->nodes[id].late_s;
	}
}

int tour_update(struct tour *t, const struct tour_model *m)
{
	const struct tour_vehicle *veh = &m->veh[t->veh];
	double ready, late, arr;
	int i, ok = 1;

	t->load = 0;
	t->dist = 0;
	t->n_jobs = 0;
	for (i = 0; i < t->len; i++) {
		int id = t->node[i];

		stop_info(t, m, i, &t->loc[i], &ready, &late);
		if (i == 0) {
			t->start_s[0] = veh->start_s;
			continue;
		}
		arr = t->start_s[i - 1] + node_service(m, t->node[i - 1]) +
		    mat(m->time_s, m, t->loc[i - 1], t->loc[i]);
		t->start_s[i] = arr > ready ? arr : ready;
		if (t->start_s[i] > late + TOUR_EPS)
			ok = 0;
		t->dist += mat(m->dist, m, t->loc[i - 1], t->loc[i]);
		if (id >= 0 && id < m->n_jobs) {
			t->load += m->nodes[id].demand;
			t->n_jobs++;
		}
	}
	t->late_s[t->len - 1] = veh->end_s;
	for (i = t->len - 2; i >= 0; i--) {
		double lim = t->late_s[i + 1] - mat(m->time_s, m, t->loc[i], t->loc[i + 1]) -
		    node_service(m, t->node[i]);

		stop_info(t, m, i, &(int){0}, &ready, &late);
		t->late_s[i] = lim < late ? lim : late;
	}
	if (t->load > veh->capacity + TOUR_EPS)
		ok = 0;
	return ok;
}

static void shift_up(struct tour *t, int i)
{
	size_t n = (size_t)(t->len - i);

	memmove(&t->node[i + 1], &t->node[i], n * sizeof(*t->node));
	memmove(&t->loc[i + 1], &t->loc[i], n * sizeof(*t->loc));
	memmove(&t->start_s[i + 1], &t->start_s[i], n * sizeof(*t->start_s));
	memmove(&t->late_s[i + 1], &t->late_s[i], n * sizeof(*t->late_s));
	t->len++;
}

/* Earliest starts from index I on; stops once a stop past I starts as before at
 * the same place, since nothing after it can change then. */
static void forward_from(struct tour *t, const struct tour_model *m, int i)
{
	double ready, late, arr;
	int k;

	for (k = i; k < t->len; k++) {
		double old = t->start_s[k];
		int old_loc = t->loc[k];

		stop_info(t, m, k, &t->loc[k], &ready, &late);
		arr = t->start_s[k - 1] + node_service(m, t->node[k - 1]) +
		    mat(m->time_s, m, t->loc[k - 1], t->loc[k]);
		t->start_s[k] = arr > ready ? arr : ready;
		if (k > i && t->start_s[k] == old && t->loc[k] == old_loc)
			break;
	}
}

/* Latest starts from index HI down; stops once one below LO comes out as before. */
static void backward_from(struct tour *t, const struct tour_model *m, int hi, int lo)
{
	double ready, late, lim;
	int k, loc;

	for (k = hi; k >= 0; k--) {
		double old = t->late_s[k];

		lim = t->late_s[k + 1] - mat(m->time_s, m, t->loc[k], t->loc[k + 1]) -
		    node_service(m, t->node[k]);
		stop_info(t, m, k, &loc, &ready, &late);
		t->late_s[k] = lim < late ? lim : late;
		if (k < lo && t->late_s[k] == old)
			break;
	}
}

/* Insertion updates only what can change: earliest starts after the new stop,
 * latest starts before it (and at a break right after it, which moved with it).
 * The distance grows by tour_insert_dist(), which already steps over a break
 * right after P (it moves to J's place); tour_update() sums it again exactly. */
int tour_insert(struct tour *t, const struct tour_model *m, int j, int p)
{
	int i = p + 1;
	double added = tour_insert_dist(t, m, j, p);

	if (tour_grow(t, t->len + 1) != DS_OK)
		return DS_ENOMEM;
	shift_up(t, i);
	t->node[i] = j;
	forward_from(t, m, i);
	backward_from(t, m, t->node[i + 1] >= m->n_jobs ? i + 1 : i, i);
	if (j < m->n_jobs) {
		t->load += m->nodes[j].demand;
		t->n_jobs++;
	}
	t->dist += added;
	return DS_OK;
}

int tour_splice(struct tour *t, const int *head, int nh, const int *tail, int nt)
{
	if (tour_grow(t, nh + nt) != DS_OK)
		return DS_ENOMEM;
	memcpy(t->node, head, (size_t)nh * sizeof(*t->node));
	memcpy(t->node + nh, tail, (size_t)nt * sizeof(*t->node));
	t->len = nh + nt;
	return DS_OK;
}

void tour_remove_at(struct tour *t, int i)
{
	memmove(&t->node[i], &t->node[i + 1], (size_t)(t->len - i - 1) * sizeof(int));
	t->len--;
}

void tour_times(const struct tour *t, const struct tour_model *m, int i,
    double *arrival_s, double *start_s)
{
	*arrival_s = t->start_s[i - 1] + node_service(m, t->node[i - 1]) +
	    mat(m->time_s, m, t->loc[i - 1], t->loc[i]);
	*start_s = t->start_s[i];
}
