/* conffile.c: one line at a time into a fixed buffer; a line longer than the buffer is an
 * error rather than two settings. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conffile.h"

#define CONFFILE_WHY_MAX 200 /* room for the callback's message */

static char *conffile_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void conffile_say(char *err, size_t err_len, const char *label, long line,
                         const char *why)
{
	if (label != NULL)
		snprintf(err, err_len, "%s:%ld: %s", label, line, why);
	else
		snprintf(err, err_len, "line %ld: %s", line, why);
}

/* One line, already known to fit: a comment, a blank, or a setting handed to SET. */
static enum ds_err conffile_line(char *buf, conffile_set_fn set, void *ctx, char *why)
{
	char *line = conffile_trim(buf), *eq;

	if (line[0] == '#' || line[0] == '\0')
		return DS_OK;
	eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(why, CONFFILE_WHY_MAX, "expected name = value");
		return DS_EINVAL;
	}
	*eq = '\0';
	return set(ctx, conffile_trim(line), conffile_trim(eq + 1), why, CONFFILE_WHY_MAX);
}

enum ds_err conffile_read(const char *path, const char *label, conffile_set_fn set,
                          void *ctx, char *err, size_t err_len)
{
	char buf[CONFFILE_LINE_MAX], why[CONFFILE_WHY_MAX];
	enum ds_err rc = DS_OK;
	long n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		if (errno == ENOENT)
			return DS_OK;
		snprintf(err, err_len, "%s: %s", label != NULL ? label : path, strerror(errno));
		return DS_EIO;
	}
	while (rc == DS_OK && fgets(buf, sizeof buf, f) != NULL) {
		n++;
		why[0] = '\0';
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			snprintf(why, sizeof why, "longer than %d bytes", CONFFILE_LINE_MAX - 2);
			rc = DS_EINVAL;
		} else {
			rc = conffile_line(buf, set, ctx, why);
		}
		if (rc != DS_OK)
			conffile_say(err, err_len, label, n, why);
	}
	if (rc == DS_OK && ferror(f)) {
		snprintf(err, err_len, "%s: read error", label != NULL ? label : path);
		rc = DS_EIO;
	}
	fclose(f);
	return rc;
}
