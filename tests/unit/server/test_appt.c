/* test_appt.c: the appointments a device pulls are written by server/appt.c on yajl byte for
 * byte as the agent's jansson encoder (wire_appointment_encode, dumped compact at 12 digits)
 * writes them, which is what the server sent before it dropped jansson: checked on thousands
 * of random appointments (texts with quotes, control characters and Vietnamese, unknown and
 * extreme positions, times in several offsets) and on removed ones. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "server/appt.h"
#include "server/jdoc.h"
#include "wire.h"

#define RUNS 5000

static const char *const texts[] = {"", "Nguyễn Thị Hoa", "a \"quoted\" \\ name", "tab\there",
	"line\nbreak\x01\x1f", "Ấp 3, xã Mỹ Hiệp, Cao Lãnh, Đồng Tháp", "0912 345 678", "/slash/",
	"\x7f del", "booked"};

static double pick_real(unsigned *seed, double lo, double hi)
{
	switch (rand_r(seed) % 6) {
	case 0: return NAN;
	case 1: return lo;
	case 2: return 0.0;
	case 3: return hi;
	default: return lo + (hi - lo) * rand_r(seed) / (double)RAND_MAX;
	}
}

static int64_t pick_time(unsigned *seed)
{
	if (rand_r(seed) % 4 == 0)
		return 0;
	return 1795657330120LL + (int64_t)(rand_r(seed) % 100000) * 61001;
}

static void random_appt(unsigned *seed, struct model_appointment *a)
{
	const size_t nt = sizeof texts / sizeof texts[0];

	memset(a, 0, sizeof *a);
	snprintf(a->code, sizeof a->code, "H15.50.05.13-2610%02d-%04d", rand_r(seed) % 31,
	         rand_r(seed) % 10000);
	a->kind = rand_r(seed) % 2 ? MODEL_KIND_DELIVER : MODEL_KIND_COLLECT;
	snprintf(a->citizen, sizeof a->citizen, "%s", texts[rand_r(seed) % nt]);
	snprintf(a->phone, sizeof a->phone, "%s", texts[rand_r(seed) % nt]);
	snprintf(a->address, sizeof a->address, "%s", texts[rand_r(seed) % nt]);
	a->lat = pick_real(seed, -90, 90);
	a->lon = pick_real(seed, -180, 180);
	a->offset_min = (int)(rand_r(seed) % 5) * 150 - 300;
	a->window_start_ms = pick_time(seed);
	a->window_end_ms = pick_time(seed);
	a->due_ms = pick_time(seed);
	a->service_min = rand_r(seed) % 60;
	snprintf(a->status, sizeof a->status, "%s", rand_r(seed) % 2 ? "booked" : "");
	a->stop = rand_r(seed) % 3 ? (int)(rand_r(seed) % 40) : 0;
	a->eta_ms = pick_time(seed);
	a->round_version = rand_r(seed) % 2 ? rand_r(seed) % 1000 : 0;
	a->removed = rand_r(seed) % 10 == 0;
}

/* What jansson wrote for A, or NULL when it refused A. */
static char *with_jansson(const struct model_appointment *a)
{
	json_t *o = wire_appointment_encode(a);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;

	json_decref(o);
	return s;
}

/* What appt_write writes for A, or NULL when it fails. */
static char *with_yajl(const struct model_appointment *a)
{
	yajl_gen g = jdoc_gen(0);
	char *s;

	ck_assert_ptr_nonnull(g);
	s = appt_write(g, a) == 0 ? jdoc_text(g, NULL) : NULL;
	yajl_gen_free(g);
	return s;
}

START_TEST(appointments_match_jansson_byte_for_byte)
{
	struct model_appointment a;
	unsigned seed = 20261126;
	char *want, *got;
	int i, removed = 0, unknown_pos = 0;

	for (i = 0; i < RUNS; i++) {
		random_appt(&seed, &a);
		removed += a.removed;
		unknown_pos += !isfinite(a.lat);
		want = with_jansson(&a);
		got = with_yajl(&a);
		ck_assert_ptr_nonnull(want);
		ck_assert_ptr_nonnull(got);
		ck_assert_msg(strcmp(want, got) == 0, "run %d:\n jansson %s\n yajl    %s", i, want,
		              got);
		free(want);
		free(got);
	}
	ck_assert_int_gt(removed, RUNS / 20);
	ck_assert_int_gt(unknown_pos, RUNS / 20);
}
END_TEST

/* Text that is not UTF-8 fails the write (jansson refused it too) instead of going out. */
START_TEST(invalid_text_fails)
{
	struct model_appointment a;
	unsigned seed = 7;

	random_appt(&seed, &a);
	a.removed = 0;
	snprintf(a.citizen, sizeof a.citizen, "bad \xC3\x28 text");
	ck_assert_ptr_null(with_jansson(&a));
	ck_assert_ptr_null(with_yajl(&a));
}
END_TEST

static Suite *appt_suite(void)
{
	Suite *s = suite_create("appt");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, appointments_match_jansson_byte_for_byte);
	tcase_add_test(tc, invalid_text_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(appt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
