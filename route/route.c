/* route.c: the scheduler's API. It checks and keeps the caller's problem, flattens
 * it into the search model (tour.h): windows and legal deadlines folded into one
 * latest start, the maximum working time into the shift end, each break into a
 * pseudo-stop that only its courier may take, nearest-neighbour lists for the
 * ruin step. It runs the search (sisr.c), then turns tours into routes with
 * per-stop times and explains every job left out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "route/route.h"
#include "route/search.h"
#include "route/solution.h"
#include "route/tour.h"

#define ROUTE_NEIGH_MAX 100   /* nearest jobs kept per job for the ruin step */

struct route_problem {
	int n_locs;
	double *time_s, *dist;
	int n_jobs, cap_jobs;
	struct route_job *jobs;
	int n_cour, cap_cour;
	struct route_courier *cour;  /* fixed[] points into fixed_buf */
	int **fixed_buf;
};

static int valid_matrix(const double *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(a[i]) || a[i] < 0)
			return 0;
	return 1;
}

static struct route_problem *problem_alloc(int n_locs)
{
	struct route_problem *p;
	size_t n = (size_t)n_locs * (size_t)n_locs;

	if (n_locs < 1 || n_locs > ROUTE_MAX_LOCS)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->n_locs = n_locs;
	p->time_s = malloc(n * sizeof(double));
	p->dist = malloc(n * sizeof(double));
	if (p->time_s == NULL || p->dist == NULL) {
		route_problem_free(p);
		return NULL;
	}
	return p;
}

struct route_problem *route_problem_new(int n_locs, const double *time_s, const double *dist)
{
	struct route_problem *p;
	size_t n = (size_t)n_locs * (size_t)n_locs;

	if (time_s == NULL || (p = problem_alloc(n_locs)) == NULL)
		return NULL;
	memcpy(p->time_s, time_s, n * sizeof(double));
	memcpy(p->dist, dist != NULL ? dist : time_s, n * sizeof(double));
	if (!valid_matrix(p->time_s, n) || !valid_matrix(p->dist, n)) {
		route_problem_free(p);
		return NULL;
	}
	return p;
}

struct route_problem *route_problem_new_cb(int n_locs, route_travel_fn fn, void *ctx)
{
	struct route_problem *p;
	size_t n = (size_t)n_locs * (size_t)n_locs;
	int i, j;

	if (fn == NULL || (p = problem_alloc(n_locs)) == NULL)
		return NULL;
	for (i = 0; i < n_locs; i++)
		for (j = 0; j < n_locs; j++) {
			size_t k = (size_t)i * (size_t)n_locs + (size_t)j;

			p->time_s[k] = fn(ctx, i, j, &p->dist[k]);
		}
	if (!valid_matrix(p->time_s, n) || !valid_matrix(p->dist, n)) {
		route_problem_free(p);
		return NULL;
	}
	return p;
}

void route_problem_free(struct route_problem *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_cour; i++)
		free(p->fixed_buf[i]);
	free(p->fixed_buf);
	free(p->cour);
	free(p->jobs);
	free(p->time_s);
	free(p->dist);
	free(p);
}

int route_problem_add_job(struct route_problem *p, const struct route_job *job)
{
	if (p == NULL || job == NULL || job->loc < 0 || job->loc >= p->n_locs ||
	    !isfinite(job->ready_s) || isnan(job->due_s) || job->due_s < job->ready_s ||
	    isnan(job->deadline_s) || !isfinite(job->service_s) || job->service_s < 0 ||
	    !isfinite(job->demand) || job->demand < 0 ||
	    job->priority < 0 || job->priority > ROUTE_MAX_PRIORITY ||
	    job->only_courier < 0 || job->only_courier > ROUTE_MAX_COURIERS)
		return DS_EINVAL;
	if (p->n_jobs >= ROUTE_MAX_JOBS)
		return DS_ETOOBIG;
	if (p->n_jobs == p->cap_jobs) {
		int cap = p->cap_jobs ? 2 * p->cap_jobs : 64;
		struct route_job *nj = realloc(p->jobs, (size_t)cap * sizeof(*nj));

		if (nj == NULL)
			return DS_ENOMEM;
		p->jobs = nj;
		p->cap_jobs = cap;
	}
	p->jobs[p->n_jobs++] = *job;
	return DS_OK;
}

static int valid_courier(const struct route_problem *p, const struct route_courier *c)
{
	int i;

	if (c->start_loc < 0 || c->start_loc >= p->n_locs || c->end_loc < 0 ||
	    c->end_loc >= p->n_locs || !isfinite(c->shift_start_s) || isnan(c->shift_end_s) ||
	    c->shift_end_s < c->shift_start_s || isnan(c->max_work_s) || c->max_work_s < 0 ||
	    isnan(c->capacity) || c->capacity < 0 || c->n_fixed < 0 ||
	    c->n_fixed > ROUTE_MAX_FIXED || (c->n_fixed > 0 && c->fixed == NULL))
		return 0;
	if (c->has_break && (!isfinite(c->break_from_s) || !isfinite(c->break_to_s) ||
	    c->break_to_s < c->break_from_s || !isfinite(c->break_s) || c->break_s < 0 ||
	    c->break_from_s > c->shift_end_s || c->break_to_s < c->shift_start_s))
		return 0;
	for (i = 0; i < c->n_fixed; i++)
		if (c->fixed[i] < 0 || c->fixed[i] >= p->n_jobs)
			return 0;
	return 1;
}

static int grow_couriers(struct route_problem *p)
{
	int cap = p->cap_cour ? 2 * p->cap_cour : 16;
	struct route_courier *nc;
	int **nf;

	nc = realloc(p->cour, (size_t)cap * sizeof(*nc));
	if (nc == NULL)
		return DS_ENOMEM;
	p->cour = nc;
	nf = realloc(p->fixed_buf, (size_t)cap * sizeof(*nf));
	if (nf == NULL)
		return DS_ENOMEM;
	p->fixed_buf = nf;
	p->cap_cour = cap;
	return DS_OK;
}

int route_problem_add_courier(struct route_problem *p, const struct route_courier *c)
{
	int *fx;

	if (p == NULL || c == NULL || !valid_courier(p, c))
		return DS_EINVAL;
	if (p->n_cour >= ROUTE_MAX_COURIERS)
		return DS_ETOOBIG;
	if (p->n_cour == p->cap_cour && grow_couriers(p) != DS_OK)
		return DS_ENOMEM;
	fx = malloc((size_t)(c->n_fixed + 1) * sizeof(int));
	if (fx == NULL)
		return DS_ENOMEM;
	if (c->n_fixed > 0)
		memcpy(fx, c->fixed, (size_t)c->n_fixed * sizeof(int));
	p->fixed_buf[p->n_cour] = fx;
	p->cour[p->n_cour] = *c;
	p->cour[p->n_cour].fixed = fx;
	p->n_cour++;
	return DS_OK;
}

/* ---- the search model ---- */

struct model_buf {
	struct tour_model m;
	int *fixed_owner;     /* per job: courier holding it fixed, or -1 */
};

static void model_fini(struct model_buf *b)
{
	free(b->m.nodes);
	free(b->m.veh);
	free(b->m.neigh);
	free(b->m.depot_dist);
	free(b->fixed_owner);
	memset(b, 0, sizeof(*b));
}

static double job_late_s(const struct route_job *j)
{
	double by_deadline = j->deadline_s - j->service_s;

	return by_deadline < j->due_s ? by_deadline : j->due_s;
}

static void model_job(struct tour_node *n, const struct route_job *j, int fixed)
{
	n->loc = j->loc;
	/* Fixed stops happened or are happening: their windows no longer bind. */
	n->ready_s = fixed ? -INFINITY : j->ready_s;
	n->late_s = fixed ? INFINITY : job_late_s(j);
	n->service_s = j->service_s;
	n->demand = j->demand;
	n->only_veh = j->only_courier - 1;
	n->fixed = fixed;
	n->prio = j->priority;
}

static int same_class(const struct route_courier *a, const struct route_courier *b)
{
	return a->start_loc == b->start_loc && a->end_loc == b->end_loc &&
	    a->shift_start_s == b->shift_start_s && a->shift_end_s == b->shift_end_s &&
	    a->max_work_s == b->max_work_s && a->capacity == b->capacity &&
	    a->has_break == b->has_break && (!a->has_break ||
	    (a->break_from_s == b->break_from_s && a->break_to_s == b->break_to_s &&
	    a->break_s == b->break_s)) && a->n_fixed == 0 && b->n_fixed == 0;
}

static void model_vehicle(struct tour_model *m, const struct route_problem *p, int k)
{
	const struct route_courier *c = &p->cour[k];
	struct tour_vehicle *v = &m->veh[k];
	struct tour_node *b = &m->nodes[m->n_jobs + k];
	double work_end = c->shift_start_s + c->max_work_s;
	int o;

	v->start_loc = c->start_loc;
	v->end_loc = c->end_loc;
	v->start_s = c->shift_start_s;
	v->end_s = work_end < c->shift_end_s ? work_end : c->shift_end_s;
	v->capacity = c->capacity;
	v->brk = c->has_break ? m->n_jobs + k : -1;
	v->n_fixed = c->n_fixed;
	v->fixed = c->fixed;
	v->cls = k;
	for (o = 0; o < k; o++)
		if (same_class(&p->cour[o], c)) {
			v->cls = m->veh[o].cls;
			break;
		}
	memset(b, 0, sizeof(*b));
	b->loc = -1;
	b->ready_s = c->break_from_s;
	b->late_s = c->break_to_s;
	b->service_s = c->break_s;
	b->only_veh = k;
	b->prio = ROUTE_MAX_PRIORITY;
}

/* Nearest ROUTE_NEIGH_MAX jobs of job J by distance, kept sorted by insertion: a
 * job sees each other once, O(n * k) in the worst case. */
static void model_neighbours(struct tour_model *m, int j, double *d)
{
	int *nb = &m->neigh[(size_t)j * (size_t)m->n_neigh];
	int o, cnt = 0, i;

	for (o = 0; o < m->n_jobs; o++) {
		double x;

		if (o == j)
			continue;
		x = m->dist[(size_t)m->nodes[j].loc * (size_t)m->n_locs + (size_t)m->nodes[o].loc];
		if (cnt == m->n_neigh && x >= d[cnt - 1])
			continue;
		i = cnt < m->n_neigh ? cnt++ : cnt - 1;
		for (; i > 0 && d[i - 1] > x; i--) {
			d[i] = d[i - 1];
			nb[i] = nb[i - 1];
		}
		d[i] = x;
		nb[i] = o;
	}
}

/* Distance from the nearest courier start to job J (the SISR "far"/"close" order). */
static double start_dist(const struct route_problem *p, int j)
{
	double best = INFINITY;
	int k;

	for (k = 0; k < p->n_cour; k++) {
		double x = p->dist[(size_t)p->cour[k].start_loc * (size_t)p->n_locs +
		    (size_t)p->jobs[j].loc];

		best = x < best ? x : best;
	}
	return best;
}

static int model_build(struct model_buf *b, const struct route_problem *p)
{
	struct tour_model *m = &b->m;
	double *d = NULL;
	int j, k, i, rc = DS_ENOMEM;

	memset(b, 0, sizeof(*b));
	m->n_locs = p->n_locs;
	m->time_s = p->time_s;
	m->dist = p->dist;
	m->n_jobs = p->n_jobs;
	m->n_veh = p->n_cour;
	m->n_nodes = p->n_jobs + p->n_cour;
	m->n_neigh = p->n_jobs > ROUTE_NEIGH_MAX ? ROUTE_NEIGH_MAX
	                                         : (p->n_jobs > 1 ? p->n_jobs - 1 : 0);
	m->nodes = calloc((size_t)m->n_nodes + 1, sizeof(*m->nodes));
	m->veh = calloc((size_t)m->n_veh + 1, sizeof(*m->veh));
	m->neigh = malloc(((size_t)p->n_jobs * (size_t)m->n_neigh + 1) * sizeof(int));
	m->depot_dist = malloc(((size_t)p->n_jobs + 1) * sizeof(double));
	b->fixed_owner = malloc(((size_t)p->n_jobs + 1) * sizeof(int));
	d = malloc(((size_t)m->n_neigh + 1) * sizeof(double));
	if (m->nodes == NULL || m->veh == NULL || m->neigh == NULL || m->depot_dist == NULL ||
	    b->fixed_owner == NULL || d == NULL)
		goto fail;
	for (j = 0; j < p->n_jobs; j++)
		b->fixed_owner[j] = -1;
	for (k = 0; k < p->n_cour; k++)
		for (i = 0; i < p->cour[k].n_fixed; i++) {
			if (b->fixed_owner[p->cour[k].fixed[i]] >= 0) {
				rc = DS_EINVAL;  /* one job fixed to two couriers */
				goto fail;
			}
			b->fixed_owner[p->cour[k].fixed[i]] = k;
		}
	for (j = 0; j < p->n_jobs; j++)
		model_job(&m->nodes[j], &p->jobs[j], b->fixed_owner[j] >= 0);
	for (k = 0; k < p->n_cour; k++)
		model_vehicle(m, p, k);
	for (j = 0; j < p->n_jobs; j++) {
		model_neighbours(m, j, d);
		m->depot_dist[j] = start_dist(p, j);
	}
	free(d);
	return DS_OK;
fail:
	free(d);
	model_fini(b);
	return rc;
}

/* ---- solution ---- */

void route_solution_free(struct route_solution *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_routes; i++)
		free(s->routes[i].stops);
	free(s->routes);
	free(s->unassigned);
	free(s);
}

static int route_from_tour(struct route_route *r, const struct tour *t,
    const struct tour_model *m)
{
	int i;

	r->courier = t->veh;
	r->n_stops = t->len - 2;
	r->stops = calloc((size_t)r->n_stops + 1, sizeof(*r->stops));
	if (r->stops == NULL)
		return DS_ENOMEM;
	for (i = 1; i < t->len - 1; i++) {
		struct route_stop *st = &r->stops[i - 1];
		int id = t->node[i];

		st->job = id < m->n_jobs ? id : ROUTE_STOP_BREAK;
		tour_times(t, m, i, &st->arrival_s, &st->start_s);
		st->end_s = st->start_s + m->nodes[id].service_s;
	}
	r->depart_s = t->start_s[0];
	r->return_s = t->start_s[t->len - 1];
	r->dist = t->dist;
	r->load = t->load;
	return DS_OK;
}

/* Can job J go into tour T (a fresh empty one when T is NULL) of vehicle V under
 * model M? */
static int fits(const struct tour_model *m, const struct tour *t, int v, int j)
{
	struct tour fresh;
	double d;
	int p, ok = 0;

	memset(&fresh, 0, sizeof(fresh));
	if (m->nodes[j].only_veh >= 0 && m->nodes[j].only_veh != v)
		return 0;
	if (t == NULL) {
		if (tour_init(&fresh, m, v) != DS_OK)
			return 0;
		t = &fresh;
	}
	for (p = t->first_free - 1; p < t->len - 1 && !ok; p++)
		ok = tour_can_insert(t, m, j, p, &d);
	tour_fini(&fresh);
	return ok;
}

/* A model that ignores capacity and, for job J, the legal deadline: used only to
 * tell which constraint left J out. */
struct diag {
	struct tour_model m;
	struct tour_node *nodes;
	struct tour_vehicle *veh;
};

static int any_fits(const struct tour_model *m, const struct solution *s, int j, int empty)
{
	int v;

	for (v = 0; v < m->n_veh; v++)
		if (fits(m, empty ? NULL : &s->t[v], v, j))
			return 1;
	return 0;
}

static enum route_reason diagnose(const struct route_problem *p, const struct tour_model *m,
    struct diag *dg, const struct solution *s, int j)
{
	const struct route_job *job = &p->jobs[j];
	int k, overlap = 0, heavier = 1;
	enum route_reason r = ROUTE_REASON_NO_ROOM;

	for (k = 0; k < m->n_veh; k++) {
		overlap |= m->veh[k].start_s <= m->nodes[j].late_s &&
		           job->ready_s <= m->veh[k].end_s;
		heavier &= job->demand > m->veh[k].capacity + TOUR_EPS;
	}
	if (m->n_veh == 0)
		return ROUTE_REASON_NO_SHIFT;
	if (heavier)
		return ROUTE_REASON_CAPACITY;
	if (!overlap)
		return ROUTE_REASON_NO_SHIFT;
	if (!any_fits(m, s, j, 1)) {
		dg->nodes[j].late_s = job->due_s;
		r = any_fits(&dg->m, s, j, 1) ? ROUTE_REASON_DUE : ROUTE_REASON_TIME_WINDOW;
		dg->nodes[j].late_s = m->nodes[j].late_s;
		return r;
	}
	/* It fits alone, so the others took its room: say so when any of them
	 * outranks it, else name the constraint that is full. */
	for (k = 0; k < m->n_jobs; k++)
		if (s->route_of[k] >= 0 && p->jobs[k].priority > job->priority)
			return ROUTE_REASON_DISPLACED;
	if (any_fits(&dg->m, s, j, 0))
		return ROUTE_REASON_CAPACITY;
	return r;
}

static int explain(struct route_solution *out, const struct route_problem *p,
    const struct tour_model *m, const struct solution *s)
{
	struct diag dg;
	int i, k, rc = DS_ENOMEM;

	memset(&dg, 0, sizeof(dg));
	dg.m = *m;
	dg.nodes = malloc((size_t)m->n_nodes * sizeof(*dg.nodes));
	dg.veh = malloc(((size_t)m->n_veh + 1) * sizeof(*dg.veh));
	out->unassigned = calloc((size_t)s->n_unas + 1, sizeof(*out->unassigned));
	if (dg.nodes == NULL || dg.veh == NULL || out->unassigned == NULL)
		goto fail;
	memcpy(dg.nodes, m->nodes, (size_t)m->n_nodes * sizeof(*dg.nodes));
	memcpy(dg.veh, m->veh, (size_t)m->n_veh * sizeof(*dg.veh));
	for (k = 0; k < m->n_veh; k++)
		dg.veh[k].capacity = INFINITY;
	dg.m.nodes = dg.nodes;
	dg.m.veh = dg.veh;
	for (i = 0; i < s->n_unas; i++) {
		out->unassigned[i].job = s->unas[i];
		out->unassigned[i].reason = diagnose(p, m, &dg, s, s->unas[i]);
	}
	out->n_unassigned = s->n_unas;
	rc = DS_OK;
fail:
	free(dg.nodes);
	free(dg.veh);
	return rc;
}

static int unas_cmp(const void *a, const void *b)
{
	return ((const struct route_unassigned *)a)->job -
	       ((const struct route_unassigned *)b)->job;
}

static int solution_build(struct route_solution **out, const struct route_problem *p,
    const struct tour_model *m, const struct solution *s)
{
	struct route_solution *r = calloc(1, sizeof(*r));
	int v;

	if (r == NULL)
		return DS_ENOMEM;
	r->routes = calloc((size_t)s->n_veh + 1, sizeof(*r->routes));
	if (r->routes == NULL)
		goto fail;
	for (v = 0; v < s->n_veh; v++) {
		if (s->t[v].n_jobs == 0)
			continue;
		if (route_from_tour(&r->routes[r->n_routes++], &s->t[v], m) != DS_OK)
			goto fail;
		r->dist += s->t[v].dist;
	}
	if (explain(r, p, m, s) != DS_OK)
		goto fail;
	qsort(r->unassigned, (size_t)r->n_unassigned, sizeof(*r->unassigned), unas_cmp);
	*out = r;
	return DS_OK;
fail:
	route_solution_free(r);
	return DS_ENOMEM;
}

int route_solve(const struct route_problem *p, const struct route_params *params,
    struct route_solution **out)
{
	struct model_buf mb;
	struct solution sol;
	struct search_params sp;
	long iters = 0;
	int rc;

	memset(&mb, 0, sizeof(mb));
	memset(&sol, 0, sizeof(sol));
	*out = NULL;
	if (p == NULL || params == NULL || params->time_limit_ms <= 0 ||
	    params->max_iterations < 0 ||
	    (params->objective != ROUTE_VEHICLES_FIRST && params->objective != ROUTE_DISTANCE))
		return DS_EINVAL;
	rc = model_build(&mb, p);
	if (rc != DS_OK)
		goto fail;
	sp.vehicles_first = params->objective == ROUTE_VEHICLES_FIRST;
	sp.time_limit_ms = params->time_limit_ms;
	sp.max_iterations = params->max_iterations;
	sp.seed = params->seed;
	rc = search_solve(&mb.m, &sp, &sol, &iters);
	if (rc != DS_OK)
		goto fail;
	rc = solution_build(out, p, &mb.m, &sol);
	if (rc == DS_OK)
		(*out)->iterations = iters;
fail:
	solution_fini(&sol);
	model_fini(&mb);
	return rc;
}

const char *route_reason_text(enum route_reason r)
{
	switch (r) {
	case ROUTE_REASON_NONE: return "assigned";
	case ROUTE_REASON_NO_SHIFT: return "no courier shift covers it";
	case ROUTE_REASON_TIME_WINDOW: return "time window cannot be reached";
	case ROUTE_REASON_DUE: return "due time cannot be met";
	case ROUTE_REASON_CAPACITY: return "capacity";
	case ROUTE_REASON_DISPLACED: return "displaced by higher priority";
	case ROUTE_REASON_NO_ROOM: return "no room in any route";
	}
	return "unknown";
}

const char *route_reason_code(enum route_reason r)
{
	switch (r) {
	case ROUTE_REASON_NONE: return "none";
	case ROUTE_REASON_NO_SHIFT: return "no_shift";
	case ROUTE_REASON_TIME_WINDOW: return "time_window";
	case ROUTE_REASON_DUE: return "due";
	case ROUTE_REASON_CAPACITY: return "capacity";
	case ROUTE_REASON_DISPLACED: return "displaced";
	case ROUTE_REASON_NO_ROOM: return "no_room";
	}
	return "unknown";
}
