/* test_sequence.c: the agent's sequence after its database was lost. The counter follows
 * the server's last_seq upwards only; a renumbered outbox keeps its order, uuids and content,
 * each canonical text re-encoded exactly as a fresh event with that number would be; and a
 * renumbering asked for an outbox another process has already changed does nothing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "wire.h"
#include "agent/journal.h"
#include "agent/ledger.h"
#include "agent/sequence.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_ledger_seq.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/agent.db", dir);
}

/* The database, its log, the journal and any open markers: the whole folder goes. */
static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct ledger *open_store(void)
{
	char err[LEDGER_META_MAX];
	struct ledger *s = NULL;

	ck_assert_int_eq(ledger_open(path, 0, &s, err), DS_OK);
	return s;
}

/* Record a "fail" act with a note (text that must survive re-encoding). OUT: E. */
static void record(struct ledger *s, struct model_event *e, int i)
{
	model_event_init(e);
	ck_assert_int_eq(model_uuid_new(e->uuid), DS_OK);
	e->type = MODEL_FAIL;
	e->reason = MODEL_REASON_NOT_HOME;
	snprintf(e->note, sizeof e->note, "lần %d: \"vắng\"\tnhà", i);
	snprintf(e->appointment, sizeof e->appointment, "H15.50.05.13-261008-%04d", i);
	e->recorded_ms = 1800000000000LL + i;
	e->gps.source = MODEL_GPS_NONE;
	ck_assert_int_eq(ledger_event_add(s, e, NULL, NULL), DS_OK);
}

START_TEST(the_counter_follows_the_server_upwards_only)
{
	struct ledger *s = open_store();
	struct model_event e;

	record(s, &e, 1);
	ck_assert_int_eq(e.seq, 1);
	ck_assert_int_eq(sequence_raise(s, 41), DS_OK);
	record(s, &e, 2);
	ck_assert_int_eq(e.seq, 42);
	ck_assert_int_eq(sequence_raise(s, 5), DS_OK); /* behind: no change */
	record(s, &e, 3);
	ck_assert_int_eq(e.seq, 43);
	ledger_close(s);
}
END_TEST

START_TEST(renumbered_events_keep_order_uuid_and_content)
{
	struct ledger *s = open_store();
	struct model_event e[3], moved_e;
	struct ledger_out *rows = NULL;
	size_t n = 0, i;
	int64_t moved = 0;
	char *want;

	for (i = 0; i < 3; i++)
		record(s, &e[i], (int)i + 1);
	ck_assert_int_eq(sequence_renumber(s, 117, 1, &moved), DS_OK);
	ck_assert_int_eq(moved, 3);
	ck_assert_int_eq(ledger_outbox_peek(s, 10, &rows, &n), DS_OK);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(rows[i].seq, 118 + (int64_t)i);
		ck_assert_str_eq(rows[i].uuid, e[i].uuid);
		moved_e = e[i];
		moved_e.seq = rows[i].seq;
		want = canon_event(&moved_e);
		ck_assert_ptr_nonnull(want);
		ck_assert_str_eq(rows[i].body, want); /* byte for byte a fresh event's text */
		free(want);
	}
	ledger_out_free(rows, n);
	/* The journal's copies carry the new numbers, so a rebuild cannot bring back the old. */
	{
		struct journal_scan sc;
		char jpath[160];

		snprintf(jpath, sizeof jpath, "%s/%s", dir, JOURNAL_FILE);
		ck_assert_int_eq(journal_read(jpath, &sc), DS_OK);
		ck_assert_uint_eq(sc.n, 3);
		for (i = 0; i < 3; i++) {
			ck_assert_int_eq(sc.ev[i].seq, 118 + (int64_t)i);
			ck_assert_str_eq(sc.ev[i].uuid, e[i].uuid);
		}
		ck_assert_int_ge(sc.max_seq, 120);
		journal_scan_free(&sc);
	}
	record(s, &moved_e, 9);
	ck_assert_int_eq(moved_e.seq, 121); /* the counter moved past them */
	ledger_close(s);
}
END_TEST

START_TEST(an_outbox_changed_meanwhile_is_left_alone)
{
	struct ledger *s = open_store();
	struct ledger_out *rows = NULL;
	struct model_event e;
	int64_t moved = 7;
	size_t n = 0;

	record(s, &e, 1);
	record(s, &e, 2);
	/* Another process renumbered the outbox already: its oldest is not #1 any more. */
	ck_assert_int_eq(sequence_renumber(s, 10, 1, &moved), DS_OK);
	ck_assert_int_eq(moved, 2);
	ck_assert_int_eq(sequence_renumber(s, 12, 1, &moved), DS_OK);
	ck_assert_int_eq(moved, 0);
	ck_assert_int_eq(ledger_outbox_peek(s, 10, &rows, &n), DS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(rows[0].seq, 11);
	ck_assert_int_eq(rows[1].seq, 12);
	ledger_out_free(rows, n);
	/* An empty outbox: nothing to do. */
	ck_assert_int_eq(ledger_sync_apply(s, 11, 12, 5, NULL, 0, 1), DS_OK);
	ck_assert_int_eq(sequence_renumber(s, 20, 11, &moved), DS_OK);
	ck_assert_int_eq(moved, 0);
	record(s, &e, 3);
	ck_assert_int_eq(e.seq, 13);
	ledger_close(s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("ledger_seq");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_counter_follows_the_server_upwards_only);
	tcase_add_test(tc, renumbered_events_keep_order_uuid_and_content);
	tcase_add_test(tc, an_outbox_changed_meanwhile_is_left_alone);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
