/* test_text.c: pins shared/text.c: UTF-8 validation, the accent- and case-insensitive fold
 * (every Vietnamese vowel with every tone, precomposed and decomposed) and text_match(). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Each row: a base vowel in its six forms (plain, huyền, sắc, hỏi, ngã, nặng), NFC. */
static const char *const vowels_lower[] = {
	"a à á ả ã ạ", "ă ằ ắ ẳ ẵ ặ", "â ầ ấ ẩ ẫ ậ", "e è é ẻ ẽ ẹ", "ê ề ế ể ễ ệ", "i ì í ỉ ĩ ị",
	"o ò ó ỏ õ ọ", "ô ồ ố ổ ỗ ộ", "ơ ờ ớ ở ỡ ợ", "u ù ú ủ ũ ụ", "ư ừ ứ ử ữ ự", "y ỳ ý ỷ ỹ ỵ",
};
static const char *const vowels_upper[] = {
	"A À Á Ả Ã Ạ", "Ă Ằ Ắ Ẳ Ẵ Ặ", "Â Ầ Ấ Ẩ Ẫ Ậ", "E È É Ẻ Ẽ Ẹ", "Ê Ề Ế Ể Ễ Ệ", "I Ì Í Ỉ Ĩ Ị",
	"O Ò Ó Ỏ Õ Ọ", "Ô Ồ Ố Ổ Ỗ Ộ", "Ơ Ờ Ớ Ở Ỡ Ợ", "U Ù Ú Ủ Ũ Ụ", "Ư Ừ Ứ Ử Ữ Ự", "Y Ỳ Ý Ỷ Ỹ Ỵ",
};
static const char vowel_base[] = "aaaeeiooouuy";
/* Combining marks in UTF-8: the five tones, then breve, circumflex and horn. */
static const char *const tone_marks[] = {"\xcc\x80", "\xcc\x81", "\xcc\x89", "\xcc\x83",
                                         "\xcc\xa3"};
static const char *const vowel_modifier[] = {"", "\xcc\x86", "\xcc\x82", "", "\xcc\x82", "",
	"", "\xcc\x82", "\xcc\x9b", "", "\xcc\x9b", ""};

#define NROWS (sizeof vowel_base - 1)

static void fold_is(const char *in, const char *want)
{
	char out[TEXT_MAX_FOLD];

	ck_assert_msg(text_fold(in, out, sizeof out) == DS_OK, "\"%s\" refused", in);
	ck_assert_msg(strcmp(out, want) == 0, "\"%s\" folded to \"%s\", want \"%s\"", in, out,
	              want);
}

START_TEST(fold_vietnamese_name)
{
	fold_is("Nguyễn Văn An", "nguyen van an");
	fold_is("Lê Thị Đào", "le thi dao");
	fold_is("Võ Minh Đức", "vo minh duc");
	fold_is("12 Lý Thường Kiệt, P.1", "12 ly thuong kiet, p.1");
}
END_TEST

START_TEST(fold_d_with_stroke)
{
	fold_is("Đồng Tháp", "dong thap");
	fold_is("đđĐĐ", "dddd");
}
END_TEST

START_TEST(fold_nfd_input)
{
	fold_is("Nguye\xcc\x82\xcc\x83n", "nguyen");  /* ê and ngã as combining marks */
	fold_is("e\xcc\x81", "e");
	fold_is("Ca\xcc\x80 Mau", "ca mau");
}
END_TEST

START_TEST(fold_latin1_letters)
{
	fold_is("ÀÉÎÕÜÇÑÝ", "aeioucny");
	fold_is("àéîõüçñýÿ", "aeioucnyy");
}
END_TEST

START_TEST(fold_keeps_other_characters)
{
	fold_is("Tp. HCM — 100%", "tp. hcm — 100%");
	fold_is("日本", "日本");
}
END_TEST

START_TEST(fold_collapses_white_space)
{
	fold_is("  Nguyễn \t Văn\n\r\nAn  ", "nguyen van an");
	fold_is("a\v\fb", "a b");
	fold_is("   ", "");
	fold_is("", "");
	/* A combining mark between spaces must not split the run. */
	fold_is("a \xcc\x81 b", "a b");
}
END_TEST

START_TEST(fold_refuses_short_output)
{
	char out[16];

	ck_assert_int_eq(text_fold("nguyen", out, 6), DS_ETOOBIG);
	ck_assert_int_eq(text_fold("nguyen", out, 7), DS_OK);
	ck_assert_str_eq(out, "nguyen");
	ck_assert_int_eq(text_fold("Nguyễn", out, 7), DS_OK);
	ck_assert_int_eq(text_fold("x", out, 0), DS_ETOOBIG);
	ck_assert_int_eq(text_fold("日本", out, 6), DS_ETOOBIG);
	ck_assert_int_eq(text_fold("日本", out, 7), DS_OK);
}
END_TEST

/* Regression: a trailing space was written before being trimmed, so a text whose fold fits
 * exactly (strlen + 1 bytes) was refused as too big when it ended in white space. */
START_TEST(regression_fold_fits_exactly_despite_trailing_space)
{
	char out[8];

	ck_assert_int_eq(text_fold("abc ", out, 4), DS_OK);
	ck_assert_str_eq(out, "abc");
	ck_assert_int_eq(text_fold("Đào \t\n", out, 4), DS_OK);
	ck_assert_str_eq(out, "dao");
	ck_assert_int_eq(text_fold("a b", out, 3), DS_ETOOBIG);
	ck_assert_int_eq(text_fold("a b", out, 4), DS_OK);
	ck_assert_str_eq(out, "a b");
}
END_TEST

START_TEST(fold_every_vowel_with_every_tone_precomposed)
{
	const char *const *rows[] = {vowels_lower, vowels_upper};
	char out[64], form[8];
	size_t r, k, checked = 0;
	const char *p, *q;

	for (k = 0; k < 2; k++) {
		for (r = 0; r < NROWS; r++) {
			for (p = rows[k][r]; *p; p = *q ? q + 1 : q) {
				q = strchr(p, ' ');
				if (q == NULL)
					q = p + strlen(p);
				ck_assert_uint_lt((size_t)(q - p), sizeof form);
				memcpy(form, p, (size_t)(q - p));
				form[q - p] = '\0';
				ck_assert_msg(text_fold(form, out, sizeof out) == DS_OK,
				              "%s refused", form);
				ck_assert_msg(out[0] == vowel_base[r] && out[1] == '\0',
				              "%s folded to \"%s\", want %c", form, out,
				              vowel_base[r]);
				checked++;
			}
		}
	}
	ck_assert_uint_eq(checked, 2 * NROWS * 6);
}
END_TEST

START_TEST(fold_every_vowel_with_every_tone_decomposed)
{
	char in[32], out[64];
	size_t r, t, up;

	for (up = 0; up < 2; up++) {
		for (r = 0; r < NROWS; r++) {
			for (t = 0; t <= 5; t++) {
				/* base letter + modifier (breve, circumflex, horn) + tone, all
				 * combining */
				snprintf(in, sizeof in, "%c%s%s",
				         up ? vowel_base[r] - 32 : vowel_base[r],
				         vowel_modifier[r], t ? tone_marks[t - 1] : "");
				ck_assert_msg(text_fold(in, out, sizeof out) == DS_OK,
				              "row %zu tone %zu", r, t);
				ck_assert_msg(out[0] == vowel_base[r] && out[1] == '\0',
				              "row %zu tone %zu folded to \"%s\"", r, t, out);
			}
		}
	}
}
END_TEST

START_TEST(valid_utf8_accepts_good_text)
{
	ck_assert(text_valid_utf8("", 0));
	ck_assert(text_valid_utf8("abc", 3));
	ck_assert(text_valid_utf8("Nguyễn", strlen("Nguyễn")));
	ck_assert(text_valid_utf8("\xf0\x9f\x98\x80", 4));     /* U+1F600 */
	ck_assert(text_valid_utf8("\xf4\x8f\xbf\xbf", 4));     /* U+10FFFF */
	ck_assert(text_valid_utf8("\xed\x9f\xbf", 3));         /* U+D7FF */
}
END_TEST

START_TEST(valid_utf8_refuses_overlong_surrogate_truncated)
{
	ck_assert(!text_valid_utf8("\xc0\xaf", 2));            /* overlong '/' */
	ck_assert(!text_valid_utf8("\xc1\xbf", 2));
	ck_assert(!text_valid_utf8("\xe0\x80\xaf", 3));
	ck_assert(!text_valid_utf8("\xf0\x80\x80\xaf", 4));
	ck_assert(!text_valid_utf8("\xed\xa0\x80", 3));        /* U+D800 */
	ck_assert(!text_valid_utf8("\xed\xbf\xbf", 3));        /* U+DFFF */
	ck_assert(!text_valid_utf8("\xe1\xbb", 2));            /* truncated ễ */
	ck_assert(!text_valid_utf8("\xe1\xbb\x85", 2));        /* truncated by the length */
	ck_assert(!text_valid_utf8("\x80", 1));                /* lone continuation */
	ck_assert(!text_valid_utf8("\xf4\x90\x80\x80", 4));    /* above U+10FFFF */
	ck_assert(!text_valid_utf8("\xff", 1));
	ck_assert(!text_valid_utf8("\xf8\x88\x80\x80\x80", 5));
	ck_assert(!text_valid_utf8("a\0b", 3));                /* NUL */
}
END_TEST

START_TEST(fold_refuses_invalid_utf8)
{
	char out[64];

	ck_assert_int_eq(text_fold("\xc0\xaf", out, sizeof out), DS_EINVAL);
	ck_assert_int_eq(text_fold("ab\xed\xa0\x80", out, sizeof out), DS_EINVAL);
	ck_assert_int_eq(text_fold("Nguy\xe1\xbb", out, sizeof out), DS_EINVAL);
	ck_assert_int_eq(text_fold("\xe1\xbbx", out, sizeof out), DS_EINVAL);
}
END_TEST

START_TEST(match_ignores_accents_and_case)
{
	ck_assert(text_match("Nguyễn Văn An", "nguyen van an"));
	ck_assert(text_match("nguyen van an", "Nguyễn Văn An"));
	ck_assert(text_match("Lê Thị Đào", "dao"));
	ck_assert(text_match("Lê Thị Đào", "d"));
	ck_assert(text_match("Lê Thị Đào", "THI"));
	ck_assert(text_match("Lê  Thị\tĐào", "le thi dao"));
	ck_assert(text_match("Lê Thị Đào", ""));
}
END_TEST

START_TEST(match_no_false_match)
{
	ck_assert(!text_match("Lê Thị Đào", "dao x"));
	ck_assert(!text_match("Nguyễn Văn An", "van bn"));
	ck_assert(!text_match("Nguyễn Văn An", "nguyenvan"));
	ck_assert(!text_match("Lê Thị Đào", "b"));
	ck_assert(!text_match("An", "an an"));
}
END_TEST

START_TEST(match_false_for_bad_or_null_or_long_text)
{
	char big[TEXT_MAX_FOLD + 10];

	ck_assert(!text_match("Lê Thị Đào\xc0\xaf", "le"));
	ck_assert(!text_match("Lê Thị Đào", "\xed\xa0\x80"));
	ck_assert(!text_match(NULL, "a"));
	ck_assert(!text_match("a", NULL));
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert(!text_match(big, "a"));
}
END_TEST

/* Each case: input, what a terminal may be given. */
START_TEST(regression_terminal_strips_escape_sequences)
{
	static const char *const cases[][2] = {
		{"L\xc3\xaa \x1b[31mTh\xe1\xbb\x8b\x1b[0m \xc4\x90\xc3\xa0o", "Lê Thị Đào"},
		{"a\x1b]52;c;cm0gLXJmIH4=\x07z", "az"},          /* OSC 52 ended by BEL */
		{"a\x1b]0;title\x1b\\z", "az"},                 /* OSC ended by ST */
		{"a\xc2\x9b" "5mz", "az"},                      /* C1 CSI */
		{"a\xc2\x9d" "0;t\xc2\x9cz", "az"},             /* C1 OSC ended by C1 ST */
		{"a\xc2\x85z", "az"},                           /* another C1 control */
		{"a\x1b(Bz\x1b" "7", "az"},                     /* charset and a lone escape */
		{"a\x08\x7f\r\x01z", "az"},                     /* C0 controls and DEL */
		{"a\x1b]52;c;unterminated", "a"},
		{"a\x1b[1;3", "a"},
		{"line\n\tnext", "line\n\tnext"},
		{"bad\xff byte", "bad? byte"},
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(text_terminal(cases[i][0], out, sizeof out), "case %zu", i);
		ck_assert_str_eq(out, cases[i][1]);
	}
}
END_TEST

START_TEST(terminal_cuts_at_a_character_boundary)
{
	char out[6];

	ck_assert(text_terminal("ab\x1b[0m", out, 3));
	ck_assert_str_eq(out, "ab");
	ck_assert(!text_terminal("abc\xc4\x90", out, 5));
	ck_assert_str_eq(out, "abc");
	ck_assert(!text_terminal("abc", out, 1));
	ck_assert_str_eq(out, "");
}
END_TEST

static Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fold_vietnamese_name);
	tcase_add_test(tc, fold_d_with_stroke);
	tcase_add_test(tc, fold_nfd_input);
	tcase_add_test(tc, fold_latin1_letters);
	tcase_add_test(tc, fold_keeps_other_characters);
	tcase_add_test(tc, fold_collapses_white_space);
	tcase_add_test(tc, fold_refuses_short_output);
	tcase_add_test(tc, regression_fold_fits_exactly_despite_trailing_space);
	tcase_add_test(tc, fold_every_vowel_with_every_tone_precomposed);
	tcase_add_test(tc, fold_every_vowel_with_every_tone_decomposed);
	tcase_add_test(tc, valid_utf8_accepts_good_text);
	tcase_add_test(tc, valid_utf8_refuses_overlong_surrogate_truncated);
	tcase_add_test(tc, fold_refuses_invalid_utf8);
	tcase_add_test(tc, match_ignores_accents_and_case);
	tcase_add_test(tc, match_no_false_match);
	tcase_add_test(tc, match_false_for_bad_or_null_or_long_text);
	tcase_add_test(tc, regression_terminal_strips_escape_sequences);
	tcase_add_test(tc, terminal_cuts_at_a_character_boundary);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(text_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
