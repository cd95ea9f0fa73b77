/* replay.c: feeds every file of a corpus folder to a fuzz target's LLVMFuzzerTestOneInput,
 * so the corpus runs as an ordinary regression test without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_MAX_INPUT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n;
	int rc = -1;

	if (f == NULL)
		goto fail;
	buf = malloc(REPLAY_MAX_INPUT);
	if (buf == NULL)
		goto fail;
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	/* Copy into an exact-size buffer so AddressSanitizer sees reads past the input. */
	uint8_t *exact = malloc(n ? n : 1);
	if (exact == NULL)
		goto fail;
	memcpy(exact, buf, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	rc = 0;
fail:
	free(buf);
	if (f != NULL)
		fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	char path[4096];
	int count = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	d = opendir(argv[1]);
	if (d == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", argv[1]);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name) >= sizeof path)
			continue;
		if (replay_file(path) != 0) {
			fprintf(stderr, "replay: cannot read %s\n", path);
			closedir(d);
			return 1;
		}
		printf("%s\n", e->d_name);
		count++;
	}
	closedir(d);
	return count > 0 ? 0 : 1;
}
