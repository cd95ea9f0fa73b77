/* sync.c: the sync algorithm and its HTTP transport. A batch is the oldest events of the
 * outbox in seq order; its request body is built from the canonical JSON stored when each
 * act was recorded, so a batch re-sent after a crash is byte-identical and the server
 * answers "duplicate". Nothing is deleted locally until the server has acknowledged the
 * whole batch, and the deletion, the new cursor and the appointment changes are committed
 * together: a kill at any point either repeats a batch (harmless) or loses nothing.
 *
 * libcurl is loaded with dlopen() by sync_global_init(), not linked. With its TLS stack it
 * is about 10 MB of resident pages, and it is needed only by enroll and sync: an act at
 * the door, `status` and the daemon (which runs each sync in a child process, worker.c)
 * never map it, which is what keeps the daemon under its memory budget. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <zlib.h>

#include "isotime.h"
#include "wire.h"
#include "agent/now.h"
#include "agent/sync.h"

#define SYNC_URL_MAX (SETTINGS_STR_MAX + 32)
#define SYNC_HDR_MAX (CRED_TOKEN_MAX + 32)
#define SYNC_ENVELOPE_MAX 64     /* {"v":1,"cursor":N,"events":[ ... ]} around the events */

/* The libcurl functions this file uses, found by dlsym(). */
struct sync_curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode cc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* The loaded library. A file-level variable, against the house rule, because what it
 * stands for is process-wide already: curl_global_init() has to run once per process, and
 * the library is mapped once per process. Set only by sync_global_init(), cleared only by
 * sync_global_cleanup(), both called by main() around the command. */
static struct sync_curl_api sync_curl;
static void *sync_curl_lib;

struct sync_client {
	CURL *curl;
	char base[SETTINGS_STR_MAX + 1];
	char pin[SETTINGS_STR_MAX + 1];
	char auth[SYNC_HDR_MAX];
	long connect_timeout_ms, total_timeout_ms;
	size_t batch_max;
	volatile sig_atomic_t *stop;  /* abort requests when set; may be NULL */
};

/* A growing byte buffer with a hard cap. */
struct sync_buf {
	char *data;
	size_t len, cap, max;
};

#define SYNC_SYM(lib, field, name) \
	((sync_curl.field = (__typeof__(sync_curl.field))dlsym((lib), (name))) != NULL)

static int sync_curl_syms(void *lib)
{
	return SYNC_SYM(lib, global_init, "curl_global_init") &&
	       SYNC_SYM(lib, global_cleanup, "curl_global_cleanup") &&
	       SYNC_SYM(lib, easy_init, "curl_easy_init") &&
	       SYNC_SYM(lib, easy_cleanup, "curl_easy_cleanup") &&
	       SYNC_SYM(lib, easy_setopt, "curl_easy_setopt") &&
	       SYNC_SYM(lib, easy_perform, "curl_easy_perform") &&
	       SYNC_SYM(lib, easy_getinfo, "curl_easy_getinfo") &&
	       SYNC_SYM(lib, easy_strerror, "curl_easy_strerror") &&
	       SYNC_SYM(lib, slist_append, "curl_slist_append") &&
	       SYNC_SYM(lib, slist_free_all, "curl_slist_free_all");
}

enum ds_err sync_global_init(void)
{
	void *lib;

	if (sync_curl_lib != NULL)
		return DS_OK;
	if ((lib = dlopen(SYNC_CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return DS_ENOTFOUND;
	if (!sync_curl_syms(lib) || sync_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		memset(&sync_curl, 0, sizeof sync_curl);
		dlclose(lib);
		return DS_EIO;
	}
	sync_curl_lib = lib;
	return DS_OK;
}

void sync_global_cleanup(void)
{
	if (sync_curl_lib == NULL)
		return;
	sync_curl.global_cleanup();
	/* No dlclose(): OpenSSL registers exit handlers and cannot be unloaded safely, and
	 * the process is about to end anyway. */
	memset(&sync_curl, 0, sizeof sync_curl);
	sync_curl_lib = NULL;
}

enum ds_err sync_client_new(const struct settings *c, const char *token, struct sync_client **out)
{
	struct sync_client *cl = calloc(1, sizeof *cl);

	*out = NULL;
	if (cl == NULL || sync_curl_lib == NULL ||
	    (cl->curl = sync_curl.easy_init()) == NULL) {
		free(cl);
		return DS_ENOMEM;
	}
	snprintf(cl->base, sizeof cl->base, "%s", c->server_url);
	snprintf(cl->pin, sizeof cl->pin, "%s", c->pin);
	if (token != NULL)
		snprintf(cl->auth, sizeof cl->auth, "Authorization: Bearer %s", token);
	cl->connect_timeout_ms = c->connect_timeout_ms;
	cl->total_timeout_ms = c->total_timeout_ms;
	cl->batch_max = (size_t)c->batch_max;
	*out = cl;
	return DS_OK;
}

void sync_client_abort_on(struct sync_client *cl, volatile sig_atomic_t *stop)
{
	cl->stop = stop;
}

static int sync_on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const struct sync_client *cl = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return cl->stop != NULL && *cl->stop ? 1 : 0;
}

void sync_client_free(struct sync_client *cl)
{
	if (cl == NULL)
		return;
	if (cl->curl != NULL)
		sync_curl.easy_cleanup(cl->curl);
	explicit_bzero(cl->auth, sizeof cl->auth);
	free(cl);
}

static size_t sync_on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sync_buf *b = arg;
	size_t len = size * n, cap;
	char *grown;

	if (b->len + len + 1 > b->max)
		return 0; /* over the cap: curl reports a write error */
	if (b->len + len + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1)
			cap *= 2;
		if ((grown = realloc(b->data, cap)) == NULL)
			return 0;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Gzip IN[0..LEN) into OUT: *GZ (*GZ_LEN bytes). Caller frees *GZ with free(). */
static enum ds_err sync_gzip(const char *in, size_t len, unsigned char **gz, size_t *gz_len)
{
	z_stream z;
	unsigned char *out = NULL;
	uLong bound;

	memset(&z, 0, sizeof z);
	*gz = NULL;
	/* windowBits 15 + 16 asks zlib for the gzip wrapper; level 9 because the radio costs
	 * more than the CPU on a handheld and a batch is small. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return DS_ENOMEM;
	bound = deflateBound(&z, (uLong)len) + 32;
	if ((out = malloc(bound)) == NULL)
		goto fail;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto fail;
	*gz_len = bound - z.avail_out;
	*gz = out;
	deflateEnd(&z);
	return DS_OK;
fail:
	free(out);
	deflateEnd(&z);
	return DS_ENOMEM;
}

static void sync_curl_opts(struct sync_client *cl, const char *url, struct sync_buf *reply)
{
	CURL *c = cl->curl;

	sync_curl.easy_setopt(c, CURLOPT_URL, url);
	sync_curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	sync_curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cl->connect_timeout_ms);
	sync_curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, cl->total_timeout_ms);
	sync_curl.easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	sync_curl.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
	sync_curl.easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* The server's certificate is self-signed, so there is no CA chain to verify and no
	 * name to check: peer verification is off ON PURPOSE and the public-key pin below is
	 * the whole trust. curl checks the pin during the handshake, before any byte of the
	 * request (the enrolment code, the credential) is sent; a mismatch fails with
	 * CURLE_SSL_PINNEDPUBKEYNOTMATCH. Never run without a pin. */
	sync_curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	sync_curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	sync_curl.easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, cl->pin);
	sync_curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, sync_on_data);
	sync_curl.easy_setopt(c, CURLOPT_WRITEDATA, reply);
	sync_curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	sync_curl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	sync_curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, sync_on_progress);
	sync_curl.easy_setopt(c, CURLOPT_XFERINFODATA, cl);
}

static enum sync_status sync_curl_fail(CURLcode cc, char *msg)
{
	if (cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH) {
		snprintf(msg, SYNC_MSG_MAX, "the server's key does not match the pinned key: "
		         "refusing to talk to it");
		return SYNC_PIN;
	}
	snprintf(msg, SYNC_MSG_MAX, "server unreachable (%s)", sync_curl.easy_strerror(cc));
	return SYNC_UNREACHABLE;
}

/* POST BODY (LEN bytes, gzip when GZIPPED) to PATH. OUT: REPLY, *HTTP; *CONNS grows by the
 * connections the request had to open (0 when it reused one). */
static enum sync_status sync_post(struct sync_client *cl, const char *path, const void *body,
                                  size_t len, int gzipped, struct sync_buf *reply, long *http,
                                  int64_t *conns, char *msg)
{
	long opened = 0;

	char url[SYNC_URL_MAX];
	struct curl_slist *h = NULL, *t;
	enum sync_status rc = SYNC_OK;
	CURLcode cc;

	*http = 0;
	if ((size_t)snprintf(url, sizeof url, "%s%s", cl->base, path) >= sizeof url || !cl->pin[0]) {
		snprintf(msg, SYNC_MSG_MAX, "no server or pin configured: enroll first");
		return SYNC_REFUSED;
	}
	h = sync_curl.slist_append(h, "Content-Type: application/json");
	if (h != NULL && gzipped && (t = sync_curl.slist_append(h, "Content-Encoding: gzip")) != NULL)
		h = t;
	if (h != NULL && cl->auth[0] && (t = sync_curl.slist_append(h, cl->auth)) != NULL)
		h = t;
	sync_curl_opts(cl, url, reply);
	sync_curl.easy_setopt(cl->curl, CURLOPT_HTTPHEADER, h);
	sync_curl.easy_setopt(cl->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	sync_curl.easy_setopt(cl->curl, CURLOPT_POSTFIELDS, body);
	cc = sync_curl.easy_perform(cl->curl);
	if (sync_curl.easy_getinfo(cl->curl, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK)
		*conns += opened;
	if (cc == CURLE_OK)
		sync_curl.easy_getinfo(cl->curl, CURLINFO_RESPONSE_CODE, http);
	else
		rc = sync_curl_fail(cc, msg);
	sync_curl.easy_setopt(cl->curl, CURLOPT_HTTPHEADER, NULL);
	sync_curl.slist_free_all(h);
	return rc;
}

/* The courier-facing meaning of an HTTP error status. */
static enum sync_status sync_http_fail(long http, const struct sync_buf *reply, char *msg)
{
	json_t *j = reply->data ? json_loads(reply->data, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(j, "message"));
	enum sync_status rc = SYNC_REFUSED;

	if (m == NULL)
		m = "";
	if (http == 401)
		snprintf(msg, SYNC_MSG_MAX, "this device was revoked or is not enrolled: ask the office");
	else if (http == 409)
		snprintf(msg, SYNC_MSG_MAX, "the server holds an event with the same identity but "
		         "different content (conflict: %.120s): ask the office", m);
	else if (http == 413)
		snprintf(msg, SYNC_MSG_MAX, "the server says the batch is too large");
	else if (http == 403)
		snprintf(msg, SYNC_MSG_MAX, "the server refused the batch: an appointment is not "
		         "this courier's (%.120s): ask the office", m);
	else if (http == 422)
		snprintf(msg, SYNC_MSG_MAX, "the server does not know an appointment (%.120s): "
		         "ask the office", m);
	else if (http == 400)
		snprintf(msg, SYNC_MSG_MAX, "the server refused the batch as invalid (%.150s)", m);
	else if (http == 410)
		snprintf(msg, SYNC_MSG_MAX, "the enrolment code expired or was already used: "
		         "ask the office for a new one");
	else if (http >= 500 || http == 408 || http == 429) {
		snprintf(msg, SYNC_MSG_MAX, "server unreachable (HTTP %ld, retry later)", http);
		rc = SYNC_UNREACHABLE;
	} else
		snprintf(msg, SYNC_MSG_MAX, "the server refused the request (HTTP %ld %.120s)", http, m);
	json_decref(j);
	return rc;
}

/* The string member K of O, or "" when absent. Borrowed from O. */
static const char *sync_str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "";
}

enum sync_status sync_enroll(struct sync_client *cl, const char *code, const char *device_name,
                             struct cred *c, int64_t *server_ms, char *msg)
{
	struct sync_buf reply = {NULL, 0, 0, SYNC_REPLY_MAX};
	json_t *req = json_pack("{s:s}", "code", code), *rep = NULL;
	char *body = NULL;
	enum sync_status rc = SYNC_REFUSED;
	int64_t conns = 0;
	long http = 0;

	memset(c, 0, sizeof *c);
	*server_ms = 0;
	snprintf(msg, SYNC_MSG_MAX, "out of memory");
	if (req == NULL || (device_name != NULL && device_name[0] &&
	                    json_object_set_new(req, "device_name", json_string(device_name)) != 0) ||
	    (body = json_dumps(req, JSON_COMPACT)) == NULL)
		goto out;
	rc = sync_post(cl, "/v1/enroll", body, strlen(body), 0, &reply, &http, &conns, msg);
	if (rc != SYNC_OK)
		goto out;
	if (http != 200) {
		rc = sync_http_fail(http, &reply, msg);
		goto out;
	}
	rc = SYNC_REFUSED;
	rep = reply.data ? json_loads(reply.data, 0, NULL) : NULL;
	snprintf(msg, SYNC_MSG_MAX, "the server's enrolment reply is not understood");
	if (!json_is_string(json_object_get(rep, "device")) ||
	    !json_is_string(json_object_get(rep, "credential")) ||
	    strlen(json_string_value(json_object_get(rep, "device"))) > MODEL_ID_MAX ||
	    strlen(json_string_value(json_object_get(rep, "credential"))) > CRED_SECRET_MAX)
		goto out;
	snprintf(c->device, sizeof c->device, "%s", json_string_value(json_object_get(rep, "device")));
	snprintf(c->secret, sizeof c->secret, "%s",
	         json_string_value(json_object_get(rep, "credential")));
	snprintf(c->courier, sizeof c->courier, "%.64s", sync_str(rep, "courier"));
	snprintf(c->office, sizeof c->office, "%.64s", sync_str(rep, "office"));
	if (isotime_parse(sync_str(rep, "server_time"), server_ms, NULL) != DS_OK)
		*server_ms = 0;
	msg[0] = '\0';
	rc = SYNC_OK;
out:
	json_decref(req);
	json_decref(rep);
	free(body);
	if (reply.data != NULL)
		explicit_bzero(reply.data, reply.len);
	free(reply.data);
	return rc;
}

/* The request body for ROWS: the envelope around the stored canonical events, joined
 * verbatim (re-encoding them could change a byte and turn a duplicate into a conflict).
 * Caller frees with free(). */
static char *sync_body(int64_t cursor, const struct ledger_out *rows, size_t n, size_t *len)
{
	size_t total = SYNC_ENVELOPE_MAX, i, at;
	char *b;
	int w;

	for (i = 0; i < n; i++)
		total += strlen(rows[i].body) + 1;
	if ((b = malloc(total)) == NULL)
		return NULL;
	w = snprintf(b, total, "{\"v\":%d,\"cursor\":%lld,\"events\":[", WIRE_VERSION,
	             (long long)cursor);
	at = (size_t)w;
	for (i = 0; i < n; i++) {
		size_t l = strlen(rows[i].body);

		if (i > 0)
			b[at++] = ',';
		memcpy(b + at, rows[i].body, l);
		at += l;
	}
	memcpy(b + at, "]}", 3);
	*len = at + 2;
	return b;
}

/* Decode the appointments of a reply. OUT: *A (*NA); caller frees *A with free(). */
static enum sync_status sync_appts(const json_t *arr, struct model_appointment **a, size_t *na,
                                   char *msg)
{
	char err[WIRE_ERR_MAX];
	size_t i, n = json_array_size(arr);

	*a = NULL;
	*na = 0;
	if (n == 0)
		return SYNC_OK;
	if ((*a = calloc(n, sizeof **a)) == NULL) {
		snprintf(msg, SYNC_MSG_MAX, "out of memory");
		return SYNC_LOCAL;
	}
	for (i = 0; i < n; i++) {
		if (wire_appointment_decode(json_array_get(arr, i), &(*a)[i], err) != DS_OK) {
			snprintf(msg, SYNC_MSG_MAX, "the server sent an appointment the agent does "
			         "not understand (%.150s)", err);
			free(*a);
			*a = NULL;
			return SYNC_REFUSED;
		}
	}
	*na = n;
	return SYNC_OK;
}

/* Check a 200 reply to a batch of N events and apply it to the store. */
static enum sync_status sync_apply(struct ledger *st, const struct sync_buf *reply,
                                   const struct ledger_out *rows, size_t n,
                                   struct sync_report *r)
{
	json_t *j = reply->data ? json_loads(reply->data, 0, NULL) : NULL;
	struct model_appointment *a = NULL;
	enum sync_status rc = SYNC_REFUSED;
	json_int_t acked, cursor;
	size_t na = 0;
	enum ds_err e;

	acked = json_integer_value(json_object_get(j, "acked"));
	cursor = json_integer_value(json_object_get(j, "cursor"));
	if (!json_is_integer(json_object_get(j, "acked")) ||
	    !json_is_integer(json_object_get(j, "cursor")) || cursor < 0) {
		snprintf(r->message, SYNC_MSG_MAX, "the server's reply is not understood");
		goto out;
	}
	if (acked != (json_int_t)n) {
		snprintf(r->message, SYNC_MSG_MAX, "the server acknowledged %lld of %zu events",
		         (long long)acked, n);
		goto out;
	}
	if ((rc = sync_appts(json_object_get(j, "appointments"), &a, &na, r->message)) != SYNC_OK)
		goto out;
	e = ledger_sync_apply(st, n ? rows[0].seq : 1, n ? rows[n - 1].seq : 0, cursor, a, na,
	                     now_wall_ms());
	if (e != DS_OK) {
		snprintf(r->message, SYNC_MSG_MAX, "could not save the sync (%s: %.150s); the next "
		         "sync repeats it", ds_strerror(e), ledger_errmsg(st));
		rc = SYNC_LOCAL;
		goto out;
	}
	r->pushed += (int64_t)n;
	r->duplicates += json_integer_value(json_object_get(j, "duplicates"));
	r->pulled += (int64_t)na;
out:
	free(a);
	json_decref(j);
	return rc;
}

/* One request: the oldest batch (possibly empty, a pull). OUT: *N events sent. */
static enum sync_status sync_batch(struct sync_client *cl, struct ledger *st,
                                   struct sync_report *r, size_t *n)
{
	struct sync_buf reply = {NULL, 0, 0, SYNC_REPLY_MAX};
	struct ledger_out *rows = NULL;
	unsigned char *gz = NULL;
	size_t len = 0, gz_len = 0;
	int64_t cursor = 0;
	enum sync_status rc = SYNC_LOCAL;
	char *body = NULL;
	enum ds_err e;

	*n = 0;
	if ((e = ledger_meta_int(st, "cursor", &cursor)) != DS_OK ||
	    (e = ledger_outbox_peek(st, cl->batch_max, &rows, n)) != DS_OK) {
		snprintf(r->message, SYNC_MSG_MAX, "could not read the outbox (%s: %.150s)",
		         ds_strerror(e), ledger_errmsg(st));
		goto out;
	}
	snprintf(r->message, SYNC_MSG_MAX, "out of memory");
	if ((body = sync_body(cursor, rows, *n, &len)) == NULL ||
	    sync_gzip(body, len, &gz, &gz_len) != DS_OK)
		goto out;
	r->requests++;
	r->plain_bytes += (int64_t)len;
	r->body_bytes += (int64_t)gz_len;
	rc = sync_post(cl, "/v1/sync", gz, gz_len, 1, &reply, &r->http_status, &r->connections,
	               r->message);
	if (rc == SYNC_OK && r->http_status != 200)
		rc = sync_http_fail(r->http_status, &reply, r->message);
	if (rc == SYNC_OK)
		rc = sync_apply(st, &reply, rows, *n, r);
out:
	ledger_out_free(rows, *n);
	free(body);
	free(gz);
	free(reply.data);
	return rc;
}

/* Remember MSG as the last error for `status`. Best effort: when the store itself is what
 * fails, the caller still prints MSG. */
static void sync_note_error(struct ledger *st, const char *msg)
{
	if (ledger_meta_set_text(st, "last_error", msg) != DS_OK)
		return;
	if (ledger_meta_set_int(st, "last_error_ms", now_wall_ms()) != DS_OK)
		return;
}

enum sync_status sync_run(struct sync_client *cl, struct ledger *st, struct sync_report *r)
{
	enum sync_status rc = SYNC_OK;
	size_t n = 0;
	int i;

	memset(r, 0, sizeof *r);
	for (i = 0; i < SYNC_ROUNDS_MAX; i++) {
		rc = sync_batch(cl, st, r, &n);
		if (rc != SYNC_OK || n < cl->batch_max)
			break;
	}
	if (ledger_outbox_count(st, &r->waiting) != DS_OK)
		r->waiting = -1;
	if (rc == SYNC_OK)
		r->message[0] = '\0';
	else
		sync_note_error(st, r->message);
	return rc;
}
