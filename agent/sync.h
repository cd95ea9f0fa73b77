/* sync.h: when and how the outbox reaches the server: enrolment and the push/pull round trip
 * of docs/PROTOCOL.md. The HTTPS is done by the helper program doorstep-agent-sync
 * (agent/helper.h), which holds libcurl; everything else is here. The server's certificate
 * is self-signed; trust is its public-key pin. */
#ifndef AGENT_SYNC_H
#define AGENT_SYNC_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "agent/settings.h"
#include "agent/cred.h"
#include "agent/ledger.h"

#define SYNC_MSG_MAX 300          /* room for a message to the courier */
#define SYNC_ROUNDS_MAX 10000     /* batches in one sync, a guard against a server loop */

enum sync_status {
	SYNC_OK,
	SYNC_UNREACHABLE,  /* no connection, timeout or 5xx: retry later, nothing lost */
	SYNC_REFUSED,      /* a 4xx or a reply that breaks the protocol: needs a person */
	SYNC_PIN,          /* the server's key does not match the pin */
	SYNC_LOCAL,        /* the local store failed (full, locked) */
	SYNC_HELPER,       /* the HTTPS helper is missing or cannot start: nothing sent */
};

/* What one sync did. */
struct sync_report {
	int64_t pushed;            /* events the server acknowledged */
	int64_t duplicates;        /* of those, already on the server */
	int64_t pulled;            /* appointment changes applied */
	int64_t waiting;           /* events still in the outbox afterwards */
	int64_t requests;
	int64_t connections;       /* new connections made; 1 when keep-alive held throughout */
	int64_t body_bytes;        /* request bodies as sent (gzip), total */
	int64_t plain_bytes;       /* the same before compression */
	long http_status;          /* of the last request, 0 if none */
	int64_t last_seq;          /* the server's highest seq of this device, 0 if not told */
	int64_t renumbered;        /* outbox events given numbers after the server's last_seq */
	char message[SYNC_MSG_MAX];/* for the courier when not SYNC_OK */
};

struct sync_client;

/* A client for C's server and pin with TOKEN (may be NULL for enrolment). Its helper process
 * starts with the first request and lives as long as the client, so connections are reused.
 * OUT: *CL; caller frees with sync_client_free(). */
DS_WUR enum ds_err sync_client_new(const struct settings *c, const char *token,
                                   struct sync_client **cl);

/* Make CL's requests give up (as unreachable) soon after *STOP becomes non-zero, so a daemon
 * asked to stop does not wait for a slow server. STOP is borrowed for CL's life. */
void sync_client_abort_on(struct sync_client *cl, volatile sig_atomic_t *stop);

/* Free CL, ending its helper. Accepts NULL. */
void sync_client_free(struct sync_client *cl);

/* Exchange the one-time CODE for a credential (OUT: C) and OUT: *SERVER_MS, the server's
 * clock (0 when not given). MSG (SYNC_MSG_MAX) says what failed. */
enum sync_status sync_enroll(struct sync_client *cl, const char *code, const char *device_name,
                             struct cred *c, int64_t *server_ms, char *msg);

/* Push the outbox in batches and pull appointment changes until the outbox is empty or a
 * request fails. Acked events are deleted, and the cursor and appointments saved, in one
 * transaction per batch. The local sequence follows the server's last_seq, and an outbox
 * refused for numbers the server already holds is renumbered after it and sent again (once
 * per run). OUT: R. */
enum sync_status sync_run(struct sync_client *cl, struct ledger *st, struct sync_report *r);

#endif
