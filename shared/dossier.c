/* dossier.c: accepts the general shape of one-stop dossier codes seen in public software,
 * {unit}-{yymmdd}-{serial}: a unit identifier of letters, digits and dots (dot-separated,
 * no empty parts), a real calendar date, and a serial of 4-7 digits. Garbage is refused. */
#include <string.h>

#include "dossier.h"

#define DOSSIER_SERIAL_MIN_DIGITS 4
#define DOSSIER_SERIAL_MAX_DIGITS 7

static int dossier_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[month - 1];
}

static int dossier_is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int dossier_all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static enum ds_err dossier_parse_unit(const char *s, size_t len, struct dossier_code *code,
                                      const char **err)
{
	size_t i;

	if (len == 0 || len > DOSSIER_UNIT_MAX) {
		*err = "unit identifier missing or too long";
		return DS_EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (i == 0 || i == len - 1 || s[i - 1] == '.') {
				*err = "unit identifier has an empty part";
				return DS_EINVAL;
			}
		} else if (!dossier_is_alnum(s[i])) {
			*err = "unit identifier may hold only letters, digits and dots";
			return DS_EINVAL;
		}
	}
	memcpy(code->unit, s, len);
	code->unit[len] = '\0';
	return DS_OK;
}

static enum ds_err dossier_parse_date(const char *s, struct dossier_code *code, const char **err)
{
	if (!dossier_all_digits(s, 6)) {
		*err = "date part must be six digits yymmdd";
		return DS_EINVAL;
	}
	code->year = 2000 + (s[0] - '0') * 10 + (s[1] - '0');
	code->month = (s[2] - '0') * 10 + (s[3] - '0');
	code->day = (s[4] - '0') * 10 + (s[5] - '0');
	if (code->month < 1 || code->month > 12 || code->day < 1 ||
	    code->day > dossier_days_in_month(code->year, code->month)) {
		*err = "date part is not a calendar date";
		return DS_EINVAL;
	}
	return DS_OK;
}

enum ds_err dossier_parse(const char *s, struct dossier_code *code, const char **err)
{
	const char *d1, *d2;
	size_t len, serial_len, i;
	enum ds_err rc;

	*err = NULL;
	memset(code, 0, sizeof *code);
	len = s ? strnlen(s, DOSSIER_MAX_LEN + 1) : 0;
	if (len == 0 || len > DOSSIER_MAX_LEN) {
		*err = "dossier code empty or too long";
		return DS_EINVAL;
	}
	/* The unit may not hold '-', so the first two dashes split the code. */
	d1 = memchr(s, '-', len);
	d2 = d1 ? memchr(d1 + 1, '-', len - (size_t)(d1 + 1 - s)) : NULL;
	if (d1 == NULL || d2 == NULL || d2 - d1 != 7) {
		*err = "expected UNIT-yymmdd-SERIAL";
		return DS_EINVAL;
	}
	rc = dossier_parse_unit(s, (size_t)(d1 - s), code, err);
	if (rc == DS_OK)
		rc = dossier_parse_date(d1 + 1, code, err);
	if (rc != DS_OK)
		return rc;
	serial_len = len - (size_t)(d2 + 1 - s);
	if (serial_len < DOSSIER_SERIAL_MIN_DIGITS || serial_len > DOSSIER_SERIAL_MAX_DIGITS ||
	    !dossier_all_digits(d2 + 1, serial_len)) {
		*err = "serial must be 4 to 7 digits";
		return DS_EINVAL;
	}
	code->serial = 0;
	for (i = 0; i < serial_len; i++)
		code->serial = code->serial * 10 + (d2[1 + i] - '0');
	return DS_OK;
}
