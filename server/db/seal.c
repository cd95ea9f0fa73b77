/* seal.c: AES-256-GCM and SHA-256 through libcrypto's EVP interface. The algorithms are
 * fetched once (struct seal); contexts are made per call or per sealer, since the calls run
 * on several pool threads at once and a context costs less than the locking a shared one
 * would need. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "server/db/seal.h"

struct seal {
	OSSL_LIB_CTX *lib;
	EVP_CIPHER *gcm;
	EVP_MD *sha256;
};

struct seal *seal_new(void)
{
	struct seal *v = calloc(1, sizeof *v);

	if (v == NULL)
		return NULL;
	/* A library context of its own, checked as it is made: libcrypto 3.0 makes its default
	 * context on first use and, when an allocation fails there, later uses a lock it never
	 * made (a crash the allocation-failure tests found). */
	v->lib = OSSL_LIB_CTX_new();
	if (v->lib == NULL) {
		free(v);
		return NULL;
	}
	v->gcm = EVP_CIPHER_fetch(v->lib, "AES-256-GCM", NULL);
	v->sha256 = EVP_MD_fetch(v->lib, "SHA256", NULL);
	if (v->gcm == NULL || v->sha256 == NULL) {
		seal_free(v);
		return NULL;
	}
	return v;
}

void seal_free(struct seal *v)
{
	if (v == NULL)
		return;
	EVP_CIPHER_free(v->gcm);
	EVP_MD_free(v->sha256);
	OSSL_LIB_CTX_free(v->lib);
	free(v);
}

enum ds_err seal_hash(const struct seal *v, const void *data, size_t len,
                       uint8_t out[SEAL_HASH_LEN])
{
	return EVP_Digest(data, len, out, NULL, v->sha256, NULL) == 1 ? DS_OK : DS_ECRYPTO;
}

int seal_hash_equal(const uint8_t a[SEAL_HASH_LEN], const uint8_t b[SEAL_HASH_LEN])
{
	return CRYPTO_memcmp(a, b, SEAL_HASH_LEN) == 0;
}

enum ds_err seal_key_new(uint8_t key[SEAL_KEY_LEN])
{
	return crypto_random(key, SEAL_KEY_LEN) == DS_OK ? DS_OK : DS_ECRYPTO;
}

/* Runs GCM over IN into OUT with CTX already keyed for ENC: AAD first, then the data. */
static int seal_gcm(EVP_CIPHER_CTX *ctx, const void *aad, size_t aad_len, const uint8_t *in,
                     size_t len, uint8_t *out)
{
	int n;

	if (aad_len > INT_MAX || len > INT_MAX)
		return 0;
	if (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		return 0;
	return len == 0 || EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
}

/* Seals IN under NONCE (copied to the front of OUT) with CTX, already keyed for encryption:
 * setting only the IV restarts GCM without running the key schedule again. */
static enum ds_err seal_seal_keyed(EVP_CIPHER_CTX *ctx, const uint8_t nonce[SEAL_NONCE_LEN],
                                    const void *aad, size_t aad_len, const void *in, size_t len,
                                    uint8_t *out)
{
	int n;

	memcpy(out, nonce, SEAL_NONCE_LEN);
	if (EVP_EncryptInit_ex2(ctx, NULL, NULL, out, NULL) != 1 ||
	    !seal_gcm(ctx, aad, aad_len, in, len, out + SEAL_NONCE_LEN) ||
	    EVP_EncryptFinal_ex(ctx, out + SEAL_NONCE_LEN + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	                        out + SEAL_NONCE_LEN + len) != 1)
		return DS_ECRYPTO;
	return DS_OK;
}

/* A context for V's cipher keyed with KEY, or NULL. */
static EVP_CIPHER_CTX *seal_keyed(const struct seal *v, const uint8_t key[SEAL_KEY_LEN])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx != NULL && EVP_EncryptInit_ex2(ctx, v->gcm, key, NULL, NULL) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

enum ds_err seal_seal(const struct seal *v, const uint8_t key[SEAL_KEY_LEN],
                       const void *aad, size_t aad_len, const void *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = seal_keyed(v, key);
	uint8_t nonce[SEAL_NONCE_LEN];
	enum ds_err rc = DS_ECRYPTO;

	if (ctx != NULL && crypto_random(nonce, sizeof nonce) == DS_OK)
		rc = seal_seal_keyed(ctx, nonce, aad, aad_len, in, len, out);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

struct seal_batch {
	EVP_CIPHER_CTX *ctx;
	uint8_t nonces[SEAL_NONCES_MAX][SEAL_NONCE_LEN];
	size_t next; /* the first unused nonce; SEAL_NONCES_MAX when all are used */
};

struct seal_batch *seal_batch_new(const struct seal *v, const uint8_t key[SEAL_KEY_LEN])
{
	struct seal_batch *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->next = SEAL_NONCES_MAX;
	if ((s->ctx = seal_keyed(v, key)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

enum ds_err seal_batch_seal(struct seal_batch *s, const void *aad, size_t aad_len,
                              const void *in, size_t len, uint8_t *out)
{
	if (s->next == SEAL_NONCES_MAX) {
		if (crypto_random(s->nonces, sizeof s->nonces) != DS_OK)
			return DS_ECRYPTO;
		s->next = 0;
	}
	/* A nonce is used up even when sealing fails: GCM must never see one twice. */
	return seal_seal_keyed(s->ctx, s->nonces[s->next++], aad, aad_len, in, len, out);
}

void seal_batch_free(struct seal_batch *s)
{
	if (s == NULL)
		return;
	/* libcrypto cleanses the key schedule when it frees the context. */
	EVP_CIPHER_CTX_free(s->ctx);
	free(s);
}

enum ds_err seal_open(const struct seal *v, const uint8_t key[SEAL_KEY_LEN],
                       const void *aad, size_t aad_len, const uint8_t *in, size_t len, void *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	enum ds_err rc = DS_ECRYPTO;
	uint8_t tag[SEAL_TAG_LEN];
	size_t body;
	int n;

	if (len < SEAL_OVERHEAD)
		goto fail;
	body = len - SEAL_OVERHEAD;
	/* The tag is copied: libcrypto's control call takes a non-const pointer. */
	memcpy(tag, in + SEAL_NONCE_LEN + body, sizeof tag);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex2(ctx, v->gcm, key, in, NULL) != 1 ||
	    !seal_gcm(ctx, aad, aad_len, in + SEAL_NONCE_LEN, body, out) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, (uint8_t *)out + body, &n) != 1)
		goto fail;
	rc = DS_OK;
fail:
	/* GCM decrypts before it verifies: a refused body's plaintext must not stay in OUT. */
	if (rc != DS_OK && len >= SEAL_OVERHEAD)
		OPENSSL_cleanse(out, len - SEAL_OVERHEAD);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
