/* isotime.h: ISO 8601 timestamps with offsets, to and from milliseconds since the epoch. */
#ifndef DS_ISOTIME_H
#define DS_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ISOTIME_MAX_LEN 40 /* longest text accepted or written, without the NUL */

/* Parse "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)" into OUT: *UNIX_MS and, when not NULL,
 * OUT: *OFFSET_MIN (minutes east of UTC). An offset is required: a local time without one is
 * ambiguous. Returns DS_OK or DS_EINVAL. */
DS_WUR enum ds_err isotime_parse(const char *s, int64_t *unix_ms, int *offset_min);

/* Parse a calendar date "YYYY-MM-DD" into OUT: *DAYS since 1970-01-01. */
DS_WUR enum ds_err isotime_parse_date(const char *s, int64_t *days);

/* Write UNIX_MS as ISO 8601 at OFFSET_MIN ("Z" when 0) into BUF of LEN bytes, with
 * milliseconds only when not zero. Returns DS_OK or DS_ETOOBIG. */
DS_WUR enum ds_err isotime_format(int64_t unix_ms, int offset_min, char *buf, size_t len);

/* Milliseconds since the epoch from the wall clock. */
int64_t isotime_now_ms(void);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t isotime_days_from_civil(int y, int m, int d);

#endif
