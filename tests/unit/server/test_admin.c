/* test_admin.c: unit tests for server/admin.c: offices and couriers added and updated,
 * refused identifiers, names and positions, and the "HH:MM-HH:MM" shift parser. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/admin.h"

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

START_TEST(test_office_add_then_update)
{
	ck_assert_int_eq(admin_office_add(&S, "cl", "Bưu cục Cao Lãnh", 10.4598, 105.6325), DS_OK);
	ck_assert_int_eq(q_int("SELECT count(*) FROM offices"), 1);
	ck_assert_int_eq(admin_office_add(&S, "cl", "Cao Lãnh", 10.5, 105.7), DS_OK);
	ck_assert_int_eq(q_int("SELECT count(*) FROM offices"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM offices WHERE name = 'Cao Lãnh'"
	                       " AND lat = 10.5 AND lon = 105.7"), 1);
	/* The planner's travel model is not reset by an update. */
	ck_assert_int_eq(q_int("SELECT detour = 1.4 AND speed_kmh = 22 FROM offices"), 1);
}
END_TEST

START_TEST(test_office_bad_ids_names_positions)
{
	char longid[80];

	memset(longid, 'a', 65);
	longid[65] = '\0';
	ck_assert_int_eq(admin_office_add(&S, "", "Name", 10, 105), DS_EINVAL);
	ck_assert_int_eq(admin_office_add(&S, NULL, "Name", 10, 105), DS_EINVAL);
	ck_assert_int_eq(admin_office_add(&S, "a b", "Name", 10, 105), DS_EINVAL);
	ck_assert_int_eq(admin_office_add(&S, "a'b", "Name", 10, 105), DS_EINVAL);
	ck_assert_int_eq(admin_office_add(&S, longid, "Name", 10, 105), DS_EINVAL);
	longid[64] = '\0';
	ck_assert_int_eq(admin_office_add(&S, longid, "Name", 10, 105), DS_OK);
	ck_assert_int_eq(admin_office_add(&S, "o1", "", 10, 105), DS_EINVAL);
	ck_assert_int_eq(admin_office_add(&S, "o1", "\xff\xfe", 10, 105), DS_EINVAL);
	ck_assert_int_eq(admin_office_add(&S, "o1", "Name", 91, 105), DS_EINVAL);
	ck_assert_int_eq(admin_office_add(&S, "o1", "Name", 10, 181), DS_EINVAL);
	ck_assert_int_eq(admin_office_add(&S, "o1", "Name", NAN, 105), DS_EINVAL);
	ck_assert_int_eq(q_int("SELECT count(*) FROM offices"), 1);
}
END_TEST

START_TEST(test_courier_add_update_and_unknown_office)
{
	ck_assert_int_eq(admin_office_add(&S, "o1", "One", 10.4, 105.6), DS_OK);
	ck_assert_int_eq(admin_office_add(&S, "o2", "Two", 10.5, 105.7), DS_OK);
	ck_assert_int_eq(admin_courier_add(&S, "c1", "Trần Văn Bình", "nope", 450, 1020), DS_ENOTFOUND);
	ck_assert_int_eq(q_int("SELECT count(*) FROM couriers"), 0);
	ck_assert_int_eq(admin_courier_add(&S, "c1", "Trần Văn Bình", "o1", 450, 1020), DS_OK);
	ck_assert_int_eq(q_int("SELECT shift_start_min * 10000 + shift_end_min FROM couriers"
	                       " WHERE id = 'c1' AND office_id = 'o1'"), 4501020);
	ck_assert_int_eq(admin_courier_add(&S, "c1", "Bình", "o2", 480, 960), DS_OK);
	ck_assert_int_eq(q_int("SELECT count(*) FROM couriers"), 1);
	ck_assert_int_eq(q_int("SELECT shift_start_min * 10000 + shift_end_min FROM couriers"
	                       " WHERE id = 'c1' AND office_id = 'o2' AND name = 'Bình'"), 4800960);
	/* Moving an existing courier to an unknown office changes nothing. */
	ck_assert_int_eq(admin_courier_add(&S, "c1", "Bình", "nope", 480, 960), DS_ENOTFOUND);
	ck_assert_int_eq(q_int("SELECT count(*) FROM couriers WHERE office_id = 'o2'"), 1);
}
END_TEST

START_TEST(test_courier_bad_ids_and_shift)
{
	ck_assert_int_eq(admin_office_add(&S, "o1", "One", 10.4, 105.6), DS_OK);
	ck_assert_int_eq(admin_courier_add(&S, "", "N", "o1", 450, 1020), DS_EINVAL);
	ck_assert_int_eq(admin_courier_add(&S, "c 1", "N", "o1", 450, 1020), DS_EINVAL);
	ck_assert_int_eq(admin_courier_add(&S, "c1", "", "o1", 450, 1020), DS_EINVAL);
	ck_assert_int_eq(admin_courier_add(&S, "c1", "N", "o1", 1020, 450), DS_EINVAL);
	ck_assert_int_eq(admin_courier_add(&S, "c1", "N", "o1", 600, 600), DS_EINVAL);
	ck_assert_int_eq(q_int("SELECT count(*) FROM couriers"), 0);
}
END_TEST

START_TEST(test_parse_shift_good)
{
	int a = -1, b = -1;

	ck_assert_int_eq(admin_parse_shift("07:30-17:00", &a, &b), DS_OK);
	ck_assert_int_eq(a, 450);
	ck_assert_int_eq(b, 1020);
	ck_assert_int_eq(admin_parse_shift("00:00-24:00", &a, &b), DS_OK);
	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(b, 1440);
}
END_TEST

START_TEST(test_parse_shift_bad)
{
	static const char *const bad[] = {"7:30-17:00", "17:00-07:30", "25:00-26:00", "", "07:30",
		"07:30-17:00 ", "07:30–17:00", "07:60-17:00", "07:30-24:01", "ab:cd-ef:gh",
		"12:00-12:00", "07.30-17.00", "07:30-17:0x"};
	int a, b;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(admin_parse_shift(bad[i], &a, &b) == DS_EINVAL, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(admin_parse_shift(NULL, &a, &b), DS_EINVAL);
}
END_TEST

static Suite *admin_suite(void)
{
	Suite *s = suite_create("admin");
	TCase *tc = tcase_create("admin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_office_add_then_update);
	tcase_add_test(tc, test_office_bad_ids_names_positions);
	tcase_add_test(tc, test_courier_add_update_and_unknown_office);
	tcase_add_test(tc, test_courier_bad_ids_and_shift);
	tcase_add_test(tc, test_parse_shift_good);
	tcase_add_test(tc, test_parse_shift_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(admin_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
