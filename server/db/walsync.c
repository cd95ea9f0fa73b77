/* walsync.c: one fdatasync of the log covers every commit written before it, so the thread
 * takes all the items pending at once: under load one flush answers several groups. The
 * file is the log SQLite writes (DB-wal); while the writer's connection is open SQLite keeps
 * that file (it truncates it at most), so one descriptor serves the whole run. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "server/db/walsync.h"

struct walsync {
	struct store *s;
	int fd;                          /* the log, opened read-only: only flushed */
	walsync_flush_fn flush;
	int failed;                      /* a flush failed: nothing is acknowledged any more */
	walsync_done_fn done;
	void *ctx;
	uv_mutex_t mu;
	uv_cond_t cv;                    /* items were submitted, or stop */
	uv_cond_t room;                  /* the queue has room again */
	uv_thread_t thread;
	void *queue[WALSYNC_QUEUE_MAX];  /* a ring: HEAD is the oldest */
	size_t head, n;
	int stop;
	long flushes, items;
};

/* Hands back a batch of items taken from the queue after one flush. */
static void walsync_flush(struct walsync *w, void **items, size_t n)
{
	size_t i;

	/* Only this thread reads or sets FAILED. */
	if (!w->failed && w->flush(w->fd) != 0)
		w->failed = 1;
	for (i = 0; i < n; i++)
		w->done(w->ctx, items[i], !w->failed);
}

static int walsync_fdatasync(int fd)
{
	return fdatasync(fd);
}

static void walsync_thread(void *arg)
{
	struct walsync *w = arg;
	void *items[WALSYNC_QUEUE_MAX];
	size_t n;

	uv_mutex_lock(&w->mu);
	for (;;) {
		while (w->n == 0 && !w->stop)
			uv_cond_wait(&w->cv, &w->mu);
		if (w->n == 0)
			break;
		for (n = 0; w->n > 0; n++, w->n--) {
			items[n] = w->queue[w->head];
			w->head = (w->head + 1) % WALSYNC_QUEUE_MAX;
		}
		w->flushes++;
		w->items += (long)n;
		uv_cond_broadcast(&w->room);
		uv_mutex_unlock(&w->mu);
		walsync_flush(w, items, n);
		uv_mutex_lock(&w->mu);
	}
	uv_mutex_unlock(&w->mu);
}

struct walsync *walsync_start(struct store *s, walsync_flush_fn flush, walsync_done_fn done,
                              void *ctx)
{
	struct walsync *w = calloc(1, sizeof *w);
	const char *wal = sqlite3_filename_wal(sqlite3_db_filename(s->db, "main"));

	if (w == NULL) {
		snprintf(s->err, sizeof s->err, "log flusher: out of memory");
		return NULL;
	}
	w->s = s;
	w->flush = flush ? flush : walsync_fdatasync;
	w->done = done;
	w->ctx = ctx;
	w->fd = wal ? open(wal, O_RDONLY | O_CLOEXEC) : -1;
	if (w->fd < 0) {
		snprintf(s->err, sizeof s->err, "log flusher: cannot open %s: %s",
		         wal ? wal : "the log", strerror(errno));
		free(w);
		return NULL;
	}
	uv_mutex_init(&w->mu);
	uv_cond_init(&w->cv);
	uv_cond_init(&w->room);
	if (store_exec(s, "PRAGMA synchronous=NORMAL") != DS_OK ||
	    uv_thread_create(&w->thread, walsync_thread, w) != 0) {
		snprintf(s->err, sizeof s->err, "log flusher: cannot start its thread");
		sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
		uv_cond_destroy(&w->room);
		uv_cond_destroy(&w->cv);
		uv_mutex_destroy(&w->mu);
		close(w->fd);
		free(w);
		return NULL;
	}
	return w;
}

void walsync_submit(struct walsync *w, void *item)
{
	uv_mutex_lock(&w->mu);
	while (w->n == WALSYNC_QUEUE_MAX)
		uv_cond_wait(&w->room, &w->mu);
	w->queue[(w->head + w->n) % WALSYNC_QUEUE_MAX] = item;
	w->n++;
	uv_cond_signal(&w->cv);
	uv_mutex_unlock(&w->mu);
}

void walsync_stop(struct walsync *w)
{
	if (w == NULL)
		return;
	uv_mutex_lock(&w->mu);
	w->stop = 1;
	uv_cond_signal(&w->cv);
	uv_mutex_unlock(&w->mu);
	uv_thread_join(&w->thread);
	/* From here on the writer's own commits wait for the disk again. */
	sqlite3_exec(w->s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	uv_cond_destroy(&w->room);
	uv_cond_destroy(&w->cv);
	uv_mutex_destroy(&w->mu);
	close(w->fd);
	free(w);
}

void walsync_counts(struct walsync *w, long *flushes, long *items)
{
	*flushes = *items = 0;
	if (w == NULL)
		return;
	uv_mutex_lock(&w->mu);
	*flushes = w->flushes;
	*items = w->items;
	uv_mutex_unlock(&w->mu);
}
