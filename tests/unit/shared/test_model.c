/* test_model.c: pins shared/model.c: every enum's wire name parses back to the same value,
 * unknown names and values are refused, and UUIDs are made and checked correctly. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isotime.h"
#include "model.h"

START_TEST(event_type_names_round_trip)
{
	static const char *const want[] = {"arrive", "collect", "deliver", "fail"};
	enum model_event_type t, back;

	for (t = MODEL_ARRIVE; t < MODEL_EVENT_TYPES; t++) {
		ck_assert_str_eq(model_event_type_name(t), want[t]);
		ck_assert_int_eq(model_event_type_parse(model_event_type_name(t), &back), DS_OK);
		ck_assert_int_eq(back, t);
	}
	ck_assert_ptr_null(model_event_type_name(MODEL_EVENT_TYPES));
	ck_assert_ptr_null(model_event_type_name((enum model_event_type)-1));
}
END_TEST

START_TEST(gps_source_names_round_trip)
{
	static const char *const want[] = {"none", "live", "last_known"};
	int s;
	enum model_gps_source back;

	for (s = MODEL_GPS_NONE; s <= MODEL_GPS_LAST_KNOWN; s++) {
		ck_assert_str_eq(model_gps_source_name((enum model_gps_source)s), want[s]);
		ck_assert_int_eq(model_gps_source_parse(want[s], &back), DS_OK);
		ck_assert_int_eq(back, s);
	}
	ck_assert_ptr_null(model_gps_source_name(
		(enum model_gps_source)(MODEL_GPS_LAST_KNOWN + 1)));
}
END_TEST

START_TEST(relation_names_round_trip)
{
	static const char *const want[] = {"", "self", "family", "authorised"};
	int r;
	enum model_relation back;

	for (r = MODEL_REL_SELF; r <= MODEL_REL_AUTHORISED; r++) {
		ck_assert_str_eq(model_relation_name((enum model_relation)r), want[r]);
		ck_assert_int_eq(model_relation_parse(want[r], &back), DS_OK);
		ck_assert_int_eq(back, r);
	}
	/* "none" has no wire name: the member is left out. */
	ck_assert_str_eq(model_relation_name(MODEL_REL_NONE), "");
	ck_assert_ptr_null(model_relation_name((enum model_relation)(MODEL_REL_AUTHORISED + 1)));
}
END_TEST

START_TEST(reason_names_round_trip)
{
	static const char *const want[] = {"", "not-home", "wrong-address", "refused",
		"id-mismatch", "no-proxy-letter", "fee-unpaid", "other"};
	int r;
	enum model_fail_reason back;

	for (r = MODEL_REASON_NOT_HOME; r < MODEL_REASONS; r++) {
		ck_assert_str_eq(model_reason_name((enum model_fail_reason)r), want[r]);
		ck_assert_int_eq(model_reason_parse(want[r], &back), DS_OK);
		ck_assert_int_eq(back, r);
	}
	ck_assert_str_eq(model_reason_name(MODEL_REASON_NONE), "");
	ck_assert_ptr_null(model_reason_name(MODEL_REASONS));
}
END_TEST

START_TEST(kind_names_round_trip)
{
	enum model_kind back;

	ck_assert_str_eq(model_kind_name(MODEL_KIND_COLLECT), "collect");
	ck_assert_str_eq(model_kind_name(MODEL_KIND_DELIVER), "deliver");
	ck_assert_int_eq(model_kind_parse("collect", &back), DS_OK);
	ck_assert_int_eq(back, MODEL_KIND_COLLECT);
	ck_assert_int_eq(model_kind_parse("deliver", &back), DS_OK);
	ck_assert_int_eq(back, MODEL_KIND_DELIVER);
	ck_assert_ptr_null(model_kind_name((enum model_kind)2));
}
END_TEST

START_TEST(parse_refuses_unknown_empty_and_null_names)
{
	enum model_event_type t = MODEL_FAIL;
	enum model_gps_source s;
	enum model_relation r;
	enum model_fail_reason f;
	enum model_kind k;

	ck_assert_int_eq(model_event_type_parse("ARRIVE", &t), DS_EINVAL);
	ck_assert_int_eq(model_event_type_parse("arrive ", &t), DS_EINVAL);
	ck_assert_int_eq(model_event_type_parse("", &t), DS_EINVAL);
	ck_assert_int_eq(model_event_type_parse(NULL, &t), DS_EINVAL);
	ck_assert_int_eq(t, MODEL_FAIL); /* untouched on failure */
	ck_assert_int_eq(model_gps_source_parse("gps", &s), DS_EINVAL);
	ck_assert_int_eq(model_relation_parse("", &r), DS_EINVAL);
	ck_assert_int_eq(model_relation_parse("authorized", &r), DS_EINVAL);
	ck_assert_int_eq(model_reason_parse("", &f), DS_EINVAL);
	ck_assert_int_eq(model_reason_parse("not_home", &f), DS_EINVAL);
	ck_assert_int_eq(model_kind_parse("pickup", &k), DS_EINVAL);
}
END_TEST

START_TEST(event_init_marks_everything_unknown)
{
	struct model_event e;

	memset(&e, 0x5a, sizeof e);
	model_event_init(&e);
	ck_assert_int_eq(e.gps.source, MODEL_GPS_NONE);
	ck_assert(isnan(e.gps.lat) && isnan(e.gps.lon) && isnan(e.gps.accuracy_m));
	ck_assert(isnan(e.gps.fix_age_s) && isnan(e.gps.dist_m));
	ck_assert_int_eq(e.gps.sats_used, -1);
	ck_assert_int_eq(e.documents, -1);
	ck_assert_int_eq(e.fee_vnd, -1);
	ck_assert_int_eq(e.flags, 0);
	ck_assert_str_eq(e.uuid, "");
	ck_assert_str_eq(e.note, "");
	ck_assert_str_eq(e.sig, "");
}
END_TEST

START_TEST(uuid_new_is_valid_version_7)
{
	char u[MODEL_UUID_LEN + 1];
	int i;

	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(model_uuid_new(u), DS_OK);
		ck_assert_uint_eq(strlen(u), MODEL_UUID_LEN);
		ck_assert_msg(model_uuid_valid(u), "%s", u);
		ck_assert_msg(u[14] == '7', "%s: version nibble", u);
		ck_assert_msg(strchr("89ab", u[19]) != NULL, "%s: variant nibble", u);
		ck_assert_msg(strspn(u, "0123456789abcdef-") == MODEL_UUID_LEN, "%s: lower case",
		              u);
	}
}
END_TEST

/* The first 48 bits are the Unix time in milliseconds, so the server's index grows at
 * one edge; a UUID made later sorts after one made a millisecond or more earlier. */
START_TEST(uuid_new_starts_with_the_time)
{
	char a[MODEL_UUID_LEN + 1], b[MODEL_UUID_LEN + 1], hex[13];
	int64_t before = isotime_now_ms(), after;
	struct timespec pause = {0, 2000000};

	ck_assert_int_eq(model_uuid_new(a), DS_OK);
	after = isotime_now_ms();
	memcpy(hex, a, 8);
	memcpy(hex + 8, a + 9, 4);
	hex[12] = '\0';
	ck_assert_int_ge(strtoll(hex, NULL, 16), before);
	ck_assert_int_le(strtoll(hex, NULL, 16), after);
	nanosleep(&pause, NULL);
	ck_assert_int_eq(model_uuid_new(b), DS_OK);
	ck_assert_msg(strcmp(a, b) < 0, "%s then %s", a, b);
}
END_TEST

START_TEST(uuid_new_is_distinct)
{
	char a[MODEL_UUID_LEN + 1], b[MODEL_UUID_LEN + 1];

	ck_assert_int_eq(model_uuid_new(a), DS_OK);
	ck_assert_int_eq(model_uuid_new(b), DS_OK);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(uuid_valid_accepts_both_cases)
{
	ck_assert(model_uuid_valid("0b7c3f0e-8a1d-4c2b-9e3f-1a2b3c4d5e6f"));
	ck_assert(model_uuid_valid("0B7C3F0E-8A1D-4C2B-9E3F-1A2B3C4D5E6F"));
	ck_assert(model_uuid_valid("00000000-0000-0000-0000-000000000000"));
}
END_TEST

START_TEST(uuid_valid_refuses_bad_forms)
{
	ck_assert(!model_uuid_valid(NULL));
	ck_assert(!model_uuid_valid(""));
	ck_assert(!model_uuid_valid("0b7c3f0e-8a1d-4c2b-9e3f-1a2b3c4d5e6"));   /* 35 */
	ck_assert(!model_uuid_valid("0b7c3f0e-8a1d-4c2b-9e3f-1a2b3c4d5e6f0")); /* 37 */
	ck_assert(!model_uuid_valid("0b7c3f0e8a1d-4c2b-9e3f-1a2b3c4d5e6f0"));  /* dash moved */
	ck_assert(!model_uuid_valid("0b7c3f0e-8a1d-4c2b-9e3f_1a2b3c4d5e6f"));
	ck_assert(!model_uuid_valid("0b7c3f0g-8a1d-4c2b-9e3f-1a2b3c4d5e6f"));  /* g */
	ck_assert(!model_uuid_valid("{b7c3f0e-8a1d-4c2b-9e3f-1a2b3c4d5e6}"));
	ck_assert(!model_uuid_valid("0b7c3f0e-8a1d-4c2b-9e3f-1a2b3c4d5e6 "));
	ck_assert(!model_uuid_valid("------------------------------------"));
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, event_type_names_round_trip);
	tcase_add_test(tc, gps_source_names_round_trip);
	tcase_add_test(tc, relation_names_round_trip);
	tcase_add_test(tc, reason_names_round_trip);
	tcase_add_test(tc, kind_names_round_trip);
	tcase_add_test(tc, parse_refuses_unknown_empty_and_null_names);
	tcase_add_test(tc, event_init_marks_everything_unknown);
	tcase_add_test(tc, uuid_new_is_valid_version_7);
	tcase_add_test(tc, uuid_new_starts_with_the_time);
	tcase_add_test(tc, uuid_new_is_distinct);
	tcase_add_test(tc, uuid_valid_accepts_both_cases);
	tcase_add_test(tc, uuid_valid_refuses_bad_forms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(model_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
