/* test_store.c: unit tests for server/db/store.c: the schema made by migrations, refusing a
 * database newer than the code, the data key file, the change counter and the mapping of
 * SQLite failures (busy, full, constraint) to the shared error, with real failures injected
 * where SQLite lets a test cause them. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/db/store.h"
#include "fixture.h"

START_TEST(test_new_dir_migrates_to_schema_version)
{
	ck_assert_int_ge(store_schema_version(), 1);
	ck_assert_int_eq(q_int("PRAGMA user_version"), store_schema_version());
	/* Every table of docs/STORAGE.md exists. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
	                       " ('offices','couriers','enroll_codes','devices','appointments',"
	                       "'appointment_moves','events','counters','rounds')"), 9);
	ck_assert_int_eq(q_int("SELECT value FROM counters WHERE name = 'rev'"), 0);
	ck_assert_int_eq(q_int("PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(q_int("PRAGMA synchronous"), 2); /* FULL */
}
END_TEST

START_TEST(test_reopen_is_idempotent_and_keeps_data_and_key)
{
	uint8_t key[SEAL_KEY_LEN];
	int64_t rev;

	memcpy(key, S.key, sizeof key);
	ck_assert_int_eq(store_exec(&S, "INSERT INTO offices(id, name, lat, lon)"
	                                " VALUES ('o1', 'Office', 10.4, 105.6)"), DS_OK);
	ck_assert_int_eq(store_begin(&S), DS_OK);
	ck_assert_int_eq(store_next_rev(&S, &rev), DS_OK);
	ck_assert_int_eq(store_commit(&S), DS_OK);
	store_close(&S);
	ck_assert_int_eq(store_open(&S, tdir, 0), DS_OK);
	ck_assert_int_eq(q_int("PRAGMA user_version"), store_schema_version());
	ck_assert_int_eq(q_int("SELECT count(*) FROM offices"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM counters"), 1);
	ck_assert_int_eq(q_int("SELECT value FROM counters WHERE name = 'rev'"), 1);
	ck_assert_mem_eq(S.key, key, sizeof key);
	store_close(&S);
	ck_assert_int_eq(store_open(&S, tdir, 1), DS_OK); /* create again: nothing remade */
	ck_assert_mem_eq(S.key, key, sizeof key);
	ck_assert_int_eq(q_int("SELECT count(*) FROM offices"), 1);
}
END_TEST

/* Migration 3 fills each appointment's latest-event key from the events already stored:
 * a database of schema 2 (made here by dropping the two columns) opens with them filled. */
START_TEST(test_migration_3_fills_latest_event_keys)
{
	static const char *const setup_sql[] = {
		"INSERT INTO offices(id, name, lat, lon) VALUES ('o1', 'O', 10.4, 105.6)",
		"INSERT INTO appointments(code, kind, citizen, phone, address, lat, lon,"
		" window_start_ms, window_end_ms, offset_min, service_min, office_id, due_ms, rev,"
		" imported_ms) VALUES"
		" ('A', 'collect', 'c', 'p', 'a', 10, 105, 0, 1, 420, 5, 'o1', 2, 0,"
		" 0), ('B', 'collect', 'c', 'p', 'a', 10, 105, 0, 1, 420, 5, 'o1', 2, 0, 0)",
		"INSERT INTO events(uuid, device_id, seq, courier_id, appointment, type,"
		" recorded_ms, received_ms, content_hash, body)"
		" VALUES ('u1', 'd', 1, 'c', 'A', 'arrive', 50, 0, x'', x''),"
		" ('u3', 'd', 2, 'c', 'A', 'arrive', 70, 0, x'', x''),"
		" ('u2', 'd', 3, 'c', 'A', 'collect', 70, 0, x'', x'')",
		"ALTER TABLE appointments DROP COLUMN last_event_ms",
		"ALTER TABLE appointments DROP COLUMN last_event_uuid",
		"DROP TABLE move_acks", /* and what migration 4 adds, so it can run again */
		"DROP INDEX appointment_moves_courier_rev",
		"ALTER TABLE devices DROP COLUMN pulled_rev",
		"PRAGMA user_version = 2",
	};
	size_t i;

	for (i = 0; i < sizeof setup_sql / sizeof setup_sql[0]; i++)
		ck_assert_int_eq(store_exec(&S, setup_sql[i]), DS_OK);
	store_close(&S);
	ck_assert_int_eq(store_open(&S, tdir, 0), DS_OK);
	ck_assert_int_eq(q_int("PRAGMA user_version"), store_schema_version());
	/* The latest by (recorded_ms, uuid): u3 beats u2 at the same millisecond. */
	ck_assert_int_eq(q_int("SELECT last_event_ms FROM appointments WHERE code = 'A'"), 70);
	ck_assert_int_eq(q_int("SELECT last_event_uuid = 'u3' FROM appointments WHERE code = 'A'"),
	                 1);
	ck_assert_int_eq(q_int("SELECT last_event_ms IS NULL FROM appointments WHERE code = 'B'"),
	                 1);
}
END_TEST

/* The statement cache keeps each literal's statement; when full it refuses a new one
 * rather than finalizing one a caller may still hold (found in review). */
START_TEST(test_cached_statements_kept_and_never_evicted)
{
	static const char *const sql[STORE_CACHE_MAX + 1] = {
		"SELECT 0", "SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "SELECT 5", "SELECT 6",
		"SELECT 7", "SELECT 8", "SELECT 9", "SELECT 10", "SELECT 11", "SELECT 12",
		"SELECT 13", "SELECT 14", "SELECT 15", "SELECT 16"};
	sqlite3_stmt *first, *st;
	int i;

	ck_assert_int_eq(STORE_CACHE_MAX, 16);
	ck_assert_int_eq(store_cached(&S, sql[0], &first), DS_OK);
	for (i = 1; i < STORE_CACHE_MAX; i++)
		ck_assert_int_eq(store_cached(&S, sql[i], &st), DS_OK);
	ck_assert_int_eq(store_cached(&S, sql[STORE_CACHE_MAX], &st), DS_ETOOBIG);
	/* The same literal gives the same statement, still alive and reset. */
	ck_assert_int_eq(store_cached(&S, sql[0], &st), DS_OK);
	ck_assert_ptr_eq(st, first);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
	sqlite3_reset(st);
	ck_assert_int_eq(store_exec_cached(&S, "SAVEPOINT t"), DS_ETOOBIG);
}
END_TEST

/* store_write_one: exactly one changed row is success; none names the missing row; more
 * than one is an error, never taken for success. */
START_TEST(test_write_one_counts_changed_rows)
{
	sqlite3_stmt *st = NULL;

	ck_assert_int_eq(store_exec(&S, "INSERT INTO offices(id, name, lat, lon) VALUES"
	                                " ('o1', 'A', 10.4, 105.6), ('o2', 'B', 10.4, 105.6)"),
	                 DS_OK);
	ck_assert_int_eq(store_prepare(&S, "UPDATE offices SET name = 'C' WHERE id = 'o1'", &st),
	                 DS_OK);
	ck_assert_int_eq(store_write_one(&S, st), DS_OK);
	ck_assert_int_eq(store_prepare(&S, "UPDATE offices SET name = 'C' WHERE id = 'none'", &st),
	                 DS_OK);
	ck_assert_int_eq(store_write_one(&S, st), DS_ENOTFOUND);
	ck_assert_int_eq(store_prepare(&S, "UPDATE offices SET name = 'D'", &st), DS_OK);
	ck_assert_int_eq(store_write_one(&S, st), DS_EDB);
	ck_assert_ptr_nonnull(strstr(S.err, "2 rows changed"));
	ck_assert_int_eq(store_prepare(&S, "INSERT INTO offices(id, name, lat, lon)"
	                                   " VALUES ('o1', 'dup', 0, 0)", &st), DS_OK);
	ck_assert_int_eq(store_write_one(&S, st), DS_ECONFLICT);
	ck_assert_int_eq(q_int("SELECT count(*) FROM offices WHERE name = 'D'"), 2);
}
END_TEST

START_TEST(test_newer_schema_refuses_to_open_with_message)
{
	char path[1024];
	sqlite3 *db = NULL;

	store_close(&S);
	snprintf(path, sizeof path, "%s/%s", tdir, STORE_DB_NAME);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_ne(store_open(&S, tdir, 0), DS_OK);
	ck_assert_ptr_nonnull(strstr(S.err, "newer"));
	ck_assert_ptr_nonnull(strstr(S.err, "99"));
	store_close(&S);
	/* Nothing was migrated over it. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *st = NULL;
		ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL),
		                 SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), 99);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}
END_TEST

START_TEST(test_data_key_is_0600_and_32_bytes)
{
	char path[1024];
	struct stat sb;
	uint8_t zero[SEAL_KEY_LEN] = {0};

	snprintf(path, sizeof path, "%s/%s", tdir, STORE_KEY_NAME);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(sb.st_size, 32);
	ck_assert(memcmp(S.key, zero, sizeof zero) != 0);
	snprintf(path, sizeof path, "%s/%s", tdir, STORE_DB_NAME);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0077, 0);
}
END_TEST

START_TEST(test_short_data_key_is_refused)
{
	char path[1024];
	int fd;

	store_close(&S);
	snprintf(path, sizeof path, "%s/%s", tdir, STORE_KEY_NAME);
	ck_assert_int_eq(truncate(path, 16), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_ne(store_open(&S, tdir, 0), DS_OK);
	ck_assert_ptr_nonnull(strstr(S.err, "data key"));
}
END_TEST

START_TEST(test_missing_dir_without_create_fails)
{
	struct store s2;
	char dir[1024];

	snprintf(dir, sizeof dir, "%s/no-such-dir", tdir);
	ck_assert_int_ne(store_open(&s2, dir, 0), DS_OK);
	ck_assert_ptr_null(s2.db);
	ck_assert_int_ne(s2.err[0], '\0');
	store_close(&s2);
	/* An empty directory without create: no key, no database, nothing made. */
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_ne(store_open(&s2, dir, 0), DS_OK);
	store_close(&s2);
	snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/%s", STORE_DB_NAME);
	ck_assert_int_ne(access(dir, F_OK), 0);
	dir[strlen(dir) - strlen(STORE_DB_NAME) - 1] = '\0';
	rmdir(dir);
}
END_TEST

START_TEST(test_next_rev_increments)
{
	int64_t a = -1, b = -1, c = -1;

	ck_assert_int_eq(store_current_rev(&S, &c), DS_OK);
	ck_assert_int_eq(c, 0);
	ck_assert_int_eq(store_begin(&S), DS_OK);
	ck_assert_int_eq(store_next_rev(&S, &a), DS_OK);
	ck_assert_int_eq(store_next_rev(&S, &b), DS_OK);
	ck_assert_int_eq(store_commit(&S), DS_OK);
	ck_assert_int_eq(a, 1);
	ck_assert_int_eq(b, 2);
	ck_assert_int_eq(store_current_rev(&S, &c), DS_OK);
	ck_assert_int_eq(c, 2);
	/* A rolled-back increment is not kept. */
	ck_assert_int_eq(store_begin(&S), DS_OK);
	ck_assert_int_eq(store_next_rev(&S, &a), DS_OK);
	store_rollback(&S);
	ck_assert_int_eq(store_current_rev(&S, &c), DS_OK);
	ck_assert_int_eq(c, 2);
}
END_TEST

START_TEST(test_fail_maps_busy_full_constraint)
{
	ck_assert_int_eq(store_fail(&S, SQLITE_BUSY), DS_EBUSY);
	ck_assert_int_eq(store_fail(&S, SQLITE_BUSY_SNAPSHOT), DS_EBUSY);
	ck_assert_int_eq(store_fail(&S, SQLITE_LOCKED), DS_EBUSY);
	ck_assert_int_eq(store_fail(&S, SQLITE_FULL), DS_EFULL);
	ck_assert_int_eq(store_fail(&S, SQLITE_CONSTRAINT), DS_ECONFLICT);
	ck_assert_int_eq(store_fail(&S, SQLITE_CONSTRAINT_UNIQUE), DS_ECONFLICT);
	ck_assert_int_eq(store_fail(&S, SQLITE_NOMEM), DS_ENOMEM);
	ck_assert_int_eq(store_fail(&S, SQLITE_ERROR), DS_EDB);
	ck_assert_ptr_nonnull(strstr(S.err, "database"));
}
END_TEST

START_TEST(test_real_busy_database_is_ebusy)
{
	struct store s2;

	ck_assert_int_eq(store_open(&s2, tdir, 0), DS_OK);
	sqlite3_busy_timeout(s2.db, 0);
	ck_assert_int_eq(store_begin(&S), DS_OK);
	ck_assert_int_eq(store_begin(&s2), DS_EBUSY);
	store_rollback(&S);
	ck_assert_int_eq(store_begin(&s2), DS_OK);
	store_rollback(&s2);
	store_close(&s2);
}
END_TEST

START_TEST(test_real_constraint_is_econflict)
{
	ck_assert_int_eq(store_exec(&S, "INSERT INTO offices(id, name, lat, lon)"
	                                " VALUES ('o1','O',1,1)"), DS_OK);
	ck_assert_int_eq(store_exec(&S, "INSERT INTO offices(id, name, lat, lon)"
	                                " VALUES ('o1','O',1,1)"),
	                 DS_ECONFLICT);
	/* A courier at an office that does not exist: a foreign key, also a constraint. */
	ck_assert_int_eq(store_exec(&S, "INSERT INTO couriers(id, name, office_id)"
	                                " VALUES ('c','C','nope')"),
	                 DS_ECONFLICT);
}
END_TEST

START_TEST(test_real_full_database_is_efull)
{
	char sql[128];
	int64_t pages = q_int("PRAGMA page_count");

	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 1);
	ck_assert_int_eq(store_exec(&S, sql), DS_OK);
	ck_assert_int_eq(store_exec(&S, "CREATE TABLE filler(x BLOB);"
	                                "INSERT INTO filler VALUES (zeroblob(1000000))"), DS_EFULL);
	ck_assert_ptr_nonnull(strstr(S.err, "full"));
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_new_dir_migrates_to_schema_version);
	tcase_add_test(tc, test_migration_3_fills_latest_event_keys);
	tcase_add_test(tc, test_cached_statements_kept_and_never_evicted);
	tcase_add_test(tc, test_write_one_counts_changed_rows);
	tcase_add_test(tc, test_reopen_is_idempotent_and_keeps_data_and_key);
	tcase_add_test(tc, test_newer_schema_refuses_to_open_with_message);
	tcase_add_test(tc, test_data_key_is_0600_and_32_bytes);
	tcase_add_test(tc, test_short_data_key_is_refused);
	tcase_add_test(tc, test_missing_dir_without_create_fails);
	tcase_add_test(tc, test_next_rev_increments);
	tcase_add_test(tc, test_fail_maps_busy_full_constraint);
	tcase_add_test(tc, test_real_busy_database_is_ebusy);
	tcase_add_test(tc, test_real_constraint_is_econflict);
	tcase_add_test(tc, test_real_full_database_is_efull);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
