/* net.h: the server's HTTPS front end: a libuv event loop, TLS 1.2 by mbedTLS, HTTP/1.1
 * requests parsed through the http adapter, limits enforced, replies possibly deferred. */
#ifndef DS_NET_H
#define DS_NET_H

#include <stddef.h>
#include <uv.h>

#include "server/net/pool.h"

/* Limits a connection may not exceed; zero fields take the defaults in net.c. */
struct net_limits {
	size_t max_header_bytes;       /* whole request head; over it: 431 */
	size_t max_body_bytes;         /* body as sent on the wire; over it: 413 */
	size_t max_decompressed_bytes; /* body after gunzip; over it: 413 */
	unsigned read_timeout_ms;      /* idle or slow-read limit per connection */
	unsigned max_connections;      /* accepted at once; past it new ones are closed */
};

/* One request. Everything is borrowed and valid until net_reply() for it returns. */
struct net_request {
	const char *method;        /* "GET", "POST", ... */
	const char *path;          /* decoded-free raw path without the query, e.g. "/v1/sync" */
	const char *query;         /* text after '?', or "" */
	const char *authorization; /* Authorization header value, or NULL */
	const char *content_type;  /* Content-Type header value, or NULL */
	const unsigned char *body; /* gunzipped already when Content-Encoding was gzip; NUL-terminated */
	size_t body_len;
	const char *peer;          /* "ip:port" of the client, for logs */
};

struct net_exchange; /* one request awaiting its reply; opaque */
struct net;          /* the listener and its connections; opaque */

/* Called on the loop thread for each complete request. It must eventually call net_reply()
 * exactly once for X, at once or later from the loop thread (e.g. after a pool step). */
typedef void (*net_handler_fn)(void *ctx, struct net_exchange *x, const struct net_request *req);

struct net_config {
	const char *host;       /* e.g. "127.0.0.1" */
	int port;               /* 0 = any free port */
	const char *cert_path;  /* PEM certificate */
	const char *key_path;   /* PEM private key */
	struct net_limits limits;
	net_handler_fn handler;
	void *ctx;              /* passed to handler and on_listening */
	struct pool *pool;      /* runs handshake steps (borrowed); NULL: on the loop thread */
	/* Called once when the socket accepts connections, with the bound "host:port". */
	void (*on_listening)(void *ctx, const char *hostport);
};

/* Set up TLS and bind the listening socket on LOOP. Returns NULL and writes a reason into
 * ERR (size ERR_LEN) on failure. Caller frees with net_free() after the loop has ended. */
struct net *net_open(uv_loop_t *loop, const struct net_config *cfg, char *err, size_t err_len);

/* Send the reply to X: status, content type and body (copied; may be NULL when len is 0).
 * A reply with status >= 400 closes the connection after it is written when the request body
 * could not be read whole. If the client is gone, the reply is dropped and X is freed. */
void net_reply(struct net_exchange *x, int status, const char *content_type,
               const void *body, size_t len);

/* Stop accepting, let requests in flight finish and their replies be written, close idle
 * connections, then close everything so uv_run() returns. Safe to call more than once. */
void net_shutdown(struct net *n);

/* Free what net_open() made. Call after uv_run() returned. Accepts NULL. */
void net_free(struct net *n);

#endif
