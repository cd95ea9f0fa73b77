/* test_ckpt.c: unit tests for server/db/ckpt.c, the background WAL checkpointer: it runs
 * off the writer's thread once the log passes its threshold, the writer's own backstop
 * runs when the log cannot be emptied (a reader pins it), and nothing committed is lost
 * across a stop and a reopen. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/db/ckpt.h"
#include "fixture.h"

#define T_ROWS 60
#define T_WAIT_MS 5000

/* Commits N transactions of one 4 KB row each: at least one new log page per commit. */
static void commit_rows(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(store_begin(&S), DS_OK);
		ck_assert_int_eq(store_exec(&S, "INSERT INTO t(b) VALUES (randomblob(4000))"),
		                 DS_OK);
		ck_assert_int_eq(store_commit(&S), DS_OK);
	}
}

static off_t file_size(const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", tdir, name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

START_TEST(test_thread_checkpoints_past_threshold)
{
	struct ckpt *c;
	long runs = 0, inl = 0;
	off_t before;
	int waited;

	ck_assert_int_eq(store_exec(&S, "CREATE TABLE t(b BLOB)"), DS_OK);
	ck_assert_int_eq(store_exec(&S, "PRAGMA wal_checkpoint(TRUNCATE)"), DS_OK);
	before = file_size(STORE_DB_NAME);
	c = ckpt_start(&S, 20);
	ck_assert_ptr_nonnull(c);
	commit_rows(T_ROWS);
	for (waited = 0; waited < T_WAIT_MS && runs == 0; waited += 10) {
		ckpt_counts(c, &runs, &inl);
		usleep(10 * 1000);
	}
	ck_assert_int_ge(runs, 1);
	ck_assert_int_eq(inl, 0);
	ckpt_stop(c);
	/* The pages reached the database file itself, not only the log. */
	ck_assert_int_gt(file_size(STORE_DB_NAME), before + 20 * 4096);
	store_close(&S);
	ck_assert_int_eq(store_open(&S, tdir, 0), DS_OK);
	ck_assert_int_eq(q_int("SELECT count(*) FROM t"), T_ROWS);
}
END_TEST

START_TEST(test_writer_backstop_when_a_reader_pins_the_log)
{
	char path[1024];
	sqlite3 *reader = NULL;
	sqlite3_stmt *st = NULL;
	struct ckpt *c;
	long runs, inl;

	ck_assert_int_eq(store_exec(&S, "CREATE TABLE t(b BLOB)"), DS_OK);
	commit_rows(1);
	snprintf(path, sizeof path, "%s/%s", tdir, STORE_DB_NAME);
	ck_assert_int_eq(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	/* An open read transaction keeps its snapshot: the log cannot be reset behind it. */
	ck_assert_int_eq(sqlite3_exec(reader, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(reader, "SELECT count(*) FROM t", -1, &st, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	c = ckpt_start(&S, 2);
	ck_assert_ptr_nonnull(c);
	commit_rows(2 * CKPT_BACKSTOP_FACTOR + 8);
	ckpt_counts(c, &runs, &inl);
	ck_assert_int_ge(inl, 1);
	sqlite3_finalize(st);
	sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(reader);
	ckpt_stop(c);
	ck_assert_int_eq(q_int("SELECT count(*) FROM t"), 2 * CKPT_BACKSTOP_FACTOR + 9);
}
END_TEST

START_TEST(test_stop_accepts_null_and_restarts)
{
	struct ckpt *c;

	ckpt_stop(NULL);
	ck_assert_int_eq(store_exec(&S, "CREATE TABLE t(b BLOB)"), DS_OK);
	c = ckpt_start(&S, 5);
	ck_assert_ptr_nonnull(c);
	ckpt_stop(c);
	c = ckpt_start(&S, 5);
	ck_assert_ptr_nonnull(c);
	commit_rows(10);
	ckpt_stop(c);
	ck_assert_int_eq(q_int("SELECT count(*) FROM t"), 10);
}
END_TEST

static Suite *ckpt_suite(void)
{
	Suite *s = suite_create("ckpt");
	TCase *tc = tcase_create("ckpt");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_thread_checkpoints_past_threshold);
	tcase_add_test(tc, test_writer_backstop_when_a_reader_pins_the_log);
	tcase_add_test(tc, test_stop_accepts_null_and_restarts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ckpt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
