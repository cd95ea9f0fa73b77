/* conn.c: one client connection of the HTTPS front end. A connection moves through
 * HANDSHAKE -> READ -> [INFLATE, for a gzip body ->] HANDLER -> REPLY -> READ ... and ends
 * in LINGER (close_notify and FIN sent, waiting briefly for the peer to close so it reads
 * our last reply instead of a reset) or CLOSED. It holds one timer: the handshake gets
 * handshake_timeout_ms from accept; a whole request from its first byte, an idle keep-alive
 * wait and the writing of a reply each get read_timeout_ms. At accept it is counted against
 * its address's caps; at the end of a head it passes the head callback and takes its body's
 * room from the body budget, before any of the body is read. The struct outlives its
 * handles while an exchange is pending, so a late net_reply() finds it and is dropped. */
#include "server/net/conn.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/net/gzip.h"
#include "server/net/http.h"
#include "server/net/peer.h"
#include "server/net/reply.h"
#include "server/net/tls.h"

/* Decrypted bytes waiting for the parser: one TLS record's plaintext at most. */
#define CONN_PLAIN_MAX (16u * 1024)
/* How long a closing connection waits for the peer's FIN after our last reply. */
#define CONN_LINGER_MS 2000u
/* Output and body buffers larger than this are freed between requests. */
#define CONN_KEEP_BUF_BYTES (64u * 1024)
/* Seconds a client refused for want of resources is told to wait (Retry-After). */
#define CONN_RETRY_AFTER_S 5u
/* The first room for TLS output. */
#define CONN_OUT_MIN_BYTES 16384u
/* Room for an error reply's JSON body. */
#define CONN_ERROR_JSON_MAX 160

enum conn_state { ST_HANDSHAKE, ST_READ, ST_INFLATE, ST_HANDLER, ST_REPLY, ST_LINGER, ST_CLOSED };

struct net_exchange {
	bool pending; /* handed to the handler, net_reply() not yet called */
};

struct conn {
	struct conn *prev, *next;
	struct front *f;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_shutdown_t shutdown_req;
	enum conn_state state;
	int handles_open;         /* handles initialised and not yet closed */
	unsigned writes_pending;  /* uv_write requests not yet called back */
	bool shutdown_pending, out_failed;
	bool close_after_write;   /* the reply in flight is the last */
	bool request_timed;       /* timer re-armed at the current request's first byte */
	bool keep_alive, accept_gzip, head_only; /* of the request being answered */
	bool hs_counted;          /* counted among its address's handshakes in progress */
	unsigned served;          /* requests answered on this connection */
	size_t body_charge;       /* bytes of the front's body budget this request holds */
	struct peer_entry *peer_e; /* its address's counts; NULL before admission */
	struct tls_conn *tls;
	struct http *http;
	struct buf out;       /* ciphertext produced by TLS, sent by conn_flush() */
	struct buf body;      /* gunzipped request body */
	struct net_exchange x;
	/* The handshake's public-key steps run on the server's worker pool (about 2.4 ms of CPU
	 * each with mbedTLS 2.28 and P-256), so a crowd of devices connecting at once does not
	 * stall every open connection behind them on the loop thread. While a step runs, the worker
	 * owns TLS and OUT; bytes that arrive meanwhile wait in HS_IN. */
	struct pool_work hs_work;
	bool hs_busy;
	enum tls_result hs_result;
	struct buf hs_in;
	/* A gzip body is inflated on the pool too: on the loop thread it took a large share of
	 * that thread's time under load (docs/PERFORMANCE.md), and a body of
	 * max_decompressed_bytes would hold every connection for tens of milliseconds. While it
	 * runs (ST_INFLATE) the worker owns BODY and the parser's request, and nothing is read, so
	 * nothing closes the connection meanwhile; a close would still wait for the step
	 * (conn_maybe_free). */
	struct pool_work gz_work;
	bool gz_busy;
	int gz_status;
	size_t plain_off, plain_len;
	unsigned char plain[CONN_PLAIN_MAX];
	char peer[PEER_TEXT_MAX];
};

/* One uv_write with its own copy of the bytes, freed by its callback. */
struct conn_write {
	uv_write_t req;
	struct conn *c;
	unsigned char data[];
};

static void conn_pump(struct conn *c);
static void conn_reply_written(struct conn *c);

static struct conn *conn_of(struct net_exchange *x)
{
	return (struct conn *)(void *)((char *)x - offsetof(struct conn, x));
}

static void conn_maybe_free(struct conn *c)
{
	if (c->state != ST_CLOSED || c->handles_open > 0 || c->x.pending ||
	    c->writes_pending > 0 || c->shutdown_pending || c->hs_busy || c->gz_busy)
		return;
	tls_conn_free(c->tls);
	http_free(c->http);
	free(c->hs_in.data);
	free(c->out.data);
	free(c->body.data);
	free(c);
}

static void on_handle_close(uv_handle_t *h)
{
	struct conn *c = h->data;

	c->handles_open--;
	conn_maybe_free(c);
}

/* Give back the share of the body budget the current request holds. */
static void conn_body_release(struct conn *c)
{
	c->f->body_held_bytes -= c->body_charge;
	c->body_charge = 0;
}

/* Close at once. The struct stays until its handles, writes and exchange are all done. */
static void conn_close(struct conn *c)
{
	if (c->state == ST_CLOSED)
		return;
	c->state = ST_CLOSED;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->f->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->f->n_conns--;
	conn_body_release(c);
	peer_leave(c->f->peers, c->peer_e, c->hs_counted);
	c->peer_e = NULL;
	/* A queued handshake step of a connection that went away is dropped, so a flood of
	 * clients that send a hello and reset cannot pile up work and memory; one already
	 * running still counts against the connection cap until it ends. */
	if (c->hs_busy && pool_cancel(c->f->pool, &c->hs_work) != 0)
		c->f->n_hs_dead++;
	uv_close((uv_handle_t *)&c->tcp, on_handle_close);
	if (c->handles_open > 1)
		uv_close((uv_handle_t *)&c->timer, on_handle_close);
}

static void on_timer(uv_timer_t *t);

static void timer_arm(struct conn *c, unsigned ms)
{
	(void)uv_timer_start(&c->timer, on_timer, ms, 0);
}

static void on_write(uv_write_t *req, int status)
{
	struct conn_write *w = (struct conn_write *)(void *)req;
	struct conn *c = w->c;

	free(w);
	c->writes_pending--;
	if (c->state == ST_CLOSED) {
		conn_maybe_free(c);
		return;
	}
	if (status < 0) {
		conn_close(c);
		return;
	}
	if (c->writes_pending == 0 && c->state == ST_REPLY)
		conn_reply_written(c);
}

/* Send what TLS produced as one write. */
static void conn_flush(struct conn *c)
{
	struct conn_write *w;
	uv_buf_t buf;

	if (c->out_failed)
		conn_close(c);
	if (c->out.len == 0 || c->state == ST_CLOSED) {
		c->out.len = 0;
		return;
	}
	w = malloc(sizeof *w + c->out.len);
	if (w == NULL) {
		conn_close(c);
		return;
	}
	w->c = c;
	memcpy(w->data, c->out.data, c->out.len);
	buf = uv_buf_init((char *)w->data, (unsigned)c->out.len);
	c->out.len = 0;
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) != 0) {
		free(w);
		conn_close(c);
		return;
	}
	c->writes_pending++;
}

static void on_tls_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	size_t need = c->out.len + len;

	/* Twice what is needed, at least CONN_OUT_MIN_BYTES: a reply's records arrive one by
	 * one. */
	if (len > c->out.cap - c->out.len &&
	    buf_reserve(&c->out,
	                need < CONN_OUT_MIN_BYTES ? CONN_OUT_MIN_BYTES : need * 2) != DS_OK) {
		c->out_failed = true;
		return;
	}
	memcpy(c->out.data + c->out.len, buf, len);
	c->out.len += len;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	(void)status;
	c->shutdown_pending = false;
	conn_maybe_free(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)suggested;
	/* Each read is pushed into TLS before the next, so all connections share one buffer. */
	*buf = uv_buf_init(c->f->readbuf, sizeof c->f->readbuf);
}

/* Keeps LEN bytes that arrived while a handshake step runs; -1 past what TLS would take. */
static int conn_hold(struct conn *c, const char *data, size_t len)
{
	struct buf *b = &c->hs_in;

	if (len > TLS_MAX_INPUT - b->len || buf_reserve(b, b->len + len) != 0)
		return -1;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;

	if (nread < 0) {
		conn_close(c); /* EOF or reset */
		return;
	}
	/* After a final reply whatever the client still sends is read only to be dropped. */
	if (nread == 0 || c->state == ST_LINGER || c->close_after_write)
		return;
	if (c->hs_busy) {
		if (conn_hold(c, buf->base, (size_t)nread) != 0)
			conn_close(c);
		return;
	}
	if (tls_conn_push(c->tls, buf->base, (size_t)nread) != DS_OK) {
		conn_close(c);
		return;
	}
	conn_pump(c);
}

/* Send close_notify and FIN, then wait a little for the peer to close. */
static void conn_linger(struct conn *c)
{
	if (c->state == ST_CLOSED || c->state == ST_LINGER)
		return;
	tls_conn_close_notify(c->tls);
	conn_flush(c);
	if (c->state == ST_CLOSED)
		return;
	c->state = ST_LINGER;
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) == 0)
		c->shutdown_pending = true;
	(void)uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	timer_arm(c, CONN_LINGER_MS);
}

/* The reply went out: close, or wait for the next request on this connection. */
static void conn_reply_written(struct conn *c)
{
	int rc;

	if (c->close_after_write || c->f->shutting_down) {
		conn_linger(c);
		return;
	}
	conn_body_release(c);
	c->served++;
	http_reset(c->http);
	buf_trim(&c->body, CONN_KEEP_BUF_BYTES);
	buf_trim(&c->out, CONN_KEEP_BUF_BYTES);
	c->request_timed = false;
	c->state = ST_READ;
	timer_arm(c, c->f->limits.read_timeout_ms);
	rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (rc != 0 && rc != UV_EALREADY) {
		conn_close(c);
		return;
	}
	conn_pump(c); /* a pipelined request may be buffered already */
}

/* Count the error replies an operator should see in the log. */
static void conn_tally_reply(struct conn *c, int status)
{
	enum tally_kind k = status == 400 ? TALLY_REPLY_400 : status == 401 ? TALLY_REPLY_401
	                    : TALLY_REPLY_408;

	if (status == 400 || status == 401 || status == 408)
		tally_add(&c->f->tally, k, front_now_ms(c->f));
}

/* Encrypt and queue a reply; with keep_alive false the connection ends after it. */
static void conn_send(struct conn *c, const struct reply_spec *spec)
{
	struct front *n = c->f;
	struct buf *msg = NULL;
	int ok;

	conn_tally_reply(c, spec->status);
	ok = reply_format(&n->reply, spec, &msg) == DS_OK &&
	     tls_conn_write(c->tls, msg->data, msg->len) == TLS_OK;
	reply_scratch_done(&n->reply);
	if (!ok) {
		conn_close(c);
		return;
	}
	c->state = ST_REPLY;
	c->close_after_write = !spec->keep_alive;
	/* A client that never reads its reply must not hold the connection forever. */
	timer_arm(c, n->limits.read_timeout_ms);
	conn_flush(c);
}

/* Answer with one of net's own JSON errors and close after it. */
static void conn_error(struct conn *c, int status)
{
	static const struct { int status; const char *code, *msg; } errs[] = {
		{ 400, "bad_request", "the request is malformed" },
		{ 401, "unauthorized", "a valid device credential is required" },
		{ 408, "timeout", "the request did not arrive in time" },
		{ 413, "too_large", "the request body is too large" },
		{ 415, "unsupported_encoding", "the Content-Encoding is not supported" },
		{ 431, "header_too_large", "the request head is too large" },
		{ 503, "unavailable", "the server is out of resources" },
	};
	char json[CONN_ERROR_JSON_MAX];
	struct reply_spec spec = { .status = status, .content_type = "application/json" };
	size_t i = 0;
	int len;

	while (i + 1 < sizeof errs / sizeof errs[0] && errs[i].status != status)
		i++;
	if (errs[i].status != status)
		spec.status = status = 400, i = 0;
	len = snprintf(json, sizeof json, "{\"error\":\"%s\",\"message\":\"%s\"}",
	               errs[i].code, errs[i].msg);
	if (status == 503)
		spec.retry_after_s = CONN_RETRY_AFTER_S;
	spec.body = json;
	spec.len = len > 0 && (size_t)len < sizeof json ? (size_t)len : 0;
	conn_send(c, &spec);
}

static bool is_gzip(const char *enc)
{
	return strcasecmp(enc, "gzip") == 0 || strcasecmp(enc, "x-gzip") == 0;
}

/* The request as the handler sees it, with BODY (LEN bytes) as its body. */
static void conn_request(struct conn *c, struct net_request *req, const void *body, size_t len)
{
	const struct http_request *r = http_request(c->http);

	req->method = r->method;
	req->path = r->path;
	req->query = r->query;
	req->authorization = r->authorization;
	req->content_type = r->content_type;
	req->body = body;
	req->body_len = len;
	req->peer = c->peer;
}

/* Take the body the head announces out of the front's budget. False when the budget cannot
 * hold it: the request is then refused before its body is read. */
static bool conn_body_charge(struct conn *c)
{
	struct front *f = c->f;
	size_t want = http_body_expected(c->http);

	if (want > f->limits.body_budget_bytes - f->body_held_bytes) {
		tally_add(&f->tally, TALLY_BODY_BUDGET, front_now_ms(f));
		return false;
	}
	f->body_held_bytes += want;
	c->body_charge = want;
	return true;
}

/* The head is in. Before any of the body is read: refuse an encoding we cannot read, ask
 * the head callback (the credential check), and take the body's room from the budget. */
static void conn_on_head(struct conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const struct http_request *r = http_request(c->http);
	struct net_request req;
	int status = 0;

	if (r->content_encoding != NULL && !is_gzip(r->content_encoding) &&
	    strcasecmp(r->content_encoding, "identity") != 0) {
		conn_error(c, 415);
		return;
	}
	conn_request(c, &req, NULL, 0);
	if (c->f->on_head != NULL)
		status = c->f->on_head(c->f->ctx, &req);
	if (status == 0 && !conn_body_charge(c))
		status = 503;
	if (status != 0) {
		conn_error(c, status);
		return;
	}
	if (r->expect_continue && tls_conn_write(c->tls, cont, sizeof cont - 1) != TLS_OK)
		conn_close(c);
}

/* Hands the complete request to the handler, with BODY (LEN bytes) as its body. */
static void conn_handle(struct conn *c, const void *body, size_t len)
{
	const struct http_request *r = http_request(c->http);
	struct net_request req;

	conn_request(c, &req, body, len);
	c->keep_alive = r->keep_alive;
	c->accept_gzip = r->accept_gzip;
	c->head_only = strcmp(r->method, "HEAD") == 0;
	c->state = ST_HANDLER;
	c->x.pending = true;
	c->f->handler(c->f->ctx, &c->x, &req);
}

/* On a pool thread: the request's gzip body into BODY, with an inflater of its own. */
static void conn_gz_work(struct pool_work *w)
{
	struct conn *c = w->data;
	const struct http_request *r = http_request(c->http);
	z_stream z;

	memset(&z, 0, sizeof z);
	if (gzip_inflate_init(&z) != DS_OK) {
		c->gz_status = 503;
		return;
	}
	c->gz_status = gzip_inflate(&z, c->f->limits.max_decompressed_bytes, r->body,
	                               r->body_len, &c->body);
	inflateEnd(&z);
}

static void conn_gz_done(struct pool_work *w, int status)
{
	struct conn *c = w->data;

	c->gz_busy = false;
	if (c->state == ST_CLOSED) {
		conn_maybe_free(c);
		return;
	}
	if (status != 0 || c->gz_status != 0) {
		conn_error(c, status != 0 ? 503 : c->gz_status);
		return;
	}
	conn_handle(c, c->body.data, c->body.len);
}

static void conn_dispatch(struct conn *c)
{
	const struct http_request *r = http_request(c->http);
	int status;

	/* The handler's time is not the client's: no timeout, and no reading meanwhile. */
	uv_timer_stop(&c->timer);
	(void)uv_read_stop((uv_stream_t *)&c->tcp);
	if (r->content_encoding == NULL || !is_gzip(r->content_encoding) || r->body_len == 0) {
		conn_handle(c, r->body, r->body_len);
		return;
	}
	c->gz_work.data = c;
	c->state = ST_INFLATE;
	if (c->f->pool != NULL &&
	    pool_submit(c->f->pool, &c->gz_work, conn_gz_work, conn_gz_done) == 0) {
		c->gz_busy = true;
		return;
	}
	/* No pool: inflate here. */
	status = gzip_inflate(&c->f->inflater, c->f->limits.max_decompressed_bytes, r->body,
	                      r->body_len, &c->body);
	if (status != 0)
		conn_error(c, status);
	else
		conn_handle(c, c->body.data, c->body.len);
}

static void conn_parse(struct conn *c)
{
	size_t used = 0;
	enum http_event ev = http_feed(c->http, (const char *)c->plain + c->plain_off,
	                               c->plain_len - c->plain_off, &used);

	c->plain_off += used;
	if (c->plain_off == c->plain_len)
		c->plain_off = c->plain_len = 0;
	if (!c->request_timed && http_started(c->http)) {
		/* The deadline covers the whole request from its first byte. */
		c->request_timed = true;
		timer_arm(c, c->f->limits.read_timeout_ms);
	}
	switch (ev) {
	case HTTP_EV_MORE:
		break;
	case HTTP_EV_HEAD:
		conn_on_head(c);
		break;
	case HTTP_EV_DONE:
		conn_dispatch(c);
		break;
	case HTTP_EV_ERROR:
		conn_error(c, http_error_status(c->http));
		break;
	}
}

/* On a pool thread: one handshake step, output into OUT through the send callback. */
static void conn_hs_work(struct pool_work *w)
{
	struct conn *c = w->data;

	c->hs_result = tls_conn_handshake(c->tls);
}

static void conn_hs_result(struct conn *c, enum tls_result r);

/* Back on the loop thread: act on the step, then take in what arrived meanwhile. */
static void conn_hs_done(struct pool_work *w, int status)
{
	struct conn *c = w->data;
	enum tls_result r = status == 0 ? c->hs_result : TLS_FAIL;
	bool more = false;

	c->hs_busy = false;
	if (c->state == ST_CLOSED) {
		if (status != UV_ECANCELED)
			c->f->n_hs_dead--;
		conn_maybe_free(c);
		return;
	}
	conn_hs_result(c, r);
	if (c->state == ST_CLOSED)
		return;
	/* Another step only for new bytes: without them it would just ask for more. */
	if (c->hs_in.len > 0) {
		more = tls_conn_push(c->tls, c->hs_in.data, c->hs_in.len) == DS_OK;
		c->hs_in.len = 0;
		if (!more) {
			conn_close(c);
			return;
		}
	}
	if (more || c->state != ST_HANDSHAKE)
		conn_pump(c);
	else
		conn_flush(c);
}

static void conn_handshake(struct conn *c)
{
	c->hs_work.data = c;
	if (c->f->pool != NULL &&
	    pool_submit(c->f->pool, &c->hs_work, conn_hs_work, conn_hs_done) == 0) {
		c->hs_busy = true;
		return;
	}
	conn_hs_result(c, tls_conn_handshake(c->tls)); /* no pool: do it here */
}

static void conn_hs_result(struct conn *c, enum tls_result r)
{
	switch (r) {
	case TLS_OK:
		c->state = ST_READ;
		if (c->hs_counted)
			peer_handshake_done(c->peer_e);
		c->hs_counted = false;
		timer_arm(c, c->f->limits.read_timeout_ms); /* now the idle wait */
		break;
	case TLS_AGAIN:
		break;
	case TLS_CLOSED:
	case TLS_FAIL:
		conn_close(c); /* not TLS, or no common version or suite */
		break;
	}
}

/* Move the connection along as far as the bytes received allow. */
static void conn_pump(struct conn *c)
{
	enum tls_result r;
	size_t got;

	if (c->state == ST_HANDSHAKE) {
		if (c->hs_busy)
			return; /* the step's end pumps again */
		conn_handshake(c);
		if (c->hs_busy)
			return;
	}
	while (c->state == ST_READ) {
		if (c->plain_off < c->plain_len) {
			conn_parse(c);
			continue;
		}
		r = tls_conn_read(c->tls, c->plain, sizeof c->plain, &got);
		if (r == TLS_OK) {
			c->plain_off = 0;
			c->plain_len = got;
			continue;
		}
		if (r != TLS_AGAIN)
			conn_close(c); /* close_notify or a protocol error */
		break;
	}
	conn_flush(c);
}

static void on_timer(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->state == ST_READ && (http_started(c->http) || c->plain_off < c->plain_len))
		conn_error(c, 408);
	else if (c->state == ST_READ)
		conn_linger(c); /* an idle keep-alive connection */
	else if (c->state == ST_HANDSHAKE) {
		tally_add(&c->f->tally, TALLY_HS_TIMEOUT, front_now_ms(c->f));
		conn_close(c);
	} else if (c->state != ST_HANDLER && c->state != ST_INFLATE)
		conn_close(c);
}

static int conn_setup(struct conn *c)
{
	if (uv_timer_init(c->f->loop, &c->timer) != 0)
		return -1;
	c->handles_open++;
	c->timer.data = c;
	c->tls = tls_conn_new(c->f->tls, on_tls_send, c);
	c->http = http_new(c->f->limits.max_header_bytes, c->f->limits.max_body_bytes);
	if (c->tls == NULL || c->http == NULL)
		return -1;
	(void)uv_tcp_nodelay(&c->tcp, 1); /* replies are single writes; do not delay them */
	timer_arm(c, c->f->limits.handshake_timeout_ms); /* the handshake's start and end */
	return uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* Count the new connection against its address; -1 when the address is over its cap on
 * connections or on handshakes in progress (or memory ran out), and it is then closed. */
static int conn_admit(struct conn *c)
{
	struct front *f = c->f;
	struct sockaddr_storage ss;
	int len = sizeof ss;

	memset(&ss, 0, sizeof ss);
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	peer_format((struct sockaddr *)&ss, c->peer, sizeof c->peer);
	c->peer_e = peer_join(f->peers, (struct sockaddr *)&ss);
	if (c->peer_e == NULL)
		return -1;
	c->hs_counted = true;
	if (c->peer_e->conns > f->limits.max_conns_per_addr) {
		tally_add(&f->tally, TALLY_CAP_ADDR, front_now_ms(f));
		return -1;
	}
	if (c->peer_e->handshakes > f->limits.max_handshakes_per_addr) {
		tally_add(&f->tally, TALLY_HS_ADDR, front_now_ms(f));
		return -1;
	}
	return 0;
}

int conn_accept(struct front *n, uv_stream_t *server)
{
	struct conn *c = calloc(1, sizeof *c);

	if (c == NULL || uv_tcp_init(n->loop, &c->tcp) != 0) {
		free(c);
		return DS_ENOMEM;
	}
	c->f = n;
	c->tcp.data = c;
	c->handles_open = 1;
	c->state = ST_HANDSHAKE;
	c->next = n->conns;
	if (n->conns != NULL)
		n->conns->prev = c;
	n->conns = c;
	n->n_conns++;
	snprintf(c->peer, sizeof c->peer, "?");
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || conn_admit(c) != 0 ||
	    conn_setup(c) != 0)
		conn_close(c);
	return DS_OK;
}

/* True when C has answered a request and waits for the next one with nothing of it read. */
static bool conn_is_idle(const struct conn *c)
{
	return c->state == ST_READ && c->served > 0 && !http_started(c->http) &&
	       c->plain_off == c->plain_len;
}

bool conn_evict_idle(struct front *f)
{
	struct conn *c, *oldest = NULL;

	/* The list is newest first, so the last idle one found is the oldest. */
	for (c = f->conns; c != NULL; c = c->next)
		if (conn_is_idle(c))
			oldest = c;
	if (oldest == NULL)
		return false;
	tally_add(&f->tally, TALLY_IDLE_EVICTED, front_now_ms(f));
	conn_close(oldest);
	return true;
}

void conn_shutdown_all(struct front *n)
{
	struct conn *c, *next;

	for (c = n->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == ST_HANDSHAKE)
			conn_close(c);
		else if (c->state == ST_READ && !http_started(c->http) &&
		         c->plain_off == c->plain_len)
			conn_linger(c);
		/* A request being read, handled or answered finishes; conn_reply_written() then
		 * ends the connection because the server is shutting down. */
	}
}

void conn_reply(struct net_exchange *x, int status, const char *content_type,
                const void *body, size_t len)
{
	struct conn *c = conn_of(x);
	struct reply_spec spec = {
		.status = status, .content_type = content_type, .body = body, .len = len,
	};

	x->pending = false;
	if (c->state != ST_HANDLER) {
		conn_maybe_free(c); /* the client went away meanwhile: drop the reply */
		return;
	}
	spec.accept_gzip = c->accept_gzip;
	spec.head_only = c->head_only;
	spec.keep_alive = c->keep_alive && !c->f->shutting_down;
	conn_send(c, &spec);
}
