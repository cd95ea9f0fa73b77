/* fuzz_agent_files.h: for the agent's file-parser fuzz targets: writes the input as one
 * named file in a fresh temporary data dir and removes both afterwards. */
#ifndef FUZZ_AGENT_FILES_H
#define FUZZ_AGENT_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define FUZZ_PATH_MAX 256

/* Make DIR (a buffer of FUZZ_PATH_MAX) holding NAME = DATA. Returns 0 or -1. */
static int fuzz_put(char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[FUZZ_PATH_MAX * 2];
	FILE *f;

	snprintf(dir, FUZZ_PATH_MAX, "/tmp/fuzz-agent-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	fwrite(data, 1, size, f);
	fclose(f);
	return 0;
}

/* Remove NAME and DIR. */
static void fuzz_clean(const char *dir, const char *name)
{
	char path[FUZZ_PATH_MAX * 2];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	rmdir(dir);
}

#endif
