/* canon.h: the canonical text of an event: the JSON whose SHA-256 is the event's content
 * hash, so a re-sent event is recognised whatever formatting the device used. Its rules are
 * docs/PROTOCOL.md's "Canonical event text"; this is the one encoder that writes it. */
#ifndef DS_CANON_H
#define DS_CANON_H

#include <stddef.h>

#include "model.h"

#define CANON_REAL_DIGITS 12 /* significant digits of a real in the canonical text */
#define CANON_REAL_MAX 32    /* room for any real canon_real_text writes, with its NUL */

/* The canonical text of E, NUL-terminated; NULL when E holds text that is not UTF-8 or an
 * unknown type or source, or when out of memory. Caller frees with free(). */
char *canon_event(const struct model_event *e);

/* V rounded to a multiple of 1/SCALE (a power of ten), as the wire carries it: 1e7 for
 * degrees, 10 for metres, 1000 for seconds. Non-finite values come back unchanged. */
double canon_round(double v, double scale);

/* The finite V as a JSON number of at most DIGITS (1 to 17) significant digits, as jansson
 * writes a real: "%.*g", ".0" appended when that reads as an integer, the exponent without
 * '+' or leading zeros. Into BUF (MAX bytes, CANON_REAL_MAX is enough), NUL-terminated;
 * returns its length, or -1 when V is not finite or BUF is short. */
int canon_real_text(double v, int digits, char *buf, size_t max);

#endif
