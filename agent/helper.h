/* helper.h: the agent's side of doorstep-agent-sync, the helper program that does the agent's
 * HTTPS (libcurl, TLS with the enrolled pin, timeouts, gzip): finding it, starting it, one
 * request at a time over its pipes (agent/relay.h) and stopping it. The helper only carries
 * bytes; what to send and what a reply means stay in the agent (agent/sync.c). */
#ifndef AGENT_HELPER_H
#define AGENT_HELPER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HELPER_PROGRAM "doorstep-agent-sync"
#define HELPER_ENV "DOORSTEP_LIBEXEC_DIR" /* the helper's directory, first choice */
#define HELPER_PATH_MAX 1024      /* longest path of the helper */
#define HELPER_MSG_MAX 300        /* room for a message (where it looked, what failed) */
#define HELPER_GRACE_MS 5000      /* a reply later than the total timeout by this: stuck */
#define HELPER_STOP_MS 2000       /* an idle helper gets this long to exit, then SIGKILL */

/* How the helper connects. The strings are borrowed for helper_start() only. */
struct helper_conf {
	const char *base;             /* server URL, "https://HOST:PORT" */
	const char *pin;              /* "sha256//BASE64" */
	const char *token;            /* bearer token, or NULL (enrolment) */
	long connect_timeout_ms;
	long total_timeout_ms;
	volatile sig_atomic_t *stop;  /* give up waiting once set; may be NULL; borrowed for
	                               * the helper's life */
};

enum helper_result {
	HELPER_OK,                    /* the server replied (whatever its status) */
	HELPER_UNREACHABLE,           /* no reply: network, timeout, helper gone or stopped */
	HELPER_PIN,                   /* the server's key does not match the pin */
};

/* What one request got. */
struct helper_reply {
	long http_status;             /* 0 when no reply */
	char *body;                   /* NUL-terminated; caller frees with free(); may be NULL */
	size_t len;
	int64_t connections;          /* connections the request opened (0: it reused one) */
	int64_t sent_bytes;           /* the request body as sent (gzip when asked) */
	char message[HELPER_MSG_MAX]; /* what failed, when not HELPER_OK */
};

struct helper;

/* Where the helper is, into OUT: PATH (HELPER_PATH_MAX): in ENV_DIR when it is set and not
 * empty (nowhere else then); otherwise the first of the compile-time DOORSTEP_LIBEXECDIR,
 * SELF_EXE's ../libexec/doorstep and ../libexec (the build tree) that holds it. SELF_EXE may
 * be NULL. DS_ENOTFOUND with MSG (HELPER_MSG_MAX) naming the places looked at. */
DS_WUR enum ds_err helper_locate(const char *env_dir, const char *self_exe, char *path,
                                 char *msg);

/* helper_locate() with $DOORSTEP_LIBEXEC_DIR and the running program (/proc/self/exe). */
DS_WUR enum ds_err helper_find(char *path, char *msg);

/* Start the helper at PATH for C and send it C. OUT: *H; caller ends it with helper_stop().
 * DS_EIO with MSG (HELPER_MSG_MAX) saying why when it cannot be started. The process must
 * ignore SIGPIPE (the agent does), so a helper that died is an error, not a signal. */
DS_WUR enum ds_err helper_start(const char *path, const struct helper_conf *c,
                                struct helper **h, char *msg);

/* POST BODY[0..LEN) (JSON) to PATH ("/v1/sync") through H, gzip-compressed when GZIP, and
 * wait for the reply. OUT: R. After anything but HELPER_OK, H only accepts helper_stop(). */
enum helper_result helper_post(struct helper *h, const char *path, const void *body, size_t len,
                               int gzip, struct helper_reply *r);

/* End the helper: close its input (it exits), or kill it when a request was cut short; reap
 * it and free H. Accepts NULL. */
void helper_stop(struct helper *h);

#endif
