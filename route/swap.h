/* swap.h: the moves of the search's last pass that bring a left-out job in: take
 * the place of a routed job of lower priority, or of one that moves to another
 * route to make room. Internal to sisr.c, which runs them after the search. */
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

/* The left-out job S->unas[UI] goes into a route after a routed job of that route,
 * one of its nearest, moves to another route to make room: the cheapest such pair
 * of moves in total distance. Its slot in S->unas then holds the last left-out job. Nothing is left
 * out in exchange, so the move suits any priority. SCRATCH as for swap_in().
 * Returns 1 when it moved, 0 when no such move exists, -1 on out of memory. S's
 * totals are left to the caller. */
int swap_eject(const struct tour_model *m, struct solution *s, int ui, struct tour *scratch);

#endif
