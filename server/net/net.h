/* net.h: the server's HTTPS front end: a libuv event loop, TLS 1.2 by mbedTLS, HTTP/1.1
 * requests parsed through the http adapter, limits enforced, replies possibly deferred. */
#ifndef DS_NET_H
#define DS_NET_H

#include <stddef.h>
#include <uv.h>

/* The request, limits and handler types (struct net_request, struct net_limits,
 * net_handler_fn) are defined in front.h. */
#include "server/net/front.h"
#include "server/net/pool.h"

struct net; /* the listener and its connections; opaque */

struct net_config {
	const char *host;       /* e.g. "127.0.0.1" */
	int port;               /* 0 = any free port */
	const char *cert_path;  /* PEM certificate */
	const char *key_path;   /* PEM private key */
	struct net_limits limits;
	net_handler_fn handler;
	net_head_fn on_head;    /* NULL: every request's body is read */
	enum log_level log_max; /* refusals and error replies are logged at or under this */
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
