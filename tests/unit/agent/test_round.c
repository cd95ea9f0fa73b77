/* test_round.c: search folds case and Vietnamese diacritics; today's round keeps order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/round.h"

static void appt(struct model_appointment *a, const char *code, const char *citizen,
                 const char *address, int64_t start_ms)
{
	memset(a, 0, sizeof *a);
	snprintf(a->code, sizeof a->code, "%s", code);
	snprintf(a->citizen, sizeof a->citizen, "%s", citizen);
	snprintf(a->address, sizeof a->address, "%s", address);
	a->window_start_ms = start_ms;
	a->offset_min = 420;
}

START_TEST(find_ignores_case_and_diacritics)
{
	struct model_appointment a;

	appt(&a, "H15.50.05.13-261008-0975", "Nguyễn Văn An", "12 Lý Thường Kiệt, P.1", 0);
	ck_assert(round_matches(&a, "nguyen van an"));
	ck_assert(round_matches(&a, "NGUYEN"));
	ck_assert(round_matches(&a, "ly thuong kiet"));
	ck_assert(round_matches(&a, "261008-0975"));
	ck_assert(round_matches(&a, "h15.50"));
	ck_assert(!round_matches(&a, "tran"));
	appt(&a, "H15.50.05.13-261008-0976", "Lê Thị Đào", "45 Nguyễn Huệ", 0);
	ck_assert(round_matches(&a, "dao"));
	ck_assert(round_matches(&a, "le thi"));
	ck_assert(round_matches(&a, "Đào"));
}
END_TEST

START_TEST(today_filters_by_local_day_and_keeps_order)
{
	/* 2026-11-26T08:00+07:00 = 2026-11-26T01:00Z */
	const int64_t day_ms = 86400000LL, morning = 1795654800000LL;
	struct model_appointment list[4];
	size_t n;

	appt(&list[0], "A-261126-0001", "a", "", morning);
	appt(&list[1], "A-261126-0002", "b", "", morning - day_ms);  /* yesterday */
	appt(&list[2], "A-261126-0003", "c", "", 0);                  /* no window: kept */
	appt(&list[3], "A-261126-0004", "d", "", morning + 3600000);
	/* 2026-11-25T18:30Z is already the 26th in Viet Nam */
	n = round_today(list, 4, morning - 6 * 3600000 - 30 * 60000);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].code, "A-261126-0001");
	ck_assert_str_eq(list[1].code, "A-261126-0003");
	ck_assert_str_eq(list[2].code, "A-261126-0004");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("round");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, find_ignores_case_and_diacritics);
	tcase_add_test(tc, today_filters_by_local_day_and_keeps_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
