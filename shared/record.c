/* record.c: the strict checks of a decoded event, appointment or batch, on the member table
 * (jsonrec.h) that either JSON library fills: the agent's jansson (wire.c) or the server's
 * yajl event parser (batch.c). Unknown members, wrong types and out-of-range values are
 * refused with a message naming the member, so a device with a bug is told at once and
 * nothing half-understood is stored. This file calls no JSON library. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier.h"
#include "geo.h"
#include "isotime.h"
#include "record.h"
#include "text.h"

static enum ds_err record_fail(char *err, const char *what, const char *key)
{
	snprintf(err, RECORD_ERR_MAX, "%s: %s", key, what);
	return DS_EINVAL;
}

/* Refuses members of O not named in ALLOWED (a NULL-terminated list). */
static enum ds_err record_only(const struct jsonrec_obj *o, const char *const *allowed, char *err)
{
	const char *key;
	size_t i, k;

	for (k = 0; k < o->n; k++) {
		key = o->m[k].key;
		for (i = 0; allowed[i] != NULL; i++)
			if (allowed[i][0] == key[0] && strcmp(allowed[i], key) == 0)
				break;
		/* The key is quoted in a JSON reply: only when it is short, valid text. */
		if (allowed[i] == NULL)
			return record_fail(err, "unknown member",
			                 key[0] && text_valid_utf8(key, strlen(key)) ? key :
			                 "(a long or odd key)");
	}
	return DS_OK;
}

/* Copies the optional string member K (at most MAX bytes, valid UTF-8) into OUT. */
static const struct jsonrec_value *record_val(const struct jsonrec_obj *o, const char *k)
{
	const struct jsonrec_member *m = jsonrec_get(o, k);

	return m ? &m->v : NULL;
}

static enum ds_err record_get_str(const struct jsonrec_obj *o, const char *k, char *out, size_t max,
                                int required, char *err)
{
	const struct jsonrec_value *v = record_val(o, k);

	out[0] = '\0';
	if (v == NULL)
		return required ? record_fail(err, "missing", k) : DS_OK;
	if (v->type != JSONREC_STRING)
		return record_fail(err, "must be a string", k);
	if (v->len > max)
		return record_fail(err, "too long", k);
	if (v->bad_text)
		return record_fail(err, "not valid UTF-8 text", k);
	if (v->s == NULL)
		return record_fail(err, "too long (the event as a whole)", k);
	memcpy(out, v->s, v->len);
	out[v->len] = '\0';
	return DS_OK;
}

static enum ds_err record_get_real(const struct jsonrec_obj *o, const char *k, double lo, double hi,
                                 double *out, char *err)
{
	const struct jsonrec_value *v = record_val(o, k);

	*out = NAN;
	if (v == NULL)
		return DS_OK;
	if (v->type != JSONREC_INT && v->type != JSONREC_REAL)
		return record_fail(err, "must be a number", k);
	*out = v->d;
	if (v->range || !isfinite(*out) || *out < lo || *out > hi)
		return record_fail(err, "out of range", k);
	return DS_OK;
}

static enum ds_err record_get_int(const struct jsonrec_obj *o, const char *k, int64_t lo,
                                  int64_t hi,
                                int64_t *out, char *err)
{
	const struct jsonrec_value *v = record_val(o, k);

	if (v == NULL)
		return DS_OK;
	if (v->type != JSONREC_INT)
		return record_fail(err, "must be an integer", k);
	if (v->range)
		return record_fail(err, "out of range", k);
	*out = v->i;
	if (*out < lo || *out > hi)
		return record_fail(err, "out of range", k);
	return DS_OK;
}

/* 10000-01-01T00:00:00Z. A time on the wire is an instant after the epoch (0 is "unknown" in
 * the model) and before this, so the UTC text the encoder writes always parses again. */
#define RECORD_TIME_END_MS 253402300800000LL

static enum ds_err record_get_time(const struct jsonrec_obj *o, const char *k, int required,
                                 int64_t *out, char *err)
{
	char buf[ISOTIME_MAX_LEN + 1];
	enum ds_err rc = record_get_str(o, k, buf, ISOTIME_MAX_LEN, required, err);

	*out = 0;
	if (rc != DS_OK || jsonrec_get(o, k) == NULL)
		return rc;
	if (isotime_parse(buf, out, NULL) != DS_OK)
		return record_fail(err, "not an ISO 8601 time with offset", k);
	if (*out <= 0 || *out >= RECORD_TIME_END_MS) {
		*out = 0;
		return record_fail(err, "out of range (after 1970, before 10000 UTC)", k);
	}
	return DS_OK;
}

static enum ds_err record_get_enum(const struct jsonrec_obj *o, const char *k, int required,
                                 enum ds_err (*parse)(const char *, int *), int *out, char *err)
{
	char buf[32];
	enum ds_err rc = record_get_str(o, k, buf, sizeof buf - 1, required, err);

	/* Present but empty is an unknown value, not an absent member. */
	if (rc != DS_OK || jsonrec_get(o, k) == NULL)
		return rc;
	if (parse(buf, out) != DS_OK)
		return record_fail(err, "unknown value", k);
	return DS_OK;
}

/* Adapters from the typed model parsers to record_get_enum's int form. */

static enum ds_err record_p_type(const char *s, int *v)
{
	enum model_event_type t;
	enum ds_err r = model_event_type_parse(s, &t);

	*v = (int)t;
	return r;
}

static enum ds_err record_p_source(const char *s, int *v)
{
	enum model_gps_source t;
	enum ds_err r = model_gps_source_parse(s, &t);

	*v = (int)t;
	return r;
}

static enum ds_err record_p_rel(const char *s, int *v)
{
	enum model_relation t;
	enum ds_err r = model_relation_parse(s, &t);

	*v = (int)t;
	return r;
}

static enum ds_err record_p_reason(const char *s, int *v)
{
	enum model_fail_reason t;
	enum ds_err r = model_reason_parse(s, &t);

	*v = (int)t;
	return r;
}

static enum ds_err record_p_kind(const char *s, int *v)
{
	enum model_kind t;
	enum ds_err r = model_kind_parse(s, &t);

	*v = (int)t;
	return r;
}

static int record_is_hex(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static enum ds_err record_gps_decode(const struct jsonrec_member *gm, struct model_gps *out,
                                     char *err)
{
	static const char *const allowed[] = {"source", "lat", "lon", "accuracy_m", "mode", "sats",
		"fix_age_s", "gps_time", "dist_m", NULL};
	int src = 0;
	int64_t mode = 0, sats = -1;
	enum ds_err rc;

	const struct jsonrec_obj *g = gm->obj;

	if (gm->v.type != JSONREC_OBJECT || g == NULL)
		return record_fail(err, "must be an object", "gps");
	if ((rc = record_only(g, allowed, err)) != DS_OK ||
	    (rc = record_get_enum(g, "source", 1, record_p_source, &src, err)) != DS_OK ||
	    (rc = record_get_real(g, "lat", -90, 90, &out->lat, err)) != DS_OK ||
	    (rc = record_get_real(g, "lon", -180, 180, &out->lon, err)) != DS_OK ||
	    (rc = record_get_real(g, "accuracy_m", 0, 1e7, &out->accuracy_m, err)) != DS_OK ||
	    (rc = record_get_int(g, "mode", 0, 3, &mode, err)) != DS_OK ||
	    (rc = record_get_int(g, "sats", 0, 255, &sats, err)) != DS_OK ||
	    (rc = record_get_real(g, "fix_age_s", 0, 1e9, &out->fix_age_s, err)) != DS_OK ||
	    (rc = record_get_time(g, "gps_time", 0, &out->gps_time_ms, err)) != DS_OK ||
	    (rc = record_get_real(g, "dist_m", 0, 1e8, &out->dist_m, err)) != DS_OK)
		return rc;
	out->source = (enum model_gps_source)src;
	out->mode = (int)mode;
	out->sats_used = (int)sats;
	/* A stamp with a position must say how good it is; one without may say nothing. */
	if (out->source == MODEL_GPS_NONE) {
		if (g->n != 1)
			return record_fail(err, "source none carries no fix data", "gps");
	} else if (!geo_valid(out->lat, out->lon) || mode < 2 || !isfinite(out->fix_age_s)) {
		return record_fail(err, "a fix needs lat, lon, mode 2 or 3 and fix_age_s", "gps");
	}
	return DS_OK;
}

static enum ds_err record_flags_decode(const struct jsonrec_member *a, unsigned *flags, char *err)
{
	size_t i;
	const char *s;

	*flags = 0;
	if (a == NULL)
		return DS_OK;
	if (a->v.type != JSONREC_ARRAY || a->n_items > JSONREC_ITEMS_MAX)
		return record_fail(err, "must be an array of flag names", "flags");
	for (i = 0; i < a->n_items; i++) {
		s = a->items[i].type == JSONREC_STRING ? a->items[i].s : NULL;
		if (s != NULL && strcmp(s, "far") == 0)
			*flags |= MODEL_FLAG_FAR;
		else if (s != NULL && strcmp(s, "poor_accuracy") == 0)
			*flags |= MODEL_FLAG_POOR_ACCURACY;
		else if (s != NULL && strcmp(s, "clock_skew") == 0)
			*flags |= MODEL_FLAG_CLOCK_SKEW;
		else
			return record_fail(err, "unknown flag", "flags");
	}
	return DS_OK;
}

static enum ds_err record_act_decode(const struct jsonrec_obj *o, struct model_event *e,
                                     char *err)
{
	int64_t docs = -1, fee = -1;
	int reason = 0, rel = 0;
	int fail = e->type == MODEL_FAIL, deliver = e->type == MODEL_DELIVER;
	enum ds_err rc;

	if ((rc = record_get_int(o, "documents", 0, 1000, &docs, err)) != DS_OK ||
	    (rc = record_get_int(o, "fee_vnd", 0, 1000000000000LL, &fee, err)) != DS_OK ||
	    (rc = record_get_enum(o, "reason", fail, record_p_reason, &reason, err)) != DS_OK ||
	    (rc = record_get_str(o, "note", e->note, MODEL_NOTE_MAX, 0, err)) != DS_OK ||
	    (rc = record_get_str(o, "recipient", e->recipient, MODEL_NAME_MAX, deliver,
	                         err)) != DS_OK ||
	    (rc = record_get_enum(o, "relation", deliver, record_p_rel, &rel, err)) != DS_OK ||
	    (rc = record_get_str(o, "id_last4", e->id_last4, 4, 0, err)) != DS_OK ||
	    (rc = record_get_str(o, "signature_sha256", e->signature_sha256, MODEL_HASH_HEX, 0,
	                         err)) != DS_OK ||
	    (rc = record_get_str(o, "photo_sha256", e->photo_sha256, MODEL_HASH_HEX, 0,
	                         err)) != DS_OK ||
	    (rc = record_get_str(o, "prev_hash", e->prev_hash, MODEL_HASH_HEX, 0, err)) != DS_OK ||
	    (rc = record_get_str(o, "sig", e->sig, MODEL_SIG_MAX, 0, err)) != DS_OK)
		return rc;
	e->documents = (int)docs;
	e->fee_vnd = fee;
	e->reason = (enum model_fail_reason)reason;
	e->relation = (enum model_relation)rel;
	if (e->id_last4[0] && (strlen(e->id_last4) != 4 || strspn(e->id_last4, "0123456789") != 4))
		return record_fail(err, "must be 4 digits", "id_last4");
	if ((e->signature_sha256[0] && !record_is_hex(e->signature_sha256, MODEL_HASH_HEX)) ||
	    (e->photo_sha256[0] && !record_is_hex(e->photo_sha256, MODEL_HASH_HEX)))
		return record_fail(err, "must be 64 lower-case hex digits",
		                   "signature_sha256/photo_sha256");
	if (e->type == MODEL_DELIVER && e->recipient[0] == '\0')
		return record_fail(err, "must not be empty", "recipient");
	return DS_OK;
}

enum ds_err record_event(const struct jsonrec_obj *o, struct model_event *e, char *err)
{
	static const char *const allowed[] = {"uuid", "seq", "type", "appointment", "recorded_at",
		"gps", "flags", "documents", "fee_vnd", "reason", "note", "recipient", "relation",
		"id_last4", "signature_sha256", "photo_sha256", "prev_hash", "sig", NULL};
	struct dossier_code code;
	const struct jsonrec_member *gps;
	const char *why;
	int type = 0;
	enum ds_err rc;

	model_event_init(e);
	e->seq = 0;
	if ((rc = record_only(o, allowed, err)) != DS_OK ||
	    (rc = record_get_str(o, "uuid", e->uuid, MODEL_UUID_LEN, 1, err)) != DS_OK ||
	    (rc = record_get_int(o, "seq", 1, MODEL_SEQ_MAX, &e->seq, err)) != DS_OK ||
	    (rc = record_get_enum(o, "type", 1, record_p_type, &type, err)) != DS_OK ||
	    (rc = record_get_str(o, "appointment", e->appointment, DOSSIER_MAX_LEN, 1,
	                         err)) != DS_OK ||
	    (rc = record_get_time(o, "recorded_at", 1, &e->recorded_ms, err)) != DS_OK)
		return rc;
	e->type = (enum model_event_type)type;
	if (!model_uuid_valid(e->uuid))
		return record_fail(err, "not a UUID", "uuid");
	if (e->seq < 1)
		return record_fail(err, "missing", "seq");
	if (dossier_parse(e->appointment, &code, &why) != DS_OK)
		return record_fail(err, why, "appointment");
	if ((gps = jsonrec_get(o, "gps")) == NULL)
		return record_fail(err, "missing", "gps");
	if ((rc = record_gps_decode(gps, &e->gps, err)) != DS_OK ||
	    (rc = record_flags_decode(jsonrec_get(o, "flags"), &e->flags, err)) != DS_OK)
		return rc;
	return record_act_decode(o, e, err);
}

static enum ds_err record_offset_of(const struct jsonrec_obj *o, const char *k, int *offset_min)
{
	const struct jsonrec_value *v = record_val(o, k);
	int64_t ms;

	if (v == NULL || v->type != JSONREC_STRING || v->s == NULL)
		return DS_OK;
	return isotime_parse(v->s, &ms, offset_min);
}

enum ds_err record_appointment(const struct jsonrec_obj *j, struct model_appointment *a, char *err)
{
	const struct jsonrec_value *rm;
	int kind = 0;
	int64_t service = 0, stop = 0, version = 0;
	enum ds_err rc;

	memset(a, 0, sizeof *a);
	a->lat = a->lon = NAN;
	if ((rc = record_get_str(j, "code", a->code, DOSSIER_MAX_LEN, 1, err)) != DS_OK)
		return rc;
	rm = record_val(j, "removed");
	if (rm != NULL && rm->type == JSONREC_TRUE) {
		a->removed = 1;
		return DS_OK;
	}
	if ((rc = record_get_enum(j, "kind", 1, record_p_kind, &kind, err)) != DS_OK ||
	    (rc = record_get_str(j, "citizen", a->citizen, MODEL_NAME_MAX, 0, err)) != DS_OK ||
	    (rc = record_get_str(j, "phone", a->phone, MODEL_PHONE_MAX, 0, err)) != DS_OK ||
	    (rc = record_get_str(j, "address", a->address, MODEL_ADDRESS_MAX, 0, err)) != DS_OK ||
	    (rc = record_get_real(j, "lat", -90, 90, &a->lat, err)) != DS_OK ||
	    (rc = record_get_real(j, "lon", -180, 180, &a->lon, err)) != DS_OK ||
	    (rc = record_get_time(j, "window_start", 0, &a->window_start_ms, err)) != DS_OK ||
	    (rc = record_get_time(j, "window_end", 0, &a->window_end_ms, err)) != DS_OK ||
	    (rc = record_get_time(j, "due", 0, &a->due_ms, err)) != DS_OK ||
	    (rc = record_get_int(j, "service_min", 0, 24 * 60, &service, err)) != DS_OK ||
	    (rc = record_get_str(j, "status", a->status, sizeof a->status - 1, 0, err)) != DS_OK ||
	    (rc = record_get_int(j, "stop", 0, 100000, &stop, err)) != DS_OK ||
	    (rc = record_get_time(j, "eta", 0, &a->eta_ms, err)) != DS_OK ||
	    (rc = record_get_int(j, "round_version", 0, INT64_MAX, &version, err)) != DS_OK)
		return rc;
	a->kind = (enum model_kind)kind;
	a->service_min = (int)service;
	a->stop = (int)stop;
	a->round_version = version;
	if (record_offset_of(j, "window_start", &a->offset_min) != DS_OK)
		return record_fail(err, "bad time", "window_start");
	return DS_OK;
}


enum ds_err record_batch(const struct jsonrec_obj *root, int version, size_t max_events,
                         int64_t *cursor, char *err)
{
	static const char *const allowed[] = {"v", "cursor", "events", NULL};
	const struct jsonrec_member *events = jsonrec_get(root, "events");
	int64_t got = 0;
	enum ds_err rc;

	if ((rc = record_only(root, allowed, err)) != DS_OK ||
	    (rc = record_get_int(root, "v", 1, 1000, &got, err)) != DS_OK ||
	    (rc = record_get_int(root, "cursor", 0, INT64_MAX, cursor, err)) != DS_OK)
		return rc;
	if (got != version) {
		snprintf(err, RECORD_ERR_MAX,
		         "v: unsupported protocol version (this server speaks %d)",
		         version);
		return DS_EINVAL;
	}
	if (events != NULL && events->v.type != JSONREC_ARRAY)
		return record_fail(err, "must be an array", "events");
	if (events != NULL && events->n_items > max_events) {
		snprintf(err, RECORD_ERR_MAX, "events: more than %zu in one batch", max_events);
		return DS_ETOOBIG;
	}
	return DS_OK;
}

