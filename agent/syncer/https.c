/* https.c: libcurl for the sync helper. The helper is a separate program so that libcurl and
 * its TLS stack (about 10 MB resident) never enter the agent: it is linked here the ordinary
 * way, and the agent talks to this process over pipes (agent/helper.c). One easy handle is
 * kept for the client's life, so the batches of one sync share a connection. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <zlib.h>

#include "agent/relay.h"
#include "agent/syncer/https.h"

struct https {
	CURL *curl;
	char base[HTTPS_URL_MAX];
	char pin[HTTPS_URL_MAX];
	char auth[HTTPS_AUTH_MAX];    /* "" when there is no token */
	long connect_timeout_ms, total_timeout_ms;
};

/* A growing reply buffer with a hard cap. */
struct https_buf {
	char *data;
	size_t len, cap;
};

enum ds_err https_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? DS_OK : DS_EIO;
}

void https_global_cleanup(void)
{
	curl_global_cleanup();
}

enum ds_err https_new(const struct https_conf *c, struct https **out)
{
	struct https *h = NULL;
	enum ds_err e = DS_EINVAL;

	*out = NULL;
	if (strncmp(c->base, "https://", 8) != 0 ||
	    strlen(c->base) >= HTTPS_URL_MAX - HTTPS_PATH_MAX || strlen(c->pin) >= HTTPS_URL_MAX ||
	    c->pin[0] == '\0')
		goto fail;
	e = DS_ENOMEM;
	if ((h = calloc(1, sizeof *h)) == NULL || (h->curl = curl_easy_init()) == NULL)
		goto fail;
	snprintf(h->base, sizeof h->base, "%s", c->base);
	snprintf(h->pin, sizeof h->pin, "%s", c->pin);
	e = DS_EINVAL;
	if (c->token != NULL &&
	    (size_t)snprintf(h->auth, sizeof h->auth, "Authorization: Bearer %s", c->token) >=
	    sizeof h->auth)
		goto fail;
	h->connect_timeout_ms = c->connect_timeout_ms;
	h->total_timeout_ms = c->total_timeout_ms;
	*out = h;
	return DS_OK;
fail:
	https_free(h);
	return e;
}

void https_free(struct https *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	explicit_bzero(h->auth, sizeof h->auth);
	free(h);
}

static size_t https_on_data(char *p, size_t size, size_t n, void *arg)
{
	struct https_buf *b = arg;
	size_t len = size * n, cap;
	char *grown;

	if (b->len + len + 1 > RELAY_BODY_MAX)
		return 0; /* over the cap: curl reports a write error */
	if (b->len + len + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1)
			cap *= 2;
		if ((grown = realloc(b->data, cap)) == NULL)
			return 0;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Gzip IN[0..LEN) into OUT: *GZ (*GZ_LEN bytes). Caller frees *GZ with free(). */
static enum ds_err https_gzip(const void *in, size_t len, unsigned char **gz, size_t *gz_len)
{
	z_stream z;
	unsigned char *out = NULL;
	uLong bound;

	memset(&z, 0, sizeof z);
	*gz = NULL;
	/* windowBits 15 + 16 asks zlib for the gzip wrapper; level 9 because the radio costs
	 * more than the CPU on a handheld and a batch is small. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return DS_ENOMEM;
	bound = deflateBound(&z, (uLong)len) + 32;
	if ((out = malloc(bound)) == NULL)
		goto fail;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto fail;
	*gz_len = bound - z.avail_out;
	*gz = out;
	deflateEnd(&z);
	return DS_OK;
fail:
	free(out);
	deflateEnd(&z);
	return DS_ENOMEM;
}

static void https_opts(struct https *h, const char *url, struct https_buf *reply)
{
	CURL *c = h->curl;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->total_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* The server's certificate is self-signed, so there is no CA chain to verify and no
	 * name to check: peer verification is off ON PURPOSE and the public-key pin below is
	 * the whole trust. curl checks the pin during the handshake, before any byte of the
	 * request (the enrolment code, the credential) is sent; a mismatch fails with
	 * CURLE_SSL_PINNEDPUBKEYNOTMATCH. https_new() refuses an empty pin. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, https_on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
}

static enum https_result https_fail(CURLcode cc, struct https_reply *r)
{
	snprintf(r->message, sizeof r->message, "%s", curl_easy_strerror(cc));
	return cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ? HTTPS_PIN : HTTPS_UNREACHABLE;
}

/* The request's header list, or NULL when out of memory. Caller frees with
 * curl_slist_free_all(). */
static struct curl_slist *https_headers(const struct https *h, int gzip)
{
	struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json"), *t;

	if (l != NULL && gzip && (t = curl_slist_append(l, "Content-Encoding: gzip")) == NULL)
		goto fail;
	if (l != NULL && h->auth[0] && (t = curl_slist_append(l, h->auth)) == NULL)
		goto fail;
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

enum https_result https_post(struct https *h, const char *path, const void *body, size_t len,
                             int gzip, struct https_reply *r)
{
	struct https_buf reply = {NULL, 0, 0};
	struct curl_slist *hdr = NULL;
	unsigned char *gz = NULL;
	char url[HTTPS_URL_MAX];
	enum https_result rc = HTTPS_UNREACHABLE;
	CURLcode cc;

	memset(r, 0, sizeof *r);
	snprintf(r->message, sizeof r->message, "out of memory");
	if (strlen(path) >= HTTPS_PATH_MAX || path[0] != '/') {
		snprintf(r->message, sizeof r->message, "bad request path");
		goto out;
	}
	snprintf(url, sizeof url, "%s%s", h->base, path);
	if ((hdr = https_headers(h, gzip)) == NULL)
		goto out;
	r->sent_bytes = len;
	if (gzip && (https_gzip(body, len, &gz, &r->sent_bytes) != DS_OK))
		goto out;
	https_opts(h, url, &reply);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->sent_bytes);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, gz != NULL ? (const void *)gz : body);
	cc = curl_easy_perform(h->curl);
	if (curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &r->connections) != CURLE_OK)
		r->connections = 0;
	if (cc == CURLE_OK && curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
	                                        &r->http_status) == CURLE_OK) {
		r->message[0] = '\0';
		rc = HTTPS_OK;
	} else {
		rc = https_fail(cc, r);
	}
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
out:
	curl_slist_free_all(hdr);
	free(gz);
	r->body = reply.data;
	r->len = reply.len;
	return rc;
}
