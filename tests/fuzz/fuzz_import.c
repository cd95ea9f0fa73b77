/* fuzz_import.c: feeds arbitrary bytes as an appointments CSV to import_csv() on a real store,
 * and checks the all-or-nothing promise: a refused file (DS_EINVAL) leaves the appointments
 * table and its change log exactly as they were, and says why at least once.
 * The store is made once per process (static state, acceptable in a fuzz target only) in a
 * temporary directory removed at exit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/admin.h"
#include "server/import.h"
#include "server/db/store.h"

#define FUZZ_NOW_MS 1795651200000LL /* 2026-11-26T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store fuzz_store;
static char fuzz_dir[64];
static char fuzz_csv[128];
static int fuzz_ready;

static void fuzz_cleanup(void)
{
	static const char *const names[] = {STORE_DB_NAME, STORE_DB_NAME "-wal",
		STORE_DB_NAME "-shm", STORE_KEY_NAME, "input.csv"};
	char path[256];
	size_t i;

	store_close(&fuzz_store);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_dir, names[i]);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

static void fuzz_setup(void)
{
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s", "/tmp/fuzz_import.XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	snprintf(fuzz_csv, sizeof fuzz_csv, "%s/input.csv", fuzz_dir);
	if (store_open(&fuzz_store, fuzz_dir, 1) != DS_OK) {
		fprintf(stderr, "fuzz_import: %s\n", fuzz_store.err);
		abort();
	}
	atexit(fuzz_cleanup);
	/* Durability is not under test here; fsync per accepted file would slow fuzzing. */
	if (store_exec(&fuzz_store, "PRAGMA synchronous=OFF;") != DS_OK ||
	    admin_office_add(&fuzz_store, "cl", "Bưu điện Cao Lãnh", 10.4565, 105.6345) != DS_OK ||
	    admin_office_add(&fuzz_store, "o2", "Office 2", 10.3, 105.7) != DS_OK ||
	    admin_courier_add(&fuzz_store, "c1", "Courier 1", "cl", 450, 1050) != DS_OK ||
	    admin_courier_add(&fuzz_store, "c2", "Courier 2", "cl", 450, 1050) != DS_OK)
		abort();
	fuzz_ready = 1;
}

/* A fingerprint of what an import may change: rows, their revisions, moves, the counter. */
static void fuzz_snapshot(char *out, size_t len)
{
	sqlite3_stmt *st = NULL;

	if (store_prepare(&fuzz_store, "SELECT (SELECT count(*) FROM appointments),"
	                  " (SELECT total(rev) + total(due_ms) FROM appointments),"
	                  " (SELECT count(*) FROM appointment_moves),"
	                  " (SELECT value FROM counters WHERE name = 'rev')", &st) != DS_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		abort();
	snprintf(out, len, "%lld/%.17g/%lld/%lld", (long long)sqlite3_column_int64(st, 0),
	         sqlite3_column_double(st, 1), (long long)sqlite3_column_int64(st, 2),
	         (long long)sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
}

static void fuzz_report(void *ctx, long line, const char *msg)
{
	(void)line;
	if (msg == NULL)
		abort();
	(*(long *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char before[128], after[128];
	struct import_result res;
	long reports = 0;
	enum ds_err rc;
	FILE *f;

	if (!fuzz_ready)
		fuzz_setup();
	f = fopen(fuzz_csv, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	fuzz_snapshot(before, sizeof before);
	rc = import_csv(&fuzz_store, fuzz_csv, FUZZ_NOW_MS, fuzz_report, &reports, &res);
	fuzz_snapshot(after, sizeof after);
	if (rc == DS_EINVAL && (strcmp(before, after) != 0 || reports == 0)) {
		fprintf(stderr, "fuzz_import: refused import changed the store (%s -> %s) or gave"
		        " no reason (%ld reports)\n", before, after, reports);
		abort();
	}
	if (rc == DS_OK && (reports != 0 || res.bad_rows != 0 ||
	                    res.inserted + res.updated != res.rows)) {
		fprintf(stderr,
		        "fuzz_import: accepted with %ld reports, %ld bad rows, %ld+%ld of %ld\n",
		        reports, res.bad_rows, res.inserted, res.updated, res.rows);
		abort();
	}
	return 0;
}
