/* test_jsonrec.c: pins shared/jsonrec.c, the one-pass reader behind sync batches: what it keeps of
 * each record, and every way it refuses a text jansson also refuses (duplicate keys, NUL,
 * lone surrogates, bad UTF-8, trailing bytes, a root that is not an object), including the
 * leniencies of yajl 2.1 it has to make up for. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonrec.h"

#define SEEN_MAX 8

/* What the record callback saw: each record's index, member count and the value of "x". */
struct seen {
	size_t n;
	int is_obj[SEEN_MAX];
	size_t members[SEEN_MAX];
	char x[SEEN_MAX][32];
	size_t child_members[SEEN_MAX];
	size_t flags_items[SEEN_MAX];
	int stop_at;
};

static int on_record(void *ctx, size_t i, const struct jsonrec_obj *rec)
{
	struct seen *s = ctx;
	const struct jsonrec_member *m;

	ck_assert_uint_eq(i, s->n);
	if (s->n < SEEN_MAX) {
		s->is_obj[s->n] = rec != NULL;
		s->members[s->n] = rec ? rec->n : 0;
		m = rec ? jsonrec_get(rec, "x") : NULL;
		if (m && m->v.type == JSONREC_STRING)
			snprintf(s->x[s->n], sizeof s->x[0], "%s", m->v.s);
		m = rec ? jsonrec_get(rec, "gps") : NULL;
		s->child_members[s->n] = m && m->obj ? m->obj->n : 0;
		m = rec ? jsonrec_get(rec, "flags") : NULL;
		s->flags_items[s->n] = m ? m->n_items : 0;
	}
	s->n++;
	return s->stop_at > 0 && (int)s->n == s->stop_at;
}

static enum ds_err parse_batch(const char *text, struct jsonrec_obj *root, struct seen *s,
                               char *err)
{
	memset(s, 0, sizeof *s);
	err[0] = '\0';
	return jsonrec_parse(text, strlen(text), "events", "gps", root, on_record, s, err);
}

static void ck_refused(const char *text, const char *why)
{
	static struct jsonrec_obj root;
	struct seen s;
	char err[JSONREC_ERR_MAX];

	ck_assert_msg(parse_batch(text, &root, &s, err) == DS_EINVAL, "accepted: %s", text);
	ck_assert_msg(strstr(err, why) != NULL, "%s: error \"%s\" lacks \"%s\"", text, err, why);
}

START_TEST(records_reach_the_callback_in_order)
{
	static struct jsonrec_obj root;
	struct seen s;
	char err[JSONREC_ERR_MAX];
	const struct jsonrec_member *m;

	ck_assert_int_eq(parse_batch("{} \r\n\t", &root, &s, err), DS_OK);
	ck_assert_int_eq(parse_batch("{\"v\":1,\"events\":[{\"x\":\"a\",\"gps\":{\"p\":1,"
	                             "\"q\":[1]},"
	                             "\"flags\":[\"f\",2,{},[]]},7,{\"x\":\"Nguyễn\"},[1]],"
	                             "\"cursor\":12}", &root, &s, err), DS_OK);
	ck_assert_uint_eq(s.n, 4);
	ck_assert(s.is_obj[0] && !s.is_obj[1] && s.is_obj[2] && !s.is_obj[3]);
	ck_assert_str_eq(s.x[0], "a");
	ck_assert_str_eq(s.x[2], "Nguyễn");
	ck_assert_uint_eq(s.members[0], 3);
	ck_assert_uint_eq(s.child_members[0], 2);
	ck_assert_uint_eq(s.flags_items[0], 4);
	ck_assert_uint_eq(s.child_members[2], 0); /* the child is the record's own */
	ck_assert_uint_eq(root.n, 3);
	m = jsonrec_get(&root, "events");
	ck_assert(m != NULL && m->v.type == JSONREC_ARRAY && m->n_items == 4);
	m = jsonrec_get(&root, "cursor");
	ck_assert(m != NULL && m->v.type == JSONREC_INT && m->v.i == 12);
}
END_TEST

START_TEST(values_keep_their_types_and_exact_integers)
{
	static struct jsonrec_obj root;
	struct seen s;
	char err[JSONREC_ERR_MAX];
	const struct jsonrec_member *m;

	ck_assert_int_eq(parse_batch("{\"a\":9223372036854775807,\"b\":-9223372036854775808,"
	                             "\"c\":9223372036854775808,\"d\":1.5,\"e\":1e999,\"f\":1e-400,"
	                             "\"g\":true,\"h\":false,\"i\":null,\"j\":\"t\\u00e9\\n\","
	                             "\"k\":2.0,\"l\":{\"deep\":[[[[[[[[[[1]]]]]]]]]]}}",
	                             &root, &s, err), DS_OK);
	ck_assert_uint_eq(s.n, 0);
	m = jsonrec_get(&root, "a");
	ck_assert(m->v.type == JSONREC_INT && m->v.i == INT64_MAX && !m->v.range);
	m = jsonrec_get(&root, "b");
	ck_assert(m->v.type == JSONREC_INT && m->v.i == INT64_MIN && !m->v.range);
	ck_assert(jsonrec_get(&root, "c")->v.range);
	m = jsonrec_get(&root, "d");
	ck_assert(m->v.type == JSONREC_REAL && m->v.d == 1.5);
	ck_assert(jsonrec_get(&root, "e")->v.range);
	ck_assert(!jsonrec_get(&root, "f")->v.range); /* underflow is the nearest value, as in
	                                               * jansson */
	ck_assert_int_eq(jsonrec_get(&root, "g")->v.type, JSONREC_TRUE);
	ck_assert_int_eq(jsonrec_get(&root, "h")->v.type, JSONREC_FALSE);
	ck_assert_int_eq(jsonrec_get(&root, "i")->v.type, JSONREC_NULL);
	m = jsonrec_get(&root, "j");
	ck_assert(m->v.type == JSONREC_STRING && m->v.len == 4 &&
	          strcmp(m->v.s, "t\xc3\xa9\n") == 0);
	ck_assert_int_eq(jsonrec_get(&root, "k")->v.type, JSONREC_REAL);
	ck_assert_int_eq(jsonrec_get(&root, "l")->v.type, JSONREC_OBJECT);
	ck_assert_ptr_null(jsonrec_get(&root, "l")->obj);
}
END_TEST

START_TEST(a_record_without_array_key_is_the_root)
{
	struct seen s = {0};
	char err[JSONREC_ERR_MAX] = "";
	const char *t = "{\"x\":\"one\",\"gps\":{\"lat\":1}}";

	ck_assert_int_eq(jsonrec_parse(t, strlen(t), NULL, "gps", NULL, on_record, &s, err), DS_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.x[0], "one");
	ck_assert_uint_eq(s.child_members[0], 1);
}
END_TEST

START_TEST(the_callback_can_stop_the_parse)
{
	static struct jsonrec_obj root;
	struct seen s = {.stop_at = 2};
	char err[JSONREC_ERR_MAX] = "";
	const char *t = "{\"events\":[{},{},{}]}";

	ck_assert_int_eq(jsonrec_parse(t, strlen(t), "events", NULL, &root, on_record, &s, err),
	                 DS_EINVAL);
	ck_assert_uint_eq(s.n, 2);
}
END_TEST

START_TEST(refuses_what_jansson_refuses)
{
	ck_refused("", "malformed JSON");
	ck_refused("{\"events\":[{}", "malformed JSON");
	ck_refused("{} x", "malformed JSON");
	ck_refused("{\"a\":01}", "malformed JSON");
	ck_refused("{\"a\":1,}", "malformed JSON");
	ck_refused("[]", "not a JSON object");
	ck_refused("\"s\"", "not a JSON object");
	ck_refused("{\"v\":1,\"v\":2}", "duplicate member: v");
	ck_refused("{\"events\":[{\"x\":1,\"x\":1}]}", "duplicate member: x");
	ck_refused("{\"events\":[{\"gps\":{\"a\":1,\"a\":1}}]}", "duplicate member: a");
	ck_refused("{\"a\":\"x\\u0000y\"}", "not valid UTF-8");
	ck_refused("{\"a\\u0000b\":1}", "key is not valid UTF-8");
	ck_refused("{\"a\":\"\xc0\xaf\"}", "malformed JSON"); /* overlong '/' */
	ck_refused("{\"a\":\"\xed\xa0\x80\"}", "malformed JSON"); /* a surrogate's bytes */
	ck_refused("{\"a\":\"\xff\"}", "malformed JSON");
	ck_refused("{\"a\":1,\v\"b\":2}", "control character"); /* yajl takes \v as space */
	ck_refused("{\f}", "control character");
	/* yajl 2.1 alone accepts an unterminated string after the root. */
	ck_refused("{\"v\":1}\"", "trailing bytes");
	ck_refused("{\"v\":1} \"}", "trailing bytes");
	ck_refused("{\"v\":1}\"\\", "malformed JSON");
}
END_TEST

/* yajl 2.1 decodes a lone surrogate escape as "?" and accepts it; this must refuse it, and
 * still take a proper pair (an emoji escaped by an ASCII-only JSON writer). */
START_TEST(lone_surrogate_escapes_are_refused)
{
	static struct jsonrec_obj root;
	struct seen s;
	char err[JSONREC_ERR_MAX];
	const struct jsonrec_member *m;

	ck_refused("{\"a\":\"x\\uD800y\"}", "malformed JSON");
	ck_refused("{\"a\":\"\\udc00\"}", "malformed JSON");
	ck_refused("{\"a\":\"\\uD83D\\u0041\"}", "malformed JSON");
	ck_assert_int_eq(parse_batch("{\"a\":\"\\uD83D\\uDE00\",\"b\":\"\\\\uD800\"}", &root, &s,
	                             err),
	                 DS_OK);
	m = jsonrec_get(&root, "a");
	ck_assert_str_eq(m->v.s, "\xF0\x9F\x98\x80");
	ck_assert_str_eq(jsonrec_get(&root, "b")->v.s, "\\uD800");
}
END_TEST

/* jsonrec.c's own surrogate check against jansson as the oracle: every pairing of a code
 * unit around the surrogate range with what may follow it, escaped or behind an escaped
 * backslash, is refused by the one exactly when the other refuses it. */
START_TEST(surrogate_escapes_agree_with_jansson)
{
	static const char *const units[] = {"D7FF", "D800", "d83d", "DBFF", "DC00", "dfff", "E000"};
	static const char *const next[] = {"", "x", "\\u0041", "\\uDC00", "\\uDE00", "\\uD800",
		"\\uE000", "\\\\uDC00", "\\u00"};
	static const char *const before[] = {"", "\\", "\\\\", "a\\\\"};
	static struct jsonrec_obj root;
	char text[96], err[JSONREC_ERR_MAX];
	struct seen s;
	size_t u, n, b, checked = 0;
	json_t *j;
	int ok;

	for (u = 0; u < sizeof units / sizeof units[0]; u++)
		for (n = 0; n < sizeof next / sizeof next[0]; n++)
			for (b = 0; b < sizeof before / sizeof before[0]; b++) {
				snprintf(text, sizeof text, "{\"a\":\"%s\\u%s%s\"}", before[b],
				         units[u], next[n]);
				j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
				ok = parse_batch(text, &root, &s, err) == DS_OK;
				ck_assert_msg(ok == (j != NULL), "%s: jansson %s it", text,
				              j ? "takes" : "refuses");
				json_decref(j);
				checked++;
			}
	ck_assert_uint_eq(checked, 7 * 9 * 4);
}
END_TEST

/* jansson 2.14 takes a raw NUL between tokens ("{\"v\":1\0}"); yajl does not, nor must this. */
START_TEST(refuses_a_raw_nul_byte)
{
	static struct jsonrec_obj root;
	struct seen s = {0};
	char err[JSONREC_ERR_MAX] = "";
	static const char text[] = "{\"v\":1\0,\"cursor\":0}";

	ck_assert_int_eq(jsonrec_parse(text, sizeof text - 1, "events", NULL, &root, on_record, &s,
	                            err), DS_EINVAL);
	ck_assert_msg(strstr(err, "malformed JSON") != NULL, "%s", err);
}
END_TEST

START_TEST(refuses_too_many_members)
{
	char text[2048];
	size_t used = 0;
	int i;

	used += (size_t)snprintf(text + used, sizeof text - used, "{");
	for (i = 0; i <= JSONREC_MEMBERS_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "%s\"k%d\":%d",
		                         i ? "," : "", i, i);
	snprintf(text + used, sizeof text - used, "}");
	ck_refused(text, "too many members");
}
END_TEST

START_TEST(long_keys_are_kept_as_unknown)
{
	static struct jsonrec_obj root;
	struct seen s;
	char err[JSONREC_ERR_MAX], text[256];

	snprintf(text, sizeof text, "{\"%0*d\":1}", JSONREC_KEY_MAX + 1, 7);
	ck_assert_int_eq(parse_batch(text, &root, &s, err), DS_OK);
	ck_assert_uint_eq(root.n, 1);
	ck_assert_str_eq(root.m[0].key, "");
}
END_TEST

static Suite *jsonrec_suite(void)
{
	Suite *s = suite_create("flat");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, records_reach_the_callback_in_order);
	tcase_add_test(tc, values_keep_their_types_and_exact_integers);
	tcase_add_test(tc, a_record_without_array_key_is_the_root);
	tcase_add_test(tc, the_callback_can_stop_the_parse);
	tcase_add_test(tc, refuses_what_jansson_refuses);
	tcase_add_test(tc, surrogate_escapes_agree_with_jansson);
	tcase_add_test(tc, lone_surrogate_escapes_are_refused);
	tcase_add_test(tc, refuses_a_raw_nul_byte);
	tcase_add_test(tc, refuses_too_many_members);
	tcase_add_test(tc, long_keys_are_kept_as_unknown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(jsonrec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
