/* record.h: the strict decoding of an event, an appointment or a sync batch's top level from
 * its member table (jsonrec.h), whichever JSON library filled the table (docs/PROTOCOL.md). */
#ifndef DS_RECORD_H
#define DS_RECORD_H

#include <stdint.h>

#include "err.h"
#include "jsonrec.h"
#include "model.h"

#define RECORD_ERR_MAX 160 /* room for a decode error message */

/* Decodes the event O (with its "gps" member's child table) into OUT: E. On DS_EINVAL, ERR
 * (RECORD_ERR_MAX bytes) names the member that is wrong and why. */
DS_WUR enum ds_err record_event(const struct jsonrec_obj *o, struct model_event *e, char *err);

/* Decodes the appointment O into OUT: A; ERR as above. */
DS_WUR enum ds_err record_appointment(const struct jsonrec_obj *o, struct model_appointment *a,
                                      char *err);

/* Checks a sync request's top-level members ROOT (the events array shows only its item
 * count) against protocol VERSION and sets OUT: CURSOR. DS_ETOOBIG when the array holds
 * more than MAX_EVENTS. */
DS_WUR enum ds_err record_batch(const struct jsonrec_obj *root, int version, size_t max_events,
                                int64_t *cursor, char *err);

#endif
