/* test_csvcell.c: unit tests for server/csvcell.c: plain text passes unchanged, RFC 4180
 * quoting where a cell needs it, and every formula start of OWASP's list neutralised with a
 * leading single quote inside quotes, read back the same by libcsv. */
#include <check.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/csvcell.h"

/* TEXT written as one cell, into a string. Caller frees. */
static char *cell(const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	csvcell_text(f, text);
	fclose(f);
	return buf;
}

static void field_cb(void *data, size_t len, void *ctx)
{
	char *out = ctx;

	ck_assert_uint_lt(len, 256);
	memcpy(out, data, len);
	out[len] = '\0';
}

/* The one field libcsv reads from the cell written for TEXT, into OUT (256 bytes). */
static void read_back(const char *text, char *out)
{
	char *c = cell(text);
	struct csv_parser p;

	ck_assert_int_eq(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
	ck_assert_uint_eq(csv_parse(&p, c, strlen(c), field_cb, NULL, out), strlen(c));
	ck_assert_int_eq(csv_fini(&p, field_cb, NULL, out), 0);
	csv_free(&p);
	free(c);
}

START_TEST(test_plain_text_unchanged)
{
	char *c = cell("Nguyễn Văn An");

	ck_assert_str_eq(c, "Nguyễn Văn An");
	free(c);
	c = cell(NULL);
	ck_assert_str_eq(c, "");
	free(c);
	c = cell("a-b=c+d@e"); /* only the first character matters */
	ck_assert_str_eq(c, "a-b=c+d@e");
	free(c);
}
END_TEST

START_TEST(test_comma_and_quote_quoted_rfc4180)
{
	char *c = cell("not home, said \"come back\"");
	char back[256];

	ck_assert_str_eq(c, "\"not home, said \"\"come back\"\"\"");
	free(c);
	read_back("a\r\nb", back);
	ck_assert_str_eq(back, "a\r\nb");
}
END_TEST

START_TEST(test_each_formula_start_neutralised)
{
	static const char *const bad[] = {"=HYPERLINK(\"http://evil.example\",\"x\")",
		"+cmd|'/C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"};
	char want[300], back[256], *c;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(csvcell_is_formula(bad[i]), 1);
		c = cell(bad[i]);
		ck_assert_msg(c[0] == '"' && c[1] == '\'', "not neutralised: %s", c);
		free(c);
		read_back(bad[i], back);
		snprintf(want, sizeof want, "'%s", bad[i]);
		ck_assert_str_eq(back, want);
	}
	c = cell(bad[0]);
	ck_assert_str_eq(c, "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"");
	free(c);
}
END_TEST

START_TEST(test_harmless_starts_not_formulas)
{
	ck_assert_int_eq(csvcell_is_formula(NULL), 0);
	ck_assert_int_eq(csvcell_is_formula(""), 0);
	ck_assert_int_eq(csvcell_is_formula("'=1"), 0);
	ck_assert_int_eq(csvcell_is_formula(" 12 Lý Thường Kiệt"), 0);
	ck_assert_int_eq(csvcell_is_formula("2026-11-26T01:05:00Z"), 0);
}
END_TEST

static Suite *csvcell_suite(void)
{
	Suite *s = suite_create("csvcell");
	TCase *tc = tcase_create("csvcell");

	tcase_add_test(tc, test_plain_text_unchanged);
	tcase_add_test(tc, test_comma_and_quote_quoted_rfc4180);
	tcase_add_test(tc, test_each_formula_start_neutralised);
	tcase_add_test(tc, test_harmless_starts_not_formulas);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(csvcell_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
