/* reply.h: an HTTP/1.1 reply as the front end writes it: status line, the few headers it
 * sends, and the body, gzipped when the client takes it and that is worth it. */
#ifndef DS_REPLY_H
#define DS_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

#include "buf.h"
#include "err.h"

/* One reply to format. Everything is borrowed for the call. */
struct reply_spec {
	int status;
	const char *content_type; /* NULL: no Content-Type header */
	const void *body;
	size_t len;
	bool accept_gzip, keep_alive;
	bool head_only;           /* the request was HEAD: Content-Length as for GET, no body */
	unsigned retry_after_s;   /* non-zero: a Retry-After header with this many seconds */
};

/* The deflater and scratch buffers replies are formatted in. Each use finishes
 * synchronously on the loop thread, so the front end needs only one. */
struct reply_scratch {
	z_stream deflater;
	bool deflate_ready;
	struct buf msg, zbuf;
};

/* Set up S (its memory zeroed by the caller). Returns DS_OK or DS_ENOMEM; release S with
 * reply_scratch_free() in either case. */
int reply_scratch_init(struct reply_scratch *s) DS_WUR;

/* Release what S holds. Accepts NULL. */
void reply_scratch_free(struct reply_scratch *s);

/* Format R into S. OUT: *MSG, borrowed until reply_scratch_done(). Returns DS_OK, or
 * DS_ETOOBIG when the head does not fit or memory runs out. */
int reply_format(struct reply_scratch *s, const struct reply_spec *r, struct buf **msg) DS_WUR;

/* Release what a large reply left in S's buffers. */
void reply_scratch_done(struct reply_scratch *s);

#endif
