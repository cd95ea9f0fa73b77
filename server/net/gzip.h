/* gzip.h: gzip bodies both ways for the front end over zlib: a request body inflated under a
 * cap, a reply body deflated when that makes it smaller. */
#ifndef DS_GZIP_H
#define DS_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

#include "buf.h"
#include "err.h"

/* Set up Z to inflate gzip framing (not raw zlib). Returns DS_OK or DS_ENOMEM; on success
 * release Z with inflateEnd(). */
int gzip_inflate_init(z_stream *z) DS_WUR;

/* Set up Z to deflate gzip framing at LEVEL (1-9). Returns DS_OK or DS_ENOMEM; on success
 * release Z with deflateEnd(). */
int gzip_deflate_init(z_stream *z, int level) DS_WUR;

/* Gunzip IN (IN_LEN bytes) with the inflater Z into OUT (grown as needed; its owner frees
 * it), NUL-terminated. Returns 0, or the HTTP status to answer: 400 corrupt or truncated,
 * 413 past MAX decompressed bytes, 503 out of memory. Z may be any thread's own. */
int gzip_inflate(z_stream *z, size_t max, const unsigned char *in, size_t in_len,
                 struct buf *out) DS_WUR;

/* Deflate BODY (LEN bytes) with Z into OUT (grown as needed). True when the result is
 * smaller than BODY; false when it is not or on failure, and BODY then goes out as it is. */
bool gzip_deflate(z_stream *z, const void *body, size_t len, struct buf *out);

#endif
