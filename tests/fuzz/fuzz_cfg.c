/* fuzz_cfg.c: the server's config file parser. Any input either loads into values inside
 * every setting's bounds or is refused with a message naming a line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-cfg-XXXXXX", err[256] = "";
	struct cfg c;
	int fd = mkstemp(path);
	enum ds_err rc;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	cfg_defaults(&c);
	rc = cfg_load(&c, path, err, sizeof err);
	unlink(path);
	if (rc != DS_OK && strncmp(err, "line ", 5) != 0)
		abort(); /* a refusal must say where */
	if (rc == DS_OK && (c.log_level < 0 || c.log_level > 3 || c.max_connections < 1 ||
	                    c.read_timeout_ms < 100 || c.listen[0] == '\0'))
		abort(); /* accepted values stay inside their bounds */
	return 0;
}
