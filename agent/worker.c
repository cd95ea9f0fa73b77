/* worker.c: start, read, reap and stop the daemon's sync process. posix_spawn() rather than
 * fork(): the daemon holds an open SQLite connection, and SQLite forbids using it (or its
 * lock bookkeeping) across fork() in the child; a fresh exec of the same binary opens its
 * own connection like any `sync` from the command line, and the two coordinate through
 * SQLite's file locks as they always did. The child gets no other descriptor of the daemon:
 * every one the daemon opens is close-on-exec. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/agent.h"
#include "agent/worker.h"

#define WORKER_POLL_NS 10000000L /* 10 ms between checks while waiting for a stopping child */

extern char **environ;

struct worker {
	pid_t pid;
	int fd;                        /* read end of the child's stdout+stderr; -1 at EOF */
	size_t len;
	char out[WORKER_OUT_MAX + 1];
};

static enum ds_err worker_spawn(struct worker *w, const char *exe, const char *dir, int wfd)
{
	char a0[] = "doorstep-agent", a1[] = "--data", a3[] = "sync", a4[] = "--json";
	char *argv[] = {a0, a1, (char *)(uintptr_t)dir, a3, a4, NULL};
	posix_spawn_file_actions_t fa;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return DS_ENOMEM;
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, wfd, 1);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, wfd, 2);
	if (rc == 0)
		rc = posix_spawn(&w->pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		errno = rc; /* posix_spawn() returns its error; the caller reports errno */
	return rc == 0 ? DS_OK : DS_EIO;
}

enum ds_err worker_start(const char *exe, const char *dir, struct worker **out)
{
	struct worker *w = calloc(1, sizeof *w);
	int p[2] = {-1, -1};
	enum ds_err e = DS_ENOMEM;

	*out = NULL;
	if (w == NULL)
		goto fail;
	e = DS_EIO;
	/* Both ends close-on-exec: the child's copies are the dup2()s onto 1 and 2 only. */
	if (pipe(p) != 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
		goto fail;
	if ((e = worker_spawn(w, exe, dir, p[1])) != DS_OK)
		goto fail;
	close(p[1]);
	w->fd = p[0];
	*out = w;
	return DS_OK;
fail:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	free(w);
	return e;
}

int worker_fd(const struct worker *w)
{
	return w->fd;
}

pid_t worker_pid(const struct worker *w)
{
	return w->pid;
}

int worker_read(struct worker *w)
{
	char drop[256];
	ssize_t n;

	while (w->fd >= 0) {
		/* Beyond WORKER_OUT_MAX the output is read and dropped, so the child never
		 * blocks on a full pipe. */
		if (w->len < WORKER_OUT_MAX)
			n = read(w->fd, w->out + w->len, WORKER_OUT_MAX - w->len);
		else
			n = read(w->fd, drop, sizeof drop);
		if (n > 0) {
			w->len += w->len < WORKER_OUT_MAX ? (size_t)n : 0;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		close(w->fd); /* EOF, or an error that will not go away */
		w->fd = -1;
	}
	return 1;
}

/* Wait for W's child, giving up after TIMEOUT_MS (< 0: no limit). Returns 1 when reaped. */
static int worker_wait(struct worker *w, long timeout_ms, int *status, struct rusage *ru)
{
	struct timespec pause = {0, WORKER_POLL_NS};
	long waited_ms = 0;
	pid_t got;

	for (;;) {
		got = wait4(w->pid, status, timeout_ms < 0 ? 0 : WNOHANG, ru);
		if (got == w->pid)
			return 1;
		if (got < 0 && errno != EINTR)
			return 1; /* not our child any more: nothing left to reap */
		if (got == 0) {
			if (waited_ms >= timeout_ms)
				return 0;
			nanosleep(&pause, NULL);
			waited_ms += WORKER_POLL_NS / 1000000L;
		}
	}
}

static void worker_free(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

void worker_done(struct worker *w, struct worker_result *r)
{
	struct rusage ru;
	int status = 0;

	memset(&ru, 0, sizeof ru);
	while (worker_read(w) == 0) {
		/* The child still writes: a blocking wait would deadlock on a full pipe. */
		struct timespec pause = {0, WORKER_POLL_NS};

		nanosleep(&pause, NULL);
	}
	worker_wait(w, -1, &status, &ru);
	w->out[w->len] = '\0';
	worker_parse(w->out, status, r);
	r->peak_rss_kb = ru.ru_maxrss; /* Linux: kilobytes */
	worker_free(w);
}

void worker_stop(struct worker *w)
{
	struct rusage ru;
	int status;

	if (w == NULL)
		return;
	kill(w->pid, SIGTERM);
	if (!worker_wait(w, WORKER_STOP_MS, &status, &ru)) {
		kill(w->pid, SIGKILL);
		worker_wait(w, -1, &status, &ru);
	}
	worker_free(w);
}

/* The sync status an exit code of `sync` stands for (docs/AGENT.md, EXIT STATUS). */
static enum sync_status worker_status(int status)
{
	if (!WIFEXITED(status))
		return SYNC_UNREACHABLE; /* killed: nothing was lost, so try again later */
	switch (WEXITSTATUS(status)) {
	case AGENT_EXIT_OK:
		return SYNC_OK;
	case AGENT_EXIT_UNREACHABLE:
		return SYNC_UNREACHABLE;
	case AGENT_EXIT_FAIL:
	case AGENT_EXIT_STORE:
		return SYNC_LOCAL;
	default:
		return SYNC_REFUSED;
	}
}

/* The first line of OUTPUT that is not the JSON report, without the program's prefix. */
static void worker_text(const char *output, char *msg)
{
	const char *line = output, *end;
	const char *prefix = "doorstep-agent: ";

	while (*line == '{' || *line == '\n') {
		line = strchr(line, '\n');
		if (line == NULL)
			return;
		line++;
	}
	if (strncmp(line, prefix, strlen(prefix)) == 0)
		line += strlen(prefix);
	end = strchr(line, '\n');
	snprintf(msg, SYNC_MSG_MAX, "%.*s", (int)(end ? end - line : (long)strlen(line)), line);
}

void worker_parse(const char *output, int status, struct worker_result *r)
{
	const char *at = output[0] == '{' ? output : strstr(output, "\n{");
	json_t *j = NULL;
	const char *m;

	memset(r, 0, sizeof *r);
	r->status = worker_status(status);
	r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->waiting = -1;
	if (at != NULL)
		j = json_loads(at + (at[0] == '\n'), JSON_DISABLE_EOF_CHECK, NULL);
	if (json_is_integer(json_object_get(j, "waiting"))) {
		r->pushed = json_integer_value(json_object_get(j, "pushed"));
		r->pulled = json_integer_value(json_object_get(j, "pulled"));
		r->waiting = json_integer_value(json_object_get(j, "waiting"));
		r->requests = json_integer_value(json_object_get(j, "requests"));
		r->connections = json_integer_value(json_object_get(j, "connections"));
	}
	if (r->status != SYNC_OK) {
		m = json_string_value(json_object_get(j, "message"));
		if (m != NULL)
			snprintf(r->message, SYNC_MSG_MAX, "%s", m);
		else
			worker_text(output, r->message);
		if (r->message[0] == '\0')
			snprintf(r->message, SYNC_MSG_MAX, "the sync process %s %d",
			         r->exit_code >= 0 ? "exited with status" : "was killed by signal",
			         r->exit_code >= 0 ? r->exit_code : WTERMSIG(status));
	}
	json_decref(j);
}
