/* test_dossier.c: pins what shared/dossier.c accepts as a dossier code (UNIT-yymmdd-SERIAL)
 * and, for each kind of refusal, that the message says what is wrong. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier.h"

/* Asserts S is refused with a message containing WHY. */
#define ck_refused(s, why)                                                              \
	do {                                                                            \
		struct dossier_code c_;                                                 \
		const char *e_ = NULL;                                                  \
		ck_assert_int_eq(dossier_parse((s), &c_, &e_), DS_EINVAL);              \
		ck_assert_msg(e_ != NULL && strstr(e_, (why)) != NULL,                  \
		              "\"%s\": message \"%s\" lacks \"%s\"", (s), e_ ? e_ : "(null)", \
		              (why));                                                   \
	} while (0)

START_TEST(parse_reference_code_fills_every_field)
{
	struct dossier_code c;
	const char *err = "unset";

	ck_assert_int_eq(dossier_parse("H15.50.05.13-261008-0975", &c, &err), DS_OK);
	ck_assert_ptr_null(err);
	ck_assert_str_eq(c.unit, "H15.50.05.13");
	ck_assert_int_eq(c.year, 2026);
	ck_assert_int_eq(c.month, 10);
	ck_assert_int_eq(c.day, 8);
	ck_assert_int_eq(c.serial, 975);
}
END_TEST

START_TEST(parse_six_and_seven_digit_serials)
{
	struct dossier_code c;
	const char *err;

	ck_assert_int_eq(dossier_parse("H15.50.05.13-261008-123456", &c, &err), DS_OK);
	ck_assert_int_eq(c.serial, 123456);
	ck_assert_int_eq(dossier_parse("H15.50.05.13-261008-9999999", &c, &err), DS_OK);
	ck_assert_int_eq(c.serial, 9999999);
	ck_assert_int_eq(dossier_parse("X-261008-00001", &c, &err), DS_OK);
	ck_assert_int_eq(c.serial, 1);
	ck_assert_str_eq(c.unit, "X");
}
END_TEST

START_TEST(parse_leap_day_in_leap_year)
{
	struct dossier_code c;
	const char *err;

	ck_assert_int_eq(dossier_parse("H15-240229-0001", &c, &err), DS_OK);
	ck_assert_int_eq(c.year, 2024);
	ck_assert_int_eq(c.month, 2);
	ck_assert_int_eq(c.day, 29);
	ck_assert_int_eq(dossier_parse("H15-001231-0001", &c, &err), DS_OK);
	ck_assert_int_eq(c.year, 2000);
}
END_TEST

START_TEST(parse_longest_unit_and_code)
{
	/* 40-byte unit, 6-byte date, 7-digit serial, 2 dashes: 55 bytes. */
	char s[80], unit[41];
	struct dossier_code c;
	const char *err;

	memset(unit, 'A', 40);
	unit[40] = '\0';
	snprintf(s, sizeof s, "%s-261008-1234567", unit);
	ck_assert_int_eq(dossier_parse(s, &c, &err), DS_OK);
	ck_assert_str_eq(c.unit, unit);
}
END_TEST

START_TEST(refuse_empty_and_null)
{
	struct dossier_code c;
	const char *err;

	ck_refused("", "empty");
	ck_assert_int_eq(dossier_parse(NULL, &c, &err), DS_EINVAL);
	ck_assert_ptr_nonnull(err);
}
END_TEST

START_TEST(refuse_missing_dashes)
{
	ck_refused("H15.50.05.13", "UNIT-yymmdd-SERIAL");
	ck_refused("H15.50.05.13.261008.0975", "UNIT-yymmdd-SERIAL");
	ck_refused("H15.50.05.13-2610080975", "UNIT-yymmdd-SERIAL");
	ck_refused("H15.50.05.13-26100-0975", "UNIT-yymmdd-SERIAL");
	ck_refused("H15.50.05.13-2610081-0975", "UNIT-yymmdd-SERIAL");
}
END_TEST

START_TEST(refuse_bad_date)
{
	ck_refused("H15.50.05.13-261332-0975", "calendar date");
	ck_refused("H15.50.05.13-260010-0975", "calendar date");
	ck_refused("H15.50.05.13-261000-0975", "calendar date");
	ck_refused("H15.50.05.13-260431-0975", "calendar date");
	ck_refused("H15.50.05.13-26a008-0975", "six digits");
}
END_TEST

START_TEST(refuse_feb_29_in_non_leap_year)
{
	ck_refused("H15.50.05.13-260229-0975", "calendar date");
	ck_refused("H15.50.05.13-250229-0975", "calendar date");
}
END_TEST

START_TEST(refuse_unit_with_empty_part)
{
	ck_refused("H15..50-261008-0975", "empty part");
	ck_refused(".H15-261008-0975", "empty part");
	ck_refused("H15.-261008-0975", "empty part");
	ck_refused("-261008-0975", "unit identifier missing");
}
END_TEST

START_TEST(refuse_unit_with_bad_chars)
{
	ck_refused("H15_50-261008-0975", "letters, digits and dots");
	ck_refused("H15 50-261008-0975", "letters, digits and dots");
	ck_refused("\xc3\x8a" "15-261008-0975", "letters, digits and dots"); /* Ê15 */
	ck_refused("H15/50-261008-0975", "letters, digits and dots");
}
END_TEST

START_TEST(refuse_unit_over_40_bytes)
{
	char s[80], unit[42];

	memset(unit, 'A', 41);
	unit[41] = '\0';
	snprintf(s, sizeof s, "%s-261008-0975", unit);
	ck_refused(s, "too long");
}
END_TEST

START_TEST(refuse_three_and_eight_digit_serials)
{
	ck_refused("H15.50.05.13-261008-097", "serial");
	ck_refused("H15.50.05.13-261008-09750000", "serial");
	ck_refused("H15.50.05.13-261008-", "serial");
}
END_TEST

START_TEST(refuse_trailing_garbage)
{
	ck_refused("H15.50.05.13-261008-0975x", "serial");
	ck_refused("H15.50.05.13-261008-0975 ", "serial");
	ck_refused("H15.50.05.13-261008-0975-1", "serial");
	ck_refused("H15.50.05.13-261008-09 75", "serial");
}
END_TEST

START_TEST(refuse_over_long_code)
{
	char s[200];

	memset(s, '1', sizeof s - 1);
	s[sizeof s - 1] = '\0';
	ck_refused(s, "too long");
	/* 65 bytes of an otherwise good shape. */
	memcpy(s, "H15.50.05.13.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-261008-1234567", 66);
	ck_assert_int_gt(strlen(s), DOSSIER_MAX_LEN);
	ck_refused(s, "too long");
}
END_TEST

START_TEST(refuse_leaves_no_stale_fields)
{
	struct dossier_code c;
	const char *err;

	ck_assert_int_eq(dossier_parse("H15-261008-0975", &c, &err), DS_OK);
	ck_assert_int_eq(dossier_parse("H15-261332-0975", &c, &err), DS_EINVAL);
	ck_assert_int_eq(c.serial, 0);
}
END_TEST

static Suite *dossier_suite(void)
{
	Suite *s = suite_create("dossier");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_reference_code_fills_every_field);
	tcase_add_test(tc, parse_six_and_seven_digit_serials);
	tcase_add_test(tc, parse_leap_day_in_leap_year);
	tcase_add_test(tc, parse_longest_unit_and_code);
	tcase_add_test(tc, refuse_empty_and_null);
	tcase_add_test(tc, refuse_missing_dashes);
	tcase_add_test(tc, refuse_bad_date);
	tcase_add_test(tc, refuse_feb_29_in_non_leap_year);
	tcase_add_test(tc, refuse_unit_with_empty_part);
	tcase_add_test(tc, refuse_unit_with_bad_chars);
	tcase_add_test(tc, refuse_unit_over_40_bytes);
	tcase_add_test(tc, refuse_three_and_eight_digit_serials);
	tcase_add_test(tc, refuse_trailing_garbage);
	tcase_add_test(tc, refuse_over_long_code);
	tcase_add_test(tc, refuse_leaves_no_stale_fields);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dossier_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
