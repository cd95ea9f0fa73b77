/* api.h: the HTTP API of docs/PROTOCOL.md: routing, replies, and the writer that commits
 * sync batches on a worker thread, several requests per transaction under load. */
#ifndef DS_API_H
#define DS_API_H

#include <uv.h>

#include "server/log.h"
#include "server/net/net.h"
#include "server/net/pool.h"
#include "server/db/store.h"

/* Jobs (sync batches, enrolments) committed together at most. Small: the log flusher
 * (server/db/walsync.c) carries the wait for the disk, so a larger group only makes its
 * first jobs wait for its last (docs/PERFORMANCE.md). */
#define API_JOBS_PER_TXN 8

struct api; /* opaque */

/* Make the API over the open store S on LOOP, decoding batches on POOL (borrowed; it must
 * outlive the API). Caller frees with api_free() after the loop ended. NULL when out of
 * memory or statements cannot be prepared. */
struct api *api_new(struct store *s, uv_loop_t *loop, struct pool *pool, enum log_level log_max);
void api_free(struct api *a);

/* The reply to a sync batch that could not be decoded or prepared with RC (not DS_OK): the
 * HTTP status, and the error code in *CODE (static). Too large, malformed or invalid input
 * is the device's doing (4xx: it must not send it again); anything else, such as memory or
 * libcrypto failing, is the server's (500: the device keeps the batch and tries later).
 * MALFORMED is set when the body is not JSON at all. */
int api_batch_status(enum ds_err rc, int malformed, const char **code);

/* The net_head_fn to give net_open() with CTX = the api: a POST /v1/sync whose credential
 * is missing, unknown or revoked gets 401 before its body is read. */
int api_head(void *ctx, const struct net_request *req);

/* The net_handler_fn to give net_open() with CTX = the api. */
void api_handle(void *ctx, struct net_exchange *x, const struct net_request *req);

#endif
