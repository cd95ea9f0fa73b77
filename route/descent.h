/* descent.h: a deterministic first-improvement local search that polishes the
 * search's solutions: jobs and short strings move next to their nearest
 * neighbours, spans of a route are reversed and route ends are swapped whenever
 * that shortens the total distance. It never opens a vehicle nor leaves a job
 * out, so it only ever improves a solution under either objective. Internal to
 * sisr.c. */
#ifndef DS_DESCENT_H
#define DS_DESCENT_H

#include "err.h"
#include "route/solution.h"
#include "route/tour.h"

/* Improve S by relocate, or-opt, 2-opt and 2-opt* until no move near a
 * neighbour shortens it (or a few passes have run). POS is scratch of
 * M->n_nodes ints and SCRATCH two tours (zeroed or used before), both owned by
 * the caller. Updates S's routes, route_of, dist and used. Returns DS_OK, or
 * DS_ENOMEM after which S may be inconsistent and must only be freed. */
int descent_run(const struct tour_model *m, struct solution *s, int *pos,
    struct tour *scratch) DS_WUR;

#endif
