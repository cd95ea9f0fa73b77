/* placecache.h: the search's insertion cache. Per (job, vehicle) it remembers the
 * cheapest place found in that vehicle's tour of the current solution, stamped
 * with the tour's version; the search bumps a version whenever that tour
 * changes. Internal to the scheduler (sisr.c). */
#ifndef DS_PLACECACHE_H
#define DS_PLACECACHE_H

#include <stdint.h>

#include "err.h"

struct placecache {
	int n_veh;
	uint64_t *ver;       /* per vehicle: version of its tour */
	uint64_t ver_next;
	uint64_t *at_ver;    /* per (job, vehicle): version the entry was found at */
	double *cost;        /* ... added distance, INFINITY: no place */
	int *pos;            /* ... insert after this tour index, -1: none */
	int on;              /* entries are usable (the caller's invariant holds) */
};

/* Prepare IC for N_JOBS jobs and N_VEH vehicles. Above MAX_ENTRIES pairs the
 * cache stays off (placecache_enabled() is 0) and costs nothing. Returns DS_OK or
 * DS_ENOMEM. Free with placecache_fini(). */
int placecache_init(struct placecache *ic, int n_jobs, int n_veh, size_t max_entries) DS_WUR;

/* Free IC's arrays. Accepts a zeroed cache. */
void placecache_fini(struct placecache *ic);

/* Tour V changed: its entries are stale. */
void placecache_bump(struct placecache *ic, int v);

/* Every tour changed. */
void placecache_bump_all(struct placecache *ic);

/* Is the cache allocated and switched on? */
int placecache_enabled(const struct placecache *ic);

/* The entry of job J in tour V: 1 with *COST and *POS when current, else 0. */
int placecache_get(const struct placecache *ic, int j, int v, double *cost, int *pos);

/* Store the entry of job J in tour V at the tour's current version. */
void placecache_put(struct placecache *ic, int j, int v, double cost, int pos);

#endif
