/* ingest.h: storing a device's events exactly once and deriving appointment state from them. */
#ifndef DS_INGEST_H
#define DS_INGEST_H

#include <stdint.h>

#include "server/db/seal.h"
#include "server/db/store.h"
#include "wire.h"

/* Flags the server adds to stored events (beside the device's MODEL_FLAG_* in the body). */
#define INGEST_FLAG_SEQ_GAP       0x100u /* the device's sequence skipped numbers */
#define INGEST_FLAG_LATE_WINDOW   0x200u /* recorded after the booked window ended */
#define INGEST_FLAG_LATE_DUE      0x400u /* recorded after the legal due time */
#define INGEST_FLAG_CONTRADICTORY 0x800u /* wrong kind of act, or an act after a final one */
#define INGEST_FLAG_MOVED         0x1000u /* by a former courier, before the move reached it */
#define INGEST_FLAG_CLOCK_AHEAD   0x2000u /* recorded_at later than received + the skew limit */

/* How far a device's recorded_at may run ahead of the server's clock unflagged: the
 * protocol's clock_skew limit between two clocks (docs/PROTOCOL.md). */
#define INGEST_CLOCK_SKEW_MS (5 * 60 * 1000)

enum ingest_refusal { INGEST_OK, INGEST_CONFLICT, INGEST_FORBIDDEN, INGEST_UNKNOWN_APPT };

struct ingest_result {
	int stored, duplicates;
	int64_t last_seq;             /* highest seq held for the device afterwards */
	enum ingest_refusal refusal;  /* not INGEST_OK: the caller must roll the batch back */
	char detail[160];             /* which event was refused and why */
};

struct ingest; /* prepared statements kept across batches; opaque */

/* The CPU work for one event, done before the database is touched (on any thread): its
 * canonical text's hash and its body sealed with the data key. */
struct ingest_prep {
	uint8_t hash[SEAL_HASH_LEN];
	uint8_t *sealed;        /* canonical JSON sealed with seal_seal(); owned */
	size_t sealed_len;
};

/* Prepare every event of B with KEY into OUT: *PREP (B->count entries). Thread-safe; no
 * database access. Caller frees with ingest_prep_free(*PREP, B->count). */
DS_WUR enum ds_err ingest_prepare(const struct seal *v, const uint8_t key[SEAL_KEY_LEN],
                                  const struct wire_batch *b, struct ingest_prep **prep);
void ingest_prep_free(struct ingest_prep *prep, size_t n);

/* Prepare the statements on S. Caller frees with ingest_free(). NULL on failure (S->err). */
struct ingest *ingest_new(struct store *s);
void ingest_free(struct ingest *in);

/* Store batch B (prepared as PREP) from DEV inside the caller's open transaction. On a
 * refusal nothing was meant to be kept: the caller rolls back. Returns an error only when
 * the database failed. */
DS_WUR enum ds_err ingest_batch(struct ingest *in, const struct store_device *dev,
                                const struct wire_batch *b, const struct ingest_prep *prep,
                                int64_t now_ms, struct ingest_result *res);

/* Recompute the state of appointment CODE and its events' flags from all its events,
 * ordered by (recorded_at, uuid). Deterministic; inside the caller's transaction. */
DS_WUR enum ds_err ingest_derive(struct ingest *in, const char *code);

#define INGEST_FLAG_NAMES_MAX 8 /* device and server flags, by distinct name */

/* The names of the flags in FLAGS (device and server) into OUT: NAMES, in a fixed order;
 * returns how many. The names are static strings. */
size_t ingest_flag_names(unsigned flags, const char *names[INGEST_FLAG_NAMES_MAX]);

#endif
