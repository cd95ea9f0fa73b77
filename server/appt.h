/* appt.h: reading appointments as devices see them (changes since a cursor). */
#ifndef DS_APPT_H
#define DS_APPT_H

#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "model.h"
#include "server/db/store.h"

/* Writes into the open object G the members "cursor" (the store's revision now, also into
 * OUT: *NEW_CURSOR) and "appointments": those of COURIER changed after revision CURSOR (all
 * when 0), then {"code":…,"removed":true} for those moved away from it since. Each
 * appointment is an object with its members in docs/PROTOCOL.md's order and reals at 12
 * significant digits. DS_ENOMEM when G fails. */
DS_WUR enum ds_err appt_changes(struct store *s, const char *courier, int64_t cursor,
                                yajl_gen g, int64_t *new_cursor);

/* Writes A into G as one object: its members in the order of the agent's
 * wire_appointment_encode(), reals at 12 significant digits, so the bytes are what jansson
 * wrote with JSON_COMPACT | JSON_REAL_PRECISION(12). Non-zero when G fails (text that is not
 * UTF-8, out of memory). */
int appt_write(yajl_gen g, const struct model_appointment *a);

#endif
