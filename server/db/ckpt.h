/* ckpt.h: the WAL checkpointer: a thread with its own database connection that copies
 * committed pages from the write-ahead log back into the database, so the writer thread
 * that acknowledges sync batches never pays for it inline. */
#ifndef DS_CKPT_H
#define DS_CKPT_H

#include "server/db/store.h"

#define CKPT_PAGES_DEFAULT 1000  /* SQLite's own automatic threshold, in pages */
/* The writer checkpoints itself, which lets the log start over, past this many thresholds.
 * Each time it stops for 3 to 25 ms; at 16 that was two or three times a second under
 * full load. */
#define CKPT_BACKSTOP_FACTOR 64

struct ckpt; /* opaque */

/* Starts checkpointing S's database (open, in WAL mode) whenever the log holds PAGES pages
 * after a commit, and turns off S's own automatic checkpoint. Should the thread fall far
 * behind, the writer checkpoints inline, so the log stays bounded. NULL on failure, with
 * S->err saying why. Stop with ckpt_stop() before closing S. */
struct ckpt *ckpt_start(struct store *s, int pages);

/* Stops the thread, restores S's automatic checkpoint, and frees C. NULL is accepted. */
void ckpt_stop(struct ckpt *c);

/* How many checkpoints the thread ran and how many the writer had to run itself. */
void ckpt_counts(struct ckpt *c, long *by_thread, long *inline_runs);

#endif
