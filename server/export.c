/* export.c: bodies are stored sealed (they hold positions), so export opens each with the
 * data key and adds what the server knows: device, courier, received time, its flags.
 * Events are streamed one at a time, so memory stays flat whatever the table's size. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "server/export.h"
#include "server/db/ingest.h"

#define EXPORT_BODY_MAX 8192

/* Opens one stored row into an event object; NULL when it does not verify. */
static json_t *export_row(struct store *s, sqlite3_stmt *st)
{
	char body[EXPORT_BODY_MAX + 1], t[ISOTIME_MAX_LEN + 1];
	const char *uuid = (const char *)sqlite3_column_text(st, 0);
	int len = sqlite3_column_bytes(st, 4);
	json_t *o, *flags;
	const char *names[INGEST_FLAG_NAMES_MAX];
	size_t i, n;

	if (len < SEAL_OVERHEAD || len - SEAL_OVERHEAD > EXPORT_BODY_MAX ||
	    seal_open(s->vault, s->key, uuid, strlen(uuid), sqlite3_column_blob(st, 4), (size_t)len, body) != DS_OK)
		return NULL;
	body[len - SEAL_OVERHEAD] = '\0';
	o = json_loads(body, 0, NULL);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "device", json_string((const char *)sqlite3_column_text(st, 1)));
	json_object_set_new(o, "courier", json_string((const char *)sqlite3_column_text(st, 2)));
	if (isotime_format(sqlite3_column_int64(st, 3), 0, t, sizeof t) == DS_OK)
		json_object_set_new(o, "received_at", json_string(t));
	flags = json_object_get(o, "flags");
	if (flags == NULL) {
		flags = json_array();
		json_object_set_new(o, "flags", flags);
	}
	n = ingest_flag_names((unsigned)sqlite3_column_int(st, 5) & ~0xffu, names);
	for (i = 0; i < n; i++)
		json_array_append_new(flags, json_string(names[i]));
	return o;
}

/* The gps members flattened as docs/PROTOCOL.md names them: gps_lat, gps_lon, … */
static const char *const export_csv_cols[] = {"uuid", "device", "courier", "appointment", "type",
	"seq", "recorded_at", "received_at", "gps_source", "gps_lat", "gps_lon", "gps_accuracy_m",
	"gps_mode", "gps_sats", "gps_fix_age_s", "gps_gps_time", "gps_dist_m", "flags", "documents",
	"fee_vnd", "reason", "note", "recipient", "relation", "id_last4", "signature_sha256",
	"photo_sha256", NULL};

/* Writes V as one RFC 4180 field. */
static void export_csv_field(FILE *out, const json_t *v)
{
	char *text = NULL;
	const char *s = "";
	size_t i;

	if (json_is_string(v))
		s = json_string_value(v);
	else if (v != NULL)
		s = text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(12));
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
	} else {
		fputc('"', out);
		for (i = 0; s[i]; i++) {
			if (s[i] == '"')
				fputc('"', out);
			fputc(s[i], out);
		}
		fputc('"', out);
	}
	free(text);
}

static void export_csv_row(FILE *out, const json_t *o)
{
	const json_t *v;
	size_t i;

	for (i = 0; export_csv_cols[i] != NULL; i++) {
		const char *c = export_csv_cols[i];
		if (i > 0)
			fputc(',', out);
		if (strncmp(c, "gps_", 4) == 0)
			v = json_object_get(json_object_get(o, "gps"), c + 4);
		else
			v = json_object_get(o, c);
		export_csv_field(out, v);
	}
	fputs("\r\n", out);
}

static void export_geojson_row(FILE *out, json_t *o, int *first)
{
	json_t *gps = json_object_get(o, "gps"), *f;
	double lat, lon;

	if (json_object_get(gps, "lat") == NULL)
		return;
	lat = json_number_value(json_object_get(gps, "lat"));
	lon = json_number_value(json_object_get(gps, "lon"));
	f = json_pack("{s:s, s:{s:s, s:[f, f]}, s:O}", "type", "Feature", "geometry", "type",
	              "Point", "coordinates", lon, lat, "properties", o);
	if (f == NULL)
		return;
	fputs(*first ? "\n" : ",\n", out);
	json_dumpf(f, out, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(f);
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
	json_t *o;

	if ((rc = store_prepare(s, "SELECT uuid, device_id, courier_id, received_ms, body,"
	                           " server_flags FROM events WHERE received_ms >= ? ORDER BY id", &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, since_ms);
	export_begin(out, fmt);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		o = export_row(s, st);
		if (o == NULL) {
			snprintf(s->err, sizeof s->err, "event %s does not open with this data key",
			         (const char *)sqlite3_column_text(st, 0));
			rc = DS_ECRYPTO;
			break;
		}
		if (fmt == EXPORT_JSON) {
			fputs(first ? "\n" : ",\n", out);
			json_dumpf(o, out, JSON_COMPACT | JSON_REAL_PRECISION(12));
			first = 0;
		} else if (fmt == EXPORT_CSV) {
			export_csv_row(out, o);
		} else {
			export_geojson_row(out, o, &first);
		}
		json_decref(o);
	}
	if (rc == DS_OK && step != SQLITE_DONE)
		rc = store_fail(s, step);
	export_end(out, fmt);
	sqlite3_finalize(st);
	return rc;
}
