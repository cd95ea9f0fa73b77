/* canon.c: the canonical text is written straight from the struct into one growing buffer,
 * with no JSON library: it runs for every event a sync batch carries, and building a tree or
 * calling a generator per token cost several times as much. The rules it follows are in
 * docs/PROTOCOL.md ("Canonical event text"); they are also exactly what jansson writes with
 * JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12), which made the hashes of events
 * stored earlier, and test_canon holds this file to both. So members come in strcmp order,
 * each written under the condition the rules give, and reals are formatted as rule 5 says. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "isotime.h"
#include "text.h"

double canon_round(double v, double scale)
{
	return isfinite(v) ? round(v * scale) / scale : v;
}

#define CANON_INT_MAX 24   /* "-9223372036854775808" */
#define CANON_START 512    /* first size of the buffer; a typical event takes about 400 */

/* The text being written. MORE: a value has been written at this level, so the next key or
 * array item needs a comma first (after a key it is cleared: its value needs none). */
struct canon_out {
	char *s;
	size_t len, cap;
	int more;
	int failed; /* out of memory */
};

static int canon_put(struct canon_out *o, const char *p, size_t n)
{
	size_t cap = o->cap ? o->cap : CANON_START;
	char *s;

	if (o->failed)
		return 1;
	if (o->len + n + 1 > o->cap) {
		while (cap < o->len + n + 1)
			cap *= 2;
		if ((s = realloc(o->s, cap)) == NULL) {
			o->failed = 1;
			return 1;
		}
		o->s = s;
		o->cap = cap;
	}
	memcpy(o->s + o->len, p, n);
	o->len += n;
	return 0;
}

/* Starts a value: a comma when one came before it at this level. */
static int canon_value(struct canon_out *o)
{
	int rc = o->more && canon_put(o, ",", 1);

	o->more = 1;
	return rc;
}

static int canon_open(struct canon_out *o, const char *bracket)
{
	int rc = canon_value(o) || canon_put(o, bracket, 1);

	o->more = 0;
	return rc;
}

static int canon_close(struct canon_out *o, const char *bracket)
{
	o->more = 1;
	return canon_put(o, bracket, 1);
}

/* V (valid UTF-8) as a JSON string, escaped as jansson escapes it: the quote, the backslash
 * and control characters only; those without a short form as \u00XX in capitals. */
static int canon_text(struct canon_out *o, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = v, *p;
	char esc[7] = "\\u00";
	int rc = canon_value(o) || canon_put(o, "\"", 1);

	for (p = v; *p != '\0' && !rc; p++) {
		unsigned char c = (unsigned char)*p;
		const char *e = esc;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esc[6] = '\0';
		}
		rc = canon_put(o, run, (size_t)(p - run)) || canon_put(o, e, strlen(e));
		run = p + 1;
	}
	return rc || canon_put(o, run, strlen(run)) || canon_put(o, "\"", 1);
}

int canon_real_text(double v, int digits, char *buf, size_t max)
{
	int n = snprintf(buf, max, "%.*g", digits, v);
	char *e, *from;

	if (!isfinite(v) || n < 0 || (size_t)n + 3 > max)
		return -1;
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(buf, 'e')) != NULL) {
		e++;
		from = e + 1;
		if (*e == '-')
			e++;
		while (*from == '0')
			from++;
		if (from != e) {
			memmove(e, from, strlen(from) + 1);
			n = (int)strlen(buf);
		}
	}
	return n;
}

/* The fast way to the same text for a V already rounded to 1/SCALE (a power of ten): when
 * it prints without an exponent and has at most 12 significant digits, its decimal is the
 * integer V * SCALE with a point put in, which is what "%.12g" prints. Returns -1 for the
 * rest (zero, tiny or huge values), which go through canon_real_text. */
static int canon_real_fixed(double v, double scale, char *buf, size_t max)
{
	char digits[CANON_REAL_MAX];
	long long n;
	int places = 0, len = 0, point, end, i, o = 0;
	double s;

	if (!(fabs(v) >= 1e-4 && fabs(v) < 1e11))
		return -1;
	for (s = scale; s > 1.5; s /= 10)
		places++;
	n = llround(fabs(v) * scale);
	if (n >= 1000000000000LL)
		return -1;
	/* The digits of N, at least PLACES + 1 of them, most significant first. (snprintf would
	 * do, at a third of this function's whole cost.) */
	do {
		digits[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0 || len <= places);
	point = len - places;
	/* Trailing zeros of the fraction go, but one digit stays after the point. */
	for (end = 0; end < places - 1 && digits[end] == '0'; end++)
		;
	if ((size_t)(len - end) + 3 > max)
		return -1;
	if (v < 0)
		buf[o++] = '-';
	for (i = len - 1; i >= end; i--) {
		buf[o++] = digits[i];
		if (i == len - point && places > 0)
			buf[o++] = '.';
	}
	if (places == 0) {
		buf[o++] = '.';
		buf[o++] = '0';
	}
	buf[o] = '\0';
	return o;
}

/* K, one of this file's ASCII literals, and the colon. */
static int canon_key(struct canon_out *o, const char *k)
{
	int rc = canon_value(o) || canon_put(o, "\"", 1) || canon_put(o, k, strlen(k)) ||
	         canon_put(o, "\":", 2);

	o->more = 0;
	return rc;
}

/* A string member; NULL fails (as json_string does), "" is left out when OPTIONAL. */
static int canon_str(struct canon_out *o, const char *k, const char *v, int optional)
{
	if (optional && (v == NULL || v[0] == '\0'))
		return 0;
	if (v == NULL || !text_valid_utf8(v, strlen(v)))
		return 1;
	return canon_key(o, k) || canon_text(o, v);
}

/* V in decimal, as "%lld" writes it. */
static int canon_int(struct canon_out *o, const char *k, long long v)
{
	char buf[CANON_INT_MAX];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t i = sizeof buf;

	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		buf[--i] = '-';
	return canon_key(o, k) || canon_value(o) || canon_put(o, buf + i, sizeof buf - i);
}

static int canon_real(struct canon_out *o, const char *k, double v, double scale)
{
	char buf[CANON_REAL_MAX];
	int n;

	if (!isfinite(v))
		return 0;
	v = canon_round(v, scale);
	n = canon_real_fixed(v, scale, buf, sizeof buf);
	if (n < 0)
		n = canon_real_text(v, CANON_REAL_DIGITS, buf, sizeof buf);
	return n < 0 || canon_key(o, k) || canon_value(o) || canon_put(o, buf, (size_t)n);
}

static int canon_time(struct canon_out *o, const char *k, int64_t ms)
{
	char buf[ISOTIME_MAX_LEN + 1];

	if (ms == 0 || isotime_format(ms, 0, buf, sizeof buf) != DS_OK)
		return 0;
	return canon_str(o, k, buf, 0);
}

static int canon_gps(struct canon_out *o, const struct model_gps *p)
{
	int rc = canon_key(o, "gps") || canon_open(o, "{");

	if (p->source != MODEL_GPS_NONE) {
		rc = rc || canon_real(o, "accuracy_m", p->accuracy_m, 10);
		rc = rc || canon_real(o, "dist_m", p->dist_m, 10);
		rc = rc || canon_real(o, "fix_age_s", p->fix_age_s, 1000);
		rc = rc || canon_time(o, "gps_time", p->gps_time_ms);
		rc = rc || canon_real(o, "lat", p->lat, 1e7);
		rc = rc || canon_real(o, "lon", p->lon, 1e7);
		rc = rc || canon_int(o, "mode", p->mode);
		rc = rc || (p->sats_used >= 0 && canon_int(o, "sats", p->sats_used));
	}
	rc = rc || canon_str(o, "source", model_gps_source_name(p->source), 0);
	return rc || canon_close(o, "}");
}

static int canon_flags(struct canon_out *o, unsigned flags)
{
	static const char *const names[] = {"far", "poor_accuracy", "clock_skew"};
	static const unsigned bits[] = {MODEL_FLAG_FAR, MODEL_FLAG_POOR_ACCURACY,
		MODEL_FLAG_CLOCK_SKEW};
	int rc;
	size_t i;

	if (flags == 0)
		return 0;
	rc = canon_key(o, "flags") || canon_open(o, "[");
	for (i = 0; i < sizeof bits / sizeof bits[0] && !rc; i++)
		if (flags & bits[i])
			rc = canon_text(o, names[i]);
	return rc || canon_close(o, "]");
}

static int canon_write_event(struct canon_out *o, const struct model_event *e)
{
	int rc = canon_open(o, "{");

	rc = rc || canon_str(o, "appointment", e->appointment, 0);
	rc = rc || (e->documents >= 0 && canon_int(o, "documents", e->documents));
	rc = rc || (e->fee_vnd >= 0 && canon_int(o, "fee_vnd", e->fee_vnd));
	rc = rc || canon_flags(o, e->flags) || canon_gps(o, &e->gps);
	rc = rc || canon_str(o, "id_last4", e->id_last4, 1);
	rc = rc || canon_str(o, "note", e->note, 1);
	rc = rc || canon_str(o, "photo_sha256", e->photo_sha256, 1);
	rc = rc || canon_str(o, "prev_hash", e->prev_hash, 1);
	rc = rc || (e->reason != MODEL_REASON_NONE &&
	            canon_str(o, "reason", model_reason_name(e->reason), 1));
	rc = rc || canon_str(o, "recipient", e->recipient, 1);
	rc = rc || canon_time(o, "recorded_at", e->recorded_ms);
	rc = rc || (e->relation != MODEL_REL_NONE &&
	            canon_str(o, "relation", model_relation_name(e->relation), 1));
	rc = rc || canon_int(o, "seq", e->seq);
	rc = rc || canon_str(o, "sig", e->sig, 1);
	rc = rc || canon_str(o, "signature_sha256", e->signature_sha256, 1);
	rc = rc || canon_str(o, "type", model_event_type_name(e->type), 0);
	rc = rc || canon_str(o, "uuid", e->uuid, 0);
	return rc || canon_close(o, "}");
}

char *canon_event(const struct model_event *e)
{
	struct canon_out o = {.s = NULL};

	if (canon_write_event(&o, e) != 0 || o.failed) {
		free(o.s);
		return NULL;
	}
	o.s[o.len] = '\0'; /* canon_put always leaves room for it */
	return o.s;
}

