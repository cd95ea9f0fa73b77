/* test_export.c: unit tests for server/export.c: events opened with the data key and
 * written as JSON with the members docs/PROTOCOL.md lists (server flags by name), as CSV
 * (RFC 4180, checked by parsing it back with libcsv), as GeoJSON (only events with a
 * position), filtered by received time; a body that does not open is an error, not a gap.
 * Rows are written here the way ingest stores them (canonical text sealed with the UUID as
 * associated data), so this suite does not depend on the ingest API. */
#include <check.h>
#include <csv.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "crypto.h"
#include "isotime.h"
#include "server/export.h"
#include "server/db/ingest.h"
#include "fixture.h"

#define A1 "H15.50.05.13-261126-0001"
#define NOTE "not home, said \"come back\""
#define T1 1795000000000LL
#define T2 (T1 + 3600000)

static struct model_event E[3];

static void uuid_of(int n, char *out)
{
	snprintf(out, MODEL_UUID_LEN + 1, "00000000-0000-4000-8000-%012d", n);
}

/* Stores E as ingest does, sealed with KEY. */
static void put(const struct model_event *e, const uint8_t *key, const char *device,
                int64_t received_ms, unsigned server_flags)
{
	char *canon = canon_event(e);
	uint8_t hash[CRYPTO_SHA256_LEN], *sealed;
	sqlite3_stmt *st = NULL;
	size_t len;

	ck_assert_ptr_nonnull(canon);
	len = strlen(canon);
	sealed = malloc(len + SEAL_OVERHEAD);
	ck_assert_ptr_nonnull(sealed);
	crypto_sha256(canon, len, hash);
	ck_assert_int_eq(seal_seal(S.seal, key, e->uuid, strlen(e->uuid), canon, len, sealed),
	                 DS_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(S.db, "INSERT INTO events(uuid, device_id, seq,"
	    " courier_id, appointment, type, reason, recorded_ms, received_ms, content_hash, body,"
	    " server_flags) VALUES (?, ?, ?, 'c1', ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, e->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, e->seq);
	sqlite3_bind_text(st, 4, e->appointment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, model_event_type_name(e->type), -1, SQLITE_STATIC);
	if (e->reason != MODEL_REASON_NONE)
		sqlite3_bind_text(st, 6, model_reason_name(e->reason), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, e->recorded_ms);
	sqlite3_bind_int64(st, 8, received_ms);
	sqlite3_bind_blob(st, 9, hash, sizeof hash, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, sealed, (int)(len + SEAL_OVERHEAD), SQLITE_STATIC);
	sqlite3_bind_int(st, 11, (int)server_flags);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	free(sealed);
	free(canon);
}

static void export_setup(void)
{
	struct model_event *e;

	setup();
	/* 1: arrive with a live fix, flagged far by the device. */
	e = &E[0];
	model_event_init(e);
	uuid_of(1, e->uuid);
	e->seq = 1;
	e->type = MODEL_ARRIVE;
	snprintf(e->appointment, sizeof e->appointment, A1);
	e->recorded_ms = T1 - 60000;
	e->gps.source = MODEL_GPS_LIVE;
	e->gps.lat = 10.4748123;
	e->gps.lon = 105.6412001;
	e->gps.accuracy_m = 13.3;
	e->gps.mode = 3;
	e->gps.sats_used = 9;
	e->gps.fix_age_s = 0.412;
	e->flags = MODEL_FLAG_FAR;
	/* 2: a failed visit without a fix, with a note that needs CSV quoting. */
	e = &E[1];
	model_event_init(e);
	uuid_of(2, e->uuid);
	e->seq = 3;
	e->type = MODEL_FAIL;
	snprintf(e->appointment, sizeof e->appointment, A1);
	e->recorded_ms = T1 - 30000;
	e->reason = MODEL_REASON_NOT_HOME;
	snprintf(e->note, sizeof e->note, NOTE);
	/* 3: a delivery with an older fix. */
	e = &E[2];
	model_event_init(e);
	uuid_of(3, e->uuid);
	e->seq = 4;
	e->type = MODEL_DELIVER;
	snprintf(e->appointment, sizeof e->appointment, A1);
	e->recorded_ms = T2 - 60000;
	e->gps.source = MODEL_GPS_LAST_KNOWN;
	e->gps.lat = 10.4749;
	e->gps.lon = 105.6413;
	e->gps.mode = 2;
	e->gps.fix_age_s = 42.5;
	e->gps.gps_time_ms = T2 - 102500;
	e->gps.dist_m = 8.2;
	snprintf(e->recipient, sizeof e->recipient, "Nguyễn Văn An");
	e->relation = MODEL_REL_FAMILY;
	snprintf(e->id_last4, sizeof e->id_last4, "1234");
	put(&E[0], S.key, "dev-a", T1, 0);
	put(&E[1], S.key, "dev-a", T1, INGEST_FLAG_SEQ_GAP | INGEST_FLAG_LATE_WINDOW);
	put(&E[2], S.key, "dev-a", T2, INGEST_FLAG_LATE_DUE | INGEST_FLAG_CONTRADICTORY);
}

/* Runs the export into a string. Caller frees. */
static char *run(enum export_format fmt, int64_t since, enum ds_err want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(export_events(&S, fmt, since, f), want);
	fclose(f);
	return buf;
}

static int has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *o = json_loads(text, 0, &jerr);

	ck_assert_msg(o != NULL, "not JSON: %s\n%s", jerr.text, text);
	return o;
}

START_TEST(test_json_has_protocol_members)
{
	char *text = run(EXPORT_JSON, 0, DS_OK), t[ISOTIME_MAX_LEN + 1];
	json_t *a = load(text), *o, *gps;
	static const char *const members[] = {"uuid", "device", "courier", "appointment", "type",
		"seq", "recorded_at", "received_at", "gps", "flags"};
	size_t i, k;

	ck_assert(json_is_array(a));
	ck_assert_int_eq(json_array_size(a), 3);
	json_array_foreach(a, i, o)
		for (k = 0; k < sizeof members / sizeof members[0]; k++)
			ck_assert_msg(json_object_get(o, members[k]) != NULL, "event %zu lacks %s",
			              i, members[k]);
	o = json_array_get(a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "uuid")), E[0].uuid);
	ck_assert_str_eq(json_string_value(json_object_get(o, "device")), "dev-a");
	ck_assert_str_eq(json_string_value(json_object_get(o, "courier")), "c1");
	ck_assert_str_eq(json_string_value(json_object_get(o, "appointment")), A1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "type")), "arrive");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "seq")), 1);
	ck_assert_int_eq(isotime_format(T1, 0, t, sizeof t), DS_OK);
	ck_assert_str_eq(json_string_value(json_object_get(o, "received_at")), t);
	gps = json_object_get(o, "gps");
	ck_assert_str_eq(json_string_value(json_object_get(gps, "source")), "live");
	ck_assert(fabs(json_number_value(json_object_get(gps, "lat")) - 10.4748123) < 1e-9);
	ck_assert(fabs(json_number_value(json_object_get(gps, "lon")) - 105.6412001) < 1e-9);
	ck_assert(fabs(json_number_value(json_object_get(gps, "accuracy_m")) - 13.3) < 1e-9);
	ck_assert_int_eq(json_integer_value(json_object_get(gps, "mode")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(gps, "sats")), 9);
	ck_assert(fabs(json_number_value(json_object_get(gps, "fix_age_s")) - 0.412) < 1e-9);
	ck_assert_ptr_null(json_object_get(gps, "dist_m")); /* unknown: left out */
	ck_assert(has_string(json_object_get(o, "flags"), "far"));
	ck_assert_int_eq(json_array_size(json_object_get(o, "flags")), 1);
	o = json_array_get(a, 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "gps"), "source")),
	                 "none");
	ck_assert_ptr_null(json_object_get(json_object_get(o, "gps"), "lat"));
	ck_assert(has_string(json_object_get(o, "flags"), "seq_gap"));
	ck_assert(has_string(json_object_get(o, "flags"), "late_window"));
	ck_assert(!has_string(json_object_get(o, "flags"), "late_due"));
	ck_assert_str_eq(json_string_value(json_object_get(o, "reason")), "not-home");
	ck_assert_str_eq(json_string_value(json_object_get(o, "note")), NOTE);
	o = json_array_get(a, 2);
	gps = json_object_get(o, "gps");
	ck_assert(has_string(json_object_get(o, "flags"), "late_due"));
	ck_assert(has_string(json_object_get(o, "flags"), "contradictory"));
	ck_assert_str_eq(json_string_value(json_object_get(gps, "source")), "last_known");
	ck_assert_ptr_nonnull(json_object_get(gps, "gps_time"));
	ck_assert(fabs(json_number_value(json_object_get(gps, "dist_m")) - 8.2) < 1e-9);
	ck_assert_str_eq(json_string_value(json_object_get(o, "recipient")), "Nguyễn Văn An");
	ck_assert_str_eq(json_string_value(json_object_get(o, "relation")), "family");
	ck_assert_str_eq(json_string_value(json_object_get(o, "id_last4")), "1234");
	json_decref(a);
	free(text);
}
END_TEST

/* libcsv callbacks collecting records of fields. */
struct csv_rows {
	int nrec, nfield;
	char fields[8][32][160];
	int nf[8];
};

static void csv_field(void *data, size_t len, void *ctx)
{
	struct csv_rows *r = ctx;

	if (r->nrec < 8 && r->nfield < 32)
		snprintf(r->fields[r->nrec][r->nfield], 160, "%.*s", (int)len,
		         data ? (const char *)data : "");
	r->nfield++;
}

static void csv_record(int term, void *ctx)
{
	struct csv_rows *r = ctx;

	(void)term;
	if (r->nrec < 8)
		r->nf[r->nrec] = r->nfield;
	r->nrec++;
	r->nfield = 0;
}

static void parse_csv(const char *text, struct csv_rows *r)
{
	struct csv_parser p;

	memset(r, 0, sizeof *r);
	ck_assert_int_eq(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
	ck_assert_uint_eq(csv_parse(&p, text, strlen(text), csv_field, csv_record, r),
	                  strlen(text));
	ck_assert_int_eq(csv_fini(&p, csv_field, csv_record, r), 0);
	csv_free(&p);
}

static int col(const struct csv_rows *r, const char *name)
{
	int i;

	for (i = 0; i < r->nf[0]; i++)
		if (strcmp(r->fields[0][i], name) == 0)
			return i;
	ck_abort_msg("no column %s", name);
	return -1;
}

START_TEST(test_csv_header_one_row_per_event_rfc4180)
{
	char *text = run(EXPORT_CSV, 0, DS_OK);
	struct csv_rows r;
	int i;

	parse_csv(text, &r);
	ck_assert_int_eq(r.nrec, 4); /* header + 3 */
	for (i = 1; i < 4; i++)
		ck_assert_int_eq(r.nf[i], r.nf[0]);
	ck_assert_str_eq(r.fields[0][0], "uuid");
	ck_assert_str_eq(r.fields[1][col(&r, "uuid")], E[0].uuid);
	ck_assert_str_eq(r.fields[2][col(&r, "note")], NOTE);
	ck_assert_str_eq(r.fields[2][col(&r, "reason")], "not-home");
	ck_assert_str_eq(r.fields[3][col(&r, "recipient")], "Nguyễn Văn An");
	/* The note is quoted, its quotes doubled; lines end in CRLF. */
	ck_assert_ptr_nonnull(strstr(text, ",\"not home, said \"\"come back\"\"\","));
	ck_assert_ptr_nonnull(strstr(text, "\r\n"));
	free(text);
}
END_TEST

/* Regression (issue 15, finding 4): a device's free text came out as typed, so a
 * spreadsheet opening the export would run it as a formula. */
START_TEST(test_csv_text_formula_neutralised_numbers_kept)
{
	struct model_event d = E[2], f = E[1];
	struct csv_rows r;
	char *text;

	uuid_of(4, d.uuid);
	d.seq = 5;
	d.gps.lon = -105.5; /* a number column: stays a number */
	snprintf(d.recipient, sizeof d.recipient, "=HYPERLINK(\"http://evil.example\",\"x\")");
	put(&d, S.key, "dev-a", T2, 0);
	uuid_of(5, f.uuid);
	f.seq = 6;
	snprintf(f.note, sizeof f.note, "+cmd|'/C calc'!A0");
	put(&f, S.key, "dev-a", T2, 0);
	text = run(EXPORT_CSV, 0, DS_OK);
	parse_csv(text, &r);
	ck_assert_int_eq(r.nrec, 6);
	ck_assert_str_eq(r.fields[4][col(&r, "recipient")],
	                 "'=HYPERLINK(\"http://evil.example\",\"x\")");
	ck_assert_str_eq(r.fields[5][col(&r, "note")], "'+cmd|'/C calc'!A0");
	ck_assert_ptr_null(strstr(text, ",=HYPERLINK"));
	ck_assert_ptr_null(strstr(text, ",+cmd"));
	ck_assert_ptr_nonnull(strstr(text, ",-105.5,"));
	free(text);
}
END_TEST

START_TEST(test_csv_gps_columns_named_as_protocol)
{
	/* Regression: the header said gps.lat where docs/PROTOCOL.md says gps_lat. */
	char *text = run(EXPORT_CSV, 0, DS_OK);
	struct csv_rows r;

	parse_csv(text, &r);
	ck_assert(fabs(strtod(r.fields[1][col(&r, "gps_lat")], NULL) - 10.4748123) < 1e-9);
	ck_assert(fabs(strtod(r.fields[1][col(&r, "gps_lon")], NULL) - 105.6412001) < 1e-9);
	ck_assert_str_eq(r.fields[1][col(&r, "gps_source")], "live");
	ck_assert_str_eq(r.fields[2][col(&r, "gps_lat")], "");
	ck_assert_str_eq(r.fields[3][col(&r, "gps_dist_m")], "8.2");
	ck_assert_ptr_null(strstr(r.fields[0][9], "."));
	free(text);
}
END_TEST

START_TEST(test_geojson_feature_collection_of_positioned_events)
{
	char *text = run(EXPORT_GEOJSON, 0, DS_OK);
	json_t *o = load(text), *feats, *f, *c;
	size_t i;

	ck_assert_str_eq(json_string_value(json_object_get(o, "type")), "FeatureCollection");
	feats = json_object_get(o, "features");
	ck_assert_int_eq(json_array_size(feats), 2); /* the visit without a fix is left out */
	json_array_foreach(feats, i, f) {
		ck_assert_str_eq(json_string_value(json_object_get(f, "type")), "Feature");
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "geometry"),
		                                                   "type")),
		                 "Point");
		ck_assert_str_ne(json_string_value(json_object_get(json_object_get(f, "properties"),
		                                                   "uuid")),
		                 E[1].uuid);
	}
	c = json_object_get(json_object_get(json_array_get(feats, 0), "geometry"), "coordinates");
	/* lon first */
	ck_assert(fabs(json_number_value(json_array_get(c, 0)) - 105.6412001) < 1e-9);
	ck_assert(fabs(json_number_value(json_array_get(c, 1)) - 10.4748123) < 1e-9);
	json_decref(o);
	free(text);
}
END_TEST

START_TEST(test_since_filters_by_received_time)
{
	char *text = run(EXPORT_JSON, T2, DS_OK);
	json_t *a = load(text);

	ck_assert_int_eq(json_array_size(a), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0), "uuid")),
	                 E[2].uuid);
	json_decref(a);
	free(text);
	text = run(EXPORT_JSON, T2 + 1, DS_OK);
	a = load(text);
	ck_assert_int_eq(json_array_size(a), 0);
	json_decref(a);
	free(text);
	text = run(EXPORT_CSV, T1, DS_OK);
	{
		struct csv_rows r;
		parse_csv(text, &r);
		ck_assert_int_eq(r.nrec, 4);
	}
	free(text);
}
END_TEST

START_TEST(test_body_sealed_with_another_key_is_ecrypto)
{
	uint8_t other[SEAL_KEY_LEN];
	struct model_event e = E[0];
	char *text;

	memcpy(other, S.key, sizeof other);
	other[0] ^= 1;
	uuid_of(9, e.uuid);
	e.seq = 9;
	put(&e, other, "dev-b", T2, 0);
	text = run(EXPORT_JSON, 0, DS_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(S.err, e.uuid));
	free(text);
}
END_TEST

START_TEST(test_body_moved_to_another_row_is_ecrypto)
{
	char *text;

	/* Swap two bodies: each is bound to its own UUID. */
	ck_assert_int_eq(store_exec(&S, "UPDATE events SET body ="
	                                " (SELECT body FROM events WHERE seq = 1)"
	                                " WHERE seq = 4"), DS_OK);
	text = run(EXPORT_CSV, 0, DS_ECRYPTO);
	free(text);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 3);
}
END_TEST

START_TEST(test_nothing_to_export_is_still_valid_documents)
{
	char *text = run(EXPORT_JSON, T2 + 1, DS_OK);
	json_t *o = load(text);
	struct csv_rows r;

	ck_assert(json_is_array(o));
	ck_assert_int_eq(json_array_size(o), 0);
	json_decref(o);
	free(text);
	text = run(EXPORT_GEOJSON, T2 + 1, DS_OK);
	o = load(text);
	ck_assert_str_eq(json_string_value(json_object_get(o, "type")), "FeatureCollection");
	ck_assert_int_eq(json_array_size(json_object_get(o, "features")), 0);
	json_decref(o);
	free(text);
	text = run(EXPORT_CSV, T2 + 1, DS_OK);
	parse_csv(text, &r);
	ck_assert_int_eq(r.nrec, 1); /* the header alone */
	free(text);
}
END_TEST

static Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_add_checked_fixture(tc, export_setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_json_has_protocol_members);
	tcase_add_test(tc, test_csv_header_one_row_per_event_rfc4180);
	tcase_add_test(tc, test_csv_gps_columns_named_as_protocol);
	tcase_add_test(tc, test_csv_text_formula_neutralised_numbers_kept);
	tcase_add_test(tc, test_geojson_feature_collection_of_positioned_events);
	tcase_add_test(tc, test_since_filters_by_received_time);
	tcase_add_test(tc, test_body_sealed_with_another_key_is_ecrypto);
	tcase_add_test(tc, test_body_moved_to_another_row_is_ecrypto);
	tcase_add_test(tc, test_nothing_to_export_is_still_valid_documents);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(export_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
