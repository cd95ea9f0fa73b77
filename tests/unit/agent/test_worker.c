/* test_worker.c: the daemon's sync process. The report line and the exit code of `sync
 * --json` become the daemon's sync result (also when the process dies or prints only an
 * error); a stand-in program shows the spawn, the output pipe, the reaping and the stop. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/worker.h"

/* A wait() status as the kernel would report an exit with CODE (W_EXITCODE is not POSIX). */
static int exited(int code)
{
	return (code & 0xff) << 8;
}

START_TEST(report_of_a_good_sync)
{
	struct worker_result r;

	worker_parse("{\"status\":\"ok\",\"pushed\":14,\"duplicates\":0,\"pulled\":1,"
	             "\"waiting\":0,\"requests\":1}\n", exited(0), &r);
	ck_assert_int_eq(r.status, SYNC_OK);
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert_int_eq(r.pushed, 14);
	ck_assert_int_eq(r.pulled, 1);
	ck_assert_int_eq(r.waiting, 0);
	ck_assert_str_eq(r.message, "");
}
END_TEST

START_TEST(report_of_a_failed_sync)
{
	struct worker_result r;

	/* stderr and stdout share the pipe: the sentence may come first. */
	worker_parse("doorstep-agent: server unreachable (Couldn't connect to server), events "
	             "kept: 12 waiting\n{\"status\":\"unreachable\",\"pushed\":0,\"waiting\":12,"
	             "\"message\":\"server unreachable (Couldn't connect to server)\"}\n",
	             exited(AGENT_EXIT_UNREACHABLE), &r);
	ck_assert_int_eq(r.status, SYNC_UNREACHABLE);
	ck_assert_int_eq(r.waiting, 12);
	ck_assert_str_eq(r.message, "server unreachable (Couldn't connect to server)");
	worker_parse("{\"status\":\"refused\",\"waiting\":3,\"message\":\"revoked\"}\n",
	             exited(AGENT_EXIT_REFUSED), &r);
	ck_assert_int_eq(r.status, SYNC_REFUSED);
	worker_parse("", exited(AGENT_EXIT_STORE), &r);
	ck_assert_int_eq(r.status, SYNC_LOCAL);
	ck_assert_int_eq(r.waiting, -1);
}
END_TEST

START_TEST(no_report_keeps_the_error_text)
{
	struct worker_result r;

	/* A sync whose HTTPS helper is missing: its JSON report carries the sentence. */
	worker_parse("doorstep-agent: the sync helper doorstep-agent-sync is not installed "
	             "(looked in /x), events kept: 2 waiting\n{\"status\":\"helper\",\"pushed\":0,"
	             "\"waiting\":2,\"message\":\"the sync helper doorstep-agent-sync is not "
	             "installed (looked in /x)\"}\n", exited(AGENT_EXIT_FAIL), &r);
	ck_assert_int_eq(r.status, SYNC_LOCAL); /* retried with backoff, like a local failure */
	ck_assert_int_eq(r.waiting, 2);
	ck_assert_str_eq(r.message, "the sync helper doorstep-agent-sync is not installed "
	                 "(looked in /x)");

	worker_parse("doorstep-agent: cannot read the database: disk I/O error\n",
	             exited(AGENT_EXIT_FAIL), &r);
	ck_assert_int_eq(r.status, SYNC_LOCAL);
	ck_assert_str_eq(r.message, "cannot read the database: disk I/O error");
	ck_assert_int_eq(r.waiting, -1);
	worker_parse("", SIGKILL, &r); /* a status as after a kill by SIGKILL */
	ck_assert_int_eq(r.status, SYNC_UNREACHABLE);
	ck_assert_int_eq(r.exit_code, -1);
	ck_assert_ptr_nonnull(strstr(r.message, "killed by signal 9"));
}
END_TEST

/* Write an executable shell script BODY into DIR; OUT: PATH. */
static void script(const char *dir, const char *body, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/fake-agent", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0700), 0);
}

START_TEST(spawn_read_and_reap)
{
	char dir[64], exe[128];
	struct worker *w = NULL;
	struct worker_result r;
	struct timespec pause = {0, 5000000L};
	int i;

	snprintf(dir, sizeof dir, "/tmp/test_worker.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* The arguments must be exactly `--data DIR sync --json`. */
	script(dir, "[ \"$1 $3 $4\" = \"--data sync --json\" ] || exit 2\n"
	            "echo '{\"status\":\"ok\",\"pushed\":2,\"pulled\":0,\"waiting\":1}'",
	       exe, sizeof exe);
	ck_assert_int_eq(worker_start(exe, dir, &w), DS_OK);
	ck_assert_int_ge(worker_fd(w), 0);
	for (i = 0; i < 1000 && !worker_read(w); i++)
		nanosleep(&pause, NULL);
	worker_done(w, &r);
	ck_assert_int_eq(r.status, SYNC_OK);
	ck_assert_int_eq(r.pushed, 2);
	ck_assert_int_eq(r.waiting, 1);
	ck_assert_int_gt(r.peak_rss_kb, 0);
	unlink(exe);
	rmdir(dir);
}
END_TEST

START_TEST(stop_ends_a_stuck_child)
{
	char dir[64], exe[128];
	struct worker *w = NULL;
	struct timespec t0, t1;

	snprintf(dir, sizeof dir, "/tmp/test_worker.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* A child that ignores SIGTERM: worker_stop() must still end it, within bounds. */
	script(dir, "trap '' TERM\nsleep 30", exe, sizeof exe);
	ck_assert_int_eq(worker_start(exe, dir, &w), DS_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	worker_stop(w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, WORKER_STOP_MS / 1000 + 2);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1); /* reaped: no child left */
	worker_stop(NULL);
	unlink(exe);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, report_of_a_good_sync);
	tcase_add_test(tc, report_of_a_failed_sync);
	tcase_add_test(tc, no_report_keeps_the_error_text);
	tcase_add_test(tc, spawn_read_and_reap);
	tcase_add_test(tc, stop_ends_a_stuck_child);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
