/* appt.c: the pull half of sync. A change bumps the appointment's rev from one global
 * counter, so "everything after cursor N" is an indexed range scan. */
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "model.h"
#include "server/appt.h"
#include "wire.h"

static void appt_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static void appt_row(sqlite3_stmt *st, struct model_appointment *a)
{
	memset(a, 0, sizeof *a);
	appt_text(st, 0, a->code, sizeof a->code);
	a->kind = strcmp((const char *)sqlite3_column_text(st, 1), "deliver") == 0 ?
	          MODEL_KIND_DELIVER : MODEL_KIND_COLLECT;
	appt_text(st, 2, a->citizen, sizeof a->citizen);
	appt_text(st, 3, a->phone, sizeof a->phone);
	appt_text(st, 4, a->address, sizeof a->address);
	a->lat = sqlite3_column_double(st, 5);
	a->lon = sqlite3_column_double(st, 6);
	a->window_start_ms = sqlite3_column_int64(st, 7);
	a->window_end_ms = sqlite3_column_int64(st, 8);
	a->offset_min = sqlite3_column_int(st, 9);
	a->service_min = sqlite3_column_int(st, 10);
	a->due_ms = sqlite3_column_int64(st, 11);
	appt_text(st, 12, a->status, sizeof a->status);
	a->stop = sqlite3_column_int(st, 13);
	a->eta_ms = sqlite3_column_int64(st, 14);
	a->round_version = sqlite3_column_int64(st, 15);
}

static enum ds_err appt_current(struct store *s, const char *courier, int64_t cursor, json_t *arr)
{
	struct model_appointment a;
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int step;

	if ((rc = store_cached(s, "SELECT code, kind, citizen, phone, address, lat, lon,"
	                          " window_start_ms, window_end_ms, offset_min, service_min, due_ms,"
	                          " status, stop_no, eta_ms, round_version FROM appointments"
	                          " WHERE courier_id = ? AND rev > ? ORDER BY rev, code", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, courier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cursor);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		appt_row(st, &a);
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
		appt_text(st, 0, a.code, sizeof a.code);
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
