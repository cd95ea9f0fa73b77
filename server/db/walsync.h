/* walsync.h: the thread that makes committed transactions durable. The writer's connection
 * runs with synchronous=NORMAL, so COMMIT writes the log without waiting for the disk; this
 * thread then fsyncs the write-ahead log and only afterwards hands each committed group
 * back to be answered. The writer meanwhile runs the next group, so the disk's flush time
 * overlaps with work instead of stalling it. Together this is what synchronous=FULL
 * promises (an acknowledged commit survives a power cut), with the wait moved off the
 * writer. */
#ifndef DS_WALSYNC_H
#define DS_WALSYNC_H

#include "server/db/store.h"

#define WALSYNC_QUEUE_MAX 1024 /* committed groups waiting for the flush; submit waits past it */

struct walsync; /* opaque */

/* Called on the sync thread for each submitted ITEM, in order, once the log holding its
 * commit is on disk (OK = 1) or could not be flushed (OK = 0: the commit may be lost). */
typedef void (*walsync_done_fn)(void *ctx, void *item, int ok);

/* How the log is flushed: fdatasync(2), or a stand-in in tests. 0 on success. */
typedef int (*walsync_flush_fn)(int fd);

/* Starts the thread for S's database (open, in WAL mode, used by one writer thread) and
 * switches S to synchronous=NORMAL. FLUSH NULL means fdatasync. NULL on failure with S->err
 * saying why; S is then left as it was. Stop with walsync_stop() before closing S.
 * A failed flush is final: that item and every later one come back with OK = 0, without
 * another try, because after a failed fdatasync Linux may report the next one as a success
 * with the pages lost, so nothing committed since may ever be acknowledged. */
struct walsync *walsync_start(struct store *s, walsync_flush_fn flush, walsync_done_fn done,
                              void *ctx);

/* ITEM's transaction is committed: DONE gets it after the next flush. Waits while
 * WALSYNC_QUEUE_MAX items are pending. */
void walsync_submit(struct walsync *w, void *item);

/* Flushes and hands back every pending item, stops the thread, puts S back to
 * synchronous=FULL and frees W. NULL is accepted. */
void walsync_stop(struct walsync *w);

/* How many flushes the thread ran and how many items they covered. */
void walsync_counts(struct walsync *w, long *flushes, long *items);

#endif
