/* test_seal.c: server/db/seal.c's sealing has the properties at-rest protection needs (a
 * round trip; refusal of any tampered byte, wrong key or wrong associated data; a fresh
 * nonce each time, also from a sealer of many bodies), its AES-256-GCM is the standard one
 * (a published vector, and bodies sealed by the mbedTLS code of earlier versions still
 * open), and its SHA-256 matches the FIPS 180-2 vectors and shared/crypto.c on inputs of
 * every length up to 1,100 bytes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/gcm.h>

#include "crypto.h"
#include "server/db/seal.h"

static const uint8_t key1[SEAL_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const uint8_t key2[SEAL_KEY_LEN] = "0123456789abcdef0123456789abcdeg";
static struct seal *V;

static void setup(void)
{
	V = seal_new();
	ck_assert_ptr_nonnull(V);
}

static void teardown(void)
{
	seal_free(V);
	V = NULL;
}

static void unhex(const char *hex, uint8_t *out)
{
	size_t i, n = strlen(hex) / 2;
	unsigned v;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

START_TEST(seal_open_round_trip)
{
	static const char msg[] = "lat=10.4748123 lon=105.6412001";
	uint8_t sealed[sizeof msg + SEAL_OVERHEAD];
	char back[sizeof msg];

	ck_assert_int_eq(seal_seal(V, key1, "evt-1", 5, msg, sizeof msg, sealed), DS_OK);
	ck_assert_msg(memcmp(sealed + SEAL_NONCE_LEN, msg, sizeof msg) != 0, "plaintext visible");
	ck_assert_int_eq(seal_open(V, key1, "evt-1", 5, sealed, sizeof sealed, back), DS_OK);
	ck_assert_str_eq(back, msg);
}
END_TEST

START_TEST(seal_open_empty_and_no_aad)
{
	uint8_t sealed[SEAL_OVERHEAD];
	char back[1];

	ck_assert_int_eq(seal_seal(V, key1, NULL, 0, "", 0, sealed), DS_OK);
	ck_assert_int_eq(seal_open(V, key1, NULL, 0, sealed, sizeof sealed, back), DS_OK);
}
END_TEST

START_TEST(seal_uses_a_fresh_nonce)
{
	uint8_t s1[4 + SEAL_OVERHEAD], s2[4 + SEAL_OVERHEAD];

	ck_assert_int_eq(seal_seal(V, key1, NULL, 0, "same", 4, s1), DS_OK);
	ck_assert_int_eq(seal_seal(V, key1, NULL, 0, "same", 4, s2), DS_OK);
	ck_assert(memcmp(s1, s2, sizeof s1) != 0);
	ck_assert(memcmp(s1, s2, SEAL_NONCE_LEN) != 0);
}
END_TEST

/* A sealer seals many bodies with one key schedule and nonces drawn in bulk: across more
 * than two draws, every body opens with plain seal_open() under its own AAD only, no two
 * nonces repeat, and a body sealed with another key does not open. */
START_TEST(sealer_seals_many_with_distinct_nonces)
{
	enum { N = 2 * SEAL_NONCES_MAX + 7, LEN = 40 };
	static uint8_t sealed[N][LEN + SEAL_OVERHEAD];
	struct seal_batch *s = seal_batch_new(V, key1), *other = seal_batch_new(V, key2);
	char msg[LEN + 1], aad[16], back[LEN];
	size_t i, j;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(other);
	for (i = 0; i < N; i++) {
		snprintf(msg, sizeof msg, "event %05zu at lat=10.47 lon=105.64 ....", i);
		snprintf(aad, sizeof aad, "uuid-%zu", i);
		ck_assert_int_eq(seal_batch_seal(s, aad, strlen(aad), msg, LEN, sealed[i]), DS_OK);
	}
	for (i = 0; i < N; i++) {
		snprintf(msg, sizeof msg, "event %05zu at lat=10.47 lon=105.64 ....", i);
		snprintf(aad, sizeof aad, "uuid-%zu", i);
		ck_assert_int_eq(seal_open(V, key1, aad, strlen(aad), sealed[i],
		                           sizeof sealed[i], back),
		                 DS_OK);
		ck_assert(memcmp(back, msg, LEN) == 0);
		ck_assert_int_eq(seal_open(V, key1, "uuid-x", 6, sealed[i], sizeof sealed[i], back),
		                 DS_ECRYPTO);
		for (j = 0; j < i; j++)
			ck_assert(memcmp(sealed[i], sealed[j], SEAL_NONCE_LEN) != 0);
	}
	ck_assert_int_eq(seal_batch_seal(other, "a", 1, msg, LEN, sealed[0]), DS_OK);
	ck_assert_int_eq(seal_open(V, key1, "a", 1, sealed[0], sizeof sealed[0], back), DS_ECRYPTO);
	ck_assert_int_eq(seal_open(V, key2, "a", 1, sealed[0], sizeof sealed[0], back), DS_OK);
	seal_batch_free(s);
	seal_batch_free(other);
	seal_batch_free(NULL);
}
END_TEST

START_TEST(open_refuses_every_flipped_byte)
{
	static const char msg[] = "recipient: Nguyen Van An";
	uint8_t sealed[sizeof msg + SEAL_OVERHEAD];
	char back[sizeof msg];
	size_t i;

	ck_assert_int_eq(seal_seal(V, key1, "aad", 3, msg, sizeof msg, sealed), DS_OK);
	/* nonce, body and tag: every byte matters */
	for (i = 0; i < sizeof sealed; i++) {
		sealed[i] ^= 0x01;
		ck_assert_msg(seal_open(V, key1, "aad", 3, sealed, sizeof sealed, back) ==
		              DS_ECRYPTO,
		              "flip at byte %zu accepted", i);
		sealed[i] ^= 0x01;
	}
	ck_assert_int_eq(seal_open(V, key1, "aad", 3, sealed, sizeof sealed, back), DS_OK);
}
END_TEST

START_TEST(open_refuses_wrong_aad_or_key)
{
	uint8_t sealed[5 + SEAL_OVERHEAD];
	char back[5];

	ck_assert_int_eq(seal_seal(V, key1, "evt-1", 5, "hello", 5, sealed), DS_OK);
	ck_assert_int_eq(seal_open(V, key1, "evt-2", 5, sealed, sizeof sealed, back), DS_ECRYPTO);
	ck_assert_int_eq(seal_open(V, key1, "evt-1", 4, sealed, sizeof sealed, back), DS_ECRYPTO);
	ck_assert_int_eq(seal_open(V, key1, NULL, 0, sealed, sizeof sealed, back), DS_ECRYPTO);
	ck_assert_int_eq(seal_open(V, key2, "evt-1", 5, sealed, sizeof sealed, back), DS_ECRYPTO);
}
END_TEST

START_TEST(open_refuses_truncated_input)
{
	uint8_t sealed[5 + SEAL_OVERHEAD];
	char back[8];

	ck_assert_int_eq(seal_seal(V, key1, NULL, 0, "hello", 5, sealed), DS_OK);
	ck_assert_int_eq(seal_open(V, key1, NULL, 0, sealed, sizeof sealed - 1, back), DS_ECRYPTO);
	ck_assert_int_eq(seal_open(V, key1, NULL, 0, sealed, SEAL_OVERHEAD - 1, back), DS_ECRYPTO);
	ck_assert_int_eq(seal_open(V, key1, NULL, 0, sealed, 0, back), DS_ECRYPTO);
}
END_TEST

/* McGrew and Viega's GCM specification, test case 16 (AES-256, 96-bit IV, with AAD),
 * laid out as seal_seal() stores it: nonce || ciphertext || tag. */
START_TEST(open_accepts_published_gcm_vector)
{
	static const char *k = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
	static const char *iv = "cafebabefacedbaddecaf888";
	static const char *pt = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	                        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
	static const char *aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
	static const char *ct = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	                        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
	static const char *tag = "76fc6ece0f4e1768cddf8853bb2d551b";
	uint8_t key[SEAL_KEY_LEN], a[20], want[60], sealed[60 + SEAL_OVERHEAD], back[60];

	unhex(k, key);
	unhex(aad, a);
	unhex(pt, want);
	unhex(iv, sealed);
	unhex(ct, sealed + SEAL_NONCE_LEN);
	unhex(tag, sealed + SEAL_NONCE_LEN + 60);
	ck_assert_int_eq(seal_open(V, key, a, sizeof a, sealed, sizeof sealed, back), DS_OK);
	ck_assert(memcmp(back, want, sizeof want) == 0);
}
END_TEST

/* Databases written before seal.c hold bodies mbedTLS sealed; they must still open, and
 * what seal_seal() makes must open with mbedTLS (the format did not change). */
START_TEST(bodies_sealed_by_mbedtls_still_open)
{
	static const char msg[] = "{\"uuid\":\"0190f1a2-0000-7000-8000-000000000001\"}";
	uint8_t sealed[sizeof msg + SEAL_OVERHEAD];
	char back[sizeof msg];
	mbedtls_gcm_context gcm;

	mbedtls_gcm_init(&gcm);
	ck_assert_int_eq(mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key1, 256), 0);
	memcpy(sealed, "nonce-twelve", SEAL_NONCE_LEN);
	ck_assert_int_eq(mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, sizeof msg, sealed,
	                 SEAL_NONCE_LEN, (const uint8_t *)"evt", 3, (const uint8_t *)msg,
	                 sealed + SEAL_NONCE_LEN, SEAL_TAG_LEN,
	                 sealed + SEAL_NONCE_LEN + sizeof msg), 0);
	ck_assert_int_eq(seal_open(V, key1, "evt", 3, sealed, sizeof sealed, back), DS_OK);
	ck_assert_str_eq(back, msg);
	ck_assert_int_eq(seal_seal(V, key1, "evt", 3, msg, sizeof msg, sealed), DS_OK);
	ck_assert_int_eq(mbedtls_gcm_auth_decrypt(&gcm, sizeof msg, sealed, SEAL_NONCE_LEN,
	                 (const uint8_t *)"evt", 3, sealed + SEAL_NONCE_LEN + sizeof msg,
	                 SEAL_TAG_LEN, sealed + SEAL_NONCE_LEN, (uint8_t *)back), 0);
	ck_assert_str_eq(back, msg);
	mbedtls_gcm_free(&gcm);
}
END_TEST

START_TEST(hash_fips_vectors)
{
	static const char *in[] = {"", "abc",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"};
	static const char *want[] = {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"};
	uint8_t h[SEAL_HASH_LEN], w[SEAL_HASH_LEN];
	size_t i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(seal_hash(V, in[i], strlen(in[i]), h), DS_OK);
		unhex(want[i], w);
		ck_assert_msg(memcmp(h, w, sizeof h) == 0, "vector %zu", i);
	}
}
END_TEST

/* Stored content hashes were made by crypto_sha256(); a resent event must hash the same. */
START_TEST(hash_matches_shared_sha256_at_every_length)
{
	uint8_t buf[1100], a[SEAL_HASH_LEN], b[CRYPTO_SHA256_LEN];
	size_t n;

	for (n = 0; n < sizeof buf; n++)
		buf[n] = (uint8_t)(n * 131 + 7);
	for (n = 0; n <= sizeof buf; n++) {
		ck_assert_int_eq(seal_hash(V, buf, n, a), DS_OK);
		crypto_sha256(buf, n, b);
		ck_assert_msg(memcmp(a, b, sizeof a) == 0, "length %zu", n);
	}
}
END_TEST

/* Every byte of a hash counts, wherever the two differ. */
START_TEST(hash_equal_compares_every_byte)
{
	uint8_t a[SEAL_HASH_LEN], b[SEAL_HASH_LEN];
	size_t i;

	ck_assert_int_eq(seal_hash(V, "secret", 6, a), DS_OK);
	memcpy(b, a, sizeof b);
	ck_assert(seal_hash_equal(a, b));
	for (i = 0; i < sizeof b; i++) {
		b[i] ^= 0x01;
		ck_assert_msg(!seal_hash_equal(a, b), "byte %zu ignored", i);
		b[i] ^= 0x01;
	}
}
END_TEST

/* Two fresh data keys differ (a fixed or zero key would seal every store alike). */
START_TEST(fresh_keys_differ)
{
	uint8_t a[SEAL_KEY_LEN], b[SEAL_KEY_LEN], zero[SEAL_KEY_LEN] = {0};

	ck_assert_int_eq(seal_key_new(a), DS_OK);
	ck_assert_int_eq(seal_key_new(b), DS_OK);
	ck_assert(memcmp(a, b, sizeof a) != 0);
	ck_assert(memcmp(a, zero, sizeof a) != 0);
}
END_TEST

/* A refused body must not leave its unverified plaintext behind (mbedTLS zeroed it). */
START_TEST(open_failure_leaves_no_plaintext)
{
	static const char msg[] = "lat=10.4748123 lon=105.6412001";
	uint8_t sealed[sizeof msg + SEAL_OVERHEAD];
	char back[sizeof msg];

	ck_assert_int_eq(seal_seal(V, key1, "evt-1", 5, msg, sizeof msg, sealed), DS_OK);
	memset(back, 0, sizeof back);
	ck_assert_int_eq(seal_open(V, key1, "evt-2", 5, sealed, sizeof sealed, back), DS_ECRYPTO);
	ck_assert_msg(strstr(back, "105.64") == NULL, "plaintext left after refusal: %s", back);
}
END_TEST

static Suite *seal_suite(void)
{
	Suite *s = suite_create("seal");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);

	tcase_add_test(tc, seal_open_round_trip);
	tcase_add_test(tc, seal_open_empty_and_no_aad);
	tcase_add_test(tc, seal_uses_a_fresh_nonce);
	tcase_add_test(tc, sealer_seals_many_with_distinct_nonces);
	tcase_add_test(tc, open_refuses_every_flipped_byte);
	tcase_add_test(tc, open_refuses_wrong_aad_or_key);
	tcase_add_test(tc, open_refuses_truncated_input);
	tcase_add_test(tc, open_failure_leaves_no_plaintext);
	tcase_add_test(tc, open_accepts_published_gcm_vector);
	tcase_add_test(tc, bodies_sealed_by_mbedtls_still_open);
	tcase_add_test(tc, hash_fips_vectors);
	tcase_add_test(tc, hash_matches_shared_sha256_at_every_length);
	tcase_add_test(tc, hash_equal_compares_every_byte);
	tcase_add_test(tc, fresh_keys_differ);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(seal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
