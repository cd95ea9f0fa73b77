/* pool.h: the server's worker threads for CPU-bound steps (TLS handshakes, decoding sync
 * batches), each step handed back to the loop thread when done, as uv_queue_work does.
 * libuv's own pool hands work back through uv_async_send, which makes the loop thread spin
 * (wake.h says when); this one hands it back through a wake. */
#ifndef DS_POOL_H
#define DS_POOL_H

#include <uv.h>

#define POOL_THREADS_MAX 16

struct pool; /* opaque */
struct pool_work;

/* WORK runs on a worker thread; DONE then runs on the loop thread with STATUS 0, or
 * UV_ECANCELED when pool_cancel() took the step back before it started. */
typedef void (*pool_work_fn)(struct pool_work *w);
typedef void (*pool_done_fn)(struct pool_work *w, int status);

/* One step. The caller owns it and keeps it alive until DONE has run; DATA is its own. */
struct pool_work {
	void *data;
	pool_work_fn work;  /* set by pool_submit() */
	pool_done_fn done;
	int status;
	struct pool_work *next;
};

/* THREADS workers (1 to POOL_THREADS_MAX) for LOOP. NULL when out of memory or threads.
 * Loop thread only, like every function here. */
struct pool *pool_new(uv_loop_t *loop, int threads);

/* Queues W: WORK(W) on a worker, then DONE(W, status) on the loop thread. While a step is
 * out, uv_run() keeps going. 0, or -1 once the pool is stopping. */
int pool_submit(struct pool *p, struct pool_work *w, pool_work_fn work, pool_done_fn done);

/* Takes W back if no worker has started it: 0, and DONE(W, UV_ECANCELED) follows on the
 * loop's next turn. -1 when it is running or finished (DONE follows as usual). */
int pool_cancel(struct pool *p, struct pool_work *w);

/* Stops the workers and frees P. Call after uv_run() returned (so no step is out); the
 * loop's next run finishes closing P's handle. NULL is accepted. */
void pool_free(struct pool *p);

#endif
