/* model.h: what Doorstep's data is: events recorded at the door with their GPS stamps, and
 * appointments (a dossier to collect or deliver at a booked hour). */
#ifndef DS_MODEL_H
#define DS_MODEL_H

#include <stdint.h>

#include "dossier.h"
#include "err.h"

#define MODEL_UUID_LEN 36        /* canonical text form, without the NUL */
#define MODEL_NAME_MAX 200       /* citizen or recipient name, bytes */
#define MODEL_NOTE_MAX 500       /* free-text note on a failed visit, bytes */
#define MODEL_ADDRESS_MAX 400    /* address, bytes */
#define MODEL_PHONE_MAX 32
#define MODEL_ID_MAX 64          /* office, courier and device identifiers */
#define MODEL_HASH_HEX 64        /* SHA-256 in hex */
#define MODEL_SIG_MAX 200        /* room for a future signature, base64 */
/* The largest event number: 2^53 - 1, exact in every JSON implementation (a device that
 * recorded an event every millisecond would reach it in 285,000 years). */
#define MODEL_SEQ_MAX 9007199254740991LL

enum model_event_type { MODEL_ARRIVE, MODEL_COLLECT, MODEL_DELIVER, MODEL_FAIL, MODEL_EVENT_TYPES };
enum model_gps_source { MODEL_GPS_NONE, MODEL_GPS_LIVE, MODEL_GPS_LAST_KNOWN };
enum model_relation { MODEL_REL_NONE, MODEL_REL_SELF, MODEL_REL_FAMILY, MODEL_REL_AUTHORISED };
enum model_fail_reason {
	MODEL_REASON_NONE, MODEL_REASON_NOT_HOME, MODEL_REASON_WRONG_ADDRESS, MODEL_REASON_REFUSED,
	MODEL_REASON_ID_MISMATCH, MODEL_REASON_NO_PROXY_LETTER, MODEL_REASON_FEE_UNPAID,
	MODEL_REASON_OTHER, MODEL_REASONS
};
enum model_kind { MODEL_KIND_COLLECT, MODEL_KIND_DELIVER };

/* Flags the agent sets on an event; the server adds its own in storage. */
#define MODEL_FLAG_FAR            0x01u /* recorded over 200 m from the appointment */
#define MODEL_FLAG_POOR_ACCURACY  0x02u /* horizontal accuracy worse than 100 m */
#define MODEL_FLAG_CLOCK_SKEW     0x04u /* device clock and GPS time differ by minutes */

#define MODEL_FAR_M 200.0
#define MODEL_POOR_ACCURACY_M 100.0

/* The GPS stamp of an event. Unknown floats are NaN; unknown integers are -1. */
struct model_gps {
	enum model_gps_source source;
	double lat, lon;       /* degrees; NaN with source none */
	double accuracy_m;     /* horizontal 95% error estimate (gpsd eph) */
	int mode;              /* 0 unseen, 1 no fix, 2 = 2D, 3 = 3D */
	int sats_used;         /* -1 unknown */
	double fix_age_s;      /* age of the fix when stamped, monotonic clock */
	int64_t gps_time_ms;   /* the fix's own time, ms since epoch; 0 unknown */
	double dist_m;         /* distance to the appointment's location; NaN unknown */
};

/* One act at the door: an append-only fact with a client-made UUID and per-device sequence. */
struct model_event {
	char uuid[MODEL_UUID_LEN + 1];
	int64_t seq;                         /* 1, 2, 3 ... per device */
	enum model_event_type type;
	char appointment[DOSSIER_MAX_LEN + 1];
	int64_t recorded_ms;                 /* device wall clock */
	struct model_gps gps;
	unsigned flags;                      /* MODEL_FLAG_* */
	int documents;                       /* collect: documents taken; -1 unknown */
	int64_t fee_vnd;                     /* collect: fee taken; -1 none */
	enum model_fail_reason reason;       /* fail */
	char note[MODEL_NOTE_MAX + 1];       /* fail: optional */
	char recipient[MODEL_NAME_MAX + 1];  /* deliver */
	enum model_relation relation;        /* deliver */
	char id_last4[5];                    /* deliver: last 4 digits of the CCCD checked, or "" */
	char signature_sha256[MODEL_HASH_HEX + 1]; /* deliver: or "" */
	char photo_sha256[MODEL_HASH_HEX + 1];     /* deliver: or "" */
	char prev_hash[MODEL_HASH_HEX + 1];  /* reserved: per-device hash chain, or "" */
	char sig[MODEL_SIG_MAX + 1];         /* reserved: device signature, or "" */
};

/* An appointment as a device sees it. Times are ms since the epoch. */
struct model_appointment {
	char code[DOSSIER_MAX_LEN + 1];
	enum model_kind kind;
	char citizen[MODEL_NAME_MAX + 1];
	char phone[MODEL_PHONE_MAX + 1];
	char address[MODEL_ADDRESS_MAX + 1];
	double lat, lon;
	int64_t window_start_ms, window_end_ms, due_ms;
	int offset_min;                      /* the local offset the times were booked in */
	int service_min;
	char status[16];                     /* booked, arrived, collected, delivered, failed */
	int stop;                            /* order in the round, 0 = not planned */
	int64_t eta_ms;                      /* planned arrival, 0 = none */
	int64_t round_version;
	int removed;                         /* 1: no longer this courier's */
};

/* Names on the wire for the enums above; NULL for an out-of-range value. */
const char *model_event_type_name(enum model_event_type t);
const char *model_gps_source_name(enum model_gps_source s);
const char *model_relation_name(enum model_relation r);
const char *model_reason_name(enum model_fail_reason r);
const char *model_kind_name(enum model_kind k);

/* Parse the names above. Return DS_OK, or DS_EINVAL for an unknown name. */
DS_WUR enum ds_err model_event_type_parse(const char *s, enum model_event_type *out);
DS_WUR enum ds_err model_gps_source_parse(const char *s, enum model_gps_source *out);
DS_WUR enum ds_err model_relation_parse(const char *s, enum model_relation *out);
DS_WUR enum ds_err model_reason_parse(const char *s, enum model_fail_reason *out);
DS_WUR enum ds_err model_kind_parse(const char *s, enum model_kind *out);

/* Set E to an empty event: unknown numbers NaN or -1, strings empty. */
void model_event_init(struct model_event *e);

/* True when S is a UUID in canonical lower- or upper-case 8-4-4-4-12 form. */
int model_uuid_valid(const char *s);

/* A new time-ordered UUID (version 7: Unix milliseconds, then 74 random bits) into OUT. */
DS_WUR enum ds_err model_uuid_new(char out[MODEL_UUID_LEN + 1]);

#endif
