/* test_report.c: unit tests for server/report.c: a small day of appointments (on time, late
 * against the window, late against the due time, failed visits with reasons, pending,
 * overdue) read back from the JSON report with jansson, per office and in total, with the
 * office and date filters. State is written as ingest derives it, so this suite does not
 * depend on the ingest API. */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isotime.h"
#include "server/admin.h"
#include "server/report.h"
#include "fixture.h"

#define DAY0 isotime_days_from_civil(2026, 11, 26)

/* Local (+07:00) time on day DAY0 + D at H:M, in ms since the epoch. */
static int64_t T(int d, int h, int m)
{
	return (DAY0 + d) * 86400000LL + ((h * 60 + m) - 420) * 60000LL;
}

/* An appointment on day DAY0 + D, window WS-WE hours, due at DUE_MS; STATUS and DONE_MS as
 * ingest would have derived them (DONE_MS 0 = not done). */
static void appt(const char *office, int n, const char *kind, int d, int ws, int we,
                 int64_t due_ms, const char *status, int64_t done_ms)
{
	sqlite3_stmt *st = NULL;
	char code[64];

	snprintf(code, sizeof code, "H15.50.05.13-261126-%04d", n);
	ck_assert_int_eq(sqlite3_prepare_v2(S.db, "INSERT INTO appointments(code, kind, citizen,"
	    " phone, address, lat, lon, window_start_ms, window_end_ms, offset_min, service_min,"
	    " office_id, due_ms, courier_id, status, done_ms, rev, imported_ms) VALUES (?1, ?2,"
	    " 'An', '0912345678', 'Addr', 10.47, 105.64,"
	    " ?3, ?4, 420, 10, ?5, ?6, NULL, ?7, ?8, 1, 0)",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, T(d, ws, 0));
	sqlite3_bind_int64(st, 4, T(d, we, 0));
	sqlite3_bind_text(st, 5, office, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, due_ms);
	sqlite3_bind_text(st, 7, status, -1, SQLITE_STATIC);
	if (done_ms != 0)
		sqlite3_bind_int64(st, 8, done_ms);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* A stored event of TYPE on appointment N (body irrelevant to the report). */
static void event(int n, int id, const char *type, const char *reason, int64_t at_ms)
{
	sqlite3_stmt *st = NULL;
	char code[64], uuid[40];

	snprintf(code, sizeof code, "H15.50.05.13-261126-%04d", n);
	snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", id);
	ck_assert_int_eq(sqlite3_prepare_v2(S.db, "INSERT INTO events(uuid, device_id, seq,"
	    " courier_id, appointment, type, reason, recorded_ms, received_ms, content_hash, body)"
	    " VALUES (?1, 'dev-a', ?2, 'c1', ?3, ?4, ?5, ?6, ?6, x'00', x'00')", -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, id);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
	if (reason != NULL)
		sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, at_ms);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void report_setup(void)
{
	setup();
	ck_assert_int_eq(admin_office_add(&S, "o1", "Cao Lãnh", 10.46, 105.63), DS_OK);
	ck_assert_int_eq(admin_office_add(&S, "o2", "Sa Đéc", 10.29, 105.76), DS_OK);
	/* o1, day 0 */
	appt("o1", 1, "deliver", 0, 8, 9, T(0, 17, 0), "delivered", T(0, 8, 30));   /* on time */
	event(1, 1, "deliver", NULL, T(0, 8, 30));
	/* late window */
	appt("o1", 2, "deliver", 0, 9, 10, T(0, 17, 0), "delivered", T(0, 10, 30));
	event(2, 2, "deliver", NULL, T(0, 10, 30));
	appt("o1", 3, "deliver", 0, 10, 11, T(0, 10, 30), "delivered", T(0, 10, 45)); /* late due */
	event(3, 3, "deliver", NULL, T(0, 10, 45));
	appt("o1", 4, "collect", 0, 8, 9, T(7, 17, 0), "failed", 0);          /* 2 fails, pending */
	event(4, 4, "fail", "not-home", T(0, 8, 10));
	event(4, 5, "fail", "refused", T(0, 8, 40));
	appt("o1", 5, "deliver", 0, 13, 14, T(0, 17, 0), "booked", 0);        /* overdue at 18:00 */
	appt("o1", 6, "collect", 0, 14, 15, T(7, 17, 0), "collected", T(0, 14, 20)); /* on time */
	event(6, 6, "fail", "not-home", T(0, 14, 5));                           /* then collected */
	event(6, 7, "collect", NULL, T(0, 14, 20));
	appt("o1", 7, "collect", 0, 15, 16, T(7, 17, 0), "booked", 0);              /* pending */
	/* o2, day 0 */
	appt("o2", 8, "deliver", 0, 8, 9, T(0, 17, 0), "delivered", T(0, 8, 45));
	event(8, 8, "deliver", NULL, T(0, 8, 45));
	appt("o2", 9, "deliver", 0, 9, 10, T(0, 17, 0), "failed", 0);               /* overdue */
	event(9, 9, "fail", "wrong-address", T(0, 9, 15));
	/* o1, day 2: only in a range that reaches it */
	appt("o1", 10, "deliver", 2, 8, 9, T(2, 17, 0), "booked", 0);
	/* o1, day 0 at 00:30 local, the day before in UTC: belongs to day 0 */
	appt("o1", 11, "collect", 0, 0, 1, T(7, 17, 0), "booked", 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 11);
}

/* Runs the JSON report and parses it. Caller frees with json_decref(). */
static json_t *run(const char *office, int64_t from, int64_t to, int64_t now_ms)
{
	struct report_query q = {office, from, to, now_ms, REPORT_JSON};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_error_t jerr;
	json_t *o;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(report_write(&S, &q, f), DS_OK);
	fclose(f);
	o = json_loads(buf, 0, &jerr);
	ck_assert_msg(o != NULL, "not JSON: %s\n%s", jerr.text, buf);
	free(buf);
	return o;
}

static json_t *office_row(json_t *o, const char *id)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(o, "offices"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "office")), id) == 0)
			return r;
	return NULL;
}

static long num(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);

	ck_assert_msg(json_is_integer(v), "%s missing", key);
	return (long)json_integer_value(v);
}

static long reason(json_t *row, const char *key)
{
	return (long)json_integer_value(json_object_get(json_object_get(row, "failed_by_reason"),
	                                                key));
}

START_TEST(test_day_numbers_per_office_and_total)
{
	json_t *o = run(NULL, DAY0, DAY0, T(0, 18, 0));
	json_t *o1 = office_row(o, "o1"), *o2 = office_row(o, "o2"),
	       *t = json_object_get(o, "total");

	ck_assert_ptr_nonnull(o1);
	ck_assert_ptr_nonnull(o2);
	ck_assert_int_eq(json_array_size(json_object_get(o, "offices")), 2);
	ck_assert_int_eq(num(o1, "booked"), 8);
	ck_assert_int_eq(num(o1, "collect_booked"), 4);
	ck_assert_int_eq(num(o1, "deliver_booked"), 4);
	ck_assert_int_eq(num(o1, "collected"), 1);
	ck_assert_int_eq(num(o1, "delivered"), 3);
	ck_assert_int_eq(num(o1, "on_time"), 2);
	ck_assert_int_eq(num(o1, "late_window"), 1);
	ck_assert_int_eq(num(o1, "late_due"), 1);
	ck_assert_int_eq(num(o1, "failed_visits"), 3);
	ck_assert_int_eq(reason(o1, "not-home"), 2);
	ck_assert_int_eq(reason(o1, "refused"), 1);
	ck_assert_int_eq(reason(o1, "wrong-address"), 0);
	ck_assert_int_eq(num(o1, "pending"), 3);  /* 4, 7, 11: not done, due next week */
	ck_assert_int_eq(num(o1, "overdue"), 1);  /* 5 */
	ck_assert(json_real_value(json_object_get(o1, "on_time_pct")) > 49.99 &&
	          json_real_value(json_object_get(o1, "on_time_pct")) < 50.01);
	ck_assert_int_eq(num(o2, "booked"), 2);
	ck_assert_int_eq(num(o2, "on_time"), 1);
	ck_assert_int_eq(num(o2, "overdue"), 1);
	ck_assert_int_eq(reason(o2, "wrong-address"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(t, "office")), "TOTAL");
	ck_assert_int_eq(num(t, "booked"), 10);
	ck_assert_int_eq(num(t, "delivered"), 4);
	ck_assert_int_eq(num(t, "on_time"), 3);
	ck_assert_int_eq(num(t, "failed_visits"), 4);
	ck_assert_int_eq(num(t, "overdue"), 2);
	ck_assert_int_eq(num(t, "pending"), 3);
	ck_assert_int_eq(reason(t, "not-home"), 2);
	json_decref(o);
}
END_TEST

START_TEST(test_overdue_is_measured_at_now)
{
	/* In the morning nothing is overdue yet except what is already past due. */
	json_t *o = run(NULL, DAY0, DAY0, T(0, 7, 0));
	json_t *t = json_object_get(o, "total");

	ck_assert_int_eq(num(t, "overdue"), 0);
	ck_assert_int_eq(num(t, "pending"), 5);
	json_decref(o);
}
END_TEST

START_TEST(test_office_filter)
{
	json_t *o = run("o2", DAY0, DAY0, T(0, 18, 0));
	json_t *t = json_object_get(o, "total");

	ck_assert_int_eq(json_array_size(json_object_get(o, "offices")), 1);
	ck_assert_ptr_null(office_row(o, "o1"));
	ck_assert_int_eq(num(office_row(o, "o2"), "booked"), 2);
	ck_assert_int_eq(num(t, "booked"), 2);
	ck_assert_int_eq(num(t, "failed_visits"), 1);
	ck_assert_int_eq(reason(t, "not-home"), 0);
	json_decref(o);
	o = run("nope", DAY0, DAY0, T(0, 18, 0));
	ck_assert_int_eq(json_array_size(json_object_get(o, "offices")), 0);
	ck_assert_int_eq(num(json_object_get(o, "total"), "booked"), 0);
	json_decref(o);
}
END_TEST

START_TEST(test_date_range_filter)
{
	json_t *o = run(NULL, DAY0, INT64_MAX, T(0, 18, 0));

	ck_assert_int_eq(num(json_object_get(o, "total"), "booked"), 11);
	json_decref(o);
	o = run(NULL, DAY0 + 1, DAY0 + 2, T(0, 18, 0));
	ck_assert_int_eq(num(json_object_get(o, "total"), "booked"), 1);
	ck_assert_int_eq(num(json_object_get(o, "total"), "pending"), 1);
	ck_assert_int_eq(num(json_object_get(o, "total"), "failed_visits"), 0);
	json_decref(o);
	o = run(NULL, DAY0 - 5, DAY0 - 1, T(0, 18, 0));
	ck_assert_int_eq(num(json_object_get(o, "total"), "booked"), 0);
	json_decref(o);
}
END_TEST

START_TEST(test_text_and_csv_formats)
{
	struct report_query q = {NULL, DAY0, DAY0, T(0, 18, 0), REPORT_CSV};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(report_write(&S, &q, f), DS_OK);
	fclose(f);
	ck_assert_int_eq(strncmp(buf, "office,booked,", 14), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\no1,8,4,4,1,3,2,1,1,3,3,1,50.00,"));
	ck_assert_ptr_nonnull(strstr(buf, "\nTOTAL,10,"));
	free(buf);
	q.format = REPORT_TEXT;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(report_write(&S, &q, f), DS_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "TOTAL"));
	ck_assert_ptr_nonnull(strstr(buf, "not-home"));
	free(buf);
}
END_TEST

/* Regression (issue 15, finding 4): the office column is text written into a CSV a
 * spreadsheet opens. Ids made by `office add` cannot start with `=`, but one can start with
 * `-`, and older data need not have passed that check. */
START_TEST(test_csv_office_formula_neutralised)
{
	struct report_query q = {NULL, DAY0, DAY0, T(0, 18, 0), REPORT_CSV};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(store_exec(&S, "INSERT INTO offices(id, name, lat, lon)"
	                 " VALUES ('=1+2', 'x', 10.4, 105.6), ('-A1', 'y', 10.4, 105.6)"), DS_OK);
	appt("=1+2", 90, "deliver", 0, 8, 9, T(0, 17, 0), "booked", 0);
	appt("-A1", 91, "deliver", 0, 8, 9, T(0, 17, 0), "booked", 0);
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(report_write(&S, &q, f), DS_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\n\"'=1+2\",1,"));
	ck_assert_ptr_nonnull(strstr(buf, "\n\"'-A1\",1,"));
	ck_assert_ptr_null(strstr(buf, "\n=1+2"));
	ck_assert_ptr_null(strstr(buf, "\n-A1"));
	free(buf);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_checked_fixture(tc, report_setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_day_numbers_per_office_and_total);
	tcase_add_test(tc, test_overdue_is_measured_at_now);
	tcase_add_test(tc, test_office_filter);
	tcase_add_test(tc, test_date_range_filter);
	tcase_add_test(tc, test_text_and_csv_formats);
	tcase_add_test(tc, test_csv_office_formula_neutralised);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
