/* test_relay.c: the messages between the agent and its HTTPS helper. A message sent is the
 * message read, also when two arrive in one read or a body is larger than a pipe holds; a
 * closed pipe, a garbled or oversized head, a timeout and the stop flag each end a read
 * with the error the caller tells apart. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/relay.h"

/* Send a message with head {"k": K} and BODY[0..LEN) into FD. */
static void put(int fd, const char *k, const void *body, size_t len)
{
	json_t *h = json_pack("{s:s}", "k", k);

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(relay_send(fd, h, body, len, NULL), DS_OK);
	json_decref(h);
}

START_TEST(two_messages_in_one_pipe)
{
	struct relay r;
	json_t *h = NULL;
	char *body = NULL;
	size_t len = 99;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	put(p[1], "first", "{\"a\":1}\n", 8);
	put(p[1], "second", NULL, 0);
	relay_init(&r, p[0]);
	ck_assert_int_eq(relay_recv(&r, 1000, NULL, &h, &body, &len), DS_OK);
	ck_assert_str_eq(json_string_value(json_object_get(h, "k")), "first");
	ck_assert_uint_eq(len, 8);
	ck_assert_str_eq(body, "{\"a\":1}\n"); /* a newline in the body is just a byte */
	json_decref(h);
	free(body);
	ck_assert_int_eq(relay_recv(&r, 1000, NULL, &h, &body, &len), DS_OK);
	ck_assert_str_eq(json_string_value(json_object_get(h, "k")), "second");
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(body, "");
	json_decref(h);
	free(body);
	close(p[1]);
	ck_assert_int_eq(relay_recv(&r, 1000, NULL, &h, &body, &len), DS_EIO);
	ck_assert_int_eq(errno, 0); /* end of input */
	ck_assert_ptr_null(h);
	ck_assert_ptr_null(body);
	close(p[0]);
}
END_TEST

START_TEST(a_body_larger_than_the_pipe)
{
	size_t n = 1u << 20, len = 0, i;
	char *big = malloc(n), *body = NULL;
	struct relay r;
	json_t *h = NULL;
	pid_t pid;
	int p[2];

	ck_assert_ptr_nonnull(big);
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		put(p[1], "big", big, n);
		_exit(0);
	}
	close(p[1]);
	relay_init(&r, p[0]);
	ck_assert_int_eq(relay_recv(&r, 5000, NULL, &h, &body, &len), DS_OK);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(memcmp(body, big, n), 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	json_decref(h);
	free(body);
	free(big);
	close(p[0]);
}
END_TEST

/* Read one message from raw TEXT written to a pipe; returns relay_recv()'s result. */
static enum ds_err recv_raw(const char *text, long timeout_ms, volatile sig_atomic_t *stop)
{
	struct relay r;
	json_t *h = NULL;
	char *body = NULL;
	size_t len = 0;
	enum ds_err e;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
	relay_init(&r, p[0]);
	e = relay_recv(&r, timeout_ms, stop, &h, &body, &len);
	ck_assert_ptr_null(e == DS_OK ? NULL : h);
	json_decref(h);
	free(body);
	close(p[0]);
	close(p[1]);
	return e;
}

START_TEST(bad_heads_are_refused)
{
	char line[RELAY_HEAD_MAX + 8];

	ck_assert_int_eq(recv_raw("not json\n", 1000, NULL), DS_EINVAL);
	ck_assert_int_eq(recv_raw("{\"k\":1}\n", 1000, NULL), DS_EINVAL); /* no len */
	ck_assert_int_eq(recv_raw("{\"len\":-1}\n", 1000, NULL), DS_EINVAL);
	ck_assert_int_eq(recv_raw("{\"len\":99999999999}\n", 1000, NULL), DS_ETOOBIG);
	memset(line, ' ', sizeof line - 1); /* no newline within the maximum */
	line[sizeof line - 1] = '\0';
	ck_assert_int_eq(recv_raw(line, 1000, NULL), DS_ETOOBIG);
	ck_assert_int_eq(recv_raw("{\"len\":0}\n", 1000, NULL), DS_OK);
}
END_TEST

START_TEST(timeout_and_stop)
{
	volatile sig_atomic_t stop = 1;

	/* A body announced but not sent: the wait ends by the deadline, or at once on stop. */
	ck_assert_int_eq(recv_raw("{\"len\":5}\nab", 150, NULL), DS_EIO);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_eq(recv_raw("{\"len\":5}\nab", -1, &stop), DS_EIO);
	ck_assert_int_eq(errno, EINTR);
}
END_TEST

START_TEST(send_to_a_closed_pipe)
{
	json_t *h = json_object();
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(relay_send(p[1], h, "x", 1, NULL), DS_EIO);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_int_eq(relay_send(p[1], h, NULL, RELAY_BODY_MAX + 1u, NULL), DS_ETOOBIG);
	json_decref(h);
	close(p[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("relay");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, two_messages_in_one_pipe);
	tcase_add_test(tc, a_body_larger_than_the_pipe);
	tcase_add_test(tc, bad_heads_are_refused);
	tcase_add_test(tc, timeout_and_stop);
	tcase_add_test(tc, send_to_a_closed_pipe);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
