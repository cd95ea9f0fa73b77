/* fixture.h: the per-test temporary store shared by the server's unit suites. Each suite
 * is its own program, so the static state here is per suite; CK_FORK gives each test its
 * own process, so the fixture is per test. Register suite_setup/suite_teardown as an
 * unchecked fixture and setup/teardown as a checked one. */
#ifndef TEST_SERVER_FIXTURE_H
#define TEST_SERVER_FIXTURE_H

#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/db/store.h"

/* Each test runs in its own temporary directory with a fresh store (CK_FORK gives each its
 * own process, so the fixture below is per test). */
static char base[512], tdir[768];
static struct store S;

static void rm_dir(const char *dir)
{
	char path[1024];
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		unlink(path);
	}
	closedir(dp);
	rmdir(dir);
}

static void make_tdir(char *out, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	if (base[0] != '\0')
		snprintf(out, len, "%s/t-XXXXXX", base);
	else
		snprintf(out, len, "%s/ds-unit-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(out));
}

static void teardown(void)
{
	store_close(&S);
	rm_dir(tdir);
}

static void setup(void)
{
	make_tdir(tdir, sizeof tdir);
	ck_assert_int_eq(store_open(&S, tdir, 1), DS_OK);
}

/* The suite's base directory, made and removed in the runner's own process (an unchecked
 * fixture), so a test that fails, and so skips its own teardown, leaves nothing behind. */
static void suite_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(base, sizeof base, "%s/ds-unit-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		base[0] = '\0';
}

static void suite_teardown(void)
{
	char path[1024];
	struct dirent *d;
	DIR *dp = base[0] ? opendir(base) : NULL;

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", base, d->d_name);
		rm_dir(path);
		unlink(path);
	}
	closedir(dp);
	rmdir(base);
}

/* The first column of the first row of SQL as an integer; -1 when there is no row. */
static int64_t q_int(const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(S.db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif
