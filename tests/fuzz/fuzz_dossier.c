/* fuzz_dossier.c: feeds arbitrary text to dossier_parse() and checks that what it accepts is
 * exactly UNIT-yymmdd-SERIAL rebuilt from the fields, and that every refusal says why. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier.h"

#define FUZZ_MAX_TEXT 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_accepted(const char *s, const struct dossier_code *c)
{
	char rebuilt[DOSSIER_MAX_LEN + 32];
	const char *serial = strrchr(s, '-');
	size_t ulen = strlen(c->unit), slen;

	if (serial == NULL)
		abort();
	serial++;
	slen = strlen(serial);
	if (ulen == 0 || ulen > DOSSIER_UNIT_MAX ||
	    strspn(c->unit, "0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                    "abcdefghijklmnopqrstuvwxyz") != ulen ||
	    c->unit[0] == '.' || c->unit[ulen - 1] == '.' ||
	    strstr(c->unit, "..") != NULL)
		abort();
	if (c->year < 2000 || c->year > 2099 || c->month < 1 || c->month > 12 || c->day < 1 ||
	    c->day > 31 || slen < 4 || slen > 7 || c->serial < 0 || c->serial > 9999999 ||
	    strtol(serial, NULL, 10) != c->serial)
		abort();
	snprintf(rebuilt, sizeof rebuilt, "%s-%02d%02d%02d-%s", c->unit, c->year % 100, c->month,
	         c->day, serial);
	if (strcmp(rebuilt, s) != 0 || strlen(s) > DOSSIER_MAX_LEN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[FUZZ_MAX_TEXT + 1];
	struct dossier_code c;
	const char *err = NULL;

	if (size > FUZZ_MAX_TEXT)
		size = FUZZ_MAX_TEXT;
	memcpy(s, data, size);
	s[size] = '\0';
	if (dossier_parse(s, &c, &err) == DS_OK) {
		if (err != NULL)
			abort();
		fuzz_check_accepted(s, &c);
	} else if (err == NULL || err[0] == '\0') {
		abort();
	}
	return 0;
}
