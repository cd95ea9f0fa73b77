/* conffile.h: the configuration file format both programs read: lines "name = value", blank
 * lines and lines starting with '#' ignored, spaces around names and values dropped. What a
 * name means is the caller's table's business; this module only reads the lines. */
#ifndef DS_CONFFILE_H
#define DS_CONFFILE_H

#include <stddef.h>

#include "err.h"

#define CONFFILE_LINE_MAX 512 /* longest line, newline included */

/* Called for each setting with its NAME and VALUE (both trimmed, NUL-terminated). A result
 * other than DS_OK stops the read; the callback's message, left in ERR (ERR_LEN bytes),
 * says why, without the line number (conffile_read adds it). */
typedef enum ds_err (*conffile_set_fn)(void *ctx, const char *name, const char *value,
                                       char *err, size_t err_len);

/* Read the file PATH, calling SET(CTX, ...) for each setting in order. A file that does not
 * exist is DS_OK with nothing set. On failure ERR (ERR_LEN bytes) says "LABEL:N: why" (or
 * "line N: why" when LABEL is NULL); DS_EIO when the file cannot be read. */
DS_WUR enum ds_err conffile_read(const char *path, const char *label, conffile_set_fn set,
                                 void *ctx, char *err, size_t err_len);

#endif
