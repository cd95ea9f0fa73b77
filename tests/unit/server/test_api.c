/* test_api.c: the statuses sync batches are refused with. A failure of the server's own
 * (memory, libcrypto) must be a 5xx, which the agent retries: it was answered 413, which
 * the agent takes as final, so a batch could have been dropped for a transient fault. */
#include <check.h>
#include <stdlib.h>

#include "server/api.h"

START_TEST(device_faults_are_4xx)
{
	const char *code = NULL;

	ck_assert_int_eq(api_batch_status(DS_ETOOBIG, 0, &code), 413);
	ck_assert_str_eq(code, "too_large");
	ck_assert_int_eq(api_batch_status(DS_EINVAL, 1, &code), 400);
	ck_assert_str_eq(code, "malformed_json");
	ck_assert_int_eq(api_batch_status(DS_EINVAL, 0, &code), 400);
	ck_assert_str_eq(code, "invalid");
}
END_TEST

START_TEST(server_faults_are_500)
{
	static const enum ds_err faults[] = {DS_ENOMEM, DS_ECRYPTO, DS_EIO, DS_EDB};
	const char *code = NULL;
	size_t i;

	for (i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		ck_assert_int_eq(api_batch_status(faults[i], 0, &code), 500);
		ck_assert_str_eq(code, "internal");
	}
}
END_TEST

static Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, device_faults_are_4xx);
	tcase_add_test(tc, server_faults_are_500);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(api_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
