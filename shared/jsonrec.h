/* jsonrec.h: a JSON object seen as a flat table of its members, one level deep plus one named
 * child object and the scalar items of arrays, filled either by yajl's event parser straight
 * from text (no tree, no allocation per value: the server's fast path of a sync batch) or,
 * in the agent, from a jansson object (wire.c). The strict checks of record.c read members
 * through it whichever way it came. Only jsonrec_parse needs yajl: jsonrec_get is inline so
 * that the agent, which never parses with yajl, does not link jsonrec.c. */
#ifndef DS_JSONREC_H
#define DS_JSONREC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"

#define JSONREC_MEMBERS_MAX 32   /* members kept per object; more is refused */
#define JSONREC_ITEMS_MAX 8      /* scalar items kept per array; the count goes on */
#define JSONREC_TEXT_MAX 4096    /* bytes of keys and strings kept per object */
#define JSONREC_KEY_MAX 48       /* longer keys are kept cut and marked unknown */
#define JSONREC_NUMBER_MAX 63    /* number literals copied on the stack; longer ones on the heap */
#define JSONREC_ERR_MAX 160

enum jsonrec_type { JSONREC_NULL, JSONREC_FALSE, JSONREC_TRUE, JSONREC_INT, JSONREC_REAL,
	JSONREC_STRING, JSONREC_OBJECT, JSONREC_ARRAY };

/* One scalar value, or the type of a container. */
struct jsonrec_value {
	enum jsonrec_type type;
	const char *s;        /* JSONREC_STRING: the text (NUL-terminated), NULL when not kept */
	size_t len;           /* JSONREC_STRING: its length in bytes */
	int bad_text;         /* JSONREC_STRING: holds a NUL byte or is not valid UTF-8 (filled from
	                       * jansson only: jsonrec_parse refuses such a text outright) */
	int64_t i;            /* JSONREC_INT */
	int range;            /* JSONREC_INT/REAL: 0 when the literal fits (int64_t, finite
	                       * double) */
	double d;             /* JSONREC_INT and JSONREC_REAL: the value as a double */
};

struct jsonrec_member {
	const char *key;      /* NUL-terminated; "" marks a key too long to keep */
	struct jsonrec_value v;
	struct jsonrec_value items[JSONREC_ITEMS_MAX]; /* JSONREC_ARRAY: the first items, scalars */
	size_t n_items;       /* JSONREC_ARRAY: how many items it has in all */
	const struct jsonrec_obj *obj; /* JSONREC_OBJECT: the child, when this is the named one */
};

struct jsonrec_obj {
	size_t n;
	struct jsonrec_member m[JSONREC_MEMBERS_MAX];
	char text[JSONREC_TEXT_MAX];
	size_t used;
};

/* The member named KEY of O, or NULL. Borrowed from O. The first byte sorts out most members
 * without a call: this runs some 200 times an event. */
static inline const struct jsonrec_member *jsonrec_get(const struct jsonrec_obj *o,
                                                       const char *key)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->m[i].key[0] == key[0] && strcmp(o->m[i].key, key) == 0)
			return &o->m[i];
	return NULL;
}

/* Called for each record (see jsonrec_parse) with its index; REC is NULL when that element is
 * not an object. A non-zero return stops the parse; jsonrec_parse then returns DS_EINVAL with
 * the callback's own message left in ERR. */
typedef int (*jsonrec_record_fn)(void *ctx, size_t index, const struct jsonrec_obj *rec);

/* Parses the JSON text TEXT of LEN bytes, which must be one object. When ARRAY_KEY is set,
 * each element of the root's member of that name is a record, and the root's other members
 * land in ROOT once the text ends (the array member itself shows only its item count);
 * without it, the root is the one record. CHILD_KEY names the member of a record kept as a
 * child object. Duplicate keys are refused. On DS_EINVAL, ERR (JSONREC_ERR_MAX) says why. */
DS_WUR enum ds_err jsonrec_parse(const char *text, size_t len, const char *array_key,
                              const char *child_key, struct jsonrec_obj *root, jsonrec_record_fn fn,
                              void *ctx, char *err);

/* Refuses what yajl 2.1 lets through in a text that JSON forbids: a lone UTF-16 surrogate
 * escape, a vertical tab or form feed anywhere. jsonrec_parse runs it; any other reader on
 * yajl should too. On DS_EINVAL, ERR (JSONREC_ERR_MAX) says where. */
DS_WUR enum ds_err jsonrec_screen(const char *text, size_t len, char *err);

#endif
