/* test_solomon.c: unit tests for the Solomon file parser: the real files, CRLF and
 * blank lines, and one test per kind of bad input, each naming its line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/solomon.h"

#define T_MAX_FILE (256u << 10)

static const char small[] =
    "TINY\n\nVEHICLE\nNUMBER     CAPACITY\n  2         50\n\nCUSTOMER\n"
    "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n"
    "    0      40         50          0          0       1236          0\n"
    "    1      45         68         10        912        967         90\n"
    "    2      45         70         30        825        870         90\n";

/* Parse S; on failure return the error text in a static buffer, else NULL. */
static const char *parse_err(const char *s, size_t len)
{
	static char err[SOLOMON_MAX_ERR];
	struct solomon_instance *in = NULL;
	int rc = solomon_parse(s, len, &in, err, sizeof(err));

	solomon_free(in);
	if (rc == DS_OK)
		return NULL;
	ck_assert_ptr_null(in);
	return err;
}

/* SMALL with line LINE_NO (1-based) replaced by REPL. */
static char *replace_line(int line_no, const char *repl)
{
	char *out = malloc(sizeof(small) + 256), *o = out;
	const char *p = small;
	int n = 1;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t len = (size_t)(e - p);

		if (n == line_no) {
			o += snprintf(o, 256, "%s\n", repl);
		} else {
			memcpy(o, p, len + 1);
			o += len + 1;
		}
		p = e + 1;
		n++;
	}
	*o = '\0';
	return out;
}

static void expect_err(int line_no, const char *repl, const char *want)
{
	char *s = replace_line(line_no, repl);
	const char *err = parse_err(s, strlen(s));

	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, want) != NULL, "got '%s', want '%s'", err, want);
	free(s);
}

START_TEST(test_real_file)
{
	char path[512], *buf = malloc(T_MAX_FILE);
	const char *root = getenv("DOORSTEP_ROOT");
	struct solomon_instance *in = NULL;
	char err[SOLOMON_MAX_ERR];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/data/solomon/c101.txt", root ? root : ".");
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, T_MAX_FILE, f);
	fclose(f);
	ck_assert_int_eq(solomon_parse(buf, n, &in, err, sizeof(err)), DS_OK);
	ck_assert_int_eq(in->n_rows, 101);
	ck_assert_int_eq(in->vehicles, 25);
	ck_assert(in->capacity == 200);
	ck_assert_str_eq(in->name, "C101");
	ck_assert(in->rows[0].due == 1236 && in->rows[100].id == 100);
	ck_assert(in->rows[1].x == 45 && in->rows[1].ready == 912 && in->rows[1].service == 90);
	solomon_free(in);
	free(buf);
}
END_TEST

START_TEST(test_crlf_and_blank_lines)
{
	char crlf[2 * sizeof(small)], *o = crlf;
	const char *p;
	struct solomon_instance *in = NULL;

	for (p = small; *p != '\0'; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	ck_assert_int_eq(solomon_parse(crlf, (size_t)(o - crlf), &in, NULL, 0), DS_OK);
	ck_assert_int_eq(in->n_rows, 3);
	ck_assert_int_eq(in->vehicles, 2);
	ck_assert(in->rows[2].demand == 30 && in->rows[2].service == 90);
	solomon_free(in);
}
END_TEST

START_TEST(test_garbage_number)
{
	expect_err(11, "    1      45         6x8         10        912        967         90",
	    "line 11: bad number '6x8'");
	expect_err(5, "  two         50", "line 5: bad vehicle number");
	expect_err(11, "    1      45         68         10        912        967",
	           "line 11: expected 7 fields");
	expect_err(11, "    1      inf         68         10        912        967   1",
	           "line 11: bad number");
}
END_TEST

START_TEST(test_missing_section)
{
	expect_err(3, "VEHICLES?", "line 3: expected the VEHICLE section");
	expect_err(7, "CUSTOMERS", "line 7: expected the CUSTOMER section");
	ck_assert_ptr_nonnull(strstr(parse_err("NAME\n\n", 6),
	                             "line 3: truncated: VEHICLE section missing"));
}
END_TEST

START_TEST(test_negative_values)
{
	expect_err(11, "    1      45         68        -10        912        967         90",
	    "line 11: negative demand");
	expect_err(12, "    2      45         70         30        825        870        -90",
	    "line 12: negative");
	expect_err(5, "  2         -50", "line 5: capacity must be positive");
	expect_err(11, "    1      45         68         10        999        967         90",
	    "line 11: ready time after due date");
	expect_err(12, "    1      45         70         30        825        870         90",
	    "line 12: customer 1 appears twice");
}
END_TEST

START_TEST(test_too_many_customers)
{
	size_t cap = sizeof(small) + (SOLOMON_MAX_CUSTOMERS + 2) * 80;
	char *s = malloc(cap);
	size_t n = 0;
	int i;
	const char *err;

	n += (size_t)snprintf(s, cap, "%s", small);
	for (i = 3; i <= SOLOMON_MAX_CUSTOMERS + 1; i++)
		n += (size_t)snprintf(s + n, cap - n, "%d 1 2 3 4 5 6\n", i);
	err = parse_err(s, n);
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_nonnull(strstr(err, "line 1011: more than 1000 customers"));
	free(s);
}
END_TEST

START_TEST(test_truncated_file)
{
	const char *err;
	size_t cut = (size_t)(strstr(small, "CUST NO.") - small);

	err = parse_err(small, cut);       /* ends after the CUSTOMER line */
	ck_assert_ptr_nonnull(strstr(err, "line 8: truncated: no depot or customer rows"));
	err = parse_err(small, 34);        /* ends after the fleet header */
	ck_assert_ptr_nonnull(strstr(err,
	                             "line 5: truncated: vehicle number and capacity missing"));
	err = parse_err(small, sizeof(small) - 10);  /* last row cut short */
	ck_assert_ptr_nonnull(strstr(err, "line 12: expected 7 fields"));
	ck_assert_ptr_nonnull(strstr(parse_err("", 0), "line 1: file is empty"));
	ck_assert_ptr_nonnull(strstr(parse_err("A\0B\n", 4),
	                             "line 1: line too long or holds a NUL"));
}
END_TEST

int main(void)
{
	Suite *su = suite_create("solomon");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_real_file);
	tcase_add_test(tc, test_crlf_and_blank_lines);
	tcase_add_test(tc, test_garbage_number);
	tcase_add_test(tc, test_missing_section);
	tcase_add_test(tc, test_negative_values);
	tcase_add_test(tc, test_too_many_customers);
	tcase_add_test(tc, test_truncated_file);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
