/* icache.h: the search's insertion cache. Per (job, vehicle) it remembers the
 * cheapest place found in that vehicle's tour of the current solution, stamped
 * with the tour's version; the search bumps a version whenever that tour
 * changes. Internal to the scheduler (sisr.c). */
#ifndef DS_ICACHE_H
#define DS_ICACHE_H

#include <stdint.h>

#include "err.h"

struct icache {
	int n_veh;
	uint64_t *ver;       /* per vehicle: version of its tour */
	uint64_t ver_next;
	uint64_t *at_ver;    /* per (job, vehicle): version the entry was found at */
	double *cost;        /* ... added distance, INFINITY: no place */
	int *pos;            /* ... insert after this tour index, -1: none */
	int on;              /* entries are usable (the caller's invariant holds) */
};

/* Prepare IC for N_JOBS jobs and N_VEH vehicles. Above MAX_ENTRIES pairs the
 * cache stays off (icache_enabled() is 0) and costs nothing. Returns DS_OK or
 * DS_ENOMEM. Free with icache_fini(). */
int icache_init(struct icache *ic, int n_jobs, int n_veh, size_t max_entries) DS_WUR;

/* Free IC's arrays. Accepts a zeroed cache. */
void icache_fini(struct icache *ic);

/* Tour V changed: its entries are stale. */
void icache_bump(struct icache *ic, int v);

/* Every tour changed. */
void icache_bump_all(struct icache *ic);

/* Is the cache allocated and switched on? */
int icache_enabled(const struct icache *ic);

/* The entry of job J in tour V: 1 with *COST and *POS when current, else 0. */
int icache_get(const struct icache *ic, int j, int v, double *cost, int *pos);

/* Store the entry of job J in tour V at the tour's current version. */
void icache_put(struct icache *ic, int j, int v, double cost, int pos);

#endif
