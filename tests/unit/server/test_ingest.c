/* test_ingest.c: unit tests for server/db/ingest.c, the exactly-once core: new events stored,
 * re-sent ones acknowledged as duplicates with nothing changed, conflicts and refusals
 * rolling the whole batch back, sequence gaps, bodies sealed at rest, and nothing lost or
 * doubled when the disk fills, the database is busy or the server dies mid-batch. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>

#include "batch.h"
#include "canon.h"
#include "crypto.h"
#include "server/db/ingest.h"
#include "fixture.h"
#include "ingest_fixture.h"

/* ---- exactly once ---- */

START_TEST(test_new_events_stored)
{
	struct model_event e[3] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
		ev(2, 2, MODEL_DELIVER, A1, T(8, 25)), ev(3, 3, MODEL_ARRIVE, A2, T(9, 10))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 3, &r);
	ck_assert_int_eq(r.stored, 3);
	ck_assert_int_eq(r.duplicates, 0);
	ck_assert_int_eq(r.last_seq, 3);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE device_id = 'dev-a'"
	                       " AND courier_id = 'c1' AND received_ms > 0"), 3);
	ck_assert_int_eq(q_int("SELECT last_seq FROM devices WHERE id = 'dev-a'"), 3);
	ck_assert_int_eq(q_int("SELECT last_seen_ms FROM devices WHERE id = 'dev-a'"), T(18, 0));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE type = 'deliver' AND seq = 2"
	                       " AND recorded_ms = (SELECT done_ms FROM appointments WHERE code = '"
	                       A1 "')"), 1);
	/* One new revision for the batch, on both touched appointments. */
	ck_assert_int_eq(q_int("SELECT value FROM counters WHERE name = 'rev'"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE rev = 1"), 2);
}
END_TEST

START_TEST(test_same_batch_again_is_all_duplicates_tables_unchanged)
{
	struct model_event e[3] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
		ev(2, 2, MODEL_DELIVER, A1, T(8, 25)), ev(3, 3, MODEL_FAIL, A2, T(9, 10))};
	static char a1[4096], a2[4096], e1[4096], e2[4096];
	struct ingest_result r;

	sync_ok(&dev_a, e, 3, &r);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", a1, sizeof a1);
	dump_on(&S, "SELECT id, uuid, seq, server_flags, received_ms, hex(body) FROM events"
	        " ORDER BY id", e1, sizeof e1);
	sync_ok(&dev_a, e, 3, &r);
	ck_assert_int_eq(r.stored, 0);
	ck_assert_int_eq(r.duplicates, 3);
	ck_assert_int_eq(r.last_seq, 3);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", a2, sizeof a2);
	dump_on(&S, "SELECT id, uuid, seq, server_flags, received_ms, hex(body) FROM events"
	        " ORDER BY id", e2, sizeof e2);
	ck_assert_str_eq(a1, a2);
	ck_assert_str_eq(e1, e2);
	ck_assert_int_eq(q_int("SELECT value FROM counters WHERE name = 'rev'"), 1);
	/* And a re-sent batch with one new event: the old ones are duplicates, the new one
	 * stored. */
	{
		struct model_event f[4] = {e[0], e[1], e[2], ev(4, 4, MODEL_ARRIVE, A4, T(10, 5))};
		sync_ok(&dev_a, f, 4, &r);
		ck_assert_int_eq(r.stored, 1);
		ck_assert_int_eq(r.duplicates, 3);
		ck_assert_int_eq(r.last_seq, 4);
	}
}
END_TEST

START_TEST(test_duplicate_within_one_batch_stored_once)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
		ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 2, &r);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_int_eq(r.duplicates, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
}
END_TEST

START_TEST(test_resent_with_other_json_formatting_is_duplicate)
{
	static const char one[] = "{\"v\":1,\"events\":[{"
		"\"uuid\":\"0b7c0a3e-1d2f-4c5b-9a8e-7f6d5c4b3a21\","
		"\"seq\":1,\"type\":\"arrive\",\"appointment\":\"" A1 "\","
		"\"recorded_at\":\"2026-11-26T01:20:00Z\",\"gps\":{\"source\":\"live\","
		"\"lat\":10.4748123,\"lon\":105.6412001,\"mode\":3,\"fix_age_s\":0.4}}]}";
	static const char two[] = "{ \"events\" : [ { \"gps\" :"
		" { \"fix_age_s\" : 0.400, \"mode\" : 3,"
		" \"lon\" : 105.64120010, \"lat\" : 10.47481230, \"source\" : \"live\" },"
		" \"recorded_at\" : \"2026-11-26T08:20:00.000+07:00\","
		" \"appointment\" : \"" A1 "\","
		" \"type\" : \"arrive\", \"seq\" : 1,"
		" \"uuid\" : \"0b7c0a3e-1d2f-4c5b-9a8e-7f6d5c4b3a21\" } ],"
		" \"cursor\" : 0, \"v\" : 1 }";
	struct wire_batch b1, b2;
	struct ingest_result r;
	char err[WIRE_ERR_MAX];

	ck_assert_int_eq(batch_decode(one, strlen(one), &b1, err), DS_OK);
	ck_assert_int_eq(batch_decode(two, strlen(two), &b2, err), DS_OK);
	sync_ok(&dev_a, b1.events, b1.count, &r);
	ck_assert_int_eq(r.stored, 1);
	sync_ok(&dev_a, b2.events, b2.count, &r);
	ck_assert_int_eq(r.stored, 0);
	ck_assert_int_eq(r.duplicates, 1);
	batch_free(&b1);
	batch_free(&b2);
}
END_TEST

START_TEST(test_same_uuid_different_content_is_conflict)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct model_event f[2] = {ev(2, 2, MODEL_ARRIVE, A2, T(9, 5)),
	                           ev(1, 1, MODEL_ARRIVE, A1, T(8, 21))};
	static char before[4096], after[4096];
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", before, sizeof before);
	ck_assert_int_eq(sync_on(&S, &dev_a, f, 2, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_CONFLICT);
	ck_assert_ptr_nonnull(strstr(r.detail, e[0].uuid));
	/* The whole batch is refused: the new event before the conflict is not kept either. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(q_int("SELECT last_seq FROM devices WHERE id = 'dev-a'"), 1);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", after, sizeof after);
	ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(test_same_device_seq_other_uuid_is_conflict)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct model_event f[1] = {ev(2, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(sync_on(&S, &dev_a, f, 1, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_CONFLICT);
	ck_assert_ptr_nonnull(strstr(r.detail, "sequence"));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
	/* The same seq from another device is no conflict. */
	sync_ok(&dev_b, f, 1, &r);
	ck_assert_int_eq(r.stored, 1);
}
END_TEST

START_TEST(test_same_uuid_from_another_device_is_conflict)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(sync_on(&S, &dev_b, e, 1, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_CONFLICT);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
}
END_TEST

START_TEST(test_another_couriers_appointment_refused_as_unknown)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
	                           ev(2, 2, MODEL_ARRIVE, A3, T(8, 30))};
	struct ingest_result r;

	ck_assert_int_eq(sync_on(&S, &dev_a, e, 2, T(18, 0), &r), DS_OK);
	/* The same answer as for a code that does not exist (test_ingest_moved.c). */
	ck_assert_int_eq(r.refusal, INGEST_UNKNOWN_APPT);
	ck_assert_ptr_nonnull(strstr(r.detail, A3));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE status <> 'booked'"), 0);
}
END_TEST

START_TEST(test_moved_appointment_still_takes_old_couriers_event)
{
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A3, T(8, 30))};
	struct ingest_result r;

	/* A3 was c1's and was moved to c2; c1's device recorded the delivery before it heard. */
	ck_assert_int_eq(store_exec(&S, "INSERT INTO appointment_moves VALUES ('c1', '" A3 "', 1)"),
	                 DS_OK);
	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_MOVED, INGEST_FLAG_MOVED);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE code = '" A3 "'"
	                       " AND status = 'delivered'"), 1);
}
END_TEST

START_TEST(test_unknown_appointment_refused)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
	                           ev(2, 2, MODEL_ARRIVE, AX, T(8, 30))};
	struct ingest_result r;

	ck_assert_int_eq(sync_on(&S, &dev_a, e, 2, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_UNKNOWN_APPT);
	ck_assert_ptr_nonnull(strstr(r.detail, AX));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
}
END_TEST

START_TEST(test_seq_gap_flagged)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
	                           ev(3, 3, MODEL_ARRIVE, A2, T(9, 5))};
	struct model_event f[1] = {ev(4, 4, MODEL_ARRIVE, A4, T(10, 5))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 2, &r);
	ck_assert_int_eq(r.last_seq, 3);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_SEQ_GAP, 0);
	ck_assert_uint_eq(flags_of(3) & INGEST_FLAG_SEQ_GAP, INGEST_FLAG_SEQ_GAP);
	sync_ok(&dev_a, f, 1, &r);
	ck_assert_uint_eq(flags_of(4) & INGEST_FLAG_SEQ_GAP, 0);
	/* Re-deriving the appointment keeps the flag: it is about the device, not the order. */
	ck_assert_uint_eq(flags_of(3), INGEST_FLAG_SEQ_GAP);
}
END_TEST

/* ---- sealed bodies ---- */

static int blob_has(const unsigned char *b, size_t n, const char *needle)
{
	size_t i, len = strlen(needle);

	for (i = 0; i + len <= n; i++)
		if (memcmp(b + i, needle, len) == 0)
			return 1;
	return 0;
}

START_TEST(test_bodies_sealed_and_open_with_uuid_to_canonical_text)
{
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A1, T(8, 20))};
	struct ingest_result r;
	sqlite3_stmt *st = NULL;
	char *canon = canon_event(&e[0]);
	char plain[8192];
	const unsigned char *body;
	size_t n;

	ck_assert_ptr_nonnull(canon);
	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(sqlite3_prepare_v2(S.db, "SELECT body, content_hash FROM events",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	body = sqlite3_column_blob(st, 0);
	n = (size_t)sqlite3_column_bytes(st, 0);
	ck_assert_uint_eq(n, strlen(canon) + SEAL_OVERHEAD);
	ck_assert(!blob_has(body, n, "10.4748"));
	ck_assert(!blob_has(body, n, "105.64"));
	ck_assert(!blob_has(body, n, "Nguy"));
	ck_assert(!blob_has(body, n, "1234"));
	ck_assert(!blob_has(body, n, "\"lat\""));
	ck_assert_int_eq(seal_open(S.seal, S.key, e[0].uuid, strlen(e[0].uuid), body, n, plain),
	                 DS_OK);
	plain[n - SEAL_OVERHEAD] = '\0';
	ck_assert_str_eq(plain, canon);
	/* Bound to its row: another UUID as associated data does not open it. */
	ck_assert_int_eq(seal_open(S.seal, S.key, "00000000-0000-4000-8000-000000000002", 36,
	                           body, n, plain),
	                 DS_ECRYPTO);
	/* content_hash is the SHA-256 of the canonical text. */
	{
		uint8_t h[CRYPTO_SHA256_LEN];
		crypto_sha256(canon, strlen(canon), h);
		ck_assert_int_eq(sqlite3_column_bytes(st, 1), CRYPTO_SHA256_LEN);
		ck_assert_mem_eq(sqlite3_column_blob(st, 1), h, CRYPTO_SHA256_LEN);
	}
	sqlite3_finalize(st);
	free(canon);
}
END_TEST

START_TEST(test_flag_names)
{
	const char *names[INGEST_FLAG_NAMES_MAX];

	ck_assert_uint_eq(ingest_flag_names(MODEL_FLAG_FAR | INGEST_FLAG_SEQ_GAP |
	                                    INGEST_FLAG_LATE_WINDOW | INGEST_FLAG_LATE_DUE |
	                                    INGEST_FLAG_CONTRADICTORY, names), 5);
	ck_assert_str_eq(names[0], "far");
	ck_assert_str_eq(names[1], "seq_gap");
	ck_assert_str_eq(names[2], "late_window");
	ck_assert_str_eq(names[3], "late_due");
	ck_assert_str_eq(names[4], "contradictory");
	ck_assert_uint_eq(ingest_flag_names(0, names), 0);
	ck_assert_uint_eq(ingest_flag_names(~0u, names), INGEST_FLAG_NAMES_MAX);
}
END_TEST

/* ---- failure injection: nothing lost, nothing doubled ---- */

#define BIG_N 200

/* BIG_N failed visits with long notes on A1: far more than one database page. */
static struct model_event *big_batch(void)
{
	struct model_event *e = calloc(BIG_N, sizeof *e);
	int i;

	ck_assert_ptr_nonnull(e);
	for (i = 0; i < BIG_N; i++) {
		e[i] = ev(100 + i, i + 1, MODEL_FAIL, A1, T(8, 0) + i * 1000);
		memset(e[i].note, 'x', 400);
		e[i].note[400] = '\0';
	}
	return e;
}

START_TEST(test_disk_full_mid_batch_keeps_nothing_then_retry_stores_once)
{
	struct model_event *e = big_batch();
	struct ingest_result r;
	char sql[96];

	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
	         (long long)q_int("PRAGMA page_count"));
	ck_assert_int_eq(store_exec(&S, sql), DS_OK);
	ck_assert_int_eq(sync_on(&S, &dev_a, e, BIG_N, T(18, 0), &r), DS_EFULL);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(q_int("SELECT last_seq FROM devices WHERE id = 'dev-a'"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE status <> 'booked'"), 0);
	ck_assert_int_eq(dev_a.last_seq, 0);
	ck_assert_int_eq(store_exec(&S, "PRAGMA max_page_count = 1073741823"), DS_OK);
	sync_ok(&dev_a, e, BIG_N, &r);
	ck_assert_int_eq(r.stored, BIG_N);
	ck_assert_int_eq(r.duplicates, 0);
	sync_ok(&dev_a, e, BIG_N, &r);
	ck_assert_int_eq(r.stored, 0);
	ck_assert_int_eq(r.duplicates, BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE server_flags & 256"), 0);
	free(e);
}
END_TEST

START_TEST(test_busy_database_refuses_batch_then_retry_stores)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;
	struct store other;

	/* Another writer (an import, say) holds the write lock. */
	ck_assert_int_eq(store_open(&other, tdir, 0), DS_OK);
	ck_assert_int_eq(store_begin(&other), DS_OK);
	sqlite3_busy_timeout(S.db, 0);
	ck_assert_int_eq(store_begin(&S), DS_EBUSY);
	store_rollback(&other);
	store_close(&other);
	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
}
END_TEST

/* A child process ingests the batch and dies: before its commit (COMMITTED 0) or right
 * after it, before any reply could reach the device (COMMITTED 1). */
static void die_while_ingesting(struct model_event *e, size_t n, int committed)
{
	pid_t pid = fork();
	int status = 0;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store s;
		struct wire_batch b = {.cursor = 0, .count = n, .events = e};
		struct ingest_prep *prep = NULL;
		struct ingest *in;
		struct ingest_result r;

		if (store_open(&s, tdir, 0) != DS_OK || (in = ingest_new(&s)) == NULL ||
		    ingest_prepare(s.seal, s.key, &b, &prep) != DS_OK || store_begin(&s) != DS_OK ||
		    ingest_batch(in, &dev_a, &b, prep, T(18, 0), &r) != DS_OK ||
		    r.refusal != INGEST_OK)
			_exit(2);
		if (committed && store_commit(&s) != DS_OK)
			_exit(3);
		_exit(0); /* killed: nothing closed, nothing rolled back */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(test_killed_before_commit_loses_nothing_on_resend)
{
	struct model_event *e = big_batch();
	struct ingest_result r;

	die_while_ingesting(e, BIG_N, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE status <> 'booked'"), 0);
	sync_ok(&dev_a, e, BIG_N, &r); /* the device never got a reply: it sends again */
	ck_assert_int_eq(r.stored, BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), BIG_N);
	free(e);
}
END_TEST

START_TEST(test_killed_after_commit_resend_is_all_duplicates)
{
	struct model_event *e = big_batch();
	struct ingest_result r;

	die_while_ingesting(e, BIG_N, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), BIG_N);
	ck_assert_int_eq(q_int("SELECT last_seq FROM devices WHERE id = 'dev-a'"), BIG_N);
	dev_a.last_seq = BIG_N; /* what auth_check() reads */
	sync_ok(&dev_a, e, BIG_N, &r);
	ck_assert_int_eq(r.stored, 0);
	ck_assert_int_eq(r.duplicates, BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE code = '" A1 "'"
	                       " AND status = 'failed' AND fail_reason = 'not-home'"), 1);
	free(e);
}
END_TEST

static Suite *ingest_suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *once = tcase_create("exactly_once"), *seal = tcase_create("sealed");
	TCase *fail = tcase_create("failure");

	tcase_add_checked_fixture(once, ingest_setup, teardown);
	tcase_add_unchecked_fixture(once, suite_setup, suite_teardown);
	tcase_add_test(once, test_new_events_stored);
	tcase_add_test(once, test_same_batch_again_is_all_duplicates_tables_unchanged);
	tcase_add_test(once, test_duplicate_within_one_batch_stored_once);
	tcase_add_test(once, test_resent_with_other_json_formatting_is_duplicate);
	tcase_add_test(once, test_same_uuid_different_content_is_conflict);
	tcase_add_test(once, test_same_device_seq_other_uuid_is_conflict);
	tcase_add_test(once, test_same_uuid_from_another_device_is_conflict);
	tcase_add_test(once, test_another_couriers_appointment_refused_as_unknown);
	tcase_add_test(once, test_moved_appointment_still_takes_old_couriers_event);
	tcase_add_test(once, test_unknown_appointment_refused);
	tcase_add_test(once, test_seq_gap_flagged);
	suite_add_tcase(s, once);
	tcase_add_checked_fixture(seal, ingest_setup, teardown);
	tcase_add_unchecked_fixture(seal, suite_setup, suite_teardown);
	tcase_add_test(seal, test_bodies_sealed_and_open_with_uuid_to_canonical_text);
	tcase_add_test(seal, test_flag_names);
	suite_add_tcase(s, seal);
	tcase_add_checked_fixture(fail, ingest_setup, teardown);
	tcase_add_unchecked_fixture(fail, suite_setup, suite_teardown);
	tcase_set_timeout(fail, 30);
	tcase_add_test(fail, test_disk_full_mid_batch_keeps_nothing_then_retry_stores_once);
	tcase_add_test(fail, test_busy_database_refuses_batch_then_retry_stores);
	tcase_add_test(fail, test_killed_before_commit_loses_nothing_on_resend);
	tcase_add_test(fail, test_killed_after_commit_resend_is_all_duplicates);
	suite_add_tcase(s, fail);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ingest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
