/* test_ledger.c: the outbox keeps order and bytes, acks are deleted atomically with the
 * cursor and appointments, a full or locked database refuses a write cleanly, the journal
 * follows the outbox, and a damaged or truncated database is found on opening and rebuilt
 * from the journal. */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"
#include "wire.h"
#include "agent/journal.h"
#include "agent/doctor.h"
#include "agent/ledger.h"
#include "agent/trail.h"
#include "agent/sentinel.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/agent.db", dir);
}

static void teardown(void)
{
	char cmd[160];

	/* The database, its -wal and -shm, the journal and any open marker. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
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
	ck_assert_int_eq(trail_crumb_add(s, 1000, 10.5, 105.6, 0), DS_OK);
	ck_assert_int_eq(trail_crumb_add(s, 5000, 10.5, 105.6, 2000), DS_OK); /* purges 1000 */
	ck_assert_int_eq(trail_crumb_purge(s, 0, &n), DS_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(trail_crumb_purge(s, 6000, &n), DS_OK);
	ck_assert_int_eq(n, 0);
	ledger_close(s);
}
END_TEST

static void journal_of(struct journal_scan *sc)
{
	char jp[160];

	snprintf(jp, sizeof jp, "%s/" JOURNAL_FILE, dir);
	ck_assert_int_eq(journal_read(jp, sc), DS_OK);
}

/* Record N events with long notes (so the outbox spans pages), then close. */
static void record(int n)
{
	struct ledger *s = open_store(0);
	struct model_event e;
	int i;

	for (i = 0; i < n; i++) {
		make_event(&e, i);
		e.type = MODEL_FAIL;
		e.reason = MODEL_REASON_OTHER;
		memset(e.note, 'n', 400);
		e.note[400] = '\0';
		ck_assert_int_eq(ledger_event_add(s, &e, NULL, NULL), DS_OK);
	}
	ledger_close(s);
}

START_TEST(journal_holds_the_unacked_events)
{
	struct ledger *s = open_store(0);
	struct model_event e[3];
	struct journal_scan sc;
	char *canon;
	int i;

	for (i = 0; i < 3; i++) {
		make_event(&e[i], i);
		ck_assert_int_eq(ledger_event_add(s, &e[i], NULL, NULL), DS_OK);
	}
	journal_of(&sc);
	ck_assert_uint_eq(sc.n, 3);
	canon = canon_event(&e[2]);
	ck_assert_str_eq(sc.ev[2].body, canon);
	ck_assert_str_eq(sc.ev[2].uuid, e[2].uuid);
	free(canon);
	journal_scan_free(&sc);
	ck_assert_int_eq(ledger_sync_apply(s, 1, 2, 9, NULL, 0, 1), DS_OK);
	journal_of(&sc);
	ck_assert_uint_eq(sc.n, 1);
	ck_assert_int_eq(sc.ev[0].seq, 3);
	ck_assert_int_eq(sc.mark, 3);
	journal_scan_free(&sc);
	ledger_close(s);
}
END_TEST

START_TEST(failed_journal_append_records_nothing)
{
	struct ledger *s = open_store(0);
	struct model_event e;
	char jp[160];
	int64_t n, last;

	snprintf(jp, sizeof jp, "%s/" JOURNAL_FILE, dir);
	ck_assert_int_eq(unlink(jp), 0);
	ck_assert_int_eq(mkdir(jp, 0700), 0);   /* the append cannot open it */
	make_event(&e, 1);
	ck_assert_int_ne(ledger_event_add(s, &e, NULL, NULL), DS_OK);
	ck_assert_int_eq(ledger_outbox_count(s, &n), DS_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ledger_meta_int(s, "last_seq", &last), DS_OK);
	ck_assert_int_eq(last, 0);
	ledger_close(s);
}
END_TEST

START_TEST(regression_truncated_database_is_lost_not_silently_new)
{
	struct ledger_health h;
	struct ledger *s = NULL;
	char err[LEDGER_META_MAX];

	record(3);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(ledger_open_checked(path, 0, 0, &s, &h, err), DS_OK);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(h.state, LEDGER_LOST);
	ck_assert_ptr_nonnull(strstr(err, "#3"));
	ck_assert_int_eq(ledger_open(path, 0, &s, err), DS_EDB);
}
END_TEST

START_TEST(regression_damaged_outbox_page_is_found_on_opening)
{
	struct ledger_health h;
	struct ledger *s = NULL;
	char err[LEDGER_META_MAX], junk[200];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t root = 0, page = 0;
	FILE *f;

	record(12);
	/* The outbox's root page: its cells sit at the page's end. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT rootpage, (SELECT page_size FROM"
	                                    " pragma_page_size) FROM sqlite_master WHERE"
	                                    " name = 'outbox'", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	root = sqlite3_column_int64(st, 0);
	page = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	ck_assert_int_gt(root, 1);
	memset(junk, 0xA5, sizeof junk);
	f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, (long)(root * page - (int64_t)sizeof junk), SEEK_SET), 0);
	ck_assert_uint_eq(fwrite(junk, 1, sizeof junk, f), sizeof junk);
	fclose(f);
	ck_assert_int_eq(ledger_open_checked(path, 0, 0, &s, &h, err), DS_OK);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(h.state, LEDGER_DAMAGED);
}
END_TEST

START_TEST(rebuild_restores_outbox_and_sequence)
{
	struct ledger_health h;
	struct journal_scan sc;
	struct ledger *s = NULL;
	struct model_event e;
	char err[LEDGER_META_MAX];
	int64_t n;

	record(4);
	s = open_store(0);
	ck_assert_int_eq(ledger_sync_apply(s, 1, 1, 0, NULL, 0, 1), DS_OK);
	ledger_close(s);
	journal_of(&sc);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(ledger_open_checked(path, 0, LEDGER_OPEN_REBUILD, &s, &h, err), DS_OK);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(doctor_restore(s, sc.ev, sc.n, sc.max_seq), DS_OK);
	journal_scan_free(&sc);
	ck_assert_int_eq(ledger_outbox_count(s, &n), DS_OK);
	ck_assert_int_eq(n, 3);
	make_event(&e, 9);
	ck_assert_int_eq(ledger_event_add(s, &e, NULL, NULL), DS_OK);
	ck_assert_int_eq(e.seq, 5);
	ledger_close(s);
	s = open_store(0);            /* the journal now belongs to the new database */
	ledger_close(s);
	journal_of(&sc);
	ck_assert_uint_eq(sc.n, 4);
	journal_scan_free(&sc);
}
END_TEST

START_TEST(deleted_journal_is_made_again_from_the_outbox)
{
	struct ledger_health h;
	struct journal_scan sc;
	struct ledger *s = NULL;
	char jp[160], err[LEDGER_META_MAX];
	off_t at;

	record(2);
	snprintf(jp, sizeof jp, "%s/" JOURNAL_FILE, dir);
	ck_assert_int_eq(unlink(jp), 0);
	/* An append after the deletion leaves a journal with no header. */
	ck_assert_int_eq(journal_append(jp, 2, "00000000-0000-7000-8000-000000000002", "{}", &at),
	                 DS_OK);
	ck_assert_int_eq(ledger_open_checked(path, 0, 0, &s, &h, err), DS_OK);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(h.state, LEDGER_SOUND);
	ledger_close(s);
	journal_of(&sc);
	ck_assert_uint_eq(sc.n, 2);
	ck_assert_str_ne(sc.db_id, "");
	ck_assert_int_eq(sc.ev[1].seq, 2);
	ck_assert_str_ne(sc.ev[1].body, "{}");
	journal_scan_free(&sc);
}
END_TEST

START_TEST(unclean_shutdown_runs_the_integrity_check)
{
	struct ledger_health h;
	struct ledger *s = open_store(0);
	char err[LEDGER_META_MAX], marker[160];
	FILE *f;

	ledger_close(s);
	snprintf(marker, sizeof marker, "%s/" SENTINEL_PREFIX "999999999", dir);
	f = fopen(marker, "w");
	ck_assert_ptr_nonnull(f);
	fputs("a-boot-long-gone", f);
	fclose(f);
	ck_assert_int_eq(ledger_open_checked(path, 0, 0, &s, &h, err), DS_OK);
	ck_assert_int_eq(h.unclean, 1);
	ck_assert_int_eq(h.full_check, 1);
	ck_assert_int_eq(access(marker, F_OK), -1);
	ledger_close(s);
	ck_assert_int_eq(ledger_open_checked(path, 0, 0, &s, &h, err), DS_OK);
	ck_assert_int_eq(h.unclean, 0);
	ck_assert_int_eq(h.full_check, 0);
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
	tcase_add_test(tc, journal_holds_the_unacked_events);
	tcase_add_test(tc, failed_journal_append_records_nothing);
	tcase_add_test(tc, regression_truncated_database_is_lost_not_silently_new);
	tcase_add_test(tc, regression_damaged_outbox_page_is_found_on_opening);
	tcase_add_test(tc, rebuild_restores_outbox_and_sequence);
	tcase_add_test(tc, unclean_shutdown_runs_the_integrity_check);
	tcase_add_test(tc, deleted_journal_is_made_again_from_the_outbox);
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
