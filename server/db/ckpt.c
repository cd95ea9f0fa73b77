/* ckpt.c: a background WAL checkpointer. SQLite's automatic checkpoint runs inside the
 * COMMIT of whichever connection crosses the threshold: here that is the single writer,
 * so every thousand pages one group of devices waited for the database file to be
 * written. A second connection on its own thread does the same PASSIVE checkpoint while
 * the writer goes on; passive means it never blocks the writer nor waits for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <uv.h>

#include "server/db/ckpt.h"

struct ckpt {
	struct store *s;
	sqlite3 *db;          /* the checkpointer's own connection */
	int pages;
	uv_thread_t thread;
	uv_mutex_t mu;
	uv_cond_t cv;
	int want, stop;       /* under MU */
	long runs, inline_runs;
};

/* Called by SQLite on the writer's thread after each commit, with the log's size. */
static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct ckpt *c = arg;

	if (pages >= c->pages * CKPT_BACKSTOP_FACTOR) {
		/* The thread is far behind (or stuck behind a reader): bound the log here. */
		int ok = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
		                                   NULL) == SQLITE_OK;
		uv_mutex_lock(&c->mu);
		c->inline_runs += ok;
		uv_mutex_unlock(&c->mu);
		return SQLITE_OK;
	}
	if (pages >= c->pages) {
		uv_mutex_lock(&c->mu);
		c->want = 1;
		uv_cond_signal(&c->cv);
		uv_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

static void ckpt_thread(void *arg)
{
	struct ckpt *c = arg;

	prctl(PR_SET_NAME, "ds-ckpt", 0, 0, 0);
	uv_mutex_lock(&c->mu);
	for (;;) {
		while (!c->want && !c->stop)
			uv_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->want = 0;
		uv_mutex_unlock(&c->mu);
		/* Busy means another checkpoint is running: the next commit asks again. */
		int ok = sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL,
		                                   NULL) == SQLITE_OK;
		uv_mutex_lock(&c->mu);
		c->runs += ok;
	}
	uv_mutex_unlock(&c->mu);
}

struct ckpt *ckpt_start(struct store *s, int pages)
{
	struct ckpt *c = calloc(1, sizeof *c);
	const char *path = sqlite3_db_filename(s->db, "main");
	int rc;

	if (c == NULL || path == NULL || path[0] == '\0') {
		snprintf(s->err, sizeof s->err, "checkpointer: %s",
		         c ? "no database file" : "out of memory");
		free(c);
		return NULL;
	}
	c->s = s;
	c->pages = pages > 0 ? pages : CKPT_PAGES_DEFAULT;
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(s->err, sizeof s->err, "checkpointer: cannot open %s: %s", path,
		         sqlite3_errstr(rc));
		sqlite3_close_v2(c->db);
		free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, STORE_BUSY_TIMEOUT_MS);
	uv_mutex_init(&c->mu);
	uv_cond_init(&c->cv);
	if (uv_thread_create(&c->thread, ckpt_thread, c) != 0) {
		snprintf(s->err, sizeof s->err, "checkpointer: cannot start its thread");
		uv_cond_destroy(&c->cv);
		uv_mutex_destroy(&c->mu);
		sqlite3_close_v2(c->db);
		free(c);
		return NULL;
	}
	sqlite3_wal_hook(s->db, ckpt_hook, c);
	return c;
}

void ckpt_stop(struct ckpt *c)
{
	if (c == NULL)
		return;
	/* Restoring the automatic checkpoint replaces the hook, so nothing calls C again. */
	sqlite3_wal_autocheckpoint(c->s->db, CKPT_PAGES_DEFAULT);
	uv_mutex_lock(&c->mu);
	c->stop = 1;
	uv_cond_signal(&c->cv);
	uv_mutex_unlock(&c->mu);
	uv_thread_join(&c->thread);
	uv_cond_destroy(&c->cv);
	uv_mutex_destroy(&c->mu);
	sqlite3_close_v2(c->db);
	free(c);
}

void ckpt_counts(struct ckpt *c, long *by_thread, long *inline_runs)
{
	*by_thread = *inline_runs = 0;
	if (c == NULL)
		return;
	uv_mutex_lock(&c->mu);
	*by_thread = c->runs;
	*inline_runs = c->inline_runs;
	uv_mutex_unlock(&c->mu);
}
