/* wire.c: JSON through jansson, never by hand. Decoding is strict: unknown members, wrong
 * types and out-of-range values are refused with a message naming the member, so a device
 * with a bug is told at once and nothing half-understood is stored. Floats are rounded to
 * what the record needs (1e-7 degrees is 1 cm; 0.1 m; 1 ms) before encoding, so encoding
 * is idempotent: decode(encode(x)) encodes to the same bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "jsonrec.h"
#include "geo.h"
#include "isotime.h"
#include "text.h"
#include "wire.h"

static int wire_set_real(json_t *o, const char *k, double v, double scale)
{
	if (!isfinite(v))
		return 0;
	return json_object_set_new(o, k, json_real(canon_round(v, scale)));
}

static int wire_set_str(json_t *o, const char *k, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return 0;
	return json_object_set_new(o, k, json_string(v));
}

static int wire_set_time(json_t *o, const char *k, int64_t ms, int offset_min)
{
	char buf[ISOTIME_MAX_LEN + 1];

	if (ms == 0 || isotime_format(ms, offset_min, buf, sizeof buf) != DS_OK)
		return 0;
	return json_object_set_new(o, k, json_string(buf));
}

static json_t *wire_gps_encode(const struct model_gps *g)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= json_object_set_new(o, "source", json_string(model_gps_source_name(g->source)));
	if (g->source != MODEL_GPS_NONE) {
		rc |= wire_set_real(o, "lat", g->lat, 1e7);
		rc |= wire_set_real(o, "lon", g->lon, 1e7);
		rc |= wire_set_real(o, "accuracy_m", g->accuracy_m, 10);
		rc |= json_object_set_new(o, "mode", json_integer(g->mode));
		if (g->sats_used >= 0)
			rc |= json_object_set_new(o, "sats", json_integer(g->sats_used));
		rc |= wire_set_real(o, "fix_age_s", g->fix_age_s, 1000);
		rc |= wire_set_time(o, "gps_time", g->gps_time_ms, 0);
		rc |= wire_set_real(o, "dist_m", g->dist_m, 10);
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *wire_flags_encode(unsigned flags)
{
	json_t *a = json_array();

	if (a == NULL)
		return NULL;
	if (flags & MODEL_FLAG_FAR)
		json_array_append_new(a, json_string("far"));
	if (flags & MODEL_FLAG_POOR_ACCURACY)
		json_array_append_new(a, json_string("poor_accuracy"));
	if (flags & MODEL_FLAG_CLOCK_SKEW)
		json_array_append_new(a, json_string("clock_skew"));
	return a;
}

static int wire_act_encode(json_t *o, const struct model_event *e)
{
	int rc = 0;

	if (e->documents >= 0)
		rc |= json_object_set_new(o, "documents", json_integer(e->documents));
	if (e->fee_vnd >= 0)
		rc |= json_object_set_new(o, "fee_vnd", json_integer(e->fee_vnd));
	if (e->reason != MODEL_REASON_NONE)
		rc |= wire_set_str(o, "reason", model_reason_name(e->reason));
	rc |= wire_set_str(o, "note", e->note);
	rc |= wire_set_str(o, "recipient", e->recipient);
	if (e->relation != MODEL_REL_NONE)
		rc |= wire_set_str(o, "relation", model_relation_name(e->relation));
	rc |= wire_set_str(o, "id_last4", e->id_last4);
	rc |= wire_set_str(o, "signature_sha256", e->signature_sha256);
	rc |= wire_set_str(o, "photo_sha256", e->photo_sha256);
	rc |= wire_set_str(o, "prev_hash", e->prev_hash);
	rc |= wire_set_str(o, "sig", e->sig);
	return rc;
}

json_t *wire_event_encode(const struct model_event *e)
{
	json_t *o = json_object(), *gps = NULL, *flags = NULL;
	int rc = 0;

	if (o == NULL)
		goto fail;
	gps = wire_gps_encode(&e->gps);
	flags = e->flags ? wire_flags_encode(e->flags) : NULL;
	if (gps == NULL || (e->flags && flags == NULL))
		goto fail;
	rc |= json_object_set_new(o, "uuid", json_string(e->uuid));
	rc |= json_object_set_new(o, "seq", json_integer(e->seq));
	rc |= json_object_set_new(o, "type", json_string(model_event_type_name(e->type)));
	rc |= json_object_set_new(o, "appointment", json_string(e->appointment));
	rc |= wire_set_time(o, "recorded_at", e->recorded_ms, 0);
	rc |= json_object_set_new(o, "gps", gps);
	gps = NULL;
	if (flags != NULL)
		rc |= json_object_set_new(o, "flags", flags);
	flags = NULL;
	rc |= wire_act_encode(o, e);
	if (rc != 0)
		goto fail;
	return o;
fail:
	json_decref(gps);
	json_decref(flags);
	json_decref(o);
	return NULL;
}

/* ---- decoding ---- */

static enum ds_err wire_fail(char *err, const char *what, const char *key)
{
	snprintf(err, WIRE_ERR_MAX, "%s: %s", key, what);
	return DS_EINVAL;
}

/* Refuses members of O not named in ALLOWED (a NULL-terminated list). */
static enum ds_err wire_only(const struct jsonrec_obj *o, const char *const *allowed, char *err)
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
			return wire_fail(err, "unknown member",
			                 key[0] && text_valid_utf8(key, strlen(key)) ? key : "(a long or odd key)");
	}
	return DS_OK;
}

/* Copies the optional string member K (at most MAX bytes, valid UTF-8) into OUT. */
static const struct jsonrec_value *wire_val(const struct jsonrec_obj *o, const char *k)
{
	const struct jsonrec_member *m = jsonrec_get(o, k);

	return m ? &m->v : NULL;
}

static enum ds_err wire_get_str(const struct jsonrec_obj *o, const char *k, char *out, size_t max,
                                int required, char *err)
{
	const struct jsonrec_value *v = wire_val(o, k);

	out[0] = '\0';
	if (v == NULL)
		return required ? wire_fail(err, "missing", k) : DS_OK;
	if (v->type != JSONREC_STRING)
		return wire_fail(err, "must be a string", k);
	if (v->len > max)
		return wire_fail(err, "too long", k);
	if (v->bad_text)
		return wire_fail(err, "not valid UTF-8 text", k);
	if (v->s == NULL)
		return wire_fail(err, "too long (the event as a whole)", k);
	memcpy(out, v->s, v->len);
	out[v->len] = '\0';
	return DS_OK;
}

static enum ds_err wire_get_real(const struct jsonrec_obj *o, const char *k, double lo, double hi,
                                 double *out, char *err)
{
	const struct jsonrec_value *v = wire_val(o, k);

	*out = NAN;
	if (v == NULL)
		return DS_OK;
	if (v->type != JSONREC_INT && v->type != JSONREC_REAL)
		return wire_fail(err, "must be a number", k);
	*out = v->d;
	if (v->range || !isfinite(*out) || *out < lo || *out > hi)
		return wire_fail(err, "out of range", k);
	return DS_OK;
}

static enum ds_err wire_get_int(const struct jsonrec_obj *o, const char *k, int64_t lo, int64_t hi,
                                int64_t *out, char *err)
{
	const struct jsonrec_value *v = wire_val(o, k);

	if (v == NULL)
		return DS_OK;
	if (v->type != JSONREC_INT)
		return wire_fail(err, "must be an integer", k);
	if (v->range)
		return wire_fail(err, "out of range", k);
	*out = v->i;
	if (*out < lo || *out > hi)
		return wire_fail(err, "out of range", k);
	return DS_OK;
}

/* 10000-01-01T00:00:00Z. A time on the wire is an instant after the epoch (0 is "unknown" in
 * the model) and before this, so the UTC text the encoder writes always parses again. */
#define WIRE_TIME_END_MS 253402300800000LL

static enum ds_err wire_get_time(const struct jsonrec_obj *o, const char *k, int required,
                                 int64_t *out, char *err)
{
	char buf[ISOTIME_MAX_LEN + 1];
	enum ds_err rc = wire_get_str(o, k, buf, ISOTIME_MAX_LEN, required, err);

	*out = 0;
	if (rc != DS_OK || jsonrec_get(o, k) == NULL)
		return rc;
	if (isotime_parse(buf, out, NULL) != DS_OK)
		return wire_fail(err, "not an ISO 8601 time with offset", k);
	if (*out <= 0 || *out >= WIRE_TIME_END_MS) {
		*out = 0;
		return wire_fail(err, "out of range (after 1970, before 10000 UTC)", k);
	}
	return DS_OK;
}

static enum ds_err wire_get_enum(const struct jsonrec_obj *o, const char *k, int required,
                                 enum ds_err (*parse)(const char *, int *), int *out, char *err)
{
	char buf[32];
	enum ds_err rc = wire_get_str(o, k, buf, sizeof buf - 1, required, err);

	/* Present but empty is an unknown value, not an absent member. */
	if (rc != DS_OK || jsonrec_get(o, k) == NULL)
		return rc;
	if (parse(buf, out) != DS_OK)
		return wire_fail(err, "unknown value", k);
	return DS_OK;
}

/* Adapters from the typed model parsers to wire_get_enum's int form. */
static enum ds_err wire_p_type(const char *s, int *v) { enum model_event_type t; enum ds_err r = model_event_type_parse(s, &t); *v = (int)t; return r; }
static enum ds_err wire_p_source(const char *s, int *v) { enum model_gps_source t; enum ds_err r = model_gps_source_parse(s, &t); *v = (int)t; return r; }
static enum ds_err wire_p_rel(const char *s, int *v) { enum model_relation t; enum ds_err r = model_relation_parse(s, &t); *v = (int)t; return r; }
static enum ds_err wire_p_reason(const char *s, int *v) { enum model_fail_reason t; enum ds_err r = model_reason_parse(s, &t); *v = (int)t; return r; }
static enum ds_err wire_p_kind(const char *s, int *v) { enum model_kind t; enum ds_err r = model_kind_parse(s, &t); *v = (int)t; return r; }

static int wire_is_hex(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static enum ds_err wire_gps_decode(const struct jsonrec_member *gm, struct model_gps *out, char *err)
{
	static const char *const allowed[] = {"source", "lat", "lon", "accuracy_m", "mode", "sats",
		"fix_age_s", "gps_time", "dist_m", NULL};
	int src = 0;
	int64_t mode = 0, sats = -1;
	enum ds_err rc;

	const struct jsonrec_obj *g = gm->obj;

	if (gm->v.type != JSONREC_OBJECT || g == NULL)
		return wire_fail(err, "must be an object", "gps");
	if ((rc = wire_only(g, allowed, err)) != DS_OK ||
	    (rc = wire_get_enum(g, "source", 1, wire_p_source, &src, err)) != DS_OK ||
	    (rc = wire_get_real(g, "lat", -90, 90, &out->lat, err)) != DS_OK ||
	    (rc = wire_get_real(g, "lon", -180, 180, &out->lon, err)) != DS_OK ||
	    (rc = wire_get_real(g, "accuracy_m", 0, 1e7, &out->accuracy_m, err)) != DS_OK ||
	    (rc = wire_get_int(g, "mode", 0, 3, &mode, err)) != DS_OK ||
	    (rc = wire_get_int(g, "sats", 0, 255, &sats, err)) != DS_OK ||
	    (rc = wire_get_real(g, "fix_age_s", 0, 1e9, &out->fix_age_s, err)) != DS_OK ||
	    (rc = wire_get_time(g, "gps_time", 0, &out->gps_time_ms, err)) != DS_OK ||
	    (rc = wire_get_real(g, "dist_m", 0, 1e8, &out->dist_m, err)) != DS_OK)
		return rc;
	out->source = (enum model_gps_source)src;
	out->mode = (int)mode;
	out->sats_used = (int)sats;
	/* A stamp with a position must say how good it is; one without may say nothing. */
	if (out->source == MODEL_GPS_NONE) {
		if (g->n != 1)
			return wire_fail(err, "source none carries no fix data", "gps");
	} else if (!geo_valid(out->lat, out->lon) || mode < 2 || !isfinite(out->fix_age_s)) {
		return wire_fail(err, "a fix needs lat, lon, mode 2 or 3 and fix_age_s", "gps");
	}
	return DS_OK;
}

static enum ds_err wire_flags_decode(const struct jsonrec_member *a, unsigned *flags, char *err)
{
	size_t i;
	const char *s;

	*flags = 0;
	if (a == NULL)
		return DS_OK;
	if (a->v.type != JSONREC_ARRAY || a->n_items > JSONREC_ITEMS_MAX)
		return wire_fail(err, "must be an array of flag names", "flags");
	for (i = 0; i < a->n_items; i++) {
		s = a->items[i].type == JSONREC_STRING ? a->items[i].s : NULL;
		if (s != NULL && strcmp(s, "far") == 0)
			*flags |= MODEL_FLAG_FAR;
		else if (s != NULL && strcmp(s, "poor_accuracy") == 0)
			*flags |= MODEL_FLAG_POOR_ACCURACY;
		else if (s != NULL && strcmp(s, "clock_skew") == 0)
			*flags |= MODEL_FLAG_CLOCK_SKEW;
		else
			return wire_fail(err, "unknown flag", "flags");
	}
	return DS_OK;
}

static enum ds_err wire_act_decode(const struct jsonrec_obj *o, struct model_event *e, char *err)
{
	int64_t docs = -1, fee = -1;
	int reason = 0, rel = 0;
	enum ds_err rc;

	if ((rc = wire_get_int(o, "documents", 0, 1000, &docs, err)) != DS_OK ||
	    (rc = wire_get_int(o, "fee_vnd", 0, 1000000000000LL, &fee, err)) != DS_OK ||
	    (rc = wire_get_enum(o, "reason", e->type == MODEL_FAIL, wire_p_reason, &reason, err)) != DS_OK ||
	    (rc = wire_get_str(o, "note", e->note, MODEL_NOTE_MAX, 0, err)) != DS_OK ||
	    (rc = wire_get_str(o, "recipient", e->recipient, MODEL_NAME_MAX, e->type == MODEL_DELIVER, err)) != DS_OK ||
	    (rc = wire_get_enum(o, "relation", e->type == MODEL_DELIVER, wire_p_rel, &rel, err)) != DS_OK ||
	    (rc = wire_get_str(o, "id_last4", e->id_last4, 4, 0, err)) != DS_OK ||
	    (rc = wire_get_str(o, "signature_sha256", e->signature_sha256, MODEL_HASH_HEX, 0, err)) != DS_OK ||
	    (rc = wire_get_str(o, "photo_sha256", e->photo_sha256, MODEL_HASH_HEX, 0, err)) != DS_OK ||
	    (rc = wire_get_str(o, "prev_hash", e->prev_hash, MODEL_HASH_HEX, 0, err)) != DS_OK ||
	    (rc = wire_get_str(o, "sig", e->sig, MODEL_SIG_MAX, 0, err)) != DS_OK)
		return rc;
	e->documents = (int)docs;
	e->fee_vnd = fee;
	e->reason = (enum model_fail_reason)reason;
	e->relation = (enum model_relation)rel;
	if (e->id_last4[0] && (strlen(e->id_last4) != 4 || strspn(e->id_last4, "0123456789") != 4))
		return wire_fail(err, "must be 4 digits", "id_last4");
	if ((e->signature_sha256[0] && !wire_is_hex(e->signature_sha256, MODEL_HASH_HEX)) ||
	    (e->photo_sha256[0] && !wire_is_hex(e->photo_sha256, MODEL_HASH_HEX)))
		return wire_fail(err, "must be 64 lower-case hex digits", "signature_sha256/photo_sha256");
	if (e->type == MODEL_DELIVER && e->recipient[0] == '\0')
		return wire_fail(err, "must not be empty", "recipient");
	return DS_OK;
}

/* Decodes the record O (with its "gps" child) into E. */
static enum ds_err wire_event_flat(const struct jsonrec_obj *o, struct model_event *e, char *err)
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
	if ((rc = wire_only(o, allowed, err)) != DS_OK ||
	    (rc = wire_get_str(o, "uuid", e->uuid, MODEL_UUID_LEN, 1, err)) != DS_OK ||
	    (rc = wire_get_int(o, "seq", 1, INT64_MAX, &e->seq, err)) != DS_OK ||
	    (rc = wire_get_enum(o, "type", 1, wire_p_type, &type, err)) != DS_OK ||
	    (rc = wire_get_str(o, "appointment", e->appointment, DOSSIER_MAX_LEN, 1, err)) != DS_OK ||
	    (rc = wire_get_time(o, "recorded_at", 1, &e->recorded_ms, err)) != DS_OK)
		return rc;
	e->type = (enum model_event_type)type;
	if (!model_uuid_valid(e->uuid))
		return wire_fail(err, "not a UUID", "uuid");
	if (e->seq < 1)
		return wire_fail(err, "missing", "seq");
	if (dossier_parse(e->appointment, &code, &why) != DS_OK)
		return wire_fail(err, why, "appointment");
	if ((gps = jsonrec_get(o, "gps")) == NULL)
		return wire_fail(err, "missing", "gps");
	if ((rc = wire_gps_decode(gps, &e->gps, err)) != DS_OK ||
	    (rc = wire_flags_decode(jsonrec_get(o, "flags"), &e->flags, err)) != DS_OK)
		return rc;
	return wire_act_decode(o, e, err);
}

enum ds_err wire_event_decode(const json_t *j, struct model_event *e, char *err)
{
	struct jsonrec_obj *o = malloc(2 * sizeof *o);
	enum ds_err rc = DS_ENOMEM;

	model_event_init(e);
	if (o == NULL)
		return rc;
	if (!json_is_object(j))
		rc = wire_fail(err, "must be an object", "event");
	else if (jsonrec_from_json(j, "gps", &o[0], &o[1]) != DS_OK)
		rc = wire_fail(err, "too many members", "event");
	else
		rc = wire_event_flat(&o[0], e, err);
	free(o);
	return rc;
}

/* What a batch's record callback needs between calls. */
struct wire_scan {
	struct wire_batch *b;
	size_t cap;             /* events allocated */
	enum ds_err rc;         /* the first event's refusal; later events are not decoded */
	char err[WIRE_ERR_MAX];
};

/* Decodes one event of a batch as soon as the parser has it. Always lets the parse go on:
 * a malformed text or a bad top-level member is reported before a bad event, as when the
 * whole request was checked before its events. */
static int wire_scan_event(void *ctx, size_t i, const struct jsonrec_obj *rec)
{
	struct wire_scan *sc = ctx;
	struct model_event *grown;
	char sub[WIRE_ERR_MAX];
	enum ds_err rc;

	if (sc->rc != DS_OK || i >= WIRE_MAX_BATCH)
		return 0;
	if (i == sc->cap) {
		sc->cap = sc->cap ? 2 * sc->cap : 128;
		if (sc->cap > WIRE_MAX_BATCH)
			sc->cap = WIRE_MAX_BATCH;
		grown = realloc(sc->b->events, sc->cap * sizeof *grown);
		if (grown == NULL) {
			sc->rc = DS_ENOMEM;
			snprintf(sc->err, sizeof sc->err, "out of memory");
			return 0;
		}
		sc->b->events = grown;
	}
	rc = rec ? wire_event_flat(rec, &sc->b->events[i], sub) :
	           wire_fail(sub, "must be an object", "event");
	if (rc != DS_OK) {
		sc->rc = rc;
		snprintf(sc->err, sizeof sc->err, "events[%zu]: %.120s", i, sub);
		return 0;
	}
	sc->b->count = i + 1;
	return 0;
}

/* The top-level members of a batch, once every event is read. */
static enum ds_err wire_batch_root(const struct jsonrec_obj *root, struct wire_batch *b, char *err)
{
	static const char *const allowed[] = {"v", "cursor", "events", NULL};
	const struct jsonrec_member *events = jsonrec_get(root, "events");
	int64_t version = 0;
	enum ds_err rc;

	if ((rc = wire_only(root, allowed, err)) != DS_OK ||
	    (rc = wire_get_int(root, "v", 1, 1000, &version, err)) != DS_OK ||
	    (rc = wire_get_int(root, "cursor", 0, INT64_MAX, &b->cursor, err)) != DS_OK)
		return rc;
	if (version != WIRE_VERSION)
		return wire_fail(err, "unsupported protocol version (this server speaks 1)", "v");
	if (events != NULL && events->v.type != JSONREC_ARRAY)
		return wire_fail(err, "must be an array", "events");
	if (events != NULL && events->n_items > WIRE_MAX_BATCH) {
		snprintf(err, WIRE_ERR_MAX, "events: more than %d in one batch", WIRE_MAX_BATCH);
		return DS_ETOOBIG;
	}
	return DS_OK;
}

enum ds_err wire_batch_decode(const char *text, size_t len, struct wire_batch *b, char *err)
{
	struct wire_scan sc = {.b = b};
	struct jsonrec_obj *root = malloc(sizeof *root);
	enum ds_err rc = DS_ENOMEM;

	memset(b, 0, sizeof *b);
	if (root == NULL)
		goto fail;
	rc = jsonrec_parse(text, len, "events", "gps", root, wire_scan_event, &sc, err);
	if (rc == DS_EINVAL && strstr(err, "not a JSON object") != NULL)
		wire_fail(err, "must be an object", "request");
	if (rc != DS_OK || (rc = wire_batch_root(root, b, err)) != DS_OK)
		goto fail;
	if ((rc = sc.rc) != DS_OK) {
		snprintf(err, WIRE_ERR_MAX, "%s", sc.err);
		goto fail;
	}
	/* An empty batch still has an events array, so callers may index it freely. */
	if (b->events == NULL && (b->events = calloc(1, sizeof *b->events)) == NULL)
		rc = DS_ENOMEM;
fail:
	free(root);
	return rc;
}

void wire_batch_free(struct wire_batch *b)
{
	if (b == NULL)
		return;
	free(b->events);
	memset(b, 0, sizeof *b);
}

json_t *wire_appointment_encode(const struct model_appointment *a)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= json_object_set_new(o, "code", json_string(a->code));
	if (a->removed) {
		rc |= json_object_set_new(o, "removed", json_true());
		goto done;
	}
	rc |= json_object_set_new(o, "kind", json_string(model_kind_name(a->kind)));
	rc |= wire_set_str(o, "citizen", a->citizen);
	rc |= wire_set_str(o, "phone", a->phone);
	rc |= wire_set_str(o, "address", a->address);
	rc |= wire_set_real(o, "lat", a->lat, 1e7);
	rc |= wire_set_real(o, "lon", a->lon, 1e7);
	rc |= wire_set_time(o, "window_start", a->window_start_ms, a->offset_min);
	rc |= wire_set_time(o, "window_end", a->window_end_ms, a->offset_min);
	rc |= wire_set_time(o, "due", a->due_ms, a->offset_min);
	rc |= json_object_set_new(o, "service_min", json_integer(a->service_min));
	rc |= wire_set_str(o, "status", a->status);
	if (a->stop > 0)
		rc |= json_object_set_new(o, "stop", json_integer(a->stop));
	rc |= wire_set_time(o, "eta", a->eta_ms, a->offset_min);
	if (a->round_version > 0)
		rc |= json_object_set_new(o, "round_version", json_integer(a->round_version));
done:
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static enum ds_err wire_offset_of(const struct jsonrec_obj *o, const char *k, int *offset_min)
{
	const struct jsonrec_value *v = wire_val(o, k);
	int64_t ms;

	if (v == NULL || v->type != JSONREC_STRING || v->s == NULL)
		return DS_OK;
	return isotime_parse(v->s, &ms, offset_min);
}

/* Decodes the flat object J into A. */
static enum ds_err wire_appointment_flat(const struct jsonrec_obj *j, struct model_appointment *a,
                                         char *err)
{
	const struct jsonrec_value *rm;
	int kind = 0;
	int64_t service = 0, stop = 0, version = 0;
	enum ds_err rc;

	memset(a, 0, sizeof *a);
	a->lat = a->lon = NAN;
	if ((rc = wire_get_str(j, "code", a->code, DOSSIER_MAX_LEN, 1, err)) != DS_OK)
		return rc;
	rm = wire_val(j, "removed");
	if (rm != NULL && rm->type == JSONREC_TRUE) {
		a->removed = 1;
		return DS_OK;
	}
	if ((rc = wire_get_enum(j, "kind", 1, wire_p_kind, &kind, err)) != DS_OK ||
	    (rc = wire_get_str(j, "citizen", a->citizen, MODEL_NAME_MAX, 0, err)) != DS_OK ||
	    (rc = wire_get_str(j, "phone", a->phone, MODEL_PHONE_MAX, 0, err)) != DS_OK ||
	    (rc = wire_get_str(j, "address", a->address, MODEL_ADDRESS_MAX, 0, err)) != DS_OK ||
	    (rc = wire_get_real(j, "lat", -90, 90, &a->lat, err)) != DS_OK ||
	    (rc = wire_get_real(j, "lon", -180, 180, &a->lon, err)) != DS_OK ||
	    (rc = wire_get_time(j, "window_start", 0, &a->window_start_ms, err)) != DS_OK ||
	    (rc = wire_get_time(j, "window_end", 0, &a->window_end_ms, err)) != DS_OK ||
	    (rc = wire_get_time(j, "due", 0, &a->due_ms, err)) != DS_OK ||
	    (rc = wire_get_int(j, "service_min", 0, 24 * 60, &service, err)) != DS_OK ||
	    (rc = wire_get_str(j, "status", a->status, sizeof a->status - 1, 0, err)) != DS_OK ||
	    (rc = wire_get_int(j, "stop", 0, 100000, &stop, err)) != DS_OK ||
	    (rc = wire_get_time(j, "eta", 0, &a->eta_ms, err)) != DS_OK ||
	    (rc = wire_get_int(j, "round_version", 0, INT64_MAX, &version, err)) != DS_OK)
		return rc;
	a->kind = (enum model_kind)kind;
	a->service_min = (int)service;
	a->stop = (int)stop;
	a->round_version = version;
	if (wire_offset_of(j, "window_start", &a->offset_min) != DS_OK)
		return wire_fail(err, "bad time", "window_start");
	return DS_OK;
}

enum ds_err wire_appointment_decode(const json_t *j, struct model_appointment *a, char *err)
{
	struct jsonrec_obj *o = malloc(sizeof *o);
	enum ds_err rc = DS_ENOMEM;

	memset(a, 0, sizeof *a);
	a->lat = a->lon = NAN;
	if (o == NULL)
		return rc;
	if (!json_is_object(j))
		rc = wire_fail(err, "must be an object", "appointment");
	else if (jsonrec_from_json(j, NULL, o, NULL) != DS_OK)
		rc = wire_fail(err, "too many members", "appointment");
	else
		rc = wire_appointment_flat(o, a, err);
	free(o);
	return rc;
}
