/* wake.h: a way for any thread to wake the loop thread and have a callback run there,
 * which never makes the loop spin. libuv 1.44 (Debian 12) has uv_async_send for this, but
 * the loop side of it spins, then calls sched_yield, for as long as a sender is between
 * its two atomic steps around write(2); a sender preempted there (the loop's own wake-up
 * preempts it on a busy machine) kept the loop thread spinning for over half of its time
 * under load (docs/PERFORMANCE.md). This one is an
 * eventfd watched by the loop, and a flag that lets only the first of several senders
 * write to it. libuv 1.45 changed uv_async_send to work the same way (libuv pull request
 * 3879, "unix: remove busy loop from uv_async_send"). */
#ifndef DS_WAKE_H
#define DS_WAKE_H

#include <uv.h>

struct wake; /* opaque */

/* Runs on the loop thread after one or more wake_send() calls: at least once after each,
 * possibly once for several, and now and then with nothing new to do. */
typedef void (*wake_fn)(void *ctx);

/* A wake-up for LOOP that runs FN(CTX). It does not keep the loop running until
 * wake_hold(1). NULL when out of memory or descriptors. Loop thread only. */
struct wake *wake_new(uv_loop_t *loop, wake_fn fn, void *ctx);

/* Any thread: FN will run on the loop thread. Never blocks and never spins. */
void wake_send(struct wake *w);

/* Loop thread: HOLD 1 keeps uv_run() going while work is out (as a pending libuv request
 * would), 0 lets it end. */
void wake_hold(struct wake *w, int hold);

/* Loop thread: closes W; its memory is freed by the loop's next run. NULL is accepted.
 * No thread may call wake_send() on W any more. */
void wake_free(struct wake *w);

#endif
