/* ledger.h: where the agent keeps things: one SQLite file in the data dir with the courier's
 * appointments, the event outbox, the sync cursor and status, the last known fix (and,
 * through trail.h, the coarse breadcrumb trail). WAL with synchronous=FULL: a committed write
 * survives a crash or a flat battery. Every write that must be atomic is one transaction. Each
 * recorded event is also appended to the journal (journal.h) before its commit, and trimmed from it
 * when the server acknowledges it. */
#ifndef AGENT_LEDGER_H
#define AGENT_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "agent/stamp.h"

#define LEDGER_FILE "agent.db"
#define LEDGER_BUSY_MS 2000      /* wait this long for another process's lock, then DS_EBUSY */
#define LEDGER_META_MAX 512      /* longest meta text value */

struct ledger;

/* One outbox row: the event's canonical JSON, exactly as first stored. */
struct ledger_out {
	int64_t seq;
	char uuid[MODEL_UUID_LEN + 1];
	char *body;             /* owned by the row; freed by ledger_out_free() */
};

#define LEDGER_PATH_MAX 600        /* the database's and the journal's paths */

/* What opening found. */
enum ledger_state {
	LEDGER_SOUND = 0,
	LEDGER_DAMAGED,              /* SQLite's check failed, or the file is not a database */
	LEDGER_LOST,                 /* the journal holds events the database lost */
};

struct ledger_health {
	enum ledger_state state;
	int unclean;                 /* the last process with it open did not close it */
	int full_check;              /* 1: integrity_check ran, 0: quick_check */
	char detail[LEDGER_META_MAX]; /* the first problem found; "" when sound */
};

enum {
	LEDGER_OPEN_FULL_CHECK = 1,  /* integrity_check even after a clean shutdown */
	LEDGER_OPEN_REBUILD = 2,     /* create a fresh database beside an existing journal */
	LEDGER_OPEN_READ_ON_FULL = 4, /* on a full disk, open read-only (ledger_read_only()) */
};

/* Open (creating) the database at PATH and check it: PRAGMA quick_check, or integrity_check
 * after an unclean shutdown or with LEDGER_OPEN_FULL_CHECK, and that the journal beside it
 * (journal.h) belongs to it. OUT: H. When H is not sound, *S is NULL and rc DS_OK. A new
 * database is not created where the journal shows one existed, unless LEDGER_OPEN_REBUILD.
 * Otherwise as ledger_open(). */
DS_WUR enum ds_err ledger_open_checked(const char *path, long max_pages, int flags,
                                       struct ledger **s, struct ledger_health *h, char *err);

/* True when S was opened read-only because the disk is full: every write fails. */
int ledger_read_only(const struct ledger *s);



/* Open (creating) the database at PATH, checked as ledger_open_checked() (DS_EDB when not
 * sound). MAX_PAGES > 0 caps its size (a test hook for a real
 * SQLITE_FULL). OUT: *S; caller frees with ledger_close(). On failure *S is NULL and ERR
 * (LEDGER_META_MAX bytes) says why. DS_EBUSY when another process holds a lock. */
DS_WUR enum ds_err ledger_open(const char *path, long max_pages, struct ledger **s, char *err);

/* Close S. Accepts NULL. */
void ledger_close(struct ledger *s);

/* Keep S's memory small for a long-lived process: a page cache of CACHE_KIB KiB instead of
 * the default, and at most HEAP_KIB KiB of SQLite heap in this process before SQLite frees
 * cache pages on its own (a soft limit: a statement never fails for it). */
DS_WUR enum ds_err ledger_lean(struct ledger *s, long cache_kib, long heap_kib);

/* SQLite's message for the last failure on S. Borrowed; valid until the next call. */
const char *ledger_errmsg(const struct ledger *s);

/* Record E durably: in one transaction give it the next per-device seq (OUT: E->seq), store
 * its canonical JSON in the outbox, set the appointment's local status to STATUS (may be
 * NULL) and, when FIX is not NULL, make it the last known fix. DS_EFULL / DS_EBUSY / DS_EDB:
 * nothing was written. */
DS_WUR enum ds_err ledger_event_add(struct ledger *s, struct model_event *e, const char *status,
                                   const struct stamp_fix *fix);

/* Number of events waiting in the outbox into OUT: *N. */
DS_WUR enum ds_err ledger_outbox_count(struct ledger *s, int64_t *n);

/* The MAX oldest outbox rows in seq order into OUT: *ROWS (*N of them). Caller frees with
 * ledger_out_free(). */
DS_WUR enum ds_err ledger_outbox_peek(struct ledger *s, size_t max, struct ledger_out **rows,
                                     size_t *n);

/* Free N rows from ledger_outbox_peek(). Accepts NULL. */
void ledger_out_free(struct ledger_out *rows, size_t n);

/* Apply a sync reply in one transaction: delete the acked outbox rows FIRST..LAST (none when
 * LAST < FIRST), upsert or delete the appointments A[0..NA), set the cursor and the time of
 * the last successful sync (NOW_MS) and clear the last error. */
DS_WUR enum ds_err ledger_sync_apply(struct ledger *s, int64_t first, int64_t last, int64_t cursor,
                                    const struct model_appointment *a, size_t na, int64_t now_ms);

/* Write the journal afresh from the outbox under S's identity, inside the caller's write
 * transaction (after the outbox was renumbered, say). */
DS_WUR enum ds_err ledger_journal_rewrite(struct ledger *s);

/* Leave MSG as the message ledger_errmsg() gives. */
void ledger_say(struct ledger *s, const char *msg);

/* Meta values (cursor, last_sync_ms, last_error, ...). A missing key reads as 0 / "". */
DS_WUR enum ds_err ledger_meta_int(struct ledger *s, const char *key, int64_t *v);
DS_WUR enum ds_err ledger_meta_set_int(struct ledger *s, const char *key, int64_t v);
DS_WUR enum ds_err ledger_meta_text(struct ledger *s, const char *key, char *out, size_t len);
DS_WUR enum ds_err ledger_meta_set_text(struct ledger *s, const char *key, const char *v);

/* The appointment CODE into OUT: A. DS_ENOTFOUND when unknown. */
DS_WUR enum ds_err ledger_appt_get(struct ledger *s, const char *code, struct model_appointment *a);

/* Every appointment, in round order (planned stops first, then by window and code), into
 * OUT: *LIST (*N). Caller frees *LIST with free(). */
DS_WUR enum ds_err ledger_appt_list(struct ledger *s, struct model_appointment **list, size_t *n);

/* The last known fix into OUT: F (valid = 0 when none); store F as the last known fix. */
DS_WUR enum ds_err ledger_fix_get(struct ledger *s, struct stamp_fix *f);
DS_WUR enum ds_err ledger_fix_put(struct ledger *s, const struct stamp_fix *f);

/* The ledger's SQL for the modules that keep their own tables in it (trail.h). Each maps
 * SQLite's result to the shared error and leaves the message for ledger_errmsg(). */
struct sqlite3_stmt;
/* Prepare SQL into OUT: *ST; the caller finalizes it. */
DS_WUR enum ds_err ledger_prepare(struct ledger *s, const char *sql, struct sqlite3_stmt **st);
/* Step the write ST to completion and finalize it. */
DS_WUR enum ds_err ledger_step_done(struct ledger *s, struct sqlite3_stmt *st);
/* Run SQL (no parameters), which gives one integer, into OUT: *OUT (0 when no row). */
DS_WUR enum ds_err ledger_int(struct ledger *s, const char *sql, int64_t *out);
/* The shared error for SQLite result SQLITE_RC (DS_OK for OK, ROW and DONE). */
enum ds_err ledger_fail(struct ledger *s, int sqlite_rc);
/* Begin a write transaction; commit it; roll it back and return RC. */
DS_WUR enum ds_err ledger_begin(struct ledger *s);
DS_WUR enum ds_err ledger_commit(struct ledger *s);
enum ds_err ledger_abort(struct ledger *s, enum ds_err rc);

#endif
