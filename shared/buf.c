/* buf.c: the growable byte buffer. Growth by realloc; appends at least double the room so a
 * buffer filled piece by piece is copied a logarithmic number of times. */
#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The smallest room an append grows a buffer to, so tiny appends do not realloc each time. */
#define BUF_MIN_GROWTH 256u

int buf_reserve(struct buf *b, size_t need)
{
	unsigned char *p;

	if (need <= b->cap)
		return DS_OK;
	p = realloc(b->data, need);
	if (p == NULL)
		return DS_ENOMEM;
	b->data = p;
	b->cap = need;
	return DS_OK;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	size_t need, cap;

	if (len > SIZE_MAX - b->len)
		return DS_ETOOBIG;
	need = b->len + len;
	if (need > b->cap) {
		cap = b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
		if (cap < need)
			cap = need;
		if (cap < BUF_MIN_GROWTH)
			cap = BUF_MIN_GROWTH;
		if (buf_reserve(b, cap) != DS_OK)
			return DS_ENOMEM;
	}
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len = need;
	return DS_OK;
}

void buf_trim(struct buf *b, size_t keep_max)
{
	if (b->cap > keep_max) {
		free(b->data);
		b->data = NULL;
		b->cap = 0;
	}
	b->len = 0;
}

void buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
