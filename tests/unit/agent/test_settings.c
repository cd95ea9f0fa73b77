/* test_cfg.c: the configuration table: defaults, parsing, bounds, unknown names, save/load. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/settings.h"

static char dir[64];

static void write_conf(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, SETTINGS_FILE);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_cfg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/%s", dir, SETTINGS_FILE);
	unlink(path);
	rmdir(dir);
}

START_TEST(absent_file_gives_defaults)
{
	struct settings c;
	char err[SETTINGS_ERR_MAX];

	ck_assert_int_eq(settings_load(dir, &c, err), DS_OK);
	ck_assert_str_eq(c.gpsd, "localhost:2947");
	ck_assert_int_eq(c.batch_max, 100);
	ck_assert_int_eq(c.crumb_interval_s, 60);
	ck_assert_int_eq(c.crumb_precision_m, 100);
	ck_assert_int_eq(c.crumb_retention_h, 24);
	ck_assert_int_eq(c.gps_wait_ms, 1200);
}
END_TEST

START_TEST(values_comments_and_spaces)
{
	struct settings c;
	char err[SETTINGS_ERR_MAX];

	write_conf("# a comment\n\n  gpsd =  127.0.0.1:29470  \nsync_interval_s=30\r\n");
	ck_assert_int_eq(settings_load(dir, &c, err), DS_OK);
	ck_assert_str_eq(c.gpsd, "127.0.0.1:29470");
	ck_assert_int_eq(c.sync_interval_s, 30);
}
END_TEST

START_TEST(bad_lines_are_named)
{
	struct settings c;
	char err[SETTINGS_ERR_MAX];

	write_conf("gpsd = a:1\nbatch_max = 101\n");
	ck_assert_int_eq(settings_load(dir, &c, err), DS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, ":2:"));
	ck_assert_ptr_nonnull(strstr(err, "batch_max"));
	write_conf("colour = blue\n");
	ck_assert_int_eq(settings_load(dir, &c, err), DS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown setting"));
	write_conf("crumb_interval_s = 12abc\n");
	ck_assert_int_eq(settings_load(dir, &c, err), DS_EINVAL);
	write_conf("just words\n");
	ck_assert_int_eq(settings_load(dir, &c, err), DS_EINVAL);
	write_conf("log_level = loud\n");
	ck_assert_int_eq(settings_load(dir, &c, err), DS_EINVAL);
}
END_TEST

START_TEST(save_then_load_round_trips)
{
	struct settings c, d;
	char err[SETTINGS_ERR_MAX];

	settings_defaults(&c);
	ck_assert_int_eq(settings_set(&c, "server_url", "https://127.0.0.1:8443", err), DS_OK);
	ck_assert_int_eq(settings_set(&c, "pin", "sha256//abc=", err), DS_OK);
	ck_assert_int_eq(settings_set(&c, "crumb_precision_m", "250", err), DS_OK);
	ck_assert_int_eq(settings_save(dir, &c), DS_OK);
	ck_assert_int_eq(settings_load(dir, &d, err), DS_OK);
	ck_assert_int_eq(memcmp(&c, &d, sizeof c), 0);
}
END_TEST

START_TEST(defaults_are_within_bounds)
{
	struct settings c, d;
	char err[SETTINGS_ERR_MAX], path[128];
	FILE *f;

	/* The sample, uncommented, must load: every default passes its own row's checks. */
	settings_defaults(&c);
	snprintf(path, sizeof path, "%s/%s", dir, SETTINGS_FILE);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	settings_print(f, &c, 0);
	fclose(f);
	ck_assert_int_eq(settings_load(dir, &d, err), DS_OK);
	ck_assert_int_eq(memcmp(&c, &d, sizeof c), 0);
}
END_TEST

START_TEST(hostport)
{
	char host[64], port[8];

	ck_assert_int_eq(settings_hostport("localhost:2947", host, sizeof host, port, sizeof port),
	                 DS_OK);
	ck_assert_str_eq(host, "localhost");
	ck_assert_str_eq(port, "2947");
	ck_assert_int_eq(settings_hostport("localhost", host, sizeof host, port, sizeof port),
	                 DS_EINVAL);
	ck_assert_int_eq(settings_hostport(":1", host, sizeof host, port, sizeof port), DS_EINVAL);
	ck_assert_int_eq(settings_hostport("h:70000", host, sizeof host, port, sizeof port),
	                 DS_EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, absent_file_gives_defaults);
	tcase_add_test(tc, values_comments_and_spaces);
	tcase_add_test(tc, bad_lines_are_named);
	tcase_add_test(tc, save_then_load_round_trips);
	tcase_add_test(tc, defaults_are_within_bounds);
	tcase_add_test(tc, hostport);
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
