/* import.c: CSV parsed by libcsv (strict RFC 4180), never by hand. The file is read whole
 * and every row checked before anything is written, so a dispatcher sees every problem at
 * once and a bad file changes nothing. The input is fed to libcsv one physical line at a
 * time so each record can be reported with the line it starts on. */
#include <csv.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dossier.h"
#include "geo.h"
#include "isotime.h"
#include "model.h"
#include "server/csvcell.h"
#include "server/import.h"
#include "server/db/ingest.h"
#include "text.h"

enum { C_CODE, C_KIND, C_CITIZEN, C_PHONE, C_ADDRESS, C_LAT, C_LON, C_WSTART, C_WEND,
	C_SERVICE, C_OFFICE, C_DUE, C_COURIER, C_COUNT };

static const char *const import_columns[C_COUNT] = {"code", "kind", "citizen", "phone",
	"address", "lat", "lon", "window_start", "window_end", "service_min", "office", "due",
	"courier"};

#define IMPORT_MAX_FIELDS 32

/* One appointment row, checked. */
struct import_row {
	long line;
	char *f[C_COUNT];             /* owned copies; NULL when the column is absent */
	double lat, lon;
	int64_t wstart_ms, wend_ms, due_ms;
	int offset_min, service_min;
	int bad;                      /* a problem was reported for it (count it once) */
};

struct import_ctx {
	struct store *s;
	import_report_fn report;
	void *rctx;
	int map[IMPORT_MAX_FIELDS];    /* file column -> C_* or -1 */
	int nfile;                     /* columns in the header */
	int header_done;
	char *cur[IMPORT_MAX_FIELDS];  /* fields of the record being read */
	int ncur;
	long line, rec_line;           /* current physical line; where the record began */
	long done_line;                /* the line on which the last complete record ended */
	struct import_row *rows;
	long nrows, cap;
	long bad_rows;
	int row_bad;
	int fatal;
};

static void import_problem(struct import_ctx *c, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void import_problem(struct import_ctx *c, long line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->report(c->rctx, line, msg);
	if (!c->row_bad && line > 0)
		c->bad_rows++;
	c->row_bad = 1;
}

static void import_field_cb(void *data, size_t len, void *ctx)
{
	struct import_ctx *c = ctx;
	char *copy;

	if (c->ncur == 0)
		c->rec_line = c->line;
	if (c->ncur >= IMPORT_MAX_FIELDS || len > IMPORT_MAX_FIELD) {
		import_problem(c, c->rec_line, "%s", len > IMPORT_MAX_FIELD ?
		               "a field is longer than 1024 bytes" : "too many fields");
		return;
	}
	copy = malloc(len + 1);
	if (copy == NULL) {
		c->fatal = 1;
		return;
	}
	memcpy(copy, data ? data : "", len);
	copy[len] = '\0';
	c->cur[c->ncur++] = copy;
}

static void import_free_cur(struct import_ctx *c)
{
	int i;

	for (i = 0; i < c->ncur; i++)
		free(c->cur[i]);
	c->ncur = 0;
}

static void import_header(struct import_ctx *c)
{
	int i, k, seen[C_COUNT] = {0};

	c->header_done = 1;
	c->nfile = c->ncur;
	for (i = 0; i < c->ncur; i++) {
		c->map[i] = -1;
		for (k = 0; k < C_COUNT; k++)
			if (strcmp(c->cur[i], import_columns[k]) == 0)
				c->map[i] = k;
		if (c->map[i] < 0)
			import_problem(c, c->rec_line, "unknown column \"%s\" in the header",
			               c->cur[i]);
		else if (seen[c->map[i]]++)
			import_problem(c, c->rec_line, "column \"%s\" appears twice", c->cur[i]);
	}
	for (k = 0; k < C_COURIER; k++)
		if (!seen[k])
			import_problem(c, c->rec_line, "header lacks the column \"%s\"",
			               import_columns[k]);
	if (c->row_bad)
		c->fatal = 1;
}

static int import_parse_double(const char *s, double *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	*out = strtod(s, &end);
	return (*end != '\0' || !isfinite(*out)) ? -1 : 0;
}

static int import_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int import_phone_ok(const char *s)
{
	int digits = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != '+' && *s != ' ' && *s != '.' && *s != '-')
			return 0;
	}
	return digits >= 8 && digits <= 15;
}

/* A name for the first character of a formula start, for a message. */
static const char *import_char_name(char ch)
{
	switch (ch) {
	case '\t': return "a tab";
	case '\r': return "a carriage return";
	case '=': return "\"=\"";
	case '+': return "\"+\"";
	case '-': return "\"-\"";
	default: return "\"@\"";
	}
}

/* The free-text columns must not start like a formula: they come out again in CSV files
 * (exports, reports) that spreadsheets open. The other columns are checked by their own
 * grammar (codes, numbers, times, ids), and numbers may be negative. */
static void import_check_formulas(struct import_ctx *c, struct import_row *r)
{
	static const int text_cols[] = {C_CITIZEN, C_ADDRESS};
	size_t i;

	for (i = 0; i < sizeof text_cols / sizeof text_cols[0]; i++)
		if (csvcell_is_formula(r->f[text_cols[i]]))
			import_problem(c, r->line,
			               "column %s starts with %s, which a spreadsheet would"
			               " run as a formula", import_columns[text_cols[i]],
			               import_char_name(r->f[text_cols[i]][0]));
}

/* Checks the text columns of R; reports each problem. */
static void import_check_text(struct import_ctx *c, struct import_row *r)
{
	struct dossier_code dc;
	const char *why;
	enum model_kind kind;
	int k;

	for (k = 0; k < C_COUNT; k++)
		if (r->f[k] != NULL && !text_valid_utf8(r->f[k], strlen(r->f[k])))
			import_problem(c, r->line, "column %s is not valid UTF-8",
			               import_columns[k]);
	if (dossier_parse(r->f[C_CODE], &dc, &why) != DS_OK)
		import_problem(c, r->line, "code: %s", why);
	if (model_kind_parse(r->f[C_KIND], &kind) != DS_OK)
		import_problem(c, r->line, "kind must be collect or deliver, not \"%s\"",
		               r->f[C_KIND]);
	if (r->f[C_CITIZEN][0] == '\0' || strlen(r->f[C_CITIZEN]) > MODEL_NAME_MAX)
		import_problem(c, r->line, "%s", "citizen is empty or too long");
	if (!import_phone_ok(r->f[C_PHONE]) || strlen(r->f[C_PHONE]) > MODEL_PHONE_MAX)
		import_problem(c, r->line, "phone \"%s\" is not a phone number", r->f[C_PHONE]);
	if (r->f[C_ADDRESS][0] == '\0' || strlen(r->f[C_ADDRESS]) > MODEL_ADDRESS_MAX)
		import_problem(c, r->line, "%s", "address is empty or too long");
	if (r->f[C_OFFICE][0] == '\0')
		import_problem(c, r->line, "%s", "office is empty");
	import_check_formulas(c, r);
}

static void import_check_numbers(struct import_ctx *c, struct import_row *r)
{
	int off_end, off_due;

	if (import_parse_double(r->f[C_LAT], &r->lat) ||
	    import_parse_double(r->f[C_LON], &r->lon) ||
	    !geo_valid(r->lat, r->lon) || (r->lat == 0 && r->lon == 0))
		import_problem(c, r->line, "%s", "lat/lon are not a position in degrees");
	if (isotime_parse(r->f[C_WSTART], &r->wstart_ms, &r->offset_min) != DS_OK)
		import_problem(c, r->line, "window_start \"%s\" is not ISO 8601 with an offset",
		               r->f[C_WSTART]);
	else if (isotime_parse(r->f[C_WEND], &r->wend_ms, &off_end) != DS_OK)
		import_problem(c, r->line, "window_end \"%s\" is not ISO 8601 with an offset",
		               r->f[C_WEND]);
	else if (r->wend_ms <= r->wstart_ms)
		import_problem(c, r->line, "%s", "window_end is not after window_start");
	else if (r->wend_ms - r->wstart_ms > 24LL * 3600 * 1000)
		import_problem(c, r->line, "%s", "the window is longer than a day");
	if (isotime_parse(r->f[C_DUE], &r->due_ms, &off_due) != DS_OK)
		import_problem(c, r->line, "due \"%s\" is not ISO 8601 with an offset",
		               r->f[C_DUE]);
	if (import_parse_int(r->f[C_SERVICE], 0, 480, &r->service_min))
		import_problem(c, r->line,
		               "service_min \"%s\" is not a whole number of minutes 0-480",
		               r->f[C_SERVICE]);
}

static void import_record_cb(int term, void *ctx)
{
	struct import_ctx *c = ctx;
	struct import_row *r = NULL;
	int i;

	(void)term;
	if (!c->header_done) {
		import_header(c);
		goto done;
	}
	if (c->nrows >= IMPORT_MAX_ROWS) {
		import_problem(c, c->rec_line, "%s", "more rows than the import maximum (200000)");
		c->fatal = 1;
		goto done;
	}
	if (c->nrows == c->cap) {
		long ncap = c->cap ? c->cap * 2 : 256;
		struct import_row *n = realloc(c->rows, (size_t)ncap * sizeof *n);
		if (n == NULL) {
			c->fatal = 1;
			goto done;
		}
		c->rows = n;
		c->cap = ncap;
	}
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof *r);
	r->line = c->rec_line;
	if (c->ncur != c->nfile) {
		import_problem(c, r->line, "has %d fields, the header has %d", c->ncur, c->nfile);
		goto done;
	}
	for (i = 0; i < c->ncur; i++) {
		if (c->map[i] >= 0) {
			r->f[c->map[i]] = c->cur[i];
			c->cur[i] = NULL;
		}
	}
	import_check_text(c, r);
	import_check_numbers(c, r);
done:
	if (r != NULL)
		r->bad = c->row_bad;
	import_free_cur(c);
	c->row_bad = 0;
	c->done_line = c->line;
}

/* Reads PATH whole (at most IMPORT_MAX_BYTES). Caller frees *BUF. */
static enum ds_err import_read(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	enum ds_err rc = DS_EIO;
	struct stat st;
	size_t n;

	*buf = NULL;
	if (f == NULL)
		return DS_EIO;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		goto fail;
	rc = DS_ETOOBIG;
	if ((uint64_t)st.st_size > IMPORT_MAX_BYTES)
		goto fail;
	rc = DS_ENOMEM;
	*buf = malloc((size_t)st.st_size + 1);
	if (*buf == NULL)
		goto fail;
	n = fread(*buf, 1, (size_t)st.st_size + 1, f);
	rc = ferror(f) ? DS_EIO : n > (size_t)st.st_size ? DS_EIO : DS_OK;
	*len = n;
fail:
	fclose(f);
	return rc;
}

/* The first byte of LINE (LEN bytes) that is not UTF-8, counted from 1; 0 when all is. A
 * character is at most 4 bytes, so a step that no length up to 4 makes valid is the bad one. */
static size_t import_bad_utf8_at(const char *line, size_t len)
{
	size_t p = 0, n;

	while (p < len) {
		for (n = 1; n <= 4 && p + n <= len && !text_valid_utf8(line + p, n); n++)
			;
		if (n > 4 || p + n > len)
			return p + 1;
		p += n;
	}
	return 0;
}

/* Reports the first line of BUF that is not UTF-8, with the byte; 1 when there is one. */
static int import_check_utf8(struct import_ctx *c, const char *buf, size_t len)
{
	size_t i = 0, j, at;
	long line = 0;

	while (i < len) {
		line++;
		for (j = i; j < len && buf[j] != '\n'; j++)
			;
		if ((at = import_bad_utf8_at(buf + i, j - i)) != 0) {
			import_problem(c, line,
			               "not UTF-8 text at byte %zu of the line; save the file"
			               " as UTF-8 (CSV UTF-8 in a spreadsheet)", at);
			return 1;
		}
		i = j + 1;
	}
	return 0;
}

/* Feeds BUF to libcsv one physical line at a time, counting lines. */
static int import_parse(struct import_ctx *c, const char *buf, size_t len)
{
	struct csv_parser p;
	size_t i = 0, j;
	int ok = 1;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return 0;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		i = 3; /* a UTF-8 byte order mark, as spreadsheet programs write */
	while (i < len && ok && !c->fatal) {
		c->line++;
		for (j = i; j < len && buf[j] != '\n'; j++)
			;
		if (j < len)
			j++;
		if (csv_parse(&p, buf + i, j - i, import_field_cb, import_record_cb, c) != j - i)
			ok = 0;
		i = j;
	}
	/* Strict mode fails on a stray quote: inside an unquoted field, or one closing a quoted
	 * field that something other than a comma or a line end follows. A quote left open on
	 * an earlier line swallows the lines up to the next quote, so say where that began. */
	if (!ok && c->done_line + 1 < c->line)
		import_problem(c, c->line, "CSV syntax error: a stray quote (the record starting on"
		               " line %ld has an unclosed or stray quote)", c->done_line + 1);
	else if (!ok)
		import_problem(c, c->line, "CSV syntax error: a stray quote (quote a field whole,"
		               " and double the quotes inside it)");
	/* In strict mode the end of the file fails only inside quotes: the quote opened in the
	 * record the last complete one was followed by, and took every line after it. */
	if (ok && !c->fatal && csv_fini(&p, import_field_cb, import_record_cb, c) != 0) {
		ok = 0;
		import_problem(c, c->done_line + 1, "CSV syntax error: a quoted field in the record"
		               " starting on this line is never closed (the file ends inside it)");
	}
	csv_free(&p);
	return ok;
}

static int import_exists(struct store *s, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (store_prepare(s, sql, &st) != DS_OK)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int import_cmp_code(const void *a, const void *b)
{
	const struct import_row *x = a, *y = b;
	/* A row with the wrong number of fields has no columns: it sorts first. */
	int d = strcmp(x->f[C_CODE] ? x->f[C_CODE] : "", y->f[C_CODE] ? y->f[C_CODE] : "");

	return d ? d : (x->line > y->line) - (x->line < y->line);
}

/* Checks what needs the database or the whole file: offices, couriers, repeated codes. */
static void import_check_refs(struct import_ctx *c)
{
	struct import_row *r;
	long i;

	for (i = 0; i < c->nrows; i++) {
		r = &c->rows[i];
		if (r->f[C_OFFICE] == NULL)
			continue;
		c->row_bad = r->bad;
		if (import_exists(c->s, "SELECT 1 FROM offices WHERE id = ?", r->f[C_OFFICE],
		                  NULL) != 1)
			import_problem(c, r->line, "office \"%s\" does not exist", r->f[C_OFFICE]);
		else if (r->f[C_COURIER] != NULL && r->f[C_COURIER][0] != '\0' &&
		         import_exists(c->s,
		                       "SELECT 1 FROM couriers WHERE id = ? AND office_id = ?",
		                       r->f[C_COURIER], r->f[C_OFFICE]) != 1)
			import_problem(c, r->line, "courier \"%s\" does not exist at that office",
			               r->f[C_COURIER]);
		r->bad = c->row_bad;
		c->row_bad = 0;
	}
	if (c->nrows > 1)
		qsort(c->rows, (size_t)c->nrows, sizeof *c->rows, import_cmp_code);
	for (i = 1; i < c->nrows; i++)
		if (c->rows[i].f[C_CODE] && c->rows[i - 1].f[C_CODE] &&
		    strcmp(c->rows[i].f[C_CODE], c->rows[i - 1].f[C_CODE]) == 0) {
			c->row_bad = c->rows[i].bad;
			import_problem(c, c->rows[i].line, "code %s appears twice in the file",
			               c->rows[i].f[C_CODE]);
			c->rows[i].bad = 1;
		}
	c->row_bad = 0;
}

/* Records that CODE left its previous courier, so that courier's device hears of it. */
static enum ds_err import_note_move(struct store *s, const char *code, const char *new_courier,
                                    int64_t rev)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = store_prepare(s, "INSERT INTO appointment_moves(courier_id, code, rev)"
	                           " SELECT courier_id, code, ?3 FROM appointments WHERE code = ?1"
	                           " AND courier_id IS NOT NULL AND courier_id IS NOT ?2"
	                           " ON CONFLICT(courier_id, code)"
	                           " DO UPDATE SET rev = excluded.rev",
	                        &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, new_courier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rev);
	rc = sqlite3_step(st) == SQLITE_DONE ? DS_OK : store_fail(s, sqlite3_errcode(s->db));
	sqlite3_finalize(st);
	return rc;
}

static enum ds_err import_upsert(struct store *s, sqlite3_stmt *st, const struct import_row *r,
                                 int64_t rev, int64_t now_ms)
{
	const char *courier = (r->f[C_COURIER] && r->f[C_COURIER][0]) ? r->f[C_COURIER] : NULL;
	enum ds_err rc;
	int i;

	if ((rc = import_note_move(s, r->f[C_CODE], courier, rev)) != DS_OK)
		return rc;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (i = 0; i < 5; i++) /* code, kind, citizen, phone, address */
		sqlite3_bind_text(st, i + 1, r->f[i], -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, r->lat);
	sqlite3_bind_double(st, 7, r->lon);
	sqlite3_bind_int64(st, 8, r->wstart_ms);
	sqlite3_bind_int64(st, 9, r->wend_ms);
	sqlite3_bind_int(st, 10, r->offset_min);
	sqlite3_bind_int(st, 11, r->service_min);
	sqlite3_bind_text(st, 12, r->f[C_OFFICE], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, r->due_ms);
	if (courier != NULL)
		sqlite3_bind_text(st, 14, courier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, rev);
	sqlite3_bind_int64(st, 16, now_ms);
	return sqlite3_step(st) == SQLITE_DONE ? DS_OK : store_fail(s, sqlite3_errcode(s->db));
}

static enum ds_err import_write(struct import_ctx *c, int64_t now_ms, struct import_result *res)
{
	sqlite3_stmt *st = NULL;
	struct ingest *in = NULL;
	int64_t rev;
	enum ds_err rc;
	long i;
	int existed;

	if ((rc = store_begin(c->s)) != DS_OK)
		return rc;
	/* An update may move a window, a due time or the kind: the state derived from the
	 * appointment's events is derived again, in the same transaction. */
	if ((in = ingest_new(c->s)) == NULL) {
		rc = DS_EDB;
		goto fail;
	}
	if ((rc = store_next_rev(c->s, &rev)) != DS_OK ||
	    (rc = store_prepare(c->s,
	                        "INSERT INTO appointments(code, kind, citizen, phone, address,"
	        " lat, lon, window_start_ms, window_end_ms, offset_min, service_min, office_id,"
	        " due_ms, courier_id, pinned_courier, rev, imported_ms)"
	        " VALUES (?1,?2,?3,?4,?5,?6,?7,"
	        "?8,?9,?10,?11,?12,?13,?14,?14,?15,?16) ON CONFLICT(code) DO UPDATE SET kind=?2,"
	        " citizen=?3, phone=?4, address=?5, lat=?6, lon=?7, window_start_ms=?8,"
	        " window_end_ms=?9, offset_min=?10, service_min=?11, office_id=?12, due_ms=?13,"
	        " courier_id=?14, pinned_courier=?14, rev=?15", &st)) != DS_OK)
		goto fail;
	for (i = 0; i < c->nrows; i++) {
		existed = import_exists(c->s, "SELECT 1 FROM appointments WHERE code = ?",
		                        c->rows[i].f[C_CODE], NULL);
		if ((rc = import_upsert(c->s, st, &c->rows[i], rev, now_ms)) != DS_OK)
			goto fail;
		if (existed == 1 && (rc = ingest_derive(in, c->rows[i].f[C_CODE])) != DS_OK)
			goto fail;
		if (existed == 1)
			res->updated++;
		else
			res->inserted++;
	}
	sqlite3_finalize(st);
	st = NULL;
	ingest_free(in);
	in = NULL;
	if ((rc = store_commit(c->s)) != DS_OK)
		goto fail;
	return DS_OK;
fail:
	sqlite3_finalize(st);
	ingest_free(in);
	store_rollback(c->s);
	res->inserted = res->updated = 0;
	return rc;
}

static void import_free_rows(struct import_ctx *c)
{
	long i;
	int k;

	for (i = 0; i < c->nrows; i++)
		for (k = 0; k < C_COUNT; k++)
			free(c->rows[i].f[k]);
	free(c->rows);
	import_free_cur(c);
}

enum ds_err import_csv(struct store *s, const char *path, int64_t now_ms,
                       import_report_fn report, void *ctx, struct import_result *res)
{
	struct import_ctx c = {.s = s, .report = report, .rctx = ctx};
	char *buf = NULL;
	size_t len = 0;
	enum ds_err rc;

	memset(res, 0, sizeof *res);
	rc = import_read(path, &buf, &len);
	if (rc != DS_OK) {
		report(ctx, 0,
		       rc == DS_ETOOBIG ? "file larger than 64 MiB" : "cannot read the file");
		goto fail;
	}
	rc = DS_EINVAL;
	res->file_refused = 1;
	if (!text_valid_utf8(buf, len) && import_check_utf8(&c, buf, len))
		goto fail;
	if (!import_parse(&c, buf, len) || c.fatal)
		goto fail;
	if (!c.header_done) {
		report(ctx, 0, "the file is empty: a header row is required");
		goto fail;
	}
	res->file_refused = 0;
	import_check_refs(&c);
	res->rows = c.nrows;
	res->bad_rows = c.bad_rows;
	if (c.bad_rows > 0)
		goto fail;
	rc = import_write(&c, now_ms, res);
fail:
	res->rows = c.nrows;
	res->bad_rows = c.bad_rows;
	import_free_rows(&c);
	free(buf);
	return rc;
}
