/* export.h: every event the server holds, decrypted, as JSON, CSV or GeoJSON. */
#ifndef DS_EXPORT_H
#define DS_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "server/db/store.h"

enum export_format { EXPORT_JSON, EXPORT_CSV, EXPORT_GEOJSON };

/* Write the events received at or after SINCE_MS (0 = all), in storage order, to OUT. */
DS_WUR enum ds_err export_events(struct store *s, enum export_format fmt, int64_t since_ms,
                                 FILE *out);

#endif
