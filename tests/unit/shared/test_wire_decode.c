/* test_wire_decode.c: pins shared/wire.c's decoding against docs/PROTOCOL.md: every refusal
 * names the member at fault, and a batch decodes in order or is refused naming the event's
 * index. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "batch.h"
#include "canon.h"
#include "wire.h"
#include "wire_fixture.h"

/* Decodes J (consumed) and asserts a refusal whose message names MEMBER. */
static void ck_refused(json_t *j, const char *member)
{
	struct model_event e;
	char err[WIRE_ERR_MAX] = "";

	ck_assert_int_eq(wire_event_decode(j, &e, err), DS_EINVAL);
	ck_assert_msg(strstr(err, member) != NULL, "message \"%s\" lacks \"%s\"", err, member);
	json_decref(j);
}

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
	/* Past 2^53 - 1 (where a device could push the server's count to its end). */
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "seq", json_integer(MODEL_SEQ_MAX + 1));
	ck_refused(j, "seq");
	j = event_json(MODEL_ARRIVE);
	json_object_set_new(j, "seq", json_integer(INT64_MAX));
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

/* ---- batches ---- */

static enum ds_err batch(const char *text, struct wire_batch *b, char *err)
{
	return batch_decode(text, strlen(text), b, err);
}

static void ck_batch_refused(const char *text, enum ds_err want, const char *member)
{
	struct wire_batch b;
	char err[WIRE_ERR_MAX] = "";

	ck_assert_int_eq(batch(text, &b, err), want);
	ck_assert_msg(strstr(err, member) != NULL, "message \"%s\" lacks \"%s\"", err, member);
	batch_free(&b);
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
	batch_free(&b);
	ck_assert_uint_eq(b.count, 0);
	batch_free(NULL);
}
END_TEST

/* The agent's jansson decoder and the server's yajl batch decoder fill the same table for
 * the same record checks: each fixture event comes out the same both ways. */
START_TEST(batch_and_jansson_decode_alike)
{
	char text[4096], err[WIRE_ERR_MAX] = "";
	struct wire_batch b;
	struct model_event e;
	char *via_batch, *via_jansson;
	int t;

	for (t = 0; t < 4; t++) {
		snprintf(text, sizeof text, "{\"v\":1,\"events\":[%s]}", event_texts[t]);
		ck_assert_msg(batch(text, &b, err) == DS_OK, "%s", err);
		ck_decodes(event_json((enum model_event_type)t), &e);
		via_batch = canon_event(&b.events[0]);
		via_jansson = canon_event(&e);
		ck_assert_ptr_nonnull(via_batch);
		ck_assert_ptr_nonnull(via_jansson);
		ck_assert_str_eq(via_batch, via_jansson);
		ck_assert_int_eq(b.events[0].gps.sats_used, e.gps.sats_used);
		free(via_batch);
		free(via_jansson);
		batch_free(&b);
	}
}
END_TEST

START_TEST(batch_empty_is_a_pull)
{
	struct wire_batch b;
	char err[WIRE_ERR_MAX] = "";

	ck_assert_int_eq(batch("{\"v\":1,\"events\":[]}", &b, err), DS_OK);
	ck_assert_uint_eq(b.count, 0);
	ck_assert_int_eq(b.cursor, 0);
	batch_free(&b);
	ck_assert_int_eq(batch("{\"v\":1,\"cursor\":7}", &b, err), DS_OK);
	ck_assert_uint_eq(b.count, 0);
	ck_assert_int_eq(b.cursor, 7);
	batch_free(&b);
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
	batch_free(&b);
	free(s);
}
END_TEST

static Suite *wire_decode_suite(void)
{
	Suite *s = suite_create("wire_decode");
	TCase *rej = tcase_create("event refusals");
	TCase *bt = tcase_create("batch");

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
	tcase_add_test(bt, batch_and_jansson_decode_alike);
	tcase_add_test(bt, batch_empty_is_a_pull);
	tcase_add_test(bt, batch_refuses_malformed_json);
	tcase_add_test(bt, batch_refuses_wrong_version);
	tcase_add_test(bt, batch_refuses_bad_top_level);
	tcase_add_test(bt, batch_names_the_bad_event_index);
	tcase_add_test(bt, batch_refuses_over_1000_events_as_too_big);
	suite_add_tcase(s, rej);
	suite_add_tcase(s, bt);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wire_decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
