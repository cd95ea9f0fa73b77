/* test_pool.c: unit tests for server/net/pool.c: every step runs once on a worker and comes back
 * on the loop thread, uv_run() waits for steps that are out, a queued step can be taken back
 * (and then reports UV_ECANCELED) while a running one cannot, and a done callback may queue
 * the next step. */
#include <check.h>
#include <stdlib.h>

#include <uv.h>

#include "server/net/pool.h"

#define T_STEPS 2000

struct step {
	struct pool_work w;
	int ran, done, status;
	uv_thread_t ran_on;
};

static uv_thread_t loop_thread;
static int done_off_loop;

static void step_work(struct pool_work *w)
{
	struct step *s = w->data;

	s->ran++;
	s->ran_on = uv_thread_self();
}

static void step_done(struct pool_work *w, int status)
{
	struct step *s = w->data;
	uv_thread_t self = uv_thread_self();

	if (!uv_thread_equal(&self, &loop_thread))
		done_off_loop++;
	s->done++;
	s->status = status;
}

START_TEST(test_every_step_runs_once_and_comes_back)
{
	static struct step steps[T_STEPS];
	uv_loop_t loop;
	struct pool *p;
	int i, on_loop = 0;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	loop_thread = uv_thread_self();
	done_off_loop = 0;
	ck_assert_ptr_null(pool_new(&loop, 0));
	ck_assert_ptr_null(pool_new(&loop, POOL_THREADS_MAX + 1));
	p = pool_new(&loop, 3);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < T_STEPS; i++) {
		steps[i].w.data = &steps[i];
		ck_assert_int_eq(pool_submit(p, &steps[i].w, step_work, step_done), 0);
	}
	/* uv_run() returns only when no step is out any more. */
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	for (i = 0; i < T_STEPS; i++) {
		ck_assert_int_eq(steps[i].ran, 1);
		ck_assert_int_eq(steps[i].done, 1);
		ck_assert_int_eq(steps[i].status, 0);
		on_loop += uv_thread_equal(&steps[i].ran_on, &loop_thread);
	}
	ck_assert_int_eq(on_loop, 0);
	ck_assert_int_eq(done_off_loop, 0);
	pool_free(p);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* A step that holds its worker until the test lets it go. */
struct gate {
	struct pool_work w;
	uv_sem_t started, release;
	int done, status;
};

static void gate_work(struct pool_work *w)
{
	struct gate *g = w->data;

	uv_sem_post(&g->started);
	uv_sem_wait(&g->release);
}

static void gate_done(struct pool_work *w, int status)
{
	struct gate *g = w->data;

	g->done++;
	g->status = status;
}

START_TEST(test_cancel_takes_back_only_a_queued_step)
{
	struct gate g = {.done = 0};
	struct step queued = {.ran = 0}, other = {.ran = 0};
	uv_loop_t loop;
	struct pool *p;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	loop_thread = uv_thread_self();
	done_off_loop = 0;
	uv_sem_init(&g.started, 0);
	uv_sem_init(&g.release, 0);
	p = pool_new(&loop, 1);
	ck_assert_ptr_nonnull(p);
	g.w.data = &g;
	queued.w.data = &queued;
	other.w.data = &other;
	ck_assert_int_eq(pool_submit(p, &g.w, gate_work, gate_done), 0);
	uv_sem_wait(&g.started); /* the only worker is busy now */
	ck_assert_int_eq(pool_submit(p, &queued.w, step_work, step_done), 0);
	ck_assert_int_eq(pool_submit(p, &other.w, step_work, step_done), 0);
	ck_assert_int_eq(pool_cancel(p, &g.w), -1);      /* running */
	ck_assert_int_eq(pool_cancel(p, &queued.w), 0);  /* still queued */
	ck_assert_int_eq(pool_cancel(p, &queued.w), -1); /* not twice */
	uv_sem_post(&g.release);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(g.done, 1);
	ck_assert_int_eq(g.status, 0);
	ck_assert_int_eq(queued.ran, 0);
	ck_assert_int_eq(queued.done, 1);
	ck_assert_int_eq(queued.status, UV_ECANCELED);
	/* The step queued behind the cancelled one still runs. */
	ck_assert_int_eq(other.ran, 1);
	ck_assert_int_eq(other.done, 1);
	ck_assert_int_eq(other.status, 0);
	ck_assert_int_eq(done_off_loop, 0);
	pool_free(p);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	uv_sem_destroy(&g.started);
	uv_sem_destroy(&g.release);
}
END_TEST

/* A chain: each done callback queues the next step until ten have run. */
struct chain {
	struct pool_work w;
	struct pool *p;
	int ran, done;
};

static void chain_work(struct pool_work *w)
{
	((struct chain *)w->data)->ran++;
}

static void chain_done(struct pool_work *w, int status)
{
	struct chain *c = w->data;

	ck_assert_int_eq(status, 0);
	if (++c->done < 10)
		ck_assert_int_eq(pool_submit(c->p, &c->w, chain_work, chain_done), 0);
}

START_TEST(test_done_may_queue_the_next_step)
{
	struct chain c = {.ran = 0};
	uv_loop_t loop;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	c.p = pool_new(&loop, 2);
	ck_assert_ptr_nonnull(c.p);
	c.w.data = &c;
	ck_assert_int_eq(pool_submit(c.p, &c.w, chain_work, chain_done), 0);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(c.ran, 10);
	ck_assert_int_eq(c.done, 10);
	pool_free(c.p);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_step_runs_once_and_comes_back);
	tcase_add_test(tc, test_cancel_takes_back_only_a_queued_step);
	tcase_add_test(tc, test_done_may_queue_the_next_step);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
