/* csvcell.h: one text cell of a CSV file the server writes, safe to open in a spreadsheet. */
#ifndef DS_CSVCELL_H
#define DS_CSVCELL_H

#include <stdio.h>

/* Does TEXT start with a character a spreadsheet takes as the start of a formula (`=`, `+`,
 * `-`, `@`, tab or CR, OWASP's list)? NULL and "" do not. */
int csvcell_is_formula(const char *text);

/* Write TEXT (NULL: empty) to OUT as one RFC 4180 cell: quoted, with its quotes doubled,
 * when it holds a comma, quote, CR or LF. A formula start is neutralised as OWASP says: the
 * cell is prefixed with a single quote and quoted. Numbers are not text cells: a caller
 * writes them as they are, so a negative number stays a number. */
void csvcell_text(FILE *out, const char *text);

#endif
