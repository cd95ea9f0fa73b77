/* test_cfg.c: unit tests for server/cfg.c: defaults, a file overriding them, every kind of
 * refusal naming its line, a missing file, and the sample that `init` writes parsing back to
 * the defaults. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/cfg.h"

static char path[512];

/* One scratch file for the suite, made and removed in the runner's own process (an
 * unchecked fixture), so a failing test leaves nothing behind. */
static void setup(void)
{
	const char *base = getenv("TMPDIR");
	int fd;

	snprintf(path, sizeof path, "%s/ds-cfg-XXXXXX", base && *base ? base : "/tmp");
	fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
}

static void teardown(void)
{
	unlink(path);
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static enum ds_err load(const char *text, struct cfg *c, char *err, size_t len)
{
	write_file(text);
	cfg_defaults(c);
	err[0] = '\0';
	return cfg_load(c, path, err, len);
}

START_TEST(test_defaults)
{
	struct cfg c;

	cfg_defaults(&c);
	ck_assert_str_eq(c.listen, "127.0.0.1:8443");
	ck_assert_int_eq(c.log_level, 2);
	ck_assert_int_eq(c.max_header_bytes, 16384);
	ck_assert_int_eq(c.max_body_bytes, 4194304);
	ck_assert_int_eq(c.max_decompressed_bytes, 16777216);
	ck_assert_int_eq(c.read_timeout_ms, 10000);
	ck_assert_int_eq(c.max_connections, 1024);
}
END_TEST

START_TEST(test_file_overrides_values)
{
	struct cfg c;
	char err[256];

	ck_assert_int_eq(load("# a comment\n\n  listen = 0.0.0.0:9443  \r\n"
	                      "log_level=3\n\tread_timeout_ms = 250\n", &c, err, sizeof err),
	                 DS_OK);
	ck_assert_str_eq(c.listen, "0.0.0.0:9443");
	ck_assert_int_eq(c.log_level, 3);
	ck_assert_int_eq(c.read_timeout_ms, 250);
	ck_assert_int_eq(c.max_connections, 1024); /* untouched keeps its default */
}
END_TEST

START_TEST(test_unknown_name_is_einval_naming_the_line)
{
	struct cfg c;
	char err[256];

	ck_assert_int_eq(load("log_level = 1\n# x\nlisten_port = 80\n", &c, err, sizeof err),
	                 DS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 3"));
	ck_assert_ptr_nonnull(strstr(err, "listen_port"));
}
END_TEST

START_TEST(test_out_of_range_and_malformed_values_refused)
{
	static const char *const bad[] = {
		"log_level = 4\n", "log_level = -1\n", "max_connections = 0\n",
		"max_header_bytes = 1023\n", "read_timeout_ms = 600001\n", "log_level = 2x\n",
		"log_level =\n", "log_level = 0x2\n", "listen =\n", "just a line\n",
		"max_body_bytes = 99999999999999999999999\n",
	};
	struct cfg c;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(load(bad[i], &c, err, sizeof err) == DS_EINVAL, "accepted: %s",
		              bad[i]);
		ck_assert_msg(strstr(err, "line 1") != NULL, "%s: %s", bad[i], err);
	}
	/* The bounds themselves are accepted. */
	ck_assert_int_eq(load("log_level = 0\nmax_connections = 100000\n", &c, err, sizeof err),
	                 DS_OK);
	ck_assert_int_eq(c.log_level, 0);
	ck_assert_int_eq(c.max_connections, 100000);
}
END_TEST

START_TEST(test_listen_too_long_refused)
{
	char text[CFG_LISTEN_MAX + 64];
	struct cfg c;
	char err[256];

	snprintf(text, sizeof text, "listen = %0*d\n", CFG_LISTEN_MAX, 0);
	ck_assert_int_eq(load(text, &c, err, sizeof err), DS_EINVAL);
	ck_assert_str_eq(c.listen, "127.0.0.1:8443");
}
END_TEST

START_TEST(test_missing_file_is_fine)
{
	struct cfg c;
	char err[64] = "";

	cfg_defaults(&c);
	unlink(path);
	ck_assert_int_eq(cfg_load(&c, path, err, sizeof err), DS_OK);
	ck_assert_int_eq(c.log_level, 2);
}
END_TEST

START_TEST(test_sample_parses_back_to_defaults)
{
	struct cfg c, d;
	char err[256] = "";
	FILE *f = fopen(path, "w");
	size_t i;

	ck_assert_ptr_nonnull(f);
	cfg_write_sample(f);
	fclose(f);
	memset(&c, 0x5a, sizeof c);
	cfg_defaults(&c);
	ck_assert_int_eq(cfg_load(&c, path, err, sizeof err), DS_OK);
	cfg_defaults(&d);
	ck_assert_mem_eq(&c, &d, sizeof c);
	/* Regression: uncommenting a sample line as it stands ("# log_level = 2  (0-3)") gave
	 * a line that did not parse. Every "# name = value" line, uncommented, parses to the
	 * same values. */
	{
		char buf[8192], out[8192] = "";
		size_t n, o = 0;
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		for (i = 0; i < n; ) {
			size_t e = i;
			while (e < n && buf[e] != '\n' && buf[e] != '\0')
				e++;
			if (e - i > 2 && buf[i] == '#' && memchr(buf + i, '=', e - i) != NULL &&
			    strncmp(buf + i, "# Doorstep", 10) != 0) {
				o += (size_t)snprintf(out + o, sizeof out - o, "%.*s\n",
				                      (int)(e - i - 2), buf + i + 2);
			}
			i = e + 1;
		}
		write_file(out);
		cfg_defaults(&c);
		ck_assert_msg(cfg_load(&c, path, err, sizeof err) == DS_OK, "%s", err);
		ck_assert_mem_eq(&c, &d, sizeof c);
	}
}
END_TEST

START_TEST(test_help_names_every_setting)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cfg_print_help(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "listen"));
	ck_assert_ptr_nonnull(strstr(buf, "max_decompressed_bytes"));
	ck_assert_ptr_nonnull(strstr(buf, "max_connections"));
	free(buf);
}
END_TEST

START_TEST(test_overlong_line_refused_naming_it)
{
	char text[1200];
	struct cfg c;
	char err[256];

	snprintf(text, sizeof text, "log_level = 1\n# %0*d\n", 1000, 0);
	ck_assert_int_eq(load(text, &c, err, sizeof err), DS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 2"));
}
END_TEST

static Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("cfg");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_file_overrides_values);
	tcase_add_test(tc, test_unknown_name_is_einval_naming_the_line);
	tcase_add_test(tc, test_out_of_range_and_malformed_values_refused);
	tcase_add_test(tc, test_listen_too_long_refused);
	tcase_add_test(tc, test_missing_file_is_fine);
	tcase_add_test(tc, test_sample_parses_back_to_defaults);
	tcase_add_test(tc, test_help_names_every_setting);
	tcase_add_test(tc, test_overlong_line_refused_naming_it);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
