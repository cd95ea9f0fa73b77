/* conn.h: one client connection of the HTTPS front end: accepting it, answering its
 * requests, and closing them all at shutdown. Private to server/net/. */
#ifndef DS_CONN_H
#define DS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "err.h"
#include "server/net/front.h"

/* Accept one pending connection on SERVER into a new conn of F. Returns DS_OK, or
 * DS_ENOMEM when nothing was accepted (the caller then refuses it). */
int conn_accept(struct front *f, uv_stream_t *server) DS_WUR;

/* Near the connection cap: close the oldest connection of F that has answered a request and
 * waits idle for the next. Returns false when there is none. */
bool conn_evict_idle(struct front *f);

/* Close idle connections and mark the others to close after their reply (net_shutdown). */
void conn_shutdown_all(struct front *f);

/* net_reply() for an exchange; see net.h. */
void conn_reply(struct net_exchange *x, int status, const char *content_type,
                const void *body, size_t len);

#endif
