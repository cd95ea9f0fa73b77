/* appt.h: reading appointments as devices see them (changes since a cursor). */
#ifndef DS_APPT_H
#define DS_APPT_H

#include <stdint.h>

#include <jansson.h>

#include "server/db/store.h"

/* Append to ARR the appointments of COURIER changed after revision CURSOR (all when 0), and
 * {"code":…,"removed":true} for those moved away from it since. OUT: *NEW_CURSOR. */
DS_WUR enum ds_err appt_changes(struct store *s, const char *courier, int64_t cursor,
                                json_t *arr, int64_t *new_cursor);

#endif
