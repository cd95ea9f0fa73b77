/* jdoc.h: the server's small JSON documents on yajl, its one JSON library: replies and
 * outputs written with yajl's generator (reals as jansson writes them, so texts stay byte for
 * byte what they were), and request bodies and files read into yajl trees as strictly as a
 * sync batch is (UTF-8 text, no duplicate keys, no comments, nothing after the value). */
#ifndef DS_JDOC_H
#define DS_JDOC_H

#include <stddef.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "err.h"

#define JDOC_ERR_MAX 160
#define JDOC_INDENT " "     /* one space a level, when pretty */

/* A generator that refuses invalid UTF-8, compact or PRETTY (one value a line). NULL when out
 * of memory. Caller frees with yajl_gen_free(). */
yajl_gen jdoc_gen(int pretty);

/* Each writes one value (or one key: jdoc_str) and returns 0, non-zero on failure (invalid
 * UTF-8, a value where a key belongs, out of memory). A NULL S writes null. */
int jdoc_str(yajl_gen g, const char *s);
int jdoc_int(yajl_gen g, long long v);

/* V with at most DIGITS significant digits, as jansson's JSON_REAL_PRECISION(DIGITS) writes
 * it (canon.h); a non-finite V writes null. */
int jdoc_real(yajl_gen g, double v, int digits);

/* A key and its value, for the common members. */
int jdoc_kstr(yajl_gen g, const char *k, const char *s);
int jdoc_kint(yajl_gen g, const char *k, long long v);
int jdoc_kreal(yajl_gen g, const char *k, double v, int digits);

/* A copy of G's text, NUL-terminated, its length in OUT: LEN (may be NULL). NULL when out of
 * memory. Caller frees with free(). */
char *jdoc_text(yajl_gen g, size_t *len);

/* Parses TEXT (LEN bytes) into a tree. NULL when the text is not strict JSON (ERR, JDOC_ERR_MAX
 * bytes, says why, starting "malformed JSON") or memory ran out. Caller frees with
 * yajl_tree_free(). */
yajl_val jdoc_parse(const char *text, size_t len, char *err);

/* The member KEY of the object O, or NULL (also when O is not an object). Borrowed from O. */
yajl_val jdoc_get(yajl_val o, const char *key);

#endif
