/* test_import.c: unit tests for server/import.c: a good file as spreadsheets write it
 * (BOM, CRLF, quoted fields), every kind of bad row reported with its line and nothing
 * written, repeated codes, re-import counting updates, courier changes recorded as moves,
 * and whole-file problems (header, empty, not UTF-8). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isotime.h"
#include "server/admin.h"
#include "server/import.h"
#include "fixture.h"

#define HEADER "code,kind,citizen,phone,address,lat,lon,window_start,window_end,service_min," \
	"office,due,courier"
#define ROW1 "H15.50.05.13-261126-0001,deliver,Nguyễn Văn An,0912345678," \
	"\"12 Lý Thường Kiệt, P.1\"," \
	"10.4748,105.6412,2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1," \
	"2026-11-26T17:00:00+07:00,c1"
#define ROW2 "H15.50.05.13-261126-0002,collect,Lê Thị Đào,0912 345 679,5 Nguyễn Huệ,10.4695," \
	"105.6456,2026-11-26T09:00:00+07:00,2026-11-26T10:00:00+07:00,15,o1," \
	"2026-12-03T17:00:00+07:00,"
#define MAX_PROBLEMS 64

struct problems {
	int n;
	long line[MAX_PROBLEMS];
	char msg[MAX_PROBLEMS][256];
};

static struct problems P;

static void collect(void *ctx, long line, const char *msg)
{
	struct problems *p = ctx;

	if (p->n < MAX_PROBLEMS) {
		p->line[p->n] = line;
		snprintf(p->msg[p->n], sizeof p->msg[p->n], "%s", msg);
		p->n++;
	}
}

/* Is there a problem on LINE whose message contains WHAT? */
static int has_problem(long line, const char *what)
{
	int i;

	for (i = 0; i < P.n; i++)
		if (P.line[i] == line && strstr(P.msg[i], what) != NULL)
			return 1;
	return 0;
}

static void print_problems(void)
{
	int i;

	for (i = 0; i < P.n; i++)
		fprintf(stderr, "  line %ld: %s\n", P.line[i], P.msg[i]);
}

static void import_setup(void)
{
	setup();
	memset(&P, 0, sizeof P);
	ck_assert_int_eq(admin_office_add(&S, "o1", "Cao Lãnh", 10.46, 105.63), DS_OK);
	ck_assert_int_eq(admin_office_add(&S, "o2", "Sa Đéc", 10.29, 105.76), DS_OK);
	ck_assert_int_eq(admin_courier_add(&S, "c1", "Bình", "o1", 450, 1020), DS_OK);
	ck_assert_int_eq(admin_courier_add(&S, "c2", "Châu", "o1", 450, 1020), DS_OK);
	ck_assert_int_eq(admin_courier_add(&S, "c9", "Sơn", "o2", 450, 1020), DS_OK);
}

/* Writes LEN bytes of TEXT to a file in the test's directory and imports it. */
static enum ds_err import_bytes(const char *text, size_t len, struct import_result *res)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/in.csv", tdir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	memset(&P, 0, sizeof P);
	return import_csv(&S, path, 1795000000000LL, collect, &P, res);
}

static enum ds_err import_text(const char *text, struct import_result *res)
{
	return import_bytes(text, strlen(text), res);
}

START_TEST(test_good_file_with_bom_crlf_and_quotes)
{
	static const char text[] = "\xEF\xBB\xBF" HEADER "\r\n"
		"H15.50.05.13-261126-0001,deliver,Nguyễn Văn An,0912345678,"
		"\"12 \"\"Lý\"\" Thường Kiệt, P.1\",10.4748,105.6412,2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\r\n" ROW2 "\r\n";
	struct import_result res;
	int64_t ws;

	ck_assert_int_eq(import_text(text, &res), DS_OK);
	print_problems();
	ck_assert_int_eq(P.n, 0);
	ck_assert_int_eq(res.rows, 2);
	ck_assert_int_eq(res.inserted, 2);
	ck_assert_int_eq(res.updated, 0);
	ck_assert_int_eq(res.bad_rows, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments "
	                       "WHERE code = 'H15.50.05.13-261126-0001'"
	                       " AND address = '12 \"Lý\" Thường Kiệt, P.1' AND courier_id = 'c1'"
	                       " AND kind = 'deliver' AND status = 'booked' AND service_min = 10"
	                       " AND offset_min = 420 AND citizen = 'Nguyễn Văn An'"), 1);
	ck_assert_int_eq(isotime_parse("2026-11-26T08:00:00+07:00", &ws, NULL), DS_OK);
	ck_assert_int_eq(q_int("SELECT window_start_ms FROM appointments WHERE code ="
	                       " 'H15.50.05.13-261126-0001'"), ws);
	ck_assert_int_eq(q_int("SELECT window_end_ms - window_start_ms "
	                       "FROM appointments WHERE code ="
	                       " 'H15.50.05.13-261126-0001'"), 3600000);
	/* An empty courier is an unassigned appointment; the BOM is not part of the first code. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments "
	                       "WHERE code = 'H15.50.05.13-261126-0002'"
	                       " AND courier_id IS NULL AND phone = '0912 345 679'"), 1);
	ck_assert_int_eq(q_int("SELECT count(DISTINCT rev) FROM appointments"), 1);
	ck_assert_int_eq(q_int("SELECT imported_ms FROM appointments LIMIT 1"), 1795000000000LL);
}
END_TEST

START_TEST(test_courier_column_is_optional)
{
	static const char text[] = "code,kind,citizen,phone,address,lat,lon,window_start,"
		"window_end,service_min,office,due\n"
		"H15.50.05.13-261126-0001,deliver,An,0912345678,Addr,10.4748,105.6412,"
		"2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_OK);
	ck_assert_int_eq(res.inserted, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE courier_id IS NULL"), 1);
}
END_TEST

START_TEST(test_each_bad_row_reported_with_its_line_nothing_written)
{
	static const char text[] = HEADER "\n"                                    /* 1 */
		ROW1 "\n"                                                              /* 2: good */
		"H15-bad,deliver,An,0912345678,A,10.47,105.64,2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"      /* 3: code */
		"H15.50.05.13-261126-0003,pickup,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"      /* 4: kind */
		"H15.50.05.13-261126-0004,deliver,An,call me,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"      /* 5: phone */
		"H15.50.05.13-261126-0005,deliver,An,0912345678,A,91.5,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"      /* 6: lat */
		"H15.50.05.13-261126-0006,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T09:00:00+07:00,"
		"2026-11-26T08:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"     /* 7: window */
		"H15.50.05.13-261126-0007,deliver,An,0912345678,A,10.47,105.64,2026-11-26T08:00:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"  /* 8: no offset */
		"H15.50.05.13-261126-0008,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o7,2026-11-26T17:00:00+07:00,c1\n"     /* 9: office */
		"H15.50.05.13-261126-0009,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c9\n"  /* 10: courier
		                                                                   * elsewhere */
		"H15.50.05.13-261126-0010,deliver,An,0912345678\n"                  /* 11: fields */
		"H15.50.05.13-261126-0011,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,ten,o1,2026-11-26T17:00:00+07:00,c1\n"  /* 12: service */
		"H15.50.05.13-261126-0012,deliver,An,0912345678,\"two\nline address\",10.47,105.64,"
		"2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c1\n"                                   /* 13-14: good */
		"H15.50.05.13-261126-0013,deliver,,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"   /* 15: citizen */
		"H15.50.05.13-261126-0014,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,tomorrow,c1\n";                       /* 16: due */
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(3, "code"));
	ck_assert(has_problem(4, "kind"));
	ck_assert(has_problem(5, "phone"));
	ck_assert(has_problem(6, "lat/lon"));
	ck_assert(has_problem(7, "window_end is not after"));
	ck_assert(has_problem(8, "window_start"));
	ck_assert(has_problem(9, "office \"o7\""));
	ck_assert(has_problem(10, "courier \"c9\""));
	ck_assert(has_problem(11, "fields"));
	ck_assert(has_problem(12, "service_min"));
	ck_assert(has_problem(15, "citizen"));
	ck_assert(has_problem(16, "due"));
	ck_assert(!has_problem(2, ""));
	ck_assert(!has_problem(13, ""));
	ck_assert(!has_problem(14, ""));
	ck_assert_int_eq(res.rows, 14);
	ck_assert_int_eq(res.bad_rows, 12);
	ck_assert_int_eq(res.inserted, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
	ck_assert_int_eq(q_int("SELECT value FROM counters WHERE name = 'rev'"), 0);
}
END_TEST

START_TEST(test_more_bad_field_kinds)
{
	char text[4096], big[1100];
	struct import_result res;

	memset(big, 'a', 1030);
	big[1030] = '\0';
	snprintf(text, sizeof text, HEADER "\n"
		"H15.50.05.13-261126-0001,deliver,An,0912345678,A,0,0,2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"        /* 2: 0,0 */
		"H15.50.05.13-261126-0002,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-27T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"     /* 3: window */
		"H15.50.05.13-261126-0003,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,481,o1,2026-11-26T17:00:00+07:00,c1\n"   /* 4: service */
		"H15.50.05.13-261126-0004,deliver,An,0912345678,%s,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o1,2026-11-26T17:00:00+07:00,c1\n"       /* 5: long */
		"H15.50.05.13-261126-0005,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,,2026-11-26T17:00:00+07:00,c1\n",      /* 6: office */
		big);
	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(2, "lat/lon"));
	ck_assert(has_problem(3, "longer than a day"));
	ck_assert(has_problem(4, "service_min"));
	ck_assert(has_problem(5, "1024 bytes"));
	ck_assert(has_problem(6, "office"));
	ck_assert_int_eq(res.bad_rows, 5); /* row 5 has two problems, counted once */
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

START_TEST(test_short_row_among_others_does_not_crash)
{
	/* Regression: a row with the wrong number of fields keeps no code, and sorting the rows
	 * to find repeated codes compared its NULL code (a crash under ASan). */
	static const char text[] = HEADER "\n" ROW1 "\n"
		"H15.50.05.13-261126-0010,deliver\n" ROW2 "\n" "x\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(3, "fields"));
	ck_assert(has_problem(5, "fields"));
	ck_assert_int_eq(res.bad_rows, 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

START_TEST(test_row_with_two_problems_counts_once)
{
	/* Regression: a row bad in itself and also naming an unknown office was counted twice. */
	static const char text[] = HEADER "\n"
		"H15.50.05.13-261126-0001,deliver,An,call me,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,o7,2026-11-26T17:00:00+07:00,c1\n" ROW2 "\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(2, "phone"));
	ck_assert(has_problem(2, "office"));
	ck_assert_int_eq(res.rows, 2);
	ck_assert_int_eq(res.bad_rows, 1);
}
END_TEST

START_TEST(test_duplicate_codes_in_file)
{
	static const char text[] = HEADER "\n" ROW1 "\n" ROW2 "\n" ROW1 "\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(4, "appears twice"));
	ck_assert(!has_problem(2, ""));
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

START_TEST(test_reimport_updates_and_counts)
{
	static const char first[] = HEADER "\n" ROW1 "\n" ROW2 "\n";
	static const char second[] = HEADER "\n"
		"H15.50.05.13-261126-0001,deliver,Nguyễn Văn An,0912345678,New address,"
		"10.4748,105.6412,2026-11-26T10:00:00+07:00,2026-11-26T11:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c1\n" ROW2 "\n"
		"H15.50.05.13-261126-0003,deliver,Võ Minh Đức,0987654321,Ấp 3,10.4638,105.6465,"
		"2026-11-26T10:00:00+07:00,2026-11-26T11:00:00+07:00,15,o1,"
		"2026-11-26T17:00:00+07:00,c2\n";
	struct import_result res;
	int64_t rev1;

	ck_assert_int_eq(import_text(first, &res), DS_OK);
	ck_assert_int_eq(res.inserted, 2);
	rev1 = q_int("SELECT max(rev) FROM appointments");
	ck_assert_int_eq(import_text(second, &res), DS_OK);
	print_problems();
	ck_assert_int_eq(res.rows, 3);
	ck_assert_int_eq(res.inserted, 1);
	ck_assert_int_eq(res.updated, 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 3);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE address = 'New address'"),
	                 1);
	ck_assert_int_gt(q_int("SELECT min(rev) FROM appointments"), rev1);
	/* Derived state is not touched by a re-import. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE status = 'booked'"), 3);
}
END_TEST

START_TEST(test_courier_change_records_move)
{
	static const char first[] = HEADER "\n" ROW1 "\n";
	static const char second[] = HEADER "\n"
		"H15.50.05.13-261126-0001,deliver,Nguyễn "
		"Văn An,0912345678,\"12 Lý Thường Kiệt, P.1\","
		"10.4748,105.6412,2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c2\n";
	struct import_result res;

	ck_assert_int_eq(import_text(first, &res), DS_OK);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointment_moves"), 0);
	ck_assert_int_eq(import_text(first, &res), DS_OK); /* same courier: no move */
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointment_moves"), 0);
	ck_assert_int_eq(import_text(second, &res), DS_OK);
	ck_assert_int_eq(res.updated, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointment_moves WHERE courier_id = 'c1'"
	                       " AND code = 'H15.50.05.13-261126-0001'"
	                       " AND rev = (SELECT rev FROM appointments)"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE courier_id = 'c2'"), 1);
}
END_TEST

START_TEST(test_header_missing_column)
{
	static const char text[] = "code,kind,citizen,phone,address,lat,lon,window_start,"
		"window_end,service_min,due,courier\n"
		"H15.50.05.13-261126-0001,deliver,An,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,"
		"2026-11-26T09:00:00+07:00,10,2026-11-26T17:00:00+07:00,c1\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(1, "\"office\""));
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

START_TEST(test_header_extra_unknown_column_refused)
{
	static const char text[] = HEADER ",notes\n" ROW1 ",call first\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(1, "unknown column \"notes\""));
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

START_TEST(test_empty_file)
{
	struct import_result res;

	ck_assert_int_eq(import_text("", &res), DS_EINVAL);
	ck_assert(has_problem(0, "empty"));
	ck_assert_int_eq(import_text("\xEF\xBB\xBF", &res), DS_EINVAL);
	ck_assert(has_problem(0, "empty"));
	/* A header and no rows is a valid file with nothing in it. */
	ck_assert_int_eq(import_text(HEADER "\n", &res), DS_OK);
	ck_assert_int_eq(res.rows, 0);
}
END_TEST

START_TEST(test_not_utf8)
{
	static const char text[] = HEADER "\n"
		"H15.50.05.13-261126-0001,deliver,Nguy\xe1n,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c1\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	ck_assert(has_problem(2, "UTF-8"));
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

START_TEST(test_csv_syntax_error_reported)
{
	static const char text[] = HEADER "\n" ROW1 "\n"
		"H15.50.05.13-261126-0002,deliver,\"An\"x,0912345678\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(3, "CSV"));
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

/* Regression (issue 15, finding 4): names and addresses starting with a formula character
 * were imported, to come out of CSV files a spreadsheet runs. Each is refused with its line
 * and column; numbers may still be negative. */
START_TEST(test_formula_start_in_text_column_refused_with_line_and_column)
{
	static const char text[] = HEADER "\n" ROW1 "\n"
		"H15.50.05.13-261126-0002,deliver,\"=HYPERLINK(\"\"http://evil.example\"\","
		"\"\"x\"\")\","
		"0912345678,A,10.47,105.64,2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,"
		"o1,"
		"2026-11-26T17:00:00+07:00,c1\n"
		"H15.50.05.13-261126-0003,deliver,An,0912345678,@SUM(A1),10.47,105.64,"
		"2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c1\n"
		"H15.50.05.13-261126-0004,deliver,\"\tAn\",0912345678,\"+1, -2\",10.47,105.64,"
		"2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c1\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(3, "citizen"));
	ck_assert(has_problem(3, "formula"));
	ck_assert(has_problem(4, "address"));
	ck_assert(has_problem(5, "citizen"));
	ck_assert(has_problem(5, "address"));
	ck_assert(!has_problem(2, "formula"));
	ck_assert_int_eq(res.bad_rows, 3);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

START_TEST(test_negative_coordinates_are_not_formulas)
{
	/* A number column keeps its sign: only text columns are held to the formula rule. */
	static const char text[] = HEADER "\n"
		"H15.50.05.13-261126-0001,deliver,An,0912345678,A,-10.47,-105.64,"
		"2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c1\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_OK);
	print_problems();
	ck_assert_int_eq(P.n, 0);
	ck_assert_int_eq(q_int("SELECT lat < 0 AND lon < 0 FROM appointments"), 1);
}
END_TEST

/* Regression (issue 15): a file not in UTF-8 was reported as a whole, and the summary said
 * "0 of 0 rows". The problem now names the first line that is not UTF-8, and the result
 * says the file as a whole was refused. */
START_TEST(test_not_utf8_names_the_line)
{
	static const char text[] = HEADER "\n" ROW1 "\n"
		"H15.50.05.13-261126-0002,deliver,Nguy\xe1n,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c1\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(3, "UTF-8"));
	ck_assert(has_problem(3, "byte 38"));
	ck_assert_int_eq(res.file_refused, 1);
}
END_TEST

/* Regression (issue 15): a quote never closed swallows the rest of the file; the error was
 * reported on the last line with libcsv's words. It now names the line the record began. */
START_TEST(test_unclosed_quote_names_the_line_it_opened)
{
	static const char text[] = HEADER "\n" ROW1 "\n"
		"H15.50.05.13-261126-0002,deliver,\"An,0912345678,A\n" ROW2 "\n" ROW2 "\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	print_problems();
	ck_assert(has_problem(3, "quote"));
	ck_assert(has_problem(3, "never closed"));
	ck_assert_int_eq(res.file_refused, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments"), 0);
}
END_TEST

START_TEST(test_bad_rows_are_not_a_refused_file)
{
	static const char text[] = HEADER "\n" ROW1 "\n"
		"H15.50.05.13-261126-0002,deliver,,0912345678,A,10.47,105.64,"
		"2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,o1,"
		"2026-11-26T17:00:00+07:00,c1\n";
	struct import_result res;

	ck_assert_int_eq(import_text(text, &res), DS_EINVAL);
	ck_assert_int_eq(res.file_refused, 0);
	ck_assert_int_eq(res.bad_rows, 1);
	ck_assert_int_eq(res.rows, 2);
}
END_TEST

START_TEST(test_missing_file)
{
	struct import_result res;

	memset(&P, 0, sizeof P);
	ck_assert_int_eq(import_csv(&S, "/nonexistent/x.csv", 0, collect, &P, &res), DS_EIO);
	ck_assert(has_problem(0, "cannot read"));
}
END_TEST

static Suite *import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	tcase_add_checked_fixture(tc, import_setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_good_file_with_bom_crlf_and_quotes);
	tcase_add_test(tc, test_courier_column_is_optional);
	tcase_add_test(tc, test_each_bad_row_reported_with_its_line_nothing_written);
	tcase_add_test(tc, test_more_bad_field_kinds);
	tcase_add_test(tc, test_short_row_among_others_does_not_crash);
	tcase_add_test(tc, test_row_with_two_problems_counts_once);
	tcase_add_test(tc, test_duplicate_codes_in_file);
	tcase_add_test(tc, test_reimport_updates_and_counts);
	tcase_add_test(tc, test_courier_change_records_move);
	tcase_add_test(tc, test_header_missing_column);
	tcase_add_test(tc, test_header_extra_unknown_column_refused);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_not_utf8);
	tcase_add_test(tc, test_csv_syntax_error_reported);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_formula_start_in_text_column_refused_with_line_and_column);
	tcase_add_test(tc, test_negative_coordinates_are_not_formulas);
	tcase_add_test(tc, test_not_utf8_names_the_line);
	tcase_add_test(tc, test_unclosed_quote_names_the_line_it_opened);
	tcase_add_test(tc, test_bad_rows_are_not_a_refused_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(import_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
