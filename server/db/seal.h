/* seal.h: the server's protection of event bodies at rest (AES-256-GCM) and every hash it keeps
 * (event content hashes, enrolment codes and device secrets: SHA-256), on OpenSSL's libcrypto.
 * mbedTLS, which the server also links, serves TLS only. Ingest runs both for every event, and
 * libcrypto uses the processor's AES and SHA instructions where mbedTLS 2.28 does not, several
 * times faster per event (docs/PERFORMANCE.md, docs/DESIGN.md). It is a server module so that
 * the agent, which seals nothing, does not link a second crypto library. */
#ifndef DS_SEAL_H
#define DS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SEAL_KEY_LEN 32      /* AES-256 */
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_OVERHEAD 28     /* nonce + tag: a sealed body is nonce || ciphertext || tag */
#define SEAL_HASH_LEN 32

/* The two algorithms, fetched from libcrypto once (fetching them by name on every call was a
 * quarter of an event's cost). Immutable once made, so any number of threads may use one
 * seal at the same time. */
struct seal; /* opaque */

/* A new seal, or NULL when libcrypto lacks either algorithm or memory. Free with seal_free(). */
struct seal *seal_new(void);

/* Frees V (NULL is fine). */
void seal_free(struct seal *v);

/* SHA-256 of LEN bytes at DATA into OUT. DS_ECRYPTO only if libcrypto fails. */
DS_WUR enum ds_err seal_hash(const struct seal *v, const void *data, size_t len,
                              uint8_t out[SEAL_HASH_LEN]);

/* Constant-time equality of two SEAL_HASH_LEN-byte hashes: a secret's hash is compared
 * without telling, by the time taken, how much of it matched. */
int seal_hash_equal(const uint8_t a[SEAL_HASH_LEN], const uint8_t b[SEAL_HASH_LEN]);

/* A fresh random data key into OUT: KEY, from the operating system's random source.
 * DS_ECRYPTO when none can be had. */
DS_WUR enum ds_err seal_key_new(uint8_t key[SEAL_KEY_LEN]);

/* Encrypts IN with KEY into OUT (size >= LEN + SEAL_OVERHEAD) under a fresh random nonce.
 * AAD (may be NULL) is authenticated, not stored: a body sealed for one row cannot be moved
 * to another. DS_OK, or DS_ECRYPTO (no random bytes, LEN or AAD_LEN over INT_MAX, libcrypto
 * failed). */
DS_WUR enum ds_err seal_seal(const struct seal *v, const uint8_t key[SEAL_KEY_LEN],
                              const void *aad, size_t aad_len, const void *in, size_t len,
                              uint8_t *out);

/* A key made ready to seal many bodies on one thread: its AES key schedule runs once, and
 * nonces come from the system SEAL_NONCES_MAX at a time. Per event, a fresh context and a
 * getrandom call each were an eighth of what a decode thread spent on a sync batch. */
struct seal_batch; /* opaque */

#define SEAL_NONCES_MAX 128 /* random nonces drawn by one getrandom call */

/* A sealer for KEY on V (V must outlive it), or NULL when out of memory or libcrypto fails.
 * Free with seal_batch_free(). */
struct seal_batch *seal_batch_new(const struct seal *v, const uint8_t key[SEAL_KEY_LEN]);

/* As seal_seal() with the sealer's key; each call takes an unused random nonce. */
DS_WUR enum ds_err seal_batch_seal(struct seal_batch *s, const void *aad, size_t aad_len,
                                     const void *in, size_t len, uint8_t *out);

/* Frees S and wipes its key (NULL is fine). */
void seal_batch_free(struct seal_batch *s);

/* Decrypts what seal_seal() made (IN, LEN bytes) into OUT (size >= LEN - SEAL_OVERHEAD).
 * DS_OK, or DS_ECRYPTO when the key, the AAD or any byte does not verify (or LEN is short or
 * over INT_MAX); OUT is then zeroed, since GCM decrypts before it verifies. */
DS_WUR enum ds_err seal_open(const struct seal *v, const uint8_t key[SEAL_KEY_LEN],
                              const void *aad, size_t aad_len, const uint8_t *in, size_t len,
                              void *out);

#endif
