/* store.c: opens the database with the settings every connection needs (WAL, FULL sync so an
 * acknowledged commit survives a crash or power cut, foreign keys, busy timeout), and brings
 * the schema up to date with numbered migrations recorded in PRAGMA user_version. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/db/store.h"

/* Migration N takes the schema from version N to N+1. Never edit a released one: add one. */
static const char *const store_migrations[] = {
	/* 0 -> 1: the first schema (docs/STORAGE.md). */
	"CREATE TABLE offices("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,"
	" detour REAL NOT NULL DEFAULT 1.4, speed_kmh REAL NOT NULL DEFAULT 22,"
	" matrix_path TEXT);"
	"CREATE TABLE couriers("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, office_id TEXT NOT NULL REFERENCES offices(id),"
	" shift_start_min INTEGER NOT NULL DEFAULT 450,"
	" shift_end_min INTEGER NOT NULL DEFAULT 1050);"
	"CREATE TABLE enroll_codes("
	" code_hash BLOB PRIMARY KEY, courier_id TEXT NOT NULL REFERENCES couriers(id),"
	" created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER);"
	"CREATE TABLE devices("
	" id TEXT PRIMARY KEY, courier_id TEXT NOT NULL REFERENCES couriers(id),"
	" secret_hash BLOB NOT NULL, name TEXT, pubkey TEXT, created_ms INTEGER NOT NULL,"
	" revoked_ms INTEGER, last_seq INTEGER NOT NULL DEFAULT 0, last_seen_ms INTEGER);"
	"CREATE TABLE appointments("
	" code TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('collect','deliver')),"
	" citizen TEXT NOT NULL, phone TEXT NOT NULL, address TEXT NOT NULL,"
	" lat REAL NOT NULL, lon REAL NOT NULL,"
	" window_start_ms INTEGER NOT NULL, window_end_ms INTEGER NOT NULL,"
	" offset_min INTEGER NOT NULL, service_min INTEGER NOT NULL,"
	" office_id TEXT NOT NULL REFERENCES offices(id), due_ms INTEGER NOT NULL,"
	" courier_id TEXT REFERENCES couriers(id), priority INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL DEFAULT 'booked', done_ms INTEGER, fail_reason TEXT,"
	" stop_no INTEGER, eta_ms INTEGER, round_version INTEGER,"
	" rev INTEGER NOT NULL, imported_ms INTEGER NOT NULL);"
	"CREATE INDEX appointments_courier_rev ON appointments(courier_id, rev);"
	"CREATE INDEX appointments_office ON appointments(office_id, window_start_ms);"
	"CREATE TABLE appointment_moves("
	" courier_id TEXT NOT NULL, code TEXT NOT NULL, rev INTEGER NOT NULL,"
	" PRIMARY KEY (courier_id, code));"
	"CREATE TABLE events("
	" id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL,"
	" seq INTEGER NOT NULL, courier_id TEXT NOT NULL, appointment TEXT NOT NULL,"
	" type TEXT NOT NULL, reason TEXT, recorded_ms INTEGER NOT NULL,"
	" received_ms INTEGER NOT NULL, content_hash BLOB NOT NULL, body BLOB NOT NULL,"
	" server_flags INTEGER NOT NULL DEFAULT 0, UNIQUE (device_id, seq));"
	"CREATE INDEX events_appointment ON events(appointment, recorded_ms);"
	"CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO counters VALUES ('rev', 0);"
	"CREATE TABLE rounds("
	" office_id TEXT NOT NULL REFERENCES offices(id), day TEXT NOT NULL,"
	" version INTEGER NOT NULL, created_ms INTEGER NOT NULL, summary TEXT NOT NULL,"
	" PRIMARY KEY (office_id, day, version));",
	/* 1 -> 2: the courier a dispatcher pinned an appointment to in the import; the
	 * planner keeps it there (courier_id is the current assignment, which plans move). */
	"ALTER TABLE appointments ADD COLUMN pinned_courier TEXT REFERENCES couriers(id);"
	"UPDATE appointments SET pinned_courier = courier_id WHERE round_version IS NULL;",
	/* 2 -> 3: each appointment keeps the order key (recorded_ms, uuid) of its latest event,
	 * which ingest compares every new event with; finding it among the events took a sorted
	 * search per appointment and batch (a quarter of the writer's time under load). */
	"ALTER TABLE appointments ADD COLUMN last_event_ms INTEGER;"
	"ALTER TABLE appointments ADD COLUMN last_event_uuid TEXT;"
	"UPDATE appointments SET (last_event_ms, last_event_uuid) = (SELECT e.recorded_ms, e.uuid"
	" FROM events e WHERE e.appointment = appointments.code"
	" ORDER BY e.recorded_ms DESC, e.uuid DESC LIMIT 1);",
	/* 3 -> 4: when a move reached each device (docs/PROTOCOL.md, moved appointments): the
	 * highest cursor a device has synced with, and per device and moved code the revision
	 * of the move it has seen and when the server learnt so. */
	"ALTER TABLE devices ADD COLUMN pulled_rev INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE move_acks("
	" device_id TEXT NOT NULL, code TEXT NOT NULL, rev INTEGER NOT NULL,"
	" acked_ms INTEGER NOT NULL, PRIMARY KEY (device_id, code));"
	"CREATE INDEX appointment_moves_courier_rev ON appointment_moves(courier_id, rev);",
};

#define STORE_MIGRATIONS ((int)(sizeof store_migrations / sizeof store_migrations[0]))

int store_schema_version(void)
{
	return STORE_MIGRATIONS;
}

enum ds_err store_write_one(struct store *s, sqlite3_stmt *st)
{
	enum ds_err rc = DS_OK;
	int changed;

	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = store_fail(s, sqlite3_errcode(s->db));
		goto done;
	}
	changed = sqlite3_changes(s->db);
	if (changed == 0)
		rc = DS_ENOTFOUND;
	else if (changed > 1) {
		snprintf(s->err, sizeof s->err, "database: %d rows changed where one was meant",
		         changed);
		rc = DS_EDB;
	}
done:
	sqlite3_finalize(st);
	return rc;
}

enum ds_err store_fail(struct store *s, int rc)
{
	snprintf(s->err, sizeof s->err, "database: %s",
	         s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DS_EBUSY;
	case SQLITE_FULL:
		return DS_EFULL;
	case SQLITE_NOMEM:
		return DS_ENOMEM;
	case SQLITE_CONSTRAINT:
		return DS_ECONFLICT;
	default:
		return DS_EDB;
	}
}

enum ds_err store_exec(struct store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? DS_OK : store_fail(s, rc);
}

enum ds_err store_prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	return rc == SQLITE_OK ? DS_OK : store_fail(s, rc);
}

enum ds_err store_cached(struct store *s, const char *sql, sqlite3_stmt **st)
{
	size_t i;
	enum ds_err rc;

	for (i = 0; i < STORE_CACHE_MAX && s->cache[i].sql != NULL; i++)
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			*st = s->cache[i].st;
			return DS_OK;
		}
	/* Full: refused rather than evicting, since a caller may still hold any entry. The
	 * call sites are a fixed handful of literals, far below the maximum. */
	if (i == STORE_CACHE_MAX) {
		snprintf(s->err, sizeof s->err, "store: more than %d statements to keep prepared",
		         STORE_CACHE_MAX);
		return DS_ETOOBIG;
	}
	if ((rc = store_prepare(s, sql, st)) != DS_OK)
		return rc;
	s->cache[i].sql = sql;
	s->cache[i].st = *st;
	return DS_OK;
}

enum ds_err store_exec_cached(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	enum ds_err rc = store_cached(s, sql, &st);
	int step;

	if (rc != DS_OK)
		return rc;
	step = sqlite3_step(st);
	sqlite3_reset(st);
	return step == SQLITE_DONE || step == SQLITE_ROW ? DS_OK : store_fail(s, step);
}

enum ds_err store_begin(struct store *s) { return store_exec(s, "BEGIN IMMEDIATE"); }
enum ds_err store_commit(struct store *s) { return store_exec(s, "COMMIT"); }

void store_rollback(struct store *s)
{
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static enum ds_err store_migrate(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int version = 0, i;
	char sql[64];
	enum ds_err rc;

	if ((rc = store_begin(s)) != DS_OK)
		return rc;
	if ((rc = store_prepare(s, "PRAGMA user_version", &st)) != DS_OK)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > STORE_MIGRATIONS) {
		snprintf(s->err, sizeof s->err,
		         "database schema %d is newer than this program (%d)",
		         version, STORE_MIGRATIONS);
		rc = DS_EDB;
		goto fail;
	}
	for (i = version; i < STORE_MIGRATIONS; i++)
		if ((rc = store_exec(s, store_migrations[i])) != DS_OK)
			goto fail;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_MIGRATIONS);
	if ((rc = store_exec(s, sql)) != DS_OK)
		goto fail;
	return store_commit(s);
fail:
	store_rollback(s);
	return rc;
}

/* Reads the 32-byte data key, or makes it (mode 0600 from the start) when CREATE is set. */
static enum ds_err store_key(struct store *s, const char *dir, int create)
{
	char path[STORE_PATH_MAX];
	int fd = -1;
	enum ds_err rc = DS_EIO;
	ssize_t n;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, STORE_KEY_NAME) >= sizeof path)
		return DS_ETOOBIG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (seal_key_new(s->key) != DS_OK)
			goto fail;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, s->key, sizeof s->key) != (ssize_t)sizeof s->key ||
		    fsync(fd) != 0)
			goto fail;
		rc = DS_OK;
		goto fail;
	}
	if (fd < 0)
		goto fail;
	n = read(fd, s->key, sizeof s->key);
	if (n == (ssize_t)sizeof s->key)
		rc = DS_OK;
fail:
	if (rc != DS_OK)
		snprintf(s->err, sizeof s->err, "cannot read or create the data key %s", path);
	if (fd >= 0)
		close(fd);
	return rc;
}

static enum ds_err store_open_db(struct store *s, const char *dir, int create)
{
	char path[STORE_PATH_MAX];
	/* One thread at a time uses a store (the writer thread while serving), so the
	 * connection needs none of SQLite's per-call locking. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc;
	enum ds_err e;

	memset(s, 0, sizeof *s);
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, STORE_DB_NAME) >= sizeof path)
		return DS_ETOOBIG;
	if ((e = store_key(s, dir, create)) != DS_OK)
		return e;
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		e = store_fail(s, rc);
		snprintf(s->err, sizeof s->err, "cannot open %s: %s (run `doorstep-server init`?)",
		         path, sqlite3_errstr(rc));
		return e;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if ((e = store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                       " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
	                       " PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;")) != DS_OK)
		return e;
	if (create)
		chmod(path, 0600);
	return store_migrate(s);
}

enum ds_err store_open(struct store *s, const char *dir, int create)
{
	enum ds_err e = store_open_db(s, dir, create);

	/* Made last, so that a failed open leaves nothing allocated but the connection. */
	if (e == DS_OK && (s->seal = seal_new()) == NULL) {
		snprintf(s->err, sizeof s->err, "libcrypto lacks AES-256-GCM or SHA-256");
		e = DS_ECRYPTO;
	}
	return e;
}

void store_close(struct store *s)
{
	size_t i;

	for (i = 0; i < STORE_CACHE_MAX; i++) {
		sqlite3_finalize(s->cache[i].st);
		s->cache[i].st = NULL;
		s->cache[i].sql = NULL;
	}
	if (s->db != NULL)
		sqlite3_close_v2(s->db);
	s->db = NULL;
	seal_free(s->seal);
	s->seal = NULL;
	memset(s->key, 0, sizeof s->key);
}

static enum ds_err store_rev_query(struct store *s, const char *sql, int64_t *rev)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = store_cached(s, sql, &st)) != DS_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*rev = sqlite3_column_int64(st, 0);
		rc = DS_OK;
	} else {
		rc = store_fail(s, sqlite3_errcode(s->db));
	}
	sqlite3_reset(st);
	return rc;
}

enum ds_err store_next_rev(struct store *s, int64_t *rev)
{
	return store_rev_query(s, "UPDATE counters SET value = value + 1 WHERE name = 'rev'"
	                          " RETURNING value", rev);
}

enum ds_err store_current_rev(struct store *s, int64_t *rev)
{
	return store_rev_query(s, "SELECT value FROM counters WHERE name = 'rev'", rev);
}
