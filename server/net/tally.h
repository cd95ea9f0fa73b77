/* tally.h: counts of what the front end refused or answered with an error, logged at most
 * one line per kind per interval with the count, so an operator sees an attack without a
 * flood of lines. The lines carry no address, credential or other personal data. */
#ifndef DS_TALLY_H
#define DS_TALLY_H

#include <stdint.h>

#include "server/log.h"

/* What is counted. */
enum tally_kind {
	TALLY_CAP_GLOBAL,    /* connection refused: the server's connection cap */
	TALLY_CAP_ADDR,      /* connection refused: its address's connection cap */
	TALLY_HS_ADDR,       /* connection refused: its address's cap on handshakes in progress */
	TALLY_HS_TIMEOUT,    /* connection closed: the TLS handshake missed its deadline */
	TALLY_IDLE_EVICTED,  /* idle keep-alive connection closed to make room near the cap */
	TALLY_BODY_BUDGET,   /* request refused with 503: the body budget was spent */
	TALLY_REPLY_400,     /* replies 400 (malformed request) */
	TALLY_REPLY_401,     /* replies 401 (missing or bad credential) */
	TALLY_REPLY_408,     /* replies 408 (request too slow) */
	TALLY_KINDS
};

/* Counts since the last line and in all, per kind. All zero is a valid, silent start. */
struct tally {
	enum log_level log_max;            /* the server's log threshold */
	unsigned interval_ms;              /* at most one line per kind per this */
	uint64_t pending[TALLY_KINDS];     /* counted since the kind's last line */
	uint64_t total[TALLY_KINDS];       /* counted since start */
	uint64_t last_line_ms[TALLY_KINDS];/* monotonic time of the kind's last line; 0: none */
};

/* Count one KIND at monotonic time NOW_MS, and log a line for the kind when its interval
 * has passed since its last line (the first of a kind is logged at once). */
void tally_add(struct tally *t, enum tally_kind kind, uint64_t now_ms);

/* Log a line for each kind with counts not yet logged whose interval has passed at
 * monotonic time NOW_MS; called every interval so a burst's last count is not held back. */
void tally_tick(struct tally *t, uint64_t now_ms);

/* Log a line for each kind with counts not yet logged (at shutdown). */
void tally_flush(struct tally *t);

#endif
