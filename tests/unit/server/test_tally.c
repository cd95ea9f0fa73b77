/* test_tally.c: server/net/tally.c logs the first refusal of a kind at once, then at most
 * one line per interval carrying the count, and never an address. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/net/tally.h"

#define T_LOG_MAX 4096

/* Run BODY with stderr sent to a temporary file; OUT: what was written. */
static void capture(void (*body)(struct tally *), struct tally *t, char *out, size_t out_len)
{
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t n;

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	ck_assert_int_ne(dup2(fileno(f), 2), -1);
	body(t);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, out_len - 1, f);
	out[n] = '\0';
	fclose(f);
}

static unsigned lines(const char *s)
{
	unsigned n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void burst(struct tally *t)
{
	uint64_t ms;

	/* 1,000 refusals over 12 s of loop time, and one 401 reply. */
	for (ms = 1000; ms < 13000; ms += 12)
		tally_add(t, TALLY_HS_ADDR, ms);
	tally_add(t, TALLY_REPLY_401, 1000);
	tally_flush(t);
}

START_TEST(one_line_per_kind_per_interval_with_count)
{
	struct tally t = { .log_max = LOG_INFO, .interval_ms = 5000 };
	char out[T_LOG_MAX];

	capture(burst, &t, out, sizeof out);
	/* At 1 s (the first), 6 s and 11 s, the rest at the flush; plus the 401 line. */
	ck_assert_uint_eq(lines(out), 5);
	ck_assert_ptr_nonnull(strstr(out, "net: 1 connections refused at an address's handshake cap"
	                                  " (1 since start)"));
	ck_assert_ptr_nonnull(strstr(out, "(1000 since start)"));
	ck_assert_ptr_nonnull(strstr(out, "net: 1 replies 401 unauthorized"));
	ck_assert_uint_eq(t.total[TALLY_HS_ADDR], 1000);
	ck_assert_uint_eq(t.pending[TALLY_HS_ADDR], 0);
}
END_TEST

static void burst_then_tick(struct tally *t)
{
	tally_add(t, TALLY_CAP_GLOBAL, 1000);
	tally_add(t, TALLY_CAP_GLOBAL, 1500);
	tally_add(t, TALLY_CAP_GLOBAL, 2000);
	tally_tick(t, 5999); /* inside the interval: nothing */
	tally_tick(t, 6000);
	tally_tick(t, 12000); /* nothing pending: nothing */
}

START_TEST(tick_logs_the_rest_of_a_burst_after_the_interval)
{
	struct tally t = { .log_max = LOG_WARN, .interval_ms = 5000 };
	char out[T_LOG_MAX];

	capture(burst_then_tick, &t, out, sizeof out);
	ck_assert_uint_eq(lines(out), 2);
	ck_assert_ptr_nonnull(strstr(out, "net: 2 connections refused at the server's"
	                                  " connection cap (3 since start)"));
	ck_assert_uint_eq(t.pending[TALLY_CAP_GLOBAL], 0);
}
END_TEST

START_TEST(quiet_under_the_threshold)
{
	struct tally t = { .log_max = LOG_ERROR, .interval_ms = 5000 };
	char out[T_LOG_MAX];

	capture(burst, &t, out, sizeof out);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(t.total[TALLY_HS_ADDR], 1000);
}
END_TEST

static Suite *tally_suite(void)
{
	Suite *s = suite_create("tally");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, one_line_per_kind_per_interval_with_count);
	tcase_add_test(tc, quiet_under_the_threshold);
	tcase_add_test(tc, tick_logs_the_rest_of_a_burst_after_the_interval);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tally_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
