/* export.c: bodies are stored sealed (they hold positions), so export opens each with the
 * data key and adds what the server knows: device, courier, received time, its flags.
 * Events are streamed one at a time, so memory stays flat whatever the table's size. */
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "server/csvcell.h"
#include "server/export.h"
#include "server/db/ingest.h"
#include "server/jdoc.h"

#define EXPORT_BODY_MAX 8192

#define EXPORT_REAL_DIGITS 12 /* as the canonical text writes reals (docs/PROTOCOL.md) */

/* One stored event, opened: its body as the device sent it and what the server adds. */
struct export_row {
	yajl_val body;                            /* the stored canonical text, parsed */
	const char *device, *courier;             /* borrowed from the statement's row */
	char received_at[ISOTIME_MAX_LEN + 1];    /* "" when it cannot be written */
	const char *flags[INGEST_FLAG_NAMES_MAX]; /* the server's flag names */
	size_t n_flags;
};

/* Opens the statement's current row into R. Non-zero when its body does not verify or
 * parse. The caller frees R->body with yajl_tree_free() (also after a failure). */
static int export_open(struct store *s, sqlite3_stmt *st, struct export_row *r)
{
	char body[EXPORT_BODY_MAX + 1], err[JDOC_ERR_MAX];
	const char *uuid = (const char *)sqlite3_column_text(st, 0);
	int len = sqlite3_column_bytes(st, 4);

	memset(r, 0, sizeof *r);
	if (len < SEAL_OVERHEAD || len - SEAL_OVERHEAD > EXPORT_BODY_MAX ||
	    seal_open(s->seal, s->key, uuid, strlen(uuid), sqlite3_column_blob(st, 4), (size_t)len,
	              body) != DS_OK)
		return -1;
	body[len - SEAL_OVERHEAD] = '\0';
	if ((r->body = jdoc_parse(body, strlen(body), err)) == NULL || !YAJL_IS_OBJECT(r->body))
		return -1;
	r->device = (const char *)sqlite3_column_text(st, 1);
	r->courier = (const char *)sqlite3_column_text(st, 2);
	if (isotime_format(sqlite3_column_int64(st, 3), 0, r->received_at,
	                   sizeof r->received_at) != DS_OK)
		r->received_at[0] = '\0';
	r->n_flags = ingest_flag_names((unsigned)sqlite3_column_int(st, 5) & ~0xffu, r->flags);
	return 0;
}

/* V as jansson wrote a value it had parsed: a number literal without fraction or exponent
 * is an integer, any other number a real at 12 significant digits. Non-zero when G fails. */
static int export_value(yajl_gen g, yajl_val v)
{
	size_t i;
	int rc = 0;

	if (YAJL_IS_STRING(v))
		return jdoc_str(g, v->u.string);
	if (YAJL_IS_INTEGER(v) && strpbrk(v->u.number.r, ".eE") == NULL)
		return jdoc_int(g, v->u.number.i);
	if (YAJL_IS_NUMBER(v))
		return jdoc_real(g, v->u.number.d, EXPORT_REAL_DIGITS);
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return yajl_gen_bool(g, YAJL_IS_TRUE(v)) != yajl_gen_status_ok;
	if (YAJL_IS_ARRAY(v)) {
		rc = yajl_gen_array_open(g) != yajl_gen_status_ok;
		for (i = 0; i < v->u.array.len && !rc; i++)
			rc = export_value(g, v->u.array.values[i]);
		return rc || yajl_gen_array_close(g) != yajl_gen_status_ok;
	}
	if (YAJL_IS_OBJECT(v)) {
		rc = yajl_gen_map_open(g) != yajl_gen_status_ok;
		for (i = 0; i < v->u.object.len && !rc; i++)
			rc = jdoc_str(g, v->u.object.keys[i]) ||
			     export_value(g, v->u.object.values[i]);
		return rc || yajl_gen_map_close(g) != yajl_gen_status_ok;
	}
	return yajl_gen_null(g) != yajl_gen_status_ok;
}

/* The device's flags followed by the server's, as one array. */
/* Whether the device's flags array DEV already names NAME. */
static int export_has_flag(yajl_val dev, const char *name)
{
	size_t i;

	for (i = 0; YAJL_IS_ARRAY(dev) && i < dev->u.array.len; i++)
		if (YAJL_IS_STRING(dev->u.array.values[i]) &&
		    strcmp(dev->u.array.values[i]->u.string, name) == 0)
			return 1;
	return 0;
}

static int export_flags(yajl_gen g, const struct export_row *r)
{
	yajl_val dev = jdoc_get(r->body, "flags");
	size_t i;
	int rc = yajl_gen_array_open(g) != yajl_gen_status_ok;

	for (i = 0; YAJL_IS_ARRAY(dev) && i < dev->u.array.len && !rc; i++)
		rc = export_value(g, dev->u.array.values[i]);
	/* The server's clock_skew may meet the device's own: each name is given once. */
	for (i = 0; i < r->n_flags && !rc; i++)
		if (!export_has_flag(dev, r->flags[i]))
			rc = jdoc_str(g, r->flags[i]);
	return rc || yajl_gen_array_close(g) != yajl_gen_status_ok;
}

/* The event as exported: the body's members in their stored order (flags with the server's
 * added), then device, courier, received_at, and flags when the body had none. */
static int export_event(yajl_gen g, const struct export_row *r)
{
	const yajl_val b = r->body;
	size_t i;
	int rc = yajl_gen_map_open(g) != yajl_gen_status_ok;

	for (i = 0; i < b->u.object.len && !rc; i++) {
		rc = jdoc_str(g, b->u.object.keys[i]);
		if (strcmp(b->u.object.keys[i], "flags") == 0)
			rc = rc || export_flags(g, r);
		else
			rc = rc || export_value(g, b->u.object.values[i]);
	}
	rc = rc || jdoc_kstr(g, "device", r->device) || jdoc_kstr(g, "courier", r->courier);
	rc = rc || (r->received_at[0] && jdoc_kstr(g, "received_at", r->received_at));
	rc = rc || (jdoc_get(b, "flags") == NULL && (jdoc_str(g, "flags") || export_flags(g, r)));
	return rc || yajl_gen_map_close(g) != yajl_gen_status_ok;
}

/* Writes what WRITE puts into a compact generator to OUT, then AFTER. Non-zero on failure. */
static int export_emit(FILE *out, int (*write)(yajl_gen, const struct export_row *),
                       const struct export_row *r, const char *after)
{
	yajl_gen g = jdoc_gen(0);
	char *text = NULL;
	int rc = g == NULL || write(g, r) || (text = jdoc_text(g, NULL)) == NULL;

	if (!rc)
		rc = fputs(text, out) < 0 || fputs(after, out) < 0;
	free(text);
	if (g != NULL)
		yajl_gen_free(g);
	return rc;
}

/* The gps members flattened as docs/PROTOCOL.md names them: gps_lat, gps_lon, … */
static const char *const export_csv_cols[] = {"uuid", "device", "courier", "appointment", "type",
	"seq", "recorded_at", "received_at", "gps_source", "gps_lat", "gps_lon", "gps_accuracy_m",
	"gps_mode", "gps_sats", "gps_fix_age_s", "gps_gps_time", "gps_dist_m", "flags", "documents",
	"fee_vnd", "reason", "note", "recipient", "relation", "id_last4", "signature_sha256",
	"photo_sha256", NULL};

/* The text of column C of R as the CSV shows it: strings as they are, other values as
 * compact JSON; NULL when R has no such member. OUT: *NUMBER, whether it is a number.
 * Caller frees with free(). */
static char *export_csv_text(const struct export_row *r, const char *c, int *number)
{
	yajl_gen g;
	yajl_val v = NULL;
	char *text = NULL;
	int rc;

	*number = 0;
	if (strcmp(c, "device") == 0 || strcmp(c, "courier") == 0)
		return strdup(c[0] == 'd' ? r->device : r->courier);
	if (strcmp(c, "received_at") == 0)
		return r->received_at[0] ? strdup(r->received_at) : NULL;
	if (strcmp(c, "flags") != 0) {
		v = strncmp(c, "gps_", 4) == 0 ? jdoc_get(jdoc_get(r->body, "gps"), c + 4) :
		    jdoc_get(r->body, c);
		if (v == NULL || YAJL_IS_STRING(v))
			return v ? strdup(v->u.string) : NULL;
		*number = YAJL_IS_NUMBER(v);
	}
	if ((g = jdoc_gen(0)) == NULL)
		return NULL;
	rc = v != NULL ? export_value(g, v) : export_flags(g, r);
	if (rc == 0)
		text = jdoc_text(g, NULL);
	yajl_gen_free(g);
	return text;
}

static void export_csv_row(FILE *out, const struct export_row *r)
{
	char *text;
	size_t i;
	int number;

	for (i = 0; export_csv_cols[i] != NULL; i++) {
		if (i > 0)
			fputc(',', out);
		text = export_csv_text(r, export_csv_cols[i], &number);
		/* Numbers are written as they are, so a negative one stays a number; every other
		 * cell, the flags array included, is a text cell with any formula start
		 * neutralised. */
		if (number && text != NULL)
			fputs(text, out);
		else
			csvcell_text(out, text);
		free(text);
	}
	fputs("\r\n", out);
}

/* A GeoJSON Feature: the position as its geometry, the exported event as its properties. */
static int export_feature(yajl_gen g, const struct export_row *r)
{
	yajl_val gps = jdoc_get(r->body, "gps");

	return yajl_gen_map_open(g) != yajl_gen_status_ok || jdoc_kstr(g, "type", "Feature") ||
	       jdoc_str(g, "geometry") || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	       jdoc_kstr(g, "type", "Point") || jdoc_str(g, "coordinates") ||
	       yajl_gen_array_open(g) != yajl_gen_status_ok ||
	       jdoc_real(g, YAJL_GET_DOUBLE(jdoc_get(gps, "lon")), EXPORT_REAL_DIGITS) ||
	       jdoc_real(g, YAJL_GET_DOUBLE(jdoc_get(gps, "lat")), EXPORT_REAL_DIGITS) ||
	       yajl_gen_array_close(g) != yajl_gen_status_ok ||
	       yajl_gen_map_close(g) != yajl_gen_status_ok || jdoc_str(g, "properties") ||
	       export_event(g, r) || yajl_gen_map_close(g) != yajl_gen_status_ok;
}

static void export_geojson_row(FILE *out, const struct export_row *r, int *first)
{
	yajl_val gps = jdoc_get(r->body, "gps");

	if (!YAJL_IS_NUMBER(jdoc_get(gps, "lat")) || !YAJL_IS_NUMBER(jdoc_get(gps, "lon")))
		return;
	fputs(*first ? "\n" : ",\n", out);
	export_emit(out, export_feature, r, "");
	*first = 0;
}

static void export_begin(FILE *out, enum export_format fmt)
{
	size_t i;

	if (fmt == EXPORT_JSON) {
		fputc('[', out);
	} else if (fmt == EXPORT_GEOJSON) {
		fputs("{\"type\":\"FeatureCollection\",\"features\":[", out);
	} else {
		for (i = 0; export_csv_cols[i] != NULL; i++)
			fprintf(out, "%s%s", i ? "," : "", export_csv_cols[i]);
		fputs("\r\n", out);
	}
}

static void export_end(FILE *out, enum export_format fmt)
{
	if (fmt == EXPORT_JSON)
		fputs("\n]\n", out);
	else if (fmt == EXPORT_GEOJSON)
		fputs("\n]}\n", out);
}

enum ds_err export_events(struct store *s, enum export_format fmt, int64_t since_ms, FILE *out)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int first = 1, step;
	struct export_row r;

	if ((rc = store_prepare(s, "SELECT uuid, device_id, courier_id, received_ms, body,"
	                           " server_flags FROM events WHERE received_ms >= ? ORDER BY id",
	                           &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, since_ms);
	export_begin(out, fmt);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (export_open(s, st, &r) != 0) {
			yajl_tree_free(r.body);
			snprintf(s->err, sizeof s->err, "event %s does not open with this data key",
			         (const char *)sqlite3_column_text(st, 0));
			rc = DS_ECRYPTO;
			break;
		}
		if (fmt == EXPORT_JSON) {
			fputs(first ? "\n" : ",\n", out);
			export_emit(out, export_event, &r, "");
			first = 0;
		} else if (fmt == EXPORT_CSV) {
			export_csv_row(out, &r);
		} else {
			export_geojson_row(out, &r, &first);
		}
		yajl_tree_free(r.body);
	}
	if (rc == DS_OK && step != SQLITE_DONE)
		rc = store_fail(s, step);
	export_end(out, fmt);
	sqlite3_finalize(st);
	return rc;
}
