/* sisr.h: the scheduler's search, Slack Induction by String Removals (Christiaens
 * and Vanden Berghe, 2020): ruin a few strings of nearby stops, recreate them by
 * cheapest insertion with blinks, accept by simulated annealing, and shrink the
 * fleet first with the absence-counting route elimination. Internal to sched.c. */
#ifndef DS_SISR_H
#define DS_SISR_H

#include <stdint.h>

#include "err.h"
#include "server/tour.h"

#define SISR_PRIO_LEVELS 10

/* A solution: one tour per vehicle (empty ones included) and the jobs left out. */
struct sisr_sol {
	int n_veh;
	struct tour *t;
	int *route_of;        /* per node: vehicle, or -1 */
	int n_unas;
	int *unas;            /* jobs left out */
	double dist;
	int used;             /* vehicles with at least one job */
	int miss[SISR_PRIO_LEVELS]; /* jobs left out per priority */
};

struct sisr_params {
	int vehicles_first;   /* 1: fewest vehicles, then distance; 0: distance */
	long time_limit_ms;
	long max_iterations;  /* 0: run until the time limit */
	uint64_t seed;
};

/* Search M. OUT: the best solution found, freed by the caller with
 * sisr_sol_fini(). *ITERATIONS gets the count run. DS_OK or DS_ENOMEM. */
int sisr_solve(const struct tour_model *m, const struct sisr_params *par,
    struct sisr_sol *out, long *iterations) DS_WUR;

void sisr_sol_fini(struct sisr_sol *s);

#endif
