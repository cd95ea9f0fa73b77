/* api.c: requests are parsed and validated on the loop thread; anything that touches the
 * database becomes a job. One worker at a time takes every queued job and runs them in one
 * transaction, each inside its own savepoint (a refused batch rolls back alone), then one
 * durable commit acknowledges them all: group commit, so 64 clients cost one fsync per round
 * rather than 64, while each batch stays all-or-nothing. Replies go out only after COMMIT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isotime.h"
#include "server/api.h"
#include "server/appt.h"
#include "server/auth.h"
#include "server/db/ckpt.h"
#include "server/db/ingest.h"
#include "server/db/walsync.h"
#include "server/jdoc.h"
#include "server/net/wake.h"
#include "batch.h"
#include "wire.h"

#define API_AUTH_MAX 256        /* Authorization header kept for the job */
#define API_DECODE_NICE 5       /* decode threads yield to the writer and the loop */
/* The loop thread waits at most this long for a locked database in api_head(). */
#define API_HEAD_BUSY_MS 50

enum api_job_kind { JOB_SYNC, JOB_ENROLL };

struct api_job {
	struct api_job *next;
	struct net_exchange *x;
	enum api_job_kind kind;
	char auth[API_AUTH_MAX + 1];
	struct wire_batch batch;     /* JOB_SYNC */
	struct ingest_prep *prep;    /* JOB_SYNC: hashed and sealed before the writer runs */
	const char *text;            /* JOB_SYNC: the request body, borrowed until the reply */
	size_t text_len;
	struct api *api;             /* for the decode step's callbacks */
	struct pool_work decode;     /* JOB_SYNC: JSON decode, hashing and sealing */
	yajl_val req;                /* JOB_ENROLL: the request object */
	int status;                  /* the reply, filled by the worker */
	char *body;                  /* malloc'd JSON */
};

struct api {
	struct store *s;
	struct ingest *in;
	struct pool *pool;           /* the decode step's workers */
	enum log_level log_max;
	/* The writer thread and the loop share the two lists below under MU: the loop appends
	 * to QUEUE, the writer moves a group from it to DONE after committing, then wakes the
	 * loop through DONE_WAKE to send the replies. The writer has its own thread, not a
	 * slot in the pool: there it waited behind every queued decode job. */
	uv_mutex_t mu;
	uv_cond_t cv;
	uv_thread_t thread;
	int thread_started, stop;
	struct api_job *queue, **queue_tail;  /* waiting for the writer */
	struct api_job *done, **done_tail;    /* committed, waiting for their replies */
	struct wake *done_wake;
	unsigned inflight;                   /* jobs handed to the writer; loop thread only */
	struct ckpt *ckpt;                   /* checkpoints the log off the writer's thread */
	struct walsync *walsync;             /* flushes the log before a group is answered */
	int flush_failed_logged;             /* flusher's thread only */
	/* A read-only connection to the same database for api_head() on the loop thread, so a
	 * credential is checked before a body is read; DB is NULL for an in-memory store, and
	 * heads are then only checked for a credential's presence. */
	struct store head;
};

static char *api_error_body(const char *code, const char *msg)
{
	yajl_gen g = jdoc_gen(0);
	char *s = NULL;

	if (g != NULL && yajl_gen_map_open(g) == yajl_gen_status_ok &&
	    !jdoc_kstr(g, "error", code) && !jdoc_kstr(g, "message", msg) &&
	    yajl_gen_map_close(g) == yajl_gen_status_ok)
		s = jdoc_text(g, NULL);
	if (g != NULL)
		yajl_gen_free(g);
	return s;
}

static void api_reply_error(struct net_exchange *x, int status, const char *code, const char *msg)
{
	char *body = api_error_body(code, msg);

	net_reply(x, status, "application/json", body, body ? strlen(body) : 0);
	free(body);
}

static void api_job_error(struct api_job *j, int status, const char *code, const char *msg)
{
	free(j->body);
	j->status = status;
	j->body = api_error_body(code, msg);
}

static void api_job_free(struct api_job *j)
{
	ingest_prep_free(j->prep, j->batch.count);
	batch_free(&j->batch);
	yajl_tree_free(j->req);
	free(j->body);
	free(j);
}

/* Maps a database failure to a reply: busy and full are worth retrying. */
static void api_job_dberr(struct api *a, struct api_job *j, enum ds_err rc)
{
	log_msg(a->log_max, LOG_ERROR, "%s", a->s->err);
	if (rc == DS_EBUSY || rc == DS_EFULL)
		api_job_error(j, 503, "busy", "the server cannot write now; retry later");
	else
		api_job_error(j, 500, "internal",
		              "the server failed; nothing was written; retry later");
}

/* Ends the reply object in G (with "server_time" as its last member) and makes it J's body;
 * FAILED: G failed on the way. Frees G. */
static void api_job_set(struct api_job *j, int status, yajl_gen g, int failed)
{
	char t[ISOTIME_MAX_LEN + 1];

	free(j->body);
	j->body = NULL;
	j->status = status;
	if (g != NULL && !failed && isotime_format(isotime_now_ms(), 0, t, sizeof t) == DS_OK)
		failed = jdoc_kstr(g, "server_time", t);
	if (g != NULL && !failed && yajl_gen_map_close(g) == yajl_gen_status_ok)
		j->body = jdoc_text(g, NULL);
	if (g != NULL)
		yajl_gen_free(g);
	if (j->body == NULL)
		api_job_error(j, 500, "internal", "out of memory");
}

static const char *api_refusal_code(enum ingest_refusal r, int *status)
{
	switch (r) {
	case INGEST_CONFLICT: *status = 409; return "conflict";
	case INGEST_FORBIDDEN: *status = 403; return "forbidden";
	case INGEST_UNKNOWN_APPT: *status = 422; return "unknown_appointment";
	case INGEST_OK: break;
	}
	*status = 500;
	return "internal";
}

/* One sync job inside the open transaction, in its own savepoint. */
static enum ds_err api_sync_job(struct api *a, struct api_job *j, int64_t now_ms)
{
	struct store_device dev;
	struct ingest_result res;
	yajl_gen g = NULL;
	int64_t cursor = 0;
	enum ds_err rc;
	int status, failed;

	if ((rc = auth_check(a->s, j->auth, &dev)) == DS_ENOTFOUND) {
		api_job_error(j, 401, "unauthorized", "unknown or revoked device credential");
		return DS_OK;
	}
	if (rc != DS_OK || (rc = store_exec_cached(a->s, "SAVEPOINT job")) != DS_OK)
		return rc;
	if ((rc = ingest_batch(a->in, &dev, &j->batch, j->prep, now_ms, &res)) != DS_OK)
		return rc;
	if (res.refusal != INGEST_OK) {
		const char *code = api_refusal_code(res.refusal, &status);
		api_job_error(j, status, code, res.detail);
		return store_exec(a->s, "ROLLBACK TO job; RELEASE job");
	}
	if ((g = jdoc_gen(0)) == NULL)
		return DS_ENOMEM;
	failed = yajl_gen_map_open(g) != yajl_gen_status_ok || jdoc_kint(g, "v", WIRE_VERSION) ||
	         jdoc_kint(g, "acked", res.stored + res.duplicates) ||
	         jdoc_kint(g, "stored", res.stored) || jdoc_kint(g, "duplicates", res.duplicates) ||
	         jdoc_kint(g, "last_seq", res.last_seq);
	if (!failed &&
	    (rc = appt_changes(a->s, dev.courier, j->batch.cursor, g, &cursor)) != DS_OK) {
		yajl_gen_free(g);
		return rc;
	}
	api_job_set(j, 200, g, failed);
	return store_exec_cached(a->s, "RELEASE job");
}

static void api_enroll_job(struct api *a, struct api_job *j, int64_t now_ms)
{
	struct store_device dev;
	char secret[AUTH_SECRET_MAX + 1];
	enum auth_refusal why;
	enum ds_err rc;
	yajl_gen g;
	int failed;

	rc = auth_redeem(a->s, YAJL_GET_STRING(jdoc_get(j->req, "code")),
	                 YAJL_GET_STRING(jdoc_get(j->req, "device_name")),
	                 YAJL_GET_STRING(jdoc_get(j->req, "pubkey")), now_ms, &dev, secret, &why);
	if (rc != DS_OK) {
		api_job_dberr(a, j, rc);
		return;
	}
	if (why == AUTH_UNKNOWN_CODE) {
		api_job_error(j, 401, "unauthorized", "unknown enrolment code");
		return;
	}
	if (why != AUTH_OK) {
		api_job_error(j, 410, why == AUTH_CODE_USED ? "code_used" : "code_expired",
		              why == AUTH_CODE_USED ? "this enrolment code was already used" :
		              "this enrolment code has expired; ask for a new one");
		return;
	}
	g = jdoc_gen(0);
	failed = g == NULL || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	         jdoc_kstr(g, "device", dev.id) || jdoc_kstr(g, "credential", secret) ||
	         jdoc_kstr(g, "courier", dev.courier) || jdoc_kstr(g, "office", dev.office);
	api_job_set(j, 200, g, failed);
	log_msg(a->log_max, LOG_INFO, "device %s enrolled for courier %s", dev.id, dev.courier);
}

/* Runs the sync jobs of the list in one transaction. On a failed commit every job gets an
 * error: nothing was acknowledged, so the devices send again. */
static void api_sync_group(struct api *a, struct api_job *group, int64_t now_ms)
{
	struct api_job *j;
	enum ds_err rc;

	if ((rc = store_begin(a->s)) != DS_OK)
		goto fail;
	for (j = group; j != NULL; j = j->next)
		if (j->kind == JOB_SYNC && (rc = api_sync_job(a, j, now_ms)) != DS_OK)
			goto fail;
	if ((rc = store_commit(a->s)) != DS_OK)
		goto fail;
	return;
fail:
	store_rollback(a->s);
	for (j = group; j != NULL; j = j->next)
		if (j->kind == JOB_SYNC)
			api_job_dberr(a, j, rc);
}

/* Runs one group: enrolments, then every sync job in one transaction. */
static void api_run_group(struct api *a, struct api_job *group)
{
	struct api_job *j;
	int64_t now_ms = isotime_now_ms();

	for (j = group; j != NULL; j = j->next)
		if (j->kind == JOB_ENROLL)
			api_enroll_job(a, j, now_ms);
	api_sync_group(a, group, now_ms);
}

/* Takes up to API_JOBS_PER_TXN queued jobs; waits while there are none. NULL on stop.
 * Called with MU held. */
static struct api_job *api_take(struct api *a)
{
	struct api_job **tail = &a->queue, *group;
	int n = 0;

	while (a->queue == NULL && !a->stop)
		uv_cond_wait(&a->cv, &a->mu);
	if (a->queue == NULL)
		return NULL;
	while (*tail != NULL && n < API_JOBS_PER_TXN) {
		tail = &(*tail)->next;
		n++;
	}
	group = a->queue;
	a->queue = *tail;
	*tail = NULL;
	if (a->queue == NULL)
		a->queue_tail = &a->queue;
	return group;
}

/* The writer thread: commit a group, pass it to the log flusher, repeat until stopped. */
static void api_writer(void *arg)
{
	struct api *a = arg;
	struct api_job *group;

	prctl(PR_SET_NAME, "ds-writer", 0, 0, 0); /* so top and perf can tell it apart */
	uv_mutex_lock(&a->mu);
	while ((group = api_take(a)) != NULL) {
		uv_mutex_unlock(&a->mu);
		api_run_group(a, group);
		walsync_submit(a->walsync, group);
		uv_mutex_lock(&a->mu);
	}
	uv_mutex_unlock(&a->mu);
}

/* On the flusher's thread: GROUP's commit is on disk, so its replies may go. After a
 * failed flush nothing is acknowledged again (walsync.h says why): every reply is 503
 * until an operator restarts the server, which then recovers what the disk really holds. */
static void api_synced(void *ctx, void *item, int ok)
{
	struct api *a = ctx;
	struct api_job *group = item, *last = group;

	for (;;) {
		if (!ok)
			api_job_error(last, 503, "unavailable",
			              "the server could not write its "
			              "log to disk and must be restarted");
		if (last->next == NULL)
			break;
		last = last->next;
	}
	if (!ok && !a->flush_failed_logged) {
		a->flush_failed_logged = 1;
		log_msg(a->log_max, LOG_ERROR, "fdatasync of the write-ahead log failed: every sync"
		        " is refused from now on; restart the server");
	}
	uv_mutex_lock(&a->mu);
	*a->done_tail = group;
	a->done_tail = &last->next;
	wake_send(a->done_wake);
	uv_mutex_unlock(&a->mu);
}

/* On the loop thread: send the replies of every committed job. While jobs are in flight
 * the wake is held, so a draining server waits for them. */
static void api_done_cb(void *ctx)
{
	struct api *a = ctx;
	struct api_job *j, *next;

	uv_mutex_lock(&a->mu);
	j = a->done;
	a->done = NULL;
	a->done_tail = &a->done;
	uv_mutex_unlock(&a->mu);
	for (; j != NULL; j = next) {
		next = j->next;
		net_reply(j->x, j->status, "application/json", j->body,
		          j->body ? strlen(j->body) : 0);
		api_job_free(j);
		if (--a->inflight == 0)
			wake_hold(a->done_wake, 0);
	}
}

static void api_enqueue(struct api *a, struct api_job *j)
{
	j->next = NULL;
	j->status = 500;
	if (a->inflight++ == 0)
		wake_hold(a->done_wake, 1);
	uv_mutex_lock(&a->mu);
	*a->queue_tail = j;
	a->queue_tail = &j->next;
	uv_cond_signal(&a->cv);
	uv_mutex_unlock(&a->mu);
}

/* On a pool thread: decode, validate, hash and seal, so the loop thread keeps serving TLS
 * and the writer only does SQL. Two cores are used even with one writer. */
static void api_decode_work(struct pool_work *w)
{
	static _Thread_local int niced;
	struct api_job *j = w->data;
	char err[WIRE_ERR_MAX];
	const char *code;
	enum ds_err rc;
	int malformed = 0, status;

	if (!niced) {
		niced = 1;
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), API_DECODE_NICE);
	}
	rc = batch_decode(j->text, j->text_len, &j->batch, err);
	if (rc != DS_OK)
		malformed = strncmp(err, "malformed JSON", 14) == 0;
	else if ((rc = ingest_prepare(j->api->s->seal, j->api->s->key, &j->batch,
	                              &j->prep)) != DS_OK)
		snprintf(err, sizeof err, "%s",
		         rc == DS_ETOOBIG ? "an event is larger than the server"
		         " stores" : "the batch could not be sealed");
	if (rc != DS_OK) {
		status = api_batch_status(rc, malformed, &code);
		api_job_error(j, status, code, err);
	}
}

int api_batch_status(enum ds_err rc, int malformed, const char **code)
{
	if (rc == DS_ETOOBIG) {
		*code = "too_large";
		return 413;
	}
	if (malformed || rc == DS_EINVAL) {
		*code = malformed ? "malformed_json" : "invalid";
		return 400;
	}
	*code = "internal";
	return 500;
}

static void api_decode_done(struct pool_work *w, int status)
{
	struct api_job *j = w->data;

	if (status != 0 && j->body == NULL)
		api_job_error(j, 500, "internal", "the request could not be processed");
	if (j->body != NULL) {
		net_reply(j->x, j->status, "application/json", j->body, strlen(j->body));
		api_job_free(j);
		return;
	}
	api_enqueue(j->api, j);
}

static void api_sync(struct api *a, struct net_exchange *x, const struct net_request *req)
{
	struct api_job *j = calloc(1, sizeof *j);

	if (j == NULL) {
		api_reply_error(x, 500, "internal", "out of memory");
		return;
	}
	j->x = x;
	j->kind = JOB_SYNC;
	j->api = a;
	if (req->authorization == NULL || strlen(req->authorization) > API_AUTH_MAX) {
		api_job_free(j);
		api_reply_error(x, 401, "unauthorized",
		                "an Authorization: Bearer credential is required");
		return;
	}
	snprintf(j->auth, sizeof j->auth, "%s", req->authorization);
	j->text = (const char *)req->body;
	j->text_len = req->body_len;
	j->decode.data = j;
	if (pool_submit(a->pool, &j->decode, api_decode_work, api_decode_done) != 0) {
		api_job_free(j);
		api_reply_error(x, 503, "busy", "the server cannot take the request now");
	}
}

static void api_enroll(struct api *a, struct net_exchange *x, const struct net_request *req)
{
	static const char *const allowed[] = {"code", "device_name", "pubkey"};
	char err[JDOC_ERR_MAX];
	yajl_val o = jdoc_parse((const char *)req->body, req->body_len, err), v;
	struct api_job *j = NULL;
	size_t i, k;

	if (o == NULL || !YAJL_IS_OBJECT(o)) {
		api_reply_error(x, 400, "malformed_json", "the body must be a JSON object");
		goto fail;
	}
	for (k = 0; k < o->u.object.len; k++) {
		v = o->u.object.values[k];
		for (i = 0; i < 3 && strcmp(o->u.object.keys[k], allowed[i]) != 0; i++)
			;
		if (i == 3 || !YAJL_IS_STRING(v) || strlen(v->u.string) > 512) {
			api_reply_error(x, 400, "invalid",
			                "members: code, device_name, pubkey (strings)");
			goto fail;
		}
	}
	if (jdoc_get(o, "code") == NULL) {
		api_reply_error(x, 400, "invalid", "code: missing");
		goto fail;
	}
	j = calloc(1, sizeof *j);
	if (j == NULL) {
		api_reply_error(x, 500, "internal", "out of memory");
		goto fail;
	}
	j->x = x;
	j->kind = JOB_ENROLL;
	j->req = o;
	api_enqueue(a, j);
	return;
fail:
	yajl_tree_free(o);
}

int api_head(void *ctx, const struct net_request *req)
{
	struct api *a = ctx;
	struct store_device dev;

	if (strcmp(req->path, "/v1/sync") != 0 || strcmp(req->method, "POST") != 0)
		return 0;
	if (req->authorization == NULL || strlen(req->authorization) > API_AUTH_MAX)
		return 401;
	/* A database error lets the request through: the writer checks the credential again. */
	if (a->head.db != NULL && auth_check(&a->head, req->authorization, &dev) == DS_ENOTFOUND)
		return 401;
	return 0;
}

/* Open the read-only connection api_head() uses; without it heads get the presence check. */
static void api_head_open(struct api *a)
{
	const char *path = sqlite3_db_filename(a->s->db, "main");

	if (path == NULL || path[0] == '\0')
		return;
	if (sqlite3_open_v2(path, &a->head.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(a->head.db);
		a->head.db = NULL;
		return;
	}
	sqlite3_busy_timeout(a->head.db, API_HEAD_BUSY_MS);
	/* Credentials are checked by their hash: the head connection borrows the store's
	 * sealing and hashing algorithms, which any thread may use (seal.h). */
	a->head.seal = a->s->seal;
}

void api_handle(void *ctx, struct net_exchange *x, const struct net_request *req)
{
	struct api *a = ctx;
	int post = strcmp(req->method, "POST") == 0;

	if (strcmp(req->path, "/v1/sync") == 0 || strcmp(req->path, "/v1/enroll") == 0) {
		if (!post) {
			api_reply_error(x, 405, "method_not_allowed", "use POST");
			return;
		}
		if (req->path[4] == 's')
			api_sync(a, x, req);
		else
			api_enroll(a, x, req);
		return;
	}
	if (strcmp(req->path, "/v1/health") == 0) {
		static const char ok[] = "{\"status\":\"ok\",\"protocol\":1}";
		net_reply(x, 200, "application/json", ok, sizeof ok - 1);
		return;
	}
	api_reply_error(x, 404, "not_found", "no such endpoint");
}

static void api_free_list(struct api_job *j)
{
	struct api_job *next;

	for (; j != NULL; j = next) {
		next = j->next;
		api_job_free(j);
	}
}

struct api *api_new(struct store *s, uv_loop_t *loop, struct pool *pool, enum log_level log_max)
{
	struct api *a = calloc(1, sizeof *a);

	if (a == NULL)
		return NULL;
	a->s = s;
	a->pool = pool;
	a->log_max = log_max;
	a->queue_tail = &a->queue;
	a->done_tail = &a->done;
	uv_mutex_init(&a->mu);
	uv_cond_init(&a->cv);
	a->in = ingest_new(s);
	api_head_open(a);
	a->done_wake = wake_new(loop, api_done_cb, a);
	if (a->in == NULL || a->done_wake == NULL)
		goto fail;
	if ((a->ckpt = ckpt_start(s, CKPT_PAGES_DEFAULT)) == NULL ||
	    (a->walsync = walsync_start(s, NULL, api_synced, a)) == NULL ||
	    uv_thread_create(&a->thread, api_writer, a) != 0)
		goto fail;
	a->thread_started = 1;
	return a;
fail:
	api_free(a);
	return NULL;
}

void api_free(struct api *a)
{
	if (a == NULL)
		return;
	if (a->thread_started) {
		uv_mutex_lock(&a->mu);
		a->stop = 1;
		uv_cond_signal(&a->cv);
		uv_mutex_unlock(&a->mu);
		uv_thread_join(&a->thread);
	}
	walsync_stop(a->walsync);
	ckpt_stop(a->ckpt);
	api_free_list(a->queue);
	api_free_list(a->done);
	/* The wake outlives A: the loop finishes closing it on its next run. */
	wake_free(a->done_wake);
	ingest_free(a->in);
	a->head.seal = NULL; /* borrowed from the main store */
	store_close(&a->head);
	uv_cond_destroy(&a->cv);
	uv_mutex_destroy(&a->mu);
	free(a);
}
