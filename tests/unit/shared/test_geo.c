/* test_geo.c: pins shared/geo.c against known distances and an independent reference: the
 * spherical Vincenty (atan2) form of the great-circle distance, not the haversine the module
 * uses, so a shared mistake in the formula cannot hide. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "geo.h"

#define PI 3.14159265358979323846

/* Great-circle distance by the atan2 form, well conditioned at every distance. */
static double ref_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * PI / 180, p2 = lat2 * PI / 180, dl = (lon2 - lon1) * PI / 180;
	double x = cos(p2) * sin(dl);
	double y = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl);
	double z = sin(p1) * sin(p2) + cos(p1) * cos(p2) * cos(dl);

	return GEO_EARTH_RADIUS_M * atan2(sqrt(x * x + y * y), z);
}

/* True when GOT is within FRAC (relative) of WANT. */
static int near(double got, double want, double frac)
{
	return fabs(got - want) <= fabs(want) * frac;
}

START_TEST(distance_cao_lanh_post_office_is_2_16_km)
{
	double d = geo_distance_m(10.4565, 105.6345, 10.4748, 105.6412);

	ck_assert_msg(near(d, 2160.0, 0.005), "got %.1f m", d);
	ck_assert_msg(near(d, ref_distance_m(10.4565, 105.6345, 10.4748, 105.6412), 1e-9),
	              "got %.3f m", d);
}
END_TEST

START_TEST(distance_is_symmetric)
{
	ck_assert_double_eq_tol(geo_distance_m(10.4565, 105.6345, 10.4748, 105.6412),
	                        geo_distance_m(10.4748, 105.6412, 10.4565, 105.6345), 1e-6);
}
END_TEST

START_TEST(distance_one_degree_of_latitude)
{
	/* R * pi / 180 along any meridian. */
	double want = GEO_EARTH_RADIUS_M * PI / 180;

	ck_assert_double_eq_tol(geo_distance_m(0, 0, 1, 0), want, 1e-3);
	ck_assert_double_eq_tol(geo_distance_m(45, 105, 46, 105), want, 1e-3);
	ck_assert_double_eq_tol(geo_distance_m(-11, -60, -10, -60), want, 1e-3);
}
END_TEST

START_TEST(distance_quarter_of_the_equator)
{
	ck_assert_double_eq_tol(geo_distance_m(0, 0, 0, 90), GEO_EARTH_RADIUS_M * PI / 2, 1e-3);
	ck_assert_double_eq_tol(geo_distance_m(0, 0, 90, 0), GEO_EARTH_RADIUS_M * PI / 2, 1e-3);
}
END_TEST

START_TEST(distance_across_the_antimeridian_is_short)
{
	double d = geo_distance_m(0, 179.5, 0, -179.5);

	ck_assert_double_eq_tol(d, GEO_EARTH_RADIUS_M * PI / 180, 1e-3);
}
END_TEST

START_TEST(distance_zero_for_the_same_point)
{
	ck_assert_double_eq(geo_distance_m(10.4565, 105.6345, 10.4565, 105.6345), 0.0);
	ck_assert_msg(geo_distance_m(90, 0, 90, 123) < 1e-6, "both poles are one point");
}
END_TEST

START_TEST(distance_antipodes_is_half_the_circumference)
{
	double half = GEO_EARTH_RADIUS_M * PI;
	double d1 = geo_distance_m(0, 0, 0, 180);
	double d2 = geo_distance_m(10.4565, 105.6345, -10.4565, -74.3655);
	double d3 = geo_distance_m(90, 0, -90, 0);

	ck_assert_msg(isfinite(d1) && isfinite(d2) && isfinite(d3), "antipodes must not give NaN");
	ck_assert_double_eq_tol(d1, half, 1e-3);
	ck_assert_double_eq_tol(d2, half, 1e-3);
	ck_assert_double_eq_tol(d3, half, 1e-3);
}
END_TEST

START_TEST(distance_matches_reference_on_a_grid)
{
	int i, j;

	for (i = -80; i <= 80; i += 20) {
		for (j = -170; j <= 170; j += 34) {
			double lat2 = i / 3.0 + 7.25, lon2 = j / 2.0 - 33.5;
			double got = geo_distance_m(i, j, lat2, lon2),
			       want = ref_distance_m(i, j, lat2, lon2);
			ck_assert_msg(fabs(got - want) < 1e-3 + want * 1e-9,
			              "(%d,%d)-(%g,%g): got %.4f want %.4f", i, j, lat2, lon2, got,
			              want);
		}
	}
}
END_TEST

START_TEST(distance_nan_when_any_input_not_finite)
{
	ck_assert(isnan(geo_distance_m(NAN, 105, 10, 105)));
	ck_assert(isnan(geo_distance_m(10, NAN, 10, 105)));
	ck_assert(isnan(geo_distance_m(10, 105, NAN, 105)));
	ck_assert(isnan(geo_distance_m(10, 105, 10, NAN)));
	ck_assert(isnan(geo_distance_m(INFINITY, 105, 10, 105)));
	ck_assert(isnan(geo_distance_m(10, 105, 10, -INFINITY)));
}
END_TEST

START_TEST(valid_accepts_the_bounds)
{
	ck_assert(geo_valid(0, 0));
	ck_assert(geo_valid(90, 180));
	ck_assert(geo_valid(-90, -180));
	ck_assert(geo_valid(10.4748, 105.6412));
}
END_TEST

START_TEST(valid_refuses_outside_the_bounds)
{
	ck_assert(!geo_valid(90.0000001, 0));
	ck_assert(!geo_valid(-90.0000001, 0));
	ck_assert(!geo_valid(0, 180.0000001));
	ck_assert(!geo_valid(0, -180.0000001));
	ck_assert(!geo_valid(105.6412, 10.4748)); /* swapped lat/lon */
}
END_TEST

START_TEST(valid_refuses_nan_and_infinity)
{
	ck_assert(!geo_valid(NAN, 0));
	ck_assert(!geo_valid(0, NAN));
	ck_assert(!geo_valid(INFINITY, 0));
	ck_assert(!geo_valid(0, -INFINITY));
}
END_TEST

static Suite *geo_suite(void)
{
	Suite *s = suite_create("geo");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, distance_cao_lanh_post_office_is_2_16_km);
	tcase_add_test(tc, distance_is_symmetric);
	tcase_add_test(tc, distance_one_degree_of_latitude);
	tcase_add_test(tc, distance_quarter_of_the_equator);
	tcase_add_test(tc, distance_across_the_antimeridian_is_short);
	tcase_add_test(tc, distance_zero_for_the_same_point);
	tcase_add_test(tc, distance_antipodes_is_half_the_circumference);
	tcase_add_test(tc, distance_matches_reference_on_a_grid);
	tcase_add_test(tc, distance_nan_when_any_input_not_finite);
	tcase_add_test(tc, valid_accepts_the_bounds);
	tcase_add_test(tc, valid_refuses_outside_the_bounds);
	tcase_add_test(tc, valid_refuses_nan_and_infinity);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(geo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
