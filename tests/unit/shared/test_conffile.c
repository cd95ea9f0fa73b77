/* test_conffile.c: unit tests for shared/conffile.c: settings reach the callback trimmed and
 * in order, comments and blanks are skipped, and every refusal names its line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"

struct seen {
	char text[512];
	int calls;
};

static enum ds_err seen_set(void *ctx, const char *name, const char *value, char *err,
                            size_t err_len)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	if (strcmp(name, "bad") == 0) {
		snprintf(err, err_len, "bad: not today");
		return DS_EINVAL;
	}
	snprintf(s->text + n, sizeof s->text - n, "[%s=%s]", name, value);
	s->calls++;
	return DS_OK;
}

static char path[64];

static void write_file(const char *text)
{
	FILE *f;

	snprintf(path, sizeof path, "/tmp/test_conffile.%ld", (long)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_settings_trimmed_in_order)
{
	struct seen s = {{0}, 0};
	char err[200] = "";

	write_file("# comment\n\n  a =  1 \r\n\tb=two words\nc =\n   # indented comment\n");
	ck_assert_int_eq(conffile_read(path, "x.conf", seen_set, &s, err, sizeof err), DS_OK);
	ck_assert_str_eq(s.text, "[a=1][b=two words][c=]");
	unlink(path);
}
END_TEST

START_TEST(test_refusals_name_the_line)
{
	struct seen s = {{0}, 0};
	char err[200], big[CONFFILE_LINE_MAX + 10];

	write_file("a = 1\nno equals sign\n");
	ck_assert_int_eq(conffile_read(path, "x.conf", seen_set, &s, err, sizeof err), DS_EINVAL);
	ck_assert_str_eq(err, "x.conf:2: expected name = value");
	write_file("a = 1\n\nbad = 3\nz = 9\n");
	s.calls = 0;
	ck_assert_int_eq(conffile_read(path, NULL, seen_set, &s, err, sizeof err), DS_EINVAL);
	ck_assert_str_eq(err, "line 3: bad: not today");
	ck_assert_int_eq(s.calls, 1); /* z was never read */
	memset(big, 'x', sizeof big - 2);
	big[0] = 'k';
	big[1] = '=';
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	write_file(big);
	ck_assert_int_eq(conffile_read(path, NULL, seen_set, &s, err, sizeof err), DS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 1: longer than"));
	unlink(path);
}
END_TEST

START_TEST(test_missing_is_empty_unreadable_is_error)
{
	struct seen s = {{0}, 0};
	char err[200];

	ck_assert_int_eq(conffile_read("/nonexistent/x.conf", "x.conf", seen_set, &s, err,
	                               sizeof err), DS_OK);
	ck_assert_int_eq(s.calls, 0);
	/* A directory opens but cannot be read. */
	ck_assert_int_eq(conffile_read("/tmp", "x.conf", seen_set, &s, err, sizeof err), DS_EIO);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conffile");
	TCase *tc = tcase_create("conffile");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_settings_trimmed_in_order);
	tcase_add_test(tc, test_refusals_name_the_line);
	tcase_add_test(tc, test_missing_is_empty_unreadable_is_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
