/* relay.c: framing for the agent's pipes to its HTTPS helper. The head is JSON (jansson reads
 * and writes it), so the only hand-made part is the line and the length that follows it.
 * Every wait for input is a poll() in short slices, so a process asked to stop (its signal
 * handler sets the stop flag) gives up within RELAY_SLICE_MS even when the signal came
 * just before the poll started. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/now.h"
#include "agent/relay.h"

void relay_init(struct relay *r, int fd)
{
	r->fd = fd;
	r->have = 0;
}

static enum ds_err relay_write_all(int fd, const char *p, size_t len, volatile sig_atomic_t *stop)
{
	ssize_t n;

	while (len > 0) {
		if (stop != NULL && *stop) {
			errno = EINTR;
			return DS_EIO;
		}
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = {fd, POLLOUT, 0};

			(void)poll(&pf, 1, RELAY_SLICE_MS);
			continue;
		}
		if (n <= 0)
			return DS_EIO;
		p += n;
		len -= (size_t)n;
	}
	return DS_OK;
}

enum ds_err relay_send(int fd, json_t *head, const void *body, size_t len,
                       volatile sig_atomic_t *stop)
{
	char *text = NULL;
	size_t tlen;
	enum ds_err e = DS_ETOOBIG;

	if (len > RELAY_BODY_MAX)
		return DS_ETOOBIG;
	if (json_object_set_new(head, "len", json_integer((json_int_t)len)) != 0 ||
	    (text = json_dumps(head, JSON_COMPACT)) == NULL)
		return DS_ENOMEM;
	tlen = strlen(text);
	if (tlen + 1 > RELAY_HEAD_MAX)
		goto out;
	text[tlen] = '\n'; /* over the NUL: the line is sent by its length */
	e = relay_write_all(fd, text, tlen + 1, stop);
	if (e == DS_OK && len > 0)
		e = relay_write_all(fd, body, len, stop);
out:
	free(text);
	return e;
}

/* Wait until FD is readable, the monotonic DEADLINE_MS passes (< 0: never) or *STOP is set. */
static enum ds_err relay_wait(int fd, int64_t deadline_ms, volatile sig_atomic_t *stop)
{
	struct pollfd p = {fd, POLLIN, 0};
	int64_t left_ms;
	int n;

	for (;;) {
		if (stop != NULL && *stop) {
			errno = EINTR;
			return DS_EIO;
		}
		left_ms = RELAY_SLICE_MS;
		if (deadline_ms >= 0) {
			int64_t now = now_mono_ms();

			if (now >= deadline_ms) {
				errno = ETIMEDOUT;
				return DS_EIO;
			}
			if (deadline_ms - now < left_ms)
				left_ms = deadline_ms - now;
		}
		n = poll(&p, 1, (int)left_ms);
		if (n > 0)
			return DS_OK;
		if (n < 0 && errno != EINTR)
			return DS_EIO;
	}
}

/* Read what is there (at least one byte) into DST[0..ROOM). OUT: *GOT. */
static enum ds_err relay_read(int fd, char *dst, size_t room, size_t *got, int64_t deadline_ms,
                              volatile sig_atomic_t *stop)
{
	ssize_t n;

	for (;;) {
		if (relay_wait(fd, deadline_ms, stop) != DS_OK)
			return DS_EIO;
		n = read(fd, dst, room);
		if (n > 0) {
			*got = (size_t)n;
			return DS_OK;
		}
		if (n == 0) {
			errno = 0; /* end of input: the other end closed or died */
			return DS_EIO;
		}
		if (errno != EINTR && errno != EAGAIN)
			return DS_EIO;
	}
}

/* Read until R holds a whole head line. OUT: *LINE_LEN, its length without the newline. */
static enum ds_err relay_line(struct relay *r, int64_t deadline_ms, volatile sig_atomic_t *stop,
                              size_t *line_len)
{
	const char *nl;
	size_t got;

	while ((nl = memchr(r->buf, '\n', r->have)) == NULL) {
		if (r->have == sizeof r->buf)
			return DS_ETOOBIG;
		if (relay_read(r->fd, r->buf + r->have, sizeof r->buf - r->have, &got, deadline_ms,
		               stop) != DS_OK)
			return DS_EIO;
		r->have += got;
	}
	*line_len = (size_t)(nl - r->buf);
	return DS_OK;
}

/* Parse the head line R->buf[0..LINE_LEN). OUT: *HEAD and *LEN, its "len". */
static enum ds_err relay_parse(const struct relay *r, size_t line_len, json_t **head, size_t *len)
{
	json_t *h = json_loadb(r->buf, line_len, 0, NULL);
	json_t *l = json_object_get(h, "len");

	if (!json_is_object(h) || !json_is_integer(l) || json_integer_value(l) < 0) {
		json_decref(h);
		return DS_EINVAL;
	}
	if ((uintmax_t)json_integer_value(l) > RELAY_BODY_MAX) {
		json_decref(h);
		return DS_ETOOBIG;
	}
	*len = (size_t)json_integer_value(l);
	*head = h;
	return DS_OK;
}

enum ds_err relay_recv(struct relay *r, long timeout_ms, volatile sig_atomic_t *stop,
                       json_t **head, char **body, size_t *len)
{
	int64_t deadline_ms = timeout_ms < 0 ? -1 : now_mono_ms() + timeout_ms;
	size_t line_len = 0, at, got;
	char *b = NULL;
	enum ds_err e;

	*head = NULL;
	*body = NULL;
	*len = 0;
	if ((e = relay_line(r, deadline_ms, stop, &line_len)) != DS_OK ||
	    (e = relay_parse(r, line_len, head, len)) != DS_OK)
		goto fail;
	e = DS_ENOMEM;
	if ((b = malloc(*len + 1)) == NULL)
		goto fail;
	/* Bytes after the newline already read are the body's first ones. */
	at = r->have - line_len - 1 < *len ? r->have - line_len - 1 : *len;
	memcpy(b, r->buf + line_len + 1, at);
	r->have -= line_len + 1 + at;
	memmove(r->buf, r->buf + line_len + 1 + at, r->have);
	for (; at < *len; at += got)
		if ((e = relay_read(r->fd, b + at, *len - at, &got, deadline_ms, stop)) != DS_OK)
			goto fail;
	b[*len] = '\0';
	*body = b;
	return DS_OK;
fail:
	json_decref(*head);
	*head = NULL;
	*len = 0;
	free(b);
	return e;
}
