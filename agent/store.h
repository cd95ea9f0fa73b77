/* store.h: where the agent keeps things: one SQLite file in the data dir with the courier's
 * appointments, the event outbox, the sync cursor and status, the last known fix and the
 * coarse breadcrumb trail. WAL with synchronous=FULL: a committed write survives a crash or
 * a flat battery. Every write that must be atomic is one transaction. */
#ifndef AGENT_STORE_H
#define AGENT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "agent/stamp.h"

#define STORE_FILE "agent.db"
#define STORE_BUSY_MS 2000      /* wait this long for another process's lock, then DS_EBUSY */
#define STORE_META_MAX 512      /* longest meta text value */

struct store;

/* One outbox row: the event's canonical JSON, exactly as first stored. */
struct store_out {
	int64_t seq;
	char uuid[MODEL_UUID_LEN + 1];
	char *body;             /* owned by the row; freed by store_out_free() */
};

/* Open (creating) the database at PATH. MAX_PAGES > 0 caps its size (a test hook for a real
 * SQLITE_FULL). OUT: *S; caller frees with store_close(). On failure *S is NULL and ERR
 * (STORE_META_MAX bytes) says why. DS_EBUSY when another process holds a lock. */
DS_WUR enum ds_err store_open(const char *path, long max_pages, struct store **s, char *err);

/* Close S. Accepts NULL. */
void store_close(struct store *s);

/* Keep S's memory small for a long-lived process: a page cache of CACHE_KIB KiB instead of
 * the default, and at most HEAP_KIB KiB of SQLite heap in this process before SQLite frees
 * cache pages on its own (a soft limit: a statement never fails for it). */
DS_WUR enum ds_err store_lean(struct store *s, long cache_kib, long heap_kib);

/* SQLite's message for the last failure on S. Borrowed; valid until the next call. */
const char *store_errmsg(const struct store *s);

/* Record E durably: in one transaction give it the next per-device seq (OUT: E->seq), store
 * its canonical JSON in the outbox, set the appointment's local status to STATUS (may be
 * NULL) and, when FIX is not NULL, make it the last known fix. DS_EFULL / DS_EBUSY / DS_EDB:
 * nothing was written. */
DS_WUR enum ds_err store_event_add(struct store *s, struct model_event *e, const char *status,
                                   const struct stamp_fix *fix);

/* Number of events waiting in the outbox into OUT: *N. */
DS_WUR enum ds_err store_outbox_count(struct store *s, int64_t *n);

/* The MAX oldest outbox rows in seq order into OUT: *ROWS (*N of them). Caller frees with
 * store_out_free(). */
DS_WUR enum ds_err store_outbox_peek(struct store *s, size_t max, struct store_out **rows,
                                     size_t *n);

/* Free N rows from store_outbox_peek(). Accepts NULL. */
void store_out_free(struct store_out *rows, size_t n);

/* Apply a sync reply in one transaction: delete the acked outbox rows FIRST..LAST (none when
 * LAST < FIRST), upsert or delete the appointments A[0..NA), set the cursor and the time of
 * the last successful sync (NOW_MS) and clear the last error. */
DS_WUR enum ds_err store_sync_apply(struct store *s, int64_t first, int64_t last, int64_t cursor,
                                    const struct model_appointment *a, size_t na, int64_t now_ms);

/* Meta values (cursor, last_sync_ms, last_error, ...). A missing key reads as 0 / "". */
DS_WUR enum ds_err store_meta_int(struct store *s, const char *key, int64_t *v);
DS_WUR enum ds_err store_meta_set_int(struct store *s, const char *key, int64_t v);
DS_WUR enum ds_err store_meta_text(struct store *s, const char *key, char *out, size_t len);
DS_WUR enum ds_err store_meta_set_text(struct store *s, const char *key, const char *v);

/* The appointment CODE into OUT: A. DS_ENOTFOUND when unknown. */
DS_WUR enum ds_err store_appt_get(struct store *s, const char *code, struct model_appointment *a);

/* Every appointment, in round order (planned stops first, then by window and code), into
 * OUT: *LIST (*N). Caller frees *LIST with free(). */
DS_WUR enum ds_err store_appt_list(struct store *s, struct model_appointment **list, size_t *n);

/* The last known fix into OUT: F (valid = 0 when none); store F as the last known fix. */
DS_WUR enum ds_err store_fix_get(struct store *s, struct stamp_fix *f);
DS_WUR enum ds_err store_fix_put(struct store *s, const struct stamp_fix *f);

/* Add a breadcrumb (already coarsened by the caller) and delete those older than BEFORE_MS,
 * in one transaction. */
DS_WUR enum ds_err store_crumb_add(struct store *s, int64_t at_ms, double lat, double lon,
                                   int64_t before_ms);

/* Delete breadcrumbs older than BEFORE_MS; OUT: *N breadcrumbs left. */
DS_WUR enum ds_err store_crumb_purge(struct store *s, int64_t before_ms, int64_t *n);

#endif
