/* test_ingest_moved.c: unit tests for the edges of server/db/ingest.c that decide whether an
 * event may be kept at all: an appointment moved away from the device's courier (kept and
 * flagged `moved` until the move has reached that device, refused after), the one answer
 * for "not this courier's" and "does not exist", and a recorded_at far ahead of the
 * server's clock (kept, flagged clock_skew). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "server/db/ingest.h"
#include "fixture.h"
#include "ingest_fixture.h"

/* Moves CODE from its courier to TO as an import does: a new revision for the appointment
 * and a row in appointment_moves for the courier it left. Returns the move's revision. */
static int64_t move_to(const char *code, const char *to)
{
	char sql[512];

	ck_assert_int_eq(store_exec(&S, "UPDATE counters SET value = value + 1 WHERE name = 'rev'"),
	                 DS_OK);
	snprintf(sql, sizeof sql, "INSERT INTO appointment_moves(courier_id, code, rev)"
	         " SELECT courier_id, code, (SELECT value FROM counters WHERE name = 'rev')"
	         " FROM appointments WHERE code = '%s' ON CONFLICT(courier_id, code)"
	         " DO UPDATE SET rev = excluded.rev", code);
	ck_assert_int_eq(store_exec(&S, sql), DS_OK);
	snprintf(sql, sizeof sql, "UPDATE appointments SET courier_id = '%s', rev = (SELECT value"
	         " FROM counters WHERE name = 'rev') WHERE code = '%s'", to, code);
	ck_assert_int_eq(store_exec(&S, sql), DS_OK);
	return q_int("SELECT value FROM counters WHERE name = 'rev'");
}

/* An empty sync (a pull) by D with CURSOR at NOW_MS. */
static void pull(struct store_device *d, int64_t cursor, int64_t now_ms)
{
	struct ingest_result r;

	ck_assert_int_eq(sync_cursor(&S, d, NULL, 0, cursor, now_ms, &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_OK);
}

static const char *status_of_a1(void)
{
	static char out[64];

	dump_on(&S, "SELECT status FROM appointments WHERE code = '" A1 "'", out, sizeof out);
	return out;
}

/* ---- an appointment moved away from the device's courier ---- */

START_TEST(test_moved_event_recorded_before_device_pulled_move_kept_and_flagged)
{
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A1, T(8, 30))};
	struct ingest_result r;
	int64_t rev = move_to(A1, "c2");

	/* c1's device was offline: it delivered at 08:30 and syncs with the cursor it had. */
	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev - 1, T(13, 0), &r), DS_OK);
	ck_assert_msg(r.refusal == INGEST_OK, "refused: %s", r.detail);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_MOVED, INGEST_FLAG_MOVED);
	/* The delivery happened: it counts, and the flag tells the office to look. */
	ck_assert_str_eq(status_of_a1(), "delivered\n");
}
END_TEST

START_TEST(test_moved_event_recorded_after_device_pulled_move_forbidden)
{
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A1, T(12, 45))};
	struct ingest_result r;
	int64_t rev = move_to(A1, "c2");

	pull(&dev_a, rev, T(12, 30)); /* the device shows it has the reply listing A1 removed */
	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev, T(13, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(r.detail, A1));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_str_eq(status_of_a1(), "booked\n");
}
END_TEST

START_TEST(test_moved_event_in_the_request_that_first_shows_the_move_kept_then_refused)
{
	/* The request whose cursor first passes the move holds acts recorded before it was
	 * sent, whose order against the device's reading of the reply the server cannot know:
	 * they are kept. Once that request is accepted, the move has reached the device. */
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(13, 0))};
	struct model_event f[1] = {ev(2, 2, MODEL_DELIVER, A1, T(13, 0))};
	struct ingest_result r;
	int64_t rev = move_to(A1, "c2");

	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev, T(13, 0), &r), DS_OK);
	ck_assert_msg(r.refusal == INGEST_OK, "refused: %s", r.detail);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_MOVED, INGEST_FLAG_MOVED);
	ck_assert_int_eq(sync_cursor(&S, &dev_a, f, 1, rev, T(13, 1), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_FORBIDDEN);
	ck_assert_str_eq(status_of_a1(), "arrived\n");
}
END_TEST

START_TEST(test_refused_batch_is_refused_again_when_resent_later)
{
	/* A refusal writes nothing, not even that the move reached the device, so the same
	 * batch sent again an hour later gets the same answer. */
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A1, T(12, 45))};
	struct ingest_result r;
	int64_t rev = move_to(A1, "c2");

	pull(&dev_a, rev, T(12, 30));
	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev, T(13, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_FORBIDDEN);
	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev, T(14, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_FORBIDDEN);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
}
END_TEST

START_TEST(test_moved_event_recorded_before_the_pull_sent_later_kept)
{
	/* Offline after the move, the courier delivered at 12:10; the outbox drains in
	 * several requests, and the one carrying the act comes after the pull at 12:30. */
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A1, T(12, 10))};
	struct ingest_result r;
	int64_t rev = move_to(A1, "c2");

	pull(&dev_a, rev, T(12, 30));
	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev, T(12, 31), &r), DS_OK);
	ck_assert_msg(r.refusal == INGEST_OK, "refused: %s", r.detail);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_MOVED, INGEST_FLAG_MOVED);
	ck_assert_str_eq(status_of_a1(), "delivered\n");
}
END_TEST

START_TEST(test_move_reaching_one_device_does_not_bind_another)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(12, 45))};
	struct ingest_result r;
	int64_t rev = move_to(A1, "c2");

	pull(&dev_a, rev, T(12, 30));
	/* dev-b, c1's other handheld, has not pulled since the move. */
	ck_assert_int_eq(sync_cursor(&S, &dev_b, e, 1, rev - 1, T(13, 0), &r), DS_OK);
	ck_assert_msg(r.refusal == INGEST_OK, "refused: %s", r.detail);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_MOVED, INGEST_FLAG_MOVED);
}
END_TEST

START_TEST(test_moved_back_and_away_again_needs_the_new_move_to_reach)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(14, 0))};
	struct ingest_result r;
	int64_t rev = move_to(A1, "c2");

	pull(&dev_a, rev, T(12, 30));
	move_to(A1, "c1");
	rev = move_to(A1, "c2");
	/* The second move has not reached dev-a (its cursor is older): its act is kept. */
	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev - 1, T(14, 30), &r), DS_OK);
	ck_assert_msg(r.refusal == INGEST_OK, "refused: %s", r.detail);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_MOVED, INGEST_FLAG_MOVED);
}
END_TEST

START_TEST(test_cursor_beyond_the_servers_acknowledges_nothing_ahead)
{
	/* A device that claims a cursor from the future must not pre-acknowledge moves that
	 * do not exist yet (and then lose honest acts to them). */
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(12, 45))};
	struct ingest_result r;
	int64_t rev;

	pull(&dev_a, 1000000, T(12, 0));
	rev = move_to(A1, "c2");
	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev - 1, T(13, 0), &r), DS_OK);
	ck_assert_msg(r.refusal == INGEST_OK, "refused: %s", r.detail);
}
END_TEST

START_TEST(test_moved_flag_survives_full_derivation)
{
	struct model_event e[1] = {ev(2, 2, MODEL_DELIVER, A1, T(8, 40))};
	struct model_event f[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 30))};
	struct ingest_result r;
	int64_t rev = move_to(A1, "c2");

	ck_assert_int_eq(sync_cursor(&S, &dev_a, e, 1, rev - 1, T(13, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_OK);
	/* An earlier act arriving later makes the appointment derive again from all events. */
	ck_assert_int_eq(sync_cursor(&S, &dev_a, f, 1, rev - 1, T(13, 5), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_OK);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_MOVED, INGEST_FLAG_MOVED);
	ck_assert_uint_eq(flags_of(2) & INGEST_FLAG_MOVED, INGEST_FLAG_MOVED);
	ck_assert_str_eq(status_of_a1(), "delivered\n");
}
END_TEST

START_TEST(test_own_appointment_never_flagged_moved)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
		ev(2, 2, MODEL_DELIVER, A1, T(8, 25))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 2, &r);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_MOVED, 0);
	ck_assert_uint_eq(flags_of(2) & INGEST_FLAG_MOVED, 0);
}
END_TEST

/* ---- one answer for "not yours" and "does not exist" ---- */

/* DETAIL with CODE cut out, into OUT. */
static void without_code(const char *detail, const char *code, char *out, size_t len)
{
	const char *p = strstr(detail, code);

	ck_assert_ptr_nonnull(p);
	snprintf(out, len, "%.*s%s", (int)(p - detail), detail, p + strlen(code));
}

START_TEST(test_another_couriers_code_and_unknown_code_answered_alike)
{
	struct model_event other[1] = {ev(1, 1, MODEL_ARRIVE, A3, T(8, 30))};
	struct model_event unknown[1] = {ev(1, 1, MODEL_ARRIVE, AX, T(8, 30))};
	struct ingest_result r1, r2;
	char d1[sizeof r1.detail], d2[sizeof r2.detail];

	ck_assert_int_eq(sync_on(&S, &dev_a, other, 1, T(18, 0), &r1), DS_OK);
	ck_assert_int_eq(sync_on(&S, &dev_a, unknown, 1, T(18, 0), &r2), DS_OK);
	ck_assert_int_ne(r1.refusal, INGEST_OK);
	ck_assert_int_eq(r1.refusal, r2.refusal);
	without_code(r1.detail, A3, d1, sizeof d1);
	without_code(r2.detail, AX, d2, sizeof d2);
	ck_assert_str_eq(d1, d2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
}
END_TEST

/* ---- a recorded_at far ahead of the server's clock ---- */

START_TEST(test_recorded_at_year_9999_kept_and_flagged_clock_skew)
{
	int64_t far_ms = isotime_days_from_civil(9999, 12, 31) * 86400000LL;
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, far_ms)};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_CLOCK_AHEAD, INGEST_FLAG_CLOCK_AHEAD);
}
END_TEST

START_TEST(test_recorded_at_within_the_skew_limit_not_flagged)
{
	int64_t now_ms = T(18, 0);
	struct model_event e[3] = {ev(1, 1, MODEL_ARRIVE, A1, now_ms),
		ev(2, 2, MODEL_ARRIVE, A2, now_ms + INGEST_CLOCK_SKEW_MS),
		ev(3, 3, MODEL_ARRIVE, A4, now_ms + INGEST_CLOCK_SKEW_MS + 1)};
	struct ingest_result r;

	ck_assert_int_eq(sync_on(&S, &dev_a, e, 3, now_ms, &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_OK);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_CLOCK_AHEAD, 0);
	ck_assert_uint_eq(flags_of(2) & INGEST_FLAG_CLOCK_AHEAD, 0);
	ck_assert_uint_eq(flags_of(3) & INGEST_FLAG_CLOCK_AHEAD, INGEST_FLAG_CLOCK_AHEAD);
}
END_TEST

START_TEST(test_clock_flag_survives_full_derivation)
{
	int64_t far_ms = isotime_days_from_civil(9999, 12, 31) * 86400000LL;
	struct model_event e[1] = {ev(2, 2, MODEL_ARRIVE, A1, far_ms)};
	struct model_event f[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 30))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	sync_ok(&dev_a, f, 1, &r); /* earlier than the stored one: a full derivation */
	ck_assert_uint_eq(flags_of(2) & INGEST_FLAG_CLOCK_AHEAD, INGEST_FLAG_CLOCK_AHEAD);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_CLOCK_AHEAD, 0);
}
END_TEST

START_TEST(test_flag_names_moved_and_clock_skew_once)
{
	const char *names[INGEST_FLAG_NAMES_MAX];
	size_t n;

	n = ingest_flag_names(INGEST_FLAG_MOVED | INGEST_FLAG_CLOCK_AHEAD, names);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "moved");
	ck_assert_str_eq(names[1], "clock_skew");
	/* The device's clock_skew and the server's share one name, given once. */
	n = ingest_flag_names(MODEL_FLAG_CLOCK_SKEW | INGEST_FLAG_CLOCK_AHEAD, names);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(names[0], "clock_skew");
	/* Every flag at once fits. */
	n = ingest_flag_names(~0u, names);
	ck_assert_uint_eq(n, INGEST_FLAG_NAMES_MAX);
}
END_TEST

/* ---- the largest sequence number ---- */

START_TEST(test_seq_at_int64_max_then_more_events_no_overflow)
{
	/* The wire takes any seq up to 2^63-1. The gap test compared seq with last_seq + 1,
	 * which overflows once last_seq is that (caught by the SAN=1 build). */
	struct model_event e[1] = {ev(1, INT64_MAX, MODEL_ARRIVE, A1, T(8, 20))};
	struct model_event f[1] = {ev(2, 5, MODEL_ARRIVE, A2, T(9, 5))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(r.last_seq, INT64_MAX);
	sync_ok(&dev_a, f, 1, &r);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_int_eq(r.last_seq, INT64_MAX);
	ck_assert_uint_eq(flags_of(2) & INGEST_FLAG_SEQ_GAP, INGEST_FLAG_SEQ_GAP);
}
END_TEST

static Suite *moved_suite(void)
{
	Suite *s = suite_create("ingest_moved");
	TCase *moved = tcase_create("moved"), *edge = tcase_create("edges");

	tcase_add_checked_fixture(moved, ingest_setup, teardown);
	tcase_add_unchecked_fixture(moved, suite_setup, suite_teardown);
	tcase_add_test(moved, test_moved_event_recorded_before_device_pulled_move_kept_and_flagged);
	tcase_add_test(moved, test_moved_event_recorded_after_device_pulled_move_forbidden);
	tcase_add_test(moved,
	               test_moved_event_in_the_request_that_first_shows_the_move_kept_then_refused);
	tcase_add_test(moved, test_refused_batch_is_refused_again_when_resent_later);
	tcase_add_test(moved, test_moved_event_recorded_before_the_pull_sent_later_kept);
	tcase_add_test(moved, test_move_reaching_one_device_does_not_bind_another);
	tcase_add_test(moved, test_moved_back_and_away_again_needs_the_new_move_to_reach);
	tcase_add_test(moved, test_cursor_beyond_the_servers_acknowledges_nothing_ahead);
	tcase_add_test(moved, test_moved_flag_survives_full_derivation);
	tcase_add_test(moved, test_own_appointment_never_flagged_moved);
	suite_add_tcase(s, moved);
	tcase_add_checked_fixture(edge, ingest_setup, teardown);
	tcase_add_unchecked_fixture(edge, suite_setup, suite_teardown);
	tcase_add_test(edge, test_another_couriers_code_and_unknown_code_answered_alike);
	tcase_add_test(edge, test_recorded_at_year_9999_kept_and_flagged_clock_skew);
	tcase_add_test(edge, test_recorded_at_within_the_skew_limit_not_flagged);
	tcase_add_test(edge, test_clock_flag_survives_full_derivation);
	tcase_add_test(edge, test_flag_names_moved_and_clock_skew_once);
	tcase_add_test(edge, test_seq_at_int64_max_then_more_events_no_overflow);
	suite_add_tcase(s, edge);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(moved_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
