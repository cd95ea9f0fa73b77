/* test_row.c: unit tests for shared/row.c: an appointment row selected with
 * ROW_APPOINTMENT_COLUMNS comes back field by field, from any first column, with NULLs and an
 * unknown kind read as the header says. */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "row.h"

static sqlite3 *row_db(void)
{
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(extra, code, kind, citizen, phone,"
	                              " address, lat, lon, window_start_ms, window_end_ms, due_ms,"
	                              " offset_min, service_min, status, stop_no, eta_ms,"
	                              " round_version);"
	                              "INSERT INTO t VALUES (7, "
	                              "'H15.50.05.13-261126-0001', 'collect',"
	                              " 'Nguyễn Văn An', '0901234567', '12 Lê Lợi', 10.45, 105.63,"
	                              " 1000, 2000, 3000, 420, 15, 'planned', 4, 1500, 9),"
	                              " (8, 'X', 'nonsense', NULL, NULL, NULL, NULL, NULL, 0, 0, 0,"
	                              " 0, 0, NULL, 0, 0, 0);", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

START_TEST(test_appointment_read_from_a_later_column)
{
	sqlite3 *db = row_db();
	sqlite3_stmt *st = NULL;
	struct model_appointment a;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT extra, " ROW_APPOINTMENT_COLUMNS("stop_no")
	                                    " FROM t ORDER BY extra", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_column_count(st), ROW_APPOINTMENT_NCOLS + 1);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	row_appointment(st, 1, &a);
	ck_assert_str_eq(a.code, "H15.50.05.13-261126-0001");
	ck_assert_int_eq(a.kind, MODEL_KIND_COLLECT);
	ck_assert_str_eq(a.citizen, "Nguyễn Văn An");
	ck_assert_str_eq(a.phone, "0901234567");
	ck_assert_str_eq(a.address, "12 Lê Lợi");
	ck_assert_double_eq(a.lat, 10.45);
	ck_assert_double_eq(a.lon, 105.63);
	ck_assert_int_eq(a.window_start_ms, 1000);
	ck_assert_int_eq(a.window_end_ms, 2000);
	ck_assert_int_eq(a.due_ms, 3000);
	ck_assert_int_eq(a.offset_min, 420);
	ck_assert_int_eq(a.service_min, 15);
	ck_assert_str_eq(a.status, "planned");
	ck_assert_int_eq(a.stop, 4);
	ck_assert_int_eq(a.eta_ms, 1500);
	ck_assert_int_eq(a.round_version, 9);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	row_appointment(st, 1, &a);
	ck_assert_int_eq(a.kind, MODEL_KIND_DELIVER);
	ck_assert_str_eq(a.citizen, "");
	ck_assert(isnan(a.lat) && isnan(a.lon));
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_text_is_cut_and_terminated)
{
	sqlite3 *db = row_db();
	sqlite3_stmt *st = NULL;
	char small[6];

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT code FROM t ORDER BY extra", -1, &st, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	row_text(st, 0, small, sizeof small);
	ck_assert_str_eq(small, "H15.5");
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("row");
	TCase *tc = tcase_create("row");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_appointment_read_from_a_later_column);
	tcase_add_test(tc, test_text_is_cut_and_terminated);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
