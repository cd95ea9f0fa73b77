/* jdoc.c: yajl's generator and tree, with what they lack for the server's strictness. A text
 * is parsed twice: once by yajl's event parser with comments off, which checks the grammar
 * and every string's UTF-8 and finds where the value ends, then by yajl_tree_parse, which
 * builds the tree (and would take comments, so it never sees a text the first pass refused);
 * the tree is then searched for duplicate keys, which neither pass refuses. Documents here
 * are small (an enrolment body, a travel matrix), so the second pass costs little. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "canon.h"
#include "jsonrec.h"
#include "server/jdoc.h"
#include "text.h"

yajl_gen jdoc_gen(int pretty)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		return NULL;
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	if (pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, JDOC_INDENT);
	}
	return g;
}

int jdoc_str(yajl_gen g, const char *s)
{
	if (s == NULL)
		return yajl_gen_null(g) != yajl_gen_status_ok;
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) != yajl_gen_status_ok;
}

int jdoc_int(yajl_gen g, long long v)
{
	return yajl_gen_integer(g, v) != yajl_gen_status_ok;
}

int jdoc_real(yajl_gen g, double v, int digits)
{
	char buf[CANON_REAL_MAX];
	int n = canon_real_text(v, digits, buf, sizeof buf);

	if (n < 0)
		return yajl_gen_null(g) != yajl_gen_status_ok;
	return yajl_gen_number(g, buf, (size_t)n) != yajl_gen_status_ok;
}

int jdoc_kstr(yajl_gen g, const char *k, const char *s)
{
	return jdoc_str(g, k) || jdoc_str(g, s);
}

int jdoc_kint(yajl_gen g, const char *k, long long v)
{
	return jdoc_str(g, k) || jdoc_int(g, v);
}

int jdoc_kreal(yajl_gen g, const char *k, double v, int digits)
{
	return jdoc_str(g, k) || jdoc_real(g, v, digits);
}

char *jdoc_text(yajl_gen g, size_t *len)
{
	const unsigned char *buf;
	size_t n;
	char *s;

	if (yajl_gen_get_buf(g, &buf, &n) != yajl_gen_status_ok || (s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, buf, n);
	s[n] = '\0';
	if (len != NULL)
		*len = n;
	return s;
}

/* The first pass's state: open containers, where the value ended, and a refusal. */
struct jdoc_scan {
	yajl_handle h;
	int depth;
	size_t end;
	const char *why;
};

static int jdoc_cb_text(void *ctx, const unsigned char *s, size_t len)
{
	struct jdoc_scan *sc = ctx;

	if (text_valid_utf8((const char *)s, len))
		return 1;
	sc->why = "a string is not valid UTF-8 text";
	return 0;
}

static int jdoc_cb_open(void *ctx)
{
	((struct jdoc_scan *)ctx)->depth++;
	return 1;
}

static int jdoc_cb_close(void *ctx)
{
	struct jdoc_scan *sc = ctx;

	if (--sc->depth == 0)
		sc->end = yajl_get_bytes_consumed(sc->h);
	return 1;
}

static const yajl_callbacks jdoc_scan_callbacks = {
	.yajl_string = jdoc_cb_text, .yajl_map_key = jdoc_cb_text,
	.yajl_start_map = jdoc_cb_open, .yajl_end_map = jdoc_cb_close,
	.yajl_start_array = jdoc_cb_open, .yajl_end_array = jdoc_cb_close,
};

/* The first pass. Only a document that is an object or array is taken, as every one the
 * server reads is; yajl 2.1 would otherwise forget an unterminated string after it, so
 * nothing but white space may follow. */
static enum ds_err jdoc_scan(const char *text, size_t len, char *err)
{
	struct jdoc_scan sc = {.h = yajl_alloc(&jdoc_scan_callbacks, NULL, &sc)};
	yajl_status st;
	size_t i;

	if (sc.h == NULL)
		return DS_ENOMEM;
	st = yajl_parse(sc.h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(sc.h);
	i = sc.end;
	while (st == yajl_status_ok && i < len && strchr(" \t\r\n", text[i]) != NULL && text[i])
		i++;
	if (st != yajl_status_ok || sc.end == 0 || i < len)
		snprintf(err, JDOC_ERR_MAX, "malformed JSON at byte %zu: %s",
		         yajl_get_bytes_consumed(sc.h),
		         sc.why ? sc.why : sc.end == 0 ? "not an object or array" : "not JSON");
	yajl_free(sc.h);
	return st == yajl_status_ok && sc.end > 0 && i == len ? DS_OK : DS_EINVAL;
}

/* The first key of V or its descendants that repeats a sibling's, or NULL. */
static const char *jdoc_duplicate(yajl_val v)
{
	const char *d = NULL;
	size_t i, k, n;

	if (YAJL_IS_ARRAY(v))
		for (i = 0; i < v->u.array.len && d == NULL; i++)
			d = jdoc_duplicate(v->u.array.values[i]);
	if (!YAJL_IS_OBJECT(v))
		return d;
	n = v->u.object.len;
	/* O(n^2) a level; the largest object read is a travel matrix row of a round's stops. */
	for (i = 0; i < n && d == NULL; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(v->u.object.keys[i], v->u.object.keys[k]) == 0)
				return v->u.object.keys[i];
		d = jdoc_duplicate(v->u.object.values[i]);
	}
	return d;
}

yajl_val jdoc_parse(const char *text, size_t len, char *err)
{
	char *copy = NULL, why[JDOC_ERR_MAX];
	const char *dup;
	yajl_val v = NULL;

	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, JDOC_ERR_MAX, "malformed JSON: a NUL byte");
		return NULL;
	}
	if (jsonrec_screen(text, len, err) != DS_OK || jdoc_scan(text, len, err) != DS_OK)
		return NULL;
	if ((copy = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	v = yajl_tree_parse(copy, why, sizeof why);
	free(copy);
	if (v == NULL)
		snprintf(err, JDOC_ERR_MAX, "malformed JSON: %.100s", why);
	else if ((dup = jdoc_duplicate(v)) != NULL) {
		snprintf(err, JDOC_ERR_MAX, "malformed JSON: duplicate member: %.60s", dup);
		yajl_tree_free(v);
		v = NULL;
	}
	return v;
}

yajl_val jdoc_get(yajl_val o, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(o))
		return NULL;
	for (i = 0; i < o->u.object.len; i++)
		if (strcmp(o->u.object.keys[i], key) == 0)
			return o->u.object.values[i];
	return NULL;
}
