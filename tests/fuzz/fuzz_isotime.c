/* fuzz_isotime.c: feeds arbitrary text to isotime_parse() and isotime_parse_date() and checks
 * that every accepted time is written back by isotime_format() as text that parses to the
 * same instant and offset; the raw bytes also drive a format-then-parse round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"

#define FUZZ_MAX_TEXT 64
/* Instants whose local time stays inside 1970..9999 at any offset of +-14:59. */
#define FUZZ_MIN_MS (15LL * 3600 * 1000)
#define FUZZ_MAX_MS (253402300800000LL - 15LL * 3600 * 1000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_round_trip(int64_t ms, int off)
{
	char buf[ISOTIME_MAX_LEN + 1];
	int64_t back;
	int off2;

	if (isotime_format(ms, off, buf, sizeof buf) != DS_OK)
		abort();
	if (isotime_parse(buf, &back, &off2) != DS_OK || back != ms || off2 != off) {
		fprintf(stderr, "fuzz_isotime: %lld at %d wrote \"%s\"\n", (long long)ms, off, buf);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[FUZZ_MAX_TEXT + 1];
	int64_t ms, days;
	uint64_t raw = 0;
	int off;
	size_t i;

	memcpy(s, data, size < FUZZ_MAX_TEXT ? size : FUZZ_MAX_TEXT);
	s[size < FUZZ_MAX_TEXT ? size : FUZZ_MAX_TEXT] = '\0';
	if (isotime_parse(s, &ms, &off) == DS_OK) {
		if (off < -(14 * 60 + 59) || off > 14 * 60 + 59)
			abort();
		fuzz_round_trip(ms, off);
	}
	if (isotime_parse_date(s, &days) == DS_OK) {
		int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
		if (strlen(s) != 10 || days != isotime_days_from_civil(y, m, d))
			abort();
	}
	/* The first ten bytes as an instant and an offset. */
	for (i = 0; i < 8 && i < size; i++)
		raw = raw << 8 | data[i];
	ms = FUZZ_MIN_MS + (int64_t)(raw % (uint64_t)(FUZZ_MAX_MS - FUZZ_MIN_MS));
	off = size > 9 ? (int)((data[8] << 8 | data[9]) % (2 * (14 * 60 + 59) + 1)) - (14 * 60 + 59)
	                : 0;
	fuzz_round_trip(ms, off);
	return 0;
}
