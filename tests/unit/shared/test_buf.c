/* test_buf.c: pins shared/buf.c: appends keep every byte in order across growth, reserve
 * never shrinks, trim frees only large buffers, and a length overflow is refused. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

START_TEST(append_keeps_bytes_across_growth)
{
	struct buf b = { 0 };
	unsigned char chunk[97];
	size_t i, k;

	for (i = 0; i < 1000; i++) {
		memset(chunk, (int)(i & 0xff), sizeof chunk);
		ck_assert_int_eq(buf_append(&b, chunk, sizeof chunk), DS_OK);
	}
	ck_assert_uint_eq(b.len, 1000 * sizeof chunk);
	ck_assert_uint_ge(b.cap, b.len);
	for (i = 0; i < 1000; i++)
		for (k = 0; k < sizeof chunk; k++)
			ck_assert_uint_eq(b.data[i * sizeof chunk + k], i & 0xff);
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len + b.cap, 0);
}
END_TEST

START_TEST(reserve_grows_and_never_shrinks)
{
	struct buf b = { 0 };

	ck_assert_int_eq(buf_append(&b, "abc", 3), DS_OK);
	ck_assert_int_eq(buf_reserve(&b, 5000), DS_OK);
	ck_assert_uint_eq(b.cap, 5000);
	ck_assert_int_eq(memcmp(b.data, "abc", 3), 0);
	ck_assert_int_eq(buf_reserve(&b, 10), DS_OK);
	ck_assert_uint_eq(b.cap, 5000);
	ck_assert_uint_eq(b.len, 3);
	buf_free(&b);
}
END_TEST

START_TEST(trim_frees_only_past_keep_max)
{
	struct buf b = { 0 };

	ck_assert_int_eq(buf_reserve(&b, 100), DS_OK);
	b.len = 50;
	buf_trim(&b, 100);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(buf_reserve(&b, 101), DS_OK);
	buf_trim(&b, 100);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.cap, 0);
	buf_free(&b);
	buf_free(NULL);
}
END_TEST

START_TEST(append_refuses_length_overflow)
{
	struct buf b = { 0 };

	ck_assert_int_eq(buf_append(&b, "x", 1), DS_OK);
	ck_assert_int_eq(buf_append(&b, "y", SIZE_MAX), DS_ETOOBIG);
	ck_assert_uint_eq(b.len, 1);
	ck_assert_int_eq(buf_append(&b, NULL, 0), DS_OK);
	ck_assert_uint_eq(b.len, 1);
	buf_free(&b);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, append_keeps_bytes_across_growth);
	tcase_add_test(tc, reserve_grows_and_never_shrinks);
	tcase_add_test(tc, trim_frees_only_past_keep_max);
	tcase_add_test(tc, append_refuses_length_overflow);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
