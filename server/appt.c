/* appt.c: the pull half of sync. A change bumps the appointment's rev from one global
 * counter, so "everything after cursor N" is an indexed range scan. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "canon.h"
#include "isotime.h"
#include "model.h"
#include "row.h"
#include "server/appt.h"
#include "server/jdoc.h"

/* An optional text member: left out when empty. */
static int appt_put_str(yajl_gen g, const char *k, const char *v)
{
	return v[0] != '\0' && jdoc_kstr(g, k, v);
}

/* An optional real member, rounded to 1/SCALE as wire.c rounds it: left out when unknown. */
static int appt_put_real(yajl_gen g, const char *k, double v, double scale)
{
	return isfinite(v) && jdoc_kreal(g, k, canon_round(v, scale), CANON_REAL_DIGITS);
}

/* An optional time member in the appointment's own offset: left out when unknown. */
static int appt_put_time(yajl_gen g, const char *k, int64_t ms, int offset_min)
{
	char t[ISOTIME_MAX_LEN + 1];

	if (ms == 0 || isotime_format(ms, offset_min, t, sizeof t) != DS_OK)
		return 0;
	return jdoc_kstr(g, k, t);
}

int appt_write(yajl_gen g, const struct model_appointment *a)
{
	int rc = yajl_gen_map_open(g) != yajl_gen_status_ok || jdoc_kstr(g, "code", a->code);

	if (a->removed)
		return rc || jdoc_str(g, "removed") || yajl_gen_bool(g, 1) != yajl_gen_status_ok ||
		       yajl_gen_map_close(g) != yajl_gen_status_ok;
	rc = rc || jdoc_kstr(g, "kind", model_kind_name(a->kind));
	rc = rc || appt_put_str(g, "citizen", a->citizen) || appt_put_str(g, "phone", a->phone);
	rc = rc || appt_put_str(g, "address", a->address);
	rc = rc || appt_put_real(g, "lat", a->lat, 1e7) || appt_put_real(g, "lon", a->lon, 1e7);
	rc = rc || appt_put_time(g, "window_start", a->window_start_ms, a->offset_min);
	rc = rc || appt_put_time(g, "window_end", a->window_end_ms, a->offset_min);
	rc = rc || appt_put_time(g, "due", a->due_ms, a->offset_min);
	rc = rc || jdoc_kint(g, "service_min", a->service_min);
	rc = rc || appt_put_str(g, "status", a->status);
	rc = rc || (a->stop > 0 && jdoc_kint(g, "stop", a->stop));
	rc = rc || appt_put_time(g, "eta", a->eta_ms, a->offset_min);
	rc = rc || (a->round_version > 0 && jdoc_kint(g, "round_version", a->round_version));
	return rc || yajl_gen_map_close(g) != yajl_gen_status_ok;
}

static enum ds_err appt_current(struct store *s, const char *courier, int64_t cursor, yajl_gen g)
{
	struct model_appointment a;
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int step;

	if ((rc = store_cached(s, "SELECT " ROW_APPOINTMENT_COLUMNS("stop_no")
	                          " FROM appointments"
	                          " WHERE courier_id = ? AND rev > ? ORDER BY rev, code",
	                          &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, courier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cursor);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		row_appointment(st, 0, &a);
		if (appt_write(g, &a) != 0) {
			rc = DS_ENOMEM;
			break;
		}
	}
	if (rc == DS_OK && step != SQLITE_DONE)
		rc = store_fail(s, step);
	sqlite3_reset(st);
	return rc;
}

static enum ds_err appt_moved(struct store *s, const char *courier, int64_t cursor, yajl_gen g)
{
	struct model_appointment a;
	sqlite3_stmt *st = NULL;
	enum ds_err rc = DS_OK;

	if ((rc = store_cached(s, "SELECT m.code FROM appointment_moves m JOIN appointments a"
	                          " ON a.code = m.code WHERE m.courier_id = ?1 AND m.rev > ?2"
	                          " AND a.courier_id IS NOT ?1 ORDER BY m.rev, m.code",
	                          &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, courier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cursor);
	while (rc == DS_OK && sqlite3_step(st) == SQLITE_ROW) {
		memset(&a, 0, sizeof a);
		row_text(st, 0, a.code, sizeof a.code);
		a.removed = 1;
		if (appt_write(g, &a) != 0)
			rc = DS_ENOMEM;
	}
	sqlite3_reset(st);
	return rc;
}

enum ds_err appt_changes(struct store *s, const char *courier, int64_t cursor, yajl_gen g,
                         int64_t *new_cursor)
{
	enum ds_err rc;

	if ((rc = store_current_rev(s, new_cursor)) != DS_OK)
		return rc;
	if (jdoc_kint(g, "cursor", *new_cursor) || jdoc_str(g, "appointments") ||
	    yajl_gen_array_open(g) != yajl_gen_status_ok)
		return DS_ENOMEM;
	if ((rc = appt_current(s, courier, cursor, g)) != DS_OK ||
	    (cursor > 0 && (rc = appt_moved(s, courier, cursor, g)) != DS_OK))
		return rc;
	return yajl_gen_array_close(g) == yajl_gen_status_ok ? DS_OK : DS_ENOMEM;
}
