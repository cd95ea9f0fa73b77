/* relay.h: the messages between the agent and its HTTPS helper, doorstep-agent-sync, over a
 * pair of pipes: each message is one line of compact JSON (the head, whose "len" member gives
 * the body's length) followed by exactly that many raw bytes (the body). Both ends use this
 * code, so the framing is written once. */
#ifndef AGENT_RELAY_H
#define AGENT_RELAY_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define RELAY_VERSION 1            /* in the first message; the helper refuses another */
#define RELAY_HEAD_MAX 4096        /* longest head line, newline included, bytes */
#define RELAY_BODY_MAX (8u << 20)  /* largest body either way, bytes */
#define RELAY_SLICE_MS 100         /* a wait for input looks at the stop flag this often */

/* The reading end of one pipe, with the bytes read past the last message's head. */
struct relay {
	int fd;
	size_t have;                   /* bytes in buf not yet consumed */
	char buf[RELAY_HEAD_MAX];
};

/* Start reading FD (a pipe or any stream) into R. FD stays the caller's. */
void relay_init(struct relay *r, int fd);

/* Write HEAD, with "len" set to LEN, and then BODY[0..LEN) (BODY may be NULL when LEN is 0)
 * to FD. Returns DS_OK, DS_ETOOBIG (head or body over its maximum) or DS_EIO with errno set
 * (EPIPE when the reader is gone, EINTR when *STOP was set; STOP may be NULL). */
DS_WUR enum ds_err relay_send(int fd, json_t *head, const void *body, size_t len,
                              volatile sig_atomic_t *stop);

/* Read one message from R, waiting at most TIMEOUT_MS (< 0: no limit). OUT: *HEAD (a JSON
 * object; caller frees with json_decref()), *BODY (NUL-terminated after *LEN bytes; caller
 * frees with free()). Returns DS_OK; DS_EIO with errno 0 at end of input, ETIMEDOUT, EINTR
 * when *STOP was set, or the read's error; DS_EINVAL or DS_ETOOBIG for a malformed message. */
DS_WUR enum ds_err relay_recv(struct relay *r, long timeout_ms, volatile sig_atomic_t *stop,
                              json_t **head, char **body, size_t *len);

#endif
