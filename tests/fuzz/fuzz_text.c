/* fuzz_text.c: feeds arbitrary bytes to the UTF-8 check and the search fold, and checks what
 * the fold promises: it refuses exactly the texts text_valid_utf8() refuses, its output is
 * valid UTF-8 with no upper-case ASCII and single inner spaces, folding is idempotent, it
 * fits in exactly strlen + 1 bytes, and a text always matches itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define FUZZ_MAX_TEXT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_folded(const char *out)
{
	size_t n = strlen(out), i;

	if (!text_valid_utf8(out, n))
		abort();
	if (n > 0 && (out[0] == ' ' || out[n - 1] == ' '))
		abort();
	for (i = 0; i < n; i++) {
		if ((out[i] >= 'A' && out[i] <= 'Z') || out[i] == '\t' || out[i] == '\n' ||
		    out[i] == '\r' || out[i] == '\v' || out[i] == '\f' ||
		    (out[i] == ' ' && out[i + 1] == ' '))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[FUZZ_MAX_TEXT + 1], out[FUZZ_MAX_TEXT + 1], again[FUZZ_MAX_TEXT + 1];
	size_t len, n;
	enum ds_err rc;

	(void)text_valid_utf8((const char *)data, size);
	if (size > FUZZ_MAX_TEXT)
		size = FUZZ_MAX_TEXT;
	memcpy(in, data, size);
	in[size] = '\0';
	len = strlen(in);
	rc = text_fold(in, out, sizeof out);
	if ((rc == DS_EINVAL) != !text_valid_utf8(in, len) || (rc != DS_OK && rc != DS_EINVAL))
		abort();
	if (rc != DS_OK)
		return 0;
	n = strlen(out);
	if (n > len)
		abort(); /* folding never lengthens */
	fuzz_check_folded(out);
	if (text_fold(out, again, sizeof again) != DS_OK || strcmp(out, again) != 0)
		abort();
	if (text_fold(in, again, n + 1) != DS_OK || strcmp(out, again) != 0)
		abort();
	if (text_fold(in, again, n) != DS_ETOOBIG)
		abort();
	if (len < TEXT_MAX_FOLD && (!text_match(in, in) || !text_match(in, "") ||
	                            !text_match(in, out)))
		abort();
	return 0;
}
