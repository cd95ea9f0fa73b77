/* net_flood.c: an attacker on loopback for tests/integration/test_flood.sh, bounded in count
 * and time. Each mode reproduces one finding of issue 15 against a server on 127.0.0.0/8,
 * from source addresses of its own (127.0.0.2 and up by default) so the server can tell the
 * attacker from the device the test syncs with, and prints one line of figures.
 *
 *   hold       plain TCP connections that never speak, re-opened (at most --rate a second)
 *              as the server closes them: "hold: conns=N opened=N closed=N"
 *   body       TLS connections each sending a POST /v1/sync head with Content-Length
 *              --length (and --auth CRED, if given), then waiting --wait-ms for a reply
 *              before sending the body, all but its last 100 bytes, never finished:
 *              "body: conns=N s401=N s503=N s408=N other=N noreply=N retry_after=N
 *               body_sent_max=BYTES hs_fail=N"
 *   slowloris  TLS connections each dribbling a request head one byte a second, re-opened
 *              when closed: "slowloris: conns=N sessions=N hs_fail=N s408=N bytes=N"
 * A TLS connection refused before or during its handshake is tried again until the end.
 *
 * Usage: net_flood MODE --port P [--host 127.0.0.1] [--src 127.0.0.2] [--srcs N]
 *                  [--conns N] [--seconds S] [--rate R] [--length L] [--auth CRED]
 *                  [--wait-ms MS]
 * Exit codes: 0 ran (the figures say what happened), 1 set-up failed, 2 usage error. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#define FLOOD_MAX_CONNS 5000u       /* plain TCP connections at most */
#define FLOOD_MAX_TLS_CONNS 2000u   /* TLS connections (one thread each) at most */
#define FLOOD_MAX_SECONDS 120u
#define FLOOD_MAX_SRCS 200u         /* source addresses 127.0.0.2 .. at most */
#define FLOOD_MAX_LENGTH (64u * 1024 * 1024)
#define FLOOD_AUTH_MAX 256
#define FLOOD_HEAD_MAX 768          /* a request head written by this tool */
#define FLOOD_REPLY_MAX 1024        /* the start of a reply, enough for its head */
#define FLOOD_CHUNK 16384u          /* body bytes per TLS write */
#define FLOOD_UNFINISHED 100u       /* body bytes never sent */
#define FLOOD_THREAD_STACK (256u * 1024)
#define FLOOD_IO_TIMEOUT_S 5        /* a blocking handshake gives up after this */
#define FLOOD_RETRY_US 500000       /* wait before trying a refused connection again */

enum flood_mode { MODE_HOLD, MODE_BODY, MODE_SLOWLORIS };

struct flood_opts {
	enum flood_mode mode;
	struct in_addr host, src;
	int port;
	unsigned srcs, conns, seconds, rate, wait_ms;
	unsigned long length;
	const char *auth;
};

/* What one TLS connection (thread) saw. */
struct flood_result {
	const struct flood_opts *o;
	unsigned idx;
	int status;               /* reply status, 0 if none */
	bool retry_after, hs_fail;
	unsigned long body_sent;  /* body bytes written before the reply came */
	unsigned sessions;        /* slowloris: connections opened */
	unsigned long bytes;      /* slowloris: head bytes dribbled */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A socket bound to the IDX-th source address and connecting to the target; -1 on failure.
 * NONBLOCK: the connect is left in progress. */
static int flood_socket(const struct flood_opts *o, unsigned idx, bool nonblock)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = FLOOD_IO_TIMEOUT_S };
	int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -1;
	src.sin_addr.s_addr = htonl(ntohl(o->src.s_addr) + idx % o->srcs);
	dst.sin_addr = o->host;
	dst.sin_port = htons((uint16_t)o->port);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* hold: keep o->conns silent connections open, re-opening closed ones at o->rate a second. */
static int run_hold(const struct flood_opts *o)
{
	struct pollfd *p = calloc(o->conns, sizeof *p);
	unsigned long opened = 0, closed = 0;
	double start = now_s(), tokens = 0, last = start;
	char sink[256];
	unsigned i;

	if (p == NULL)
		return 1;
	for (i = 0; i < o->conns; i++) {
		p[i].fd = flood_socket(o, i, true);
		p[i].events = POLLIN;
		opened += p[i].fd >= 0;
	}
	while (now_s() - start < o->seconds) {
		(void)poll(p, o->conns, 50);
		for (i = 0; i < o->conns; i++)
			if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    read(p[i].fd, sink, sizeof sink) <= 0 && errno != EAGAIN) {
				close(p[i].fd);
				p[i].fd = -1;
				closed++;
			}
		tokens += (now_s() - last) * o->rate;
		last = now_s();
		for (i = 0; i < o->conns && tokens >= 1; i++)
			if (p[i].fd < 0) {
				p[i].fd = flood_socket(o, i, true);
				opened += p[i].fd >= 0;
				tokens -= 1;
			}
		if (tokens > o->rate)
			tokens = o->rate;
	}
	printf("hold: conns=%u opened=%lu closed=%lu\n", o->conns, opened, closed);
	for (i = 0; i < o->conns; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	free(p);
	return 0;
}

/* One TLS client session over a socket of its own. */
struct flood_tls {
	mbedtls_net_context net;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
};

static void tls_close(struct flood_tls *t)
{
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
	mbedtls_net_free(&t->net);
}

/* Connect from source IDX and complete a TLS handshake (the server is not verified: the
 * test is about load, not trust). 0, or -1 with T released. */
static int tls_open(struct flood_tls *t, const struct flood_opts *o, unsigned idx)
{
	int rc;

	mbedtls_net_init(&t->net);
	mbedtls_entropy_init(&t->entropy);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_ssl_init(&t->ssl);
	t->net.fd = flood_socket(o, idx, false);
	if (t->net.fd < 0 ||
	    mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy, NULL, 0) != 0 ||
	    mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
	                                MBEDTLS_SSL_TRANSPORT_STREAM,
	                                MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		goto fail;
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	if (mbedtls_ssl_setup(&t->ssl, &t->conf) != 0)
		goto fail;
	mbedtls_ssl_set_bio(&t->ssl, &t->net, mbedtls_net_send, mbedtls_net_recv, NULL);
	while ((rc = mbedtls_ssl_handshake(&t->ssl)) != 0)
		if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
			goto fail;
	return 0;
fail:
	tls_close(t);
	return -1;
}

/* Read what reply there is within WAIT_MS; fills R's status. 1 when a reply (or the close)
 * came, 0 when nothing came in time, -1 on a failure. */
static int tls_poll_reply(struct flood_tls *t, struct flood_result *r, int wait_ms)
{
	char buf[FLOOD_REPLY_MAX + 1];
	struct pollfd p = { .fd = t->net.fd, .events = POLLIN };
	int n;

	if (mbedtls_ssl_get_bytes_avail(&t->ssl) == 0 && poll(&p, 1, wait_ms) <= 0)
		return 0;
	n = mbedtls_ssl_read(&t->ssl, (unsigned char *)buf, FLOOD_REPLY_MAX);
	if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 0;
	if (n <= 0)
		return 1; /* closed without a reply */
	buf[n] = '\0';
	if (strncmp(buf, "HTTP/1.1 ", 9) == 0)
		r->status = (int)strtol(buf + 9, NULL, 10);
	r->retry_after = strstr(buf, "\r\nRetry-After: ") != NULL;
	return 1;
}

/* Write LEN bytes of DATA on a non-blocking session, waiting for room up to the deadline
 * END. 0 when all went out, -1 otherwise. */
static int tls_write_all(struct flood_tls *t, const unsigned char *data, size_t len, double end)
{
	struct pollfd p = { .fd = t->net.fd, .events = POLLOUT };
	int n;

	while (len > 0) {
		n = mbedtls_ssl_write(&t->ssl, data, len);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n != MBEDTLS_ERR_SSL_WANT_WRITE && n != MBEDTLS_ERR_SSL_WANT_READ) {
			return -1;
		} else if (now_s() >= end || poll(&p, 1, 50) < 0) {
			return -1;
		}
	}
	return 0;
}

/* body: the head, a wait for a reply, then the body but its last bytes, replies watched. */
static void flood_body(struct flood_tls *t, struct flood_result *r, double end)
{
	static const unsigned char chunk[FLOOD_CHUNK];
	const struct flood_opts *o = r->o;
	char head[FLOOD_HEAD_MAX], auth[FLOOD_AUTH_MAX + 32] = "";
	unsigned long todo = o->length > FLOOD_UNFINISHED ? o->length - FLOOD_UNFINISHED : 0;
	int n, got;

	if (o->auth != NULL)
		snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", o->auth);
	n = snprintf(head, sizeof head, "POST /v1/sync HTTP/1.1\r\nHost: doorstep\r\n%s"
	             "Content-Type: application/json\r\nContent-Length: %lu\r\n\r\n", auth,
	             o->length);
	if (n <= 0 || (size_t)n >= sizeof head ||
	    tls_write_all(t, (const unsigned char *)head, (size_t)n, end) != 0)
		return;
	if ((got = tls_poll_reply(t, r, (int)o->wait_ms)) != 0)
		return;
	mbedtls_net_set_nonblock(&t->net);
	while (now_s() < end && (got = tls_poll_reply(t, r, 0)) == 0) {
		size_t len = todo - r->body_sent < FLOOD_CHUNK ? todo - r->body_sent : FLOOD_CHUNK;
		if (len == 0) {
			(void)tls_poll_reply(t, r, 100);
			if (r->status != 0)
				return;
			continue;
		}
		if (tls_write_all(t, chunk, len, end) != 0)
			return;
		r->body_sent += len;
	}
}

/* slowloris: dribble a head a byte a second until the server closes or the deadline. */
static void flood_slowloris(struct flood_tls *t, struct flood_result *r, double end)
{
	static const char head[] = "POST /v1/sync HTTP/1.1\r\nHost: doorstep\r\n"
	                           "Content-Type: application/json\r\nX-Slow: ";
	size_t i = 0;
	unsigned char c;

	while (now_s() < end) {
		c = i < sizeof head - 1 ? (unsigned char)head[i] : 'x';
		if (mbedtls_ssl_write(&t->ssl, &c, 1) != 1)
			return;
		i++;
		r->bytes++;
		if (tls_poll_reply(t, r, 1000) != 0)
			return;
	}
}

static void *flood_worker(void *arg)
{
	struct flood_result *r = arg;
	const struct flood_opts *o = r->o;
	double end = now_s() + o->seconds;
	struct flood_tls t;
	int status;

	/* A refused handshake is tried again, as an attacker would; body sends one request,
	 * slowloris opens a new connection each time the server closes one. */
	do {
		r->sessions++;
		if (tls_open(&t, o, r->idx) != 0) {
			r->hs_fail = true;
			usleep(FLOOD_RETRY_US);
			continue;
		}
		if (o->mode == MODE_BODY) {
			flood_body(&t, r, end);
			tls_close(&t);
			break;
		}
		status = r->status;
		r->status = 0;
		flood_slowloris(&t, r, end);
		tls_close(&t);
		if (r->status != 408 && status == 408)
			r->status = 408; /* one 408 seen is remembered */
	} while (now_s() < end);
	return NULL;
}

static void print_results(const struct flood_opts *o, const struct flood_result *r)
{
	unsigned i, s401 = 0, s503 = 0, s408 = 0, other = 0, none = 0, retry = 0, hs = 0;
	unsigned long sent_max = 0, bytes = 0, sessions = 0;

	for (i = 0; i < o->conns; i++) {
		s401 += r[i].status == 401;
		s503 += r[i].status == 503;
		s408 += r[i].status == 408;
		none += r[i].status == 0;
		other += r[i].status != 0 && r[i].status != 401 && r[i].status != 503 &&
		         r[i].status != 408;
		retry += r[i].status == 503 && r[i].retry_after;
		hs += r[i].hs_fail;
		sent_max = r[i].body_sent > sent_max ? r[i].body_sent : sent_max;
		bytes += r[i].bytes;
		sessions += r[i].sessions;
	}
	if (o->mode == MODE_BODY)
		printf("body: conns=%u s401=%u s503=%u s408=%u other=%u noreply=%u retry_after=%u "
		       "body_sent_max=%lu hs_fail=%u\n", o->conns, s401, s503, s408, other, none,
		       retry, sent_max, hs);
	else
		printf("slowloris: conns=%u sessions=%lu hs_fail=%u s408=%u bytes=%lu\n", o->conns,
		       sessions, hs, s408, bytes);
}

/* body and slowloris: one thread per connection. */
static int run_tls(const struct flood_opts *o)
{
	struct flood_result *r = calloc(o->conns, sizeof *r);
	pthread_t *th = calloc(o->conns, sizeof *th);
	bool *started = calloc(o->conns, sizeof *started);
	pthread_attr_t attr;
	unsigned i;
	int rc = 1;

	if (r == NULL || th == NULL || started == NULL || pthread_attr_init(&attr) != 0)
		goto out;
	(void)pthread_attr_setstacksize(&attr, FLOOD_THREAD_STACK);
	for (i = 0; i < o->conns; i++) {
		r[i].o = o;
		r[i].idx = i;
		started[i] = pthread_create(&th[i], &attr, flood_worker, &r[i]) == 0;
	}
	for (i = 0; i < o->conns; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	pthread_attr_destroy(&attr);
	print_results(o, r);
	rc = 0;
out:
	free(started);
	free(th);
	free(r);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: net_flood hold|body|slowloris --port P [--host 127.0.0.1] "
	           "[--src 127.0.0.2] [--srcs N]\n"
	           "                 [--conns N] [--seconds S] [--rate R] [--length L] "
	           "[--auth CRED] [--wait-ms MS]\n"
	           "Loopback only; at most %u connections (%u with TLS) for at most %u s.\n",
	           FLOOD_MAX_CONNS, FLOOD_MAX_TLS_CONNS, FLOOD_MAX_SECONDS);
}

/* A whole number LO..HI from S into *OUT; false when it is not. */
static bool parse_num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_loopback(const char *s, struct in_addr *a)
{
	return inet_pton(AF_INET, s, a) == 1 && (ntohl(a->s_addr) >> 24) == 127;
}

static bool parse_opt(struct flood_opts *o, int c, const char *arg)
{
	unsigned long v = 0;
	bool ok = true;

	switch (c) {
	case 'H': return parse_loopback(arg, &o->host);
	case 's': return parse_loopback(arg, &o->src);
	case 'a': o->auth = strlen(arg) <= FLOOD_AUTH_MAX ? arg : NULL; return o->auth != NULL;
	case 'l': ok = parse_num(arg, 0, FLOOD_MAX_LENGTH, &o->length); return ok;
	case 'p': ok = parse_num(arg, 1, 65535, &v); o->port = (int)v; return ok;
	case 'S': ok = parse_num(arg, 1, FLOOD_MAX_SRCS, &v); o->srcs = (unsigned)v; return ok;
	case 'n': ok = parse_num(arg, 1, FLOOD_MAX_CONNS, &v); o->conns = (unsigned)v; return ok;
	case 't': ok = parse_num(arg, 1, FLOOD_MAX_SECONDS, &v); o->seconds = (unsigned)v;
		return ok;
	case 'r': ok = parse_num(arg, 1, 100000, &v); o->rate = (unsigned)v; return ok;
	case 'w': ok = parse_num(arg, 0, 60000, &v); o->wait_ms = (unsigned)v; return ok;
	default: return false;
	}
}

/* Room for as many sockets as the flood holds. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' }, { "src", required_argument, NULL, 's' },
		{ "srcs", required_argument, NULL, 'S' }, { "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "length", required_argument, NULL, 'l' },
		{ "auth", required_argument, NULL, 'a' },
		{ "wait-ms", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct flood_opts o = { .port = 0, .srcs = 1, .conns = 100, .seconds = 10, .rate = 100,
	                        .wait_ms = 2000, .length = 4194204 };
	int c;

	(void)inet_pton(AF_INET, "127.0.0.1", &o.host);
	(void)inet_pton(AF_INET, "127.0.0.2", &o.src);
	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "hold") == 0)
		o.mode = MODE_HOLD;
	else if (strcmp(argv[1], "body") == 0)
		o.mode = MODE_BODY;
	else if (strcmp(argv[1], "slowloris") == 0)
		o.mode = MODE_SLOWLORIS;
	else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	} else
		goto usage;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		if (c == 'h' || !parse_opt(&o, c, optarg))
			goto usage;
	if (o.port == 0 || optind != argc || (o.mode != MODE_HOLD && o.conns > FLOOD_MAX_TLS_CONNS))
		goto usage;
	raise_fd_limit();
	/* A write to a connection the server closed is an error, not death. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return o.mode == MODE_HOLD ? run_hold(&o) : run_tls(&o);
usage:
	usage(stderr);
	return 2;
}
