/* canon.c: the canonical text is written with yajl's generator straight from the struct.
 * Building a jansson object and dumping it with sorted keys cost 5 us an event, most of a
 * sync's decoding time. The text must stay byte for byte what
 * json_dumps(wire_event_encode(e), WIRE_DUMP_FLAGS) gives, because stored content hashes
 * are of that text; a unit test compares the two on many events. So members come in strcmp
 * order, each written under the same condition as in wire.c's encoder, and reals are
 * formatted as jansson formats them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "canon.h"
#include "isotime.h"
#include "text.h"

double canon_round(double v, double scale)
{
	return isfinite(v) ? round(v * scale) / scale : v;
}

#define CANON_REAL_MAX 32

/* V as jansson writes a real with JSON_REAL_PRECISION(12): "%.12g", ".0" appended when that
 * reads as an integer, and the exponent without '+' or leading zeros. */
static int canon_real_text(double v, char *buf, size_t max)
{
	int n = snprintf(buf, max, "%.12g", v);
	char *e, *from;

	if (n < 0 || (size_t)n + 3 > max)
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

static int canon_key(yajl_gen g, const char *k)
{
	return yajl_gen_string(g, (const unsigned char *)k, strlen(k)) != yajl_gen_status_ok;
}

/* A string member; NULL fails (as json_string does), "" is left out when OPTIONAL. */
static int canon_str(yajl_gen g, const char *k, const char *v, int optional)
{
	if (optional && (v == NULL || v[0] == '\0'))
		return 0;
	if (v == NULL || !text_valid_utf8(v, strlen(v)))
		return 1;
	return canon_key(g, k) ||
	       yajl_gen_string(g, (const unsigned char *)v, strlen(v)) != yajl_gen_status_ok;
}

static int canon_int(yajl_gen g, const char *k, long long v)
{
	return canon_key(g, k) || yajl_gen_integer(g, v) != yajl_gen_status_ok;
}

static int canon_real(yajl_gen g, const char *k, double v, double scale)
{
	char buf[CANON_REAL_MAX];
	int n;

	if (!isfinite(v))
		return 0;
	v = canon_round(v, scale);
	n = canon_real_fixed(v, scale, buf, sizeof buf);
	if (n < 0)
		n = canon_real_text(v, buf, sizeof buf);
	return n < 0 || canon_key(g, k) || yajl_gen_number(g, buf, (size_t)n) != yajl_gen_status_ok;
}

static int canon_time(yajl_gen g, const char *k, int64_t ms)
{
	char buf[ISOTIME_MAX_LEN + 1];

	if (ms == 0 || isotime_format(ms, 0, buf, sizeof buf) != DS_OK)
		return 0;
	return canon_str(g, k, buf, 0);
}

static int canon_gps(yajl_gen g, const struct model_gps *p)
{
	int rc = canon_key(g, "gps") || yajl_gen_map_open(g) != yajl_gen_status_ok;

	if (p->source != MODEL_GPS_NONE) {
		rc = rc || canon_real(g, "accuracy_m", p->accuracy_m, 10);
		rc = rc || canon_real(g, "dist_m", p->dist_m, 10);
		rc = rc || canon_real(g, "fix_age_s", p->fix_age_s, 1000);
		rc = rc || canon_time(g, "gps_time", p->gps_time_ms);
		rc = rc || canon_real(g, "lat", p->lat, 1e7);
		rc = rc || canon_real(g, "lon", p->lon, 1e7);
		rc = rc || canon_int(g, "mode", p->mode);
		rc = rc || (p->sats_used >= 0 && canon_int(g, "sats", p->sats_used));
	}
	rc = rc || canon_str(g, "source", model_gps_source_name(p->source), 0);
	return rc || yajl_gen_map_close(g) != yajl_gen_status_ok;
}

static int canon_flags(yajl_gen g, unsigned flags)
{
	static const char *const names[] = {"far", "poor_accuracy", "clock_skew"};
	static const unsigned bits[] = {MODEL_FLAG_FAR, MODEL_FLAG_POOR_ACCURACY,
		MODEL_FLAG_CLOCK_SKEW};
	int rc;
	size_t i;

	if (flags == 0)
		return 0;
	rc = canon_key(g, "flags") || yajl_gen_array_open(g) != yajl_gen_status_ok;
	for (i = 0; i < sizeof bits / sizeof bits[0] && !rc; i++)
		if (flags & bits[i])
			rc = yajl_gen_string(g, (const unsigned char *)names[i], strlen(names[i])) !=
			     yajl_gen_status_ok;
	return rc || yajl_gen_array_close(g) != yajl_gen_status_ok;
}

static int canon_write_event(yajl_gen g, const struct model_event *e)
{
	int rc = yajl_gen_map_open(g) != yajl_gen_status_ok;

	rc = rc || canon_str(g, "appointment", e->appointment, 0);
	rc = rc || (e->documents >= 0 && canon_int(g, "documents", e->documents));
	rc = rc || (e->fee_vnd >= 0 && canon_int(g, "fee_vnd", e->fee_vnd));
	rc = rc || canon_flags(g, e->flags) || canon_gps(g, &e->gps);
	rc = rc || canon_str(g, "id_last4", e->id_last4, 1);
	rc = rc || canon_str(g, "note", e->note, 1);
	rc = rc || canon_str(g, "photo_sha256", e->photo_sha256, 1);
	rc = rc || canon_str(g, "prev_hash", e->prev_hash, 1);
	rc = rc || (e->reason != MODEL_REASON_NONE && canon_str(g, "reason", model_reason_name(e->reason), 1));
	rc = rc || canon_str(g, "recipient", e->recipient, 1);
	rc = rc || canon_time(g, "recorded_at", e->recorded_ms);
	rc = rc || (e->relation != MODEL_REL_NONE && canon_str(g, "relation", model_relation_name(e->relation), 1));
	rc = rc || canon_int(g, "seq", e->seq);
	rc = rc || canon_str(g, "sig", e->sig, 1);
	rc = rc || canon_str(g, "signature_sha256", e->signature_sha256, 1);
	rc = rc || canon_str(g, "type", model_event_type_name(e->type), 0);
	rc = rc || canon_str(g, "uuid", e->uuid, 0);
	return rc || yajl_gen_map_close(g) != yajl_gen_status_ok;
}

char *canon_event(const struct model_event *e)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char *s = NULL;

	if (g == NULL)
		return NULL;
	if (canon_write_event(g, e) == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
	    (s = malloc(len + 1)) != NULL) {
		memcpy(s, buf, len);
		s[len] = '\0';
	}
	yajl_gen_free(g);
	return s;
}

