/* placecache.c: per (job, vehicle) cheapest insertion places, valid while the
 * vehicle's tour keeps its version. Versions come from one counter, so a stale
 * entry never matches a later tour by accident (no reuse of a number); 2^64
 * bumps do not happen in a search. Memory is n_jobs x n_veh x 20 bytes, hence
 * the cap the caller gives. */
#include <stdlib.h>
#include <string.h>

#include "route/placecache.h"

int placecache_init(struct placecache *ic, int n_jobs, int n_veh, size_t max_entries)
{
	size_t n = (size_t)n_jobs * (size_t)n_veh;

	memset(ic, 0, sizeof(*ic));
	ic->n_veh = n_veh;
	if (n == 0 || n > max_entries)
		return DS_OK;
	ic->ver = calloc((size_t)n_veh, sizeof(*ic->ver));
	ic->at_ver = calloc(n, sizeof(*ic->at_ver));
	ic->cost = malloc(n * sizeof(*ic->cost));
	ic->pos = malloc(n * sizeof(*ic->pos));
	if (ic->ver == NULL || ic->at_ver == NULL || ic->cost == NULL || ic->pos == NULL)
		goto fail;
	/* Entries start at version 0, tours at 1: nothing is current yet. */
	placecache_bump_all(ic);
	return DS_OK;
fail:
	placecache_fini(ic);
	return DS_ENOMEM;
}

void placecache_fini(struct placecache *ic)
{
	if (ic == NULL)
		return;
	free(ic->ver);
	free(ic->at_ver);
	free(ic->cost);
	free(ic->pos);
	memset(ic, 0, sizeof(*ic));
}

void placecache_bump(struct placecache *ic, int v)
{
	if (ic->ver != NULL)
		ic->ver[v] = ++ic->ver_next;
}

void placecache_bump_all(struct placecache *ic)
{
	int v;

	for (v = 0; v < ic->n_veh; v++)
		placecache_bump(ic, v);
}

int placecache_enabled(const struct placecache *ic)
{
	return ic->on && ic->ver != NULL;
}

int placecache_get(const struct placecache *ic, int j, int v, double *cost, int *pos)
{
	size_t k = (size_t)j * (size_t)ic->n_veh + (size_t)v;

	if (ic->at_ver[k] != ic->ver[v])
		return 0;
	*cost = ic->cost[k];
	*pos = ic->pos[k];
	return 1;
}

void placecache_put(struct placecache *ic, int j, int v, double cost, int pos)
{
	size_t k = (size_t)j * (size_t)ic->n_veh + (size_t)v;

	ic->at_ver[k] = ic->ver[v];
	ic->cost[k] = cost;
	ic->pos[k] = pos;
}
