/* canon.h: the canonical text of an event: the JSON whose SHA-256 is the event's content
 * hash, so a re-sent event is recognised whatever formatting the device used. It is the
 * compact, key-sorted encoding of wire.c with reals at 12 significant digits
 * (docs/PROTOCOL.md). */
#ifndef DS_CANON_H
#define DS_CANON_H

#include "model.h"

/* The canonical text of E, NUL-terminated; NULL when E holds text that is not UTF-8 or an
 * unknown type or source, or when out of memory. Caller frees with free(). */
char *canon_event(const struct model_event *e);

/* V rounded to a multiple of 1/SCALE (a power of ten), as the wire carries it: 1e7 for
 * degrees, 10 for metres, 1000 for seconds. Non-finite values come back unchanged. */
double canon_round(double v, double scale);

#endif
