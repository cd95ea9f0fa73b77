/* row.c: one reader of an appointment's columns for the agent's store and the server's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "row.h"

#define ROW_KIND_MAX 16 /* "collect" or "deliver", with room to spare */

void row_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

double row_real(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

void row_bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

void row_appointment(sqlite3_stmt *st, int first, struct model_appointment *a)
{
	char kind[ROW_KIND_MAX];
	int c = first;

	memset(a, 0, sizeof *a);
	row_text(st, c++, a->code, sizeof a->code);
	row_text(st, c++, kind, sizeof kind);
	if (model_kind_parse(kind, &a->kind) != DS_OK)
		a->kind = MODEL_KIND_DELIVER;
	row_text(st, c++, a->citizen, sizeof a->citizen);
	row_text(st, c++, a->phone, sizeof a->phone);
	row_text(st, c++, a->address, sizeof a->address);
	a->lat = row_real(st, c++);
	a->lon = row_real(st, c++);
	a->window_start_ms = sqlite3_column_int64(st, c++);
	a->window_end_ms = sqlite3_column_int64(st, c++);
	a->due_ms = sqlite3_column_int64(st, c++);
	a->offset_min = sqlite3_column_int(st, c++);
	a->service_min = sqlite3_column_int(st, c++);
	row_text(st, c++, a->status, sizeof a->status);
	a->stop = sqlite3_column_int(st, c++);
	a->eta_ms = sqlite3_column_int64(st, c++);
	a->round_version = sqlite3_column_int64(st, c);
}
