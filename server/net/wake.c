/* wake.c: an eventfd and a "sent" flag. The first sender after the loop last looked sets
 * the flag and writes; later senders see the flag and return. The loop reads the eventfd,
 * clears the flag and only then runs the callback, so whatever a sender queued before its
 * wake_send() is seen by this run or causes another one: no wake-up is lost. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "server/net/wake.h"

struct wake {
	uv_poll_t poll;
	int fd;
	atomic_int sent;
	wake_fn fn;
	void *ctx;
};

static void wake_on_readable(uv_poll_t *h, int status, int events)
{
	struct wake *w = h->data;
	uint64_t n;

	(void)status;
	(void)events;
	/* The eventfd is non-blocking: a spurious wake-up reads EAGAIN, and that is fine. */
	while (read(w->fd, &n, sizeof n) < 0 && errno == EINTR)
		;
	atomic_store(&w->sent, 0);
	w->fn(w->ctx);
}

struct wake *wake_new(uv_loop_t *loop, wake_fn fn, void *ctx)
{
	struct wake *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	w->fn = fn;
	w->ctx = ctx;
	atomic_init(&w->sent, 0);
	w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->fd < 0)
		goto fail;
	if (uv_poll_init(loop, &w->poll, w->fd) != 0)
		goto fail;
	w->poll.data = w;
	if (uv_poll_start(&w->poll, UV_READABLE, wake_on_readable) != 0) {
		/* An initialised handle must go through uv_close(); wake_free() does that. */
		wake_free(w);
		return NULL;
	}
	uv_unref((uv_handle_t *)&w->poll);
	return w;
fail:
	if (w->fd >= 0)
		close(w->fd);
	free(w);
	return NULL;
}

void wake_send(struct wake *w)
{
	uint64_t one = 1;

	if (atomic_exchange(&w->sent, 1) != 0)
		return;
	/* Only EINTR can fail here: the counter cannot reach its maximum, since the loop
	 * reads it back to zero before the next writer is let through. */
	while (write(w->fd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

void wake_hold(struct wake *w, int hold)
{
	if (hold)
		uv_ref((uv_handle_t *)&w->poll);
	else
		uv_unref((uv_handle_t *)&w->poll);
}

static void wake_closed(uv_handle_t *h)
{
	struct wake *w = h->data;

	close(w->fd);
	free(w);
}

void wake_free(struct wake *w)
{
	if (w == NULL)
		return;
	uv_close((uv_handle_t *)&w->poll, wake_closed);
}
