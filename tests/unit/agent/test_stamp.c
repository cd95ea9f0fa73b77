/* test_stamp.c: the live / last_known / none decision and the flags, as pure functions. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/stamp.h"

#define BOOT "boot-a"
#define APPT_LAT 10.4748
#define APPT_LON 105.6412

static struct stamp_input input(void)
{
	struct stamp_input in;

	memset(&in, 0, sizeof in);
	in.last.valid = 1;
	in.last.lat = APPT_LAT + 0.00005; /* ~5.5 m north */
	in.last.lon = APPT_LON;
	in.last.eph_m = 15.0;
	in.last.mode = 3;
	in.last.sats_used = 9;
	in.last.gps_time_ms = 1800000000000LL;
	in.last.rx_mono_ms = 100000;
	in.last.rx_wall_ms = 1800000000000LL;
	snprintf(in.last.boot_id, sizeof in.last.boot_id, "%s", BOOT);
	in.now_mono_ms = 100500;
	in.now_wall_ms = 1800000000500LL;
	in.boot_id = BOOT;
	in.fresh_ms = 3000;
	in.appt_lat = APPT_LAT;
	in.appt_lon = APPT_LON;
	return in;
}

START_TEST(fresh_fix_is_live)
{
	struct stamp_input in = input();
	struct model_gps g;
	unsigned flags;

	stamp_make(&in, &g, &flags);
	ck_assert_int_eq(g.source, MODEL_GPS_LIVE);
	ck_assert_double_eq_tol(g.fix_age_s, 0.5, 1e-9);
	ck_assert_double_eq_tol(g.dist_m, 5.56, 0.1);
	ck_assert_int_eq(g.mode, 3);
	ck_assert_int_eq(g.sats_used, 9);
	ck_assert_uint_eq(flags, 0);
}
END_TEST

START_TEST(old_fix_is_last_known_with_its_age)
{
	struct stamp_input in = input();
	struct model_gps g;
	unsigned flags;

	in.now_mono_ms = in.last.rx_mono_ms + 45000;
	stamp_make(&in, &g, &flags);
	ck_assert_int_eq(g.source, MODEL_GPS_LAST_KNOWN);
	ck_assert_double_eq_tol(g.fix_age_s, 45.0, 1e-9);
	ck_assert_double_eq(g.lat, in.last.lat); /* never moved */
}
END_TEST

START_TEST(fix_lost_since_is_never_live)
{
	struct stamp_input in = input();
	struct model_gps g;
	unsigned flags;

	in.lost_since = 1;
	in.now_mono_ms = in.last.rx_mono_ms + 10; /* however young */
	stamp_make(&in, &g, &flags);
	ck_assert_int_eq(g.source, MODEL_GPS_LAST_KNOWN);
}
END_TEST

START_TEST(no_fix_is_none)
{
	struct stamp_input in = input();
	struct model_gps g;
	unsigned flags;

	in.last.valid = 0;
	stamp_make(&in, &g, &flags);
	ck_assert_int_eq(g.source, MODEL_GPS_NONE);
	ck_assert(!isfinite(g.lat));
	ck_assert(!isfinite(g.dist_m));
	ck_assert_uint_eq(flags, 0);
}
END_TEST

START_TEST(mode_one_is_none)
{
	struct stamp_input in = input();
	struct model_gps g;
	unsigned flags;

	in.last.mode = 1;
	stamp_make(&in, &g, &flags);
	ck_assert_int_eq(g.source, MODEL_GPS_NONE);
}
END_TEST

START_TEST(other_boot_uses_wall_clock_and_is_never_live)
{
	struct stamp_input in = input();
	struct model_gps g;
	unsigned flags;

	in.boot_id = "boot-b";
	in.now_mono_ms = 5; /* a new boot's clock says nothing about the old fix */
	in.now_wall_ms = in.last.rx_wall_ms + 1000;
	stamp_make(&in, &g, &flags);
	ck_assert_int_eq(g.source, MODEL_GPS_LAST_KNOWN);
	ck_assert_double_eq_tol(g.fix_age_s, 1.0, 1e-9);
	in.now_wall_ms = in.last.rx_wall_ms - 1000; /* the wall clock went back: age unknown */
	stamp_make(&in, &g, &flags);
	ck_assert_int_eq(g.source, MODEL_GPS_NONE);
}
END_TEST

START_TEST(flags_far_poor_skew)
{
	struct stamp_input in = input();
	struct model_gps g;
	unsigned flags;

	in.last.lat = APPT_LAT + 0.0019; /* ~211 m */
	in.last.eph_m = 152.0;
	in.last.gps_time_ms = in.last.rx_wall_ms - 6 * 60 * 1000;
	stamp_make(&in, &g, &flags);
	ck_assert_uint_eq(flags, MODEL_FLAG_FAR | MODEL_FLAG_POOR_ACCURACY | MODEL_FLAG_CLOCK_SKEW);
	in.last.lat = APPT_LAT + 0.0017; /* ~189 m */
	in.last.eph_m = 100.0;           /* not worse than 100 m */
	in.last.gps_time_ms = in.last.rx_wall_ms - 4 * 60 * 1000;
	stamp_make(&in, &g, &flags);
	ck_assert_uint_eq(flags, 0);
}
END_TEST

START_TEST(unknown_accuracy_and_location_raise_nothing)
{
	struct stamp_input in = input();
	struct model_gps g;
	unsigned flags;

	in.last.eph_m = NAN;
	in.last.gps_time_ms = 0;
	in.appt_lat = NAN;
	stamp_make(&in, &g, &flags);
	ck_assert_int_eq(g.source, MODEL_GPS_LIVE);
	ck_assert(!isfinite(g.accuracy_m));
	ck_assert(!isfinite(g.dist_m));
	ck_assert_uint_eq(flags, 0);
}
END_TEST

START_TEST(newer_picks_latest_receipt)
{
	struct stamp_input a = input(), b = input();

	b.last.rx_mono_ms += 10;
	ck_assert_ptr_eq(stamp_newer(&a.last, &b.last), &b.last);
	b.last.valid = 0;
	ck_assert_ptr_eq(stamp_newer(&a.last, &b.last), &a.last);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stamp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fresh_fix_is_live);
	tcase_add_test(tc, old_fix_is_last_known_with_its_age);
	tcase_add_test(tc, fix_lost_since_is_never_live);
	tcase_add_test(tc, no_fix_is_none);
	tcase_add_test(tc, mode_one_is_none);
	tcase_add_test(tc, other_boot_uses_wall_clock_and_is_never_live);
	tcase_add_test(tc, flags_far_poor_skew);
	tcase_add_test(tc, unknown_accuracy_and_location_raise_nothing);
	tcase_add_test(tc, newer_picks_latest_receipt);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
