/* solomon.c: a line-by-line parser for Solomon VRPTW files. The file is walked as
 * a small state machine (name, VEHICLE, its header, the fleet line, CUSTOMER, its
 * header, rows); blank lines are skipped anywhere and a trailing '\r' is dropped,
 * so files saved on Windows read the same. Every number is checked with strtol or
 * strtod and an end pointer, and every error names its line. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/solomon.h"

#define SOLOMON_FIELDS 7        /* id, x, y, demand, ready, due, service */
#define SOLOMON_MAX_TOKENS 8

enum stage { ST_NAME, ST_VEHICLE, ST_VHEAD, ST_FLEET, ST_CUSTOMER, ST_CHEAD, ST_ROWS };

struct parse {
	struct solomon_instance *inst;
	enum stage stage;
	long line_no;
	char *err;
	size_t err_len;
};

static int fail_at(struct parse *ps, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct parse *ps, int rc, const char *fmt, ...)
{
	char msg[SOLOMON_MAX_ERR];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err != NULL && ps->err_len > 0)
		snprintf(ps->err, ps->err_len, "line %ld: %s", ps->line_no, msg);
	return rc;
}

/* Split LINE in place at blanks; returns the token count, or -1 past max. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return -1;
		tok[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* A plain decimal number: strtod alone would also take "inf", "nan" and hex. */
static int parse_num(const char *s, double *out)
{
	const char *c;
	char *end;

	for (c = s; *c != '\0'; c++)
		if (!isdigit((unsigned char)*c) && strchr(".-+eE", *c) == NULL)
			return 0;
	*out = strtod(s, &end);
	return end != s && *end == '\0' && isfinite(*out);
}

static int parse_long(const char *s, long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]) && s[0] != '-' && s[0] != '+')
		return 0;
	*out = strtol(s, &end, 10);
	return end != s && *end == '\0';
}

static int parse_fleet(struct parse *ps, char *line)
{
	char *tok[SOLOMON_MAX_TOKENS];
	int n = tokenize(line, tok, SOLOMON_MAX_TOKENS);
	long v;
	double cap;

	if (n != 2)
		return fail_at(ps, DS_EINVAL, "expected vehicle number and capacity");
	if (!parse_long(tok[0], &v))
		return fail_at(ps, DS_EINVAL, "bad vehicle number '%.20s'", tok[0]);
	if (!parse_num(tok[1], &cap))
		return fail_at(ps, DS_EINVAL, "bad capacity '%.20s'", tok[1]);
	if (v < 1 || v > SOLOMON_MAX_VEHICLES)
		return fail_at(ps, DS_EINVAL, "vehicle number %ld outside 1..%d", v,
		    SOLOMON_MAX_VEHICLES);
	if (cap <= 0)
		return fail_at(ps, DS_EINVAL, "capacity must be positive");
	ps->inst->vehicles = (int)v;
	ps->inst->capacity = cap;
	return DS_OK;
}

static int check_row(struct parse *ps, const struct solomon_row *r)
{
	int i;

	if (r->id < 0)
		return fail_at(ps, DS_EINVAL, "negative customer number");
	if (r->demand < 0 || r->ready < 0 || r->due < 0 || r->service < 0)
		return fail_at(ps, DS_EINVAL, "negative demand, time or service");
	if (r->ready > r->due)
		return fail_at(ps, DS_EINVAL, "ready time after due date");
	for (i = 0; i < ps->inst->n_rows; i++)
		if (ps->inst->rows[i].id == r->id)
			return fail_at(ps, DS_EINVAL, "customer %ld appears twice", r->id);
	return DS_OK;
}

static int parse_row(struct parse *ps, char *line)
{
	char *tok[SOLOMON_MAX_TOKENS];
	double v[SOLOMON_FIELDS];
	struct solomon_row r;
	int n = tokenize(line, tok, SOLOMON_MAX_TOKENS), i, rc;

	if (n != SOLOMON_FIELDS)
		return fail_at(ps, DS_EINVAL, "expected %d fields, found %s", SOLOMON_FIELDS,
		    n < 0 ? "more" : n < SOLOMON_FIELDS ? "fewer" : "more");
	if (!parse_long(tok[0], &r.id))
		return fail_at(ps, DS_EINVAL, "bad customer number '%.20s'", tok[0]);
	for (i = 1; i < SOLOMON_FIELDS; i++)
		if (!parse_num(tok[i], &v[i]))
			return fail_at(ps, DS_EINVAL, "bad number '%.20s'", tok[i]);
	r.x = v[1];
	r.y = v[2];
	r.demand = v[3];
	r.ready = v[4];
	r.due = v[5];
	r.service = v[6];
	if ((rc = check_row(ps, &r)) != DS_OK)
		return rc;
	if (ps->inst->n_rows > SOLOMON_MAX_CUSTOMERS)
		return fail_at(ps, DS_ETOOBIG, "more than %d customers", SOLOMON_MAX_CUSTOMERS);
	ps->inst->rows[ps->inst->n_rows++] = r;
	return DS_OK;
}

/* Is the first word of LINE the section keyword WORD? */
static int is_section(const char *line, const char *word)
{
	size_t n = strlen(word);

	while (*line == ' ' || *line == '\t')
		line++;
	return strncasecmp(line, word, n) == 0 &&
	    (line[n] == '\0' || line[n] == ' ' || line[n] == '\t');
}

static int parse_line(struct parse *ps, char *line)
{
	switch (ps->stage) {
	case ST_NAME:
		/* The name is informational: a long one is cut, on purpose. */
		snprintf(ps->inst->name, sizeof(ps->inst->name), "%.*s",
		    (int)sizeof(ps->inst->name) - 1, line);
		ps->stage = ST_VEHICLE;
		return DS_OK;
	case ST_VEHICLE:
		if (!is_section(line, "VEHICLE"))
			return fail_at(ps, DS_EINVAL, "expected the VEHICLE section");
		ps->stage = ST_VHEAD;
		return DS_OK;
	case ST_VHEAD:
		ps->stage = ST_FLEET;
		return is_section(line, "NUMBER") ? DS_OK :
		    fail_at(ps, DS_EINVAL, "expected the NUMBER CAPACITY header");
	case ST_FLEET:
		ps->stage = ST_CUSTOMER;
		return parse_fleet(ps, line);
	case ST_CUSTOMER:
		if (!is_section(line, "CUSTOMER"))
			return fail_at(ps, DS_EINVAL, "expected the CUSTOMER section");
		ps->stage = ST_CHEAD;
		return DS_OK;
	case ST_CHEAD:
		ps->stage = ST_ROWS;
		return is_section(line, "CUST") ? DS_OK :
		    fail_at(ps, DS_EINVAL, "expected the CUST NO. header");
	case ST_ROWS:
		return parse_row(ps, line);
	}
	return DS_EINVAL;
}

static const char *stage_missing(enum stage st)
{
	switch (st) {
	case ST_NAME: return "file is empty";
	case ST_VEHICLE: return "truncated: VEHICLE section missing";
	case ST_VHEAD: case ST_FLEET: return "truncated: vehicle number and capacity missing";
	case ST_CUSTOMER: return "truncated: CUSTOMER section missing";
	case ST_CHEAD: case ST_ROWS: return "truncated: no depot or customer rows";
	}
	return "truncated";
}

/* Copy one line (without its end) into LINE; returns its length, or -1 when it
 * is too long or holds a NUL byte. */
static long take_line(const char *buf, size_t len, size_t *pos, char *line)
{
	size_t start = *pos, end = start, n;

	while (end < len && buf[end] != '\n')
		end++;
	*pos = end < len ? end + 1 : end;
	n = end - start;
	if (n > 0 && buf[start + n - 1] == '\r')
		n--;
	if (n > SOLOMON_MAX_LINE || memchr(buf + start, '\0', n) != NULL)
		return -1;
	memcpy(line, buf + start, n);
	line[n] = '\0';
	return (long)n;
}

static int blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return *s == '\0';
}

static int parse_all(struct parse *ps, const char *buf, size_t len)
{
	char line[SOLOMON_MAX_LINE + 1];
	size_t pos = 0;
	int rc;

	while (pos < len) {
		ps->line_no++;
		if (take_line(buf, len, &pos, line) < 0)
			return fail_at(ps, DS_EINVAL, "line too long or holds a NUL byte");
		if (blank(line))
			continue;
		if ((rc = parse_line(ps, line)) != DS_OK)
			return rc;
	}
	if (ps->stage != ST_ROWS || ps->inst->n_rows < 1) {
		ps->line_no++;
		return fail_at(ps, DS_EINVAL, "%s", stage_missing(ps->stage));
	}
	return DS_OK;
}

int solomon_parse(const char *buf, size_t len, struct solomon_instance **out,
    char *err, size_t err_len)
{
	struct parse ps;
	int rc = DS_ENOMEM;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	ps.err_len = err_len;
	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (len > SOLOMON_MAX_BYTES)
		return fail_at(&ps, DS_ETOOBIG, "file larger than %u bytes", SOLOMON_MAX_BYTES);
	ps.inst = calloc(1, sizeof(*ps.inst));
	if (ps.inst == NULL)
		goto fail;
	/* One more than the maximum, so the row past it is seen and reported. */
	ps.inst->rows = calloc(SOLOMON_MAX_CUSTOMERS + 2, sizeof(*ps.inst->rows));
	if (ps.inst->rows == NULL)
		goto fail;
	rc = parse_all(&ps, buf, len);
	if (rc != DS_OK)
		goto fail;
	*out = ps.inst;
	return DS_OK;
fail:
	solomon_free(ps.inst);
	return rc;
}

void solomon_free(struct solomon_instance *inst)
{
	if (inst == NULL)
		return;
	free(inst->rows);
	free(inst);
}
