/* cred.c: "name=value" lines. The file is created with O_CREAT | O_EXCL and mode 0600 in
 * one call, so there is no moment when it exists with wider permissions. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/cred.h"

#define CRED_PATH_MAX 512
#define CRED_LINE_MAX 400

enum ds_err cred_save(const char *dir, const struct cred *c)
{
	char path[CRED_PATH_MAX], buf[4 * CRED_LINE_MAX];
	int fd, n;

	snprintf(path, sizeof path, "%s/%s", dir, CRED_FILE);
	n = snprintf(buf, sizeof buf, "device=%s\ncredential=%s\ncourier=%s\noffice=%s\n",
	             c->device, c->secret, c->courier, c->office);
	if (n < 0 || (size_t)n >= sizeof buf)
		return DS_ETOOBIG;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? DS_ECONFLICT : DS_EIO;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return DS_EIO;
	}
	if (close(fd) != 0) {
		unlink(path);
		return DS_EIO;
	}
	return DS_OK;
}

static void cred_field(struct cred *c, const char *name, const char *v)
{
	if (strcmp(name, "device") == 0)
		snprintf(c->device, sizeof c->device, "%s", v);
	else if (strcmp(name, "credential") == 0)
		snprintf(c->secret, sizeof c->secret, "%s", v);
	else if (strcmp(name, "courier") == 0)
		snprintf(c->courier, sizeof c->courier, "%s", v);
	else if (strcmp(name, "office") == 0)
		snprintf(c->office, sizeof c->office, "%s", v);
}

enum ds_err cred_load(const char *dir, struct cred *c)
{
	char path[CRED_PATH_MAX], line[CRED_LINE_MAX], *eq;
	FILE *f;

	memset(c, 0, sizeof *c);
	snprintf(path, sizeof path, "%s/%s", dir, CRED_FILE);
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? DS_ENOTFOUND : DS_EIO;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		cred_field(c, line, eq + 1);
	}
	fclose(f);
	return c->device[0] && c->secret[0] ? DS_OK : DS_EINVAL;
}

void cred_token(const struct cred *c, char *out)
{
	snprintf(out, CRED_TOKEN_MAX + 1, "%s.%s", c->device, c->secret);
}
