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
#include "fixture.h"

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
	ck_assert_int_eq(admin_courier_add(&S, "c1", "Trần Văn Bình", "nope", 450, 1020),
	                 DS_ENOTFOUND);
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
		ck_assert_msg(admin_parse_shift(bad[i], &a, &b) == DS_EINVAL, "accepted \"%s\"",
		              bad[i]);
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
