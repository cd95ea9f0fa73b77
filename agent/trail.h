/* trail.h: where the courier has been, as the ledger keeps it: a coarse breadcrumb trail,
 * deleted past its retention, in a table of the ledger's database (ledger.h). */
#ifndef AGENT_TRAIL_H
#define AGENT_TRAIL_H

#include <stdint.h>

#include "err.h"
#include "agent/ledger.h"

/* Add a breadcrumb (already coarsened by the caller) and delete those older than BEFORE_MS,
 * in one transaction. */
DS_WUR enum ds_err trail_crumb_add(struct ledger *s, int64_t at_ms, double lat, double lon,
                                  int64_t before_ms);

/* Delete breadcrumbs older than BEFORE_MS; OUT: *N breadcrumbs left. */
DS_WUR enum ds_err trail_crumb_purge(struct ledger *s, int64_t before_ms, int64_t *n);

#endif
