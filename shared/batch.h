/* batch.h: the decoding of a sync request body into its events, on yajl's event parser
 * (jsonrec.h), the server's hot path. Only the server links it: the agent, which sends
 * batches and never reads one, decodes with jansson (wire.h) and links no yajl. */
#ifndef DS_BATCH_H
#define DS_BATCH_H

#include <stddef.h>

#include "err.h"
#include "wire.h"

/* Parses a sync request body TEXT of LEN bytes into OUT: B. On DS_EINVAL, ERR (WIRE_ERR_MAX
 * bytes) says why and names the event's index. Caller frees with batch_free() (also after a
 * failure). */
DS_WUR enum ds_err batch_decode(const char *text, size_t len, struct wire_batch *b, char *err);

/* Frees the events of B and zeroes it. Accepts NULL. */
void batch_free(struct wire_batch *b);

#endif
