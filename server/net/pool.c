/* pool.c: a queue of steps under one mutex, worker threads taking from its head, and a list
 * of finished steps the loop thread drains when woken. Cancelled steps go straight to the
 * finished list, so DONE always runs from the same place, never from inside pool_cancel(). */
#include <stdlib.h>

#include "server/net/pool.h"
#include "server/net/wake.h"

struct pool {
	uv_mutex_t mu;
	uv_cond_t cv;                          /* steps queued, or stop */
	struct pool_work *queue, **queue_tail; /* waiting for a worker */
	struct pool_work *done, **done_tail;   /* finished, waiting for the loop */
	int stop;
	struct wake *wake;
	unsigned out;                          /* submitted, DONE not yet run; loop thread only */
	uv_thread_t threads[POOL_THREADS_MAX];
	int n_threads;
};

/* Appends W to the finished list; the caller holds MU. */
static void pool_finish_locked(struct pool *p, struct pool_work *w)
{
	w->next = NULL;
	*p->done_tail = w;
	p->done_tail = &w->next;
}

static void pool_worker(void *arg)
{
	struct pool *p = arg;
	struct pool_work *w;

	uv_mutex_lock(&p->mu);
	for (;;) {
		while (p->queue == NULL && !p->stop)
			uv_cond_wait(&p->cv, &p->mu);
		if (p->queue == NULL)
			break;
		w = p->queue;
		p->queue = w->next;
		if (p->queue == NULL)
			p->queue_tail = &p->queue;
		uv_mutex_unlock(&p->mu);
		w->work(w);
		uv_mutex_lock(&p->mu);
		pool_finish_locked(p, w);
		uv_mutex_unlock(&p->mu);
		wake_send(p->wake); /* outside the lock: the loop takes it to drain */
		uv_mutex_lock(&p->mu);
	}
	uv_mutex_unlock(&p->mu);
}

/* On the loop thread: run DONE for every finished step. */
static void pool_drain(void *ctx)
{
	struct pool *p = ctx;
	struct pool_work *w, *next;

	uv_mutex_lock(&p->mu);
	w = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	uv_mutex_unlock(&p->mu);
	for (; w != NULL; w = next) {
		next = w->next;
		if (--p->out == 0)
			wake_hold(p->wake, 0);
		w->done(w, w->status); /* may submit again, or free W */
	}
}

struct pool *pool_new(uv_loop_t *loop, int threads)
{
	struct pool *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	uv_mutex_init(&p->mu);
	uv_cond_init(&p->cv);
	p->queue_tail = &p->queue;
	p->done_tail = &p->done;
	if (threads < 1 || threads > POOL_THREADS_MAX ||
	    (p->wake = wake_new(loop, pool_drain, p)) == NULL)
		goto fail;
	while (p->n_threads < threads) {
		if (uv_thread_create(&p->threads[p->n_threads], pool_worker, p) != 0)
			goto fail;
		p->n_threads++;
	}
	return p;
fail:
	pool_free(p);
	return NULL;
}

int pool_submit(struct pool *p, struct pool_work *w, pool_work_fn work, pool_done_fn done)
{
	if (p->stop)
		return -1;
	w->work = work;
	w->done = done;
	w->status = 0;
	w->next = NULL;
	if (p->out++ == 0)
		wake_hold(p->wake, 1);
	uv_mutex_lock(&p->mu);
	*p->queue_tail = w;
	p->queue_tail = &w->next;
	uv_cond_signal(&p->cv);
	uv_mutex_unlock(&p->mu);
	return 0;
}

int pool_cancel(struct pool *p, struct pool_work *w)
{
	struct pool_work **at;
	int rc = -1;

	uv_mutex_lock(&p->mu);
	for (at = &p->queue; *at != NULL; at = &(*at)->next) {
		if (*at != w)
			continue;
		*at = w->next;
		if (*at == NULL)
			p->queue_tail = at;
		w->status = UV_ECANCELED;
		pool_finish_locked(p, w);
		rc = 0;
		break;
	}
	uv_mutex_unlock(&p->mu);
	if (rc == 0)
		wake_send(p->wake);
	return rc;
}

void pool_free(struct pool *p)
{
	int i;

	if (p == NULL)
		return;
	uv_mutex_lock(&p->mu);
	p->stop = 1;
	uv_cond_broadcast(&p->cv);
	uv_mutex_unlock(&p->mu);
	for (i = 0; i < p->n_threads; i++)
		uv_thread_join(&p->threads[i]);
	wake_free(p->wake);
	uv_cond_destroy(&p->cv);
	uv_mutex_destroy(&p->mu);
	free(p);
}
