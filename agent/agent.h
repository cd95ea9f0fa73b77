/* agent.h: the agent's one state struct, created in main() and passed by pointer to every
 * command, and the documented exit codes (docs/AGENT.md). */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <signal.h>

#include "agent/settings.h"
#include "agent/diag.h"
#include "agent/now.h"
#include "agent/ledger.h"

#define AGENT_PATH_MAX 512       /* longest data dir path */
#define AGENT_DEFAULT_DIR "./agent-data"

enum agent_exit {
	AGENT_EXIT_OK = 0,
	AGENT_EXIT_FAIL = 1,         /* a local failure (file, memory, gpsd for status) */
	AGENT_EXIT_USAGE = 2,        /* bad command line, bad config, unknown appointment */
	AGENT_EXIT_UNREACHABLE = 3,  /* server unreachable or busy: nothing lost, retry later */
	AGENT_EXIT_REFUSED = 4,      /* server refused (revoked, conflict, invalid, pin mismatch) */
	AGENT_EXIT_STORE = 5,        /* local database full or locked: the act was NOT recorded */
	AGENT_EXIT_DAMAGED = 6,      /* local database damaged or lost events: run doctor
	                              * --repair */
};

struct agent {
	char dir[AGENT_PATH_MAX];    /* data dir, 0700 */
	struct settings cfg;
	struct diag log;
	struct ledger *store;         /* opened by agent_store() on first use; closed by main */
	char boot_id[NOW_BOOT_ID_MAX + 1];
	long max_pages;              /* test hook DOORSTEP_AGENT_MAX_PAGES: cap the database */
	volatile sig_atomic_t *stop; /* set by SIGTERM/SIGINT; the daemon polls it */
};

/* The agent's store, opened on first use (creating the schema) and checked (ledger.h). NULL
 * after printing why; *EXIT_CODE says which exit code fits (AGENT_EXIT_DAMAGED when the
 * check failed). Borrowed; main() closes it. */
struct ledger *agent_store(struct agent *ag, int *exit_code);

/* As agent_store(), for commands that only read (status): on a full disk the store opens
 * read-only (ledger_read_only()) instead of failing. */
struct ledger *agent_store_read(struct agent *ag, int *exit_code);

/* Build "DIR/NAME" into OUT (AGENT_PATH_MAX + 64 bytes). */
void agent_path(const struct agent *ag, const char *name, char *out);

#define AGENT_FILE_PATH_MAX (AGENT_PATH_MAX + 64)

#endif
