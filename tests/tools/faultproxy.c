/* faultproxy.c: a TCP proxy for fault tests, between a client and a server on loopback. Each
 * connection it accepts is given, at random, one fault or none: "cut" closes both sides
 * cleanly after a random number of bytes (either direction), "truncate" passes only the
 * first bytes of the server's reply and then closes, "reset" sends RSTs after a random number
 * of bytes, "delay" holds every chunk for a random time (nothing lost). It only ever listens
 * on and connects to 127.0.0.1, and it is bounded: at most --max-conns connections in all,
 * --max-seconds of life, FP_MAX_PAIRS at once, FP_BUF_MAX bytes held per direction.
 *
 * usage: faultproxy --listen PORT --to PORT [--faults cut,truncate,reset,delay] [--rate PCT]
 *                   [--seed N] [--max-bytes N] [--max-delay-ms MS] [--max-conns N]
 *                   [--max-seconds S]
 * Prints "listening on 127.0.0.1:PORT" when ready, and on exit (SIGTERM or a bound reached)
 * one line per kind, "KIND connections N fired N", and the bytes read each way. Exit 0, or 1
 * on a set-up failure, 2 on a usage error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FP_MAX_PAIRS 64          /* connections proxied at once; more wait in the backlog */
#define FP_BUF_MAX 16384         /* bytes held per direction */
#define FP_MAX_DELAY_MS 10000    /* the largest --max-delay-ms */
#define FP_MAX_CONNS 1000000     /* the largest --max-conns */
#define FP_MAX_SECONDS 86400     /* the largest --max-seconds */
#define FP_POLL_MAX (1 + 2 * FP_MAX_PAIRS)

enum fp_kind { FP_NONE, FP_CUT, FP_TRUNCATE, FP_RESET, FP_DELAY, FP_KINDS };
static const char *const fp_kind_name[FP_KINDS] = {"none", "cut", "truncate", "reset", "delay"};

struct fp_dir {                  /* one direction: bytes read from one side, for the other */
	char buf[FP_BUF_MAX];
	size_t len, off;
	long long ready_ms;          /* monotonic time the bytes may go (delay) */
	int eof;                     /* the source side closed its writing half */
};

struct fp_pair {
	int fd[2];                   /* 0 = client, 1 = server; -1 when free */
	struct fp_dir dir[2];        /* dir[0]: client to server, dir[1]: server to client */
	enum fp_kind kind;
	size_t budget, passed;       /* cut, truncate, reset: bytes passed before the fault */
	long delay_ms;               /* delay: per chunk */
	int fire;                    /* the fault fires once the held bytes are written */
};

struct fp {
	int listen_fd, rate_pct, kinds[FP_KINDS], nkinds;
	unsigned seed;
	long max_bytes, max_delay_ms, max_conns, max_seconds, accepted;
	long conns[FP_KINDS], fired[FP_KINDS];
	long long bytes[2];          /* read from clients, from the server */
	struct sockaddr_in to;
	struct fp_pair pair[FP_MAX_PAIRS];
};

static volatile sig_atomic_t fp_stop;

static void fp_on_signal(int sig)
{
	(void)sig;
	fp_stop = 1;
}

static long long fp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A random number in [0, n); rand_r is enough for choosing faults. */
static long fp_rand(struct fp *p, long n)
{
	return n > 0 ? (long)(rand_r(&p->seed) % (unsigned long)n) : 0;
}

static void fp_loopback(struct sockaddr_in *a, long port)
{
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_port = htons((unsigned short)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* Closes one pair; with RST set the peers see a reset instead of an orderly close. */
static void fp_close(struct fp_pair *q, int rst)
{
	struct linger lg = {1, 0};
	int i;

	for (i = 0; i < 2; i++) {
		if (q->fd[i] < 0)
			continue;
		if (rst)
			setsockopt(q->fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(q->fd[i]);
		q->fd[i] = -1;
	}
}

/* Gives a new pair its fault: none with probability 1 - rate, else one of the kinds. */
static void fp_choose(struct fp *p, struct fp_pair *q)
{
	q->kind = FP_NONE;
	if (p->nkinds > 0 && fp_rand(p, 100) < p->rate_pct)
		q->kind = (enum fp_kind)p->kinds[fp_rand(p, p->nkinds)];
	q->budget = (size_t)fp_rand(p, p->max_bytes);
	q->delay_ms = fp_rand(p, p->max_delay_ms + 1);
	p->conns[q->kind]++;
	if (q->kind == FP_DELAY)      /* a delay acts on every chunk from the start */
		p->fired[FP_DELAY]++;
}

/* Accepts one client and connects it to the server. */
static void fp_accept(struct fp *p)
{
	struct fp_pair *q = NULL;
	int c, s = -1, i;

	for (i = 0; i < FP_MAX_PAIRS && q == NULL; i++)
		if (p->pair[i].fd[0] < 0)
			q = &p->pair[i];
	if (q == NULL || (c = accept(p->listen_fd, NULL, NULL)) < 0)
		return;
	p->accepted++;
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(s, (struct sockaddr *)&p->to, sizeof p->to) != 0)
		goto fail;
	memset(q, 0, sizeof *q);
	q->fd[0] = c;
	q->fd[1] = s;
	fp_choose(p, q);
	return;
fail:
	if (s >= 0)
		close(s);
	close(c);
}

/* Counts N new bytes of direction D against the pair's budget; returns how many may pass. */
static size_t fp_account(struct fp *p, struct fp_pair *q, int d, size_t n)
{
	size_t room;

	if (q->kind == FP_DELAY) {
		q->dir[d].ready_ms = fp_now_ms() + q->delay_ms;
		return n;
	}
	if (q->kind == FP_NONE || (q->kind == FP_TRUNCATE && d == 0) || q->fire)
		return n;
	room = q->budget > q->passed ? q->budget - q->passed : 0;
	if (n < room) {
		q->passed += n;
		return n;
	}
	q->passed = q->budget;
	q->fire = 1;
	p->fired[q->kind]++;
	return room;
}

/* Reads from the source of direction D. Returns 0, or -1 when the pair is finished. */
static int fp_read(struct fp *p, struct fp_pair *q, int d)
{
	struct fp_dir *x = &q->dir[d];
	ssize_t n = read(q->fd[d], x->buf, sizeof x->buf);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		x->eof = 1;
		shutdown(q->fd[1 - d], SHUT_WR);
		return q->dir[1 - d].eof ? -1 : 0;
	}
	p->bytes[d] += n;
	x->off = 0;
	x->len = fp_account(p, q, d, (size_t)n);
	if (x->len == 0 && q->fire)
		return -1;
	return 0;
}

/* Writes held bytes of direction D. Returns 0, or -1 when the pair is finished. */
static int fp_write(struct fp_pair *q, int d)
{
	struct fp_dir *x = &q->dir[d];
	ssize_t n = write(q->fd[1 - d], x->buf + x->off, x->len - x->off);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	x->off += (size_t)n;
	if (x->off < x->len)
		return 0;
	x->len = x->off = 0;
	return q->fire ? -1 : 0;
}

/* Fills the poll set; returns the poll timeout (ms) the next delayed chunk needs. */
static int fp_watch(struct fp *p, struct pollfd *pf, int *n)
{
	long long now = fp_now_ms(), wait_ms = 200;
	int i, d;

	*n = 0;
	pf[(*n)++] = (struct pollfd){.fd = p->accepted < p->max_conns ? p->listen_fd : -1,
	                             .events = POLLIN};
	for (i = 0; i < FP_MAX_PAIRS; i++) {
		struct fp_pair *q = &p->pair[i];

		for (d = 0; d < 2; d++) {
			struct fp_dir *x = &q->dir[d];
			short ev = 0;
			int fd = -1;

			if (q->fd[0] >= 0 && x->len == 0 && !x->eof) {
				fd = q->fd[d];
				ev = POLLIN;
			} else if (q->fd[0] >= 0 && x->len > 0 && x->ready_ms <= now) {
				fd = q->fd[1 - d];
				ev = POLLOUT;
			} else if (q->fd[0] >= 0 && x->len > 0 && x->ready_ms - now < wait_ms) {
				wait_ms = x->ready_ms - now;
			}
			pf[(*n)++] = (struct pollfd){.fd = fd, .events = ev};
		}
	}
	return (int)wait_ms;
}

/* Serves what poll reported; a pair that finished (or whose fault fired) is closed. */
static void fp_serve(struct fp *p, struct pollfd *pf)
{
	int i, d, done;

	if (pf[0].revents & POLLIN)
		fp_accept(p);
	for (i = 0; i < FP_MAX_PAIRS; i++) {
		struct fp_pair *q = &p->pair[i];

		for (d = 0, done = 0; d < 2 && !done && q->fd[0] >= 0; d++) {
			short re = pf[1 + 2 * i + d].revents;

			if (re == 0)
				continue;
			if (pf[1 + 2 * i + d].events == POLLIN)
				done = fp_read(p, q, d) != 0;
			else
				done = (re & (POLLERR | POLLHUP)) || fp_write(q, d) != 0;
		}
		if (done)
			fp_close(q, q->kind == FP_RESET && q->fire);
	}
}

static int fp_listen(struct fp *p, long port)
{
	struct sockaddr_in a;
	int one = 1;

	fp_loopback(&a, port);
	p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (p->listen_fd < 0 ||
	    setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(p->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(p->listen_fd, 64) != 0) {
		perror("faultproxy: listen");
		return -1;
	}
	printf("listening on 127.0.0.1:%ld\n", port);
	fflush(stdout);
	return 0;
}

static void fp_usage(void)
{
	fprintf(stderr, "usage: faultproxy --listen PORT --to PORT [--faults cut,truncate,reset,"
	        "delay] [--rate PCT]\n                  [--seed N] [--max-bytes N]"
	        " [--max-delay-ms MS] [--max-conns N] [--max-seconds S]\n");
}

/* Parses V as an integer in [LO, HI]; returns -1 (an impossible value here) otherwise. */
static long fp_num(const char *v, long lo, long hi)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	return (errno || end == v || *end || n < lo || n > hi) ? -1 : n;
}

/* Parses "cut,reset,..." into the kinds to choose from; returns -1 on an unknown name. */
static int fp_faults(struct fp *p, const char *v)
{
	const char *s = v, *end;
	size_t len;
	int k;

	p->nkinds = 0;
	for (; *s != '\0'; s = *end ? end + 1 : end) {
		end = strchr(s, ',');
		end = end ? end : s + strlen(s);
		len = (size_t)(end - s);
		for (k = FP_CUT; k < FP_KINDS; k++)
			if (strlen(fp_kind_name[k]) == len && strncmp(s, fp_kind_name[k], len) == 0)
				break;
		if (k == FP_KINDS || p->nkinds == FP_KINDS)
			return -1;
		p->kinds[p->nkinds++] = k;
	}
	return p->nkinds > 0 ? 0 : -1;
}

/* One option and its value; returns -1 on an unknown option or a bad value. */
static int fp_option(struct fp *p, const char *o, const char *v, long *lport, long *tport)
{
	long n = 0;

	if (strcmp(o, "--faults") == 0)
		return fp_faults(p, v);
	if (strcmp(o, "--listen") == 0 || strcmp(o, "--to") == 0)
		*(o[2] == 'l' ? lport : tport) = n = fp_num(v, 1, 65535);
	else if (strcmp(o, "--rate") == 0)
		p->rate_pct = (int)(n = fp_num(v, 0, 100));
	else if (strcmp(o, "--seed") == 0)
		p->seed = (unsigned)(n = fp_num(v, 0, 1000000000));
	else if (strcmp(o, "--max-bytes") == 0)
		p->max_bytes = n = fp_num(v, 1, 100000000);
	else if (strcmp(o, "--max-delay-ms") == 0)
		p->max_delay_ms = n = fp_num(v, 0, FP_MAX_DELAY_MS);
	else if (strcmp(o, "--max-conns") == 0)
		p->max_conns = n = fp_num(v, 1, FP_MAX_CONNS);
	else if (strcmp(o, "--max-seconds") == 0)
		p->max_seconds = n = fp_num(v, 1, FP_MAX_SECONDS);
	else
		return -1;
	return n < 0 ? -1 : 0;
}

/* Fills P from the command line; returns 0, or -1 on a usage error. */
static int fp_args(struct fp *p, int argc, char **argv, long *lport, long *tport)
{
	int i;

	*lport = *tport = 0;
	p->rate_pct = 50;
	p->seed = 1;
	p->max_bytes = 6000;
	p->max_delay_ms = 1500;
	p->max_conns = 1000;
	p->max_seconds = 600;
	if (fp_faults(p, "cut,truncate,reset,delay") != 0)
		return -1;
	for (i = 1; i + 1 < argc; i += 2)
		if (fp_option(p, argv[i], argv[i + 1], lport, tport) != 0)
			return -1;
	return (i == argc && *lport > 0 && *tport > 0) ? 0 : -1;
}

/* Whether the proxy is done: every connection it may take was taken and has ended. */
static int fp_spent(const struct fp *p)
{
	int i;

	for (i = 0; i < FP_MAX_PAIRS; i++)
		if (p->pair[i].fd[0] >= 0)
			return 0;
	return p->accepted >= p->max_conns;
}

static void fp_report(const struct fp *p)
{
	int k;

	for (k = 0; k < FP_KINDS; k++)
		printf("%s connections %ld fired %ld\n", fp_kind_name[k], p->conns[k], p->fired[k]);
	printf("bytes from clients %lld from the server %lld\n", p->bytes[0], p->bytes[1]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct fp p;          /* static: the pairs' buffers are over 2 MB */
	struct pollfd pf[FP_POLL_MAX];
	long lport, tport, long_enough;
	long long end_ms;
	int i, n, timeout_ms;

	if (fp_args(&p, argc, argv, &lport, &tport) != 0) {
		fp_usage();
		return 2;
	}
	for (i = 0; i < FP_MAX_PAIRS; i++)
		p.pair[i].fd[0] = p.pair[i].fd[1] = -1;
	fp_loopback(&p.to, tport);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, fp_on_signal);
	signal(SIGINT, fp_on_signal);
	if (fp_listen(&p, lport) != 0)
		return 1;
	end_ms = fp_now_ms() + p.max_seconds * 1000LL;
	for (long_enough = 0; !fp_stop && !long_enough && !fp_spent(&p);
	     long_enough = fp_now_ms() >= end_ms) {
		timeout_ms = fp_watch(&p, pf, &n);
		if (poll(pf, (nfds_t)n, timeout_ms) > 0)
			fp_serve(&p, pf);
	}
	for (i = 0; i < FP_MAX_PAIRS; i++)
		fp_close(&p.pair[i], 0);
	close(p.listen_fd);
	fp_report(&p);
	return 0;
}
