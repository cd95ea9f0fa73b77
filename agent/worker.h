/* worker.h: the daemon's sync process. Each daemon sync runs `doorstep-agent --data DIR
 * sync --json` as a short-lived child, which starts the HTTPS helper doorstep-agent-sync in
 * turn (agent/helper.h): libcurl and its TLS stack (about 10 MB resident) live only in the
 * helper, and the reply's decoding and the outbox's SQLite work only in the child, so the
 * daemon stays small for a whole shift and its loop never waits on the network. Within one
 * sync the helper keeps one connection for all the batches (keep-alive); between syncs the
 * connection closes with it. The child's report is the JSON line of `sync --json` (with its
 * exit code, docs/AGENT.md); nothing else crosses. */
#ifndef AGENT_WORKER_H
#define AGENT_WORKER_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "agent/sync.h"

#define WORKER_SELF "/proc/self/exe" /* the running binary, even if replaced on disk */
#define WORKER_OUT_MAX 2048          /* child output kept (the report is one short line) */
#define WORKER_STOP_MS 3000          /* SIGTERM, then SIGKILL after this long */

/* What one sync process did. */
struct worker_result {
	enum sync_status status;     /* from the exit code; SYNC_UNREACHABLE if killed */
	int exit_code;               /* -1 when ended by a signal */
	int64_t pushed, pulled;      /* from the report; 0 when there is none */
	int64_t requests, connections;
	int64_t waiting;             /* from the report; -1 when unknown */
	long peak_rss_kb;            /* the child's peak resident memory (VmHWM) */
	char message[SYNC_MSG_MAX];  /* why it failed, for the log; "" on success */
};

struct worker;

/* Start EXE (normally WORKER_SELF) as `EXE --data DIR sync --json`, its stdout and stderr
 * on a pipe, stdin on /dev/null. OUT: *W; caller ends it with worker_done() or
 * worker_stop(). On failure errno says why. */
DS_WUR enum ds_err worker_start(const char *exe, const char *dir, struct worker **w);

/* The pipe to poll() for POLLIN. */
int worker_fd(const struct worker *w);

/* The child's pid, for the log. */
pid_t worker_pid(const struct worker *w);

/* Read what the child wrote. Returns 1 once the child has closed its output (it has
 * finished, or is about to), 0 while it runs. Never blocks. */
int worker_read(struct worker *w);

/* Reap the finished child (waits for it if needed), fill OUT: R and free W. */
void worker_done(struct worker *w, struct worker_result *r);

/* Ask the child to stop (SIGTERM: its sync gives up at once, keeping the outbox), give it
 * WORKER_STOP_MS, then SIGKILL; reap and free W. Accepts NULL. */
void worker_stop(struct worker *w);

/* Fill R from the child's OUTPUT (NUL-terminated) and its wait() STATUS. Exposed for tests. */
void worker_parse(const char *output, int status, struct worker_result *r);

#endif
