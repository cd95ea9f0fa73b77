/* search.h: the scheduler's search, Slack Induction by String Removals (Christiaens
 * and Vanden Berghe, 2020): ruin a few strings of nearby stops, recreate them by
 * cheapest insertion with blinks, accept by simulated annealing, and shrink the
 * fleet first with the absence-counting route elimination. Internal to sched.c. */
#ifndef DS_SEARCH_H
#define DS_SEARCH_H

#include <stdint.h>

#include "err.h"
#include "route/solution.h"
#include "route/tour.h"

struct search_params {
	int vehicles_first;   /* 1: fewest vehicles, then distance; 0: distance */
	long time_limit_ms;
	long max_iterations;  /* 0: run until the time limit */
	uint64_t seed;
};

/* Search M. OUT: the best solution found, freed by the caller with solution_fini().
 * *ITERATIONS gets the count run. DS_OK or DS_ENOMEM. */
int search_solve(const struct tour_model *m, const struct search_params *par,
    struct solution *out, long *iterations) DS_WUR;

/* For tests only (tests/unit/route/test_search.c): one ruin step of the search on
 * S, as in the annealing or, with IN_FLEET, as in fleet minimisation, drawing from
 * the random stream of SEED. S needs its totals (solution_totals()); the ruin
 * leaves them to the caller. OUT: TOUCHED[0..*N_TOUCHED) the tours ruined (the
 * caller's array of M->n_veh ints). DS_OK or DS_ENOMEM. */
int search_ruin_for_test(const struct tour_model *m, struct solution *s, uint64_t seed,
    int in_fleet, int *touched, int *n_touched) DS_WUR;

#endif
