/* swap.h: let a left-out job take the place of a routed job of lower priority.
 * Internal to sisr.c, which runs it after the search. */
#ifndef DS_SWAP_H
#define DS_SWAP_H

#include "route/solution.h"
#include "route/tour.h"

/* The left-out job S->unas[UI] swaps in for the lowest-priority routed job below
 * it whose removal lets it in (the cheapest such place); the job displaced takes
 * its slot in S->unas. SCRATCH is a tour owned by the caller (zeroed or used
 * before). Returns 1 when it swapped, 0 when no swap exists, -1 on out of
 * memory. S's totals (dist, used, miss) are left to the caller. */
int swap_in(const struct tour_model *m, struct solution *s, int ui, struct tour *scratch);

#endif
