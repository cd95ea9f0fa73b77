/* test_view.c: the daemon's GPS view survives the file round trip (NaN included) and a view
 * is "alive" only from this boot and while it is being rewritten. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/view.h"

START_TEST(round_trip_and_alive)
{
	char dir[64], path[128];
	struct view v, w;

	snprintf(dir, sizeof dir, "/tmp/test_view.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(view_read(dir, &w), DS_ENOTFOUND);
	memset(&v, 0, sizeof v);
	v.written_ms = 5000;
	snprintf(v.boot_id, sizeof v.boot_id, "boot-1");
	v.pid = 42;
	v.gpsd = VIEW_GPSD_SILENT;
	v.last_mode = 1;
	v.last_tpv_ms = 4900;
	v.lost_since = 1;
	v.fix.valid = 1;
	v.fix.lat = 10.4748123;
	v.fix.lon = 105.6412001;
	v.fix.eph_m = NAN;
	v.fix.mode = 3;
	v.fix.sats_used = -1;
	v.fix.gps_time_ms = 1741915627000LL;
	v.fix.rx_mono_ms = 4000;
	v.fix.rx_wall_ms = 1795654800000LL;
	ck_assert_int_eq(view_write(dir, &v), DS_OK);
	ck_assert_int_eq(view_read(dir, &w), DS_OK);
	ck_assert_int_eq(w.gpsd, VIEW_GPSD_SILENT);
	ck_assert_int_eq(w.lost_since, 1);
	ck_assert_double_eq_tol(w.fix.lat, 10.4748123, 1e-9);
	ck_assert(!isfinite(w.fix.eph_m));
	ck_assert_int_eq(w.fix.gps_time_ms, v.fix.gps_time_ms);
	ck_assert_str_eq(w.fix.boot_id, "boot-1");
	ck_assert(view_alive(&w, 5000 + VIEW_ALIVE_MS, "boot-1"));
	ck_assert(!view_alive(&w, 5001 + VIEW_ALIVE_MS, "boot-1"));
	ck_assert(!view_alive(&w, 5000, "boot-2"));
	snprintf(path, sizeof path, "%s/%s", dir, VIEW_FILE);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, round_trip_and_alive);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
