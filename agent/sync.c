/* sync.c: the sync algorithm. A batch is the oldest events of the outbox in seq order; its
 * request body is built from the canonical JSON stored when each act was recorded, so a
 * batch re-sent after a crash is byte-identical and the server answers "duplicate". Nothing
 * is deleted locally until the server has acknowledged the whole batch, and the deletion,
 * the new cursor and the appointment changes are committed together: a kill at any point
 * either repeats a batch (harmless) or loses nothing.
 *
 * The HTTPS itself is done by the helper program doorstep-agent-sync (agent/helper.h),
 * started at the client's first request and kept for the client's life, so the batches of
 * one sync share its connection. libcurl and its TLS stack (about 10 MB resident) live only
 * in that process: an act at the door, `status` and the daemon never map them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "isotime.h"
#include "wire.h"
#include "agent/helper.h"
#include "agent/now.h"
#include "agent/sequence.h"
#include "agent/sync.h"

#define SYNC_ENVELOPE_MAX 64     /* {"v":1,"cursor":N,"events":[ ... ]} around the events */

struct sync_client {
	struct helper *helper;        /* started by the first request; NULL before */
	int helper_failed;            /* it could not be started: do not try again */
	char base[SETTINGS_STR_MAX + 1];
	char pin[SETTINGS_STR_MAX + 1];
	char token[CRED_TOKEN_MAX + 1];
	long connect_timeout_ms, total_timeout_ms;
	size_t batch_max;
	volatile sig_atomic_t *stop;  /* abort requests when set; may be NULL */
};

/* A reply body as received: DATA is NUL-terminated, or NULL when empty. */
struct sync_buf {
	char *data;
	size_t len;
};

enum ds_err sync_client_new(const struct settings *c, const char *token, struct sync_client **out)
{
	struct sync_client *cl = calloc(1, sizeof *cl);

	*out = NULL;
	if (cl == NULL)
		return DS_ENOMEM;
	snprintf(cl->base, sizeof cl->base, "%s", c->server_url);
	snprintf(cl->pin, sizeof cl->pin, "%s", c->pin);
	if (token != NULL)
		snprintf(cl->token, sizeof cl->token, "%s", token);
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

void sync_client_free(struct sync_client *cl)
{
	if (cl == NULL)
		return;
	helper_stop(cl->helper);
	explicit_bzero(cl->token, sizeof cl->token);
	free(cl);
}

/* Start CL's helper unless it runs. SYNC_OK, or SYNC_HELPER with MSG saying why. */
static enum sync_status sync_helper(struct sync_client *cl, char *msg)
{
	struct helper_conf hc = {cl->base, cl->pin, cl->token[0] ? cl->token : NULL,
	                         cl->connect_timeout_ms, cl->total_timeout_ms, cl->stop};
	char path[HELPER_PATH_MAX], why[HELPER_MSG_MAX] = "the sync helper could not be started";

	if (cl->helper != NULL)
		return SYNC_OK;
	if (!cl->helper_failed && helper_find(path, why) == DS_OK &&
	    helper_start(path, &hc, &cl->helper, why) == DS_OK)
		return SYNC_OK;
	cl->helper_failed = 1;
	snprintf(msg, SYNC_MSG_MAX, "%s", why);
	return SYNC_HELPER;
}

/* POST BODY (LEN bytes of JSON; gzip on the way when GZIP) to PATH. OUT: REPLY (caller frees
 * its data), *HTTP; *CONNS grows by the connections the request opened and *SENT by the
 * body's bytes as sent. */
static enum sync_status sync_post(struct sync_client *cl, const char *path, const void *body,
                                  size_t len, int gzip, struct sync_buf *reply, long *http,
                                  int64_t *conns, int64_t *sent, char *msg)
{
	struct helper_reply r;
	enum helper_result res;
	enum sync_status rc;

	*http = 0;
	if (!cl->base[0] || !cl->pin[0]) {
		snprintf(msg, SYNC_MSG_MAX, "no server or pin configured: enroll first");
		return SYNC_REFUSED;
	}
	if ((rc = sync_helper(cl, msg)) != SYNC_OK)
		return rc;
	res = helper_post(cl->helper, path, body, len, gzip, &r);
	*conns += r.connections;
	*sent += r.sent_bytes;
	reply->data = r.body;
	reply->len = r.len;
	*http = r.http_status;
	if (res == HELPER_OK)
		return SYNC_OK;
	/* The helper cannot be trusted with another request after a failed one. */
	helper_stop(cl->helper);
	cl->helper = NULL;
	if (res == HELPER_PIN) {
		snprintf(msg, SYNC_MSG_MAX, "the server's key does not match the pinned key: "
		         "refusing to talk to it");
		return SYNC_PIN;
	}
	snprintf(msg, SYNC_MSG_MAX, "server unreachable (%s)", r.message);
	return SYNC_UNREACHABLE;
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
		snprintf(msg, SYNC_MSG_MAX,
		         "this device was revoked or is not enrolled: ask the office");
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
		snprintf(msg, SYNC_MSG_MAX, "the server refused the request (HTTP %ld %.120s)",
		         http, m);
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
	struct sync_buf reply = {NULL, 0};
	json_t *req = json_pack("{s:s}", "code", code), *rep = NULL;
	char *body = NULL;
	enum sync_status rc = SYNC_REFUSED;
	int64_t conns = 0, sent = 0;
	long http = 0;

	memset(c, 0, sizeof *c);
	*server_ms = 0;
	snprintf(msg, SYNC_MSG_MAX, "out of memory");
	if (req == NULL || (device_name != NULL && device_name[0] &&
	                    json_object_set_new(req, "device_name",
	                                        json_string(device_name)) != 0) ||
	    (body = json_dumps(req, JSON_COMPACT)) == NULL)
		goto out;
	rc = sync_post(cl, "/v1/enroll", body, strlen(body), 0, &reply, &http, &conns, &sent,
	               msg);
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
	snprintf(c->device, sizeof c->device, "%s",
	         json_string_value(json_object_get(rep, "device")));
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

/* Keep the local sequence above the server's last_seq (R->last_seq, from the reply just
 * applied), so the next act does not take a number the server already holds: after the
 * agent's database was lost, the first sync of the fresh one is enough. */
static enum sync_status sync_seq_follow(struct ledger *st, struct sync_report *r)
{
	enum ds_err e;

	if (r->last_seq <= 0 || (e = sequence_raise(st, r->last_seq)) == DS_OK)
		return SYNC_OK;
	snprintf(r->message, SYNC_MSG_MAX, "could not save the server's sequence (%s: %.150s)",
	         ds_strerror(e), ledger_errmsg(st));
	return SYNC_LOCAL;
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
	if (json_is_integer(json_object_get(j, "last_seq")))
		r->last_seq = json_integer_value(json_object_get(j, "last_seq"));
	rc = sync_seq_follow(st, r);
out:
	free(a);
	json_decref(j);
	return rc;
}

/* One request: the oldest batch of at most MAX events (none: a pull). OUT: *N events sent,
 * *FIRST the seq of the first of them (0 when none). */
static enum sync_status sync_batch(struct sync_client *cl, struct ledger *st, size_t max,
                                   struct sync_report *r, size_t *n, int64_t *first)
{
	struct sync_buf reply = {NULL, 0};
	struct ledger_out *rows = NULL;
	size_t len = 0;
	int64_t cursor = 0;
	enum sync_status rc = SYNC_LOCAL;
	char *body = NULL;
	enum ds_err e;

	*n = 0;
	*first = 0;
	if ((e = ledger_meta_int(st, "cursor", &cursor)) != DS_OK ||
	    (e = ledger_outbox_peek(st, max, &rows, n)) != DS_OK) {
		snprintf(r->message, SYNC_MSG_MAX, "could not read the outbox (%s: %.150s)",
		         ds_strerror(e), ledger_errmsg(st));
		goto out;
	}
	*first = *n > 0 ? rows[0].seq : 0;
	snprintf(r->message, SYNC_MSG_MAX, "out of memory");
	if ((body = sync_body(cursor, rows, *n, &len)) == NULL)
		goto out;
	r->requests++;
	r->plain_bytes += (int64_t)len;
	rc = sync_post(cl, "/v1/sync", body, len, 1, &reply, &r->http_status, &r->connections,
	               &r->body_bytes, r->message);
	if (rc == SYNC_OK && r->http_status != 200)
		rc = sync_http_fail(r->http_status, &reply, r->message);
	if (rc == SYNC_OK)
		rc = sync_apply(st, &reply, rows, *n, r);
out:
	ledger_out_free(rows, *n);
	free(body);
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

/* After a 409 for the batch starting at seq FIRST: learn the server's last_seq with a pull
 * (an empty batch). When FIRST is not above it, the outbox collides with events the server
 * already holds from this device (the agent's database was lost and its count started again
 * at 1), and it is renumbered after last_seq, unless another sync process (the daemon's and
 * the courier's may run at once) has renumbered or sent it meanwhile. Each event keeps its
 * uuid, so one the server holds already is refused (409 again, kept in the outbox), never
 * stored twice. Returns 1 when the outbox should be sent again; otherwise R keeps the 409's
 * message. */
static int sync_recover(struct sync_client *cl, struct ledger *st, int64_t first,
                        struct sync_report *r)
{
	char refused[SYNC_MSG_MAX];
	long http = r->http_status;
	int64_t moved = 0, none;
	size_t n = 0;

	memcpy(refused, r->message, sizeof refused);
	if (first > 0 && sync_batch(cl, st, 0, r, &n, &none) == SYNC_OK && first <= r->last_seq &&
	    sequence_renumber(st, r->last_seq, first, &moved) == DS_OK) {
		r->renumbered += moved;
		return 1;
	}
	memcpy(r->message, refused, sizeof refused);
	r->http_status = http;
	return 0;
}

enum sync_status sync_run(struct sync_client *cl, struct ledger *st, struct sync_report *r)
{
	enum sync_status rc = SYNC_OK;
	int recovered = 0;
	int64_t first = 0;
	size_t n = 0;
	int i;

	memset(r, 0, sizeof *r);
	for (i = 0; i < SYNC_ROUNDS_MAX; i++) {
		rc = sync_batch(cl, st, cl->batch_max, r, &n, &first);
		if (rc == SYNC_REFUSED && r->http_status == 409 && !recovered++ &&
		    sync_recover(cl, st, first, r))
			continue; /* the same events again, under their new numbers */
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
