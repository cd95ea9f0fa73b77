/* import.h: appointments from a CSV file (RFC 4180, UTF-8, header row), all or nothing. */
#ifndef DS_IMPORT_H
#define DS_IMPORT_H

#include <stddef.h>

#include "server/db/store.h"

#define IMPORT_MAX_BYTES (64u << 20) /* largest file accepted */
#define IMPORT_MAX_ROWS 200000
#define IMPORT_MAX_FIELD 1024        /* bytes in one field */

/* Called once per problem found, with the file's line number (0 = the whole file). */
typedef void (*import_report_fn)(void *ctx, long line, const char *msg);

struct import_result {
	long rows;       /* data rows read */
	long inserted;   /* new appointments */
	long updated;    /* existing codes updated */
	long bad_rows;   /* rows with at least one problem */
	int file_refused; /* the file as a whole could not be read: not UTF-8, not CSV, no header */
};

/* Check every row of the CSV at PATH and, only if all are good, upsert them in one
 * transaction at NOW_MS. Problems go to REPORT. Returns DS_OK, DS_EINVAL when any row is bad
 * (nothing changed), or another error when the file or database failed. */
DS_WUR enum ds_err import_csv(struct store *s, const char *path, int64_t now_ms,
                              import_report_fn report, void *ctx, struct import_result *res);

#endif
