/* test_canon.c: the canonical text written by canon_event (shared/canon.c) is byte for
 * byte what jansson writes for the same event (json_dumps of wire_event_encode with
 * WIRE_DUMP_FLAGS), the text whose SHA-256 the server stores as an event's content hash.
 * Any difference would turn a device's honest re-send of an event stored before into a
 * conflict, so this compares the two on many random events, odd values included. */
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
		"ươ", "\xF0\x9F\x98\x80", "\t", "\n", "\r", "\b", "\f", "\x01", "\x1f", "\x0b", "9"};
	size_t n = rnd_below(12), used = 0, len;
	const char *p;

	out[0] = '\0';
	while (n-- > 0) {
		p = rnd_below(200) == 0 ? "\xC3\x28" : parts[rnd_below(sizeof parts / sizeof parts[0])];
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
		ck_assert_msg(got == NULL, "run %d: jansson refuses, canon_event wrote %s", run, got);
	else
		ck_assert_msg(got != NULL && strcmp(want, got) == 0, "run %d:\n jansson %s\n canon   %s",
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

static Suite *canon_suite(void)
{
	Suite *s = suite_create("canon");
	TCase *tc = tcase_create("canonical");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, canonical_matches_jansson_on_random_events);
	tcase_add_test(tc, canonical_matches_jansson_on_fixtures);
	tcase_add_test(tc, canonical_reals_print_like_jansson);
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
