/* test_canon.c: the canonical text written by canon_event (shared/canon.c), whose SHA-256 the
 * server stores as an event's content hash, follows the rules of docs/PROTOCOL.md ("Canonical
 * event text"): the documented example byte for byte, reals and escapes as the rules derive
 * them, and on many random events the shape, key order, member presence, escapes and reals
 * each checked against the rule. It is also byte for byte what jansson writes for the same
 * event (json_dumps of wire_event_encode with WIRE_DUMP_FLAGS), which wrote the stored
 * hashes of older events: a difference would turn an honest re-send into a conflict. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "canon.h"
#include "wire.h"
#include "wire_fixture.h"

#define CANON_RUNS 20000

/* xorshift64*: a fixed seed, so a failure is the same failure on every run. */
static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ull;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Text with what needs care in JSON: quotes, backslashes, slashes, every control character,
 * DEL, Vietnamese letters, a 4-byte character; now and then bytes that are not UTF-8. */
static void rnd_text(char *out, size_t max)
{
	static const char *const parts[] = {"a", "Z", " ", "\"", "\\", "/", "\x7f", "ễ", "Đ",
		"ươ", "\xF0\x9F\x98\x80", "\t", "\n", "\r", "\b", "\f", "\x01", "\x1f", "\x0b",
		"9"};
	size_t n = rnd_below(12), used = 0, len;
	const char *p;

	out[0] = '\0';
	while (n-- > 0) {
		p = rnd_below(200) == 0 ? "\xC3\x28"
		                        : parts[rnd_below(sizeof parts / sizeof parts[0])];
		len = strlen(p);
		if (used + len >= max)
			break;
		memcpy(out + used, p, len + 1);
		used += len;
	}
}

/* Reals across each member's range, with the edges: zero, negative zero, tiny values that
 * print with an exponent, values that round away, NaN (left out) and infinity. */
static double rnd_real(double lo, double hi)
{
	switch (rnd_below(10)) {
	case 0: return 0.0;
	case 1: return -0.0;
	case 2: return (rnd_below(2) ? 1 : -1) * (double)(1 + rnd_below(99)) * 1e-7;
	case 3: return NAN;
	case 4: return rnd_below(2) ? INFINITY : 1e-9;
	case 5: return hi;
	default: return lo + (hi - lo) * (double)(rnd() >> 11) / 9007199254740992.0;
	}
}

static void rnd_event(struct model_event *e)
{
	model_event_init(e);
	rnd_text(e->uuid, sizeof e->uuid);
	if (rnd_below(2))
		snprintf(e->uuid, sizeof e->uuid, "%s", UUID1);
	e->seq = (int64_t)(rnd() >> rnd_below(64));
	e->type = (enum model_event_type)rnd_below(MODEL_EVENT_TYPES + 1);
	rnd_text(e->appointment, sizeof e->appointment);
	e->recorded_ms = rnd_below(4) ? (int64_t)(rnd() % 253402300800000ull) : 0;
	e->gps.source = (enum model_gps_source)rnd_below(4);
	e->gps.lat = rnd_real(-90, 90);
	e->gps.lon = rnd_real(-180, 180);
	e->gps.accuracy_m = rnd_real(0, 1e7);
	e->gps.mode = (int)rnd_below(5) - 1;
	e->gps.sats_used = (int)rnd_below(300) - 1;
	e->gps.fix_age_s = rnd_real(0, 1e9);
	e->gps.gps_time_ms = rnd_below(3) ? (int64_t)(rnd() % 253402300800000ull) : 0;
	e->gps.dist_m = rnd_real(0, 1e8);
	e->flags = (unsigned)rnd_below(16);
	e->documents = (int)rnd_below(2000) - 1;
	e->fee_vnd = rnd_below(2) ? -1 : (int64_t)(rnd() % 1000000000001ull);
	e->reason = (enum model_fail_reason)rnd_below(MODEL_REASONS + 1);
	e->relation = (enum model_relation)rnd_below(5);
	rnd_text(e->note, 64);
	rnd_text(e->recipient, 64);
	rnd_text(e->id_last4, sizeof e->id_last4);
	rnd_text(e->signature_sha256, sizeof e->signature_sha256);
	rnd_text(e->photo_sha256, sizeof e->photo_sha256);
	rnd_text(e->prev_hash, sizeof e->prev_hash);
	rnd_text(e->sig, 64);
}

/* The reference: what the canonical text was before canon.c wrote it. */
static char *jansson_canonical(const struct model_event *e)
{
	json_t *o = wire_event_encode(e);
	char *s = o ? json_dumps(o, WIRE_DUMP_FLAGS) : NULL;

	json_decref(o);
	return s;
}

static void ck_same_canonical(const struct model_event *e, int run)
{
	char *want = jansson_canonical(e), *got = canon_event(e);

	if (want == NULL)
		ck_assert_msg(got == NULL, "run %d: jansson refuses, canon_event wrote %s", run,
		              got);
	else
		ck_assert_msg(got != NULL && strcmp(want, got) == 0,
		              "run %d:\n jansson %s\n canon   %s",
		              run, want, got ? got : "(null)");
	free(want);
	free(got);
}

START_TEST(canonical_matches_jansson_on_random_events)
{
	struct model_event e;
	int run, texts = 0;
	char *text;

	for (run = 0; run < CANON_RUNS; run++) {
		rnd_event(&e);
		ck_same_canonical(&e, run);
		text = canon_event(&e);
		texts += text != NULL;
		free(text);
	}
	/* The generator must produce mostly encodable events, or the comparison says little. */
	ck_assert_msg(texts > CANON_RUNS / 4, "only %d of %d events encodable", texts, CANON_RUNS);
}
END_TEST

START_TEST(canonical_matches_jansson_on_fixtures)
{
	struct model_event e;
	int t;

	for (t = 0; t < MODEL_EVENT_TYPES; t++) {
		ck_decodes(event_json((enum model_event_type)t), &e);
		ck_same_canonical(&e, t);
	}
}
END_TEST

/* Reals print as jansson prints them: at most 12 significant digits, ".0" on whole
 * numbers, exponents without "+" or leading zeros. */
START_TEST(canonical_reals_print_like_jansson)
{
	static const double lats[] = {0.0, -0.0, 1e-7, -3.5e-6, 10.0, 10.4557610, -89.9999999,
		0.0001, 0.00012};
	struct model_event e;
	size_t i;

	for (i = 0; i < sizeof lats / sizeof lats[0]; i++) {
		ck_decodes(event_json(MODEL_ARRIVE), &e);
		e.gps.lat = lats[i];
		e.gps.fix_age_s = 1e9;
		e.gps.accuracy_m = 1e7;
		ck_same_canonical(&e, (int)i);
	}
	e.gps.lat = 1e-7;
	{
		char *c = canon_event(&e);
		ck_assert_ptr_nonnull(c);
		ck_assert_msg(strstr(c, "\"lat\":1e-7,") != NULL, "%s", c);
		ck_assert_msg(strstr(c, "\"fix_age_s\":1000000000.0,") != NULL, "%s", c);
		free(c);
	}
}
END_TEST

/* ---- the rules of docs/PROTOCOL.md, "Canonical event text", checked one by one ---- */

/* Rule 5, from its words: round to a multiple of 1/SCALE, "%.12g", ".0" when there is
 * neither '.' nor 'e', exponent without '+' or leading zeros. */
static void rule_real(double v, double scale, char *out, size_t max)
{
	char buf[64], *e;
	size_t o = 0, i;

	v = round(v * scale) / scale;
	snprintf(buf, sizeof buf, "%.12g", v);
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL)
		strncat(buf, ".0", sizeof buf - strlen(buf) - 1);
	e = strchr(buf, 'e');
	for (i = 0; buf[i] != '\0' && o + 1 < max; i++) {
		int in_exp = e != NULL && buf + i > e;
		int lead_zero = in_exp && buf[i] == '0' && strchr("e-+", buf[i - 1]) &&
		                buf[i + 1] != '\0';

		if (in_exp && (buf[i] == '+' || lead_zero))
			continue;
		out[o++] = buf[i];
	}
	out[o] = '\0';
}

/* The text after "KEY": in T up to the next ',' or '}', into OUT; 0 when KEY is absent. */
static int member_text(const char *t, const char *key, char *out, size_t max)
{
	char pat[48];
	const char *p;
	size_t n;

	snprintf(pat, sizeof pat, "\"%s\":", key);
	if ((p = strstr(t, pat)) == NULL)
		return 0;
	p += strlen(pat);
	n = strcspn(p, ",}");
	ck_assert_uint_lt(n, max);
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

/* Rules 1 and 6 on the raw text: no white space or control byte outside strings, no raw
 * control byte inside them, and only the documented escapes. */
static void ck_text_rules(const char *t)
{
	int in_str = 0;
	const char *p, *ok_short = "\"\\bfnrt";
	unsigned v;

	for (p = t; *p != '\0'; p++) {
		ck_assert_msg((unsigned char)*p >= 0x20, "raw control byte in %s", t);
		if (!in_str) {
			ck_assert_msg(strchr(" \t\r\n", *p) == NULL, "white space in %s", t);
			in_str = *p == '"';
			continue;
		}
		if (*p == '"') {
			in_str = 0;
		} else if (*p == '\\') {
			p++;
			if (*p == 'u') {
				ck_assert_msg(p[1] == '0' && p[2] == '0' && strchr("01", p[3]) &&
				              p[4] && strchr("0123456789ABCDEF", p[4]),
				              "escape in %s", t);
				ck_assert_int_eq(sscanf(p + 1, "%4x", &v), 1);
				ck_assert_msg(v != 8 && v != 9 && v != 10 && v != 12 && v != 13,
				              "\\u%04X has a short form: %s", v, t);
				p += 4;
			} else {
				ck_assert_msg(*p && strchr(ok_short, *p), "escape \\%c in %s", *p,
				              t);
			}
		}
	}
	ck_assert(!in_str);
}

/* Rule 3: each object's keys in ascending byte order (jansson keeps a parsed object's order). */
static void ck_sorted(json_t *o, const char *t)
{
	const char *key, *prev = NULL;
	json_t *v;

	json_object_foreach(o, key, v) {
		ck_assert_msg(prev == NULL || strcmp(prev, key) < 0, "%s before %s in %s", prev,
		              key, t);
		prev = key;
		if (json_is_object(v))
			ck_sorted(v, t);
	}
}

/* Rule 2: KEY of OBJ is present exactly when WANT says. */
static void ck_presence(json_t *obj, const char *key, int want, const char *t)
{
	ck_assert_msg((json_object_get(obj, key) != NULL) == (want != 0), "%s should be %s in %s",
	              key, want ? "present" : "absent", t);
}

static void ck_member_rules(const struct model_event *e, const char *t)
{
	json_t *o = json_loads(t, JSON_REJECT_DUPLICATES, NULL), *g;
	const struct model_gps *p = &e->gps;
	int fix = p->source != MODEL_GPS_NONE;

	ck_assert_msg(o != NULL, "not JSON: %s", t);
	ck_sorted(o, t);
	g = json_object_get(o, "gps");
	ck_assert(json_is_object(g));
	ck_presence(o, "recorded_at", e->recorded_ms != 0, t);
	ck_presence(o, "documents", e->documents >= 0, t);
	ck_presence(o, "fee_vnd", e->fee_vnd >= 0, t);
	ck_presence(o, "flags", e->flags != 0, t);
	ck_presence(o, "reason", e->reason != MODEL_REASON_NONE && model_reason_name(e->reason), t);
	ck_presence(o, "relation", e->relation != MODEL_REL_NONE &&
	            model_relation_name(e->relation), t);
	ck_presence(o, "note", e->note[0], t);
	ck_presence(o, "sig", e->sig[0], t);
	ck_presence(g, "source", 1, t);
	ck_presence(g, "mode", fix, t);
	ck_presence(g, "sats", fix && p->sats_used >= 0, t);
	ck_presence(g, "gps_time", fix && p->gps_time_ms != 0, t);
	ck_presence(g, "lat", fix && isfinite(p->lat), t);
	ck_presence(g, "dist_m", fix && isfinite(p->dist_m), t);
	json_decref(o);
}

/* Rule 5 on each real member present. */
static void ck_real_rules(const struct model_event *e, const char *t)
{
	const struct { const char *key; double v, scale; } reals[] = {
		{"lat", e->gps.lat, 1e7}, {"lon", e->gps.lon, 1e7},
		{"accuracy_m", e->gps.accuracy_m, 10}, {"dist_m", e->gps.dist_m, 10},
		{"fix_age_s", e->gps.fix_age_s, 1000},
	};
	char got[64], want[64];
	size_t i;

	for (i = 0; i < sizeof reals / sizeof reals[0]; i++) {
		if (!member_text(t, reals[i].key, got, sizeof got))
			continue;
		rule_real(reals[i].v, reals[i].scale, want, sizeof want);
		ck_assert_msg(strcmp(got, want) == 0, "%s %.17g: %s, the rule gives %s",
		              reals[i].key, reals[i].v, got, want);
	}
}

START_TEST(random_events_follow_the_documented_rules)
{
	struct model_event e;
	int run, checked = 0;
	char *t;

	rnd_state = 0x2545F4914F6CDD1Dull;
	for (run = 0; run < CANON_RUNS; run++) {
		rnd_event(&e);
		if ((t = canon_event(&e)) == NULL)
			continue;
		ck_text_rules(t);
		ck_member_rules(&e, t);
		ck_real_rules(&e, t);
		checked++;
		free(t);
	}
	ck_assert_int_gt(checked, CANON_RUNS / 4);
}
END_TEST

/* The example of docs/PROTOCOL.md, byte for byte. */
START_TEST(documented_example_is_exact)
{
	static const char want[] = "{\"appointment\":\"H15.50.05.13-261008-0975\","
		"\"flags\":[\"far\",\"poor_accuracy\",\"clock_skew\"],"
		"\"gps\":{\"accuracy_m\":13.3,\"dist_m\":8.2,"
		"\"fix_age_s\":0.412,\"gps_time\":\"2026-11-26T01:42:09Z\",\"lat\":10.4748123,"
		"\"lon\":105.6412001,\"mode\":3,\"sats\":9,\"source\":\"live\"},\"recorded_at\":"
		"\"2026-11-26T01:42:10.120Z\",\"seq\":17,\"type\":\"arrive\",\"uuid\":"
		"\"0b7c3f0e-8a1d-4c2b-9e3f-1a2b3c4d5e6f\"}";
	struct model_event e;
	char *t;

	ck_decodes(event_json(MODEL_ARRIVE), &e);
	t = canon_event(&e);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t, want);
	free(t);
}
END_TEST

/* The examples of rule 5 and its edges, written out by hand from the rule. */
START_TEST(reals_are_written_as_documented)
{
	static const struct { double v; const char *key, *want; } cases[] = {
		{10.47481234, "lat", "10.4748123"}, {13.25, "accuracy_m", "13.3"},
		{1e-7, "lat", "1e-7"}, {0.4125, "fix_age_s", "0.413"}, {10.0, "lat", "10.0"},
		{-0.0, "lat", "-0.0"}, {0.0, "lon", "0.0"}, {1e9, "fix_age_s", "1000000000.0"},
		{0.00012, "lat", "0.00012"}, {-3.5e-6, "lat", "-3.5e-6"},
		{-89.99999995, "lat", "-90.0"},
		{99999999.96, "dist_m", "100000000.0"}, {5e-5, "fix_age_s", "0.0"},
	};
	struct model_event e;
	char got[64], *t;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_decodes(event_json(MODEL_ARRIVE), &e);
		if (strcmp(cases[i].key, "lat") == 0)
			e.gps.lat = cases[i].v;
		else if (strcmp(cases[i].key, "lon") == 0)
			e.gps.lon = cases[i].v;
		else if (strcmp(cases[i].key, "accuracy_m") == 0)
			e.gps.accuracy_m = cases[i].v;
		else if (strcmp(cases[i].key, "dist_m") == 0)
			e.gps.dist_m = cases[i].v;
		else
			e.gps.fix_age_s = cases[i].v;
		t = canon_event(&e);
		ck_assert_ptr_nonnull(t);
		ck_assert(member_text(t, cases[i].key, got, sizeof got));
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "%.17g: %s, not %s", cases[i].v, got,
		              cases[i].want);
		free(t);
	}
}
END_TEST

/* Rule 6 on one text holding every case, written out by hand. */
START_TEST(strings_are_escaped_as_documented)
{
	struct model_event e;
	char *t;

	ck_decodes(event_json(MODEL_FAIL), &e);
	snprintf(e.note, sizeof e.note, "%s",
	         "a\"b\\c/d\x7f" "e\b\t\n\f\r\x01\x1f\x0b ễĐ\xF0\x9F\x98\x80");
	t = canon_event(&e);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "\"note\":\"a\\\"b\\\\c/d\x7f"
	                                "e\\b\\t\\n\\f\\r\\u0001\\u001F"
	                                "\\u000B ễĐ\xF0\x9F\x98\x80\","));
	free(t);
	snprintf(e.note, sizeof e.note, "bad \xC3\x28");
	ck_assert_ptr_null(canon_event(&e));
}
END_TEST

static Suite *canon_suite(void)
{
	Suite *s = suite_create("canon");
	TCase *tc = tcase_create("canonical");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, canonical_matches_jansson_on_random_events);
	tcase_add_test(tc, canonical_matches_jansson_on_fixtures);
	tcase_add_test(tc, canonical_reals_print_like_jansson);
	tcase_add_test(tc, random_events_follow_the_documented_rules);
	tcase_add_test(tc, documented_example_is_exact);
	tcase_add_test(tc, reals_are_written_as_documented);
	tcase_add_test(tc, strings_are_escaped_as_documented);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(canon_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
