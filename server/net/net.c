/* net.c: the HTTPS front end. A libuv listener accepts TCP connections; each connection runs
 * a TLS session over memory buffers (tls.c) and reads one HTTP request at a time (http.c),
 * gunzips its body, hands it to the handler and writes the reply when net_reply() comes,
 * which may be much later. Per-connection state and its life cycle live in conn.c; this
 * file has the listener, the reply format, gzip both ways and shutdown. */
#include "server/net/net.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "server/net/conn.h"
#include "server/net/http.h"
#include "server/net/tls.h"

/* Defaults for the zero fields of struct net_limits. */
#define NET_MAX_HEADER_BYTES (16u * 1024)
#define NET_MAX_BODY_BYTES (4u * 1024 * 1024)
#define NET_MAX_DECOMPRESSED_BYTES (16u * 1024 * 1024)
#define NET_READ_TIMEOUT_MS 10000u
#define NET_MAX_CONNECTIONS 1024u
/* Pending connections the kernel queues for accept(). */
#define NET_BACKLOG 511
/* Replies with bodies smaller than this are not worth compressing. */
#define NET_GZIP_MIN_BYTES 1024
/* zlib level for replies: most of the gain of level 6 at a fraction of its time. */
#define NET_GZIP_LEVEL 4
/* Room for the status line and the headers net writes. */
#define NET_REPLY_HEAD_MAX 512
/* Room for "host:port" or an error text. */
#define NET_HOSTPORT_MAX 96
/* A scratch buffer larger than this is freed after use so one big reply is not kept. */
#define NET_KEEP_SCRATCH_BYTES (256u * 1024)

static void set_err(char *err, size_t err_len, const char *what, int uv_err)
{
	if (err != NULL && err_len > 0)
		snprintf(err, err_len, "%s%s%s", what, uv_err ? ": " : "",
		         uv_err ? uv_strerror(uv_err) : "");
}

static void limits_default(struct net_limits *l)
{
	if (l->max_header_bytes == 0)
		l->max_header_bytes = NET_MAX_HEADER_BYTES;
	if (l->max_body_bytes == 0)
		l->max_body_bytes = NET_MAX_BODY_BYTES;
	if (l->max_decompressed_bytes == 0)
		l->max_decompressed_bytes = NET_MAX_DECOMPRESSED_BYTES;
	if (l->read_timeout_ms == 0)
		l->read_timeout_ms = NET_READ_TIMEOUT_MS;
	if (l->max_connections == 0)
		l->max_connections = NET_MAX_CONNECTIONS;
}

static void on_close_free(uv_handle_t *h)
{
	free(h);
}

/* Past the connection cap (or while shutting down) a new connection is accepted and closed
 * at once, so the client sees a quick close instead of waiting in the backlog. */
static void refuse(uv_stream_t *server)
{
	uv_tcp_t *t = malloc(sizeof *t);

	if (t == NULL || uv_tcp_init(server->loop, t) != 0) {
		free(t);
		return;
	}
	(void)uv_accept(server, (uv_stream_t *)t);
	uv_close((uv_handle_t *)t, on_close_free);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct net *n = server->data;

	if (status < 0)
		return;
	if (n->shutting_down || n->n_conns + n->n_hs_dead >= n->limits.max_connections ||
	    conn_accept(n, server) != DS_OK)
		refuse(server);
}

static int listen_on(struct net *n, const struct net_config *cfg, char *hostport,
                     size_t hostport_len)
{
	struct sockaddr_storage ss;
	int len = sizeof ss, rc;
	bool v6 = strchr(cfg->host, ':') != NULL;

	rc = v6 ? uv_ip6_addr(cfg->host, cfg->port, (struct sockaddr_in6 *)&ss)
	        : uv_ip4_addr(cfg->host, cfg->port, (struct sockaddr_in *)&ss);
	if (rc == 0)
		rc = uv_tcp_bind(n->listener, (const struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)n->listener, NET_BACKLOG, on_connection);
	if (rc == 0)
		rc = uv_tcp_getsockname(n->listener, (struct sockaddr *)&ss, &len);
	if (rc == 0)
		net_format_peer((const struct sockaddr *)&ss, hostport, hostport_len);
	return rc;
}

struct net *net_open(uv_loop_t *loop, const struct net_config *cfg, char *err, size_t err_len)
{
	struct net *n = calloc(1, sizeof *n);
	char hostport[NET_HOSTPORT_MAX];
	int rc;

	if (n == NULL) {
		set_err(err, err_len, "out of memory", 0);
		return NULL;
	}
	n->loop = loop;
	n->limits = cfg->limits;
	limits_default(&n->limits);
	n->handler = cfg->handler;
	n->ctx = cfg->ctx;
	n->pool = cfg->pool;
	n->tls = tls_server_new(cfg->cert_path, cfg->key_path, err, err_len);
	if (n->tls == NULL)
		goto fail;
	/* windowBits 15 + 16: gzip framing, not raw zlib. */
	n->inflate_ready = inflateInit2(&n->inflater, 15 + 16) == Z_OK;
	n->deflate_ready = deflateInit2(&n->deflater, NET_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
	                                Z_DEFAULT_STRATEGY) == Z_OK;
	if (!n->inflate_ready || !n->deflate_ready) {
		set_err(err, err_len, "zlib initialisation failed", 0);
		goto fail;
	}
	n->listener = malloc(sizeof *n->listener);
	if (n->listener == NULL || (rc = uv_tcp_init(loop, n->listener)) != 0) {
		free(n->listener);
		n->listener = NULL;
		set_err(err, err_len, "out of memory", 0);
		goto fail;
	}
	n->listener->data = n;
	if ((rc = listen_on(n, cfg, hostport, sizeof hostport)) != 0) {
		set_err(err, err_len, cfg->host, rc);
		goto fail;
	}
	if (cfg->on_listening != NULL)
		cfg->on_listening(cfg->ctx, hostport);
	return n;
fail:
	if (n->listener != NULL)
		uv_close((uv_handle_t *)n->listener, on_close_free); /* freed by the loop */
	n->listener = NULL;
	net_free(n);
	return NULL;
}

void net_format_peer(const struct sockaddr *sa, char *out, size_t out_len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		uv_ip4_name(in, ip, sizeof ip);
		port = ntohs(in->sin_port);
		snprintf(out, out_len, "%s:%d", ip, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		uv_ip6_name(in6, ip, sizeof ip);
		port = ntohs(in6->sin6_port);
		snprintf(out, out_len, "[%s]:%d", ip, port);
	} else {
		snprintf(out, out_len, "?");
	}
}

int net_buf_reserve(struct net_buf *b, size_t need)
{
	unsigned char *p;

	if (need <= b->cap)
		return 0;
	p = realloc(b->data, need);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = need;
	return 0;
}

static void scratch_trim(struct net_buf *b)
{
	if (b->cap > NET_KEEP_SCRATCH_BYTES) {
		free(b->data);
		b->data = NULL;
		b->cap = 0;
	}
	b->len = 0;
}

int net_gunzip(struct net *n, const unsigned char *in, size_t in_len, struct net_buf *out)
{
	return net_gunzip_with(&n->inflater, n->limits.max_decompressed_bytes, in, in_len, out);
}

int net_gunzip_with(z_stream *z, size_t max, const unsigned char *in, size_t in_len,
                    struct net_buf *out)
{
	size_t want = in_len > max / 4 ? max + 1 : (in_len * 4 < 16384 ? 16384 : in_len * 4);
	int r = Z_OK;

	out->len = 0;
	if (inflateReset(z) != Z_OK || net_buf_reserve(out, want) != 0)
		return 503;
	z->next_in = (unsigned char *)in; /* zlib's API is not const-correct */
	z->avail_in = (uInt)in_len;
	while (r != Z_STREAM_END) {
		if (out->len == out->cap &&
		    (out->cap > max || net_buf_reserve(out, out->cap * 2 > max + 1 ? max + 1
		                                                                  : out->cap * 2) != 0))
			return out->cap > max ? 413 : 503;
		z->next_out = out->data + out->len;
		z->avail_out = (uInt)(out->cap - out->len);
		r = inflate(z, Z_NO_FLUSH);
		out->len = out->cap - z->avail_out;
		if (r != Z_OK && r != Z_STREAM_END)
			return 400; /* corrupt, or truncated (Z_BUF_ERROR with no input left) */
		if (r == Z_OK && z->avail_in == 0 && z->avail_out > 0)
			return 400;
	}
	if (out->len > max)
		return 413;
	if (z->avail_in != 0)
		return 400; /* bytes after the gzip member */
	if (out->len == out->cap && net_buf_reserve(out, out->len + 1) != 0)
		return 503;
	out->data[out->len] = '\0';
	return 0;
}

/* Compress BODY into the scratch buffer. Returns false when not worth it or on failure,
 * and the reply then goes out uncompressed. */
static bool gzip_body(struct net *n, const void *body, size_t len)
{
	z_stream *z = &n->deflater;
	size_t bound;

	if (deflateReset(z) != Z_OK)
		return false;
	bound = deflateBound(z, (uLong)len) + 32;
	if (net_buf_reserve(&n->zbuf, bound) != 0)
		return false;
	z->next_in = (unsigned char *)body; /* zlib's API is not const-correct */
	z->avail_in = (uInt)len;
	z->next_out = n->zbuf.data;
	z->avail_out = (uInt)bound;
	if (deflate(z, Z_FINISH) != Z_STREAM_END)
		return false;
	n->zbuf.len = bound - z->avail_out;
	return n->zbuf.len < len;
}

int net_format_reply(struct net *n, const struct net_reply_spec *r, struct net_buf **msg)
{
	char head[NET_REPLY_HEAD_MAX];
	const void *body = r->body;
	size_t len = r->len;
	bool eligible = len >= NET_GZIP_MIN_BYTES && !r->head_only, gz = false;
	int hl;

	if (eligible && r->accept_gzip && gzip_body(n, r->body, r->len)) {
		gz = true;
		body = n->zbuf.data;
		len = n->zbuf.len;
	}
	hl = snprintf(head, sizeof head,
	              "HTTP/1.1 %d %s\r\n%s%s%sContent-Length: %zu\r\n%s%sConnection: %s\r\n\r\n",
	              r->status, http_reason(r->status),
	              r->content_type != NULL ? "Content-Type: " : "",
	              r->content_type != NULL ? r->content_type : "",
	              r->content_type != NULL ? "\r\n" : "", len,
	              gz ? "Content-Encoding: gzip\r\n" : "",
	              eligible ? "Vary: Accept-Encoding\r\n" : "",
	              r->keep_alive ? "keep-alive" : "close");
	if (hl < 0 || (size_t)hl >= sizeof head ||
	    net_buf_reserve(&n->msg, (size_t)hl + len) != 0)
		return DS_ETOOBIG;
	memcpy(n->msg.data, head, (size_t)hl);
	if (r->head_only)
		len = 0;
	if (len > 0)
		memcpy(n->msg.data + hl, body, len);
	n->msg.len = (size_t)hl + len;
	*msg = &n->msg;
	return DS_OK;
}

void net_scratch_done(struct net *n)
{
	scratch_trim(&n->msg);
	scratch_trim(&n->zbuf);
}

static void on_listener_close(uv_handle_t *h)
{
	free(h);
}

void net_reply(struct net_exchange *x, int status, const char *content_type,
               const void *body, size_t len)
{
	conn_reply(x, status, content_type, body, len);
}

void net_shutdown(struct net *n)
{
	if (n == NULL || n->shutting_down)
		return;
	n->shutting_down = true;
	if (n->listener != NULL) {
		uv_close((uv_handle_t *)n->listener, on_listener_close);
		n->listener = NULL;
	}
	conn_shutdown_all(n);
}

void net_free(struct net *n)
{
	if (n == NULL)
		return;
	tls_server_free(n->tls);
	if (n->inflate_ready)
		inflateEnd(&n->inflater);
	if (n->deflate_ready)
		deflateEnd(&n->deflater);
	free(n->msg.data);
	free(n->zbuf.data);
	free(n);
}
