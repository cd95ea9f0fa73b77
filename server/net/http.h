/* http.h: an incremental HTTP/1.1 request reader, the one adapter over http-parser, that
 * hands the server one request at a time with the few headers it needs and enforces the
 * head and body limits. Swapping http-parser for llhttp touches only http.c. */
#ifndef DS_HTTP_H
#define DS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Longest header name the reader looks at; longer names are skipped as uninteresting. */
#define HTTP_MAX_NAME 32
/* A larger body buffer than this is freed between requests so idle connections stay small. */
#define HTTP_KEEP_BODY_BYTES (64u * 1024)

/* What http_feed() stopped at. */
enum http_event {
	HTTP_EV_MORE,  /* every byte given was consumed; the request needs more */
	HTTP_EV_HEAD,  /* the head is complete (limits checked); call http_feed() again for the
	                * body */
	HTTP_EV_DONE,  /* a whole request is ready; bytes after it were not consumed */
	HTTP_EV_ERROR, /* malformed or over a limit; http_error_status() says which */
};

/* One request as read. Strings are NUL-terminated; absent headers are NULL. */
struct http_request {
	const char *method;           /* "GET", "POST", ... */
	const char *path;             /* raw path without the query */
	const char *query;            /* text after '?', or "" */
	const char *authorization;
	const char *content_type;
	const char *content_encoding;
	bool accept_gzip;             /* Accept-Encoding lists gzip with a non-zero q */
	bool expect_continue;         /* Expect: 100-continue */
	bool keep_alive;            /* HTTP/1.1 without Connection: close, or 1.0 with keep-alive */
	unsigned char *body;          /* NUL-terminated; never NULL once HTTP_EV_DONE */
	size_t body_len;
};

struct http;

/* A reader whose head may take MAX_HEAD_BYTES and body MAX_BODY_BYTES (as sent, after
 * chunked decoding). Returns NULL when out of memory. Caller frees with http_free(). */
struct http *http_new(size_t max_head_bytes, size_t max_body_bytes) DS_WUR;

/* Free H. Accepts NULL. */
void http_free(struct http *h);

/* Feed LEN bytes of DATA; OUT: *USED bytes consumed. Stops after each head and after each
 * request so pipelined requests come one at a time; feed the rest again after http_reset(). */
enum http_event http_feed(struct http *h, const char *data, size_t len, size_t *used) DS_WUR;

/* The request read so far. Borrowed; valid until http_reset() or http_free(). */
const struct http_request *http_request(const struct http *h);

/* After HTTP_EV_ERROR: 400 (malformed), 413 (body over its cap) or 431 (head over its cap). */
int http_error_status(const struct http *h);

/* After HTTP_EV_HEAD: the body's length as announced (0 when there is none), or the body
 * cap for a chunked body, whose length is known only at its end. */
size_t http_body_expected(const struct http *h);

/* True once any byte of the current request has been consumed. */
bool http_started(const struct http *h);

/* The reason phrase for STATUS, e.g. "Payload Too Large"; static storage, never NULL. */
const char *http_reason(int status);

/* Forget the current request and get ready for the next one on the same connection. */
void http_reset(struct http *h);

#endif
