/* plan.h: planning an office's courier rounds for a day from its open appointments and
 * couriers, with the route scheduler; rounds are stored with a version and reach each
 * device, with ETAs, at its next sync. */
#ifndef DS_PLAN_H
#define DS_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "server/db/store.h"

#define PLAN_DEFAULT_TIME_LIMIT_MS 2000L
#define PLAN_DEFAULT_DETOUR 1.4        /* road / straight line, canal-side roads */
#define PLAN_DEFAULT_SPEED_KMH 22.0    /* motorbike in a Mekong-delta town */
#define PLAN_BREAK_FROM_MIN (11 * 60)  /* lunch may start from 11:00 … */
#define PLAN_BREAK_TO_MIN (12 * 60 + 30) /* … until 12:30 */
#define PLAN_BREAK_MIN 45              /* and lasts 45 minutes */

struct plan_query {
	const char *office;
	int64_t day;              /* local date, days since 1970-01-01 */
	long time_limit_ms;
	int objective_vehicles;   /* 1: fewest couriers first; 0: least distance */
	const char *matrix_path;  /* travel-time matrix file (docs/ROUTING.md) or NULL */
	uint64_t seed;
};

/* Plan Q's office and day, store the new round version, and write what was planned (and
 * what changed since the last version) to OUT. DS_ENOTFOUND for an unknown office;
 * DS_EINVAL with S->err set for a bad matrix file. */
DS_WUR enum ds_err plan_office(struct store *s, const struct plan_query *q, FILE *out);

/* Set the office's travel model: detour factor and speed. DS_EINVAL out of range. */
DS_WUR enum ds_err plan_set_travel(struct store *s, const char *office, double detour,
                                   double speed_kmh);

#endif
