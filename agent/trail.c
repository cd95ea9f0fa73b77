/* trail.c: breadcrumbs are rows of a time and a position already coarsened by the daemon,
 * deleted past their retention in the same transaction as the next one is added. */
#include <sqlite3.h>

#include "row.h"
#include "agent/trail.h"

static enum ds_err trail_crumb_delete(struct ledger *s, int64_t before_ms)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prepare(s, "DELETE FROM crumb WHERE at_ms < ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, before_ms);
	return ledger_step_done(s, st);
}

enum ds_err trail_crumb_add(struct ledger *s, int64_t at_ms, double lat, double lon,
                             int64_t before_ms)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_begin(s)) != DS_OK)
		return rc;
	if ((rc = trail_crumb_delete(s, before_ms)) != DS_OK ||
	    (rc = ledger_prepare(s, "INSERT INTO crumb(at_ms, lat, lon) VALUES (?,?,?)",
	                         &st)) != DS_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, at_ms);
	row_bind_real(st, 2, lat);
	row_bind_real(st, 3, lon);
	if ((rc = ledger_step_done(s, st)) != DS_OK || (rc = ledger_commit(s)) != DS_OK)
		goto fail;
	return DS_OK;
fail:
	return ledger_abort(s, rc);
}

enum ds_err trail_crumb_purge(struct ledger *s, int64_t before_ms, int64_t *n)
{
	enum ds_err rc;

	*n = 0;
	if ((rc = trail_crumb_delete(s, before_ms)) != DS_OK)
		return rc;
	return ledger_int(s, "SELECT count(*) FROM crumb", n);
}
