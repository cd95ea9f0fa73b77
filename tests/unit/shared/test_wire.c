/* test_wire.c: pins shared/wire.c against docs/PROTOCOL.md: every event type survives
 * encode/decode with all its members, the canonical text is stable, and every refusal names
 * the member at fault (and, in a batch, the event's index). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "wire.h"

#define UUID1 "0b7c3f0e-8a1d-4c2b-9e3f-1a2b3c4d5e6f"
#define CODE1 "H15.50.05.13-261008-0975"
#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define REC_MS 1795657330120LL  /* 2026-11-26T01:42:10.120Z */
#define GPS_MS 1795657329000LL  /* 2026-11-26T01:42:09Z */

#define COMMON \
	"\"uuid\":\"" UUID1 "\",\"seq\":17,\"appointment\":\"" CODE1 "\"," \
	"\"recorded_at\":\"2026-11-26T01:42:10.120Z\"," \
	"\"gps\":{\"source\":\"live\",\"lat\":10.4748123,\"lon\":105.6412001,\"accuracy_m\":13.3," \
	"\"mode\":3,\"sats\":9,\"fix_age_s\":0.412,\"gps_time\":\"2026-11-26T01:42:09Z\"," \
	"\"dist_m\":8.2},\"flags\":[\"far\",\"poor_accuracy\",\"clock_skew\"]"

static const char *const event_texts[] = {
	"{" COMMON ",\"type\":\"arrive\"}",
	"{" COMMON ",\"type\":\"collect\",\"documents\":3,\"fee_vnd\":50000}",
	"{" COMMON ",\"type\":\"deliver\",\"recipient\":\"Nguyễn Văn An\",\"relation\":\"self\","
	"\"id_last4\":\"1234\",\"signature_sha256\":\"" HEX_A "\",\"photo_sha256\":\"" HEX_B "\"}",
	"{" COMMON ",\"type\":\"fail\",\"reason\":\"not-home\",\"note\":\"Gọi 2 lần không nghe máy\"}",
};

/* A fresh, valid event object of type T. */
static json_t *event_json(enum model_event_type t)
{
	json_error_t jerr;
	json_t *j = json_loads(event_texts[t], JSON_REJECT_DUPLICATES, &jerr);

	ck_assert_msg(j != NULL, "fixture: %s", jerr.text);
	return j;
}

static json_t *gps_of(json_t *j)
{
	return json_object_get(j, "gps");
}

/* Decodes J (consumed) and asserts a refusal whose message names MEMBER. */
static void ck_refused(json_t *j, const char *member)
{
	struct model_event e;
	char err[WIRE_ERR_MAX] = "";

	ck_assert_int_eq(wire_event_decode(j, &e, err), DS_EINVAL);
	ck_assert_msg(strstr(err, member) != NULL, "message \"%s\" lacks \"%s\"", err, member);
	json_decref(j);
}

static void ck_decodes(json_t *j, struct model_event *e)
{
	char err[WIRE_ERR_MAX] = "";

	ck_assert_msg(wire_event_decode(j, e, err) == DS_OK, "refused: %s", err);
	json_decref(j);
}

/* An event of type T with every member its type may carry. */
static void fill_event(struct model_event *e, enum model_event_type t)
{
	model_event_init(e);
	snprintf(e->uuid, sizeof e->uuid, "%s", UUID1);
	e->seq = 17;
	e->type = t;
	snprintf(e->appointment, sizeof e->appointment, "%s", CODE1);
	e->recorded_ms = REC_MS;
	e->gps.source = MODEL_GPS_LIVE;
	e->gps.lat = 10.4748123;
	e->gps.lon = 105.6412001;
	e->gps.accuracy_m = 13.3;
	e->gps.mode = 3;
	e->gps.sats_used = 9;
	e->gps.fix_age_s = 0.412;
	e->gps.gps_time_ms = GPS_MS;
	e->gps.dist_m = 8.2;
	e->flags = MODEL_FLAG_FAR | MODEL_FLAG_POOR_ACCURACY | MODEL_FLAG_CLOCK_SKEW;
	snprintf(e->prev_hash, sizeof e->prev_hash, "%s", HEX_B);
	snprintf(e->sig, sizeof e->sig, "%s", "c2lnbmF0dXJl");
	if (t == MODEL_COLLECT) {
		e->documents = 3;
		e->fee_vnd = 50000;
	} else if (t == MODEL_DELIVER) {
		snprintf(e->recipient, sizeof e->recipient, "%s", "Nguyễn Văn An");
		e->relation = MODEL_REL_FAMILY;
		snprintf(e->id_last4, sizeof e->id_last4, "%s", "0042");
		snprintf(e->signature_sha256, sizeof e->signature_sha256, "%s", HEX_A);
		snprintf(e->photo_sha256, sizeof e->photo_sha256, "%s", HEX_B);
	} else if (t == MODEL_FAIL) {
		e->reason = MODEL_REASON_NO_PROXY_LETTER;
		snprintf(e->note, sizeof e->note, "%s", "Người nhận không có giấy ủy quyền");
	}
}

/* Asserts two reals are equal to 1e-9, or both unknown (NaN). */
#define ck_same_real(a, b) \
	ck_assert_msg((isnan(a) && isnan(b)) || fabs((a) - (b)) < 1e-9, "%s: %.10g != %.10g", #a, (a), (b))

static void ck_same_event(const struct model_event *a, const struct model_event *b)
{
	ck_assert_str_eq(a->uuid, b->uuid);
	ck_assert_int_eq(a->seq, b->seq);
	ck_assert_int_eq(a->type, b->type);
	ck_assert_str_eq(a->appointment, b->appointment);
	ck_assert_int_eq(a->recorded_ms, b->recorded_ms);
	ck_assert_int_eq(a->gps.source, b->gps.source);
	ck_same_real(a->gps.lat, b->gps.lat);
	ck_same_real(a->gps.lon, b->gps.lon);
	ck_same_real(a->gps.accuracy_m, b->gps.accuracy_m);
	ck_assert_int_eq(a->gps.mode, b->gps.mode);
	ck_assert_int_eq(a->gps.sats_used, b->gps.sats_used);
	ck_same_real(a->gps.fix_age_s, b->gps.fix_age_s);
	ck_assert_int_eq(a->gps.gps_time_ms, b->gps.gps_time_ms);
	ck_same_real(a->gps.dist_m, b->gps.dist_m);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert_int_eq(a->documents, b->documents);
	ck_assert_int_eq(a->fee_vnd, b->fee_vnd);
	ck_assert_int_eq(a->reason, b->reason);
	ck_assert_str_eq(a->note, b->note);
	ck_assert_str_eq(a->recipient, b->recipient);
	ck_assert_int_eq(a->relation, b->relation);
	ck_assert_str_eq(a->id_last4, b->id_last4);
	ck_assert_str_eq(a->signature_sha256, b->signature_sha256);
	ck_assert_str_eq(a->photo_sha256, b->photo_sha256);
	ck_assert_str_eq(a->prev_hash, b->prev_hash);
	ck_assert_str_eq(a->sig, b->sig);
}

/* ---- events: round trips ---- */

START_TEST(event_round_trip_every_type_with_all_members)
{
	struct model_event e, back;
	enum model_event_type t;

	for (t = MODEL_ARRIVE; t < MODEL_EVENT_TYPES; t++) {
		fill_event(&e, t);
		ck_decodes(wire_event_encode(&e), &back);
		ck_same_event(&e, &back);
	}
}
END_TEST

START_TEST(event_decode_fixture_of_every_type)
{
	struct model_event e;

	ck_decodes(event_json(MODEL_ARRIVE), &e);
	ck_assert_int_eq(e.type, MODEL_ARRIVE);
	ck_assert_int_eq(e.recorded_ms, REC_MS);
	ck_assert_int_eq(e.gps.gps_time_ms, GPS_MS);
	ck_assert_int_eq(e.gps.sats_used, 9);
	ck_assert_uint_eq(e.flags, 7);
	ck_decodes(event_json(MODEL_COLLECT), &e);
	ck_assert_int_eq(e.documents, 3);
	ck_assert_int_eq(e.fee_vnd, 50000);
	ck_decodes(event_json(MODEL_DELIVER), &e);
	ck_assert_str_eq(e.recipient, "Nguyễn Văn An");
	ck_assert_int_eq(e.relation, MODEL_REL_SELF);
	ck_assert_str_eq(e.photo_sha256, HEX_B);
	ck_decodes(event_json(MODEL_FAIL), &e);
	ck_assert_int_eq(e.reason, MODEL_REASON_NOT_HOME);
	ck_assert_str_eq(e.note, "Gọi 2 lần không nghe máy");
	ck_assert_int_eq(e.documents, -1);
	ck_assert_int_eq(e.fee_vnd, -1);
}
END_TEST

START_TEST(event_round_trip_gps_none_and_last_known)
{
	struct model_event e, back;
	char *c;

	fill_event(&e, MODEL_ARRIVE);
	e.gps.source = MODEL_GPS_NONE;
	e.flags = 0;
	c = wire_event_canonical(&e);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(strstr(c, "\"gps\":{\"source\":\"none\"}") != NULL, "%s", c);
	ck_assert_msg(strstr(c, "flags") == NULL, "no flags member when none set: %s", c);
	free(c);
	ck_decodes(wire_event_encode(&e), &back);
	ck_assert_int_eq(back.gps.source, MODEL_GPS_NONE);
	ck_assert(isnan(back.gps.lat));

	fill_event(&e, MODEL_ARRIVE);
	e.gps.source = MODEL_GPS_LAST_KNOWN;
	e.gps.fix_age_s = 95.5;
	e.gps.mode = 2;
	e.gps.sats_used = -1;
	e.gps.accuracy_m = NAN;
	ck_decodes(wire_event_encode(&e), &back);
	ck_same_event(&e, &back);
}
END_TEST

START_TEST(event_canonical_text_is_sorted_compact_and_fixed)
{
	struct model_event e;
	char *c;

	fill_event(&e, MODEL_DELIVER);
	e.prev_hash[0] = e.sig[0] = '\0';
	c = wire_event_canonical(&e);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c,
		"{\"appointment\":\"" CODE1 "\",\"flags\":[\"far\",\"poor_accuracy\",\"clock_skew\"],"
		"\"gps\":{\"accuracy_m\":13.3,\"dist_m\":8.2,\"fix_age_s\":0.412,"
		"\"gps_time\":\"2026-11-26T01:42:09Z\",\"lat\":10.4748123,\"lon\":105.6412001,"
		"\"mode\":3,\"sats\":9,\"source\":\"live\"},\"id_last4\":\"0042\","
		"\"photo_sha256\":\"" HEX_B "\",\"recipient\":\"Nguyễn Văn An\",\"recorded_at\":"
		"\"2026-11-26T01:42:10.120Z\",\"relation\":\"family\",\"seq\":17,"
		"\"signature_sha256\":\"" HEX_A "\",\"type\":\"deliver\",\"uuid\":\"" UUID1 "\"}");
	free(c);
}
END_TEST

START_TEST(event_canonical_is_idempotent)
{
	struct model_event e, back;
	enum model_event_type t;
	char *c1, *c2;

	for (t = MODEL_ARRIVE; t < MODEL_EVENT_TYPES; t++) {
		fill_event(&e, t);
		/* Values finer than the wire's precision are rounded once, then stable. */
		e.gps.lat = 10.474812349999;
		e.gps.lon = -105.64120005;
		e.gps.accuracy_m = 13.349;
		e.gps.fix_age_s = 0.41249;
		e.gps.dist_m = 1234567.891;
		c1 = wire_event_canonical(&e);
		ck_assert_ptr_nonnull(c1);
		ck_decodes(json_loads(c1, 0, NULL), &back);
		c2 = wire_event_canonical(&back);
		ck_assert_ptr_nonnull(c2);
		ck_assert_str_eq(c1, c2);
		free(c1);
		free(c2);
	}
}
END_TEST

START_TEST(event_canonical_equal_for_reordered_members)
{
	struct model_event a, b;
	char *ca, *cb;

	ck_decodes(json_loads("{\"seq\":1,\"uuid\":\"" UUID1 "\",\"type\":\"arrive\",\"appointment\":\""
	                      CODE1 "\",\"recorded_at\":\"2026-11-26T08:42:10.12+07:00\","
	                      "\"gps\":{\"source\":\"none\"}}", 0, NULL), &a);
	ck_decodes(json_loads("{\"gps\":{\"source\":\"none\"},\"recorded_at\":\"2026-11-26T01:42:10.120Z\","
	                      "\"appointment\":\"" CODE1 "\",\"type\":\"arrive\",\"uuid\":\"" UUID1
	                      "\",\"seq\":1}", 0, NULL), &b);
	ca = wire_event_canonical(&a);
	cb = wire_event_canonical(&b);
	ck_assert_str_eq(ca, cb);
	free(ca);
	free(cb);
}
END_TEST

/* ---- events: refusals ---- */

START_TEST(event_refuses_unknown_member)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_object_set_new(j, "colour", json_string("red"));
	ck_refused(j, "colour");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(gps_of(j), "altitude_m", json_real(3.5));
	ck_refused(j, "altitude_m");
}
END_TEST

START_TEST(event_refuses_missing_required_members)
{
	static const char *const required[] = {"uuid", "seq", "type", "appointment", "recorded_at",
		"gps"};
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof required / sizeof required[0]; i++) {
		j = event_json(MODEL_ARRIVE);
		json_object_del(j, required[i]);
		ck_refused(j, required[i]);
	}
	j = event_json(MODEL_ARRIVE);
	json_object_del(gps_of(j), "source");
	ck_refused(j, "source");
}
END_TEST

START_TEST(event_refuses_bad_identity_members)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_object_set_new(j, "uuid", json_string("not-a-uuid"));
	ck_refused(j, "uuid");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "seq", json_integer(0));
	ck_refused(j, "seq");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "seq", json_string("17"));
	ck_refused(j, "seq");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "seq", json_real(17.5));
	ck_refused(j, "seq");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "type", json_string("pickup"));
	ck_refused(j, "type");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "appointment", json_string("H15.50.05.13-261332-0975"));
	ck_refused(j, "appointment");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "uuid", json_integer(7));
	ck_refused(j, "uuid");
}
END_TEST

START_TEST(event_refuses_recorded_at_without_offset)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_object_set_new(j, "recorded_at", json_string("2026-11-26T08:42:10"));
	ck_refused(j, "recorded_at");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "recorded_at", json_integer(1795657330));
	ck_refused(j, "recorded_at");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(gps_of(j), "gps_time", json_string("yesterday"));
	ck_refused(j, "gps_time");
}
END_TEST

START_TEST(event_refuses_gps_source_none_with_lat)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_object_set_new(j, "gps", json_pack("{s:s, s:f}", "source", "none", "lat", 10.5));
	ck_refused(j, "gps");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "gps", json_pack("{s:s, s:i}", "source", "none", "mode", 0));
	ck_refused(j, "gps");
}
END_TEST

START_TEST(event_refuses_live_fix_without_position)
{
	static const char *const needed[] = {"lat", "lon", "mode", "fix_age_s"};
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof needed / sizeof needed[0]; i++) {
		j = event_json(MODEL_ARRIVE);
		json_object_del(gps_of(j), needed[i]);
		ck_refused(j, "gps");
	}
}
END_TEST

START_TEST(event_refuses_mode_1_with_fix)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_object_set_new(gps_of(j), "mode", json_integer(1));
	ck_refused(j, "gps");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(gps_of(j), "mode", json_integer(4));
	ck_refused(j, "mode");
}
END_TEST

START_TEST(event_refuses_out_of_range_gps_numbers)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_object_set_new(gps_of(j), "lat", json_real(90.5));
	ck_refused(j, "lat");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(gps_of(j), "lon", json_real(-180.5));
	ck_refused(j, "lon");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(gps_of(j), "accuracy_m", json_real(-1));
	ck_refused(j, "accuracy_m");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(gps_of(j), "lat", json_string("10.5"));
	ck_refused(j, "lat");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(gps_of(j), "sats", json_integer(256));
	ck_refused(j, "sats");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "gps", json_string("live"));
	ck_refused(j, "gps");
}
END_TEST

START_TEST(event_refuses_bad_flags)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_array_append_new(json_object_get(j, "flags"), json_string("late_window"));
	ck_refused(j, "flags");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "flags", json_string("far"));
	ck_refused(j, "flags");
	j = event_json(MODEL_ARRIVE);
	json_array_append_new(json_object_get(j, "flags"), json_integer(1));
	ck_refused(j, "flags");
}
END_TEST

START_TEST(event_refuses_bad_id_last4)
{
	static const char *const bad[] = {"12a4", "123", "12345", "１２３４", " 123"};
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = event_json(MODEL_DELIVER);
		json_object_set_new(j, "id_last4", json_string(bad[i]));
		ck_refused(j, "id_last4");
	}
}
END_TEST

START_TEST(event_refuses_bad_hash_hex)
{
	static const char *const bad[] = {
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* upper case */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  /* 63 */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",/* 65 */
		"gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = event_json(MODEL_DELIVER);
		json_object_set_new(j, "signature_sha256", json_string(bad[i]));
		ck_refused(j, "signature_sha256");
		j = event_json(MODEL_DELIVER);
		json_object_set_new(j, "photo_sha256", json_string(bad[i]));
		ck_refused(j, "photo_sha256");
	}
}
END_TEST

START_TEST(event_refuses_deliver_without_recipient_or_relation)
{
	json_t *j = event_json(MODEL_DELIVER);

	json_object_del(j, "recipient");
	ck_refused(j, "recipient");
	j = event_json(MODEL_DELIVER);
	json_object_set_new(j, "recipient", json_string(""));
	ck_refused(j, "recipient");
	j = event_json(MODEL_DELIVER);
	json_object_del(j, "relation");
	ck_refused(j, "relation");
	j = event_json(MODEL_DELIVER);
	json_object_set_new(j, "relation", json_string("neighbour"));
	ck_refused(j, "relation");
}
END_TEST

START_TEST(event_refuses_fail_without_reason)
{
	json_t *j = event_json(MODEL_FAIL);

	json_object_del(j, "reason");
	ck_refused(j, "reason");
	j = event_json(MODEL_FAIL);
	json_object_set_new(j, "reason", json_string("not_home"));
	ck_refused(j, "reason");
}
END_TEST

START_TEST(event_refuses_note_over_500_bytes)
{
	char note[MODEL_NOTE_MAX + 2];
	struct model_event e;
	json_t *j;

	memset(note, 'x', sizeof note - 1);
	note[sizeof note - 1] = '\0';
	j = event_json(MODEL_FAIL);
	json_object_set_new(j, "note", json_string(note));
	ck_refused(j, "note");
	note[MODEL_NOTE_MAX] = '\0'; /* exactly 500: accepted */
	j = event_json(MODEL_FAIL);
	json_object_set_new(j, "note", json_string(note));
	ck_decodes(j, &e);
	ck_assert_uint_eq(strlen(e.note), MODEL_NOTE_MAX);
}
END_TEST

START_TEST(event_refuses_invalid_utf8_from_surrogate_escape)
{
	/* What a lenient parser makes of "\udc00": a lone surrogate in UTF-8 bytes. */
	json_t *j = event_json(MODEL_DELIVER);

	json_object_set_new(j, "recipient", json_stringn_nocheck("An\xed\xb0\x80", 5));
	ck_refused(j, "recipient");
	j = event_json(MODEL_FAIL);
	json_object_set_new(j, "note", json_stringn_nocheck("a\xc0\xaf", 3));
	ck_refused(j, "note");
}
END_TEST

START_TEST(event_refuses_bad_collect_numbers)
{
	json_t *j = event_json(MODEL_COLLECT);

	json_object_set_new(j, "documents", json_integer(-1));
	ck_refused(j, "documents");
	j = event_json(MODEL_COLLECT);
	json_object_set_new(j, "fee_vnd", json_real(5.5));
	ck_refused(j, "fee_vnd");
}
END_TEST

START_TEST(event_refuses_non_object)
{
	json_t *j = json_array();

	ck_refused(j, "event");
}
END_TEST

/* Regression: an empty string for a required enum (type, relation, reason, gps.source) was
 * read as "absent" and the event accepted with the zero value, e.g. "type": "" as arrive. */
START_TEST(regression_empty_enum_string_is_refused)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_object_set_new(j, "type", json_string(""));
	ck_refused(j, "type");
	j = event_json(MODEL_DELIVER);
	json_object_set_new(j, "relation", json_string(""));
	ck_refused(j, "relation");
	j = event_json(MODEL_FAIL);
	json_object_set_new(j, "reason", json_string(""));
	ck_refused(j, "reason");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(gps_of(j), "source", json_string(""));
	ck_refused(j, "source");
}
END_TEST

/* Regression: "recorded_at": "" was accepted as "unknown" although the member is required,
 * and the canonical text (which leaves unknown times out) then did not decode again. */
START_TEST(regression_empty_recorded_at_is_refused)
{
	json_t *j = event_json(MODEL_ARRIVE);

	json_object_set_new(j, "recorded_at", json_string(""));
	ck_refused(j, "recorded_at");
}
END_TEST

/* Regression: times whose UTC form is not writable as a 1970-9999 ISO time (the epoch itself
 * means "unknown", "1970-01-01T00:00:00+07:00" is in 1969 UTC, "9999-12-31T23:00:00-14:00"
 * in year 10000) were accepted, and their canonical text did not decode again. */
START_TEST(regression_time_outside_1970_9999_utc_is_refused)
{
	static const char *const bad[] = {"1970-01-01T00:00:00Z", "1970-01-01T00:00:00+07:00",
		"9999-12-31T23:00:00-14:00"};
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = event_json(MODEL_ARRIVE);
		json_object_set_new(j, "recorded_at", json_string(bad[i]));
		ck_refused(j, "recorded_at");
		j = event_json(MODEL_ARRIVE);
		json_object_set_new(gps_of(j), "gps_time", json_string(bad[i]));
		ck_refused(j, "gps_time");
	}
}
END_TEST

START_TEST(event_accepts_times_at_the_edges)
{
	struct model_event e, back;
	json_t *j = event_json(MODEL_ARRIVE);
	char *c;

	json_object_set_new(j, "recorded_at", json_string("1970-01-01T00:00:00.001Z"));
	json_object_set_new(gps_of(j), "gps_time", json_string("9999-12-31T23:59:59.999Z"));
	ck_decodes(j, &e);
	ck_assert_int_eq(e.recorded_ms, 1);
	c = wire_event_canonical(&e);
	ck_decodes(json_loads(c, 0, NULL), &back);
	ck_same_event(&e, &back);
	free(c);
}
END_TEST

/* ---- batches ---- */

static enum ds_err batch(const char *text, struct wire_batch *b, char *err)
{
	return wire_batch_decode(text, strlen(text), b, err);
}

static void ck_batch_refused(const char *text, enum ds_err want, const char *member)
{
	struct wire_batch b;
	char err[WIRE_ERR_MAX] = "";

	ck_assert_int_eq(batch(text, &b, err), want);
	ck_assert_msg(strstr(err, member) != NULL, "message \"%s\" lacks \"%s\"", err, member);
	wire_batch_free(&b);
	ck_assert_ptr_null(b.events);
}

START_TEST(batch_decodes_events_in_order)
{
	char text[4096];
	struct wire_batch b;
	char err[WIRE_ERR_MAX] = "";

	snprintf(text, sizeof text, "{\"v\":1,\"cursor\":42,\"events\":[%s,%s,%s,%s]}",
	         event_texts[0], event_texts[1], event_texts[2], event_texts[3]);
	ck_assert_msg(batch(text, &b, err) == DS_OK, "%s", err);
	ck_assert_int_eq(b.cursor, 42);
	ck_assert_uint_eq(b.count, 4);
	ck_assert_int_eq(b.events[0].type, MODEL_ARRIVE);
	ck_assert_int_eq(b.events[3].type, MODEL_FAIL);
	ck_assert_str_eq(b.events[2].recipient, "Nguyễn Văn An");
	wire_batch_free(&b);
	ck_assert_uint_eq(b.count, 0);
	wire_batch_free(NULL);
}
END_TEST

START_TEST(batch_empty_is_a_pull)
{
	struct wire_batch b;
	char err[WIRE_ERR_MAX] = "";

	ck_assert_int_eq(batch("{\"v\":1,\"events\":[]}", &b, err), DS_OK);
	ck_assert_uint_eq(b.count, 0);
	ck_assert_int_eq(b.cursor, 0);
	wire_batch_free(&b);
	ck_assert_int_eq(batch("{\"v\":1,\"cursor\":7}", &b, err), DS_OK);
	ck_assert_uint_eq(b.count, 0);
	ck_assert_int_eq(b.cursor, 7);
	wire_batch_free(&b);
}
END_TEST

START_TEST(batch_refuses_malformed_json)
{
	ck_batch_refused("{\"v\":1,", DS_EINVAL, "malformed JSON");
	ck_batch_refused("", DS_EINVAL, "malformed JSON");
	ck_batch_refused("{\"v\":1}garbage", DS_EINVAL, "malformed JSON");
	ck_batch_refused("{\"v\":1,\"v\":1}", DS_EINVAL, "malformed JSON");
	/* A lone surrogate escape is not text. */
	ck_batch_refused("{\"v\":1,\"events\":[{\"recipient\":\"\\udc00\"}]}", DS_EINVAL,
	                 "malformed JSON");
}
END_TEST

START_TEST(batch_refuses_wrong_version)
{
	ck_batch_refused("{\"v\":2,\"events\":[]}", DS_EINVAL, "v:");
	ck_batch_refused("{\"events\":[]}", DS_EINVAL, "v:");
	ck_batch_refused("{\"v\":\"1\",\"events\":[]}", DS_EINVAL, "v:");
	ck_batch_refused("{\"v\":0,\"events\":[]}", DS_EINVAL, "v:");
}
END_TEST

START_TEST(batch_refuses_bad_top_level)
{
	ck_batch_refused("[]", DS_EINVAL, "request");
	ck_batch_refused("{\"v\":1,\"events\":{}}", DS_EINVAL, "events");
	ck_batch_refused("{\"v\":1,\"events\":null}", DS_EINVAL, "events");
	ck_batch_refused("{\"v\":1,\"device\":\"x\"}", DS_EINVAL, "device");
	ck_batch_refused("{\"v\":1,\"cursor\":-1}", DS_EINVAL, "cursor");
}
END_TEST

START_TEST(batch_names_the_bad_event_index)
{
	char text[4096];

	snprintf(text, sizeof text, "{\"v\":1,\"events\":[%s,%s,{\"uuid\":\"x\"},%s]}",
	         event_texts[0], event_texts[1], event_texts[2]);
	ck_batch_refused(text, DS_EINVAL, "events[2]: ");
	snprintf(text, sizeof text, "{\"v\":1,\"events\":[%s,7]}", event_texts[0]);
	ck_batch_refused(text, DS_EINVAL, "events[1]: event");
}
END_TEST

/* A batch of N copies of the arrive fixture. Caller frees. */
static char *batch_of(size_t n)
{
	json_t *root = json_pack("{s:i, s:[]}", "v", 1, "events");
	json_t *ev = event_json(MODEL_ARRIVE);
	char *s;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append(json_object_get(root, "events"), ev);
	s = json_dumps(root, JSON_COMPACT);
	json_decref(ev);
	json_decref(root);
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(batch_refuses_over_1000_events_as_too_big)
{
	char *s = batch_of(WIRE_MAX_BATCH + 1);
	struct wire_batch b;
	char err[WIRE_ERR_MAX] = "";

	ck_batch_refused(s, DS_ETOOBIG, "events");
	free(s);
	s = batch_of(WIRE_MAX_BATCH);
	ck_assert_msg(batch(s, &b, err) == DS_OK, "%s", err);
	ck_assert_uint_eq(b.count, WIRE_MAX_BATCH);
	wire_batch_free(&b);
	free(s);
}
END_TEST

/* ---- appointments ---- */

static void fill_appointment(struct model_appointment *a)
{
	memset(a, 0, sizeof *a);
	snprintf(a->code, sizeof a->code, "%s", CODE1);
	a->kind = MODEL_KIND_DELIVER;
	snprintf(a->citizen, sizeof a->citizen, "%s", "Nguyễn Văn An");
	snprintf(a->phone, sizeof a->phone, "%s", "0912345678");
	snprintf(a->address, sizeof a->address, "%s", "12 Lý Thường Kiệt, P.1, Cao Lãnh");
	a->lat = 10.4748;
	a->lon = 105.6412;
	a->offset_min = 420;
	a->window_start_ms = 1795651200000LL + 3600000LL;     /* 08:00+07:00 */
	a->window_end_ms = a->window_start_ms + 3600000LL;
	a->due_ms = a->window_start_ms + 9 * 3600000LL;
	a->service_min = 10;
	snprintf(a->status, sizeof a->status, "%s", "booked");
	a->stop = 3;
	a->eta_ms = a->window_start_ms + 12 * 60000LL;
	a->round_version = 2;
}

START_TEST(appointment_round_trip_with_all_members)
{
	struct model_appointment a, b;
	char err[WIRE_ERR_MAX] = "";
	json_t *j;

	fill_appointment(&a);
	j = wire_appointment_encode(&a);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "window_start")),
	                 "2026-11-26T08:00:00+07:00");
	ck_assert_str_eq(json_string_value(json_object_get(j, "eta")), "2026-11-26T08:12:00+07:00");
	ck_assert_ptr_null(json_object_get(j, "removed"));
	ck_assert_msg(wire_appointment_decode(j, &b, err) == DS_OK, "%s", err);
	json_decref(j);
	ck_assert_str_eq(b.code, a.code);
	ck_assert_int_eq(b.kind, a.kind);
	ck_assert_str_eq(b.citizen, a.citizen);
	ck_assert_str_eq(b.phone, a.phone);
	ck_assert_str_eq(b.address, a.address);
	ck_assert_double_eq_tol(b.lat, a.lat, 1e-9);
	ck_assert_double_eq_tol(b.lon, a.lon, 1e-9);
	ck_assert_int_eq(b.window_start_ms, a.window_start_ms);
	ck_assert_int_eq(b.window_end_ms, a.window_end_ms);
	ck_assert_int_eq(b.due_ms, a.due_ms);
	ck_assert_int_eq(b.offset_min, a.offset_min);
	ck_assert_int_eq(b.service_min, a.service_min);
	ck_assert_str_eq(b.status, a.status);
	ck_assert_int_eq(b.stop, a.stop);
	ck_assert_int_eq(b.eta_ms, a.eta_ms);
	ck_assert_int_eq(b.round_version, a.round_version);
	ck_assert_int_eq(b.removed, 0);
}
END_TEST

START_TEST(appointment_round_trip_unplanned_leaves_plan_out)
{
	struct model_appointment a, b;
	char err[WIRE_ERR_MAX] = "";
	json_t *j;

	fill_appointment(&a);
	a.stop = 0;
	a.eta_ms = 0;
	a.round_version = 0;
	a.lat = a.lon = NAN;
	j = wire_appointment_encode(&a);
	ck_assert_ptr_null(json_object_get(j, "stop"));
	ck_assert_ptr_null(json_object_get(j, "eta"));
	ck_assert_ptr_null(json_object_get(j, "round_version"));
	ck_assert_ptr_null(json_object_get(j, "lat"));
	ck_assert_int_eq(wire_appointment_decode(j, &b, err), DS_OK);
	json_decref(j);
	ck_assert_int_eq(b.stop, 0);
	ck_assert_int_eq(b.eta_ms, 0);
	ck_assert(isnan(b.lat));
}
END_TEST

START_TEST(appointment_round_trip_removed)
{
	struct model_appointment a, b;
	char err[WIRE_ERR_MAX] = "";
	json_t *j;

	fill_appointment(&a);
	a.removed = 1;
	j = wire_appointment_encode(&a);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_object_size(j), 2);
	ck_assert(json_is_true(json_object_get(j, "removed")));
	ck_assert_int_eq(wire_appointment_decode(j, &b, err), DS_OK);
	json_decref(j);
	ck_assert_int_eq(b.removed, 1);
	ck_assert_str_eq(b.code, CODE1);
}
END_TEST

START_TEST(appointment_refuses_bad_members)
{
	struct model_appointment b;
	char err[WIRE_ERR_MAX] = "";
	json_t *j = json_pack("{s:s}", "kind", "deliver");

	ck_assert_int_eq(wire_appointment_decode(j, &b, err), DS_EINVAL);
	ck_assert_msg(strstr(err, "code") != NULL, "%s", err);
	json_decref(j);
	j = json_pack("{s:s, s:s}", "code", CODE1, "kind", "pickup");
	ck_assert_int_eq(wire_appointment_decode(j, &b, err), DS_EINVAL);
	ck_assert_msg(strstr(err, "kind") != NULL, "%s", err);
	json_decref(j);
	j = json_pack("{s:s, s:s, s:s}", "code", CODE1, "kind", "collect", "window_start", "08:00");
	ck_assert_int_eq(wire_appointment_decode(j, &b, err), DS_EINVAL);
	ck_assert_msg(strstr(err, "window_start") != NULL, "%s", err);
	json_decref(j);
	ck_assert_int_eq(wire_appointment_decode(NULL, &b, err), DS_EINVAL);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *ev = tcase_create("event");
	TCase *rej = tcase_create("event refusals");
	TCase *bt = tcase_create("batch");
	TCase *ap = tcase_create("appointment");

	tcase_add_test(ev, event_round_trip_every_type_with_all_members);
	tcase_add_test(ev, event_decode_fixture_of_every_type);
	tcase_add_test(ev, event_round_trip_gps_none_and_last_known);
	tcase_add_test(ev, event_canonical_text_is_sorted_compact_and_fixed);
	tcase_add_test(ev, event_canonical_is_idempotent);
	tcase_add_test(ev, event_canonical_equal_for_reordered_members);
	tcase_add_test(ev, event_accepts_times_at_the_edges);
	tcase_add_test(rej, event_refuses_unknown_member);
	tcase_add_test(rej, event_refuses_missing_required_members);
	tcase_add_test(rej, event_refuses_bad_identity_members);
	tcase_add_test(rej, event_refuses_recorded_at_without_offset);
	tcase_add_test(rej, event_refuses_gps_source_none_with_lat);
	tcase_add_test(rej, event_refuses_live_fix_without_position);
	tcase_add_test(rej, event_refuses_mode_1_with_fix);
	tcase_add_test(rej, event_refuses_out_of_range_gps_numbers);
	tcase_add_test(rej, event_refuses_bad_flags);
	tcase_add_test(rej, event_refuses_bad_id_last4);
	tcase_add_test(rej, event_refuses_bad_hash_hex);
	tcase_add_test(rej, event_refuses_deliver_without_recipient_or_relation);
	tcase_add_test(rej, event_refuses_fail_without_reason);
	tcase_add_test(rej, event_refuses_note_over_500_bytes);
	tcase_add_test(rej, event_refuses_invalid_utf8_from_surrogate_escape);
	tcase_add_test(rej, event_refuses_bad_collect_numbers);
	tcase_add_test(rej, event_refuses_non_object);
	tcase_add_test(rej, regression_empty_enum_string_is_refused);
	tcase_add_test(rej, regression_empty_recorded_at_is_refused);
	tcase_add_test(rej, regression_time_outside_1970_9999_utc_is_refused);
	tcase_add_test(bt, batch_decodes_events_in_order);
	tcase_add_test(bt, batch_empty_is_a_pull);
	tcase_add_test(bt, batch_refuses_malformed_json);
	tcase_add_test(bt, batch_refuses_wrong_version);
	tcase_add_test(bt, batch_refuses_bad_top_level);
	tcase_add_test(bt, batch_names_the_bad_event_index);
	tcase_add_test(bt, batch_refuses_over_1000_events_as_too_big);
	tcase_add_test(ap, appointment_round_trip_with_all_members);
	tcase_add_test(ap, appointment_round_trip_unplanned_leaves_plan_out);
	tcase_add_test(ap, appointment_round_trip_removed);
	tcase_add_test(ap, appointment_refuses_bad_members);
	suite_add_tcase(s, ev);
	suite_add_tcase(s, rej);
	suite_add_tcase(s, bt);
	suite_add_tcase(s, ap);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
