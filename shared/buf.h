/* buf.h: the project's growable byte buffer: bytes, how many are used, and the room. */
#ifndef DS_BUF_H
#define DS_BUF_H

#include <stddef.h>

#include "err.h"

/* A growable byte buffer. All zero is an empty buffer; DATA is owned and freed by
 * buf_free(). LEN bytes are used out of CAP. */
struct buf {
	unsigned char *data;
	size_t len, cap;
};

/* Grow B's room to at least NEED bytes, contents kept. Returns DS_OK, or DS_ENOMEM (B is
 * unchanged). Never shrinks. */
int buf_reserve(struct buf *b, size_t need) DS_WUR;

/* Append LEN bytes of DATA to B, growing it (at least doubling) as needed. Returns DS_OK,
 * DS_ETOOBIG when the length would overflow, or DS_ENOMEM (B unchanged). */
int buf_append(struct buf *b, const void *data, size_t len) DS_WUR;

/* Empty B; free its memory too when its room is over KEEP_MAX bytes, so one large use is
 * not kept for the life of its owner. */
void buf_trim(struct buf *b, size_t keep_max);

/* Free B's memory and leave it empty. Accepts NULL. */
void buf_free(struct buf *b);

#endif
