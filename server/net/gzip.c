/* gzip.c: zlib for the front end's bodies. The request side bounds the output so a small
 * "zip bomb" cannot make the server allocate without limit; the reply side is one shot. */
#include "server/net/gzip.h"

/* windowBits 15 + 16 selects gzip framing in zlib's init functions. */
#define GZIP_WINDOW_BITS (15 + 16)
/* First room for an inflated body when four times the input is smaller. */
#define GZIP_MIN_OUT_BYTES 16384u
/* Room deflateBound() may leave out for the gzip header and trailer. */
#define GZIP_BOUND_SLACK 32u

int gzip_inflate_init(z_stream *z)
{
	return inflateInit2(z, GZIP_WINDOW_BITS) == Z_OK ? DS_OK : DS_ENOMEM;
}

int gzip_deflate_init(z_stream *z, int level)
{
	return deflateInit2(z, level, Z_DEFLATED, GZIP_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY) == Z_OK
	       ? DS_OK : DS_ENOMEM;
}

/* Room for the next round of inflate: double, but never past MAX + 1 (which proves the body
 * is over its cap). Returns 0, 413 or 503. */
static int inflate_grow(struct buf *out, size_t max)
{
	if (out->cap > max)
		return 413;
	if (buf_reserve(out, out->cap * 2 > max + 1 ? max + 1 : out->cap * 2) != DS_OK)
		return 503;
	return 0;
}

int gzip_inflate(z_stream *z, size_t max, const unsigned char *in, size_t in_len,
                 struct buf *out)
{
	size_t want = in_len > max / 4 ? max + 1
	              : (in_len * 4 < GZIP_MIN_OUT_BYTES ? GZIP_MIN_OUT_BYTES : in_len * 4);
	int r = Z_OK, st;

	out->len = 0;
	if (inflateReset(z) != Z_OK || buf_reserve(out, want) != DS_OK)
		return 503;
	z->next_in = (unsigned char *)in; /* zlib's API is not const-correct */
	z->avail_in = (uInt)in_len;
	while (r != Z_STREAM_END) {
		if (out->len == out->cap && (st = inflate_grow(out, max)) != 0)
			return st;
		z->next_out = out->data + out->len;
		z->avail_out = (uInt)(out->cap - out->len);
		r = inflate(z, Z_NO_FLUSH);
		out->len = out->cap - z->avail_out;
		if (r != Z_OK && r != Z_STREAM_END)
			return 400; /* corrupt, or truncated (Z_BUF_ERROR with no input left) */
		if (r == Z_OK && z->avail_in == 0 && z->avail_out > 0)
			return 400;
	}
	if (out->len > max)
		return 413;
	if (z->avail_in != 0)
		return 400; /* bytes after the gzip member */
	if (out->len == out->cap && buf_reserve(out, out->len + 1) != DS_OK)
		return 503;
	out->data[out->len] = '\0';
	return 0;
}

bool gzip_deflate(z_stream *z, const void *body, size_t len, struct buf *out)
{
	size_t bound;

	if (deflateReset(z) != Z_OK)
		return false;
	bound = deflateBound(z, (uLong)len) + GZIP_BOUND_SLACK;
	if (buf_reserve(out, bound) != DS_OK)
		return false;
	z->next_in = (unsigned char *)body; /* zlib's API is not const-correct */
	z->avail_in = (uInt)len;
	z->next_out = out->data;
	z->avail_out = (uInt)bound;
	if (deflate(z, Z_FINISH) != Z_STREAM_END)
		return false;
	out->len = bound - z->avail_out;
	return out->len < len;
}
