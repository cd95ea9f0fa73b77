/* row.h: SQLite rows read into the data model and its reals bound, so that both programs read
 * an appointment's columns one way and store a missing position one way: the caller selects
 * ROW_APPOINTMENT_COLUMNS (its own table's name for the stop column given) and row_appointment()
 * reads them from a column on. */
#ifndef DS_ROW_H
#define DS_ROW_H

#include <stddef.h>
#include <sqlite3.h>

#include "model.h"

/* How many columns ROW_APPOINTMENT_COLUMNS names. */
#define ROW_APPOINTMENT_NCOLS 16

/* The columns row_appointment() reads, in its order, as SQL text; STOP is the name of the
 * table's stop-number column (a string literal). */
#define ROW_APPOINTMENT_COLUMNS(STOP) "code, kind, citizen, phone, address, lat, lon," \
	" window_start_ms, window_end_ms, due_ms, offset_min, service_min, status, " STOP "," \
	" eta_ms, round_version"

/* Copy column COL of ST into OUT (LEN bytes, always NUL-terminated; "" for NULL). */
void row_text(sqlite3_stmt *st, int col, char *out, size_t len);

/* Column COL of ST as a double; NaN for NULL. */
double row_real(sqlite3_stmt *st, int col);

/* Bind V at parameter I of ST: NULL when V is NaN or infinite (a missing position). */
void row_bind_real(sqlite3_stmt *st, int i, double v);

/* Read the ROW_APPOINTMENT_NCOLS columns of ST from FIRST on into OUT: A (zeroed first).
 * An unknown kind reads as a delivery, a NULL position as NaN. */
void row_appointment(sqlite3_stmt *st, int first, struct model_appointment *a);

#endif
