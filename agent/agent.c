/* agent.c: the shared state's helpers: paths in the data dir and the store opened on first
 * use, so commands that need no database (config, --help) never create one. */
#include <stdio.h>

#include "agent/agent.h"

void agent_path(const struct agent *ag, const char *name, char *out)
{
	snprintf(out, AGENT_FILE_PATH_MAX, "%s/%s", ag->dir, name);
}

/* Say why the store did not open; OUT: *EXIT_CODE. */
static void agent_store_fail(struct agent *ag, enum ds_err rc, const struct ledger_health *h,
                             const char *err, int *exit_code)
{
	if (rc == DS_OK) {
		fprintf(stderr, "doorstep-agent: the database is %s: %s\n"
		        "doorstep-agent: the events not yet synced are kept in the journal; run "
		        "`doorstep-agent doctor --repair`\n",
		        h->state == LEDGER_LOST ? "missing events it held (lost)" : "damaged", err);
		*exit_code = AGENT_EXIT_DAMAGED;
	} else if (rc == DS_EFULL) {
		fprintf(stderr, "doorstep-agent: the device storage is full (%s): free space or "
		        "sync, then try again\n", err);
		*exit_code = AGENT_EXIT_STORE;
	} else {
		diag_msg(&ag->log, DIAG_ERROR, "cannot open the database: %s (%s)", err,
		        ds_strerror(rc));
		*exit_code = rc == DS_EBUSY ? AGENT_EXIT_STORE : AGENT_EXIT_FAIL;
	}
}

static struct ledger *agent_store_open(struct agent *ag, int flags, int *exit_code)
{
	char path[AGENT_FILE_PATH_MAX], err[LEDGER_META_MAX];
	struct ledger_health h;
	enum ds_err rc;

	if (ag->store != NULL)
		return ag->store;
	agent_path(ag, LEDGER_FILE, path);
	rc = ledger_open_checked(path, ag->max_pages, flags, &ag->store, &h, err);
	if (rc != DS_OK || h.state != LEDGER_SOUND)
		agent_store_fail(ag, rc, &h, err, exit_code);
	return ag->store;
}

struct ledger *agent_store(struct agent *ag, int *exit_code)
{
	return agent_store_open(ag, 0, exit_code);
}

struct ledger *agent_store_read(struct agent *ag, int *exit_code)
{
	return agent_store_open(ag, LEDGER_OPEN_READ_ON_FULL, exit_code);
}
