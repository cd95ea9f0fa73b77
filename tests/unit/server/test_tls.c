/* test_tls.c: the self-signed certificate, the key pin, and server sessions driven in memory
 * by an mbedTLS client (so versions and suites the server must refuse can be offered). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "server/net/tls.h"

#define T_PATH_MAX 256
#define T_DIR_MAX 64
#define T_PIPE_MAX (64u * 1024)

struct files {
	char dir[T_DIR_MAX], cert[T_PATH_MAX], key[T_PATH_MAX];
};

static void files_make(struct files *f)
{
	char err[128] = "";

	snprintf(f->dir, sizeof f->dir, "/tmp/test_tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->cert, sizeof f->cert, "%s/cert.pem", f->dir);
	snprintf(f->key, sizeof f->key, "%s/key.pem", f->dir);
	ck_assert_msg(tls_make_selfsigned(f->cert, f->key, err, sizeof err) == DS_OK, "%s", err);
}

static void files_remove(const struct files *f)
{
	unlink(f->cert);
	unlink(f->key);
	rmdir(f->dir);
}

START_TEST(key_is_private_and_files_not_overwritten)
{
	struct files f;
	struct stat st;
	char other[T_PATH_MAX], err[128];

	files_make(&f);
	ck_assert_int_eq(stat(f.key, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(f.cert, &st), 0);
	ck_assert_int_gt(st.st_size, 100);
	/* Both exist: refused. Only the certificate exists: refused, and no key is left. */
	ck_assert_int_eq(tls_make_selfsigned(f.cert, f.key, err, sizeof err), DS_EIO);
	snprintf(other, sizeof other, "%s/other.pem", f.dir);
	ck_assert_int_eq(tls_make_selfsigned(f.cert, other, err, sizeof err), DS_EIO);
	ck_assert_int_ne(access(other, F_OK), 0);
	ck_assert_int_eq(tls_make_selfsigned(other, f.key, err, sizeof err), DS_EIO);
	ck_assert_int_ne(access(other, F_OK), 0);
	files_remove(&f);
}
END_TEST

/* The pin computed another way: re-encode the public key and hash it here. */
static void pin_by_hand(const char *cert, char *out, size_t out_len)
{
	mbedtls_x509_crt crt;
	unsigned char der[512], digest[32];
	size_t olen;
	int n;

	mbedtls_x509_crt_init(&crt);
	ck_assert_int_eq(mbedtls_x509_crt_parse_file(&crt, cert), 0);
	n = mbedtls_pk_write_pubkey_der(&crt.pk, der, sizeof der);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(mbedtls_sha256_ret(der + sizeof der - n, (size_t)n, digest, 0), 0);
	memcpy(out, "sha256//", 8);
	ck_assert_int_eq(mbedtls_base64_encode((unsigned char *)out + 8, out_len - 8, &olen,
	                                       digest, sizeof digest), 0);
	mbedtls_x509_crt_free(&crt);
}

START_TEST(pin_is_stable_and_matches)
{
	struct files f, g;
	char a[TLS_PIN_MAX], b[TLS_PIN_MAX], c[TLS_PIN_MAX], small[20];

	files_make(&f);
	ck_assert_int_eq(tls_pin(f.cert, a, sizeof a), DS_OK);
	ck_assert_int_eq(tls_pin(f.cert, b, sizeof b), DS_OK);
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(strlen(a), 8 + 44);
	ck_assert_int_eq(strncmp(a, "sha256//", 8), 0);
	pin_by_hand(f.cert, c, sizeof c);
	ck_assert_str_eq(a, c);
	files_make(&g);
	ck_assert_int_eq(tls_pin(g.cert, b, sizeof b), DS_OK);
	ck_assert_str_ne(a, b); /* a new key, a new pin */
	ck_assert_int_eq(tls_pin(f.cert, small, sizeof small), DS_ETOOBIG);
	ck_assert_int_eq(tls_pin(f.key, b, sizeof b), DS_EIO);
	ck_assert_int_eq(tls_pin("/nonexistent/cert.pem", b, sizeof b), DS_EIO);
	files_remove(&f);
	files_remove(&g);
}
END_TEST

START_TEST(server_loads_or_explains)
{
	struct files f;
	struct tls_server *s;
	char err[256] = "";

	files_make(&f);
	s = tls_server_new(f.cert, f.key, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	tls_server_free(s);
	s = tls_server_new(f.cert, "/nonexistent/key.pem", err, sizeof err);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/key.pem"));
	tls_server_free(NULL);
	tls_conn_free(NULL);
	files_remove(&f);
}
END_TEST

/* An in-memory client: its output goes straight into the server session; the server's
 * output lands in s2c for the client to read. */
struct duo {
	struct tls_conn *server;
	unsigned char s2c[T_PIPE_MAX];
	size_t s2c_len;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
};

static void to_client(void *ctx, const unsigned char *buf, size_t len)
{
	struct duo *d = ctx;

	ck_assert_uint_le(len, sizeof d->s2c - d->s2c_len);
	memcpy(d->s2c + d->s2c_len, buf, len);
	d->s2c_len += len;
}

static int client_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct duo *d = ctx;

	ck_assert_int_eq(tls_conn_push(d->server, buf, len), DS_OK);
	return (int)len;
}

static int client_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct duo *d = ctx;

	if (d->s2c_len == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (len > d->s2c_len)
		len = d->s2c_len;
	memcpy(buf, d->s2c, len);
	memmove(d->s2c, d->s2c + len, d->s2c_len - len);
	d->s2c_len -= len;
	return (int)len;
}

static void duo_init(struct duo *d, struct tls_server *s, int max_minor, const int *suites)
{
	memset(d, 0, sizeof *d);
	d->server = tls_conn_new(s, to_client, d);
	ck_assert_ptr_nonnull(d->server);
	mbedtls_entropy_init(&d->entropy);
	mbedtls_ctr_drbg_init(&d->drbg);
	mbedtls_ssl_config_init(&d->conf);
	mbedtls_ssl_init(&d->ssl);
	ck_assert_int_eq(mbedtls_ctr_drbg_seed(&d->drbg, mbedtls_entropy_func, &d->entropy,
	                                       NULL, 0), 0);
	ck_assert_int_eq(mbedtls_ssl_config_defaults(&d->conf, MBEDTLS_SSL_IS_CLIENT,
	                                             MBEDTLS_SSL_TRANSPORT_STREAM,
	                                             MBEDTLS_SSL_PRESET_DEFAULT), 0);
	mbedtls_ssl_conf_authmode(&d->conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&d->conf, mbedtls_ctr_drbg_random, &d->drbg);
	mbedtls_ssl_conf_min_version(&d->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_1);
	mbedtls_ssl_conf_max_version(&d->conf, MBEDTLS_SSL_MAJOR_VERSION_3, max_minor);
	if (suites != NULL)
		mbedtls_ssl_conf_ciphersuites(&d->conf, suites);
	ck_assert_int_eq(mbedtls_ssl_setup(&d->ssl, &d->conf), 0);
	mbedtls_ssl_set_bio(&d->ssl, d, client_send, client_recv, NULL);
}

static void duo_free(struct duo *d)
{
	tls_conn_free(d->server);
	mbedtls_ssl_free(&d->ssl);
	mbedtls_ssl_config_free(&d->conf);
	mbedtls_ctr_drbg_free(&d->drbg);
	mbedtls_entropy_free(&d->entropy);
}

/* Step both sides until the handshake ends; returns the server's last result. */
static enum tls_result duo_handshake(struct duo *d)
{
	enum tls_result sr = TLS_AGAIN;
	int i, cr = 1;

	for (i = 0; i < 50 && (sr != TLS_OK || cr != 0); i++) {
		cr = mbedtls_ssl_handshake(&d->ssl);
		if (cr != 0 && cr != MBEDTLS_ERR_SSL_WANT_READ && cr != MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		sr = tls_conn_handshake(d->server);
		if (sr == TLS_FAIL)
			break;
	}
	return sr == TLS_OK && cr == 0 ? TLS_OK : TLS_FAIL;
}

START_TEST(session_exchanges_data_and_closes)
{
	struct files f;
	struct tls_server *s;
	struct duo d;
	char buf[64] = "";
	size_t n;
	char err[128];

	files_make(&f);
	s = tls_server_new(f.cert, f.key, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	duo_init(&d, s, MBEDTLS_SSL_MINOR_VERSION_3, NULL);
	ck_assert_int_eq(duo_handshake(&d), TLS_OK);
	ck_assert_str_eq(mbedtls_ssl_get_version(&d.ssl), "TLSv1.2");
	ck_assert_ptr_nonnull(strstr(mbedtls_ssl_get_ciphersuite(&d.ssl), "GCM"));
	ck_assert_int_eq(tls_conn_read(d.server, buf, sizeof buf, &n), TLS_AGAIN);
	ck_assert_int_eq(mbedtls_ssl_write(&d.ssl, (const unsigned char *)"ping", 4), 4);
	ck_assert_int_eq(tls_conn_read(d.server, buf, sizeof buf, &n), TLS_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(buf, "ping", 4), 0);
	ck_assert_int_eq(tls_conn_write(d.server, "pong", 4), TLS_OK);
	ck_assert_int_eq(mbedtls_ssl_read(&d.ssl, (unsigned char *)buf, sizeof buf), 4);
	ck_assert_int_eq(memcmp(buf, "pong", 4), 0);
	ck_assert_int_eq(mbedtls_ssl_close_notify(&d.ssl), 0);
	ck_assert_int_eq(tls_conn_read(d.server, buf, sizeof buf, &n), TLS_CLOSED);
	duo_free(&d);
	tls_server_free(s);
	files_remove(&f);
}
END_TEST

START_TEST(old_versions_and_cbc_refused)
{
	static const int cbc[] = { MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, 0 };
	struct files f;
	struct tls_server *s;
	struct duo d;
	char err[128];

	files_make(&f);
	s = tls_server_new(f.cert, f.key, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	duo_init(&d, s, MBEDTLS_SSL_MINOR_VERSION_2, NULL);
	ck_assert_int_eq(duo_handshake(&d), TLS_FAIL);
	duo_free(&d);
	duo_init(&d, s, MBEDTLS_SSL_MINOR_VERSION_3, cbc);
	ck_assert_int_eq(duo_handshake(&d), TLS_FAIL);
	duo_free(&d);
	/* Garbage instead of a ClientHello. */
	duo_init(&d, s, MBEDTLS_SSL_MINOR_VERSION_3, NULL);
	ck_assert_int_eq(tls_conn_push(d.server, "GET / HTTP/1.1\r\n\r\n", 18), DS_OK);
	ck_assert_int_eq(tls_conn_handshake(d.server), TLS_FAIL);
	duo_free(&d);
	tls_server_free(s);
	files_remove(&f);
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, key_is_private_and_files_not_overwritten);
	tcase_add_test(tc, pin_is_stable_and_matches);
	tcase_add_test(tc, server_loads_or_explains);
	tcase_add_test(tc, session_exchanges_data_and_closes);
	tcase_add_test(tc, old_versions_and_cbc_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
