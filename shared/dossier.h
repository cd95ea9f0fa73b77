/* dossier.h: the dossier code (mã hồ sơ) parser and validator, e.g. "H15.50.05.13-261008-0975". */
#ifndef DS_DOSSIER_H
#define DS_DOSSIER_H

#include "err.h"

#define DOSSIER_MAX_LEN 64      /* longest code accepted, in bytes */
#define DOSSIER_UNIT_MAX 40     /* longest unit identifier */

/* A parsed code: unit identifier, the date received and the serial of the day. */
struct dossier_code {
	char unit[DOSSIER_UNIT_MAX + 1]; /* "H15.50.05.13" */
	int year, month, day;            /* from yymmdd; year is 2000 + yy */
	long serial;                     /* 4 to 7 digits */
};

/* Parse S into OUT: CODE. Returns DS_OK, or DS_EINVAL with *ERR set to a static message
 * saying what is wrong. */
DS_WUR enum ds_err dossier_parse(const char *s, struct dossier_code *code, const char **err);

#endif
