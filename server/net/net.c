/* net.c: the HTTPS front end's public face. A libuv listener accepts TCP connections and
 * hands each to conn.c, which runs a TLS session over memory buffers (tls.c), reads one HTTP
 * request at a time (http.c), gunzips its body (gzip.c), hands it to the handler and writes
 * the reply (reply.c) when net_reply() comes, which may be much later. This file has the
 * listener, room made near the connection cap and refusal past it, and shutdown. */
#include "server/net/net.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/conn.h"
#include "server/net/peer.h"

/* Pending connections the kernel queues for accept(). */
#define NET_BACKLOG 511
/* Idle keep-alive connections are closed once fewer than max_connections / this slots are
 * free. */
#define NET_HEADROOM_DIV 32u
/* Room for "host:port" or an error text. */
#define NET_HOSTPORT_MAX 96

struct net {
	struct front f;          /* shared with conn.c */
	uv_tcp_t *listener;      /* NULL once closed; freed by its close callback */
	uv_timer_t *tick;        /* logs the refusal counts; NULL once closed */
};

static void set_err(char *err, size_t err_len, const char *what, int uv_err)
{
	if (err != NULL && err_len > 0)
		snprintf(err, err_len, "%s%s%s", what, uv_err ? ": " : "",
		         uv_err ? uv_strerror(uv_err) : "");
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
	struct front *f = &n->f;

	if (status < 0)
		return;
	if (f->shutting_down) {
		refuse(server);
		return;
	}
	/* Near the cap, an idle keep-alive connection makes room before anyone is refused: its
	 * client can reconnect, a refused one may never get in. */
	if (f->n_conns + f->n_hs_dead + f->limits.max_connections / NET_HEADROOM_DIV >=
	    f->limits.max_connections)
		(void)conn_evict_idle(f);
	if (f->n_conns + f->n_hs_dead >= f->limits.max_connections) {
		tally_add(&f->tally, TALLY_CAP_GLOBAL, front_now_ms(f));
		refuse(server);
		return;
	}
	if (conn_accept(f, server) != DS_OK)
		refuse(server);
}

static void on_tick(uv_timer_t *t)
{
	struct net *n = t->data;

	tally_tick(&n->f.tally, front_now_ms(&n->f));
}

/* Start the timer that logs refusal counts every tally interval. 0, or a libuv error. */
static int tick_start(struct net *n)
{
	int rc;

	n->tick = malloc(sizeof *n->tick);
	if (n->tick == NULL)
		return UV_ENOMEM;
	if ((rc = uv_timer_init(n->f.loop, n->tick)) != 0) {
		free(n->tick);
		n->tick = NULL;
		return rc;
	}
	n->tick->data = n;
	return uv_timer_start(n->tick, on_tick, n->f.tally.interval_ms, n->f.tally.interval_ms);
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
		peer_format((const struct sockaddr *)&ss, hostport, hostport_len);
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
	if (front_init(&n->f, loop, &cfg->limits, cfg->log_max, cfg->cert_path, cfg->key_path,
	               err, err_len) != DS_OK)
		goto fail;
	n->f.handler = cfg->handler;
	n->f.on_head = cfg->on_head;
	n->f.ctx = cfg->ctx;
	n->f.pool = cfg->pool;
	n->listener = malloc(sizeof *n->listener);
	if (n->listener == NULL || (rc = uv_tcp_init(loop, n->listener)) != 0) {
		free(n->listener);
		n->listener = NULL;
		set_err(err, err_len, "out of memory", 0);
		goto fail;
	}
	n->listener->data = n;
	if ((rc = listen_on(n, cfg, hostport, sizeof hostport)) != 0 || (rc = tick_start(n)) != 0) {
		set_err(err, err_len, cfg->host, rc);
		goto fail;
	}
	if (cfg->on_listening != NULL)
		cfg->on_listening(cfg->ctx, hostport);
	return n;
fail:
	if (n->listener != NULL)
		uv_close((uv_handle_t *)n->listener, on_close_free); /* freed by the loop */
	if (n->tick != NULL)
		uv_close((uv_handle_t *)n->tick, on_close_free);
	n->listener = NULL;
	net_free(n);
	return NULL;
}

void net_reply(struct net_exchange *x, int status, const char *content_type,
               const void *body, size_t len)
{
	conn_reply(x, status, content_type, body, len);
}

void net_shutdown(struct net *n)
{
	if (n == NULL || n->f.shutting_down)
		return;
	n->f.shutting_down = true;
	if (n->listener != NULL) {
		uv_close((uv_handle_t *)n->listener, on_close_free);
		n->listener = NULL;
	}
	if (n->tick != NULL) {
		uv_close((uv_handle_t *)n->tick, on_close_free);
		n->tick = NULL;
	}
	conn_shutdown_all(&n->f);
	tally_flush(&n->f.tally);
}

void net_free(struct net *n)
{
	if (n == NULL)
		return;
	front_free(&n->f);
	free(n);
}
