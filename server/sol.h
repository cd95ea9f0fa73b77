/* sol.h: a solution of the scheduler's search, one tour per vehicle (empty ones
 * included) and the jobs left out, with the totals and the orders the search
 * compares solutions by. Internal to the scheduler (sched.c, sisr.c, descent.c,
 * swap.c). */
#ifndef DS_SOL_H
#define DS_SOL_H

#include "err.h"
#include "server/tour.h"

#define SOL_PRIO_LEVELS 10

struct sol {
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
 * with sol_fini(). DS_OK, or DS_ENOMEM with S zeroed. */
int sol_init(struct sol *s, const struct tour_model *m) DS_WUR;

/* Free S's tours and arrays and zero S. Accepts NULL and a zeroed solution. */
void sol_fini(struct sol *s);

/* Recompute S's dist, used and miss from its tours and left-out jobs. */
void sol_totals(struct sol *s, const struct tour_model *m);

/* Make D, made by sol_init() for the same M, equal to S. DS_OK or DS_ENOMEM. */
int sol_copy(struct sol *d, const struct sol *s, const struct tour_model *m) DS_WUR;

/* The same, when D already equals S outside the tours TOUCHED[0..N_TOUCHED):
 * only those tours are copied. DS_OK or DS_ENOMEM. */
int sol_sync(struct sol *d, const struct sol *s, const struct tour_model *m,
    const int *touched, int n_touched) DS_WUR;

/* <0 when A leaves out less (highest priority first), >0 when more, else 0. */
int sol_miss_cmp(const struct sol *a, const struct sol *b);

/* Is A better than B for the final answer (left-out jobs, then with
 * VEHICLES_FIRST the vehicles used, then distance)? */
int sol_better(const struct sol *a, const struct sol *b, int vehicles_first);

/* Remove the stops at tour V's positions POS[0..N) (ascending) and leave them out,
 * then drop more stops if the tour's schedule no longer fits. Totals are left to
 * the caller. */
void sol_remove_positions(struct sol *s, const struct tour_model *m, int v,
    const int *pos, int n);

#endif
