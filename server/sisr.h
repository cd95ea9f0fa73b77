/* sisr.h: the scheduler's search, Slack Induction by String Removals (Christiaens
 * and Vanden Berghe, 2020): ruin a few strings of nearby stops, recreate them by
 * cheapest insertion with blinks, accept by simulated annealing, and shrink the
 * fleet first with the absence-counting route elimination. Internal to sched.c. */
#ifndef DS_SISR_H
#define DS_SISR_H

#include <stdint.h>

#include "err.h"
#include "server/sol.h"
#include "server/tour.h"

struct sisr_params {
	int vehicles_first;   /* 1: fewest vehicles, then distance; 0: distance */
	long time_limit_ms;
	long max_iterations;  /* 0: run until the time limit */
	uint64_t seed;
};

/* Search M. OUT: the best solution found, freed by the caller with sol_fini().
 * *ITERATIONS gets the count run. DS_OK or DS_ENOMEM. */
int sisr_solve(const struct tour_model *m, const struct sisr_params *par,
    struct sol *out, long *iterations) DS_WUR;

#endif
