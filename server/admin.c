/* admin.c: upserts of reference data; identifiers are short ASCII so they are safe in logs. */
#include <string.h>

#include "geo.h"
#include "model.h"
#include "server/admin.h"
#include "text.h"

static int admin_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n <= MODEL_ID_MAX && strspn(id, "abcdefghijklmnopqrstuvwxyz"
	       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static int admin_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0 && n <= MODEL_NAME_MAX && text_valid_utf8(name, n);
}

enum ds_err admin_office_add(struct store *s, const char *id, const char *name, double lat,
                             double lon)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if (!admin_id_ok(id) || !admin_name_ok(name) || !geo_valid(lat, lon))
		return DS_EINVAL;
	if ((rc = store_prepare(s, "INSERT INTO offices(id, name, lat, lon) VALUES (?1, ?2, ?3, ?4)"
	                           " ON CONFLICT(id) DO UPDATE SET name = ?2, lat = ?3, lon = ?4",
	                           &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, lat);
	sqlite3_bind_double(st, 4, lon);
	rc = sqlite3_step(st) == SQLITE_DONE ? DS_OK : store_fail(s, sqlite3_errcode(s->db));
	sqlite3_finalize(st);
	return rc;
}

enum ds_err admin_courier_add(struct store *s, const char *id, const char *name,
                              const char *office, int start_min, int end_min)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if (!admin_id_ok(id) || !admin_name_ok(name) || start_min >= end_min)
		return DS_EINVAL;
	if ((rc = store_prepare(s, "INSERT INTO couriers(id, name, office_id, shift_start_min,"
	                           " shift_end_min) SELECT ?1, ?2, id, ?4, ?5"
	                           " FROM offices WHERE id = ?3"
	                           " ON CONFLICT(id) DO UPDATE SET name = ?2, office_id = ?3,"
	                           " shift_start_min = ?4, shift_end_min = ?5", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, office, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, start_min);
	sqlite3_bind_int(st, 5, end_min);
	return store_write_one(s, st);
}

static int admin_hhmm(const char *s, int *min)
{
	if (strlen(s) < 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	*min = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
	return *min <= 24 * 60 ? 0 : -1;
}

enum ds_err admin_parse_shift(const char *s, int *start_min, int *end_min)
{
	if (s == NULL || strlen(s) != 11 || s[5] != '-' || admin_hhmm(s, start_min) ||
	    admin_hhmm(s + 6, end_min) || *start_min >= *end_min)
		return DS_EINVAL;
	return DS_OK;
}
