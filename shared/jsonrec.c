/* jsonrec.c: yajl's event parser feeds member tables directly, at a fraction of the cost of
 * building a tree of the whole batch (docs/PERFORMANCE.md). The parse keeps a stack of frames, one
 * per open container, each saying where the values inside it go. yajl checks the JSON grammar and
 * UTF-8 structure; this file adds what a strict decoder also needs: no duplicate keys, no NUL in
 * text, exact integers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "jsonrec.h"
#include "text.h"

#define JSONREC_DEPTH_MAX 8 /* frames kept; anything deeper is skipped (and refused by type) */

enum jsonrec_frame { F_SKIP, F_ROOT, F_RECORDS, F_REC, F_CHILD, F_ITEMS };

struct jsonrec_parser {
	const char *array_key, *child_key;
	struct jsonrec_obj *root, rec, child;
	jsonrec_record_fn fn;
	void *ctx;
	size_t index;               /* the next record's */
	int depth;                  /* open containers */
	enum jsonrec_frame frame[JSONREC_DEPTH_MAX];
	struct jsonrec_member *owner[JSONREC_DEPTH_MAX]; /* F_ITEMS, F_RECORDS: the member
	                                                  * counting */
	const char *key;            /* the pending key of the innermost object frame */
	int stopped;                /* the record callback asked to stop */
	yajl_handle h;
	size_t end;                 /* offset just past the root's closing brace */
	char err[JSONREC_ERR_MAX];
};

/* Copies LEN bytes of S into O's text store, NUL-terminated; NULL when there is no room. */
static const char *jsonrec_keep(struct jsonrec_obj *o, const char *s, size_t len)
{
	char *p;

	if (len >= sizeof o->text - o->used)
		return NULL;
	p = o->text + o->used;
	memcpy(p, s, len);
	p[len] = '\0';
	o->used += len + 1;
	return p;
}

static void jsonrec_reset(struct jsonrec_obj *o)
{
	o->n = 0;
	o->used = 0;
}

static int jsonrec_fail(struct jsonrec_parser *p, const char *what, const char *key)
{
	/* A key is quoted only when it is text: the message ends up in a JSON reply. */
	if (key != NULL && text_valid_utf8(key, strlen(key)))
		snprintf(p->err, sizeof p->err, "%s: %.60s", what, key);
	else
		snprintf(p->err, sizeof p->err, "%s", what);
	return 0;
}

static enum jsonrec_frame jsonrec_top(const struct jsonrec_parser *p)
{
	return p->depth == 0 ? F_SKIP
	       : p->depth > JSONREC_DEPTH_MAX ? F_SKIP : p->frame[p->depth - 1];
}

static struct jsonrec_obj *jsonrec_frame_obj(struct jsonrec_parser *p, enum jsonrec_frame f)
{
	return f == F_ROOT ? p->root : f == F_REC ? &p->rec : f == F_CHILD ? &p->child : NULL;
}

/* Where the next value goes: a new member of the innermost object, an item of an array, or
 * nowhere. OUT: the member (NULL when the value is only counted or skipped). */
static int jsonrec_slot(struct jsonrec_parser *p, struct jsonrec_member **m,
                        struct jsonrec_value **v)
{
	enum jsonrec_frame f = jsonrec_top(p);
	struct jsonrec_obj *o = jsonrec_frame_obj(p, f);
	struct jsonrec_member *owner;

	*m = NULL;
	*v = NULL;
	if (o != NULL) {
		if (o->n == JSONREC_MEMBERS_MAX)
			return jsonrec_fail(p, "too many members in one object", NULL);
		*m = &o->m[o->n++];
		/* Items are not cleared: they are read only below n_items, each set as it comes,
		 * and clearing all eight was a measurable share of a decode thread's time. */
		memset(*m, 0, offsetof(struct jsonrec_member, items));
		(*m)->n_items = 0;
		(*m)->obj = NULL;
		(*m)->key = p->key;
		*v = &(*m)->v;
	} else if (f == F_ITEMS || f == F_RECORDS) {
		owner = p->owner[p->depth - 1];
		if (f == F_ITEMS && owner->n_items < JSONREC_ITEMS_MAX)
			*v = &owner->items[owner->n_items];
		owner->n_items++;
	}
	if (*v != NULL)
		memset(*v, 0, sizeof **v);
	return 1;
}

/* A record that is not an object still has its turn, so the decoder can name it. */
static int jsonrec_record(struct jsonrec_parser *p, const struct jsonrec_obj *rec)
{
	if (!p->stopped && p->fn(p->ctx, p->index, rec) != 0)
		p->stopped = 1;
	p->index++;
	return !p->stopped;
}

static int jsonrec_cb_scalar(struct jsonrec_parser *p, struct jsonrec_value *set)
{
	struct jsonrec_member *m;
	struct jsonrec_value *v;

	if (p->depth == 0)
		return jsonrec_fail(p, "the text is not a JSON object", NULL);
	if (jsonrec_top(p) == F_RECORDS && !jsonrec_record(p, NULL))
		return 0;
	if (!jsonrec_slot(p, &m, &v))
		return 0;
	if (v != NULL)
		*v = *set;
	return 1;
}

static int jsonrec_cb_null(void *ctx)
{
	struct jsonrec_value v = {.type = JSONREC_NULL};

	return jsonrec_cb_scalar(ctx, &v);
}

static int jsonrec_cb_bool(void *ctx, int b)
{
	struct jsonrec_value v = {.type = b ? JSONREC_TRUE : JSONREC_FALSE};

	return jsonrec_cb_scalar(ctx, &v);
}

/* Integers are literals without fraction or exponent (as jansson tells them apart), kept
 * exact; a literal too large for its type is marked out of range, never rounded. A long
 * literal ("0.666...6" with 70 digits) is still a number and gets a copy of its own. */
static int jsonrec_cb_number(void *ctx, const char *s, size_t len)
{
	struct jsonrec_value v = {.type = JSONREC_INT};
	char small[JSONREC_NUMBER_MAX + 1], *buf = small, *end;

	if (len > JSONREC_NUMBER_MAX && (buf = malloc(len + 1)) == NULL)
		return jsonrec_fail(ctx, "out of memory", NULL);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, '.', len) || memchr(buf, 'e', len) || memchr(buf, 'E', len))
		v.type = JSONREC_REAL;
	errno = 0;
	if (v.type == JSONREC_INT) {
		v.i = strtoll(buf, &end, 10);
		v.d = (double)v.i;
	} else {
		v.d = strtod(buf, &end);
	}
	/* Like jansson, a real that underflows is its nearest value; only overflow is refused. */
	v.range = *end != '\0' || (errno == ERANGE && (v.type == JSONREC_INT || isinf(v.d)));
	if (buf != small)
		free(buf);
	return jsonrec_cb_scalar(ctx, &v);
}

static int jsonrec_cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct jsonrec_parser *p = ctx;
	struct jsonrec_value v = {.type = JSONREC_STRING, .len = len};
	enum jsonrec_frame f = jsonrec_top(p);
	struct jsonrec_obj *o = jsonrec_frame_obj(p, f);

	/* Items of an array keep their text in the object that holds the array. */
	if (f == F_ITEMS && p->depth >= 2 && p->depth <= JSONREC_DEPTH_MAX)
		o = jsonrec_frame_obj(p, p->frame[p->depth - 2]);
	/* yajl checks only the shape of UTF-8 sequences; jansson also refuses overlong forms,
	 * surrogates and NUL, and so does this, anywhere in the text. */
	if (!text_valid_utf8((const char *)s, len))
		return jsonrec_fail(p, "malformed JSON: a string is not valid UTF-8 text", NULL);
	if (o != NULL)
		v.s = jsonrec_keep(o, (const char *)s, len);
	return jsonrec_cb_scalar(p, &v);
}

static int jsonrec_cb_key(void *ctx, const unsigned char *s, size_t len)
{
	struct jsonrec_parser *p = ctx;
	struct jsonrec_obj *o = jsonrec_frame_obj(p, jsonrec_top(p));
	const char *k;

	if (!text_valid_utf8((const char *)s, len))
		return jsonrec_fail(p, "malformed JSON: a key is not valid UTF-8 text", NULL);
	if (o == NULL)
		return 1;
	k = len > JSONREC_KEY_MAX ? "" : jsonrec_keep(o, (const char *)s, len);
	if (k == NULL)
		return jsonrec_fail(p, "object too large", NULL);
	if (k[0] != '\0' && jsonrec_get(o, k) != NULL)
		return jsonrec_fail(p, "malformed JSON: duplicate member", k);
	p->key = k;
	return 1;
}

/* Opens a container: decides the frame of its contents from where it sits. */
static int jsonrec_open(struct jsonrec_parser *p, int is_map)
{
	enum jsonrec_frame f = jsonrec_top(p), inner = F_SKIP;
	struct jsonrec_member *m = NULL;
	struct jsonrec_value *v = NULL;

	if (p->depth == 0) {
		if (!is_map)
			return jsonrec_fail(p, "the text is not a JSON object", NULL);
		inner = p->array_key ? F_ROOT : F_REC;
		jsonrec_reset(inner == F_REC ? &p->rec : p->root);
		jsonrec_reset(&p->child);
	} else if (f == F_RECORDS) {
		if (!jsonrec_slot(p, &m, &v))
			return 0;
		if (!is_map && !jsonrec_record(p, NULL))
			return 0;
		inner = is_map ? F_REC : F_SKIP;
		jsonrec_reset(&p->rec);
		jsonrec_reset(&p->child);
	} else {
		if (!jsonrec_slot(p, &m, &v))
			return 0;
		if (v != NULL)
			v->type = is_map ? JSONREC_OBJECT : JSONREC_ARRAY;
		if (m != NULL && !is_map)
			inner = f == F_ROOT && p->array_key && strcmp(m->key, p->array_key) == 0 ?
			        F_RECORDS : F_ITEMS;
		else if (m != NULL && f == F_REC && p->child_key &&
		         strcmp(m->key, p->child_key) == 0) {
			inner = F_CHILD;
			m->obj = &p->child;
		}
	}
	if (p->depth < JSONREC_DEPTH_MAX) {
		p->frame[p->depth] = inner;
		p->owner[p->depth] = m;
	}
	p->depth++;
	return 1;
}

static int jsonrec_cb_start_map(void *ctx) { return jsonrec_open(ctx, 1); }
static int jsonrec_cb_start_array(void *ctx) { return jsonrec_open(ctx, 0); }

static int jsonrec_cb_end_map(void *ctx)
{
	struct jsonrec_parser *p = ctx;
	enum jsonrec_frame f = jsonrec_top(p);

	p->depth--;
	if (p->depth == 0)
		p->end = yajl_get_bytes_consumed(p->h);
	if (f == F_REC)
		return jsonrec_record(p, &p->rec);
	return 1;
}

static int jsonrec_cb_end_array(void *ctx)
{
	struct jsonrec_parser *p = ctx;

	p->depth--;
	return 1;
}

static const yajl_callbacks jsonrec_callbacks = {
	.yajl_null = jsonrec_cb_null, .yajl_boolean = jsonrec_cb_bool,
	.yajl_number = jsonrec_cb_number,
	.yajl_string = jsonrec_cb_string, .yajl_start_map = jsonrec_cb_start_map,
	.yajl_map_key = jsonrec_cb_key, .yajl_end_map = jsonrec_cb_end_map,
	.yajl_start_array = jsonrec_cb_start_array, .yajl_end_array = jsonrec_cb_end_array,
};

/* The value of the four hex digits at P, or -1. */
static long jsonrec_hex4(const char *p)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0' :
		    p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10 :
		    p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* yajl 2.1 turns a lone UTF-16 surrogate escape into '?', or pairs a high one with whatever
 * escape follows, instead of refusing it as JSON's UTF-8 text must. This walks the escapes
 * of T (LEN bytes) and returns the offset of the first one that is a lone surrogate, or LEN.
 * A backslash in a valid text only ever opens an escape inside a string, so taking each
 * backslash with the character after it pairs them as the grammar does; an invalid text is
 * refused by yajl whatever this finds. Devices send plain UTF-8, so there is seldom any
 * escape to look at. */
static size_t jsonrec_lone_surrogate(const char *t, size_t len)
{
	const char *p = t, *end = t + len;
	long u, lo;

	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL && end - p >= 2) {
		if (p[1] != 'u' || end - p < 6 || (u = jsonrec_hex4(p + 2)) < 0xD800 ||
		    u > 0xDFFF) {
			p += 2;
			continue;
		}
		lo = end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? jsonrec_hex4(p + 8) : -1;
		if (u >= 0xDC00 || lo < 0xDC00 || lo > 0xDFFF)
			return (size_t)(p - t);
		p += 12;
	}
	return len;
}

/* True when bytes FROM to LEN of T are JSON white space (or there are none). */
static int jsonrec_only_space(const char *t, size_t from, size_t len)
{
	while (from < len &&
	       (t[from] == ' ' || t[from] == '\t' || t[from] == '\r' || t[from] == '\n'))
		from++;
	return from >= len;
}

static enum ds_err jsonrec_run(struct jsonrec_parser *p, const char *text, size_t len, char *err)
{
	yajl_handle h = yajl_alloc(&jsonrec_callbacks, NULL, p);
	yajl_status st;
	unsigned char *msg;
	char *nl;

	if (h == NULL)
		return DS_ENOMEM;
	p->h = h;
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	/* yajl 2.1 accepts an unterminated string after the root ({"v":1}"): it waits for the
	 * string's end and, at the end of input, forgets it. Only white space may follow. */
	if (st == yajl_status_ok && !jsonrec_only_space(text, p->end, len)) {
		yajl_free(h);
		snprintf(err, JSONREC_ERR_MAX, "malformed JSON at byte %zu: trailing bytes",
		         p->end);
		return DS_EINVAL;
	}
	if (st == yajl_status_client_canceled && p->err[0] != '\0') {
		snprintf(err, JSONREC_ERR_MAX, "%s", p->err);
	} else if (st == yajl_status_error) {
		msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
		nl = msg ? strchr((char *)msg, '\n') : NULL;
		if (nl != NULL)
			*nl = '\0';
		snprintf(err, JSONREC_ERR_MAX, "malformed JSON at byte %zu: %.80s",
		         yajl_get_bytes_consumed(h), msg ? (const char *)msg : "?");
		yajl_free_error(h, msg);
	}
	yajl_free(h);
	return st == yajl_status_ok ? DS_OK : DS_EINVAL;
}

enum ds_err jsonrec_screen(const char *text, size_t len, char *err)
{
	const char *bad;
	size_t at;

	if ((at = jsonrec_lone_surrogate(text, len)) < len) {
		snprintf(err, JSONREC_ERR_MAX,
		         "malformed JSON at byte %zu: a lone UTF-16 surrogate escape", at);
		return DS_EINVAL;
	}
	/* yajl also takes vertical tab and form feed as white space; JSON does not, and a raw
	 * control character is wrong anywhere in a JSON text, so their mere presence is. */
	if ((bad = memchr(text, '\v', len)) != NULL || (bad = memchr(text, '\f', len)) != NULL) {
		snprintf(err, JSONREC_ERR_MAX, "malformed JSON at byte %zu: control character",
		         (size_t)(bad - text));
		return DS_EINVAL;
	}
	return DS_OK;
}

enum ds_err jsonrec_parse(const char *text, size_t len, const char *array_key,
                       const char *child_key, struct jsonrec_obj *root, jsonrec_record_fn fn,
                       void *ctx, char *err)
{
	struct jsonrec_parser *p;
	enum ds_err rc;

	if ((rc = jsonrec_screen(text, len, err)) != DS_OK)
		return rc;
	/* The parser holds two member tables: too large for a thread's stack in a pool. */
	if ((p = malloc(sizeof *p)) == NULL)
		return DS_ENOMEM;
	memset(p, 0, sizeof *p);
	p->array_key = array_key;
	p->child_key = child_key;
	p->root = root;
	p->fn = fn;
	p->ctx = ctx;
	p->key = "";
	if (root != NULL)
		jsonrec_reset(root);
	rc = jsonrec_run(p, text, len, err);
	free(p);
	return rc;
}
