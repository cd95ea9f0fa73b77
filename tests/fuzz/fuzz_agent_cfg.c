/* fuzz_agent_cfg.c: the agent's config file parser. Refusals name the problem; accepted
 * files give values the table allows (checked by printing and re-reading them). */
#include <string.h>

#include "agent/settings.h"
#include "fuzz_agent_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[FUZZ_PATH_MAX], err[SETTINGS_ERR_MAX] = "", err2[SETTINGS_ERR_MAX] = "";
	struct settings c, again;
	enum ds_err rc;
	FILE *f;
	char path[FUZZ_PATH_MAX + 16];

	if (fuzz_put(dir, SETTINGS_FILE, data, size) != 0)
		return 0;
	settings_defaults(&c);
	rc = settings_load(dir, &c, err);
	if (rc == DS_EINVAL && err[0] == '\0')
		abort(); /* a refusal must say why */
	if (rc == DS_OK) {
		/* What was accepted prints as a file that loads to the same values. */
		snprintf(path, sizeof path, "%s/%s", dir, SETTINGS_FILE);
		f = fopen(path, "w");
		if (f != NULL) {
			settings_print(f, &c, 0);
			fclose(f);
			settings_defaults(&again);
			if (settings_load(dir, &again, err2) != DS_OK ||
			    memcmp(&again, &c, sizeof c) != 0)
				abort();
		}
	}
	fuzz_clean(dir, SETTINGS_FILE);
	return 0;
}
