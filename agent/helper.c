/* helper.c: start doorstep-agent-sync with posix_spawn() (no fork() of a process holding an
 * SQLite connection), its stdin and stdout on two pipes, stderr shared with the agent so its
 * rare complaints reach the same place as the agent's. Every descriptor the agent keeps is
 * close-on-exec, so the helper holds only its two pipe ends. A request is one message each
 * way; the wait for the reply is bounded by the total timeout plus HELPER_GRACE_MS (the
 * helper's own timeout fires first unless it is stuck) and by the stop flag. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/helper.h"
#include "agent/relay.h"

#ifndef DOORSTEP_LIBEXECDIR
#define DOORSTEP_LIBEXECDIR "/usr/local/libexec/doorstep" /* make passes $(LIBEXECDIR) */
#endif
#define HELPER_SELF "/proc/self/exe"
#define HELPER_WAIT_NS 10000000L  /* 10 ms between checks while the helper exits */

extern char **environ;

struct helper {
	pid_t pid;
	int to_fd;                    /* the helper's stdin; -1 once closed */
	int broken;                   /* a request was cut short: kill, do not wait */
	long reply_timeout_ms;
	volatile sig_atomic_t *stop;
	struct relay from;            /* the helper's stdout */
};

/* Try DIR: 1 when DIR/HELPER_PROGRAM is executable (OUT: PATH), else add DIR to MSG. */
static int helper_try(const char *dir, char *path, char *msg)
{
	size_t used = strlen(msg);

	if ((size_t)snprintf(path, HELPER_PATH_MAX, "%s/%s", dir, HELPER_PROGRAM) < HELPER_PATH_MAX
	    && access(path, X_OK) == 0)
		return 1;
	snprintf(msg + used, HELPER_MSG_MAX - used, "%s%s", used > 0 ? ", " : "", dir);
	return 0;
}

enum ds_err helper_locate(const char *env_dir, const char *self_exe, char *path, char *msg)
{
	char dir[HELPER_PATH_MAX];
	const char *slash = self_exe != NULL ? strrchr(self_exe, '/') : NULL;
	int len = slash != NULL ? (int)(slash - self_exe) : 0;
	char looked[HELPER_MSG_MAX] = "";

	if (env_dir != NULL && env_dir[0] != '\0') {
		if (helper_try(env_dir, path, looked))
			return DS_OK;
		goto fail;
	}
	if (helper_try(DOORSTEP_LIBEXECDIR, path, looked))
		return DS_OK;
	/* Installed: PREFIX/bin/doorstep-agent and PREFIX/libexec/doorstep/; built:
	 * build/bin/doorstep-agent and build/libexec/. */
	if (slash != NULL) {
		snprintf(dir, sizeof dir, "%.*s/../libexec/doorstep", len, self_exe);
		if (helper_try(dir, path, looked))
			return DS_OK;
		snprintf(dir, sizeof dir, "%.*s/../libexec", len, self_exe);
		if (helper_try(dir, path, looked))
			return DS_OK;
	}
fail:
	path[0] = '\0';
	snprintf(msg, HELPER_MSG_MAX, "the sync helper %s is not installed (looked in %s%s)",
	         HELPER_PROGRAM, looked, env_dir != NULL && env_dir[0] ? ", from " HELPER_ENV : "");
	return DS_ENOTFOUND;
}

enum ds_err helper_find(char *path, char *msg)
{
	char self[HELPER_PATH_MAX];
	ssize_t n = readlink(HELPER_SELF, self, sizeof self - 1);

	if (n >= 0)
		self[n] = '\0';
	return helper_locate(getenv(HELPER_ENV), n >= 0 ? self : NULL, path, msg);
}

static enum ds_err helper_spawn(struct helper *h, const char *path, int in_fd, int out_fd)
{
	char a0[] = HELPER_PROGRAM;
	char *argv[] = {a0, NULL};
	posix_spawn_file_actions_t fa;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return DS_ENOMEM;
	rc = posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (rc == 0)
		rc = posix_spawn(&h->pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		errno = rc;
	return rc == 0 ? DS_OK : DS_EIO;
}

static int helper_pipe(int p[2])
{
	return pipe(p) == 0 && fcntl(p[0], F_SETFD, FD_CLOEXEC) == 0 &&
	       fcntl(p[1], F_SETFD, FD_CLOEXEC) == 0 ? 0 : -1;
}

/* The first message: where to connect and how. */
static enum ds_err helper_hello(struct helper *h, const struct helper_conf *c)
{
	json_t *m = json_pack("{s:i,s:s,s:s,s:I,s:I}", "v", RELAY_VERSION, "base", c->base,
	                      "pin", c->pin,
	                      "connect_timeout_ms", (json_int_t)c->connect_timeout_ms,
	                      "total_timeout_ms", (json_int_t)c->total_timeout_ms);
	enum ds_err e = DS_ENOMEM;

	if (m != NULL && (c->token == NULL ||
	                  json_object_set_new(m, "token", json_string(c->token)) == 0))
		e = relay_send(h->to_fd, m, NULL, 0, h->stop);
	json_decref(m);
	return e;
}

enum ds_err helper_start(const char *path, const struct helper_conf *c, struct helper **out,
                         char *msg)
{
	struct helper *h = calloc(1, sizeof *h);
	int to[2] = {-1, -1}, from[2] = {-1, -1};

	*out = NULL;
	snprintf(msg, HELPER_MSG_MAX, "cannot start the sync helper %s: out of memory", path);
	if (h == NULL)
		goto fail;
	h->to_fd = -1;
	h->from.fd = -1;
	if (helper_pipe(to) != 0 || helper_pipe(from) != 0 ||
	    helper_spawn(h, path, to[0], from[1]) != DS_OK) {
		snprintf(msg, HELPER_MSG_MAX, "cannot start the sync helper %s: %s", path,
		         strerror(errno));
		goto fail;
	}
	close(to[0]);
	close(from[1]);
	h->to_fd = to[1];
	relay_init(&h->from, from[0]);
	h->stop = c->stop;
	h->reply_timeout_ms = c->total_timeout_ms + HELPER_GRACE_MS;
	if (helper_hello(h, c) != DS_OK) {
		snprintf(msg, HELPER_MSG_MAX, "the sync helper %s ended at start", path);
		h->broken = 1;
		helper_stop(h);
		return DS_EIO;
	}
	msg[0] = '\0';
	*out = h;
	return DS_OK;
fail:
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	free(h);
	return DS_EIO;
}

/* Fill R from the reply head HEAD. */
static enum helper_result helper_result_of(const json_t *head, struct helper_reply *r)
{
	const char *res = json_string_value(json_object_get(head, "result"));
	const char *m = json_string_value(json_object_get(head, "message"));

	r->http_status = (long)json_integer_value(json_object_get(head, "http"));
	r->connections = json_integer_value(json_object_get(head, "connections"));
	r->sent_bytes = json_integer_value(json_object_get(head, "sent_bytes"));
	snprintf(r->message, sizeof r->message, "%s", m != NULL ? m : "");
	if (res != NULL && strcmp(res, "ok") == 0)
		return HELPER_OK;
	return res != NULL && strcmp(res, "pin") == 0 ? HELPER_PIN : HELPER_UNREACHABLE;
}

/* The words for a reply that did not come, by errno after relay_recv(). */
static void helper_lost(struct helper_reply *r, int err)
{
	if (err == EINTR)
		snprintf(r->message, sizeof r->message, "stopped");
	else if (err == ETIMEDOUT)
		snprintf(r->message, sizeof r->message, "the sync helper did not answer in time");
	else
		snprintf(r->message, sizeof r->message, "the sync helper ended without answering");
}

enum helper_result helper_post(struct helper *h, const char *path, const void *body, size_t len,
                               int gzip, struct helper_reply *r)
{
	json_t *m = json_pack("{s:s,s:b}", "path", path, "gzip", gzip), *head = NULL;
	enum helper_result rc = HELPER_UNREACHABLE;
	enum ds_err e = DS_ENOMEM;

	memset(r, 0, sizeof *r);
	snprintf(r->message, sizeof r->message, "out of memory");
	if (m == NULL || h->broken)
		goto out;
	h->broken = 1; /* until the reply is in */
	if ((e = relay_send(h->to_fd, m, body, len, h->stop)) != DS_OK) {
		helper_lost(r, errno);
		goto out;
	}
	e = relay_recv(&h->from, h->reply_timeout_ms, h->stop, &head, &r->body, &r->len);
	if (e == DS_EIO)
		helper_lost(r, errno);
	else if (e != DS_OK)
		snprintf(r->message, sizeof r->message, "the sync helper's reply is garbled");
	else {
		rc = helper_result_of(head, r);
		h->broken = 0;
	}
out:
	json_decref(m);
	json_decref(head);
	return rc;
}

/* Wait up to TIMEOUT_MS for H's process to end. Returns 1 once it is reaped (or gone). */
static int helper_reap(struct helper *h, long timeout_ms)
{
	struct timespec pause = {0, HELPER_WAIT_NS};
	long waited_ms = 0;
	pid_t got;

	for (;;) {
		got = waitpid(h->pid, NULL, WNOHANG);
		if (got == h->pid || (got < 0 && errno != EINTR))
			return 1;
		if (waited_ms >= timeout_ms)
			return 0;
		nanosleep(&pause, NULL);
		waited_ms += HELPER_WAIT_NS / 1000000L;
	}
}

void helper_stop(struct helper *h)
{
	if (h == NULL)
		return;
	if (h->to_fd >= 0)
		close(h->to_fd); /* end of input: an idle helper exits at once */
	if (h->broken)
		kill(h->pid, SIGTERM); /* mid-request: its reply is no longer wanted */
	if (!helper_reap(h, HELPER_STOP_MS)) {
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			continue;
	}
	if (h->from.fd >= 0)
		close(h->from.fd);
	free(h);
}
