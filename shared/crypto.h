/* crypto.h: the few cryptographic primitives both programs need (SHA-256, base64, random
 * bytes), over mbedTLS. The server's sealing of event bodies at rest is server/db/seal.h. */
#ifndef DS_CRYPTO_H
#define DS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA256_HEX_LEN 64   /* hex digits, without the NUL */

/* SHA-256 of DATA[0..LEN) into OUT. */
void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);

/* Lower-case hex of the SHA-256 of DATA into OUT (65 bytes incl. NUL). */
void crypto_sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* SHA-256 of the file at PATH as hex into OUT. DS_EIO when it cannot be read. */
DS_WUR enum ds_err crypto_sha256_file(const char *path, char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* LEN bytes from the operating system's random source into OUT. */
DS_WUR enum ds_err crypto_random(void *out, size_t len);

/* Unpadded base64url of IN into OUT (size OUT_LEN, NUL-terminated). DS_ETOOBIG if short. */
DS_WUR enum ds_err crypto_b64url(const void *in, size_t len, char *out, size_t out_len);

/* Constant-time equality of two LEN-byte buffers. */
int crypto_equal(const void *a, const void *b, size_t len);

#endif
