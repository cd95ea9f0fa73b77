/* test_crypto.c: pins shared/crypto.c against published vectors (FIPS 180-2 SHA-256,
 * RFC 4648 base64), and the properties of its random draws and comparison. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"

static void sha_is(const char *in, const char *want)
{
	char hex[CRYPTO_SHA256_HEX_LEN + 1];

	crypto_sha256_hex(in, strlen(in), hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(sha256_fips_vectors)
{
	sha_is("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha_is("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(sha256_raw_matches_hex)
{
	uint8_t h[CRYPTO_SHA256_LEN];

	crypto_sha256("abc", 3, h);
	ck_assert_int_eq(h[0], 0xba);
	ck_assert_int_eq(h[31], 0xad);
}
END_TEST

START_TEST(sha256_file_matches_memory_and_refuses_missing)
{
	char path[] = "/tmp/test_crypto.XXXXXX", hex[CRYPTO_SHA256_HEX_LEN + 1];
	int fd = mkstemp(path);
	static char big[200000];
	char want[CRYPTO_SHA256_HEX_LEN + 1];

	ck_assert_int_ge(fd, 0);
	/* Larger than the 64 KiB read chunk, so more than one update is hashed. */
	memset(big, 'x', sizeof big);
	big[100000] = 'y';
	ck_assert_int_eq(write(fd, big, sizeof big), (ssize_t)sizeof big);
	close(fd);
	crypto_sha256_hex(big, sizeof big, want);
	ck_assert_int_eq(crypto_sha256_file(path, hex), DS_OK);
	ck_assert_str_eq(hex, want);
	unlink(path);
	ck_assert_int_eq(crypto_sha256_file(path, hex), DS_EIO);
}
END_TEST

static void b64_is(const char *in, size_t len, const char *want)
{
	char out[64];

	ck_assert_int_eq(crypto_b64url(in, len, out, sizeof out), DS_OK);
	ck_assert_str_eq(out, want);
}

START_TEST(b64url_rfc4648_vectors_unpadded)
{
	b64_is("", 0, "");
	b64_is("f", 1, "Zg");
	b64_is("fo", 2, "Zm8");
	b64_is("foo", 3, "Zm9v");
	b64_is("foob", 4, "Zm9vYg");
	b64_is("fooba", 5, "Zm9vYmE");
	b64_is("foobar", 6, "Zm9vYmFy");
}
END_TEST

START_TEST(b64url_uses_url_alphabet)
{
	b64_is("\xfb\xff", 2, "-_8");
	b64_is("\xff\xff\xff", 3, "____");
	b64_is("\x00\x00\x00", 3, "AAAA");
}
END_TEST

START_TEST(b64url_refuses_short_buffer)
{
	char out[8];

	memset(out, '#', sizeof out);
	ck_assert_int_eq(crypto_b64url("foo", 3, out, 4), DS_ETOOBIG);
	ck_assert_int_eq(crypto_b64url("foo", 3, out, 5), DS_OK);
	ck_assert_str_eq(out, "Zm9v");
	ck_assert_int_eq(crypto_b64url("f", 1, out, 2), DS_ETOOBIG);
	ck_assert_int_eq(crypto_b64url("f", 1, out, 3), DS_OK);
	ck_assert_int_eq(crypto_b64url("", 0, out, 0), DS_ETOOBIG);
}
END_TEST

START_TEST(equal_compares_all_bytes)
{
	ck_assert(crypto_equal("abcd", "abcd", 4));
	ck_assert(!crypto_equal("abcd", "abce", 4));
	ck_assert(!crypto_equal("xbcd", "abcd", 4));
	ck_assert(crypto_equal("a", "b", 0));
}
END_TEST

START_TEST(random_draws_differ)
{
	uint8_t a[32], b[32], zero[32] = {0};

	ck_assert_int_eq(crypto_random(a, sizeof a), DS_OK);
	ck_assert_int_eq(crypto_random(b, sizeof b), DS_OK);
	ck_assert(memcmp(a, b, sizeof a) != 0);
	ck_assert(memcmp(a, zero, sizeof a) != 0);
	ck_assert_int_eq(crypto_random(a, 0), DS_OK);
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sha256_fips_vectors);
	tcase_add_test(tc, sha256_raw_matches_hex);
	tcase_add_test(tc, sha256_file_matches_memory_and_refuses_missing);
	tcase_add_test(tc, b64url_rfc4648_vectors_unpadded);
	tcase_add_test(tc, b64url_uses_url_alphabet);
	tcase_add_test(tc, b64url_refuses_short_buffer);
	tcase_add_test(tc, equal_compares_all_bytes);
	tcase_add_test(tc, random_draws_differ);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(crypto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
