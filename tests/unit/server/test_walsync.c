/* test_walsync.c: unit tests for server/db/walsync.c, the log flusher: the writer's connection
 * runs with synchronous=NORMAL only while the flusher runs, every committed item comes
 * back exactly once and in order with a flushed log, a full queue makes the writer wait
 * instead of dropping anything, and stopping hands back what is pending. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "server/db/walsync.h"
#include "fixture.h"

#define T_ITEMS (3 * WALSYNC_QUEUE_MAX)

/* What the done callback saw, on the flusher's thread. */
struct seen {
	uv_mutex_t mu;
	int next;          /* the item expected next */
	int bad_order, not_ok;
	int slow_ms;       /* sleep in the callback, so the queue fills up */
};

static void on_done(void *ctx, void *item, int ok)
{
	struct seen *s = ctx;
	int v = (int)(intptr_t)item;

	if (s->slow_ms > 0)
		usleep((useconds_t)s->slow_ms * 1000);
	uv_mutex_lock(&s->mu);
	if (v != s->next)
		s->bad_order++;
	s->next = v + 1;
	s->not_ok += !ok;
	uv_mutex_unlock(&s->mu);
}

/* A flusher for this suite's store reporting to S (FLUSH NULL: fdatasync). */
static struct walsync *start_flusher(struct seen *s, walsync_flush_fn flush)
{
	struct walsync *w;

	uv_mutex_init(&s->mu);
	w = walsync_start(&S, flush, on_done, s);
	ck_assert_ptr_nonnull(w);
	return w;
}

static int sync_mode(void)
{
	sqlite3_stmt *st;
	int mode = -1;

	ck_assert_int_eq(store_prepare(&S, "PRAGMA synchronous", &st), DS_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		mode = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return mode;
}

START_TEST(test_normal_only_while_running)
{
	struct seen s = {.next = 0};
	struct walsync *w;

	ck_assert_int_eq(sync_mode(), 2); /* FULL, as store_open leaves it */
	w = start_flusher(&s, NULL);
	ck_assert_int_eq(sync_mode(), 1); /* NORMAL: the flusher does the commit's sync */
	walsync_stop(w);
	ck_assert_int_eq(sync_mode(), 2);
	uv_mutex_destroy(&s.mu);
}
END_TEST

START_TEST(test_every_item_back_once_in_order)
{
	struct seen s = {.next = 0, .slow_ms = 0};
	struct walsync *w;
	int i;

	ck_assert_int_eq(store_exec(&S, "CREATE TABLE t(b BLOB)"), DS_OK);
	w = start_flusher(&s, NULL);
	for (i = 0; i < T_ITEMS; i++) {
		if (i % 100 == 0) {
			ck_assert_int_eq(store_begin(&S), DS_OK);
			ck_assert_int_eq(store_exec(&S, "INSERT INTO t(b) "
			                            "VALUES (randomblob(1000))"), DS_OK);
			ck_assert_int_eq(store_commit(&S), DS_OK);
		}
		walsync_submit(w, (void *)(intptr_t)i);
	}
	walsync_stop(w); /* hands back what is still pending */
	ck_assert_int_eq(s.next, T_ITEMS);
	ck_assert_int_eq(s.bad_order, 0);
	ck_assert_int_eq(s.not_ok, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM t"), (T_ITEMS + 99) / 100);
	uv_mutex_destroy(&s.mu);
}
END_TEST

/* A slow flusher fills the queue: submit must wait, and nothing may be lost or reordered.
 * Flushes cover several items each, which is the point of the design. */
START_TEST(test_full_queue_waits)
{
	struct seen s = {.next = 0, .slow_ms = 1};
	struct walsync *w;
	long flushes = 0, items = 0;
	int i;

	w = start_flusher(&s, NULL);
	/* At 1 ms an item the flusher falls behind at once; the ring holds WALSYNC_QUEUE_MAX,
	 * so without the wait in submit items past it would overwrite unflushed ones. */
	for (i = 0; i < 2 * WALSYNC_QUEUE_MAX + 10; i++)
		walsync_submit(w, (void *)(intptr_t)i);
	/* The last submit could only queue once the flusher had taken all but a ring's worth,
	 * and it takes what is pending in one go: far fewer flushes than items. */
	walsync_counts(w, &flushes, &items);
	ck_assert_int_ge(items, WALSYNC_QUEUE_MAX + 10);
	ck_assert_int_lt(flushes * 10, items);
	walsync_stop(w);
	ck_assert_int_eq(s.next, 2 * WALSYNC_QUEUE_MAX + 10);
	ck_assert_int_eq(s.bad_order, 0);
	ck_assert_int_eq(s.not_ok, 0);
	uv_mutex_destroy(&s.mu);
}
END_TEST

/* A stand-in for fdatasync that fails on its second call and would succeed after, as
 * Linux may report a flush after a failed one once the failed pages are dropped. */
static int flush_calls;

static int flush_fails_once(int fd)
{
	(void)fd;
	return ++flush_calls == 2 ? -1 : 0;
}

/* Once a flush failed, nothing is acknowledged again: not the items it covered, not any
 * item after, even though the next flush would report success (found in review). */
START_TEST(test_failed_flush_is_final)
{
	struct seen s = {.next = 0};
	struct walsync *w;
	long flushes = 0, items = 0;
	int i, k;

	w = start_flusher(&s, flush_fails_once);
	/* One item at a time, each taken before the next: one flush each. */
	for (i = 0; i < 10; i++) {
		walsync_submit(w, (void *)(intptr_t)i);
		for (k = 0; k < 5000; k++) {
			walsync_counts(w, &flushes, &items);
			if (items == i + 1)
				break;
			usleep(1000);
		}
		ck_assert_int_eq(items, i + 1);
	}
	walsync_stop(w);
	ck_assert_int_eq(s.next, 10);
	ck_assert_int_eq(s.bad_order, 0);
	ck_assert_int_eq(s.not_ok, 9); /* all but item 0, flushed before the failure */
	ck_assert_int_eq(flush_calls, 2); /* no flush was tried after the failure */
	uv_mutex_destroy(&s.mu);
}
END_TEST

static Suite *walsync_suite(void)
{
	Suite *s = suite_create("walsync");
	TCase *tc = tcase_create("walsync");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_normal_only_while_running);
	tcase_add_test(tc, test_every_item_back_once_in_order);
	tcase_add_test(tc, test_full_queue_waits);
	tcase_add_test(tc, test_failed_flush_is_final);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(walsync_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
