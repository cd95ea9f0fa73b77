/* fuzz_agent_cred.c: the credential file: any bytes are refused or give a credential whose
 * bearer token fits its buffer. */
#include <string.h>

#include "agent/cred.h"
#include "fuzz_agent_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[FUZZ_PATH_MAX], token[CRED_TOKEN_MAX + 1];
	struct cred c;

	if (fuzz_put(dir, CRED_FILE, data, size) != 0)
		return 0;
	if (cred_load(dir, &c) == DS_OK) {
		cred_token(&c, token);
		if (strlen(token) > CRED_TOKEN_MAX)
			abort();
	}
	fuzz_clean(dir, CRED_FILE);
	return 0;
}
