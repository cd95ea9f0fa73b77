/* text.h: UTF-8 checks, the accent- and case-insensitive folding used by search, so
 * "nguyen van an" finds "Nguyễn Văn An" and "d" matches "đ", and the cleaning of text from
 * elsewhere before it reaches a terminal. */
#ifndef DS_TEXT_H
#define DS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define TEXT_MAX_FOLD 1024 /* longest text text_match() folds, in bytes */

/* True when S[0..LEN) is well-formed UTF-8 (no overlongs, surrogates or NUL bytes). */
bool text_valid_utf8(const char *s, size_t len);

/* Fold IN into OUT (size OUT_LEN): Vietnamese and Latin-1 letters lose their diacritics,
 * đ becomes d, ASCII is lower-cased, combining marks are dropped and runs of white space
 * become one space. Returns DS_OK, DS_EINVAL for bad UTF-8, DS_ETOOBIG when OUT is short. */
DS_WUR enum ds_err text_fold(const char *in, char *out, size_t out_len);

/* True when the folded NEEDLE occurs in the folded HAYSTACK. False for bad or over-long text. */
bool text_match(const char *haystack, const char *needle);

/* Copy IN into OUT (size OUT_LEN, at least 1) for printing on a terminal: C0 controls other
 * than newline and tab, DEL, C1 controls and whole escape sequences (CSI, OSC, DCS, ... and
 * their C1 forms) are dropped, and a byte that is not UTF-8 becomes '?'. OUT is never longer
 * than IN. Returns true when all of IN fit; false when OUT was cut at a character boundary. */
bool text_terminal(const char *in, char *out, size_t out_len);

#endif
