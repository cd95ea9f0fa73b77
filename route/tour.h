/* tour.h: one courier's sequence of stops, with the schedule arrays that make an
 * insertion's feasibility and cost an O(1) question. Internal to the scheduler
 * (sched.c builds the model, sisr.c searches over tours); callers use sched.h. */
#ifndef DS_TOUR_H
#define DS_TOUR_H

#include <stddef.h>

#include "err.h"

/* Slack for floating-point comparisons of times and loads. The independent
 * checker (tests/tools/vrptw_check.c) uses the same tolerance. */
#define TOUR_EPS 1e-6

/* The insertion checks below are most of the search's time; GCC otherwise keeps
 * one out of line in the scan loop, which was measurably slower (docs/PERFORMANCE.md). */
#if defined(__GNUC__)
#define TOUR_HOT __attribute__((always_inline)) inline
#else
#define TOUR_HOT inline
#endif

/* Special node ids in a tour's node array; jobs are 0..n_jobs-1 and the break of
 * vehicle k is node n_jobs + k. */
#define TOUR_START (-1)
#define TOUR_END   (-2)

/* A node the search places: a job or a vehicle's break. */
struct tour_node {
	int loc;          /* location index; -1: wherever the previous stop is (breaks) */
	double ready_s;   /* earliest service start */
	double late_s;    /* latest service start (window due and legal deadline folded in) */
	double service_s; /* service or break duration */
	double demand;
	int only_veh;     /* -1: any vehicle; else the one vehicle allowed (breaks) */
	int fixed;        /* 1: part of a vehicle's fixed prefix; never moved */
	int prio;         /* higher is more important */
	double miss_cost; /* penalty when unassigned */
};

/* A vehicle (courier) as the search sees it. */
struct tour_vehicle {
	int start_loc, end_loc;
	double start_s;   /* leaves start_loc at this time */
	double end_s;     /* must be back at end_loc by this time (shift end and max work) */
	double capacity;
	int brk;          /* node id of its break, or -1 */
	int n_fixed;
	const int *fixed; /* borrowed from the model: job ids of the fixed prefix */
	int cls;          /* vehicles with equal cls are interchangeable when empty */
};

/* The flattened problem. Owned by sched.c. */
struct tour_model {
	int n_locs;
	const double *time_s;  /* n_locs * n_locs, row-major */
	const double *dist;    /* n_locs * n_locs */
	int n_jobs, n_nodes;   /* n_nodes = n_jobs + n_veh */
	struct tour_node *nodes;
	int n_veh;
	struct tour_vehicle *veh;
	int n_neigh;           /* neighbours per job in neigh[] */
	int *neigh;            /* n_jobs * n_neigh nearest jobs */
	double *depot_dist;    /* n_jobs: distance from the nearest vehicle start */
};

/* A vehicle's stops: node[0] is TOUR_START, node[len-1] TOUR_END. Arrays are
 * recomputed by tour_update() after every change. */
struct tour {
	int veh;
	int len, cap;
	int *node;
	int *loc;         /* location of each stop (breaks take the previous one's) */
	double *start_s;  /* earliest service start */
	double *late_s;   /* latest service start that keeps the rest feasible */
	double load, dist;
	int n_jobs;       /* jobs in the tour, fixed ones included; breaks excluded */
	int first_free;   /* insertions go after index first_free - 1 */
};

/* Prepare T as the empty tour of vehicle V (with its fixed prefix and break).
 * Returns DS_OK or DS_ENOMEM. Free with tour_fini(). */
int tour_init(struct tour *t, const struct tour_model *m, int v) DS_WUR;

/* Free T's arrays. Accepts a zeroed tour. */
void tour_fini(struct tour *t);

/* Make DST an exact copy of SRC (same vehicle). Returns DS_OK or DS_ENOMEM. */
int tour_copy(struct tour *dst, const struct tour *src) DS_WUR;

/* Recompute the schedule arrays, load and distance. Returns 1 when the tour
 * is feasible, 0 otherwise (possible after a removal: with a matrix that breaks
 * the triangle inequality, or when a break then waits for its window at a place
 * farther from the next stop). */
int tour_update(struct tour *t, const struct tour_model *m);

/* Entry FROM, TO of matrix A (time_s or dist) of model M. */
#define TOUR_MAT(a, m, from, to) ((a)[(size_t)(from) * (size_t)(m)->n_locs + (size_t)(to)])

/* Distance added by putting node J right after index P. O(1). A break has no
 * place of its own, so the stop after P is the first one that is not a break. */
static TOUR_HOT double tour_insert_dist(const struct tour *t, const struct tour_model *m,
    int j, int p)
{
	int lx = t->loc[p], y = t->node[p + 1] >= m->n_jobs ? p + 2 : p + 1;
	int lj = m->nodes[j].loc < 0 ? lx : m->nodes[j].loc, ly = t->loc[y];

	return TOUR_MAT(m->dist, m, lx, lj) + TOUR_MAT(m->dist, m, lj, ly) -
	    TOUR_MAT(m->dist, m, lx, ly);
}

/* Does node J fit, by time and load, right after index P? O(1). Inline because
 * the search asks it for every place of every route, most of its time. */
static TOUR_HOT int tour_fits(const struct tour *t, const struct tour_model *m, int j, int p)
{
	const struct tour_node *nj = &m->nodes[j];
	int lx = t->loc[p], lj, y = p + 1;
	double arr, s, done;

	if (t->load + nj->demand > m->veh[t->veh].capacity + TOUR_EPS)
		return 0;
	lj = nj->loc < 0 ? lx : nj->loc;
	arr = t->start_s[p] + (t->node[p] < 0 ? 0.0 : m->nodes[t->node[p]].service_s) +
	    TOUR_MAT(m->time_s, m, lx, lj);
	s = arr > nj->ready_s ? arr : nj->ready_s;
	if (s > nj->late_s + TOUR_EPS)
		return 0;
	done = s + nj->service_s;
	if (t->node[y] >= m->n_jobs) {
		/* The break right after P would now be taken at J's place. */
		const struct tour_node *b = &m->nodes[t->node[y]];
		double sb = done > b->ready_s ? done : b->ready_s;

		if (sb > b->late_s + TOUR_EPS)
			return 0;
		done = sb + b->service_s;
		y++;
	}
	return done + TOUR_MAT(m->time_s, m, lj, t->loc[y]) <= t->late_s[y] + TOUR_EPS;
}

/* Can node J go right after index P? On success stores the added distance in
 * *DELTA and returns 1. O(1). */
static inline int tour_can_insert(const struct tour *t, const struct tour_model *m, int j,
    int p, double *delta)
{
	if (!tour_fits(t, m, j, p))
		return 0;
	*delta = tour_insert_dist(t, m, j, p);
	return 1;
}

/* The first index P (from first_free - 1) after which a stop whose service
 * cannot end before DONE_S might fit; every earlier place fails. The stop after
 * P must start by its latest start yet after DONE_S. A break right after P is
 * the exception: the new stop moves it to its own place, so the break's latest
 * start, which counts the travel from where it stands now, does not bind; the
 * break must still start inside its window and the stop after it by that stop's
 * latest start. These bounds never fall along a tour, so a binary search finds
 * P: on tight windows it skips most of a tour. O(log len). */
static inline int tour_first_place(const struct tour *t, const struct tour_model *m,
    double done_s)
{
	int lo = t->first_free - 1, hi = t->len - 1;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, y = mid + 1;
		double bound = t->late_s[y];

		if (t->node[y] >= m->n_jobs && m->nodes[t->node[y]].late_s < t->late_s[y + 1])
			bound = m->nodes[t->node[y]].late_s;
		else if (t->node[y] >= m->n_jobs)
			bound = t->late_s[y + 1];
		if (bound + TOUR_EPS < done_s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Insert node J after index P and update. Returns DS_OK or DS_ENOMEM. */
int tour_insert(struct tour *t, const struct tour_model *m, int j, int p) DS_WUR;

/* Make T's stops HEAD[0..NH) then TAIL[0..NT) (HEAD starts with TOUR_START,
 * TAIL ends with TOUR_END; neither may alias T's own arrays). No update: call
 * tour_update(). Returns DS_OK or DS_ENOMEM (T is then unchanged). */
int tour_splice(struct tour *t, const int *head, int nh, const int *tail, int nt) DS_WUR;

/* Remove the stop at index I (no update; call tour_update() after a batch). */
void tour_remove_at(struct tour *t, int i);

/* Service times along T for the stop at index I: arrival and start. */
void tour_times(const struct tour *t, const struct tour_model *m, int i,
    double *arrival_s, double *start_s);

#endif
