/* admin.h: the office's reference data: offices and couriers. */
#ifndef DS_ADMIN_H
#define DS_ADMIN_H

#include "server/db/store.h"

/* Add or update office ID. DS_EINVAL for an empty id or name or a bad position. */
DS_WUR enum ds_err admin_office_add(struct store *s, const char *id, const char *name,
                                    double lat, double lon);

/* Add or update courier ID at OFFICE with the shift [START_MIN, END_MIN) in minutes after
 * local midnight. DS_ENOTFOUND when the office does not exist. */
DS_WUR enum ds_err admin_courier_add(struct store *s, const char *id, const char *name,
                                     const char *office, int start_min, int end_min);

/* Parse "HH:MM-HH:MM" into minutes after midnight. DS_EINVAL when malformed or empty. */
DS_WUR enum ds_err admin_parse_shift(const char *s, int *start_min, int *end_min);

#endif
