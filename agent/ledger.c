/* ledger.c: SQLite through prepared statements only. The outbox holds each event's canonical
 * JSON as made when the act was recorded, so a re-sent batch is byte-identical and the
 * server recognises it as a duplicate. Sequence numbers come from the meta table inside the
 * same transaction as the insert, so a crash never leaves a gap or a repeat. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "canon.h"
#include "crypto.h"
#include "wire.h"
#include "agent/journal.h"
#include "agent/ledger.h"
#include "agent/now.h"
#include "agent/sentinel.h"
#include "row.h"

#define LEDGER_SCHEMA_VERSION 1
#define LEDGER_SQL_MAX 96        /* the one PRAGMA built at run time */
#define LEDGER_CACHE_KIB "256"   /* SQLite page cache per connection, KiB */

struct ledger {
	sqlite3 *db;
	int last_rc;                         /* SQLite's code of the last failure */
	int read_only;                       /* opened read-only on a full disk */
	char err[LEDGER_META_MAX];
	char journal[LEDGER_PATH_MAX];       /* DIR/JOURNAL_FILE beside the database */
	char marker[SENTINEL_PATH_MAX];      /* this process's open marker; "" when none */
	char db_id[JOURNAL_ID_MAX + 1];      /* this database's identity (meta "db_id") */
};

static const char ledger_schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS appointment(code TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	" citizen TEXT, phone TEXT, address TEXT, lat REAL, lon REAL, window_start_ms INTEGER,"
	" window_end_ms INTEGER, due_ms INTEGER, offset_min INTEGER, service_min INTEGER,"
	" status TEXT, stop INTEGER, eta_ms INTEGER, round_version INTEGER);"
	"CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	" body TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS last_fix(id INTEGER PRIMARY KEY CHECK (id = 1), lat REAL,"
	" lon REAL, eph_m REAL, mode INTEGER, sats INTEGER, gps_time_ms INTEGER,"
	" rx_boot_ms INTEGER, rx_wall_ms INTEGER, boot_id TEXT);"
	"CREATE TABLE IF NOT EXISTS crumb(at_ms INTEGER NOT NULL, lat REAL, lon REAL);"
	"CREATE INDEX IF NOT EXISTS crumb_at ON crumb(at_ms);"
	"PRAGMA user_version = 1;";

enum ds_err ledger_fail(struct ledger *s, int rc)
{
	snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
	if ((rc & 0xff) != SQLITE_OK && (rc & 0xff) != SQLITE_DONE && (rc & 0xff) != SQLITE_ROW)
		s->last_rc = rc;
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return DS_OK;
	case SQLITE_FULL:
		return DS_EFULL;
	case SQLITE_IOERR:
		/* A full disk met outside the database file (its -shm index, say). */
		return sqlite3_system_errno(s->db) == ENOSPC ||
		       sqlite3_system_errno(s->db) == EDQUOT
		       ? DS_EFULL : DS_EDB;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DS_EBUSY;
	case SQLITE_NOMEM:
		return DS_ENOMEM;
	default:
		return DS_EDB;
	}
}

static enum ds_err ledger_exec(struct ledger *s, const char *sql)
{
	return ledger_fail(s, sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

enum ds_err ledger_prepare(struct ledger *s, const char *sql, sqlite3_stmt **st)
{
	return ledger_fail(s, sqlite3_prepare_v2(s->db, sql, -1, st, NULL));
}

enum ds_err ledger_step_done(struct ledger *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	enum ds_err e = ledger_fail(s, rc == SQLITE_DONE ? SQLITE_OK : rc);

	sqlite3_finalize(st);
	return e;
}

static enum ds_err ledger_pragmas(struct ledger *s, long max_pages)
{
	char sql[LEDGER_SQL_MAX];
	enum ds_err rc;

	sqlite3_busy_timeout(s->db, LEDGER_BUSY_MS);
	/* A small page cache: a courier's store is a few hundred rows, and the handheld's
	 * memory is better spent elsewhere. */
	if ((rc = ledger_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                        " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
	                        " PRAGMA cache_size=-" LEDGER_CACHE_KIB ";")) != DS_OK)
		return rc;
	if (max_pages > 0) {
		snprintf(sql, sizeof sql, "PRAGMA max_page_count=%ld;", max_pages);
		if ((rc = ledger_exec(s, sql)) != DS_OK)
			return rc;
	}
	return DS_OK;
}

enum ds_err ledger_begin(struct ledger *s)
{
	return ledger_exec(s, "BEGIN IMMEDIATE");
}

enum ds_err ledger_commit(struct ledger *s)
{
	return ledger_exec(s, "COMMIT");
}

enum ds_err ledger_abort(struct ledger *s, enum ds_err rc)
{
	char keep[LEDGER_META_MAX];

	snprintf(keep, sizeof keep, "%s", s->err);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	snprintf(s->err, sizeof s->err, "%s", keep);
	return rc;
}

enum ds_err ledger_int(struct ledger *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	*out = 0;
	if ((rc = ledger_prepare(s, sql, &st)) != DS_OK)
		return rc;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	rc = ledger_fail(s, r);
	sqlite3_finalize(st);
	return rc;
}

static enum ds_err ledger_version(struct ledger *s, int *version)
{
	int64_t v = 0;
	enum ds_err rc = ledger_int(s, "PRAGMA user_version", &v);

	*version = (int)v;
	return rc;
}

static void ledger_flag(struct ledger_health *h, enum ledger_state state, const char *detail)
{
	h->state = state;
	snprintf(h->detail, sizeof h->detail, "%s", detail);
}

/* Write the journal afresh from the outbox, under this database's identity (made when it
 * has none; then only made when not WRITE). Runs inside the caller's write transaction,
 * which serialises it with acts. */
static enum ds_err ledger_adopt(struct ledger *s, int write)
{
	struct ledger_out *rows = NULL;
	struct journal_event *ev = NULL;
	unsigned char raw[JOURNAL_ID_MAX / 2];
	int64_t last = 0, count = 0;
	size_t n = 0, i;
	enum ds_err rc;

	if (s->db_id[0] == '\0') {
		if ((rc = crypto_random(raw, sizeof raw)) != DS_OK)
			return rc;
		for (i = 0; i < sizeof raw; i++)
			snprintf(s->db_id + 2 * i, 3, "%02x", raw[i]);
		if ((rc = ledger_meta_set_text(s, "db_id", s->db_id)) != DS_OK || !write)
			return rc;
	}
	if ((rc = ledger_meta_int(s, "last_seq", &last)) != DS_OK ||
	    (rc = ledger_outbox_count(s, &count)) != DS_OK ||
	    (rc = ledger_outbox_peek(s, (size_t)count, &rows, &n)) != DS_OK)
		return rc;
	rc = DS_ENOMEM;
	if ((ev = calloc(n ? n : 1, sizeof *ev)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		ev[i].seq = rows[i].seq;
		snprintf(ev[i].uuid, sizeof ev[i].uuid, "%s", rows[i].uuid);
		ev[i].body = rows[i].body;
	}
	rc = journal_write(s->journal, s->db_id, last, ev, n, 0);
out:
	free(ev);
	ledger_out_free(rows, n);
	return rc;
}

/* A database without a schema: create it, unless the journal shows that this file once
 * held events (it was truncated or deleted): then H says LOST and nothing is written. */
static enum ds_err ledger_create(struct ledger *s, int flags, struct ledger_health *h)
{
	struct journal_scan sc;
	char why[LEDGER_META_MAX];
	enum ds_err rc;
	int version = 0;

	if ((rc = ledger_exec(s, "BEGIN IMMEDIATE")) != DS_OK)
		return rc;
	if ((rc = ledger_version(s, &version)) != DS_OK || version == LEDGER_SCHEMA_VERSION)
		goto done;
	if ((rc = journal_read(s->journal, &sc)) != DS_OK)
		goto done;
	if (!(flags & LEDGER_OPEN_REBUILD) && (sc.n > 0 || sc.db_id[0] != '\0')) {
		snprintf(why, sizeof why, "the database is empty, but the journal shows it held "
		         "events up to #%lld (truncated or deleted)", (long long)sc.max_seq);
		ledger_flag(h, LEDGER_LOST, why);
		journal_scan_free(&sc);
		goto done;
	}
	journal_scan_free(&sc);
	/* A rebuild writes the journal only with the restored events (ledger_restore). */
	if ((rc = ledger_exec(s, ledger_schema)) != DS_OK ||
	    (rc = ledger_adopt(s, !(flags & LEDGER_OPEN_REBUILD))) != DS_OK)
		goto done;
	return ledger_exec(s, "COMMIT");
done:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A check's complaint on one line, without SQLite's "*** in database main ***" heading. */
static void ledger_flag_check(struct ledger_health *h, const char *text)
{
	static const char heading[] = "*** in database main ***\n";
	char *p;

	if (strncmp(text, heading, sizeof heading - 1) == 0)
		text += sizeof heading - 1;
	ledger_flag(h, LEDGER_DAMAGED, text);
	for (p = h->detail; (p = strchr(p, '\n')) != NULL; )
		*p = ' ';
}

/* PRAGMA quick_check, or integrity_check when FULL; its first complaint into H. */
static enum ds_err ledger_check(struct ledger *s, int full, struct ledger_health *h)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	enum ds_err rc;
	int r;

	h->full_check = full;
	if ((rc = ledger_prepare(s, full ? "PRAGMA integrity_check(1)" : "PRAGMA quick_check(1)",
	                      &st)) != DS_OK)
		return rc;
	r = sqlite3_step(st);
	t = r == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (t != NULL && strcmp((const char *)t, "ok") != 0)
		ledger_flag_check(h, (const char *)t);
	rc = r == SQLITE_ROW ? DS_OK : ledger_fail(s, r);
	sqlite3_finalize(st);
	return rc;
}

/* Does the journal belong to this database, and does the database hold its events? More
 * than one journal event beyond the database's last seq means events were lost (an older
 * copy of the file was put back); one is the trace of a crash between the journal's append
 * and the database's commit, which the next act overwrites. */
static enum ds_err ledger_identity(struct ledger *s, struct ledger_health *h)
{
	struct journal_scan sc;
	int64_t last = 0;
	size_t beyond = 0, i;
	enum ds_err rc;

	if ((rc = ledger_meta_text(s, "db_id", s->db_id, sizeof s->db_id)) != DS_OK ||
	    (rc = ledger_meta_int(s, "last_seq", &last)) != DS_OK ||
	    (rc = journal_read(s->journal, &sc)) != DS_OK)
		return rc;
	for (i = 0; i < sc.n; i++)
		beyond += sc.ev[i].seq > last;
	/* A journal without a header was made by an append after the file was deleted: it is
	 * written afresh below, like a missing one. */
	if (sc.db_id[0] != '\0' && s->db_id[0] != '\0' && strcmp(sc.db_id, s->db_id) != 0)
		ledger_flag(h, LEDGER_LOST, "the journal belongs to another database (the file "
		            "was replaced)");
	else if (beyond > 1)
		ledger_flag(h, LEDGER_LOST, "the journal holds events the database lost (an older "
		            "copy of the file?)");
	journal_scan_free(&sc);
	if (h->state != LEDGER_SOUND || (sc.db_id[0] != '\0' && s->db_id[0] != '\0') ||
	    s->read_only)
		return DS_OK;
	/* A store made before the journal existed, or a journal deleted: make it now. */
	if ((rc = ledger_exec(s, "BEGIN IMMEDIATE")) != DS_OK)
		return rc;
	if ((rc = ledger_adopt(s, 1)) != DS_OK)
		return ledger_abort(s, rc);
	return ledger_exec(s, "COMMIT");
}

static int ledger_damage_rc(int rc)
{
	return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/* Journal and marker paths beside the database at PATH. */
static void ledger_paths(struct ledger *s, const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, LEDGER_PATH_MAX, ".");
	else
		snprintf(dir, LEDGER_PATH_MAX, "%.*s", (int)(slash - path), path);
	snprintf(s->journal, sizeof s->journal, "%s/%s", dir, JOURNAL_FILE);
}

/* Read-only on a full disk: in exclusive locking mode SQLite keeps the WAL index in memory,
 * where a normal open must size the -shm file and fails. Exclusive for as long as S is
 * open, which `status` keeps short. */
static enum ds_err ledger_open_read(struct ledger *s, const char *path, int *version)
{
	enum ds_err rc;

	sqlite3_close(s->db);
	s->db = NULL;
	s->read_only = 1;
	/* Not SQLITE_OPEN_READONLY: a read-only connection insists on the -shm file. */
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = s->db != NULL ? ledger_fail(s, sqlite3_errcode(s->db)) : DS_ENOMEM;
		return rc == DS_OK ? DS_EDB : rc;
	}
	sqlite3_busy_timeout(s->db, LEDGER_BUSY_MS);
	if ((rc = ledger_exec(s, "PRAGMA locking_mode=EXCLUSIVE; PRAGMA query_only=1")) != DS_OK ||
	    (rc = ledger_version(s, version)) != DS_OK)
		return rc;
	return *version == LEDGER_SCHEMA_VERSION ? DS_OK : DS_EFULL;
}

/* Open, migrate and check; a damaged or lost state goes into H with rc DS_OK. */
static enum ds_err ledger_open_db(struct ledger *s, const char *path, long max_pages,
                                  int flags, struct ledger_health *h)
{
	enum ds_err rc;
	int version = 0;

	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = s->db != NULL ? ledger_fail(s, sqlite3_errcode(s->db)) : DS_ENOMEM;
		return rc == DS_OK ? DS_EDB : rc;
	}
	rc = ledger_pragmas(s, max_pages);
	if (rc == DS_OK)
		rc = ledger_version(s, &version);
	if (rc == DS_EFULL && (flags & LEDGER_OPEN_READ_ON_FULL))
		rc = ledger_open_read(s, path, &version);
	if (rc != DS_OK)
		return rc;
	if (version != LEDGER_SCHEMA_VERSION)
		return ledger_create(s, flags, h);
	if ((rc = ledger_check(s, h->unclean || (flags & LEDGER_OPEN_FULL_CHECK), h)) != DS_OK ||
	    h->state != LEDGER_SOUND)
		return rc;
	return ledger_identity(s, h);
}

int ledger_read_only(const struct ledger *s)
{
	return s->read_only;
}

enum ds_err ledger_open_checked(const char *path, long max_pages, int flags, struct ledger **out,
                                struct ledger_health *h, char *err)
{
	char dir[LEDGER_PATH_MAX], boot_id[NOW_BOOT_ID_MAX + 1];
	struct ledger *s = calloc(1, sizeof *s);
	enum ds_err rc = DS_ENOMEM;

	*out = NULL;
	memset(h, 0, sizeof *h);
	if (s == NULL)
		goto fail;
	ledger_paths(s, path, dir);
	now_boot_id(boot_id);
	sentinel_enter(dir, boot_id, &h->unclean, s->marker);
	rc = ledger_open_db(s, path, max_pages, flags, h);
	if (rc != DS_OK && ledger_damage_rc(s->last_rc)) {
		ledger_flag(h, LEDGER_DAMAGED, s->err);
		rc = DS_OK;
	}
	if (rc != DS_OK || h->state != LEDGER_SOUND)
		goto fail;
	*out = s;
	return DS_OK;
fail:
	snprintf(err, LEDGER_META_MAX, "%s", h->state != LEDGER_SOUND ? h->detail
	         : s != NULL && s->err[0] ? s->err : ds_strerror(rc));
	ledger_close(s);
	return rc;
}

enum ds_err ledger_open(const char *path, long max_pages, struct ledger **out, char *err)
{
	struct ledger_health h;
	enum ds_err rc = ledger_open_checked(path, max_pages, 0, out, &h, err);

	return rc == DS_OK && h.state != LEDGER_SOUND ? DS_EDB : rc;
}

enum ds_err ledger_lean(struct ledger *s, long cache_kib, long heap_kib)
{
	char sql[LEDGER_SQL_MAX];

	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%ld;", cache_kib);
	sqlite3_soft_heap_limit64((sqlite3_int64)heap_kib * 1024);
	return ledger_exec(s, sql);
}

void ledger_close(struct ledger *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	sentinel_leave(s->marker);
	free(s);
}

const char *ledger_errmsg(const struct ledger *s)
{
	return s->err;
}

/* ---- meta ---- */

enum ds_err ledger_meta_int(struct ledger *s, const char *key, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	*v = 0;
	if ((rc = ledger_prepare(s, "SELECT value FROM meta WHERE key = ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	rc = ledger_fail(s, r);
	sqlite3_finalize(st);
	return rc;
}

enum ds_err ledger_meta_set_int(struct ledger *s, const char *key, int64_t v)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prepare(s, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
	                         &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	return ledger_step_done(s, st);
}

enum ds_err ledger_meta_text(struct ledger *s, const char *key, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	out[0] = '\0';
	if ((rc = ledger_prepare(s, "SELECT value FROM meta WHERE key = ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	rc = ledger_fail(s, r);
	sqlite3_finalize(st);
	return rc;
}

enum ds_err ledger_meta_set_text(struct ledger *s, const char *key, const char *v)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prepare(s, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
	                         &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
	return ledger_step_done(s, st);
}

/* ---- events ---- */

static enum ds_err ledger_status_set(struct ledger *s, const char *code, const char *status)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prepare(s, "UPDATE appointment SET status = ? WHERE code = ?",
	                         &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	return ledger_step_done(s, st);
}

static enum ds_err ledger_outbox_insert(struct ledger *s, const struct model_event *e,
                                       const char *body)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prepare(s, "INSERT INTO outbox(seq, uuid, body) VALUES (?, ?, ?)",
	                         &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, e->seq);
	sqlite3_bind_text(st, 2, e->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	return ledger_step_done(s, st);
}

enum ds_err ledger_event_add(struct ledger *s, struct model_event *e, const char *status,
                            const struct stamp_fix *fix)
{
	char *body = NULL;
	int64_t last = 0;
	off_t undo_at = -1;
	enum ds_err rc;

	if ((rc = ledger_exec(s, "BEGIN IMMEDIATE")) != DS_OK)
		return rc;
	if ((rc = ledger_meta_int(s, "last_seq", &last)) != DS_OK)
		goto fail;
	e->seq = last + 1;
	rc = DS_ENOMEM;
	if ((body = canon_event(e)) == NULL)
		goto fail;
	if ((rc = ledger_outbox_insert(s, e, body)) != DS_OK ||
	    (rc = ledger_meta_set_int(s, "last_seq", e->seq)) != DS_OK ||
	    (status != NULL && (rc = ledger_status_set(s, e->appointment, status)) != DS_OK) ||
	    (fix != NULL && (rc = ledger_fix_put(s, fix)) != DS_OK))
		goto fail;
	/* The journal's copy is on disk before the database commits: an act the courier was
	 * told is recorded is always in both. */
	if ((rc = journal_append(s->journal, e->seq, e->uuid, body, &undo_at)) != DS_OK) {
		snprintf(s->err, sizeof s->err, "journal %s: %s", s->journal, ds_strerror(rc));
		goto fail;
	}
	if ((rc = ledger_exec(s, "COMMIT")) != DS_OK)
		goto fail;
	free(body);
	return DS_OK;
fail:
	if (undo_at >= 0 && journal_undo(s->journal, undo_at) != DS_OK)
		undo_at = -1; /* the next act's record of this seq replaces it (journal.c) */
	free(body);
	e->seq = 0;
	return ledger_abort(s, rc);
}

enum ds_err ledger_outbox_count(struct ledger *s, int64_t *n)
{
	return ledger_int(s, "SELECT count(*) FROM outbox", n);
}

void ledger_out_free(struct ledger_out *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].body);
	free(rows);
}

static enum ds_err ledger_out_row(sqlite3_stmt *st, struct ledger_out *r)
{
	const char *body = (const char *)sqlite3_column_text(st, 2);

	r->seq = sqlite3_column_int64(st, 0);
	snprintf(r->uuid, sizeof r->uuid, "%s", (const char *)sqlite3_column_text(st, 1));
	r->body = body != NULL ? strdup(body) : NULL;
	return r->body != NULL ? DS_OK : DS_ENOMEM;
}

enum ds_err ledger_outbox_peek(struct ledger *s, size_t max, struct ledger_out **rows, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct ledger_out *out = calloc(max > 0 ? max : 1, sizeof *out);
	enum ds_err rc = DS_ENOMEM;
	size_t k = 0;
	int r = SQLITE_DONE;

	*rows = NULL;
	*n = 0;
	if (out == NULL)
		goto fail;
	if ((rc = ledger_prepare(s, "SELECT seq, uuid, body FROM outbox ORDER BY seq LIMIT ?",
	                         &st)) != DS_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while (k < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = ledger_out_row(st, &out[k])) != DS_OK)
			goto fail;
		k++;
	}
	if (k < max && (rc = ledger_fail(s, r)) != DS_OK)
		goto fail;
	sqlite3_finalize(st);
	*rows = out;
	*n = k;
	return DS_OK;
fail:
	sqlite3_finalize(st);
	ledger_out_free(out, k + (k < max ? 1 : 0));
	return rc;
}

/* ---- appointments and sync ---- */

static void ledger_bind_time(sqlite3_stmt *st, int i, int64_t ms)
{
	if (ms != 0)
		sqlite3_bind_int64(st, i, ms);
	else
		sqlite3_bind_null(st, i);
}

static enum ds_err ledger_appt_put(struct ledger *s, const struct model_appointment *a)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if (a->removed) {
		if ((rc = ledger_prepare(s, "DELETE FROM appointment WHERE code = ?",
		                         &st)) != DS_OK)
			return rc;
		sqlite3_bind_text(st, 1, a->code, -1, SQLITE_STATIC);
		return ledger_step_done(s, st);
	}
	if ((rc = ledger_prepare(s, "INSERT OR REPLACE INTO appointment(code, kind, citizen, phone,"
	                        " address, lat, lon, window_start_ms, window_end_ms, due_ms,"
	                        " offset_min, service_min, status, stop, eta_ms, round_version)"
	                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model_kind_name(a->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->citizen, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->address, -1, SQLITE_STATIC);
	row_bind_real(st, 6, a->lat);
	row_bind_real(st, 7, a->lon);
	ledger_bind_time(st, 8, a->window_start_ms);
	ledger_bind_time(st, 9, a->window_end_ms);
	ledger_bind_time(st, 10, a->due_ms);
	sqlite3_bind_int(st, 11, a->offset_min);
	sqlite3_bind_int(st, 12, a->service_min);
	sqlite3_bind_text(st, 13, a->status[0] ? a->status : "booked", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, a->stop);
	ledger_bind_time(st, 15, a->eta_ms);
	sqlite3_bind_int64(st, 16, a->round_version);
	return ledger_step_done(s, st);
}

static enum ds_err ledger_outbox_delete(struct ledger *s, int64_t first, int64_t last)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prepare(s, "DELETE FROM outbox WHERE seq BETWEEN ? AND ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	return ledger_step_done(s, st);
}

enum ds_err ledger_sync_apply(struct ledger *s, int64_t first, int64_t last, int64_t cursor,
                             const struct model_appointment *a, size_t na, int64_t now_ms)
{
	int64_t seq = 0;
	enum ds_err rc;
	size_t i;

	if ((rc = ledger_exec(s, "BEGIN IMMEDIATE")) != DS_OK)
		return rc;
	if (last >= first && (rc = ledger_outbox_delete(s, first, last)) != DS_OK)
		goto fail;
	for (i = 0; i < na; i++)
		if ((rc = ledger_appt_put(s, &a[i])) != DS_OK)
			goto fail;
	if ((rc = ledger_meta_set_int(s, "cursor", cursor)) != DS_OK ||
	    (rc = ledger_meta_set_int(s, "last_sync_ms", now_ms)) != DS_OK ||
	    (rc = ledger_meta_set_text(s, "last_error", "")) != DS_OK ||
	    (rc = ledger_meta_int(s, "last_seq", &seq)) != DS_OK)
		goto fail;
	/* Under the write lock, so no act appends meanwhile. The server holds the acked
	 * events, so dropping them from the journal is right even if the commit then fails;
	 * a trim that fails leaves them there, and a rebuild re-sends them as duplicates. */
	if (last >= first && journal_trim(s->journal, last, seq) != DS_OK)
		snprintf(s->err, sizeof s->err, "the journal was not trimmed");
	if ((rc = ledger_exec(s, "COMMIT")) != DS_OK)
		goto fail;
	return DS_OK;
fail:
	return ledger_abort(s, rc);
}

#define LEDGER_APPT_COLS ROW_APPOINTMENT_COLUMNS("stop")

enum ds_err ledger_appt_get(struct ledger *s, const char *code, struct model_appointment *a)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	if ((rc = ledger_prepare(s, "SELECT " LEDGER_APPT_COLS " FROM appointment WHERE code = ?",
	                     &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		row_appointment(st, 0, a);
	rc = r == SQLITE_ROW ? DS_OK : r == SQLITE_DONE ? DS_ENOTFOUND : ledger_fail(s, r);
	sqlite3_finalize(st);
	return rc;
}

enum ds_err ledger_appt_list(struct ledger *s, struct model_appointment **list, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct model_appointment *out = NULL, *grown;
	size_t k = 0, cap = 0;
	enum ds_err rc;
	int r;

	*list = NULL;
	*n = 0;
	if ((rc = ledger_prepare(s, "SELECT " LEDGER_APPT_COLS " FROM appointment"
	                         " ORDER BY stop = 0, stop, window_start_ms, code", &st)) != DS_OK)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			rc = DS_ENOMEM;
			if ((grown = realloc(out, cap * sizeof *out)) == NULL)
				goto fail;
			out = grown;
		}
		row_appointment(st, 0, &out[k++]);
	}
	if ((rc = ledger_fail(s, r)) != DS_OK)
		goto fail;
	sqlite3_finalize(st);
	*list = out;
	*n = k;
	return DS_OK;
fail:
	sqlite3_finalize(st);
	free(out);
	return rc;
}

enum ds_err ledger_journal_rewrite(struct ledger *s)
{
	return ledger_adopt(s, 1);
}

void ledger_say(struct ledger *s, const char *msg)
{
	snprintf(s->err, sizeof s->err, "%s", msg);
}

/* ---- the last fix ---- */

enum ds_err ledger_fix_get(struct ledger *s, struct stamp_fix *f)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	memset(f, 0, sizeof *f);
	f->lat = f->lon = f->eph_m = NAN;
	f->sats_used = -1;
	if ((rc = ledger_prepare(s, "SELECT lat, lon, eph_m, mode, sats, gps_time_ms, rx_boot_ms,"
	                        " rx_wall_ms, boot_id FROM last_fix WHERE id = 1", &st)) != DS_OK)
		return rc;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		f->valid = 1;
		f->lat = row_real(st, 0);
		f->lon = row_real(st, 1);
		f->eph_m = row_real(st, 2);
		f->mode = sqlite3_column_int(st, 3);
		f->sats_used = sqlite3_column_int(st, 4);
		f->gps_time_ms = sqlite3_column_int64(st, 5);
		f->rx_mono_ms = sqlite3_column_int64(st, 6);
		f->rx_wall_ms = sqlite3_column_int64(st, 7);
		row_text(st, 8, f->boot_id, sizeof f->boot_id);
	}
	rc = ledger_fail(s, r);
	sqlite3_finalize(st);
	return rc;
}

enum ds_err ledger_fix_put(struct ledger *s, const struct stamp_fix *f)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if (!f->valid)
		return DS_OK;
	if ((rc = ledger_prepare(s, "INSERT OR REPLACE INTO last_fix(id, lat, lon, eph_m, mode,"
	                         " sats, gps_time_ms, rx_boot_ms, rx_wall_ms, boot_id)"
	                         " VALUES (1,?,?,?,?,?,?,?,?,?)", &st)) != DS_OK)
		return rc;
	row_bind_real(st, 1, f->lat);
	row_bind_real(st, 2, f->lon);
	row_bind_real(st, 3, f->eph_m);
	sqlite3_bind_int(st, 4, f->mode);
	sqlite3_bind_int(st, 5, f->sats_used);
	sqlite3_bind_int64(st, 6, f->gps_time_ms);
	sqlite3_bind_int64(st, 7, f->rx_mono_ms);
	sqlite3_bind_int64(st, 8, f->rx_wall_ms);
	sqlite3_bind_text(st, 9, f->boot_id, -1, SQLITE_STATIC);
	return ledger_step_done(s, st);
}
