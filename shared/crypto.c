/* crypto.c: thin wrappers so that only this file of shared/ includes mbedTLS headers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/sha256.h>

#include "crypto.h"

#define CRYPTO_FILE_CHUNK 65536

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
	mbedtls_sha256_ret(data, len, out, 0);
}

static void crypto_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void crypto_sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	uint8_t h[CRYPTO_SHA256_LEN];

	crypto_sha256(data, len, h);
	crypto_hex(h, sizeof h, out);
}

enum ds_err crypto_sha256_file(const char *path, char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	mbedtls_sha256_context ctx;
	unsigned char buf[CRYPTO_FILE_CHUNK];
	uint8_t h[CRYPTO_SHA256_LEN];
	size_t n;
	enum ds_err rc = DS_EIO;
	FILE *f = fopen(path, "rb");

	mbedtls_sha256_init(&ctx);
	if (f == NULL)
		goto fail;
	mbedtls_sha256_starts_ret(&ctx, 0);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		mbedtls_sha256_update_ret(&ctx, buf, n);
	if (ferror(f))
		goto fail;
	mbedtls_sha256_finish_ret(&ctx, h);
	crypto_hex(h, sizeof h, out);
	rc = DS_OK;
fail:
	if (f != NULL)
		fclose(f);
	mbedtls_sha256_free(&ctx);
	return rc;
}

enum ds_err crypto_random(void *out, size_t len)
{
	uint8_t *p = out;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return DS_EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return DS_OK;
}

enum ds_err crypto_b64url(const void *in, size_t len, char *out, size_t out_len)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const uint8_t *s = in;
	size_t i, o = 0, need = (len * 4 + 2) / 3;
	uint32_t v;

	if (out_len < need + 1)
		return DS_ETOOBIG;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
		out[o++] = alpha[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)s[i] << 16;
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
	}
	out[o] = '\0';
	return DS_OK;
}

int crypto_equal(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}
