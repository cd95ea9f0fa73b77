/* https.h: the sync helper's HTTPS client: libcurl over TLS 1.2 or later, the server trusted
 * by its public-key pin alone, connect and total timeouts, gzip request bodies and replies,
 * and one connection kept from request to request. It is the only file of the agent's
 * programs that includes curl.h. */
#ifndef AGENT_SYNCER_HTTPS_H
#define AGENT_SYNCER_HTTPS_H

#include <stddef.h>

#include "err.h"

#define HTTPS_MSG_MAX 256    /* room for libcurl's description of a failure */
#define HTTPS_URL_MAX 640    /* base URL and path */
#define HTTPS_AUTH_MAX 512   /* the "Authorization: Bearer ..." header line */
#define HTTPS_PATH_MAX 64    /* longest request path, e.g. "/v1/sync" */

/* Where and how to connect. The strings are copied by https_new(). */
struct https_conf {
	const char *base;         /* "https://HOST:PORT", no trailing slash */
	const char *pin;          /* "sha256//BASE64" of the server's public key */
	const char *token;        /* bearer token "DEVICE.SECRET", or NULL (enrolment) */
	long connect_timeout_ms;
	long total_timeout_ms;
};

enum https_result {
	HTTPS_OK,                 /* a reply came, whatever its status */
	HTTPS_UNREACHABLE,        /* no connection, timeout, reply over the cap */
	HTTPS_PIN,                /* the server's key does not match the pin */
};

/* What one request got. */
struct https_reply {
	long http_status;         /* 0 when no reply */
	char *body;               /* the reply body, decompressed, NUL-terminated; caller frees
	                           * with free(); NULL when empty */
	size_t len;
	long connections;         /* connections this request opened (0: it reused one) */
	size_t sent_bytes;        /* the request body as sent (gzip when asked) */
	char message[HTTPS_MSG_MAX]; /* libcurl's words when not HTTPS_OK */
};

/* Initialise libcurl once per process, before any client. DS_EIO when it cannot. */
DS_WUR enum ds_err https_global_init(void);
void https_global_cleanup(void);

struct https;

/* A client for C. OUT: *H; caller frees with https_free(). DS_EINVAL when a string is over
 * its maximum or the base is not https://, DS_ENOMEM otherwise. */
DS_WUR enum ds_err https_new(const struct https_conf *c, struct https **h);

/* Free H, closing its connection. Accepts NULL. */
void https_free(struct https *h);

/* POST BODY[0..LEN) as JSON to PATH on H's server, gzip-compressed first when GZIP. OUT: R
 * (its body is the caller's even on failure). */
enum https_result https_post(struct https *h, const char *path, const void *body, size_t len,
                             int gzip, struct https_reply *r);

#endif
