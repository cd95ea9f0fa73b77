/* wire.h: how Doorstep's data travels: the JSON of events, sync batches and appointments
 * (docs/PROTOCOL.md, version 1). Encoding is canonical so a re-sent event hashes the same. */
#ifndef DS_WIRE_H
#define DS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "model.h"

#define WIRE_VERSION 1
#define WIRE_MAX_BATCH 1000        /* events in one sync request */
#define WIRE_ERR_MAX 160           /* room for a decode error message */
#define WIRE_DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12))

/* A decoded sync request. */
struct wire_batch {
	int64_t cursor;              /* the device's pull cursor; 0 = everything */
	size_t count;
	struct model_event *events;  /* COUNT events, in the order sent */
};

/* Encode E as a JSON object. Caller frees with json_decref(). NULL when out of memory. */
json_t *wire_event_encode(const struct model_event *e);

/* Decode and validate the JSON object J into OUT: E. On DS_EINVAL, ERR (WIRE_ERR_MAX bytes)
 * says which field is wrong. */
DS_WUR enum ds_err wire_event_decode(const json_t *j, struct model_event *e, char *err);

/* Parse a sync request body TEXT of LEN bytes into OUT: B. On DS_EINVAL, ERR says why and
 * names the event's index. Caller frees with wire_batch_free() (also after a failure). */
DS_WUR enum ds_err wire_batch_decode(const char *text, size_t len, struct wire_batch *b, char *err);

/* Free the events of B and zero it. Accepts NULL. */
void wire_batch_free(struct wire_batch *b);

/* Encode A as a JSON object. Caller frees with json_decref(). */
json_t *wire_appointment_encode(const struct model_appointment *a);

/* Decode the JSON object J into OUT: A; ERR as above. */
DS_WUR enum ds_err wire_appointment_decode(const json_t *j, struct model_appointment *a, char *err);

#endif
