/* test_jdoc.c: server/jdoc.c reads small documents as strictly as jansson with
 * JSON_REJECT_DUPLICATES did (jansson is the oracle: each text is taken by both or refused
 * by both, duplicate keys at any depth included), refuses yajl's leniencies (comments, a
 * trailing unterminated string, lone surrogates), and writes reals as jansson does at the
 * precisions the server uses. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "server/jdoc.h"

static const char *const texts[] = {
	"{}", "[]", "{\"a\":1}", "{\"a\":[1,2,{\"b\":null}]}", "{\"a\":\"Đồng Tháp\"}",
	"{\"a\":\"\\uD83D\\uDE00\"}", " {\"a\" : 1 } \n", "{\"a\":1,\"b\":{\"a\":2}}",
	"{\"a\":1,\"a\":2}", "{\"m\":{\"x\":{\"y\":1,\"y\":2}}}", "[{\"k\":1,\"k\":1}]",
	"{\"a\":1} // c", "{/* c */\"a\":1}", "{\"a\":1}\"", "{\"a\":1} x", "{\"a\":1,}",
	"{\"a\":01}", "{\"a\":\"\\uD800\"}", "{\"a\":\"\\uDC00x\"}", "{\"a\":\"\xC3\x28\"}",
	"{\"a\":\"\xED\xA0\x80\"}", "{\"a\":\"\\u0000\"}", "{\"a\":1,\v\"b\":2}", "", "   ",
	"{\"a\":[1,2]", "{\"a\":tru}", "{\"a\":\"x\ty\"}", "{\"\xC3\x28\":1}",
};

START_TEST(accepts_exactly_what_jansson_accepts)
{
	char err[JDOC_ERR_MAX];
	size_t i;
	json_t *j;
	yajl_val v;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		j = json_loadb(texts[i], strlen(texts[i]), JSON_REJECT_DUPLICATES, NULL);
		err[0] = '\0';
		v = jdoc_parse(texts[i], strlen(texts[i]), err);
		ck_assert_msg((v != NULL) == (j != NULL), "%s: jansson %s, jdoc %s (%s)", texts[i],
		              j ? "takes it" : "refuses it", v ? "takes it" : "refuses it", err);
		if (v == NULL)
			ck_assert_msg(strncmp(err, "malformed JSON", 14) == 0, "%s: %s", texts[i],
			              err);
		json_decref(j);
		yajl_tree_free(v);
	}
}
END_TEST

/* jansson takes a raw NUL between tokens; nothing the server reads may hold one. */
START_TEST(refuses_a_nul_byte)
{
	static const char text[] = "{\"a\":1\0}";
	char err[JDOC_ERR_MAX];

	ck_assert_ptr_null(jdoc_parse(text, sizeof text - 1, err));
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
}
END_TEST

START_TEST(duplicates_are_named)
{
	char err[JDOC_ERR_MAX];
	const char *t = "{\"seconds\":{\"A1\":{\"A2\":60,\"A3\":70,\"A2\":61}}}";

	ck_assert_ptr_null(jdoc_parse(t, strlen(t), err));
	ck_assert_str_eq(err, "malformed JSON: duplicate member: A2");
}
END_TEST

START_TEST(get_finds_members)
{
	char err[JDOC_ERR_MAX];
	const char *t = "{\"code\":\"ABCD\",\"n\":2.5,\"o\":{\"x\":[1]}}";
	yajl_val v = jdoc_parse(t, strlen(t), err);

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(YAJL_GET_STRING(jdoc_get(v, "code")), "ABCD");
	ck_assert(YAJL_GET_DOUBLE(jdoc_get(v, "n")) == 2.5);
	ck_assert(YAJL_IS_ARRAY(jdoc_get(jdoc_get(v, "o"), "x")));
	ck_assert_ptr_null(jdoc_get(v, "missing"));
	ck_assert_ptr_null(jdoc_get(jdoc_get(v, "code"), "x"));
	yajl_tree_free(v);
}
END_TEST

/* Reals at 6, 12 and 17 digits (report, replies, solve and plan) as jansson writes them. */
START_TEST(reals_match_jansson)
{
	static const int digits[] = {6, 12, 17};
	static const double fixed[] = {0.0, -0.0, 1.0, 100.0, 1e21, 1e-7, 123456789012.5, 0.1,
		-105.6412001, 5e-324, 1.7976931348623157e308};
	unsigned seed = 42;
	int d, i, k;
	double v;
	char *want, *got;
	yajl_gen g;
	json_t *a;

	for (d = 0; d < 3; d++)
		for (i = 0; i < 3000; i++) {
			k = i % 3;
			if (i < 11)
				v = fixed[i];
			else if (k == 0)
				v = rand_r(&seed) / 7.0;
			else if (k == 1)
				v = (rand_r(&seed) - RAND_MAX / 2) * 1e-9;
			else
				v = ldexp(rand_r(&seed), i % 80 - 40);
			a = json_pack("[f]", v);
			want = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(digits[d]));
			g = jdoc_gen(0);
			ck_assert(yajl_gen_array_open(g) == yajl_gen_status_ok);
			ck_assert_int_eq(jdoc_real(g, v, digits[d]), 0);
			ck_assert(yajl_gen_array_close(g) == yajl_gen_status_ok);
			got = jdoc_text(g, NULL);
			ck_assert_msg(strcmp(want, got) == 0, "%.17g at %d: %s against %s", v,
			              digits[d], got, want);
			free(want);
			free(got);
			yajl_gen_free(g);
			json_decref(a);
		}
}
END_TEST

static Suite *jdoc_suite(void)
{
	Suite *s = suite_create("jdoc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, accepts_exactly_what_jansson_accepts);
	tcase_add_test(tc, refuses_a_nul_byte);
	tcase_add_test(tc, duplicates_are_named);
	tcase_add_test(tc, get_finds_members);
	tcase_add_test(tc, reals_match_jansson);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(jdoc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
