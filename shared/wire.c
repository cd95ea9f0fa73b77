/* wire.c: the agent's side of the wire format, on jansson: events and appointments encoded
 * as jansson objects, and decoded by filling the member table that record.c checks strictly
 * (the same checks the server's yajl batch decoder, batch.c, runs). Floats are rounded to
 * what the record needs (1e-7 degrees is 1 cm; 0.1 m; 1 ms) before encoding, so encoding is
 * idempotent: decode(encode(x)) encodes to the same bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "canon.h"
#include "isotime.h"
#include "jsonrec.h"
#include "record.h"
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


/* ---- decoding ---- */

/* Leaves WHAT in ERR (WIRE_ERR_MAX bytes); DS_EINVAL. */
static enum ds_err wire_refuse(char *err, const char *what)
{
	snprintf(err, WIRE_ERR_MAX, "%s", what);
	return DS_EINVAL;
}

static void wire_value_of(const json_t *v, struct jsonrec_value *out)
{
	memset(out, 0, sizeof *out);
	switch (json_typeof(v)) {
	case JSON_OBJECT: out->type = JSONREC_OBJECT; break;
	case JSON_ARRAY: out->type = JSONREC_ARRAY; break;
	case JSON_STRING:
		out->type = JSONREC_STRING;
		out->s = json_string_value(v);
		out->len = json_string_length(v);
		out->bad_text = !text_valid_utf8(out->s, out->len);
		break;
	case JSON_INTEGER:
		out->type = JSONREC_INT;
		out->i = json_integer_value(v);
		out->d = (double)out->i;
		break;
	case JSON_REAL: out->type = JSONREC_REAL; out->d = json_real_value(v); break;
	case JSON_TRUE: out->type = JSONREC_TRUE; break;
	case JSON_FALSE: out->type = JSONREC_FALSE; break;
	case JSON_NULL: out->type = JSONREC_NULL; break;
	}
}

/* Fills OUT (and CHILD, for the member named CHILD_KEY) from the jansson object J, the
 * table the strict checks of record.c read. Strings are borrowed from J, which must outlive
 * OUT. DS_ETOOBIG when J has too many members. */
static enum ds_err wire_table(const json_t *j, const char *child_key, struct jsonrec_obj *out,
                           struct jsonrec_obj *child)
{
	const char *key;
	json_t *v, *item;
	struct jsonrec_member *m;
	size_t i;

	out->n = 0;
	out->used = 0;
	json_object_foreach((json_t *)j, key, v) {
		if (out->n == JSONREC_MEMBERS_MAX)
			return DS_ETOOBIG;
		m = &out->m[out->n++];
		memset(m, 0, sizeof *m);
		m->key = strlen(key) > JSONREC_KEY_MAX ? "" : key;
		wire_value_of(v, &m->v);
		json_array_foreach(v, i, item)
			if (i < JSONREC_ITEMS_MAX)
				wire_value_of(item, &m->items[i]);
		m->n_items = json_array_size(v);
		if (json_is_object(v) && child != NULL && child_key != NULL &&
		    strcmp(key, child_key) == 0) {
			if (wire_table(v, NULL, child, NULL) != DS_OK)
				return DS_ETOOBIG;
			m->obj = child;
		}
	}
	return DS_OK;
}

enum ds_err wire_event_decode(const json_t *j, struct model_event *e, char *err)
{
	struct jsonrec_obj *o = malloc(2 * sizeof *o);
	enum ds_err rc = DS_ENOMEM;

	model_event_init(e);
	if (o == NULL)
		return rc;
	if (!json_is_object(j))
		rc = wire_refuse(err, "event: must be an object");
	else if (wire_table(j, "gps", &o[0], &o[1]) != DS_OK)
		rc = wire_refuse(err, "event: too many members");
	else
		rc = record_event(&o[0], e, err);
	free(o);
	return rc;
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
		rc = wire_refuse(err, "appointment: must be an object");
	else if (wire_table(j, NULL, o, NULL) != DS_OK)
		rc = wire_refuse(err, "appointment: too many members");
	else
		rc = record_appointment(o, a, err);
	free(o);
	return rc;
}
