/* report.c: figures come from appointment state derived from events (see ingest.c), so
 * the report always agrees with `export events`. An appointment belongs to the period of
 * its booked window's local date. On time means done by the end of the booked window and
 * by the legal due time; late is counted against each separately, as the province's table
 * counts "Quá hạn" against the due time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "server/csvcell.h"
#include "server/jdoc.h"
#include "server/report.h"

#define REPORT_PCT_DIGITS 6 /* significant digits of a percentage in the JSON report */

#define REPORT_MAX_OFFICES 1000

struct report_row {
	char office[MODEL_ID_MAX + 1];
	long booked, collects, delivers, collected, delivered, on_time, late_window, late_due;
	long pending, overdue, visits_failed;
	long fail_by_reason[MODEL_REASONS];
};

static const char report_where[] =
	" WHERE (?1 IS NULL OR a.office_id = ?1)"
	" AND (a.window_start_ms + a.offset_min * 60000) / 86400000 BETWEEN ?2 AND ?3";

static void report_bind(sqlite3_stmt *st, const struct report_query *q)
{
	if (q->office != NULL)
		sqlite3_bind_text(st, 1, q->office, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, q->from_day);
	sqlite3_bind_int64(st, 3, q->to_day);
	sqlite3_bind_int64(st, 4, q->now_ms);
}

static struct report_row *report_find(struct report_row *rows, size_t *n, const char *office)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(rows[i].office, office) == 0)
			return &rows[i];
	if (*n >= REPORT_MAX_OFFICES)
		return NULL;
	memset(&rows[*n], 0, sizeof rows[*n]);
	snprintf(rows[*n].office, sizeof rows[*n].office, "%s", office);
	return &rows[(*n)++];
}

static enum ds_err report_counts(struct store *s, const struct report_query *q,
                                 struct report_row *rows, size_t *n)
{
	char sql[1024];
	sqlite3_stmt *st = NULL;
	struct report_row *r;
	enum ds_err rc;
	int i;

	snprintf(sql, sizeof sql, "SELECT a.office_id, count(*), sum(a.kind = 'collect'),"
	         " sum(a.kind = 'deliver'), sum(a.status = "
	         "'collected'), sum(a.status = 'delivered'),"
	         " sum(a.done_ms IS NOT NULL AND a.done_ms <= "
	         "a.window_end_ms AND a.done_ms <= a.due_ms),"
	         " sum(a.done_ms > a.window_end_ms), sum(a.done_ms > a.due_ms),"
	         " sum(a.done_ms IS NULL AND a.due_ms >= "
	         "?4), sum(a.done_ms IS NULL AND a.due_ms < ?4)"
	         " FROM appointments a%s GROUP BY a.office_id ORDER BY a.office_id", report_where);
	if ((rc = store_prepare(s, sql, &st)) != DS_OK)
		return rc;
	report_bind(st, q);
	while (sqlite3_step(st) == SQLITE_ROW) {
		r = report_find(rows, n, (const char *)sqlite3_column_text(st, 0));
		if (r == NULL)
			break;
		long *f[] = {&r->booked, &r->collects, &r->delivers, &r->collected, &r->delivered,
		             &r->on_time, &r->late_window, &r->late_due, &r->pending, &r->overdue};
		for (i = 0; i < 10; i++)
			*f[i] = sqlite3_column_int64(st, i + 1);
	}
	sqlite3_finalize(st);
	return DS_OK;
}

static enum ds_err report_failures(struct store *s, const struct report_query *q,
                                   struct report_row *rows, size_t *n)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	struct report_row *r;
	enum model_fail_reason reason;
	enum ds_err rc;

	snprintf(sql, sizeof sql, "SELECT a.office_id, e.reason, count(*) FROM events e"
	         " JOIN appointments a ON a.code = e.appointment%s AND e.type = 'fail'"
	         " AND ?4 = ?4 GROUP BY 1, 2", report_where);
	if ((rc = store_prepare(s, sql, &st)) != DS_OK)
		return rc;
	report_bind(st, q);
	while (sqlite3_step(st) == SQLITE_ROW) {
		r = report_find(rows, n, (const char *)sqlite3_column_text(st, 0));
		if (r == NULL)
			break;
		if (model_reason_parse((const char *)sqlite3_column_text(st, 1), &reason) != DS_OK)
			reason = MODEL_REASON_OTHER;
		r->fail_by_reason[reason] += sqlite3_column_int64(st, 2);
		r->visits_failed += sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return DS_OK;
}

static void report_add(struct report_row *t, const struct report_row *r)
{
	int i;

	t->booked += r->booked; t->collects += r->collects; t->delivers += r->delivers;
	t->collected += r->collected; t->delivered += r->delivered; t->on_time += r->on_time;
	t->late_window += r->late_window; t->late_due += r->late_due; t->pending += r->pending;
	t->overdue += r->overdue; t->visits_failed += r->visits_failed;
	for (i = 0; i < MODEL_REASONS; i++)
		t->fail_by_reason[i] += r->fail_by_reason[i];
}

static double report_pct(long part, long whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static void report_text_row(FILE *out, const struct report_row *r)
{
	long done = r->collected + r->delivered;

	fprintf(out, "%-12s %6ld %6ld %6ld %6ld %6.2f%% %6ld %6ld %6ld %6ld %6ld\n", r->office,
	        r->booked, r->collected, r->delivered, r->on_time, report_pct(r->on_time, done),
	        r->late_window, r->late_due, r->visits_failed, r->pending, r->overdue);
}

static void report_text(FILE *out, const struct report_row *rows, size_t n,
                        const struct report_row *t)
{
	size_t i;
	int k;

	fprintf(out, "%-12s %6s %6s %6s %6s %7s %6s %6s %6s %6s %6s\n", "office", "booked",
	        "collct", "delivd", "ontime", "ontime%", "lateW", "lateD", "failed", "pendng",
	        "overdu");
	for (i = 0; i < n; i++)
		report_text_row(out, &rows[i]);
	report_text_row(out, t);
	fprintf(out, "\nfailed visits by reason (total):\n");
	for (k = 1; k < MODEL_REASONS; k++)
		fprintf(out, "  %-16s %ld\n", model_reason_name((enum model_fail_reason)k),
		        t->fail_by_reason[k]);
	fprintf(out,
	        "\nbooked: appointments in the period; collct/delivd: done; ontime: done within"
	        " the window and by the due time;\nlateW/lateD: done after the window / after the"
	        " legal due time; failed: failed visits; pendng: not done, not yet due; overdu: not"
	        " done, past due.\n");
}

/* R as one object of the JSON report, its members in a fixed order. Non-zero when G fails. */
static int report_json_row(yajl_gen g, const struct report_row *r)
{
	int k, rc = yajl_gen_map_open(g) != yajl_gen_status_ok || jdoc_kstr(g, "office", r->office);

	rc = rc || jdoc_kint(g, "booked", r->booked) || jdoc_kint(g, "collect_booked", r->collects);
	rc = rc || jdoc_kint(g, "deliver_booked", r->delivers);
	rc = rc || jdoc_kint(g, "collected", r->collected);
	rc = rc || jdoc_kint(g, "delivered", r->delivered) || jdoc_kint(g, "on_time", r->on_time);
	rc = rc || jdoc_kint(g, "late_window", r->late_window);
	rc = rc || jdoc_kint(g, "late_due", r->late_due);
	rc = rc || jdoc_kint(g, "failed_visits", r->visits_failed);
	rc = rc || jdoc_kint(g, "pending", r->pending) || jdoc_kint(g, "overdue", r->overdue);
	rc = rc || jdoc_kreal(g, "on_time_pct", report_pct(r->on_time, r->collected + r->delivered),
	                      REPORT_PCT_DIGITS);
	rc = rc || jdoc_str(g, "failed_by_reason") || yajl_gen_map_open(g) != yajl_gen_status_ok;
	for (k = 1; k < MODEL_REASONS && !rc; k++)
		rc = jdoc_kint(g, model_reason_name((enum model_fail_reason)k),
		               r->fail_by_reason[k]);
	return rc || yajl_gen_map_close(g) != yajl_gen_status_ok ||
	       yajl_gen_map_close(g) != yajl_gen_status_ok;
}

static void report_csv_row(FILE *out, const struct report_row *r)
{
	int k;

	csvcell_text(out, r->office);
	fprintf(out, ",%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%.2f", r->booked,
	        r->collects, r->delivers, r->collected, r->delivered, r->on_time, r->late_window,
	        r->late_due, r->visits_failed, r->pending, r->overdue,
	        report_pct(r->on_time, r->collected + r->delivered));
	for (k = 1; k < MODEL_REASONS; k++)
		fprintf(out, ",%ld", r->fail_by_reason[k]);
	fputc('\n', out);
}

static void report_csv(FILE *out, const struct report_row *rows, size_t n,
                       const struct report_row *t)
{
	size_t i;
	int k;

	fprintf(out, "office,booked,collect_booked,deliver_booked,collected,delivered,on_time,"
	        "late_window,late_due,failed_visits,pending,overdue,on_time_pct");
	for (k = 1; k < MODEL_REASONS; k++)
		fprintf(out, ",fail_%s", model_reason_name((enum model_fail_reason)k));
	fputc('\n', out);
	for (i = 0; i < n; i++)
		report_csv_row(out, &rows[i]);
	report_csv_row(out, t);
}

/* The JSON report, one member a line, indented a space a level (yajl's generator ends it
 * with a newline). */
static enum ds_err report_json(FILE *out, const struct report_row *rows, size_t n,
                               const struct report_row *t)
{
	yajl_gen g = jdoc_gen(1);
	char *text = NULL;
	size_t i, len = 0;
	int rc = g == NULL || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	         jdoc_str(g, "offices") || yajl_gen_array_open(g) != yajl_gen_status_ok;

	for (i = 0; i < n && !rc; i++)
		rc = report_json_row(g, &rows[i]);
	rc = rc || yajl_gen_array_close(g) != yajl_gen_status_ok || jdoc_str(g, "total") ||
	     report_json_row(g, t) || yajl_gen_map_close(g) != yajl_gen_status_ok ||
	     (text = jdoc_text(g, &len)) == NULL;
	if (!rc && fwrite(text, 1, len, out) != len)
		rc = 1;
	free(text);
	if (g != NULL)
		yajl_gen_free(g);
	return rc ? DS_ENOMEM : DS_OK;
}

enum ds_err report_write(struct store *s, const struct report_query *q, FILE *out)
{
	struct report_row *rows = calloc(REPORT_MAX_OFFICES, sizeof *rows), total;
	size_t n = 0, i;
	enum ds_err rc = DS_ENOMEM;

	if (rows == NULL)
		return rc;
	if ((rc = report_counts(s, q, rows, &n)) != DS_OK ||
	    (rc = report_failures(s, q, rows, &n)) != DS_OK)
		goto fail;
	memset(&total, 0, sizeof total);
	snprintf(total.office, sizeof total.office, "TOTAL");
	for (i = 0; i < n; i++)
		report_add(&total, &rows[i]);
	if (q->format == REPORT_TEXT)
		report_text(out, rows, n, &total);
	else if (q->format == REPORT_CSV)
		report_csv(out, rows, n, &total);
	else
		rc = report_json(out, rows, n, &total);
fail:
	free(rows);
	return rc;
}
