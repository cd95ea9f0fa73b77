/* tls.c: the only file that includes mbedTLS. It makes the self-signed certificate, computes
 * key pins, and runs server sessions whose "socket" is a pair of memory buffers: ciphertext
 * the event loop received is pushed in, and ciphertext to send leaves through a callback. */
#include "server/net/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "buf.h"

/* Room for a PEM key or certificate of the kind made here. */
#define TLS_PEM_MAX 4096
/* Sessions kept for resumption by session ID; one per connection we allow is plenty. */
#define TLS_CACHE_ENTRIES 1024
/* How long a session ticket or cached session may be resumed. */
#define TLS_TICKET_LIFETIME_S (12 * 3600)
/* Room for mbedtls_strerror() text. */
#define TLS_ERRTEXT_MAX 128

struct tls_server {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	mbedtls_ssl_config conf;
	mbedtls_ssl_cache_context cache;
	mbedtls_ssl_ticket_context ticket;
};

struct tls_conn {
	mbedtls_ssl_context ssl;
	tls_send_fn send;
	void *ctx;
	struct buf in;     /* received ciphertext; bytes in_off..in.len are unread */
	size_t in_off;
};

/* TLS 1.2 ECDHE with AEAD only. The RSA variants serve an operator who brings an RSA key. */
static const int tls_suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	0,
};

/* Key-exchange curves, in the server's order of preference. mbedTLS 2.28 picks from its
 * own list, which by default starts with secp521r1: a client offering it (OpenSSL and so
 * curl do) then costs the server about twice the CPU per handshake of P-256
 * (docs/PERFORMANCE.md), and a handheld more still. P-256 matches the 128-bit strength
 * of AES-128-GCM. */
static const mbedtls_ecp_group_id tls_curves[] = {
	MBEDTLS_ECP_DP_SECP256R1,
	MBEDTLS_ECP_DP_SECP384R1,
	MBEDTLS_ECP_DP_NONE,
};

static void set_err(char *err, size_t err_len, const char *what, int mbed_ret)
{
	char text[TLS_ERRTEXT_MAX] = "";

	if (err == NULL || err_len == 0)
		return;
	if (mbed_ret != 0)
		mbedtls_strerror(mbed_ret, text, sizeof text);
	else if (errno != 0)
		snprintf(text, sizeof text, "%s", strerror(errno));
	snprintf(err, err_len, "%s%s%s", what, text[0] ? ": " : "", text);
}

static int seed(mbedtls_entropy_context *entropy, mbedtls_ctr_drbg_context *drbg,
                const char *who)
{
	return mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy,
	                             (const unsigned char *)who, strlen(who));
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return fsync(fd);
}

/* The subjectAltName value: SEQUENCE { dNSName "localhost", iPAddress 127.0.0.1 }. mbedTLS
 * 2.28 has no writer for it, so the DER is spelled out. */
static int add_san(mbedtls_x509write_cert *crt)
{
	static const unsigned char san[] = {
		0x30, 0x11,
		0x82, 0x09, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',
		0x87, 0x04, 127, 0, 0, 1,
	};
	return mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
	                                           MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
	                                           0, san, sizeof san);
}

static int set_validity(mbedtls_x509write_cert *crt)
{
	char from[16], to[16];
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL)
		return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
	if (strftime(from, sizeof from, "%Y%m%d%H%M%S", &tm) != 14)
		return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
	tm.tm_year += TLS_CERT_VALID_YEARS;
	if (strftime(to, sizeof to, "%Y%m%d%H%M%S", &tm) != 14)
		return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
	return mbedtls_x509write_crt_set_validity(crt, from, to);
}

/* Fill CRT as a self-signed certificate for KEY. */
static int build_cert(mbedtls_x509write_cert *crt, mbedtls_pk_context *key,
                      mbedtls_ctr_drbg_context *drbg, mbedtls_mpi *serial)
{
	int ret;

	mbedtls_x509write_crt_set_version(crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(crt, key);
	mbedtls_x509write_crt_set_issuer_key(crt, key);
	if ((ret = mbedtls_mpi_fill_random(serial, 16, mbedtls_ctr_drbg_random, drbg)) != 0 ||
	    (ret = mbedtls_mpi_set_bit(serial, 0, 1)) != 0 ||
	    (ret = mbedtls_x509write_crt_set_serial(crt, serial)) != 0 ||
	    (ret = set_validity(crt)) != 0 ||
	    (ret = mbedtls_x509write_crt_set_subject_name(crt, "CN=doorstep")) != 0 ||
	    (ret = mbedtls_x509write_crt_set_issuer_name(crt, "CN=doorstep")) != 0 ||
	    (ret = mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1)) != 0 ||
	    (ret = mbedtls_x509write_crt_set_subject_key_identifier(crt)) != 0 ||
	    (ret = mbedtls_x509write_crt_set_key_usage(crt,
	                                               MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) != 0)
		return ret;
	return add_san(crt);
}

/* Create PATH exclusively with MODE and write LEN bytes. OUT: *CREATED once the file exists. */
static int write_new_file(const char *path, mode_t mode, const void *buf, size_t len,
                          bool *created)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	int rc = -1;

	if (fd < 0)
		return -1;
	*created = true;
	/* The umask only removes bits; fchmod makes the mode exactly MODE. */
	if (fchmod(fd, mode) == 0 && write_all(fd, buf, len) == 0)
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* Generate a key and its self-signed certificate as PEM into KEY_PEM and CRT_PEM (each
 * TLS_PEM_MAX bytes). Returns 0 or an mbedTLS error code. */
static int make_pems(unsigned char *key_pem, unsigned char *crt_pem)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context key;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	int ret;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&key);
	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	if ((ret = seed(&entropy, &drbg, "doorstep-selfsigned")) != 0 ||
	    (ret = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) != 0 ||
	    (ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
	                               mbedtls_ctr_drbg_random, &drbg)) != 0 ||
	    (ret = build_cert(&crt, &key, &drbg, &serial)) != 0 ||
	    (ret = mbedtls_pk_write_key_pem(&key, key_pem, TLS_PEM_MAX)) != 0)
		goto fail;
	ret = mbedtls_x509write_crt_pem(&crt, crt_pem, TLS_PEM_MAX, mbedtls_ctr_drbg_random, &drbg);
fail:
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	mbedtls_pk_free(&key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return ret;
}

int tls_make_selfsigned(const char *cert_path, const char *key_path, char *err, size_t err_len)
{
	unsigned char *key_pem = calloc(1, TLS_PEM_MAX), *crt_pem = calloc(1, TLS_PEM_MAX);
	bool key_made = false, crt_made = false;
	int ret, rc = DS_ENOMEM;

	errno = 0;
	if (key_pem == NULL || crt_pem == NULL) {
		set_err(err, err_len, "out of memory", 0);
		goto fail;
	}
	rc = DS_ECRYPTO;
	if ((ret = make_pems(key_pem, crt_pem)) != 0) {
		set_err(err, err_len, "making the certificate", ret);
		goto fail;
	}
	/* Nothing touches the disk before both are ready; the key goes first so a failure to
	 * create the certificate can remove it again. */
	rc = DS_EIO;
	if (write_new_file(key_path, 0600, key_pem, strlen((char *)key_pem), &key_made) != 0) {
		set_err(err, err_len, key_path, 0);
		goto fail;
	}
	if (write_new_file(cert_path, 0644, crt_pem, strlen((char *)crt_pem), &crt_made) != 0) {
		set_err(err, err_len, cert_path, 0);
		goto fail;
	}
	rc = DS_OK;
fail:
	if (rc != DS_OK && key_made)
		unlink(key_path);
	if (rc != DS_OK && crt_made)
		unlink(cert_path);
	if (key_pem != NULL)
		mbedtls_platform_zeroize(key_pem, TLS_PEM_MAX);
	free(key_pem);
	free(crt_pem);
	return rc;
}

int tls_pin(const char *cert_path, char *out, size_t out_len)
{
	static const char prefix[] = "sha256//";
	mbedtls_x509_crt crt;
	unsigned char digest[32];
	size_t b64_len = 0;
	int rc = DS_EIO;

	mbedtls_x509_crt_init(&crt);
	if (out_len < sizeof prefix) {
		rc = DS_ETOOBIG;
		goto fail;
	}
	if (mbedtls_x509_crt_parse_file(&crt, cert_path) != 0)
		goto fail;
	/* pk_raw is the SubjectPublicKeyInfo exactly as the certificate encodes it. */
	if (mbedtls_sha256_ret(crt.pk_raw.p, crt.pk_raw.len, digest, 0) != 0)
		goto fail;
	memcpy(out, prefix, sizeof prefix);
	rc = DS_ETOOBIG;
	if (mbedtls_base64_encode((unsigned char *)out + sizeof prefix - 1,
	                          out_len - (sizeof prefix - 1), &b64_len, digest,
	                          sizeof digest) != 0)
		goto fail;
	rc = DS_OK;
fail:
	if (rc != DS_OK && out_len > 0)
		out[0] = '\0';
	mbedtls_x509_crt_free(&crt);
	return rc;
}

static int server_conf(struct tls_server *s)
{
	int ret;

	if ((ret = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
	                                       MBEDTLS_SSL_TRANSPORT_STREAM,
	                                       MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
		return ret;
	mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
	mbedtls_ssl_conf_min_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&s->conf, tls_suites);
	mbedtls_ssl_conf_curves(&s->conf, tls_curves);
	mbedtls_ssl_cache_set_max_entries(&s->cache, TLS_CACHE_ENTRIES);
	mbedtls_ssl_cache_set_timeout(&s->cache, TLS_TICKET_LIFETIME_S);
	mbedtls_ssl_conf_session_cache(&s->conf, &s->cache, mbedtls_ssl_cache_get,
	                               mbedtls_ssl_cache_set);
	if ((ret = mbedtls_ssl_ticket_setup(&s->ticket, mbedtls_ctr_drbg_random, &s->drbg,
	                                    MBEDTLS_CIPHER_AES_256_GCM,
	                                    TLS_TICKET_LIFETIME_S)) != 0)
		return ret;
	mbedtls_ssl_conf_session_tickets_cb(&s->conf, mbedtls_ssl_ticket_write,
	                                    mbedtls_ssl_ticket_parse, &s->ticket);
	return mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key);
}

struct tls_server *tls_server_new(const char *cert_path, const char *key_path,
                                  char *err, size_t err_len)
{
	struct tls_server *s = calloc(1, sizeof *s);
	int ret;

	errno = 0;
	if (s == NULL) {
		set_err(err, err_len, "out of memory", 0);
		return NULL;
	}
	mbedtls_entropy_init(&s->entropy);
	mbedtls_ctr_drbg_init(&s->drbg);
	mbedtls_x509_crt_init(&s->cert);
	mbedtls_pk_init(&s->key);
	mbedtls_ssl_config_init(&s->conf);
	mbedtls_ssl_cache_init(&s->cache);
	mbedtls_ssl_ticket_init(&s->ticket);
	if ((ret = seed(&s->entropy, &s->drbg, "doorstep-server")) != 0) {
		set_err(err, err_len, "seeding the RNG", ret);
		goto fail;
	}
	if ((ret = mbedtls_x509_crt_parse_file(&s->cert, cert_path)) != 0) {
		set_err(err, err_len, cert_path, ret);
		goto fail;
	}
	if ((ret = mbedtls_pk_parse_keyfile(&s->key, key_path, NULL)) != 0) {
		set_err(err, err_len, key_path, ret);
		goto fail;
	}
	if ((ret = server_conf(s)) != 0) {
		set_err(err, err_len, "TLS configuration", ret);
		goto fail;
	}
	return s;
fail:
	tls_server_free(s);
	return NULL;
}

void tls_server_free(struct tls_server *s)
{
	if (s == NULL)
		return;
	mbedtls_ssl_ticket_free(&s->ticket);
	mbedtls_ssl_cache_free(&s->cache);
	mbedtls_ssl_config_free(&s->conf);
	mbedtls_pk_free(&s->key);
	mbedtls_x509_crt_free(&s->cert);
	mbedtls_ctr_drbg_free(&s->drbg);
	mbedtls_entropy_free(&s->entropy);
	free(s);
}

/* The session's send "socket": everything goes to the callback at once, so it never blocks. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;

	if (len > INT32_MAX)
		len = INT32_MAX;
	c->send(c->ctx, buf, len);
	return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;
	size_t avail = c->in.len - c->in_off;

	if (avail == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (len > avail)
		len = avail;
	if (len > INT32_MAX)
		len = INT32_MAX;
	memcpy(buf, c->in.data + c->in_off, len);
	c->in_off += len;
	if (c->in_off == c->in.len)
		c->in_off = c->in.len = 0;
	return (int)len;
}

struct tls_conn *tls_conn_new(struct tls_server *s, tls_send_fn send, void *ctx)
{
	struct tls_conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	mbedtls_ssl_init(&c->ssl);
	c->send = send;
	c->ctx = ctx;
	if (mbedtls_ssl_setup(&c->ssl, &s->conf) != 0) {
		tls_conn_free(c);
		return NULL;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	return c;
}

void tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	mbedtls_ssl_free(&c->ssl);
	buf_free(&c->in);
	free(c);
}

int tls_conn_push(struct tls_conn *c, const void *data, size_t len)
{
	if (c->in_off > 0) {
		memmove(c->in.data, c->in.data + c->in_off, c->in.len - c->in_off);
		c->in.len -= c->in_off;
		c->in_off = 0;
	}
	if (len > TLS_MAX_INPUT - c->in.len)
		return DS_ETOOBIG;
	if (buf_reserve(&c->in, c->in.len + len) != DS_OK)
		return DS_ENOMEM;
	memcpy(c->in.data + c->in.len, data, len);
	c->in.len += len;
	return DS_OK;
}

static enum tls_result map_ret(int ret)
{
	if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLS_AGAIN;
	if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return TLS_CLOSED;
	return TLS_FAIL;
}

enum tls_result tls_conn_handshake(struct tls_conn *c)
{
	int ret = mbedtls_ssl_handshake(&c->ssl);

	return ret == 0 ? TLS_OK : map_ret(ret);
}

enum tls_result tls_conn_read(struct tls_conn *c, void *buf, size_t len, size_t *n)
{
	int ret = mbedtls_ssl_read(&c->ssl, buf, len);

	*n = 0;
	if (ret > 0) {
		*n = (size_t)ret;
		return TLS_OK;
	}
	return ret == 0 ? TLS_CLOSED : map_ret(ret);
}

enum tls_result tls_conn_write(struct tls_conn *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		int ret = mbedtls_ssl_write(&c->ssl, p, len);
		if (ret <= 0)
			return TLS_FAIL; /* WANT_WRITE cannot happen: bio_send never blocks */
		p += ret;
		len -= (size_t)ret;
	}
	return TLS_OK;
}

void tls_conn_close_notify(struct tls_conn *c)
{
	(void)mbedtls_ssl_close_notify(&c->ssl);
}
