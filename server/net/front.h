/* front.h: the state the HTTPS front end's modules share (the loop, TLS, limits, the list of
 * connections, an inflater and the reply scratch) and the request, limits and handler types
 * that net.h offers its users. Private to server/net/; everyone else includes net.h. */
#ifndef DS_FRONT_H
#define DS_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <zlib.h>

#include "err.h"
#include "server/net/pool.h"
#include "server/net/reply.h"
#include "server/net/tally.h"

/* The types below keep the net_ prefix their users know them by. They live in this, the
 * lowest header of the front end, so that conn.c does not include net.h, whose module
 * includes conn.h: includes run net -> conn -> front and never back. */

/* Limits a connection may not exceed; zero fields take the defaults in front.c. */
struct net_limits {
	size_t max_header_bytes;       /* whole request head; over it: 431 */
	size_t max_body_bytes;         /* body as sent on the wire; over it: 413 */
	size_t max_decompressed_bytes; /* body after gunzip; over it: 413 */
	unsigned read_timeout_ms;      /* idle or slow-read limit per connection */
	unsigned max_connections;      /* accepted at once; past it new ones are closed */
	unsigned handshake_timeout_ms; /* from accept to the end of the TLS handshake */
	unsigned max_conns_per_addr;   /* open connections from one address */
	unsigned max_handshakes_per_addr; /* of those, in the TLS handshake at once */
	size_t body_budget_bytes;   /* request bodies held at once, all connections; past it: 503 */
};

/* One request. Everything is borrowed and valid until net_reply() for it returns. */
struct net_request {
	const char *method;        /* "GET", "POST", ... */
	const char *path;          /* decoded-free raw path without the query, e.g. "/v1/sync" */
	const char *query;         /* text after '?', or "" */
	const char *authorization; /* Authorization header value, or NULL */
	const char *content_type;  /* Content-Type header value, or NULL */
	const unsigned char *body; /* gunzipped already when Content-Encoding was gzip;
	                            * NUL-terminated */
	size_t body_len;
	const char *peer;          /* "ip:port" of the client, for logs */
};

struct net_exchange; /* one request awaiting its reply; opaque */

/* Called on the loop thread for each complete request. It must eventually call net_reply()
 * exactly once for X, at once or later from the loop thread (e.g. after a pool step). */
typedef void (*net_handler_fn)(void *ctx, struct net_exchange *x, const struct net_request *req);

/* Called on the loop thread when a request's head is complete, before any of its body is
 * read; REQ->body is NULL. Returns 0 to read the body, or an HTTP status (such as 401) to
 * answer at once and close the connection without reading the body. */
typedef int (*net_head_fn)(void *ctx, const struct net_request *req);

/* Size of the one buffer every socket read lands in before it is pushed into TLS. */
#define FRONT_READ_CHUNK (64u * 1024)

struct conn;
struct peer_table;
struct tls_server;

struct front {
	uv_loop_t *loop;
	struct tls_server *tls;
	struct net_limits limits;    /* defaults filled in */
	net_handler_fn handler;
	net_head_fn on_head;         /* NULL: every head is accepted */
	void *ctx;
	struct pool *pool;           /* handshake and inflate steps; NULL: on the loop thread */
	struct conn *conns;          /* open connections, doubly linked, newest first */
	unsigned n_conns;
	unsigned n_hs_dead;          /* closed, but a handshake step of theirs still runs */
	bool shutting_down;
	bool inflate_ready;
	struct peer_table *peers;    /* connections and handshakes per address */
	size_t body_held_bytes;      /* announced bodies of requests being read or handled */
	struct tally tally;          /* refusals and error replies, for the log */
	/* The inflater and the reply scratch are shared by all connections: each use finishes
	 * synchronously on the loop thread, so one of each is enough. */
	z_stream inflater;
	struct reply_scratch reply;
	char readbuf[FRONT_READ_CHUNK];
};

/* Fill the zero fields of L with the defaults. */
void front_limits_default(struct net_limits *l);

/* Set up F (zeroed by the caller) on LOOP with LIMITS (defaults filled in), TLS from the
 * PEM files, logging at or under LOG_MAX. Returns DS_OK, or DS_ECRYPTO / DS_ENOMEM with a
 * reason in ERR (size ERR_LEN); release F with front_free() in either case. */
int front_init(struct front *f, uv_loop_t *loop, const struct net_limits *limits,
               enum log_level log_max, const char *cert_path, const char *key_path,
               char *err, size_t err_len) DS_WUR;

/* Monotonic milliseconds of F's loop (its cached time). */
uint64_t front_now_ms(const struct front *f);

/* Release what front_init() set up (not F itself). Accepts NULL. */
void front_free(struct front *f);

#endif
