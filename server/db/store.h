/* store.h: where the server keeps its data: one SQLite database in WAL mode, its schema made
 * by numbered migrations (docs/STORAGE.md), and the key that seals event bodies at rest. */
#ifndef DS_STORE_H
#define DS_STORE_H

#include <stdint.h>

#include <sqlite3.h>

#include "server/db/seal.h"
#include "err.h"
#include "model.h"

#define STORE_DB_NAME "doorstep.db"
#define STORE_KEY_NAME "data.key"
#define STORE_PATH_MAX 1024
#define STORE_BUSY_TIMEOUT_MS 5000

#define STORE_CACHE_MAX 16  /* statements kept prepared by store_cached() */

#define STORE_DEVICE_ID_MAX 24      /* "dev-" + 16 hex digits */

/* An enrolled device as the database knows it: what an authenticated request may act as. */
struct store_device {
	char id[STORE_DEVICE_ID_MAX + 1];
	char courier[MODEL_ID_MAX + 1];
	char office[MODEL_ID_MAX + 1];
	int64_t last_seq;
};

struct store {
	sqlite3 *db;
	uint8_t key[SEAL_KEY_LEN]; /* seals event bodies (they hold positions) */
	struct seal *seal;          /* the algorithms KEY is used with; owned */
	char err[256];               /* the last failure, for the caller to log */
	struct {
		const char *sql;         /* the literal's address is the key */
		sqlite3_stmt *st;
	} cache[STORE_CACHE_MAX];
};

/* Open (and migrate) the database in DIR into OUT: S. CREATE makes the key file when it is
 * missing. On failure S->err says why; call store_close() in every case. */
DS_WUR enum ds_err store_open(struct store *s, const char *dir, int create);

/* Close what store_open() opened. Accepts a store that failed to open. */
void store_close(struct store *s);

/* Begin an immediate (write-locking) transaction; commit; roll back. */
DS_WUR enum ds_err store_begin(struct store *s);
DS_WUR enum ds_err store_commit(struct store *s);
void store_rollback(struct store *s);

/* Run SQL (no parameters, no rows). */
DS_WUR enum ds_err store_exec(struct store *s, const char *sql);

/* Prepare SQL into OUT: *ST. Caller finalizes with sqlite3_finalize(). */
DS_WUR enum ds_err store_prepare(struct store *s, const char *sql, sqlite3_stmt **st);

/* A prepared statement for SQL, a string literal: the cache is keyed by its address, so
 * each call site prepares once (preparing for every sync batch was a measurable share of
 * the writer's time: docs/PERFORMANCE.md). OUT: *ST, reset and ready to bind; S owns it:
 * reset it after use, never finalize it. A statement past the STORE_CACHE_MAX-th is refused
 * (DS_ETOOBIG) instead of evicting one a caller may still hold. */
DS_WUR enum ds_err store_cached(struct store *s, const char *sql, sqlite3_stmt **st);

/* Run the single statement SQL (a string literal, no rows) through store_cached(). */
DS_WUR enum ds_err store_exec_cached(struct store *s, const char *sql);

/* Map an SQLite result code to the shared error, recording the message in S->err. */
enum ds_err store_fail(struct store *s, int sqlite_rc);

/* Run ST, a prepared and bound write that must change exactly one row (an insert from a
 * SELECT, an update by key), and finalize it. DS_ENOTFOUND when it changed none (the key
 * or the row it selects from does not exist), DS_EDB when more than one, else as
 * store_fail(). */
DS_WUR enum ds_err store_write_one(struct store *s, sqlite3_stmt *st);

/* Next value of the global change counter (appointments' rev). Inside a transaction. */
DS_WUR enum ds_err store_next_rev(struct store *s, int64_t *rev);

/* Current value of the change counter. */
DS_WUR enum ds_err store_current_rev(struct store *s, int64_t *rev);

/* The schema version the code migrates to. */
int store_schema_version(void);

#endif
