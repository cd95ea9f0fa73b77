/* report.h: the table a province reports, for Doorstep's part of the work, per office and in
 * total: booked, collected, delivered, on time or late, failed visits by reason, pending,
 * overdue. */
#ifndef DS_REPORT_H
#define DS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "server/db/store.h"

enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_JSON };

struct report_query {
	const char *office;    /* NULL = every office */
	int64_t from_day;      /* local calendar days since 1970-01-01 of window_start; inclusive */
	int64_t to_day;        /* inclusive; INT64_MAX = no end */
	int64_t now_ms;        /* what "overdue" is measured against */
	enum report_format format;
};

/* Write the report for Q to OUT. */
DS_WUR enum ds_err report_write(struct store *s, const struct report_query *q, FILE *out);

#endif
