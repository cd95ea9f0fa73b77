/* ledger.c: SQLite through prepared statements only. The outbox holds each event's canonical
 * JSON as made when the act was recorded, so a re-sent batch is byte-identical and the
 * server recognises it as a duplicate. Sequence numbers come from the meta table inside the
 * same transaction as the insert, so a crash never leaves a gap or a repeat. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "canon.h"
#include "wire.h"
#include "agent/ledger.h"

#define LEDGER_SCHEMA_VERSION 1
#define LEDGER_SQL_MAX 96        /* the one PRAGMA built at run time */
#define LEDGER_KIND_MAX 16       /* "collect" or "deliver" */
#define LEDGER_CACHE_KIB "256"   /* SQLite page cache per connection, KiB */

struct ledger {
	sqlite3 *db;
	char err[LEDGER_META_MAX];
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

static enum ds_err ledger_rc(struct ledger *s, int rc)
{
	snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return DS_OK;
	case SQLITE_FULL:
		return DS_EFULL;
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
	return ledger_rc(s, sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

/* Prepare SQL into OUT: *ST; the caller finalizes. */
static enum ds_err ledger_prep(struct ledger *s, const char *sql, sqlite3_stmt **st)
{
	return ledger_rc(s, sqlite3_prepare_v2(s->db, sql, -1, st, NULL));
}

/* Step a write statement to completion and finalize it. */
static enum ds_err ledger_step_done(struct ledger *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	enum ds_err e = ledger_rc(s, rc == SQLITE_DONE ? SQLITE_OK : rc);

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

static enum ds_err ledger_migrate(struct ledger *s)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int version = 0;

	if ((rc = ledger_prep(s, "PRAGMA user_version", &st)) != DS_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version == LEDGER_SCHEMA_VERSION)
		return DS_OK;
	if ((rc = ledger_exec(s, "BEGIN IMMEDIATE")) != DS_OK)
		return rc;
	if ((rc = ledger_exec(s, ledger_schema)) != DS_OK || (rc = ledger_exec(s, "COMMIT")) != DS_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return DS_OK;
}

enum ds_err ledger_open(const char *path, long max_pages, struct ledger **out, char *err)
{
	struct ledger *s = calloc(1, sizeof *s);
	enum ds_err rc = DS_ENOMEM;

	*out = NULL;
	if (s == NULL)
		goto fail;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = s->db != NULL ? ledger_rc(s, sqlite3_errcode(s->db)) : DS_ENOMEM;
		if (rc == DS_OK)
			rc = DS_EDB;
		goto fail;
	}
	if ((rc = ledger_pragmas(s, max_pages)) != DS_OK || (rc = ledger_migrate(s)) != DS_OK)
		goto fail;
	*out = s;
	return DS_OK;
fail:
	snprintf(err, LEDGER_META_MAX, "%s", s != NULL && s->err[0] ? s->err : ds_strerror(rc));
	ledger_close(s);
	return rc;
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
	free(s);
}

const char *ledger_errmsg(const struct ledger *s)
{
	return s->err;
}

static enum ds_err ledger_rollback(struct ledger *s, enum ds_err rc)
{
	char keep[LEDGER_META_MAX];

	snprintf(keep, sizeof keep, "%s", s->err);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	snprintf(s->err, sizeof s->err, "%s", keep);
	return rc;
}

/* ---- meta ---- */

enum ds_err ledger_meta_int(struct ledger *s, const char *key, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	*v = 0;
	if ((rc = ledger_prep(s, "SELECT value FROM meta WHERE key = ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	rc = ledger_rc(s, r);
	sqlite3_finalize(st);
	return rc;
}

enum ds_err ledger_meta_set_int(struct ledger *s, const char *key, int64_t v)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prep(s, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &st)) != DS_OK)
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
	if ((rc = ledger_prep(s, "SELECT value FROM meta WHERE key = ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	rc = ledger_rc(s, r);
	sqlite3_finalize(st);
	return rc;
}

enum ds_err ledger_meta_set_text(struct ledger *s, const char *key, const char *v)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prep(s, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &st)) != DS_OK)
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

	if ((rc = ledger_prep(s, "UPDATE appointment SET status = ? WHERE code = ?", &st)) != DS_OK)
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

	if ((rc = ledger_prep(s, "INSERT INTO outbox(seq, uuid, body) VALUES (?, ?, ?)", &st)) != DS_OK)
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
	    (fix != NULL && (rc = ledger_fix_put(s, fix)) != DS_OK) ||
	    (rc = ledger_exec(s, "COMMIT")) != DS_OK)
		goto fail;
	free(body);
	return DS_OK;
fail:
	free(body);
	e->seq = 0;
	return ledger_rollback(s, rc);
}

enum ds_err ledger_outbox_count(struct ledger *s, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	*n = 0;
	if ((rc = ledger_prep(s, "SELECT count(*) FROM outbox", &st)) != DS_OK)
		return rc;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	rc = ledger_rc(s, r);
	sqlite3_finalize(st);
	return rc;
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
	if ((rc = ledger_prep(s, "SELECT seq, uuid, body FROM outbox ORDER BY seq LIMIT ?", &st)) != DS_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while (k < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = ledger_out_row(st, &out[k])) != DS_OK)
			goto fail;
		k++;
	}
	if (k < max && (rc = ledger_rc(s, r)) != DS_OK)
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

static void ledger_bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static enum ds_err ledger_appt_put(struct ledger *s, const struct model_appointment *a)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if (a->removed) {
		if ((rc = ledger_prep(s, "DELETE FROM appointment WHERE code = ?", &st)) != DS_OK)
			return rc;
		sqlite3_bind_text(st, 1, a->code, -1, SQLITE_STATIC);
		return ledger_step_done(s, st);
	}
	if ((rc = ledger_prep(s, "INSERT OR REPLACE INTO appointment(code, kind, citizen, phone,"
	                        " address, lat, lon, window_start_ms, window_end_ms, due_ms,"
	                        " offset_min, service_min, status, stop, eta_ms, round_version)"
	                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model_kind_name(a->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->citizen, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->address, -1, SQLITE_STATIC);
	ledger_bind_real(st, 6, a->lat);
	ledger_bind_real(st, 7, a->lon);
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

	if ((rc = ledger_prep(s, "DELETE FROM outbox WHERE seq BETWEEN ? AND ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	return ledger_step_done(s, st);
}

enum ds_err ledger_sync_apply(struct ledger *s, int64_t first, int64_t last, int64_t cursor,
                             const struct model_appointment *a, size_t na, int64_t now_ms)
{
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
	    (rc = ledger_exec(s, "COMMIT")) != DS_OK)
		goto fail;
	return DS_OK;
fail:
	return ledger_rollback(s, rc);
}

enum ds_err ledger_seq_raise(struct ledger *s, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	/* One statement, so an act recording at the same moment sees either counter. */
	if ((rc = ledger_prep(s, "INSERT INTO meta(key, value) VALUES ('last_seq', ?)"
	                      " ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
	                      &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	return ledger_step_done(s, st);
}

/* Give the outbox row UUID the number SEQ, its canonical text BODY re-encoded to match. */
static enum ds_err ledger_renumber_row(struct ledger *s, const char *uuid, const char *body,
                                      int64_t seq)
{
	char err[WIRE_ERR_MAX];
	struct model_event e;
	json_t *j = json_loads(body, 0, NULL);
	sqlite3_stmt *st = NULL;
	char *text = NULL;
	enum ds_err rc = DS_EINVAL;

	if (j == NULL || wire_event_decode(j, &e, err) != DS_OK) {
		snprintf(s->err, sizeof s->err, "outbox event %s cannot be read back", uuid);
		goto out;
	}
	e.seq = seq;
	rc = DS_ENOMEM;
	if ((text = canon_event(&e)) == NULL)
		goto out;
	rc = ledger_prep(s, "UPDATE outbox SET seq = ?, body = ? WHERE uuid = ?", &st);
	if (rc != DS_OK)
		goto out;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, uuid, -1, SQLITE_STATIC);
	rc = ledger_step_done(s, st);
out:
	json_decref(j);
	free(text);
	return rc;
}

enum ds_err ledger_outbox_renumber(struct ledger *s, int64_t after, int64_t oldest,
                                  int64_t *moved)
{
	struct ledger_out *rows = NULL;
	int64_t count = 0;
	size_t n = 0, i;
	enum ds_err rc;

	*moved = 0;
	if ((rc = ledger_exec(s, "BEGIN IMMEDIATE")) != DS_OK)
		return rc;
	if ((rc = ledger_outbox_count(s, &count)) != DS_OK ||
	    (rc = ledger_outbox_peek(s, (size_t)count, &rows, &n)) != DS_OK)
		goto fail;
	if (n == 0 || rows[0].seq != oldest) {
		ledger_out_free(rows, n);
		return ledger_rollback(s, DS_OK); /* already renumbered or sent by another process */
	}
	/* Negative numbers first, so no new number meets an old one on the primary key. */
	if ((rc = ledger_exec(s, "UPDATE outbox SET seq = -seq")) != DS_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if ((rc = ledger_renumber_row(s, rows[i].uuid, rows[i].body,
		                              after + 1 + (int64_t)i)) != DS_OK)
			goto fail;
	if ((rc = ledger_seq_raise(s, after + (int64_t)n)) != DS_OK ||
	    (rc = ledger_exec(s, "COMMIT")) != DS_OK)
		goto fail;
	ledger_out_free(rows, n);
	*moved = (int64_t)n;
	return DS_OK;
fail:
	ledger_out_free(rows, n);
	return ledger_rollback(s, rc);
}

static double ledger_col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static void ledger_col_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

#define LEDGER_APPT_COLS "code, kind, citizen, phone, address, lat, lon, window_start_ms," \
	" window_end_ms, due_ms, offset_min, service_min, status, stop, eta_ms, round_version"

static void ledger_appt_row(sqlite3_stmt *st, struct model_appointment *a)
{
	char kind[LEDGER_KIND_MAX];

	memset(a, 0, sizeof *a);
	ledger_col_text(st, 0, a->code, sizeof a->code);
	ledger_col_text(st, 1, kind, sizeof kind);
	if (model_kind_parse(kind, &a->kind) != DS_OK)
		a->kind = MODEL_KIND_DELIVER;
	ledger_col_text(st, 2, a->citizen, sizeof a->citizen);
	ledger_col_text(st, 3, a->phone, sizeof a->phone);
	ledger_col_text(st, 4, a->address, sizeof a->address);
	a->lat = ledger_col_real(st, 5);
	a->lon = ledger_col_real(st, 6);
	a->window_start_ms = sqlite3_column_int64(st, 7);
	a->window_end_ms = sqlite3_column_int64(st, 8);
	a->due_ms = sqlite3_column_int64(st, 9);
	a->offset_min = sqlite3_column_int(st, 10);
	a->service_min = sqlite3_column_int(st, 11);
	ledger_col_text(st, 12, a->status, sizeof a->status);
	a->stop = sqlite3_column_int(st, 13);
	a->eta_ms = sqlite3_column_int64(st, 14);
	a->round_version = sqlite3_column_int64(st, 15);
}

enum ds_err ledger_appt_get(struct ledger *s, const char *code, struct model_appointment *a)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	if ((rc = ledger_prep(s, "SELECT " LEDGER_APPT_COLS " FROM appointment WHERE code = ?",
	                     &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		ledger_appt_row(st, a);
	rc = r == SQLITE_ROW ? DS_OK : r == SQLITE_DONE ? DS_ENOTFOUND : ledger_rc(s, r);
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
	if ((rc = ledger_prep(s, "SELECT " LEDGER_APPT_COLS " FROM appointment ORDER BY stop = 0,"
	                        " stop, window_start_ms, code", &st)) != DS_OK)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			rc = DS_ENOMEM;
			if ((grown = realloc(out, cap * sizeof *out)) == NULL)
				goto fail;
			out = grown;
		}
		ledger_appt_row(st, &out[k++]);
	}
	if ((rc = ledger_rc(s, r)) != DS_OK)
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

/* ---- last fix and breadcrumbs ---- */

enum ds_err ledger_fix_get(struct ledger *s, struct stamp_fix *f)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	memset(f, 0, sizeof *f);
	f->lat = f->lon = f->eph_m = NAN;
	f->sats_used = -1;
	if ((rc = ledger_prep(s, "SELECT lat, lon, eph_m, mode, sats, gps_time_ms, rx_boot_ms,"
	                        " rx_wall_ms, boot_id FROM last_fix WHERE id = 1", &st)) != DS_OK)
		return rc;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		f->valid = 1;
		f->lat = ledger_col_real(st, 0);
		f->lon = ledger_col_real(st, 1);
		f->eph_m = ledger_col_real(st, 2);
		f->mode = sqlite3_column_int(st, 3);
		f->sats_used = sqlite3_column_int(st, 4);
		f->gps_time_ms = sqlite3_column_int64(st, 5);
		f->rx_mono_ms = sqlite3_column_int64(st, 6);
		f->rx_wall_ms = sqlite3_column_int64(st, 7);
		ledger_col_text(st, 8, f->boot_id, sizeof f->boot_id);
	}
	rc = ledger_rc(s, r);
	sqlite3_finalize(st);
	return rc;
}

enum ds_err ledger_fix_put(struct ledger *s, const struct stamp_fix *f)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if (!f->valid)
		return DS_OK;
	if ((rc = ledger_prep(s, "INSERT OR REPLACE INTO last_fix(id, lat, lon, eph_m, mode, sats,"
	                        " gps_time_ms, rx_boot_ms, rx_wall_ms, boot_id)"
	                        " VALUES (1,?,?,?,?,?,?,?,?,?)", &st)) != DS_OK)
		return rc;
	ledger_bind_real(st, 1, f->lat);
	ledger_bind_real(st, 2, f->lon);
	ledger_bind_real(st, 3, f->eph_m);
	sqlite3_bind_int(st, 4, f->mode);
	sqlite3_bind_int(st, 5, f->sats_used);
	sqlite3_bind_int64(st, 6, f->gps_time_ms);
	sqlite3_bind_int64(st, 7, f->rx_mono_ms);
	sqlite3_bind_int64(st, 8, f->rx_wall_ms);
	sqlite3_bind_text(st, 9, f->boot_id, -1, SQLITE_STATIC);
	return ledger_step_done(s, st);
}

static enum ds_err ledger_crumb_delete(struct ledger *s, int64_t before_ms)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prep(s, "DELETE FROM crumb WHERE at_ms < ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, before_ms);
	return ledger_step_done(s, st);
}

enum ds_err ledger_crumb_add(struct ledger *s, int64_t at_ms, double lat, double lon,
                            int64_t before_ms)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_exec(s, "BEGIN IMMEDIATE")) != DS_OK)
		return rc;
	if ((rc = ledger_crumb_delete(s, before_ms)) != DS_OK ||
	    (rc = ledger_prep(s, "INSERT INTO crumb(at_ms, lat, lon) VALUES (?,?,?)", &st)) != DS_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, at_ms);
	ledger_bind_real(st, 2, lat);
	ledger_bind_real(st, 3, lon);
	if ((rc = ledger_step_done(s, st)) != DS_OK || (rc = ledger_exec(s, "COMMIT")) != DS_OK)
		goto fail;
	return DS_OK;
fail:
	return ledger_rollback(s, rc);
}

enum ds_err ledger_crumb_purge(struct ledger *s, int64_t before_ms, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int r;

	*n = 0;
	if ((rc = ledger_crumb_delete(s, before_ms)) != DS_OK)
		return rc;
	if ((rc = ledger_prep(s, "SELECT count(*) FROM crumb", &st)) != DS_OK)
		return rc;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	rc = ledger_rc(s, r);
	sqlite3_finalize(st);
	return rc;
}
