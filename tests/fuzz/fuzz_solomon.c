/* fuzz_solomon.c: fuzz target for the Solomon file parser. Any input must either
 * parse into a sane instance or fail with a message naming a line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/solomon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct solomon_instance *in = NULL;
	char err[SOLOMON_MAX_ERR];
	int rc = solomon_parse((const char *)data, size, &in, err, sizeof(err));

	if (rc == DS_OK) {
		if (in == NULL || in->n_rows < 1 || in->n_rows > SOLOMON_MAX_CUSTOMERS + 1 ||
		    in->vehicles < 1 || !(in->capacity > 0))
			abort();
	} else if (in != NULL || (rc != DS_ENOMEM && strncmp(err, "line ", 5) != 0)) {
		abort();
	}
	solomon_free(in);
	return 0;
}
