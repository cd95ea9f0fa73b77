/* appt.c: the pull half of sync. A change bumps the appointment's rev from one global
 * counter, so "everything after cursor N" is an indexed range scan. */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "row.h"
#include "server/appt.h"
#include "wire.h"

static enum ds_err appt_current(struct store *s, const char *courier, int64_t cursor, json_t *arr)
{
	struct model_appointment a;
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int step;

	if ((rc = store_cached(s, "SELECT " ROW_APPOINTMENT_COLUMNS("stop_no")
	                          " FROM appointments"
	                          " WHERE courier_id = ? AND rev > ? ORDER BY rev, code", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, courier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cursor);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		row_appointment(st, 0, &a);
		if (json_array_append_new(arr, wire_appointment_encode(&a)) != 0) {
			rc = DS_ENOMEM;
			break;
		}
	}
	if (rc == DS_OK && step != SQLITE_DONE)
		rc = store_fail(s, step);
	sqlite3_reset(st);
	return rc;
}

static enum ds_err appt_moved(struct store *s, const char *courier, int64_t cursor, json_t *arr)
{
	struct model_appointment a;
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = store_cached(s, "SELECT m.code FROM appointment_moves m JOIN appointments a"
	                          " ON a.code = m.code WHERE m.courier_id = ?1 AND m.rev > ?2"
	                          " AND a.courier_id IS NOT ?1 ORDER BY m.rev, m.code", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, courier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cursor);
	while (sqlite3_step(st) == SQLITE_ROW) {
		memset(&a, 0, sizeof a);
		row_text(st, 0, a.code, sizeof a.code);
		a.removed = 1;
		json_array_append_new(arr, wire_appointment_encode(&a));
	}
	sqlite3_reset(st);
	return DS_OK;
}

enum ds_err appt_changes(struct store *s, const char *courier, int64_t cursor, json_t *arr,
                         int64_t *new_cursor)
{
	enum ds_err rc;

	if ((rc = store_current_rev(s, new_cursor)) != DS_OK)
		return rc;
	if ((rc = appt_current(s, courier, cursor, arr)) != DS_OK)
		return rc;
	return cursor > 0 ? appt_moved(s, courier, cursor, arr) : DS_OK;
}
