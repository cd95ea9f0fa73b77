/* test_auth.c: unit tests for server/auth.c: one-time enrolment codes (unknown courier,
 * used, expired, unknown, typed in lower case without dashes), device credentials checked
 * on every request, revocation, and that neither a code nor a secret is kept in clear. */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/admin.h"
#include "crypto.h"
#include "server/auth.h"
#include "fixture.h"

#define NOW_MS 1795000000000LL

static void auth_setup(void)
{
	setup();
	ck_assert_int_eq(admin_office_add(&S, "o1", "One", 10.46, 105.63), DS_OK);
	ck_assert_int_eq(admin_courier_add(&S, "c1", "Courier", "o1", 450, 1020), DS_OK);
}

/* Enrols a device for c1: OUT DEV, SECRET. */
static void enrol(struct store_device *dev, char *secret)
{
	char code[AUTH_CODE_LEN + 1];
	enum auth_refusal why = AUTH_UNKNOWN_CODE;

	ck_assert_int_eq(auth_code_new(&S, "c1", NOW_MS, code), DS_OK);
	ck_assert_int_eq(auth_redeem(&S, code, "handheld 7", NULL, NOW_MS + 1000, dev, secret,
	                             &why), DS_OK);
	ck_assert_int_eq(why, AUTH_OK);
}

static void bearer(char *out, size_t len, const char *dev, const char *secret)
{
	snprintf(out, len, "Bearer %s.%s", dev, secret);
}

START_TEST(test_code_new_unknown_courier_is_enotfound)
{
	char code[AUTH_CODE_LEN + 1];

	ck_assert_int_eq(auth_code_new(&S, "nobody", NOW_MS, code), DS_ENOTFOUND);
	ck_assert_int_eq(q_int("SELECT count(*) FROM enroll_codes"), 0);
}
END_TEST

START_TEST(test_code_shape)
{
	char code[AUTH_CODE_LEN + 1];
	int i;

	ck_assert_int_eq(auth_code_new(&S, "c1", NOW_MS, code), DS_OK);
	ck_assert_uint_eq(strlen(code), AUTH_CODE_LEN);
	for (i = 0; i < AUTH_CODE_LEN; i++) {
		if (i == 4 || i == 9)
			ck_assert_int_eq(code[i], '-');
		else /* no look-alikes: 0/O, 1/I/L, U/V */
			ck_assert_ptr_null(strchr("01ILOU", code[i]));
	}
	ck_assert_int_eq(q_int("SELECT expires_ms - created_ms FROM enroll_codes"),
	                 AUTH_CODE_TTL_MS);
}
END_TEST

START_TEST(test_redeem_good_gives_device_and_secret)
{
	struct store_device dev;
	char secret[AUTH_SECRET_MAX + 1] = "";

	enrol(&dev, secret);
	ck_assert_int_eq(strncmp(dev.id, "dev-", 4), 0);
	ck_assert_uint_eq(strlen(dev.id), 20);
	ck_assert_str_eq(dev.courier, "c1");
	ck_assert_str_eq(dev.office, "o1");
	ck_assert_int_eq(dev.last_seq, 0);
	ck_assert_uint_ge(strlen(secret), 43); /* 256 bits in base64url */
	ck_assert_int_eq(q_int("SELECT count(*) FROM devices WHERE courier_id = 'c1'"
	                       " AND name = 'handheld 7' AND revoked_ms IS NULL"), 1);
}
END_TEST

START_TEST(test_redeem_again_is_code_used)
{
	char code[AUTH_CODE_LEN + 1], secret[AUTH_SECRET_MAX + 1];
	struct store_device dev;
	enum auth_refusal why;

	ck_assert_int_eq(auth_code_new(&S, "c1", NOW_MS, code), DS_OK);
	ck_assert_int_eq(auth_redeem(&S, code, NULL, NULL, NOW_MS, &dev, secret, &why), DS_OK);
	ck_assert_int_eq(why, AUTH_OK);
	ck_assert_int_eq(auth_redeem(&S, code, NULL, NULL, NOW_MS + 1, &dev, secret, &why), DS_OK);
	ck_assert_int_eq(why, AUTH_CODE_USED);
	ck_assert_int_eq(q_int("SELECT count(*) FROM devices"), 1);
}
END_TEST

START_TEST(test_redeem_expired_is_code_expired)
{
	char code[AUTH_CODE_LEN + 1], secret[AUTH_SECRET_MAX + 1];
	struct store_device dev;
	enum auth_refusal why;

	ck_assert_int_eq(auth_code_new(&S, "c1", NOW_MS, code), DS_OK);
	ck_assert_int_eq(auth_redeem(&S, code, NULL, NULL, NOW_MS + AUTH_CODE_TTL_MS + 1, &dev,
	                             secret, &why), DS_OK);
	ck_assert_int_eq(why, AUTH_CODE_EXPIRED);
	ck_assert_int_eq(q_int("SELECT count(*) FROM devices"), 0);
	/* An expired code stays unused: the refusal wrote nothing. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM enroll_codes WHERE used_ms IS NULL"), 1);
	/* At the last valid millisecond it still works. */
	ck_assert_int_eq(auth_redeem(&S, code, NULL, NULL, NOW_MS + AUTH_CODE_TTL_MS, &dev, secret,
	                             &why), DS_OK);
	ck_assert_int_eq(why, AUTH_OK);
}
END_TEST

START_TEST(test_redeem_unknown_code)
{
	static const char *const codes[] = {"ABCD-EFGH-JKMN", "", "ABCD", "ABCD-EFGH-JKMN-PQRS",
		"ABCD-EFGH-JKM0", "ÁBCD-EFGH-JKMN"};
	char secret[AUTH_SECRET_MAX + 1], code[AUTH_CODE_LEN + 1];
	struct store_device dev;
	enum auth_refusal why;
	size_t i;

	ck_assert_int_eq(auth_code_new(&S, "c1", NOW_MS, code), DS_OK);
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		why = AUTH_OK;
		ck_assert_int_eq(auth_redeem(&S, codes[i], NULL, NULL, NOW_MS, &dev, secret, &why),
		                 DS_OK);
		ck_assert_msg(why == AUTH_UNKNOWN_CODE, "%s: %d", codes[i], why);
	}
	why = AUTH_OK;
	ck_assert_int_eq(auth_redeem(&S, NULL, NULL, NULL, NOW_MS, &dev, secret, &why), DS_OK);
	ck_assert_int_eq(why, AUTH_UNKNOWN_CODE);
	ck_assert_int_eq(q_int("SELECT count(*) FROM devices"), 0);
}
END_TEST

START_TEST(test_redeem_ignores_case_and_dashes)
{
	char code[AUTH_CODE_LEN + 1], typed[32], secret[AUTH_SECRET_MAX + 1];
	struct store_device dev;
	enum auth_refusal why;
	size_t i, o = 0;

	ck_assert_int_eq(auth_code_new(&S, "c1", NOW_MS, code), DS_OK);
	for (i = 0; code[i]; i++) {
		if (code[i] == '-')
			continue;
		typed[o++] = (char)tolower((unsigned char)code[i]);
		if (o == 6)
			typed[o++] = ' ';
	}
	typed[o] = '\0';
	ck_assert_int_eq(auth_redeem(&S, typed, NULL, NULL, NOW_MS, &dev, secret, &why), DS_OK);
	ck_assert_msg(why == AUTH_OK, "\"%s\" for %s refused: %d", typed, code, why);
}
END_TEST

START_TEST(test_check_good)
{
	struct store_device dev, got;
	char secret[AUTH_SECRET_MAX + 1], hdr[256];

	enrol(&dev, secret);
	ck_assert_int_eq(store_exec(&S, "UPDATE devices SET last_seq = 17"), DS_OK);
	bearer(hdr, sizeof hdr, dev.id, secret);
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_OK);
	ck_assert_str_eq(got.id, dev.id);
	ck_assert_str_eq(got.courier, "c1");
	ck_assert_str_eq(got.office, "o1");
	ck_assert_int_eq(got.last_seq, 17);
}
END_TEST

START_TEST(test_check_wrong_secret)
{
	struct store_device dev, got;
	char secret[AUTH_SECRET_MAX + 1], hdr[256];

	enrol(&dev, secret);
	secret[0] = secret[0] == 'A' ? 'B' : 'A';
	bearer(hdr, sizeof hdr, dev.id, secret);
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	bearer(hdr, sizeof hdr, dev.id, "");
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	ck_assert_str_eq(got.courier, "");
}
END_TEST

START_TEST(test_check_without_bearer)
{
	struct store_device dev, got;
	char secret[AUTH_SECRET_MAX + 1], hdr[256];

	enrol(&dev, secret);
	snprintf(hdr, sizeof hdr, "Basic %s.%s", dev.id, secret);
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	snprintf(hdr, sizeof hdr, "%s.%s", dev.id, secret);
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	snprintf(hdr, sizeof hdr, "Bearer %s%s", dev.id, secret); /* no dot */
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	snprintf(hdr, sizeof hdr, "Bearer .%s", secret);
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	ck_assert_int_eq(auth_check(&S, NULL, &got), DS_ENOTFOUND);
	ck_assert_int_eq(auth_check(&S, "", &got), DS_ENOTFOUND);
}
END_TEST

START_TEST(test_check_unknown_device)
{
	struct store_device dev, got;
	char secret[AUTH_SECRET_MAX + 1], hdr[256];

	enrol(&dev, secret);
	bearer(hdr, sizeof hdr, "dev-0000000000000000", secret);
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
}
END_TEST

START_TEST(test_check_overlong)
{
	struct store_device dev, got;
	char secret[AUTH_SECRET_MAX + 1], hdr[1024], big[512];

	enrol(&dev, secret);
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	snprintf(hdr, sizeof hdr, "Bearer %s.%s%s", dev.id, secret, big); /* secret too long */
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	snprintf(hdr, sizeof hdr, "Bearer %s%s.%s", dev.id, big, secret); /* device id too long */
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	ck_assert_uint_le(strlen(got.id), STORE_DEVICE_ID_MAX);
}
END_TEST

START_TEST(test_revoke_then_check_is_enotfound)
{
	struct store_device dev, got;
	char secret[AUTH_SECRET_MAX + 1], hdr[256];

	enrol(&dev, secret);
	bearer(hdr, sizeof hdr, dev.id, secret);
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_OK);
	ck_assert_int_eq(auth_revoke(&S, dev.id, NOW_MS + 5000), DS_OK);
	ck_assert_int_eq(auth_check(&S, hdr, &got), DS_ENOTFOUND);
	/* Revoking again keeps the first time. */
	ck_assert_int_eq(auth_revoke(&S, dev.id, NOW_MS + 9000), DS_OK);
	ck_assert_int_eq(q_int("SELECT revoked_ms FROM devices"), NOW_MS + 5000);
}
END_TEST

START_TEST(test_revoke_unknown_is_enotfound)
{
	ck_assert_int_eq(auth_revoke(&S, "dev-0000000000000000", NOW_MS), DS_ENOTFOUND);
}
END_TEST

/* memmem() is a GNU extension; this build is plain POSIX. */
static int has_bytes(const unsigned char *hay, size_t n, const void *needle, size_t len)
{
	size_t i;

	for (i = 0; i + len <= n; i++)
		if (memcmp(hay + i, needle, len) == 0)
			return 1;
	return 0;
}

/* True when NEEDLE appears in any column of any row of TABLE (text or blob). */
static int table_contains(const char *table, const void *needle, size_t len)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	int found = 0, i;

	snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
	ck_assert_int_eq(sqlite3_prepare_v2(S.db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *b = sqlite3_column_blob(st, i);
			int n = sqlite3_column_bytes(st, i);
			if (b != NULL && n >= (int)len && has_bytes(b, (size_t)n, needle, len))
				found = 1;
		}
	}
	sqlite3_finalize(st);
	return found;
}

START_TEST(test_secret_and_code_not_stored_in_clear)
{
	char code[AUTH_CODE_LEN + 1], secret[AUTH_SECRET_MAX + 1], plain[16];
	struct store_device dev;
	enum auth_refusal why;
	uint8_t hash[CRYPTO_SHA256_LEN];

	ck_assert_int_eq(auth_code_new(&S, "c1", NOW_MS, code), DS_OK);
	snprintf(plain, sizeof plain, "%.4s%.4s%.4s", code, code + 5, code + 10);
	ck_assert(!table_contains("enroll_codes", plain, 12));
	ck_assert(!table_contains("enroll_codes", code, AUTH_CODE_LEN));
	ck_assert_int_eq(auth_redeem(&S, code, NULL, NULL, NOW_MS, &dev, secret, &why), DS_OK);
	ck_assert_int_eq(why, AUTH_OK);
	ck_assert(!table_contains("devices", secret, strlen(secret)));
	ck_assert(!table_contains("devices", secret, 16)); /* not even a prefix */
	/* What is kept is the SHA-256 of the secret. */
	crypto_sha256(secret, strlen(secret), hash);
	ck_assert(table_contains("devices", hash, sizeof hash));
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, auth_setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_code_new_unknown_courier_is_enotfound);
	tcase_add_test(tc, test_code_shape);
	tcase_add_test(tc, test_redeem_good_gives_device_and_secret);
	tcase_add_test(tc, test_redeem_again_is_code_used);
	tcase_add_test(tc, test_redeem_expired_is_code_expired);
	tcase_add_test(tc, test_redeem_unknown_code);
	tcase_add_test(tc, test_redeem_ignores_case_and_dashes);
	tcase_add_test(tc, test_check_good);
	tcase_add_test(tc, test_check_wrong_secret);
	tcase_add_test(tc, test_check_without_bearer);
	tcase_add_test(tc, test_check_unknown_device);
	tcase_add_test(tc, test_check_overlong);
	tcase_add_test(tc, test_revoke_then_check_is_enotfound);
	tcase_add_test(tc, test_revoke_unknown_is_enotfound);
	tcase_add_test(tc, test_secret_and_code_not_stored_in_clear);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
