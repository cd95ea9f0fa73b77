/* isotime.c: a strict ISO 8601 subset. Calendar arithmetic is Howard Hinnant's
 * days-from-civil algorithm, so no time zone database and no mktime() global state. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "isotime.h"

int64_t isotime_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void isotime_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Reads exactly N digits at *P into *OUT and advances *P. */
static int isotime_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int isotime_month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int isotime_date(const char **p, int *y, int *mo, int *d)
{
	if (isotime_digits(p, 4, y) || **p != '-')
		return -1;
	(*p)++;
	if (isotime_digits(p, 2, mo) || **p != '-')
		return -1;
	(*p)++;
	if (isotime_digits(p, 2, d))
		return -1;
	if (*y < 1970 || *y > 9999 || *mo < 1 || *mo > 12 || *d < 1 ||
	    *d > isotime_month_days(*y, *mo))
		return -1;
	return 0;
}

enum ds_err isotime_parse_date(const char *s, int64_t *days)
{
	int y, mo, d;
	const char *p = s;

	if (s == NULL || isotime_date(&p, &y, &mo, &d) || *p != '\0')
		return DS_EINVAL;
	*days = isotime_days_from_civil(y, mo, d);
	return DS_OK;
}

static int isotime_clock(const char **p, int *h, int *mi, int *sec, int *ms)
{
	int n = 0, scale = 100, dig;

	*sec = 0;
	*ms = 0;
	if (isotime_digits(p, 2, h) || **p != ':')
		return -1;
	(*p)++;
	if (isotime_digits(p, 2, mi))
		return -1;
	if (**p == ':') {
		(*p)++;
		if (isotime_digits(p, 2, sec))
			return -1;
		if (**p == '.' || **p == ',') {
			(*p)++;
			/* Keep milliseconds; further digits are read and dropped. */
			while (**p >= '0' && **p <= '9' && n < 9) {
				dig = **p - '0';
				if (scale > 0) {
					*ms += dig * scale;
					scale /= 10;
				}
				(*p)++;
				n++;
			}
			if (n == 0)
				return -1;
		}
	}
	return (*h > 23 || *mi > 59 || *sec > 59) ? -1 : 0;
}

static int isotime_offset(const char **p, int *offset_min)
{
	int sign, oh, om;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*offset_min = 0;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return -1;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (isotime_digits(p, 2, &oh))
		return -1;
	if (**p == ':')
		(*p)++;
	if (isotime_digits(p, 2, &om) || oh > 14 || om > 59)
		return -1;
	*offset_min = sign * (oh * 60 + om);
	return 0;
}

enum ds_err isotime_parse(const char *s, int64_t *unix_ms, int *offset_min)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, ms, off;
	int64_t days;

	if (s == NULL || strnlen(s, ISOTIME_MAX_LEN + 1) > ISOTIME_MAX_LEN)
		return DS_EINVAL;
	if (isotime_date(&p, &y, &mo, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return DS_EINVAL;
	p++;
	if (isotime_clock(&p, &h, &mi, &sec, &ms) || isotime_offset(&p, &off) || *p != '\0')
		return DS_EINVAL;
	days = isotime_days_from_civil(y, mo, d);
	*unix_ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - (int64_t)off * 60) * 1000 + ms;
	if (offset_min != NULL)
		*offset_min = off;
	return DS_OK;
}

static int64_t isotime_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && ((a < 0) != (b < 0)));
}

/* Writes V as exactly WIDTH decimal digits at P; returns the end. */
static char *isotime_put_digits(char *p, int v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* The text of isotime_format() built digit by digit: ingest formats several times per
 * event, and snprintf was a visible share of its time. Only for years 0-9999 and offsets
 * under 100 hours, where it is the same text as the general path. */
static size_t isotime_format_fast(int y, int mo, int d, int64_t rem, int offset_min, char *out)
{
	int ms = (int)(rem % 1000), abs_off = offset_min < 0 ? -offset_min : offset_min;
	char *p = out;

	p = isotime_put_digits(p, y, 4);
	*p++ = '-';
	p = isotime_put_digits(p, mo, 2);
	*p++ = '-';
	p = isotime_put_digits(p, d, 2);
	*p++ = 'T';
	p = isotime_put_digits(p, (int)(rem / 3600000), 2);
	*p++ = ':';
	p = isotime_put_digits(p, (int)(rem / 60000 % 60), 2);
	*p++ = ':';
	p = isotime_put_digits(p, (int)(rem / 1000 % 60), 2);
	if (ms != 0) {
		*p++ = '.';
		p = isotime_put_digits(p, ms, 3);
	}
	if (offset_min == 0) {
		*p++ = 'Z';
	} else {
		*p++ = offset_min < 0 ? '-' : '+';
		p = isotime_put_digits(p, abs_off / 60, 2);
		*p++ = ':';
		p = isotime_put_digits(p, abs_off % 60, 2);
	}
	*p = '\0';
	return (size_t)(p - out);
}

enum ds_err isotime_format(int64_t unix_ms, int offset_min, char *buf, size_t len)
{
	int64_t local_ms = unix_ms + (int64_t)offset_min * 60000;
	int64_t days = isotime_floor_div(local_ms, 86400000);
	int64_t rem = local_ms - days * 86400000;
	int y, mo, d, n, ms = (int)(rem % 1000);
	int abs_off = offset_min < 0 ? -offset_min : offset_min;
	char frac[8] = "", off[16] = "Z", fast[ISOTIME_MAX_LEN + 1];
	size_t fast_len;

	isotime_civil_from_days(days, &y, &mo, &d);
	if (y >= 0 && y <= 9999 && abs_off < 6000) {
		fast_len = isotime_format_fast(y, mo, d, rem, offset_min, fast);
		if (fast_len >= len)
			return DS_ETOOBIG;
		memcpy(buf, fast, fast_len + 1);
		return DS_OK;
	}
	if (ms != 0)
		snprintf(frac, sizeof frac, ".%03d", ms % 1000);
	if (offset_min != 0)
		snprintf(off, sizeof off, "%c%02d:%02d", offset_min < 0 ? '-' : '+',
		         (abs_off / 60) % 100, abs_off % 60);
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, mo, d,
	             (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
	             frac, off);
	return (n < 0 || (size_t)n >= len) ? DS_ETOOBIG : DS_OK;
}

int64_t isotime_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
