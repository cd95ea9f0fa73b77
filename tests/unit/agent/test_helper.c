/* test_helper.c: the agent's side of its HTTPS helper. Where it is looked for and in which
 * order; the real doorstep-agent-sync of this build answering "unreachable" for a port
 * nobody listens on; and a helper that dies, garbles or hangs: the request ends as
 * unreachable (the caller keeps its outbox), promptly, and no process is left behind. */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/helper.h"

#define TEST_DIR_MAX 64

static char dir[TEST_DIR_MAX];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_helper.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void)
{
	char cmd[TEST_DIR_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Write an executable shell script BODY at DIR/SUB (creating DIR/SUB's directories). */
static void script(const char *sub, const char *body)
{
	char path[HELPER_PATH_MAX], cmd[HELPER_PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0700), 0);
}

START_TEST(looked_for_in_order)
{
	char self[HELPER_PATH_MAX], want[HELPER_PATH_MAX], path[HELPER_PATH_MAX];
	char env[HELPER_PATH_MAX], msg[HELPER_MSG_MAX];

	snprintf(self, sizeof self, "%s/bin", dir);
	ck_assert_int_eq(mkdir(self, 0700), 0); /* "bin/.." resolves only when bin exists */
	snprintf(self, sizeof self, "%s/bin/doorstep-agent", dir);
	/* Nothing anywhere (unless an installed helper is in the compiled-in directory). */
	if (helper_locate(NULL, self, path, msg) == DS_ENOTFOUND) {
		ck_assert_ptr_nonnull(strstr(msg, HELPER_PROGRAM " is not installed"));
		ck_assert_ptr_nonnull(strstr(msg, "/bin/../libexec/doorstep"));
	}
	/* The build tree's layout: build/bin/ and build/libexec/. */
	script("libexec/" HELPER_PROGRAM, "exit 0");
	snprintf(want, sizeof want, "%s/bin/../libexec/" HELPER_PROGRAM, dir);
	ck_assert_int_eq(helper_locate(NULL, self, path, msg), DS_OK);
	if (strncmp(path, dir, strlen(dir)) == 0)
		ck_assert_str_eq(path, want);
	/* The installed layout wins over it: PREFIX/bin/ and PREFIX/libexec/doorstep/. */
	script("libexec/doorstep/" HELPER_PROGRAM, "exit 0");
	snprintf(want, sizeof want, "%s/bin/../libexec/doorstep/" HELPER_PROGRAM, dir);
	ck_assert_int_eq(helper_locate(NULL, self, path, msg), DS_OK);
	if (strncmp(path, dir, strlen(dir)) == 0)
		ck_assert_str_eq(path, want);
	/* The environment wins over everything, and when it names the wrong place, that is
	 * an error (no silent fallback to another helper). */
	script("elsewhere/" HELPER_PROGRAM, "exit 0");
	snprintf(env, sizeof env, "%s/elsewhere", dir);
	ck_assert_int_eq(helper_locate(env, self, path, msg), DS_OK);
	snprintf(want, sizeof want, "%s/" HELPER_PROGRAM, env);
	ck_assert_str_eq(path, want);
	snprintf(env, sizeof env, "%s/nowhere", dir);
	ck_assert_int_eq(helper_locate(env, self, path, msg), DS_ENOTFOUND);
	ck_assert_str_eq(path, "");
	ck_assert_ptr_nonnull(strstr(msg, "nowhere"));
	ck_assert_ptr_nonnull(strstr(msg, HELPER_ENV));
	/* A file that is not executable is not a helper. */
	snprintf(path, sizeof path, "%s/elsewhere/" HELPER_PROGRAM, dir);
	ck_assert_int_eq(chmod(path, 0600), 0);
	snprintf(env, sizeof env, "%s/elsewhere", dir);
	ck_assert_int_eq(helper_locate(env, self, path, msg), DS_ENOTFOUND);
}
END_TEST

/* Start the helper at PATH for a server on 127.0.0.1:1 (nobody listens there), STOP as the
 * stop flag; post one sync request. Returns the result; OUT: R, *MS (time taken). */
static enum helper_result post_once(const char *path, volatile sig_atomic_t *stop,
                                    struct helper_reply *r, long *ms)
{
	struct helper_conf c = {"https://127.0.0.1:1", "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	                        "dev-1.secret", 2000, 3000, stop};
	char msg[HELPER_MSG_MAX];
	struct helper *h = NULL;
	struct timespec t0, t1;
	enum helper_result res;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(helper_start(path, &c, &h, msg), DS_OK);
	res = helper_post(h, "/v1/sync", "{\"v\":1,\"events\":[]}", 19, 1, r);
	helper_stop(h);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1); /* reaped: no child left */
	return res;
}

START_TEST(the_real_helper_says_unreachable)
{
	char self[HELPER_PATH_MAX], path[HELPER_PATH_MAX + 32], *cut;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	struct helper_reply r;
	long ms = 0;
	int i;

	/* This test is BUILD/tests/agent/test_helper; the helper is BUILD/libexec/. */
	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	for (i = 0; i < 3 && (cut = strrchr(self, '/')) != NULL; i++)
		*cut = '\0';
	snprintf(path, sizeof path, "%s/libexec/" HELPER_PROGRAM, self);
	ck_assert_msg(access(path, X_OK) == 0, "%s not built", path);
	ck_assert_int_eq(post_once(path, NULL, &r, &ms), HELPER_UNREACHABLE);
	ck_assert_msg(strstr(r.message, "onnect") != NULL, "message: %s", r.message);
	ck_assert_int_eq(r.http_status, 0);
	ck_assert_int_gt(r.sent_bytes, 0); /* the body was gzipped, ready to go */
	free(r.body);
}
END_TEST

START_TEST(a_helper_that_dies_or_garbles)
{
	char path[HELPER_PATH_MAX];
	struct helper_reply r;
	long ms = 0;

	snprintf(path, sizeof path, "%s/dies", dir);
	script("dies", "head -c 10 >/dev/null; exit 1");
	ck_assert_int_eq(post_once(path, NULL, &r, &ms), HELPER_UNREACHABLE);
	ck_assert_str_eq(r.message, "the sync helper ended without answering");
	free(r.body);
	snprintf(path, sizeof path, "%s/garbles", dir);
	script("garbles", "head -n 2 >/dev/null; echo 'HTTP/1.1 200 OK'; exec sleep 30");
	ck_assert_int_eq(post_once(path, NULL, &r, &ms), HELPER_UNREACHABLE);
	ck_assert_str_eq(r.message, "the sync helper's reply is garbled");
	ck_assert_int_lt(ms, HELPER_STOP_MS); /* killed at once, not waited for */
	free(r.body);
}
END_TEST

/* The stop flag, set by SIGALRM as the agent's is by SIGTERM. */
static volatile sig_atomic_t stop_flag;

static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

START_TEST(stop_ends_a_hanging_request)
{
	struct itimerval in_300ms = {{0, 0}, {0, 300000}};
	char path[HELPER_PATH_MAX];
	struct helper_reply r;
	long ms = 0;

	/* A helper that takes the request and never answers, and ignores SIGTERM: 300 ms in,
	 * the stop flag goes up; the wait ends within a slice and the helper is killed. */
	snprintf(path, sizeof path, "%s/hangs", dir);
	script("hangs", "trap '' TERM\nexec sleep 30");
	signal(SIGALRM, on_alarm);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &in_300ms, NULL), 0);
	ck_assert_int_eq(post_once(path, &stop_flag, &r, &ms), HELPER_UNREACHABLE);
	ck_assert_str_eq(r.message, "stopped");
	ck_assert_int_ge(ms, 300);
	ck_assert_int_lt(ms, 300 + HELPER_STOP_MS + 1000); /* SIGKILL after the grace period */
	free(r.body);
}
END_TEST

START_TEST(a_missing_program_does_not_start)
{
	struct helper_conf c = {"https://127.0.0.1:1", "sha256//AAAA", NULL, 100, 100, NULL};
	char path[HELPER_PATH_MAX], msg[HELPER_MSG_MAX];
	struct helper *h = NULL;

	snprintf(path, sizeof path, "%s/absent", dir);
	ck_assert_int_eq(helper_start(path, &c, &h, msg), DS_EIO);
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(strstr(msg, "cannot start the sync helper"));
	helper_stop(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("helper");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, looked_for_in_order);
	tcase_add_test(tc, the_real_helper_says_unreachable);
	tcase_add_test(tc, a_helper_that_dies_or_garbles);
	tcase_add_test(tc, stop_ends_a_hanging_request);
	tcase_add_test(tc, a_missing_program_does_not_start);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
