/* test_isotime.c: pins the ISO 8601 subset of shared/isotime.c: what it parses (offsets are
 * required), what it refuses, the text it writes, and the calendar arithmetic under both. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isotime.h"

/* 2026-11-26T00:00:00Z, from `date -u -d 2026-11-26 +%s`. */
#define DAY_2026_11_26_MS 1795651200000LL
#define HOUR_MS 3600000LL
#define MIN_MS 60000LL

static int64_t parse_ok(const char *s, int *off)
{
	int64_t ms = -12345;

	ck_assert_msg(isotime_parse(s, &ms, off) == DS_OK, "\"%s\" refused", s);
	return ms;
}

static void refuse(const char *s)
{
	int64_t ms;

	ck_assert_msg(isotime_parse(s, &ms, NULL) == DS_EINVAL, "\"%s\" accepted", s);
}

START_TEST(parse_utc_with_z)
{
	int off = 99;

	ck_assert_int_eq(parse_ok("2026-11-26T01:42:10Z", &off), 1795657330000LL);
	ck_assert_int_eq(off, 0);
	ck_assert_int_eq(parse_ok("1970-01-01T00:00:00Z", NULL), 0);
	ck_assert_int_eq(parse_ok("2026-11-26t01:42:10z", NULL), 1795657330000LL);
	ck_assert_int_eq(parse_ok("2026-11-26 01:42:10Z", NULL), 1795657330000LL);
}
END_TEST

START_TEST(parse_positive_offset)
{
	int off = 0;

	ck_assert_int_eq(parse_ok("2026-11-26T08:00:00+07:00", &off), DAY_2026_11_26_MS + HOUR_MS);
	ck_assert_int_eq(off, 420);
	ck_assert_int_eq(parse_ok("2026-11-26T08:00:00+0700", &off), DAY_2026_11_26_MS + HOUR_MS);
	ck_assert_int_eq(parse_ok("2026-11-26T06:59:00+07:00", &off), DAY_2026_11_26_MS - MIN_MS);
}
END_TEST

START_TEST(parse_negative_half_hour_offset)
{
	int off = 0;

	ck_assert_int_eq(parse_ok("2026-11-26T01:00:00-03:30", &off),
	                 DAY_2026_11_26_MS + 4 * HOUR_MS + 30 * MIN_MS);
	ck_assert_int_eq(off, -210);
}
END_TEST

START_TEST(parse_fractional_seconds)
{
	ck_assert_int_eq(parse_ok("2026-11-26T01:00:00.250Z", NULL),
	                 DAY_2026_11_26_MS + HOUR_MS + 250);
	ck_assert_int_eq(parse_ok("2026-11-26T01:00:00.1Z", NULL),
	                 DAY_2026_11_26_MS + HOUR_MS + 100);
	ck_assert_int_eq(parse_ok("2026-11-26T01:00:00.05Z", NULL),
	                 DAY_2026_11_26_MS + HOUR_MS + 50);
	/* Digits past milliseconds are dropped, not rounded. */
	ck_assert_int_eq(parse_ok("2026-11-26T01:00:00.123999Z", NULL),
	                 DAY_2026_11_26_MS + HOUR_MS + 123);
	ck_assert_int_eq(parse_ok("2026-11-26T01:00:00,5+07:00", NULL),
	                 DAY_2026_11_26_MS - 6 * HOUR_MS + 500);
}
END_TEST

START_TEST(parse_without_seconds)
{
	ck_assert_int_eq(parse_ok("2026-11-26T08:00+07:00", NULL), DAY_2026_11_26_MS + HOUR_MS);
}
END_TEST

START_TEST(parse_leap_day)
{
	ck_assert_int_eq(parse_ok("2024-02-29T00:00:00Z", NULL), 19782LL * 86400000);
}
END_TEST

START_TEST(refuse_missing_offset)
{
	refuse("2026-11-26T08:00:00");
	refuse("2026-11-26T08:00:00.250");
	refuse("2026-11-26T08:00");
	refuse("2026-11-26");
}
END_TEST

START_TEST(refuse_bad_month_and_day)
{
	refuse("2026-13-01T00:00:00Z");
	refuse("2026-00-10T00:00:00Z");
	refuse("2026-11-00T00:00:00Z");
	refuse("2026-11-31T00:00:00Z");
	refuse("2026-02-29T00:00:00Z");
	refuse("2100-02-29T00:00:00Z");
}
END_TEST

START_TEST(refuse_hour_24_and_bad_clock)
{
	refuse("2026-11-26T24:00:00Z");
	refuse("2026-11-26T23:60:00Z");
	refuse("2026-11-26T23:59:60Z");
	refuse("2026-11-26T8:00:00Z");
	refuse("2026-11-26T08:00:00.Z");
}
END_TEST

START_TEST(refuse_bad_offset)
{
	refuse("2026-11-26T08:00:00+15:00");
	refuse("2026-11-26T08:00:00+07:60");
	refuse("2026-11-26T08:00:00+7:00");
	refuse("2026-11-26T08:00:00+07");
	refuse("2026-11-26T08:00:00Zjunk");
	refuse("2026-11-26T08:00:00+07:00 ");
}
END_TEST

START_TEST(refuse_garbage)
{
	char longs[80];
	int64_t ms;

	refuse("");
	refuse("garbage");
	refuse("2026/11/26T08:00:00Z");
	refuse("26-11-26T08:00:00Z");
	refuse("1969-12-31T23:59:59Z");
	ck_assert_int_eq(isotime_parse(NULL, &ms, NULL), DS_EINVAL);
	/* Over ISOTIME_MAX_LEN even though the prefix is a good time. */
	snprintf(longs, sizeof longs, "2026-11-26T01:00:00.%030dZ", 1);
	refuse(longs);
}
END_TEST

START_TEST(format_utc_and_offsets)
{
	char buf[ISOTIME_MAX_LEN + 1];

	ck_assert_int_eq(isotime_format(1795657330120LL, 0, buf, sizeof buf), DS_OK);
	ck_assert_str_eq(buf, "2026-11-26T01:42:10.120Z");
	ck_assert_int_eq(isotime_format(1795657330000LL, 0, buf, sizeof buf), DS_OK);
	ck_assert_str_eq(buf, "2026-11-26T01:42:10Z");
	ck_assert_int_eq(isotime_format(DAY_2026_11_26_MS + HOUR_MS, 420, buf, sizeof buf), DS_OK);
	ck_assert_str_eq(buf, "2026-11-26T08:00:00+07:00");
	ck_assert_int_eq(isotime_format(DAY_2026_11_26_MS + 4 * HOUR_MS + 30 * MIN_MS, -210, buf,
	                                sizeof buf), DS_OK);
	ck_assert_str_eq(buf, "2026-11-26T01:00:00-03:30");
	ck_assert_int_eq(isotime_format(0, 0, buf, sizeof buf), DS_OK);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	/* Crossing midnight backwards with a negative offset. */
	ck_assert_int_eq(isotime_format(DAY_2026_11_26_MS + 5, -60, buf, sizeof buf), DS_OK);
	ck_assert_str_eq(buf, "2026-11-25T23:00:00.005-01:00");
}
END_TEST

START_TEST(format_refuses_short_buffer)
{
	char buf[ISOTIME_MAX_LEN + 1];
	size_t need = strlen("2026-11-26T01:42:10.120Z") + 1;

	ck_assert_int_eq(isotime_format(1795657330120LL, 0, buf, need - 1), DS_ETOOBIG);
	ck_assert_int_eq(isotime_format(1795657330120LL, 0, buf, need), DS_OK);
	ck_assert_str_eq(buf, "2026-11-26T01:42:10.120Z");
}
END_TEST

/* The digit-by-digit formatting matches an independent one (the C library's calendar and
 * snprintf) across 1970-9999 and every offset from -99:59 to +99:59, including offsets
 * isotime_parse() refuses; past year 9999 the general path writes the longer year. */
START_TEST(format_matches_libc_calendar)
{
	char buf[ISOTIME_MAX_LEN + 1], want[ISOTIME_MAX_LEN + 16], frac[8], off[16];
	uint64_t x = 7;
	int i, ms, off_min, a;
	int64_t t, local;
	time_t secs;
	struct tm tm;

	for (i = 0; i < 200000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		t = (int64_t)((x >> 17) % 253402300799000ULL);
		off_min = (int)((x >> 7) % 11999) - 5999;
		if (i % 4 == 0)
			t -= t % 1000;
		if (i % 5 == 0)
			off_min = 0;
		local = t + (int64_t)off_min * 60000;
		if (local < 0 || local >= 253402300800000LL)
			continue;
		secs = (time_t)(local / 1000);
		ms = (int)(local % 1000);
		ck_assert_ptr_nonnull(gmtime_r(&secs, &tm));
		a = off_min < 0 ? -off_min : off_min;
		snprintf(frac, sizeof frac, ms ? ".%03d" : "", ms);
		snprintf(off, sizeof off, off_min ? "%c%02d:%02d" : "Z", off_min < 0 ? '-' : '+',
		         a / 60, a % 60);
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, off);
		ck_assert_int_eq(isotime_format(t, off_min, buf, sizeof buf), DS_OK);
		ck_assert_msg(strcmp(buf, want) == 0, "%lld %+d: %s != %s", (long long)t, off_min,
		              buf, want);
		ck_assert_int_eq(isotime_format(t, off_min, buf, strlen(want)), DS_ETOOBIG);
	}
	ck_assert_int_eq(isotime_format(253402300800000LL, 0, buf, sizeof buf), DS_OK);
	ck_assert_str_eq(buf, "10000-01-01T00:00:00Z");
}
END_TEST

START_TEST(format_parse_round_trip)
{
	static const int offsets[] = {0, 420, -210, 840, -720, 345, 1};
	char buf[ISOTIME_MAX_LEN + 1];
	uint64_t x = 1;
	int64_t ms, back;
	int i, k, off;

	for (i = 0; i < 2000; i++) {
		/* A deterministic spread from 1970 to ~2250, with and without milliseconds. */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		ms = (int64_t)(x >> 20 & 0x1FFFFFFFFFFFULL);
		if (i % 3 == 0)
			ms -= ms % 1000;
		for (k = 0; k < (int)(sizeof offsets / sizeof offsets[0]); k++) {
			int64_t t = ms + 24 * HOUR_MS; /* stay after 1970 in every offset */
			ck_assert_int_eq(isotime_format(t, offsets[k], buf, sizeof buf), DS_OK);
			ck_assert_msg(isotime_parse(buf, &back, &off) == DS_OK, "%s refused", buf);
			ck_assert_msg(back == t && off == offsets[k], "%s: %lld != %lld", buf,
			              (long long)back, (long long)t);
		}
	}
}
END_TEST

START_TEST(days_from_civil_known_values)
{
	ck_assert_int_eq(isotime_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(isotime_days_from_civil(1970, 1, 2), 1);
	ck_assert_int_eq(isotime_days_from_civil(1969, 12, 31), -1);
	ck_assert_int_eq(isotime_days_from_civil(2000, 1, 1), 10957);
	ck_assert_int_eq(isotime_days_from_civil(2000, 2, 29), 11016);
	ck_assert_int_eq(isotime_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(isotime_days_from_civil(2024, 2, 29), 19782);
	ck_assert_int_eq(isotime_days_from_civil(2026, 11, 26), 20783);
	ck_assert_int_eq(isotime_days_from_civil(1900, 3, 1), -25508);
	ck_assert_int_eq(isotime_days_from_civil(9999, 12, 31), 2932896);
}
END_TEST

START_TEST(parse_date_known_values)
{
	int64_t d = -1;

	ck_assert_int_eq(isotime_parse_date("2026-11-26", &d), DS_OK);
	ck_assert_int_eq(d, 20783);
	ck_assert_int_eq(isotime_parse_date("1970-01-01", &d), DS_OK);
	ck_assert_int_eq(d, 0);
	ck_assert_int_eq(isotime_parse_date("2024-02-29", &d), DS_OK);
	ck_assert_int_eq(d, 19782);
}
END_TEST

START_TEST(parse_date_refuses_bad_dates)
{
	int64_t d;

	ck_assert_int_eq(isotime_parse_date("2026-02-29", &d), DS_EINVAL);
	ck_assert_int_eq(isotime_parse_date("2026-13-01", &d), DS_EINVAL);
	ck_assert_int_eq(isotime_parse_date("2026-11-26T", &d), DS_EINVAL);
	ck_assert_int_eq(isotime_parse_date("2026-11-26T00:00:00Z", &d), DS_EINVAL);
	ck_assert_int_eq(isotime_parse_date("26-11-26", &d), DS_EINVAL);
	ck_assert_int_eq(isotime_parse_date("2026-1-26", &d), DS_EINVAL);
	ck_assert_int_eq(isotime_parse_date("", &d), DS_EINVAL);
	ck_assert_int_eq(isotime_parse_date(NULL, &d), DS_EINVAL);
}
END_TEST

START_TEST(now_is_after_2025)
{
	ck_assert_int_gt(isotime_now_ms(), 1735689600000LL);
}
END_TEST

static Suite *isotime_suite(void)
{
	Suite *s = suite_create("isotime");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_utc_with_z);
	tcase_add_test(tc, parse_positive_offset);
	tcase_add_test(tc, parse_negative_half_hour_offset);
	tcase_add_test(tc, parse_fractional_seconds);
	tcase_add_test(tc, parse_without_seconds);
	tcase_add_test(tc, parse_leap_day);
	tcase_add_test(tc, refuse_missing_offset);
	tcase_add_test(tc, refuse_bad_month_and_day);
	tcase_add_test(tc, refuse_hour_24_and_bad_clock);
	tcase_add_test(tc, refuse_bad_offset);
	tcase_add_test(tc, refuse_garbage);
	tcase_add_test(tc, format_utc_and_offsets);
	tcase_add_test(tc, format_refuses_short_buffer);
	tcase_add_test(tc, format_matches_libc_calendar);
	tcase_add_test(tc, format_parse_round_trip);
	tcase_add_test(tc, days_from_civil_known_values);
	tcase_add_test(tc, parse_date_known_values);
	tcase_add_test(tc, parse_date_refuses_bad_dates);
	tcase_add_test(tc, now_is_after_2025);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(isotime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
