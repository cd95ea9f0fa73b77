/* http.c: the HTTP/1.1 request reader over http-parser 2.9. The parser is paused at the end
 * of each head (to measure it exactly) and of each request (so pipelined requests are handed
 * out one at a time). The strings of a request are copied into one head buffer no larger than
 * the head cap, and the body into a buffer grown up to the body cap. */
#include "server/net/http.h"

#include <http_parser.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Room for the NUL terminators the stored strings need beyond the bytes of the head. */
#define HTTP_HEAD_SLACK 16
/* The smallest room a body buffer is given. */
#define HTTP_MIN_BODY_BYTES 4096u

enum http_hdr { H_OTHER, H_AUTH, H_CTYPE, H_CENC, H_ACCEPT_ENC, H_EXPECT, H_COUNT };

struct http {
	http_parser p;
	size_t max_head_bytes, max_body_bytes;
	char *head;               /* stored strings; capacity head_cap */
	size_t head_cap, head_len;
	size_t head_bytes;        /* bytes of the head consumed so far */
	size_t url_off, value_off;
	size_t hdr_off[H_COUNT];  /* offset of each stored value; valid when hdr_seen */
	bool hdr_seen[H_COUNT];
	char name[HTTP_MAX_NAME + 1];
	size_t name_len;
	bool name_too_long, in_value, url_done;
	enum http_hdr cur;        /* the header whose value is being read */
	bool started, head_done, msg_done;
	int error_status;
	struct buf body;          /* the body read so far; room for a NUL once the head is in */
	size_t body_expected;     /* announced length; max_body_bytes when chunked */
	struct http_request req;
};

static struct http *http_of(http_parser *p)
{
	return p->data;
}

static int http_fail(struct http *h, int status)
{
	if (h->error_status == 0)
		h->error_status = status;
	return -1;
}

/* Copy into the head buffer; the head cap bounds this, so overflow means a head too big. */
static int head_append(struct http *h, const char *at, size_t len)
{
	if (len > h->head_cap - h->head_len)
		return http_fail(h, 431);
	memcpy(h->head + h->head_len, at, len);
	h->head_len += len;
	return 0;
}

static int head_terminate(struct http *h)
{
	return head_append(h, "", 1);
}

/* True when the Accept-Encoding value S lists gzip with a quality other than zero. */
static bool accepts_gzip(const char *s)
{
	while (*s != '\0') {
		size_t tok, item = strcspn(s, ",");
		while (*s == ' ' || *s == '\t')
			s++, item--;
		tok = strcspn(s, ";, \t");
		if (tok > item)
			tok = item;
		if ((tok == 4 && strncasecmp(s, "gzip", 4) == 0) ||
		    (tok == 6 && strncasecmp(s, "x-gzip", 6) == 0)) {
			const char *q = memchr(s, ';', item);
			if (q == NULL)
				return true;
			q = strstr(q, "q=");
			if (q == NULL || q >= s + item || strtod(q + 2, NULL) > 0.0)
				return true;
		}
		s += item;
		if (*s == ',')
			s++;
	}
	return false;
}

static int url_finish(struct http *h)
{
	if (h->url_done)
		return 0;
	h->url_done = true;
	return head_terminate(h);
}

static int value_finish(struct http *h)
{
	if (!h->in_value)
		return 0;
	h->in_value = false;
	if (h->cur == H_OTHER)
		return 0;
	if (head_terminate(h) != 0)
		return -1;
	if (h->cur == H_ACCEPT_ENC && accepts_gzip(h->head + h->value_off))
		h->req.accept_gzip = true;
	return 0;
}

static enum http_hdr classify(const struct http *h)
{
	static const struct { const char *name; enum http_hdr which; } known[] = {
		{ "authorization", H_AUTH }, { "content-type", H_CTYPE },
		{ "content-encoding", H_CENC }, { "accept-encoding", H_ACCEPT_ENC },
		{ "expect", H_EXPECT },
	};
	size_t i;

	if (h->name_too_long)
		return H_OTHER;
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcasecmp(h->name, known[i].name) == 0)
			return known[i].which;
	return H_OTHER;
}

static int on_message_begin(http_parser *p)
{
	http_of(p)->started = true;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	return head_append(http_of(p), at, len);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http *h = http_of(p);

	if (h->head_done)
		return 0; /* trailers of a chunked body are ignored */
	if (url_finish(h) != 0)
		return -1;
	if (h->in_value) {
		if (value_finish(h) != 0)
			return -1;
		h->name_len = 0;
		h->name_too_long = false;
	}
	if (len > HTTP_MAX_NAME - h->name_len) {
		h->name_too_long = true;
		return 0;
	}
	memcpy(h->name + h->name_len, at, len);
	h->name_len += len;
	h->name[h->name_len] = '\0';
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http *h = http_of(p);

	if (h->head_done)
		return 0;
	if (!h->in_value) {
		h->in_value = true;
		h->cur = classify(h);
		if (h->cur != H_OTHER) {
			/* A repeated Accept-Encoding is legal; two Authorization lines are not. */
			if (h->hdr_seen[h->cur] && h->cur != H_ACCEPT_ENC)
				return http_fail(h, 400);
			h->hdr_seen[h->cur] = true;
			h->hdr_off[h->cur] = h->value_off = h->head_len;
		}
	}
	return h->cur == H_OTHER ? 0 : head_append(h, at, len);
}

static const char *hdr(const struct http *h, enum http_hdr which)
{
	return h->hdr_seen[which] ? h->head + h->hdr_off[which] : NULL;
}

static int fill_request(struct http *h)
{
	char *url = h->head + h->url_off;
	char *q = strchr(url, '?');
	const char *expect = hdr(h, H_EXPECT);

	if (url[0] == '\0')
		return http_fail(h, 400);
	if (q != NULL)
		*q++ = '\0';
	h->req.method = http_method_str((enum http_method)h->p.method);
	h->req.path = url;
	h->req.query = q != NULL ? q : "";
	h->req.authorization = hdr(h, H_AUTH);
	h->req.content_type = hdr(h, H_CTYPE);
	h->req.content_encoding = hdr(h, H_CENC);
	h->req.expect_continue = expect != NULL && strcasecmp(expect, "100-continue") == 0;
	h->req.keep_alive = http_should_keep_alive(&h->p) != 0;
	return 0;
}

static int body_reserve(struct http *h, size_t need)
{
	size_t cap = h->body.cap < HTTP_MIN_BODY_BYTES ? HTTP_MIN_BODY_BYTES : h->body.cap;

	if (need <= h->body.cap)
		return 0;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > h->max_body_bytes + 1)
		cap = h->max_body_bytes + 1;
	return buf_reserve(&h->body, cap) == DS_OK ? 0 : http_fail(h, 503);
}

static int on_headers_complete(http_parser *p)
{
	struct http *h = http_of(p);
	uint64_t cl = p->content_length;

	if (url_finish(h) != 0 || value_finish(h) != 0 || fill_request(h) != 0)
		return -1;
	if (p->upgrade)
		return http_fail(h, 400); /* CONNECT and protocol upgrades are not served */
	if (cl != ULLONG_MAX && cl > h->max_body_bytes)
		return http_fail(h, 413);
	h->body_expected = (p->flags & F_CHUNKED) ? h->max_body_bytes
	                   : (cl != ULLONG_MAX ? (size_t)cl : 0);
	/* Only room for the NUL now: the body's room is taken when its first byte arrives, so a
	 * request refused at its head costs no memory for the body it announced. */
	if (body_reserve(h, 1) != 0)
		return -1;
	h->head_done = true;
	http_parser_pause(p, 1);
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http *h = http_of(p);

	if (len > h->max_body_bytes - h->body.len)
		return http_fail(h, 413);
	/* The announced length at once, so the body is not copied while it grows. */
	if (h->body.len == 0 && h->body_expected > len &&
	    body_reserve(h, h->body_expected + 1) != 0)
		return -1;
	if (body_reserve(h, h->body.len + len + 1) != 0)
		return -1;
	memcpy(h->body.data + h->body.len, at, len);
	h->body.len += len;
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http *h = http_of(p);

	h->msg_done = true;
	h->body.data[h->body.len] = '\0';
	h->req.body = h->body.data;
	h->req.body_len = h->body.len;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings http_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

struct http *http_new(size_t max_head_bytes, size_t max_body_bytes)
{
	struct http *h = calloc(1, sizeof *h);

	if (h == NULL || max_head_bytes > SIZE_MAX / 2 || max_body_bytes >= SIZE_MAX / 2)
		goto fail;
	h->max_head_bytes = max_head_bytes;
	h->max_body_bytes = max_body_bytes;
	h->head_cap = max_head_bytes + HTTP_HEAD_SLACK;
	h->head = malloc(h->head_cap);
	if (h->head == NULL)
		goto fail;
	http_parser_init(&h->p, HTTP_REQUEST);
	h->p.data = h;
	http_reset(h);
	return h;
fail:
	http_free(h);
	return NULL;
}

void http_free(struct http *h)
{
	if (h == NULL)
		return;
	free(h->head);
	buf_free(&h->body);
	free(h);
}

void http_reset(struct http *h)
{
	buf_trim(&h->body, HTTP_KEEP_BODY_BYTES);
	h->body_expected = 0;
	h->head_len = h->head_bytes = h->url_off = h->value_off = 0;
	memset(h->hdr_seen, 0, sizeof h->hdr_seen);
	h->name_len = 0;
	h->name[0] = '\0';
	h->name_too_long = h->in_value = h->url_done = false;
	h->cur = H_OTHER;
	h->started = h->head_done = h->msg_done = false;
	h->error_status = 0;
	memset(&h->req, 0, sizeof h->req);
}

/* Count bytes that belong to the head and enforce its cap. */
static enum http_event head_account(struct http *h, size_t n, bool head_ended)
{
	h->head_bytes += n + (head_ended ? 1 : 0);
	if (h->head_bytes > h->max_head_bytes) {
		h->error_status = 431;
		return HTTP_EV_ERROR;
	}
	return head_ended ? HTTP_EV_HEAD : HTTP_EV_MORE;
}

enum http_event http_feed(struct http *h, const char *data, size_t len, size_t *used)
{
	bool was_head_done = h->head_done;
	enum http_errno e;
	size_t n;

	*used = 0;
	if (h->error_status != 0)
		return HTTP_EV_ERROR;
	/* A zero length would mean EOF to the parser. */
	if (len == 0 || h->msg_done)
		return h->msg_done ? HTTP_EV_DONE : HTTP_EV_MORE;
	n = http_parser_execute(&h->p, &http_settings, data, len);
	e = HTTP_PARSER_ERRNO(&h->p);
	*used = n;
	if (e == HPE_PAUSED) {
		http_parser_pause(&h->p, 0);
		if (h->msg_done)
			return HTTP_EV_DONE;
		/* Paused at the end of the head: the parser stopped before the head's last byte,
		 * which it consumes when it resumes. */
		return head_account(h, n, true);
	}
	if (e != HPE_OK) {
		if (h->error_status == 0)
			h->error_status = e == HPE_HEADER_OVERFLOW ? 431 : 400;
		return HTTP_EV_ERROR;
	}
	if (!was_head_done && !h->head_done)
		return head_account(h, n, false);
	return HTTP_EV_MORE;
}

const struct http_request *http_request(const struct http *h)
{
	return &h->req;
}

int http_error_status(const struct http *h)
{
	return h->error_status != 0 ? h->error_status : 400;
}

size_t http_body_expected(const struct http *h)
{
	return h->body_expected;
}

bool http_started(const struct http *h)
{
	return h->started || h->head_bytes > 0;
}

const char *http_reason(int status)
{
	return http_status_str((enum http_status)status);
}
