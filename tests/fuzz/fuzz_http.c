/* fuzz_http.c: feeds arbitrary bytes to the HTTP request reader, split at a point the input
 * chooses, and follows pipelined requests, so every state of the adapter sees odd input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/net/http.h"

#define FUZZ_MAX_HEAD 1024
#define FUZZ_MAX_BODY 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check what a finished request promises: strings present, body NUL-terminated. */
static void check_request(const struct http *h)
{
	const struct http_request *r = http_request(h);
	volatile size_t sink = strlen(r->method) + strlen(r->path) + strlen(r->query);

	if (r->body == NULL || r->body[r->body_len] != '\0' || r->body_len > FUZZ_MAX_BODY)
		__builtin_trap();
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http *h;
	size_t off = 0, split, used, rounds = 0;

	if (size < 1)
		return 0;
	split = data[0];
	data++;
	size--;
	h = http_new(FUZZ_MAX_HEAD, FUZZ_MAX_BODY);
	if (h == NULL)
		return 0;
	while (off < size && rounds++ < 4 * size + 8) {
		size_t n = size - off;
		enum http_event ev;

		if (split > 0 && n > split)
			n = split; /* feed in chunks of the size the first byte picked */
		ev = http_feed(h, (const char *)data + off, n, &used);
		if (used > n)
			__builtin_trap();
		off += used;
		if (ev == HTTP_EV_ERROR) {
			int st = http_error_status(h);
			if (st != 400 && st != 413 && st != 431 && st != 503)
				__builtin_trap();
			break;
		}
		if (ev == HTTP_EV_DONE) {
			check_request(h);
			http_reset(h);
		}
	}
	http_free(h);
	return 0;
}
