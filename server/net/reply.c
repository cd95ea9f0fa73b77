/* reply.c: formats the front end's replies into one buffer, head then body, so a reply is
 * one TLS write. Bodies of REPLY_GZIP_MIN_BYTES or more are gzipped for clients that take it,
 * and such replies say Vary: Accept-Encoding whether compressed or not. */
#include "server/net/reply.h"

#include <stdio.h>
#include <string.h>

#include "server/net/gzip.h"
#include "server/net/http.h"

/* Replies with bodies smaller than this are not worth compressing. */
#define REPLY_GZIP_MIN_BYTES 1024
/* zlib level for replies: most of the gain of level 6 at a fraction of its time. */
#define REPLY_GZIP_LEVEL 4
/* Room for the status line and the headers written here. */
#define REPLY_HEAD_MAX 512
/* Room for a "Retry-After: N\r\n" line. */
#define REPLY_RETRY_MAX 40
/* A scratch buffer larger than this is freed after use so one big reply is not kept. */
#define REPLY_KEEP_SCRATCH_BYTES (256u * 1024)

int reply_scratch_init(struct reply_scratch *s)
{
	if (gzip_deflate_init(&s->deflater, REPLY_GZIP_LEVEL) != DS_OK)
		return DS_ENOMEM;
	s->deflate_ready = true;
	return DS_OK;
}

void reply_scratch_free(struct reply_scratch *s)
{
	if (s == NULL)
		return;
	if (s->deflate_ready)
		deflateEnd(&s->deflater);
	s->deflate_ready = false;
	buf_free(&s->msg);
	buf_free(&s->zbuf);
}

int reply_format(struct reply_scratch *s, const struct reply_spec *r, struct buf **msg)
{
	char head[REPLY_HEAD_MAX], retry[REPLY_RETRY_MAX] = "";
	const void *body = r->body;
	size_t len = r->len;
	bool eligible = len >= REPLY_GZIP_MIN_BYTES && !r->head_only, gz = false;
	int hl;

	if (eligible && r->accept_gzip && gzip_deflate(&s->deflater, r->body, r->len, &s->zbuf)) {
		gz = true;
		body = s->zbuf.data;
		len = s->zbuf.len;
	}
	if (r->retry_after_s > 0)
		snprintf(retry, sizeof retry, "Retry-After: %u\r\n", r->retry_after_s);
	hl = snprintf(head, sizeof head,
	              "HTTP/1.1 %d %s\r\n%s%s%sContent-Length: %zu\r\n%s%s%sConnection: %s\r\n\r\n",
	              r->status, http_reason(r->status),
	              r->content_type != NULL ? "Content-Type: " : "",
	              r->content_type != NULL ? r->content_type : "",
	              r->content_type != NULL ? "\r\n" : "", len,
	              gz ? "Content-Encoding: gzip\r\n" : "",
	              eligible ? "Vary: Accept-Encoding\r\n" : "", retry,
	              r->keep_alive ? "keep-alive" : "close");
	if (hl < 0 || (size_t)hl >= sizeof head || buf_reserve(&s->msg, (size_t)hl + len) != DS_OK)
		return DS_ETOOBIG;
	memcpy(s->msg.data, head, (size_t)hl);
	if (r->head_only)
		len = 0;
	if (len > 0)
		memcpy(s->msg.data + hl, body, len);
	s->msg.len = (size_t)hl + len;
	*msg = &s->msg;
	return DS_OK;
}

void reply_scratch_done(struct reply_scratch *s)
{
	buf_trim(&s->msg, REPLY_KEEP_SCRATCH_BYTES);
	buf_trim(&s->zbuf, REPLY_KEEP_SCRATCH_BYTES);
}
