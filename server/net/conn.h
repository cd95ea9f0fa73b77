/* conn.h: one client connection of the HTTPS front end, and the parts of struct net that
 * net.c and conn.c share. Private to those two files; everyone else uses net.h. */
#ifndef DS_CONN_H
#define DS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>
#include <zlib.h>

#include "err.h"
#include "server/net/net.h"

/* Size of the one buffer every socket read lands in before it is pushed into TLS. */
#define NET_READ_CHUNK (64u * 1024)

/* A growable byte buffer. */
struct net_buf {
	unsigned char *data;
	size_t len, cap;
};

struct conn;

struct net {
	uv_loop_t *loop;
	uv_tcp_t *listener;          /* NULL once closed; freed by its close callback */
	struct tls_server *tls;
	struct net_limits limits;    /* defaults filled in */
	net_handler_fn handler;
	void *ctx;
	struct pool *pool;           /* handshake steps; NULL: run on the loop thread */
	struct conn *conns;          /* open connections, doubly linked */
	unsigned n_conns;
	unsigned n_hs_dead;          /* closed, but a handshake step of theirs still runs */
	bool shutting_down;
	bool inflate_ready, deflate_ready;
	/* zlib streams and reply scratch are shared by all connections: each use finishes
	 * synchronously on the loop thread, so one of each is enough. */
	z_stream inflater, deflater;
	struct net_buf msg, zbuf;
	char readbuf[NET_READ_CHUNK];
};

/* What conn.c asks net.c to format. */
struct net_reply_spec {
	int status;
	const char *content_type; /* NULL: no Content-Type header */
	const void *body;
	size_t len;
	bool accept_gzip, keep_alive;
	bool head_only; /* the request was HEAD: Content-Length as for GET, but no body */
};

/* Accept one pending connection on SERVER into a new conn. Returns DS_OK, or DS_ENOMEM
 * when nothing was accepted (the caller then refuses it). */
int conn_accept(struct net *n, uv_stream_t *server) DS_WUR;

/* Close idle connections and mark the others to close after their reply (net_shutdown). */
void conn_shutdown_all(struct net *n);

/* net_reply() for an exchange; see net.h. */
void conn_reply(struct net_exchange *x, int status, const char *content_type,
                const void *body, size_t len);

/* Write "ip:port" (or "[ip6]:port") of SA into OUT (size OUT_LEN). */
void net_format_peer(const struct sockaddr *sa, char *out, size_t out_len);

/* Grow B's room to at least NEED bytes (contents kept). 0, or -1 when out of memory. */
int net_buf_reserve(struct net_buf *b, size_t need) DS_WUR;

/* Gunzip IN into OUT (grown as needed; caller owns OUT->data), NUL-terminated. Returns 0, or
 * the HTTP status to answer: 400 corrupt, 413 past max_decompressed_bytes, 503 no memory. */
int net_gunzip(struct net *n, const unsigned char *in, size_t in_len, struct net_buf *out) DS_WUR;

/* net_gunzip() with the inflater Z (made by inflateInit2 for gzip; any thread may use its
 * own) and MAX decompressed bytes. */
int net_gunzip_with(z_stream *z, size_t max, const unsigned char *in, size_t in_len,
                    struct net_buf *out) DS_WUR;

/* Format the reply R (gzipped when worth it) into a scratch buffer. OUT: *MSG, borrowed
 * until net_scratch_done(). Returns DS_OK, or DS_ETOOBIG when out of memory. */
int net_format_reply(struct net *n, const struct net_reply_spec *r, struct net_buf **msg) DS_WUR;

/* Release what a large reply left in the scratch buffers. */
void net_scratch_done(struct net *n);

#endif
