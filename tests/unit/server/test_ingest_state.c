/* test_ingest_state.c: unit tests for server/db/ingest.c's derivation: the appointment state
 * machine with its late and contradictory flags, and the same state and flags whatever order
 * or batches the events arrive in. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db/ingest.h"
#include "fixture.h"
#include "ingest_fixture.h"

#define APPTS_SQL "SELECT code, status, done_ms, fail_reason, last_event_ms, last_event_uuid" \
                  " FROM appointments ORDER BY code"
/* Appointments whose kept latest-event key is not their latest event's: must be none. */
#define LAST_WRONG_SQL "SELECT count(*) FROM appointments a" \
	" WHERE (last_event_ms, last_event_uuid)" \
	" IS NOT (SELECT recorded_ms, uuid FROM events e WHERE e.appointment = a.code" \
	" ORDER BY recorded_ms DESC, uuid DESC LIMIT 1)"
#define FLAGS_SQL "SELECT uuid, server_flags FROM events ORDER BY uuid"

static void state_of(const char *code, char *status, int64_t *done_ms, char *reason)
{
	sqlite3_stmt *st = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(S.db, "SELECT status, done_ms, fail_reason FROM"
	                                    " appointments WHERE code = ?", -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 0));
	*done_ms = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 1);
	snprintf(reason, 32, "%s", sqlite3_column_type(st, 2) == SQLITE_NULL ? "NULL" :
	         (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
}

/* ---- appointment state ---- */

START_TEST(test_arrive_sets_arrived)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 1, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "arrived");
	ck_assert_int_eq(done, 0);
	ck_assert_uint_eq(flags_of(1), 0);
}
END_TEST

START_TEST(test_collect_on_collect_kind_sets_collected_and_done)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A2, T(9, 20)),
	                           ev(2, 2, MODEL_COLLECT, A2, T(9, 25))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 2, &r);
	state_of(A2, status, &done, reason);
	ck_assert_str_eq(status, "collected");
	ck_assert_int_eq(done, T(9, 25));
	ck_assert_str_eq(reason, "NULL");
	ck_assert_uint_eq(flags_of(2), 0);
}
END_TEST

START_TEST(test_deliver_on_collect_kind_is_contradictory_state_unchanged)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A2, T(9, 20)),
	                           ev(2, 2, MODEL_DELIVER, A2, T(9, 25))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 2, &r);
	ck_assert_int_eq(r.stored, 2); /* kept and flagged, never dropped */
	state_of(A2, status, &done, reason);
	ck_assert_str_eq(status, "arrived");
	ck_assert_int_eq(done, 0);
	ck_assert_uint_eq(flags_of(2), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(1), 0);
}
END_TEST

START_TEST(test_act_after_final_is_contradictory)
{
	struct model_event e[3] = {ev(1, 1, MODEL_DELIVER, A1, T(8, 20)),
		ev(2, 2, MODEL_FAIL, A1, T(8, 30)), ev(3, 3, MODEL_DELIVER, A1, T(8, 40))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 3, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(8, 20));
	ck_assert_str_eq(reason, "NULL");
	ck_assert_uint_eq(flags_of(1), 0);
	ck_assert_uint_eq(flags_of(2), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(3), INGEST_FLAG_CONTRADICTORY);
}
END_TEST

START_TEST(test_act_after_window_end_is_late_window)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(9, 20)),
	                           ev(2, 2, MODEL_DELIVER, A1, T(9, 30))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 2, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "delivered"); /* late, still delivered */
	ck_assert_int_eq(done, T(9, 30));
	ck_assert_uint_eq(flags_of(2), INGEST_FLAG_LATE_WINDOW);
	ck_assert_uint_eq(flags_of(1), 0); /* arriving late is not an act */
}
END_TEST

START_TEST(test_act_after_due_is_late_due)
{
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A5, T(8, 50))};
	struct model_event f[1] = {ev(2, 2, MODEL_FAIL, A1, T(17, 30))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	ck_assert_uint_eq(flags_of(1), INGEST_FLAG_LATE_DUE); /* within the window, after due */
	sync_ok(&dev_a, f, 1, &r);
	ck_assert_uint_eq(flags_of(2), INGEST_FLAG_LATE_DUE | INGEST_FLAG_LATE_WINDOW);
}
END_TEST

START_TEST(test_fail_sets_failed_with_reason)
{
	struct model_event e[1] = {ev(1, 1, MODEL_FAIL, A1, T(8, 20))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	e[0].reason = MODEL_REASON_WRONG_ADDRESS;
	sync_ok(&dev_a, e, 1, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "failed");
	ck_assert_int_eq(done, 0);
	ck_assert_str_eq(reason, "wrong-address");
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE reason = 'wrong-address'"), 1);
}
END_TEST

START_TEST(test_fail_then_deliver_is_delivered)
{
	struct model_event e[1] = {ev(1, 1, MODEL_FAIL, A1, T(8, 20))};
	struct model_event f[1] = {ev(2, 2, MODEL_DELIVER, A1, T(8, 50))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done, rev1;

	sync_ok(&dev_a, e, 1, &r);
	rev1 = q_int("SELECT rev FROM appointments WHERE code = '" A1 "'");
	sync_ok(&dev_a, f, 1, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(8, 50));
	ck_assert_str_eq(reason, "NULL");
	ck_assert_uint_eq(flags_of(2), 0);
	/* The change reaches devices: the appointment's rev moved on. */
	ck_assert_int_gt(q_int("SELECT rev FROM appointments WHERE code = '" A1 "'"), rev1);
}
END_TEST

/* ---- determinism ---- */

/* The events of two devices of c1; several recorded out of order and arriving late. */
static void det_events(struct model_event *a, struct model_event *b)
{
	a[0] = ev(11, 1, MODEL_ARRIVE, A1, T(8, 20));
	a[1] = ev(12, 2, MODEL_DELIVER, A1, T(8, 25));   /* after b's earlier delivery:
	                                                  * contradictory */
	a[2] = ev(13, 3, MODEL_COLLECT, A2, T(9, 40));
	a[3] = ev(14, 4, MODEL_ARRIVE, A4, T(11, 30));   /* after the final act */
	a[4] = ev(15, 5, MODEL_FAIL, A5, T(8, 30));
	b[0] = ev(21, 1, MODEL_FAIL, A1, T(8, 10));
	b[1] = ev(22, 2, MODEL_DELIVER, A1, T(8, 15));
	b[2] = ev(23, 3, MODEL_DELIVER, A2, T(9, 30));   /* wrong kind */
	b[3] = ev(24, 4, MODEL_FAIL, A4, T(11, 20));     /* same ms as the next: uuid decides */
	b[4] = ev(25, 5, MODEL_DELIVER, A4, T(11, 20));
	b[5] = ev(26, 6, MODEL_DELIVER, A5, T(8, 20));   /* recorded before a's fail, sent later */
	b[2].recorded_ms = T(9, 30);
}

struct det_step { int dev; int from, n; };

static void det_run(struct store *s, const struct det_step *steps, int nsteps, char *appts,
                    char *flags, size_t len)
{
	struct model_event a[5], b[6];
	struct store_device da, db;
	struct ingest_result r;
	int i;

	det_events(a, b);
	da = dev_a;
	db = dev_b;
	da.last_seq = db.last_seq = 0;
	for (i = 0; i < nsteps; i++) {
		struct model_event *e = steps[i].dev == 0 ? a : b;
		ck_assert_int_eq(sync_on(s, steps[i].dev == 0 ? &da : &db, e + steps[i].from,
		                         (size_t)steps[i].n, T(18, i), &r), DS_OK);
		ck_assert_msg(r.refusal == INGEST_OK, "step %d refused: %s", i, r.detail);
		ck_assert_int_eq(r.stored, steps[i].n);
	}
	dump_on(s, APPTS_SQL, appts, len);
	dump_on(s, FLAGS_SQL, flags, len);
}

START_TEST(test_determinism_same_events_any_order_any_batches)
{
	static const struct det_step one[] = {{0, 0, 5}, {1, 0, 6}};
	static const struct det_step two[] = {{1, 0, 2}, {0, 0, 1}, {1, 2, 1}, {0, 1, 3}, {1, 3, 3},
		{0, 4, 1}};
	static const struct det_step three[] = {{1, 0, 6}, {0, 0, 5}};
	static const struct det_step four[] = {{1, 0, 1}, {1, 1, 1}, {1, 2, 1}, {1, 3, 1},
		{1, 4, 1}, {1, 5, 1}, {0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {0, 4, 1}};
	const struct { const struct det_step *s; int n; } orders[] = {{one, 2}, {two, 6},
	                                                              {three, 2}, {four, 11}};
	static char appts[4][4096], flags[4][4096];
	struct store s2;
	char dir2[768];
	int k;
	char status[16], reason[32];
	int64_t done;

	for (k = 0; k < 4; k++) {
		make_tdir(dir2, sizeof dir2);
		ck_assert_int_eq(store_open(&s2, dir2, 1), DS_OK);
		world(&s2);
		det_run(&s2, orders[k].s, orders[k].n, appts[k], flags[k], sizeof appts[k]);
		store_close(&s2);
		rm_dir(dir2);
		if (k > 0) {
			ck_assert_msg(strcmp(appts[0], appts[k]) == 0, "order %d:\n%s\nvs\n%s", k,
			              appts[0], appts[k]);
			ck_assert_msg(strcmp(flags[0], flags[k]) == 0, "order %d:\n%s\nvs\n%s", k,
			              flags[0], flags[k]);
		}
	}
	/* And the state is the one the rules give (checked in the fixture's store, order two). */
	det_run(&S, two, 6, appts[0], flags[0], sizeof appts[0]);
	/* Each appointment keeps its latest event's key, whatever order the events came in. */
	ck_assert_int_eq(q_int(LAST_WRONG_SQL), 0);
	ck_assert_int_gt(q_int("SELECT count(*) FROM appointments WHERE last_event_ms IS NOT NULL"),
	                 3);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(8, 15));
	ck_assert_str_eq(reason, "NULL");
	ck_assert_uint_eq(flags_of(12), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(21), 0);
	state_of(A2, status, &done, reason);
	ck_assert_str_eq(status, "collected");
	ck_assert_int_eq(done, T(9, 40));
	ck_assert_uint_eq(flags_of(23), INGEST_FLAG_CONTRADICTORY);
	state_of(A4, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(11, 20));
	ck_assert_uint_eq(flags_of(24), INGEST_FLAG_LATE_WINDOW);
	ck_assert_uint_eq(flags_of(25), INGEST_FLAG_LATE_WINDOW);
	ck_assert_uint_eq(flags_of(14), INGEST_FLAG_CONTRADICTORY);
	state_of(A5, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(8, 20));
	ck_assert_uint_eq(flags_of(15), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(26), 0);
}
END_TEST

START_TEST(test_late_arriving_earlier_event_clears_old_flags)
{
	/* Device a's delivery arrives first and is final; b's earlier delivery arrives later:
	 * a's becomes contradictory, and when the order is undone nothing stale remains. */
	struct model_event a[1] = {ev(1, 1, MODEL_DELIVER, A1, T(8, 40))};
	struct model_event b[1] = {ev(2, 1, MODEL_DELIVER, A1, T(8, 30))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, a, 1, &r);
	ck_assert_uint_eq(flags_of(1), 0);
	sync_ok(&dev_b, b, 1, &r);
	ck_assert_uint_eq(flags_of(1), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(2), 0);
	state_of(A1, status, &done, reason);
	ck_assert_int_eq(done, T(8, 30));
}
END_TEST

/* Sends device a's events with the given seqs, one batch per group (0 ends a group, -1
 * the list), into a fresh store; OUT gets the uuid|server_flags dump. */
static void gap_run(const int *seqs, char *out, size_t len)
{
	struct model_event e[8];
	struct store_device d;
	struct ingest_result r;
	struct store s2;
	char dir2[768];
	size_t n = 0;
	int i;

	make_tdir(dir2, sizeof dir2);
	ck_assert_int_eq(store_open(&s2, dir2, 1), DS_OK);
	world(&s2);
	d = dev_a;
	d.last_seq = 0;
	for (i = 0; seqs[i] >= 0; i++) {
		if (seqs[i] > 0) {
			e[n] = ev(seqs[i], seqs[i], MODEL_ARRIVE, A1, T(8, seqs[i]));
			n++;
			continue;
		}
		ck_assert_int_eq(sync_on(&s2, &d, e, n, T(18, i), &r), DS_OK);
		ck_assert_msg(r.refusal == INGEST_OK, "%s", r.detail);
		ck_assert_int_eq(r.stored, (int)n);
		n = 0;
	}
	dump_on(&s2, FLAGS_SQL, out, len);
	store_close(&s2);
	rm_dir(dir2);
}

START_TEST(test_seq_gap_flags_same_whatever_order_batches_arrive)
{
	/* Regression: a batch arriving after a later one had all its events flagged seq_gap
	 * (even seq 1), and the later batch's first event kept its flag once the gap was
	 * filled, so the flags depended on arrival order. */
	static const int in_order[] = {1, 2, 0, 3, 4, 0, -1};
	static const int swapped[] = {3, 4, 0, 1, 2, 0, -1};
	static const int scattered[] = {2, 0, 4, 0, 1, 0, 3, 0, -1};
	static const int reversed_in_batch[] = {4, 3, 2, 1, 0, -1};
	static const int real_gap[] = {1, 2, 0, 4, 0, -1};
	static const int real_gap_late[] = {4, 0, 1, 2, 0, -1};
	static char a[4096], b[4096];

	gap_run(in_order, a, sizeof a);
	ck_assert_ptr_null(strstr(a, "|256"));
	gap_run(swapped, b, sizeof b);
	ck_assert_str_eq(a, b);
	gap_run(scattered, b, sizeof b);
	ck_assert_str_eq(a, b);
	gap_run(reversed_in_batch, b, sizeof b);
	ck_assert_str_eq(a, b);
	/* A gap that is still open stays flagged, on the event after it, in either order. */
	gap_run(real_gap, a, sizeof a);
	ck_assert_ptr_nonnull(strstr(a, "000000000004|256\n"));
	ck_assert_ptr_nonnull(strstr(a, "000000000001|0\n"));
	ck_assert_ptr_nonnull(strstr(a, "000000000002|0\n"));
	gap_run(real_gap_late, b, sizeof b);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_derive_is_idempotent)
{
	struct model_event e[3] = {ev(1, 1, MODEL_FAIL, A1, T(8, 20)),
		ev(2, 2, MODEL_DELIVER, A1, T(9, 20)), ev(3, 3, MODEL_DELIVER, A2, T(9, 25))};
	static char a1[4096], a2[4096], f1[4096], f2[4096];
	struct ingest_result r;
	struct ingest *in;

	sync_ok(&dev_a, e, 3, &r);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", a1, sizeof a1);
	dump_on(&S, FLAGS_SQL, f1, sizeof f1);
	in = ingest_new(&S);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(store_begin(&S), DS_OK);
	ck_assert_int_eq(ingest_derive(in, A1), DS_OK);
	ck_assert_int_eq(ingest_derive(in, A2), DS_OK);
	ck_assert_int_eq(ingest_derive(in, A3), DS_OK); /* no events: stays booked */
	ck_assert_int_eq(store_commit(&S), DS_OK);
	ingest_free(in);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", a2, sizeof a2);
	dump_on(&S, FLAGS_SQL, f2, sizeof f2);
	ck_assert_str_eq(a1, a2); /* not even rev moves when nothing changed */
	ck_assert_str_eq(f1, f2);
}
END_TEST

static Suite *ingest_state_suite(void)
{
	Suite *s = suite_create("ingest_state");
	TCase *state = tcase_create("state"), *det = tcase_create("determinism");

	tcase_add_checked_fixture(state, ingest_setup, teardown);
	tcase_add_unchecked_fixture(state, suite_setup, suite_teardown);
	tcase_add_test(state, test_arrive_sets_arrived);
	tcase_add_test(state, test_collect_on_collect_kind_sets_collected_and_done);
	tcase_add_test(state, test_deliver_on_collect_kind_is_contradictory_state_unchanged);
	tcase_add_test(state, test_act_after_final_is_contradictory);
	tcase_add_test(state, test_act_after_window_end_is_late_window);
	tcase_add_test(state, test_act_after_due_is_late_due);
	tcase_add_test(state, test_fail_sets_failed_with_reason);
	tcase_add_test(state, test_fail_then_deliver_is_delivered);
	suite_add_tcase(s, state);
	tcase_add_checked_fixture(det, ingest_setup, teardown);
	tcase_add_unchecked_fixture(det, suite_setup, suite_teardown);
	tcase_add_test(det, test_determinism_same_events_any_order_any_batches);
	tcase_add_test(det, test_late_arriving_earlier_event_clears_old_flags);
	tcase_add_test(det, test_derive_is_idempotent);
	tcase_add_test(det, test_seq_gap_flags_same_whatever_order_batches_arrive);
	suite_add_tcase(s, det);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ingest_state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
