/* test_store.c: the outbox keeps order and bytes, acks are deleted atomically with the
 * cursor and appointments, and a full or locked database refuses a write cleanly. */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "wire.h"
#include "agent/ledger.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/agent.db", dir);
}

static void teardown(void)
{
	char p[160];

	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

static struct ledger *open_store(long max_pages)
{
	char err[LEDGER_META_MAX];
	struct ledger *s = NULL;

	ck_assert_int_eq(ledger_open(path, max_pages, &s, err), DS_OK);
	return s;
}

static void make_event(struct model_event *e, int i)
{
	model_event_init(e);
	ck_assert_int_eq(model_uuid_new(e->uuid), DS_OK);
	e->type = MODEL_ARRIVE;
	snprintf(e->appointment, sizeof e->appointment, "H15.50.05.13-261008-%04d", i);
	e->recorded_ms = 1800000000000LL + i;
	e->gps.source = MODEL_GPS_NONE;
}

static void appointment(struct model_appointment *a, const char *code, int stop)
{
	memset(a, 0, sizeof *a);
	snprintf(a->code, sizeof a->code, "%s", code);
	a->kind = MODEL_KIND_DELIVER;
	snprintf(a->citizen, sizeof a->citizen, "Nguyễn Văn An");
	a->lat = 10.4748;
	a->lon = 105.6412;
	a->stop = stop;
}

START_TEST(outbox_keeps_order_seq_and_bytes)
{
	struct ledger *s = open_store(0);
	struct model_event e[5];
	struct ledger_out *rows = NULL;
	size_t n = 0, i;
	char *canon;

	for (i = 0; i < 5; i++) {
		make_event(&e[i], (int)i);
		ck_assert_int_eq(ledger_event_add(s, &e[i], NULL, NULL), DS_OK);
		ck_assert_int_eq(e[i].seq, (int64_t)i + 1);
	}
	ck_assert_int_eq(ledger_outbox_peek(s, 3, &rows, &n), DS_OK);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(rows[i].seq, (int64_t)i + 1);
		ck_assert_str_eq(rows[i].uuid, e[i].uuid);
		canon = canon_event(&e[i]);
		ck_assert_str_eq(rows[i].body, canon);
		free(canon);
	}
	ledger_out_free(rows, n);
	ledger_close(s);
}
END_TEST

START_TEST(seq_survives_reopen_and_acks)
{
	struct ledger *s = open_store(0);
	struct model_event e;
	int64_t n;

	make_event(&e, 1);
	ck_assert_int_eq(ledger_event_add(s, &e, NULL, NULL), DS_OK);
	ck_assert_int_eq(ledger_sync_apply(s, 1, 1, 7, NULL, 0, 1), DS_OK);
	ledger_close(s);
	s = open_store(0);
	ck_assert_int_eq(ledger_outbox_count(s, &n), DS_OK);
	ck_assert_int_eq(n, 0);
	make_event(&e, 2);
	ck_assert_int_eq(ledger_event_add(s, &e, NULL, NULL), DS_OK);
	ck_assert_int_eq(e.seq, 2); /* never reused, even after the outbox emptied */
	ck_assert_int_eq(ledger_meta_int(s, "cursor", &n), DS_OK);
	ck_assert_int_eq(n, 7);
	ledger_close(s);
}
END_TEST

START_TEST(ack_deletion_is_atomic_with_cursor_and_appointments)
{
	struct ledger *s = open_store(0);
	struct model_appointment a[2];
	struct model_event e;
	int64_t n, cursor;
	int i;

	for (i = 0; i < 4; i++) {
		make_event(&e, i);
		ck_assert_int_eq(ledger_event_add(s, &e, NULL, NULL), DS_OK);
	}
	appointment(&a[0], "H15.50.05.13-261008-0001", 1);
	appointment(&a[1], "H15.50.05.13-261008-0002", 2);
	a[1].kind = (enum model_kind)99; /* no name: the NOT NULL kind column refuses it */
	ck_assert_int_ne(ledger_sync_apply(s, 1, 2, 5, a, 2, 1), DS_OK);
	ck_assert_int_eq(ledger_outbox_count(s, &n), DS_OK);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(ledger_meta_int(s, "cursor", &cursor), DS_OK);
	ck_assert_int_eq(cursor, 0);
	ck_assert_int_eq(ledger_appt_get(s, a[0].code, &a[1]), DS_ENOTFOUND);
	appointment(&a[1], "H15.50.05.13-261008-0002", 2);
	ck_assert_int_eq(ledger_sync_apply(s, 1, 2, 5, a, 2, 1), DS_OK);
	ck_assert_int_eq(ledger_outbox_count(s, &n), DS_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(ledger_meta_int(s, "cursor", &cursor), DS_OK);
	ck_assert_int_eq(cursor, 5);
	ledger_close(s);
}
END_TEST

START_TEST(appointments_upsert_remove_and_order)
{
	struct ledger *s = open_store(0);
	struct model_appointment a[3], *list = NULL;
	size_t n = 0;

	appointment(&a[0], "H15.50.05.13-261008-0003", 0);
	appointment(&a[1], "H15.50.05.13-261008-0002", 2);
	appointment(&a[2], "H15.50.05.13-261008-0001", 1);
	ck_assert_int_eq(ledger_sync_apply(s, 1, 0, 1, a, 3, 1), DS_OK);
	ck_assert_int_eq(ledger_appt_list(s, &list, &n), DS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].code, "H15.50.05.13-261008-0001");
	ck_assert_str_eq(list[1].code, "H15.50.05.13-261008-0002");
	ck_assert_str_eq(list[2].code, "H15.50.05.13-261008-0003"); /* unplanned last */
	ck_assert_str_eq(list[0].citizen, "Nguyễn Văn An");
	free(list);
	a[0].removed = 1;
	ck_assert_int_eq(ledger_sync_apply(s, 1, 0, 2, a, 1, 1), DS_OK);
	ck_assert_int_eq(ledger_appt_get(s, "H15.50.05.13-261008-0003", &a[1]), DS_ENOTFOUND);
	ledger_close(s);
}
END_TEST

START_TEST(full_database_refuses_and_keeps_outbox)
{
	struct ledger *s = open_store(0);
	struct model_event e;
	int64_t pages = 0, before, after;
	sqlite3 *db;
	sqlite3_stmt *st;
	enum ds_err rc = DS_OK;
	int i;

	ledger_close(s);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	pages = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	s = open_store((long)pages);
	for (i = 0; i < 200 && rc == DS_OK; i++) {
		make_event(&e, i);
		memset(e.note, 'x', MODEL_NOTE_MAX);
		e.note[MODEL_NOTE_MAX] = '\0';
		e.type = MODEL_FAIL;
		e.reason = MODEL_REASON_OTHER;
		ck_assert_int_eq(ledger_outbox_count(s, &before), DS_OK);
		rc = ledger_event_add(s, &e, NULL, NULL);
	}
	ck_assert_int_eq(rc, DS_EFULL);
	ck_assert_int_eq(e.seq, 0);
	ck_assert_int_eq(ledger_outbox_count(s, &after), DS_OK);
	ck_assert_int_eq(after, before);
	ledger_close(s);
}
END_TEST

START_TEST(locked_database_is_busy)
{
	struct ledger *s = open_store(0);
	struct model_event e;
	sqlite3 *db;
	int64_t n;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	make_event(&e, 1);
	ck_assert_int_eq(ledger_event_add(s, &e, NULL, NULL), DS_EBUSY);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	ck_assert_int_eq(ledger_outbox_count(s, &n), DS_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ledger_event_add(s, &e, NULL, NULL), DS_OK);
	ck_assert_int_eq(e.seq, 1);
	ledger_close(s);
}
END_TEST

START_TEST(last_fix_and_crumbs)
{
	struct ledger *s = open_store(0);
	struct stamp_fix f, g;
	int64_t n;

	ck_assert_int_eq(ledger_fix_get(s, &g), DS_OK);
	ck_assert_int_eq(g.valid, 0);
	memset(&f, 0, sizeof f);
	f.valid = 1;
	f.lat = 10.5;
	f.lon = 105.6;
	f.eph_m = NAN;
	f.mode = 2;
	f.sats_used = -1;
	f.rx_mono_ms = 42;
	snprintf(f.boot_id, sizeof f.boot_id, "b");
	ck_assert_int_eq(ledger_fix_put(s, &f), DS_OK);
	ck_assert_int_eq(ledger_fix_get(s, &g), DS_OK);
	ck_assert_int_eq(g.valid, 1);
	ck_assert_double_eq(g.lat, 10.5);
	ck_assert(!isfinite(g.eph_m));
	ck_assert_int_eq(g.rx_mono_ms, 42);
	ck_assert_str_eq(g.boot_id, "b");
	ck_assert_int_eq(ledger_crumb_add(s, 1000, 10.5, 105.6, 0), DS_OK);
	ck_assert_int_eq(ledger_crumb_add(s, 5000, 10.5, 105.6, 2000), DS_OK); /* purges 1000 */
	ck_assert_int_eq(ledger_crumb_purge(s, 0, &n), DS_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ledger_crumb_purge(s, 6000, &n), DS_OK);
	ck_assert_int_eq(n, 0);
	ledger_close(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, outbox_keeps_order_seq_and_bytes);
	tcase_add_test(tc, seq_survives_reopen_and_acks);
	tcase_add_test(tc, ack_deletion_is_atomic_with_cursor_and_appointments);
	tcase_add_test(tc, appointments_upsert_remove_and_order);
	tcase_add_test(tc, full_database_refuses_and_keeps_outbox);
	tcase_add_test(tc, locked_database_is_busy);
	tcase_add_test(tc, last_fix_and_crumbs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
