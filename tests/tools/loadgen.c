/* loadgen.c: a load generator and crash-test client for POST /v1/sync. N clients, each a
 * device with its own keep-alive TLS connection (libcurl multi), send B batches of E events
 * each (gzip), one request in flight per client. Prints one JSON line: events/s, latency
 * percentiles, errors. A request's latency runs from the moment it can be written to its
 * reply, as wrk measures: a client's first request does not count its own TLS handshake
 * (the connection's set-up, reported apart as connect_*), though it does wait behind the
 * other clients' handshakes the server is doing at the same time. with_connect_p99_ms
 * counts each handshake in its first request as well. With --acked FILE, appends the UUIDs
 * of every event in a batch the server answered 200, flushed at once: after a crash, the
 * server must hold all of them.
 *
 * usage: loadgen --url URL --pin PIN --creds FILE [--clients N] [--batches B] [--events E]
 *                [--acked FILE] [--seed S] [--plain] [--ready FILE] [--trace FILE]
 * --ready FILE is created once the bodies are built, when the load is about to start.
 * --trace FILE writes a line per acknowledged request: its start (s since the load began),
 * latency (ms), client number, and its connection's set-up (ms, 0 when reused).
 * --raw DIR instead inserts the same events straight into a new database in DIR.
 * FILE lines: "DEVICE.SECRET CODE1,CODE2,..." (the device's courier's appointment codes). */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <jansson.h>

#include "crypto.h"
#include "model.h"
#include "server/api.h"
#include "server/db/ckpt.h"
#include "server/db/store.h"
#include "server/db/walsync.h"
#include "canon.h"
#include "server/db/seal.h"
#include "wire.h"

#define LG_MAX_CLIENTS 256
#define LG_MAX_CODES 16384             /* appointments a client's events go to, in order */
#define LG_LINE_MAX (LG_MAX_CODES * 40) /* a creds line: credential and codes */
#define LG_DEVICE_MAX 64               /* a device id, as the server stores it */
#define LG_REPLY_MAX 4096              /* a sync reply kept for checking; longer is a bad reply */
#define LG_ERRORS_MAX 1000             /* failed requests before the run gives up */

struct lg_client {
	char auth[300];
	char *codes[LG_MAX_CODES];
	int ncodes;
	CURL *h;
	struct curl_slist *hdr;
	unsigned char **bodies;  /* B prepared request bodies */
	size_t *lens;
	char ***uuids;           /* uuids[b][e] */
	int next;                /* next batch to send */
	int resent;              /* the batch in flight failed before: some may be stored */
	double started;
	long status;
	char reply[LG_REPLY_MAX + 1];
	size_t reply_len;        /* LG_REPLY_MAX + 1 once the reply overflowed */
};

struct lg {
	const char *url, *pin, *acked_path;
	int nclients, batches, events, gzip;
	unsigned seed;
	struct lg_client c[LG_MAX_CLIENTS];
	double *lat_ms;          /* every finished request, failed ones too, from when it could
	                          * be written */
	double *warm_ms;         /* the same, less each client's first */
	double *full_ms;         /* every acknowledged request, its connection's set-up included */
	double *conn_ms;         /* each connection's TCP and TLS set-up */
	long nlat, nwarm, nconn, errors, bad_replies, events_acked;
	FILE *acked, *trace;
	double t0;
};

static double lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t lg_keep(char *p, size_t s, size_t n, void *u)
{
	struct lg_client *c = u;
	size_t len = s * n;

	if (c->reply_len + len > LG_REPLY_MAX) {
		c->reply_len = LG_REPLY_MAX + 1;
		return len;
	}
	memcpy(c->reply + c->reply_len, p, len);
	c->reply_len += len;
	c->reply[c->reply_len] = '\0';
	return len;
}

/* Whether C's 200 reply accounts for every event of the batch: all stored on the first
 * try; on a resend, stored and duplicates together (the failed try may have been stored). */
static int lg_reply_ok(const struct lg *g, const struct lg_client *c)
{
	json_t *j = NULL, *st, *dup;
	int ok = 0;

	if (c->reply_len > LG_REPLY_MAX || (j = json_loads(c->reply, 0, NULL)) == NULL)
		goto done;
	st = json_object_get(j, "stored");
	dup = json_object_get(j, "duplicates");
	if (!json_is_integer(st) || !json_is_integer(dup))
		goto done;
	if (c->resent)
		ok = json_integer_value(st) + json_integer_value(dup) == g->events;
	else
		ok = json_integer_value(st) == g->events && json_integer_value(dup) == 0;
done:
	json_decref(j);
	return ok;
}

/* Deflates IN as gzip into a new buffer. */
static unsigned char *lg_gzip(const char *in, size_t len, size_t *out_len)
{
	z_stream z;
	unsigned char *out = malloc(len + 1024);

	memset(&z, 0, sizeof z);
	if (out == NULL || deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)(len + 1024);
	deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static void lg_event(struct lg *g, struct lg_client *c, int ci, int b, int e,
                     struct model_event *ev)
{
	/* Each seed continues the device's sequence, so runs with seeds 1, 2, 3 ... follow on. */
	long seq = (long)(g->seed - 1) * g->batches * g->events + (long)b * g->events + e + 1;
	unsigned r = g->seed * 2654435761u + (unsigned)(ci * 7919 + seq);

	model_event_init(ev);
	if (model_uuid_new(ev->uuid) != DS_OK)
		abort();
	ev->seq = seq;
	ev->type = (enum model_event_type)(seq % 4 == 0 ? MODEL_FAIL
	                                   : seq % 2 ? MODEL_ARRIVE : MODEL_COLLECT);
	if (ev->type == MODEL_FAIL)
		ev->reason = MODEL_REASON_NOT_HOME;
	/* About three acts per appointment, as at a real door (arrive, then collect or fail). */
	snprintf(ev->appointment, sizeof ev->appointment, "%s", c->codes[(seq / 3) % c->ncodes]);
	ev->recorded_ms = 1795654800000LL + seq * 60000;
	ev->gps.source = MODEL_GPS_LIVE;
	ev->gps.lat = 10.45 + (r % 30000) * 1e-6;
	ev->gps.lon = 105.62 + (r % 40000) * 1e-6;
	ev->gps.accuracy_m = 8 + r % 20;
	ev->gps.mode = 3;
	ev->gps.sats_used = 7 + (int)(r % 5);
	ev->gps.fix_age_s = (r % 900) / 1000.0;
	ev->gps.dist_m = (r % 400) / 10.0;
	ev->gps.gps_time_ms = ev->recorded_ms - 400;
}

/* Builds client CI's B request bodies before the clock starts. */
static int lg_prepare(struct lg *g, struct lg_client *c, int ci)
{
	struct model_event ev;
	int b, e;

	c->bodies = calloc((size_t)g->batches, sizeof *c->bodies);
	c->lens = calloc((size_t)g->batches, sizeof *c->lens);
	c->uuids = calloc((size_t)g->batches, sizeof *c->uuids);
	if (!c->bodies || !c->lens || !c->uuids)
		return -1;
	for (b = 0; b < g->batches; b++) {
		/* A device that is up to date sends a cursor at or past the server's latest change;
		 * a large one stands for that, so replies carry no appointments and the figure is
		 * the push path's. */
		json_t *root = json_pack("{s:i, s:I, s:[]}", "v", 1, "cursor", (json_int_t)1 << 40,
		                         "events");
		json_t *arr = json_object_get(root, "events");
		char *text;
		c->uuids[b] = calloc((size_t)g->events, sizeof(char *));
		for (e = 0; e < g->events; e++) {
			lg_event(g, c, ci, b, e, &ev);
			json_array_append_new(arr, wire_event_encode(&ev));
			c->uuids[b][e] = strdup(ev.uuid);
		}
		text = json_dumps(root, WIRE_DUMP_FLAGS);
		json_decref(root);
		if (text == NULL)
			return -1;
		if (g->gzip) {
			c->bodies[b] = lg_gzip(text, strlen(text), &c->lens[b]);
			free(text);
		} else {
			c->bodies[b] = (unsigned char *)text;
			c->lens[b] = strlen(text);
		}
		if (c->bodies[b] == NULL)
			return -1;
	}
	return 0;
}

static void lg_setup_handle(struct lg *g, struct lg_client *c)
{
	char url[512];

	snprintf(url, sizeof url, "%s/v1/sync", g->url);
	c->h = curl_easy_init();
	c->hdr = curl_slist_append(NULL, c->auth);
	c->hdr = curl_slist_append(c->hdr, "Content-Type: application/json");
	if (g->gzip)
		c->hdr = curl_slist_append(c->hdr, "Content-Encoding: gzip");
	c->hdr = curl_slist_append(c->hdr, "Expect:");
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdr);
	/* The server's certificate is self-signed: the pinned key is the trust. */
	curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c->h, CURLOPT_PINNEDPUBLICKEY, g->pin);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, lg_keep);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
}

static void lg_send(struct lg *g, CURLM *m, struct lg_client *c)
{
	(void)g;
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, c->bodies[c->next]);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)c->lens[c->next]);
	c->reply_len = 0;
	c->reply[0] = '\0';
	c->started = lg_now();
	curl_multi_add_handle(m, c->h);
}

/* An acknowledged batch: its latencies, its trace line, its events written to --acked. */
static void lg_acked(struct lg *g, struct lg_client *c, curl_off_t conn_us, double full)
{
	int e;

	if (g->trace != NULL)
		fprintf(g->trace, "%.4f %.2f %d %.2f\n", c->started - g->t0,
		        g->lat_ms[g->nlat - 1], (int)(c - g->c), (double)conn_us / 1000.0);
	if (c->next > 0)
		g->warm_ms[g->nwarm++] = full - (double)conn_us / 1000.0;
	g->events_acked += g->events;
	if (g->acked != NULL) {
		for (e = 0; e < g->events; e++)
			fprintf(g->acked, "%s\n", c->uuids[c->next][e]);
		fflush(g->acked);
	}
	c->next++;
	c->resent = 0;
}

/* A finished request: every one counts in the latency figures, failed ones too, so a
 * run cannot look fast by failing; a failed batch is sent again. */
static void lg_done(struct lg *g, CURLM *m, CURLMsg *msg)
{
	struct lg_client *c;
	long status = 0;
	/* Zero on a reused connection; otherwise the time to the end of the TLS handshake. */
	curl_off_t conn_us = 0;
	double full;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
	curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(msg->easy_handle, CURLINFO_APPCONNECT_TIME_T, &conn_us);
	curl_multi_remove_handle(m, c->h);
	full = (lg_now() - c->started) * 1000.0;
	g->full_ms[g->nlat] = full;
	g->lat_ms[g->nlat++] = full - (double)conn_us / 1000.0;
	if (conn_us > 0)
		g->conn_ms[g->nconn++] = (double)conn_us / 1000.0;
	if (msg->data.result == CURLE_OK && status == 200 && lg_reply_ok(g, c)) {
		lg_acked(g, c, conn_us, full);
	} else {
		g->errors++;
		if (msg->data.result == CURLE_OK && status == 200)
			g->bad_replies++;
		c->resent = 1;
		if (g->errors < 5)
			fprintf(stderr, "loadgen: batch failed: %s, HTTP %ld%s%.200s\n",
			        curl_easy_strerror(msg->data.result), status,
			        status == 200 ? ", reply does not account for the batch: " : "",
			        status == 200 ? c->reply : "");
	}
	if (c->next < g->batches && g->errors < LG_ERRORS_MAX)
		lg_send(g, m, c);
}

static int lg_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double lg_pct(const double *v, long n, double p)
{
	long i = (long)(p / 100.0 * (double)(n - 1) + 0.5);

	return n > 0 ? v[i] : 0.0;
}

static int lg_run(struct lg *g)
{
	CURLM *m = curl_multi_init();
	CURLMsg *msg;
	int i, running = 1, left;
	double t0, secs;

	g->t0 = lg_now();
	for (i = 0; i < g->nclients; i++) {
		lg_setup_handle(g, &g->c[i]);
		lg_send(g, m, &g->c[i]);
	}
	t0 = lg_now();
	/* Until nothing runs and no finished request is left unread: the last requests finish
	 * in the same perform that brings the count of running ones to zero. */
	for (;;) {
		int finished = 0;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE) {
				lg_done(g, m, msg);
				finished = 1;
			}
		if (running == 0 && !finished)
			break;
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	secs = lg_now() - t0;
	qsort(g->lat_ms, (size_t)g->nlat, sizeof *g->lat_ms, lg_cmp);
	qsort(g->warm_ms, (size_t)g->nwarm, sizeof *g->warm_ms, lg_cmp);
	qsort(g->full_ms, (size_t)g->nlat, sizeof *g->full_ms, lg_cmp);
	qsort(g->conn_ms, (size_t)g->nconn, sizeof *g->conn_ms, lg_cmp);
	printf("{\"clients\":%d,\"events_per_batch\":%d,\"events\":%ld,\"seconds\":%.3f,"
	       "\"events_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"warm_p50_ms\":%.2f,"
	       "\"warm_p99_ms\":%.2f,\"max_ms\":%.2f,\"with_connect_p99_ms\":%.2f,"
	       "\"with_connect_max_ms\":%.2f,\"connects\":%ld,\"connect_p50_ms\":%.2f,"
	       "\"connect_max_ms\":%.2f,\"errors\":%ld,\"bad_replies\":%ld,"
	       "\"bytes_per_event\":%.1f}\n",
	       g->nclients, g->events, g->events_acked, secs,
	       (double)g->events_acked / secs, lg_pct(g->lat_ms, g->nlat, 50),
	       lg_pct(g->lat_ms, g->nlat, 99), lg_pct(g->warm_ms, g->nwarm, 50),
	       lg_pct(g->warm_ms, g->nwarm, 99), g->nlat > 0 ? g->lat_ms[g->nlat - 1] : 0.0,
	       lg_pct(g->full_ms, g->nlat, 99), g->nlat > 0 ? g->full_ms[g->nlat - 1] : 0.0,
	       g->nconn, lg_pct(g->conn_ms, g->nconn, 50),
	       g->nconn > 0 ? g->conn_ms[g->nconn - 1] : 0.0, g->errors, g->bad_replies,
	       (double)g->c[0].lens[0] / (double)g->events);
	curl_multi_cleanup(m);
	return g->errors == 0 ? 0 : 1;
}


/* One prepared row of the raw benchmark: what the server would insert for an event. */
struct lg_row {
	struct model_event ev;
	uint8_t hash[CRYPTO_SHA256_LEN];
	uint8_t *sealed;
	size_t sealed_len;
};

/* The device id of client C: its credential up to the dot ("DEVICE.SECRET"). */
static void lg_device_id(const struct lg_client *c, char *out, size_t len)
{
	const char *tok = strstr(c->auth, "Bearer ");

	tok = tok != NULL ? tok + 7 : "";
	snprintf(out, len, "%.*s", (int)strcspn(tok, "."), tok);
}

/* The raw pass's log flusher callback: counts the groups on disk and any failed flush. */
struct lg_flushed {
	long groups;
	int failed;
};

static void lg_raw_synced(void *ctx, void *item, int ok)
{
	struct lg_flushed *f = ctx;

	(void)item;
	f->groups++;
	if (!ok)
		f->failed = 1;
}

/* Build the rows of every batch, sealed and hashed as the server would, in the order the
 * server gets them from concurrent clients: batch 1 of every client, then batch 2, ... */
static struct lg_row *lg_raw_rows(struct lg *g, struct store *s, long total)
{
	struct lg_row *rows = calloc((size_t)total, sizeof *rows);
	long k = 0;
	int ci, b, e;

	if (rows == NULL)
		return NULL;
	for (b = 0; b < g->batches; b++)
		for (ci = 0; ci < g->nclients; ci++)
			for (e = 0; e < g->events; e++, k++) {
				struct lg_row *r = &rows[k];
				char *canon;
				lg_event(g, &g->c[ci], ci, b, e, &r->ev);
				canon = canon_event(&r->ev);
				crypto_sha256(canon, strlen(canon), r->hash);
				r->sealed_len = strlen(canon) + SEAL_OVERHEAD;
				r->sealed = malloc(r->sealed_len);
				if (r->sealed == NULL ||
				    seal_seal(s->seal, s->key, r->ev.uuid, strlen(r->ev.uuid),
				              canon, strlen(canon), r->sealed) != DS_OK)
					return NULL;
				free(canon);
			}
	return rows;
}

static int lg_raw_insert(sqlite3_stmt *st, const struct lg_row *r, const char *dev)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, r->ev.uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->ev.seq);
	sqlite3_bind_text(st, 4, r->ev.appointment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, model_event_type_name(r->ev.type), -1, SQLITE_STATIC);
	if (r->ev.reason != MODEL_REASON_NONE)
		sqlite3_bind_text(st, 6, model_reason_name(r->ev.reason), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, r->ev.recorded_ms);
	sqlite3_bind_int64(st, 8, r->ev.recorded_ms);
	sqlite3_bind_blob(st, 9, r->hash, CRYPTO_SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, r->sealed, (int)r->sealed_len, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* --raw DIR: the same events inserted straight into a fresh database with the server's
 * schema, committed the way the server commits them: API_JOBS_PER_TXN batches a
 * transaction on a synchronous=NORMAL connection, each commit handed to the server's own
 * log flusher (fdatasync of the log before it counts), and the server's checkpointer
 * running beside. The clock stops when the last commit is on disk. Rows are built before
 * the clock starts, so the figure is SQLite's own rate on this machine for this work. */
static int lg_raw(struct lg *g, const char *dir)
{
	struct store s;
	sqlite3_stmt *st = NULL;
	long total = (long)g->nclients * g->batches * g->events, i, per_txn;
	struct lg_row *rows;
	struct lg_flushed fl = {0, 0};
	struct walsync *ws = NULL;
	struct ckpt *ck = NULL;
	char dev[LG_DEVICE_MAX] = "";
	double t0, secs;

	per_txn = (long)g->events * API_JOBS_PER_TXN;
	if (store_open(&s, dir, 1) != DS_OK ||
	    store_prepare(&s, "INSERT INTO events(uuid, device_id, seq, courier_id, appointment,"
	                      " type, reason, recorded_ms, received_ms, content_hash, body,"
	                      " server_flags) VALUES (?, ?, ?, 'c', ?, ?, ?, ?, ?, ?, ?, 0)",
	                  &st) != DS_OK ||
	    (rows = lg_raw_rows(g, &s, total)) == NULL)
		return 1;
	if ((ck = ckpt_start(&s, CKPT_PAGES_DEFAULT)) == NULL ||
	    (ws = walsync_start(&s, NULL, lg_raw_synced, &fl)) == NULL)
		return 1;
	t0 = lg_now();
	for (i = 0; i < total; i++) {
		if (i % per_txn == 0 && store_begin(&s) != DS_OK)
			return 1;
		if (i % g->events == 0)
			lg_device_id(&g->c[(i / g->events) % g->nclients], dev, sizeof dev);
		if (lg_raw_insert(st, &rows[i], dev) != 0)
			return 1;
		if (((i + 1) % per_txn == 0 || i + 1 == total)) {
			if (store_commit(&s) != DS_OK)
				return 1;
			walsync_submit(ws, &rows[i]);
		}
	}
	walsync_stop(ws);
	secs = lg_now() - t0;
	ckpt_stop(ck);
	if (fl.failed)
		return 1;
	printf("{\"raw_rows\":%ld,\"rows_per_txn\":%ld,\"seconds\":%.3f,\"rows_per_s\":%.0f}\n",
	       total, per_txn, secs, (double)total / secs);
	sqlite3_finalize(st);
	store_close(&s);
	return 0;
}

static int lg_read_creds(struct lg *g, const char *path)
{
	char *line = malloc(LG_LINE_MAX), *sp, *tok, *save = NULL;
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL || line == NULL) {
		free(line);
		if (f)
			fclose(f);
		return -1;
	}
	while (n < g->nclients && fgets(line, LG_LINE_MAX, f) != NULL) {
		struct lg_client *c = &g->c[n];
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "loadgen: %s: a line is longer than %d bytes\n", path,
			        LG_LINE_MAX);
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		*sp = '\0';
		snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s", line);
		for (tok = strtok_r(sp + 1, ",", &save); tok && c->ncodes < LG_MAX_CODES;
		     tok = strtok_r(NULL, ",", &save))
			c->codes[c->ncodes++] = strdup(tok);
		if (tok != NULL) {
			fprintf(stderr, "loadgen: %s: more than %d codes on a line\n", path,
			        LG_MAX_CODES);
			break;
		}
		if (c->ncodes > 0)
			n++;
	}
	fclose(f);
	free(line);
	return n == g->nclients ? 0 : -1;
}

static long lg_arg(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "loadgen: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct lg *g = calloc(1, sizeof *g);
	const char *creds = NULL, *ready = NULL, *raw = NULL;
	size_t nreq;
	int i;

	g->nclients = 1;
	g->batches = 10;
	g->events = 100;
	g->gzip = 1;
	g->seed = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (strcmp(a, "--plain") == 0) { g->gzip = 0; continue; }
		if (strcmp(a, "--url") == 0) g->url = v;
		else if (strcmp(a, "--pin") == 0) g->pin = v;
		else if (strcmp(a, "--creds") == 0) creds = v;
		else if (strcmp(a, "--acked") == 0) g->acked_path = v;
		else if (strcmp(a, "--ready") == 0) ready = v;
		else if (strcmp(a, "--raw") == 0) raw = v;
		else if (strcmp(a, "--trace") == 0) {
			if ((g->trace = fopen(v, "w")) == NULL) { perror(v); return 2; }
		}
		else if (strcmp(a, "--clients") == 0)
			g->nclients = (int)lg_arg(v, 1, LG_MAX_CLIENTS);
		else if (strcmp(a, "--batches") == 0) g->batches = (int)lg_arg(v, 1, 100000);
		else if (strcmp(a, "--events") == 0) g->events = (int)lg_arg(v, 1, WIRE_MAX_BATCH);
		else if (strcmp(a, "--seed") == 0) g->seed = (unsigned)lg_arg(v, 1, 1000000);
		else { fprintf(stderr, "loadgen: unknown option %s\n", a); return 2; }
		i++;
	}
	if (raw == NULL && (g->url == NULL || g->pin == NULL)) 
		creds = NULL;
	if (creds == NULL || lg_read_creds(g, creds) != 0) {
		fprintf(stderr, "usage: loadgen --url URL --pin PIN --creds FILE [--clients N]"
		        " [--batches B] [--events E] [--acked FILE] [--seed S]"
		        " [--plain] [--ready FILE]"
		        " [--trace FILE] | --raw DIR ...\n");
		return 2;
	}
	if (raw != NULL)
		return lg_raw(g, raw);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* Room for every batch once and for every failed try. */
	nreq = (size_t)g->nclients * (size_t)g->batches + LG_ERRORS_MAX + (size_t)g->nclients;
	g->lat_ms = calloc(nreq, sizeof *g->lat_ms);
	g->warm_ms = calloc(nreq, sizeof *g->warm_ms);
	g->full_ms = calloc(nreq, sizeof *g->full_ms);
	g->conn_ms = calloc(nreq, sizeof *g->conn_ms);
	if (g->lat_ms == NULL || g->warm_ms == NULL || g->full_ms == NULL || g->conn_ms == NULL)
		return 1;
	for (i = 0; i < g->nclients; i++)
		if (lg_prepare(g, &g->c[i], i) != 0)
			return 1;
	if (g->acked_path != NULL && (g->acked = fopen(g->acked_path, "a")) == NULL)
		return 1;
	if (ready != NULL) {
		FILE *r = fopen(ready, "w");
		if (r != NULL)
			fclose(r);
	}
	i = lg_run(g);
	if (g->acked)
		fclose(g->acked);
	if (g->trace)
		fclose(g->trace);
	return i;
}
