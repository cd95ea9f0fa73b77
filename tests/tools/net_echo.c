/* net_echo.c: a tiny HTTPS server on net.h for tests. Each request is answered with JSON
 * naming its method, path, body length and the CRC-32 of its (gunzipped) body. The query
 * "delay_ms=N" defers the reply by N ms on a uv_timer (deferred replies, graceful shutdown);
 * "pad=N" adds N bytes of padding to the reply (gzipped replies). SIGTERM shuts down
 * gracefully and exits 0. --no-pool leaves out the worker pool, so handshakes and gzip
 * bodies are handled on the loop thread, as net.h allows. --auth TOKEN refuses a POST
 * without "Authorization: Bearer TOKEN" with 401 at its head (net_config.on_head).
 *
 * Usage: net_echo --listen HOST:PORT --cert F --key F [--max-body N] [--max-header N]
 *                 [--timeout-ms N] [--max-conn N] [--no-pool] [--auth TOKEN]
 *                 [--hs-timeout-ms N] [--per-addr N] [--budget BYTES]
 *        net_echo --make-cert CERT KEY
 * Exit codes: 0 success, 1 runtime failure, 2 usage error. */
#include <getopt.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "server/net/net.h"
#include "server/net/tls.h"

#define ECHO_MAX_PAD (1u << 20)
#define ECHO_MAX_DELAY_MS 60000L
#define ECHO_MAX_FIELD 256
#define ECHO_JSON_MAX 1024
#define ECHO_ERR_MAX 256
#define ECHO_HOST_MAX 64

struct echo {
	uv_loop_t *loop;
	const char *auth;         /* the Authorization every request needs, or NULL */
	struct net *net;
	uv_signal_t sigterm, sigint;
};

/* A reply waiting for its timer. */
struct delayed {
	uv_timer_t timer;
	struct net_exchange *x;
	char *body;
	size_t len;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: net_echo --listen HOST:PORT --cert F --key F [--max-body N]\n"
	           "                [--max-header N] [--timeout-ms N] [--max-conn N] [--no-pool]\n"
	           "                [--auth TOKEN] "
	           "[--hs-timeout-ms N] [--per-addr N] [--budget N]\n"
	           "       net_echo --make-cert CERT KEY\n");
}

/* Copy S into OUT keeping only characters that need no JSON escaping. */
static void json_safe(const char *s, char *out, size_t out_len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < out_len; i++)
		out[i] = (s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20) ? '?' : s[i];
	out[i] = '\0';
}

/* The value of NAME=digits in QUERY, within 0..MAX; 0 when absent or malformed. */
static long query_num(const char *query, const char *name, long max)
{
	size_t nl = strlen(name);
	const char *p = query;
	char *end;
	long v;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == query || p[-1] == '&') && p[nl] == '=') {
			errno = 0;
			v = strtol(p + nl + 1, &end, 10);
			if (errno != 0 || end == p + nl + 1 || v < 0 || v > max)
				return 0;
			return v;
		}
		p += nl;
	}
	return 0;
}

static char *make_reply(const struct net_request *req, size_t pad, size_t *len)
{
	char method[ECHO_MAX_FIELD], path[ECHO_MAX_FIELD], head[ECHO_JSON_MAX];
	unsigned long crc = crc32(0L, req->body, (uInt)req->body_len);
	char *out;
	int n;

	json_safe(req->method, method, sizeof method);
	json_safe(req->path, path, sizeof path);
	n = snprintf(head, sizeof head,
	             "{\"method\":\"%s\",\"path\":\"%s\",\"body_len\":%zu,\"crc32\":\"%08lx\","
	             "\"pad\":\"", method, path, req->body_len, crc);
	if (n < 0 || (size_t)n >= sizeof head)
		return NULL;
	out = malloc((size_t)n + pad + 3);
	if (out == NULL)
		return NULL;
	memcpy(out, head, (size_t)n);
	memset(out + n, 'x', pad);
	memcpy(out + n + pad, "\"}", 3);
	*len = (size_t)n + pad + 2;
	return out;
}

static void on_delayed_close(uv_handle_t *h)
{
	struct delayed *d = h->data;

	free(d->body);
	free(d);
}

static void on_delay(uv_timer_t *t)
{
	struct delayed *d = t->data;

	net_reply(d->x, 200, "application/json", d->body, d->len);
	uv_close((uv_handle_t *)&d->timer, on_delayed_close);
}

static void handle(void *ctx, struct net_exchange *x, const struct net_request *req)
{
	struct echo *e = ctx;
	long delay = query_num(req->query, "delay_ms", ECHO_MAX_DELAY_MS);
	size_t len = 0;
	char *body = make_reply(req, (size_t)query_num(req->query, "pad", ECHO_MAX_PAD), &len);
	struct delayed *d;

	if (body == NULL) {
		net_reply(x, 500, "application/json", "{\"error\":\"internal\"}", 20);
		return;
	}
	if (delay == 0 || (d = calloc(1, sizeof *d)) == NULL) {
		net_reply(x, 200, "application/json", body, len);
		free(body);
		return;
	}
	d->x = x;
	d->body = body;
	d->len = len;
	d->timer.data = d;
	uv_timer_init(e->loop, &d->timer);
	uv_timer_start(&d->timer, on_delay, (uint64_t)delay, 0);
}

/* With --auth, a POST without the token is refused at its head, before its body. */
static int head_check(void *ctx, const struct net_request *req)
{
	struct echo *e = ctx;

	if (e->auth == NULL || strcmp(req->method, "POST") != 0)
		return 0;
	return req->authorization != NULL && strcmp(req->authorization, e->auth) == 0 ? 0 : 401;
}

static void on_listening(void *ctx, const char *hostport)
{
	(void)ctx;
	printf("listening on %s\n", hostport);
	fflush(stdout);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct echo *e = s->data;

	(void)signum;
	net_shutdown(e->net);
	uv_close((uv_handle_t *)&e->sigterm, NULL);
	uv_close((uv_handle_t *)&e->sigint, NULL);
}

static int make_cert(const char *cert, const char *key)
{
	char err[ECHO_ERR_MAX] = "", pin[TLS_PIN_MAX];

	if (tls_make_selfsigned(cert, key, err, sizeof err) != DS_OK) {
		fprintf(stderr, "net_echo: %s\n", err);
		return 1;
	}
	if (tls_pin(cert, pin, sizeof pin) != DS_OK) {
		fprintf(stderr, "net_echo: cannot compute the pin of %s\n", cert);
		return 1;
	}
	printf("pin: %s\n", pin);
	return 0;
}

static bool parse_size(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out <= max && s[0] != '-';
}

static bool parse_listen(const char *s, char *host, size_t host_len, int *port)
{
	const char *colon = strrchr(s, ':');
	unsigned long p;

	if (colon == NULL || (size_t)(colon - s) >= host_len || !parse_size(colon + 1, 65535, &p))
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (int)p;
	return true;
}

static int run(struct net_config *cfg, int with_pool, const char *auth)
{
	struct echo e = { .loop = uv_default_loop(), .auth = auth };
	char err[ECHO_ERR_MAX] = "";
	struct pool *pool = NULL;

	signal(SIGPIPE, SIG_IGN);
	cfg->ctx = &e;
	cfg->handler = handle;
	cfg->on_head = head_check;
	cfg->on_listening = on_listening;
	/* Two workers, as the server has on this kind of machine: handshakes run there. */
	if (with_pool && (pool = pool_new(e.loop, 2)) == NULL) {
		fprintf(stderr, "net_echo: cannot start worker threads\n");
		return 1;
	}
	cfg->pool = pool;
	e.net = net_open(e.loop, cfg, err, sizeof err);
	if (e.net == NULL) {
		fprintf(stderr, "net_echo: %s\n", err);
		pool_free(pool);
		return 1;
	}
	e.sigterm.data = e.sigint.data = &e;
	uv_signal_init(e.loop, &e.sigterm);
	uv_signal_init(e.loop, &e.sigint);
	uv_signal_start(&e.sigterm, on_signal, SIGTERM);
	uv_signal_start(&e.sigint, on_signal, SIGINT);
	uv_run(e.loop, UV_RUN_DEFAULT);
	pool_free(pool);
	uv_run(e.loop, UV_RUN_DEFAULT); /* closes the pool's handle */
	net_free(e.net);
	return uv_loop_close(e.loop) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "max-body", required_argument, NULL, 'b' },
		{ "max-header", required_argument, NULL, 'H' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "max-conn", required_argument, NULL, 'm' }, { "no-pool", no_argument, NULL, 'P' },
		{ "make-cert", required_argument, NULL, 'M' }, { "help", no_argument, NULL, 'h' },
		{ "auth", required_argument, NULL, 'A' },
		{ "hs-timeout-ms", required_argument, NULL, 'T' },
		{ "per-addr", required_argument, NULL, 'a' },
		{ "budget", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct net_config cfg = { .host = NULL };
	char host[ECHO_HOST_MAX], auth[ECHO_MAX_FIELD] = "";
	unsigned long v;
	int o, with_pool = 1;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			if (!parse_listen(optarg, host, sizeof host, &cfg.port))
				goto usage;
			cfg.host = host;
			break;
		case 'c': cfg.cert_path = optarg; break;
		case 'k': cfg.key_path = optarg; break;
		case 'b': if (!parse_size(optarg, SIZE_MAX, &v)) goto usage;
			cfg.limits.max_body_bytes = v; break;
		case 'H': if (!parse_size(optarg, SIZE_MAX, &v)) goto usage;
			cfg.limits.max_header_bytes = v; break;
		case 't': if (!parse_size(optarg, UINT_MAX, &v)) goto usage;
			cfg.limits.read_timeout_ms = (unsigned)v; break;
		case 'm': if (!parse_size(optarg, UINT_MAX, &v)) goto usage;
			cfg.limits.max_connections = (unsigned)v; break;
		case 'M':
			if (optind >= argc)
				goto usage;
			return make_cert(optarg, argv[optind]);
		case 'P': with_pool = 0; break;
		case 'A':
			if ((size_t)snprintf(auth, sizeof auth, "Bearer %s", optarg) >= sizeof auth)
				goto usage;
			break;
		case 'T': if (!parse_size(optarg, UINT_MAX, &v)) goto usage;
			cfg.limits.handshake_timeout_ms = (unsigned)v; break;
		case 'a': if (!parse_size(optarg, UINT_MAX, &v)) goto usage;
			cfg.limits.max_conns_per_addr = (unsigned)v; break;
		case 'B': if (!parse_size(optarg, SIZE_MAX, &v)) goto usage;
			cfg.limits.body_budget_bytes = v; break;
		case 'h': usage(stdout); return 0;
		default: goto usage;
		}
	}
	if (cfg.host == NULL || cfg.cert_path == NULL || cfg.key_path == NULL || optind != argc)
		goto usage;
	return run(&cfg, with_pool, auth[0] != '\0' ? auth : NULL);
usage:
	usage(stderr);
	return 2;
}
