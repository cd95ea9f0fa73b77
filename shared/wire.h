/* wire.h: how Doorstep's data travels: the JSON of events, sync batches and appointments
 * (docs/PROTOCOL.md, version 1), and the agent's codec for it on jansson. The server, which
 * links no jansson, decodes batches with batch.h; an event's hashed text is canon.h's. */
#ifndef DS_WIRE_H
#define DS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "record.h"

#define WIRE_VERSION 1
#define WIRE_MAX_BATCH 1000        /* events in one sync request */
#define WIRE_ERR_MAX RECORD_ERR_MAX /* room for a decode error message */
/* How the agent dumps what it encodes here (jansson's flags: expands only where jansson.h is
 * included). */
#define WIRE_DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12))

/* jansson's object type, declared without its header so that server code may include this
 * file for struct wire_batch without seeing jansson. */
typedef struct json_t json_t;

/* A decoded sync request (batch.h decodes and frees one). */
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

/* Encode A as a JSON object. Caller frees with json_decref(). */
json_t *wire_appointment_encode(const struct model_appointment *a);

/* Decode the JSON object J into OUT: A; ERR as above. */
DS_WUR enum ds_err wire_appointment_decode(const json_t *j, struct model_appointment *a, char *err);

#endif
