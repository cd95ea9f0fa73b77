/* test_wake.c: unit tests for server/net/wake.c: whatever other threads queue before they call
 * wake_send() is seen on the loop thread, however the sends interleave; many sends may
 * share one callback; wake_hold() decides whether uv_run() waits. */
#include <check.h>
#include <stdlib.h>

#include <uv.h>

#include "server/net/wake.h"

#define T_THREADS 4
#define T_SENDS 20000 /* per thread */

struct shared {
	uv_mutex_t mu;
	long queued;          /* items the senders queued */
	long seen;            /* items the loop took */
	long calls;           /* callbacks run */
	uv_thread_t loop_thread;
	int wrong_thread;
	struct wake *w;
};

static void on_wake(void *ctx)
{
	struct shared *s = ctx;
	uv_thread_t self = uv_thread_self();

	s->calls++;
	if (!uv_thread_equal(&self, &s->loop_thread))
		s->wrong_thread++;
	uv_mutex_lock(&s->mu);
	s->seen += s->queued;
	s->queued = 0;
	uv_mutex_unlock(&s->mu);
	/* Every item came home: let uv_run() end. */
	if (s->seen == (long)T_THREADS * T_SENDS)
		wake_hold(s->w, 0);
}

static void sender(void *arg)
{
	struct shared *s = arg;
	int i;

	for (i = 0; i < T_SENDS; i++) {
		uv_mutex_lock(&s->mu);
		s->queued++;
		uv_mutex_unlock(&s->mu);
		wake_send(s->w);
	}
}

START_TEST(test_every_item_reaches_the_loop)
{
	struct shared s = {.seen = 0};
	uv_thread_t t[T_THREADS];
	uv_loop_t loop;
	int i;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	uv_mutex_init(&s.mu);
	s.loop_thread = uv_thread_self();
	s.w = wake_new(&loop, on_wake, &s);
	ck_assert_ptr_nonnull(s.w);
	wake_hold(s.w, 1);
	for (i = 0; i < T_THREADS; i++)
		ck_assert_int_eq(uv_thread_create(&t[i], sender, &s), 0);
	/* Returns only once the callback released the hold: after the last item was seen. */
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	for (i = 0; i < T_THREADS; i++)
		uv_thread_join(&t[i]);
	ck_assert_int_eq(s.seen, (long)T_THREADS * T_SENDS);
	ck_assert_int_eq(s.wrong_thread, 0);
	/* Senders that find a wake-up already on its way do not write again. */
	ck_assert_int_lt(s.calls, (long)T_THREADS * T_SENDS);
	wake_free(s.w);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	uv_mutex_destroy(&s.mu);
}
END_TEST

static void count_call(void *ctx)
{
	(*(int *)ctx)++;
}

START_TEST(test_hold_decides_whether_the_loop_waits)
{
	uv_loop_t loop;
	struct wake *w;
	int calls = 0;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	w = wake_new(&loop, count_call, &calls);
	ck_assert_ptr_nonnull(w);
	/* Not held: the loop has nothing to wait for and ends at once. */
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(calls, 0);
	/* Held: the loop waits, and two sends made before it ran bring one callback. */
	wake_hold(w, 1);
	wake_send(w);
	wake_send(w);
	ck_assert_int_ne(uv_run(&loop, UV_RUN_ONCE), 0);
	ck_assert_int_eq(calls, 1);
	/* Still held: a non-blocking turn finds nothing to do and reports the loop alive. */
	ck_assert_int_ne(uv_run(&loop, UV_RUN_NOWAIT), 0);
	ck_assert_int_eq(calls, 1);
	wake_hold(w, 0);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
	wake_free(w);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

static Suite *wake_suite(void)
{
	Suite *s = suite_create("wake");
	TCase *tc = tcase_create("wake");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_item_reaches_the_loop);
	tcase_add_test(tc, test_hold_decides_whether_the_loop_waits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wake_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
