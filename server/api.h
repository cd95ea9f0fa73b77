/* api.h: the HTTP API of docs/PROTOCOL.md: routing, replies, and the writer that commits
 * sync batches on a worker thread, several requests per transaction under load. */
#ifndef DS_API_H
#define DS_API_H

#include <uv.h>

#include "server/log.h"
#include "server/net.h"
#include "server/store.h"

struct api; /* opaque */

/* Make the API over the open store S on LOOP. Caller frees with api_free() after the loop
 * ended. NULL when out of memory or statements cannot be prepared. */
struct api *api_new(struct store *s, uv_loop_t *loop, enum log_level log_max);
void api_free(struct api *a);

/* The net_handler_fn to give net_open() with CTX = the api. */
void api_handle(void *ctx, struct net_exchange *x, const struct net_request *req);

#endif
