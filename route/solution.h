/* solution.h: a solution of the scheduler's search, one tour per vehicle (empty ones
 * included) and the jobs left out, with the totals and the orders the search
 * compares solutions by. Internal to the scheduler (sched.c, sisr.c, descent.c,
 * swap.c). */
#ifndef DS_SOLUTION_H
#define DS_SOLUTION_H

#include "err.h"
#include "route/tour.h"

#define SOL_PRIO_LEVELS 10

struct solution {
	int n_veh;
	struct tour *t;
	int *route_of;        /* per node: vehicle, or -1 */
	int n_unas;
	int *unas;            /* jobs left out */
	double dist;
	int used;             /* vehicles with at least one job */
	int miss[SOL_PRIO_LEVELS]; /* jobs left out per priority */
};

/* Make S the empty solution of M: every vehicle's tour holds its fixed prefix and
 * break, every other job is left out. S owns its arrays; the caller frees them
 * with solution_fini(). DS_OK, or DS_ENOMEM with S zeroed. */
int solution_init(struct solution *s, const struct tour_model *m) DS_WUR;

/* Free S's tours and arrays and zero S. Accepts NULL and a zeroed solution. */
void solution_fini(struct solution *s);

/* Recompute S's dist, used and miss from its tours and left-out jobs. */
void solution_totals(struct solution *s, const struct tour_model *m);

/* Make D, made by solution_init() for the same M, equal to S. DS_OK or DS_ENOMEM. */
int solution_copy(struct solution *d, const struct solution *s, const struct tour_model *m) DS_WUR;

/* The same, when D already equals S outside the tours TOUCHED[0..N_TOUCHED):
 * only those tours are copied. DS_OK or DS_ENOMEM. */
int solution_sync(struct solution *d, const struct solution *s, const struct tour_model *m,
    const int *touched, int n_touched) DS_WUR;

/* <0 when A leaves out less (highest priority first), >0 when more, else 0. */
int solution_miss_cmp(const struct solution *a, const struct solution *b);

/* Is A better than B for the final answer (left-out jobs, then with
 * VEHICLES_FIRST the vehicles used, then distance)? */
int solution_better(const struct solution *a, const struct solution *b, int vehicles_first);

/* Remove the stops at tour V's positions POS[0..N) (ascending) and leave them out,
 * then drop more stops if the tour's schedule no longer fits. Totals are left to
 * the caller. */
void solution_remove_positions(struct solution *s, const struct tour_model *m, int v,
    const int *pos, int n);

#endif
