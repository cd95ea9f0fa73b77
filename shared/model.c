/* model.c: names of the model's enums and small helpers on events. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "isotime.h"
#include "model.h"

static const char *const model_types[] = {"arrive", "collect", "deliver", "fail"};
static const char *const model_sources[] = {"none", "live", "last_known"};
static const char *const model_relations[] = {"", "self", "family", "authorised"};
static const char *const model_reasons[] = {"", "not-home", "wrong-address", "refused",
	"id-mismatch", "no-proxy-letter", "fee-unpaid", "other"};
static const char *const model_kinds[] = {"collect", "deliver"};

#define MODEL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *model_name(const char *const *names, size_t n, int v)
{
	return (v >= 0 && (size_t)v < n) ? names[v] : NULL;
}

static enum ds_err model_parse(const char *const *names, size_t n, const char *s, int *out)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++) {
		if (names[i][0] != '\0' && strcmp(names[i], s) == 0) {
			*out = (int)i;
			return DS_OK;
		}
	}
	return DS_EINVAL;
}

const char *model_event_type_name(enum model_event_type t)
{
	return model_name(model_types, MODEL_COUNT(model_types), (int)t);
}

const char *model_gps_source_name(enum model_gps_source s)
{
	return model_name(model_sources, MODEL_COUNT(model_sources), (int)s);
}

const char *model_relation_name(enum model_relation r)
{
	return model_name(model_relations, MODEL_COUNT(model_relations), (int)r);
}

const char *model_reason_name(enum model_fail_reason r)
{
	return model_name(model_reasons, MODEL_COUNT(model_reasons), (int)r);
}

const char *model_kind_name(enum model_kind k)
{
	return model_name(model_kinds, MODEL_COUNT(model_kinds), (int)k);
}

#define MODEL_PARSER(fn, type, table)                                   \
	enum ds_err fn(const char *s, type *out)                        \
	{                                                               \
		int v;                                                  \
		enum ds_err rc = model_parse(table, MODEL_COUNT(table), s, &v); \
		if (rc == DS_OK)                                        \
			*out = (type)v;                                 \
		return rc;                                              \
	}

MODEL_PARSER(model_event_type_parse, enum model_event_type, model_types)
MODEL_PARSER(model_gps_source_parse, enum model_gps_source, model_sources)
MODEL_PARSER(model_relation_parse, enum model_relation, model_relations)
MODEL_PARSER(model_reason_parse, enum model_fail_reason, model_reasons)
MODEL_PARSER(model_kind_parse, enum model_kind, model_kinds)

void model_event_init(struct model_event *e)
{
	memset(e, 0, sizeof *e);
	e->gps.source = MODEL_GPS_NONE;
	e->gps.lat = e->gps.lon = e->gps.accuracy_m = NAN;
	e->gps.fix_age_s = e->gps.dist_m = NAN;
	e->gps.sats_used = -1;
	e->documents = -1;
	e->fee_vnd = -1;
}

int model_uuid_valid(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, MODEL_UUID_LEN + 1) != MODEL_UUID_LEN)
		return 0;
	for (i = 0; i < MODEL_UUID_LEN; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		             (c >= 'A' && c <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

/* Version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits. Time
 * first means new events land at the right edge of the server's UUID index instead of on a
 * random page, so a batch dirties a few pages rather than one per event; the time it shows
 * is already in the event as recorded_at. A wrong device clock costs order, never identity. */
enum ds_err model_uuid_new(char out[MODEL_UUID_LEN + 1])
{
	uint64_t ms = (uint64_t)isotime_now_ms();
	uint8_t b[16];
	int i;

	if (crypto_random(b, sizeof b) != DS_OK)
		return DS_EIO;
	for (i = 0; i < 6; i++)
		b[i] = (uint8_t)(ms >> (40 - 8 * i));
	b[6] = (uint8_t)((b[6] & 0x0F) | 0x70);
	b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
	snprintf(out, MODEL_UUID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
	return DS_OK;
}
