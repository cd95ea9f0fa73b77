/* test_wire.c: pins shared/wire.c's encoding against docs/PROTOCOL.md: every event type and
 * appointment survives encode/decode with all its members, and the canonical text is stable. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "canon.h"
#include "wire.h"
#include "wire_fixture.h"

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
	ck_assert_msg((isnan(a) && isnan(b)) || fabs((a) - (b)) < 1e-9, "%s: %.10g != %.10g", #a, \
	              (a), (b))

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
	c = canon_event(&e);
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
	c = canon_event(&e);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c,
		"{\"appointment\":\"" CODE1 "\",\"flags\":[\"far\",\"poor_accuracy\","
		                            "\"clock_skew\"],"
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
		c1 = canon_event(&e);
		ck_assert_ptr_nonnull(c1);
		ck_decodes(json_loads(c1, 0, NULL), &back);
		c2 = canon_event(&back);
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

	ck_decodes(json_loads("{\"seq\":1,\"uuid\":\"" UUID1 "\",\"type\":\"arrive\","
	                      "\"appointment\":\""
	                      CODE1 "\",\"recorded_at\":\"2026-11-26T08:42:10.12+07:00\","
	                      "\"gps\":{\"source\":\"none\"}}", 0, NULL), &a);
	ck_decodes(json_loads("{\"gps\":{\"source\":\"none\"},"
	                      "\"recorded_at\":\"2026-11-26T01:42:10.120Z\","
	                      "\"appointment\":\"" CODE1 "\",\"type\":\"arrive\",\"uuid\":\"" UUID1
	                      "\",\"seq\":1}", 0, NULL), &b);
	ca = canon_event(&a);
	cb = canon_event(&b);
	ck_assert_str_eq(ca, cb);
	free(ca);
	free(cb);
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
	c = canon_event(&e);
	ck_decodes(json_loads(c, 0, NULL), &back);
	ck_same_event(&e, &back);
	free(c);
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
	TCase *ap = tcase_create("appointment");

	tcase_add_test(ev, event_round_trip_every_type_with_all_members);
	tcase_add_test(ev, event_decode_fixture_of_every_type);
	tcase_add_test(ev, event_round_trip_gps_none_and_last_known);
	tcase_add_test(ev, event_canonical_text_is_sorted_compact_and_fixed);
	tcase_add_test(ev, event_canonical_is_idempotent);
	tcase_add_test(ev, event_canonical_equal_for_reordered_members);
	tcase_add_test(ev, event_accepts_times_at_the_edges);
	tcase_add_test(ap, appointment_round_trip_with_all_members);
	tcase_add_test(ap, appointment_round_trip_unplanned_leaves_plan_out);
	tcase_add_test(ap, appointment_round_trip_removed);
	tcase_add_test(ap, appointment_refuses_bad_members);
	suite_add_tcase(s, ev);
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
