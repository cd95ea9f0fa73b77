/* settings.c: the configuration table and the "name = value" file format. Only the table knows
 * the names, types and bounds; everything else walks it, so a new setting is one row. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/settings.h"
#include "conffile.h"

enum settings_type { SETTINGS_STR, SETTINGS_INT };

struct settings_item {
	const char *name;
	enum settings_type type;
	size_t offset;
	const char *def;
	long min, max;          /* bounds of an integer */
	const char *help;
};

#define SETTINGS_S(f) offsetof(struct settings, f)
static const struct settings_item settings_table[] = {
	{"server_url", SETTINGS_STR, SETTINGS_S(server_url), "", 0, 0,
	 "server base URL (set by enroll)"},
	{"pin", SETTINGS_STR, SETTINGS_S(pin), "", 0, 0,
	 "server public-key pin sha256//BASE64 (set by enroll)"},
	{"gpsd", SETTINGS_STR, SETTINGS_S(gpsd), "localhost:2947", 0, 0, "gpsd HOST:PORT"},
	{"sync_interval_s", SETTINGS_INT, SETTINGS_S(sync_interval_s), "60", 5, 86400,
	 "daemon: seconds between syncs when nothing happens"},
	{"sync_backoff_max_s", SETTINGS_INT, SETTINGS_S(sync_backoff_max_s), "300", 1, 86400,
	 "daemon: longest wait between retries while offline"},
	{"connect_timeout_ms", SETTINGS_INT, SETTINGS_S(connect_timeout_ms), "5000", 100, 120000,
	 "connect timeout of a request"},
	{"total_timeout_ms", SETTINGS_INT, SETTINGS_S(total_timeout_ms), "30000", 500, 600000,
	 "total timeout of a request"},
	{"batch_max", SETTINGS_INT, SETTINGS_S(batch_max), "100", 1, 100,
	 "events per sync request"},
	{"fix_fresh_ms", SETTINGS_INT, SETTINGS_S(fix_fresh_ms), "3000", 200, 600000,
	 "a fix received longer ago than this is last_known, not live"},
	{"gps_wait_ms", SETTINGS_INT, SETTINGS_S(gps_wait_ms), "1200", 0, 10000,
	 "without the daemon: how long an act waits for a fresh fix"},
	{"gpsd_silent_ms", SETTINGS_INT, SETTINGS_S(gpsd_silent_ms), "5000", 500, 600000,
	 "daemon: reconnect to gpsd after this long without a message"},
	{"crumb_interval_s", SETTINGS_INT, SETTINGS_S(crumb_interval_s), "60", 0, 3600,
	 "breadcrumb period in seconds (0 = keep no breadcrumbs)"},
	{"crumb_precision_m", SETTINGS_INT, SETTINGS_S(crumb_precision_m), "100", 10, 10000,
	 "breadcrumb positions are rounded to a grid of this size"},
	{"crumb_retention_h", SETTINGS_INT, SETTINGS_S(crumb_retention_h), "24", 1, 720,
	 "breadcrumbs older than this are deleted"},
	{"log_level", SETTINGS_STR, SETTINGS_S(log_level), "info", 0, 0,
	 "error, warn, info or debug"},
};
#define SETTINGS_ITEMS (sizeof settings_table / sizeof settings_table[0])

static const struct settings_item *settings_find(const char *name)
{
	size_t i;

	for (i = 0; i < SETTINGS_ITEMS; i++)
		if (strcmp(settings_table[i].name, name) == 0)
			return &settings_table[i];
	return NULL;
}

static enum ds_err settings_apply(struct settings *c, const struct settings_item *it,
                                  const char *value, char *err)
{
	char *end;
	long v;

	if (it->type == SETTINGS_STR) {
		if (strlen(value) > SETTINGS_STR_MAX) {
			snprintf(err, SETTINGS_ERR_MAX, "%s: longer than %d bytes", it->name,
			         SETTINGS_STR_MAX);
			return DS_EINVAL;
		}
		snprintf((char *)c + it->offset, SETTINGS_STR_MAX + 1, "%s", value);
		return DS_OK;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < it->min || v > it->max) {
		snprintf(err, SETTINGS_ERR_MAX, "%s: \"%s\" is not an integer in [%ld, %ld]",
		         it->name, value, it->min, it->max);
		return DS_EINVAL;
	}
	*(long *)(void *)((char *)c + it->offset) = v;
	return DS_OK;
}

enum ds_err settings_set(struct settings *c, const char *name, const char *value, char *err)
{
	const struct settings_item *it = settings_find(name);

	if (it == NULL) {
		snprintf(err, SETTINGS_ERR_MAX, "unknown setting \"%s\"", name);
		return DS_EINVAL;
	}
	if (strcmp(name, "log_level") == 0 && strcmp(value, "error") != 0 &&
	    strcmp(value, "warn") != 0 && strcmp(value, "info") != 0 &&
	    strcmp(value, "debug") != 0) {
		snprintf(err, SETTINGS_ERR_MAX, "log_level: must be error, warn, info or debug");
		return DS_EINVAL;
	}
	return settings_apply(c, it, value, err);
}

void settings_defaults(struct settings *c)
{
	char err[SETTINGS_ERR_MAX];
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < SETTINGS_ITEMS; i++)
		if (settings_apply(c, &settings_table[i], settings_table[i].def, err) != DS_OK)
			continue; /* the table's defaults are in bounds; a unit test checks it */
}

/* conffile_read's callback: one setting of the file; messages fit SETTINGS_ERR_MAX. */
static enum ds_err settings_file_set(void *ctx, const char *name, const char *value,
                                     char *why, size_t why_len)
{
	char sub[SETTINGS_ERR_MAX];

	if (settings_set(ctx, name, value, sub) == DS_OK)
		return DS_OK;
	snprintf(why, why_len, "%.150s", sub);
	return DS_EINVAL;
}

enum ds_err settings_load(const char *dir, struct settings *c, char *err)
{
	char path[SETTINGS_LINE_MAX];

	settings_defaults(c);
	snprintf(path, sizeof path, "%s/%s", dir, SETTINGS_FILE);
	return conffile_read(path, SETTINGS_FILE, settings_file_set, c, err, SETTINGS_ERR_MAX);
}

void settings_print(FILE *out, const struct settings *c, int sample)
{
	size_t i;

	for (i = 0; i < SETTINGS_ITEMS; i++) {
		const struct settings_item *it = &settings_table[i];
		const char *base = (const char *)c + it->offset;

		if (sample && it->type == SETTINGS_INT)
			fprintf(out, "# %s [%ld..%ld]\n", it->help, it->min, it->max);
		else if (sample)
			fprintf(out, "# %s\n", it->help);
		if (it->type == SETTINGS_STR)
			fprintf(out, "%s%s = %s\n", sample ? "#" : "", it->name, base);
		else
			fprintf(out, "%s%s = %ld\n", sample ? "#" : "", it->name,
			        *(const long *)(const void *)base);
	}
}

enum ds_err settings_save(const char *dir, const struct settings *c)
{
	char path[SETTINGS_LINE_MAX], tmp[SETTINGS_LINE_MAX];
	FILE *f = NULL;
	int fd = -1;

	snprintf(path, sizeof path, "%s/%s", dir, SETTINGS_FILE);
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, SETTINGS_FILE);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		goto fail;
	fd = -1;
	fprintf(f, "# doorstep-agent configuration (see doorstep-agent config --sample)\n");
	settings_print(f, c, 0);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto fail;
	if (fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) != 0)
		goto fail;
	return DS_OK;
fail:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return DS_EIO;
}

enum ds_err settings_hostport(const char *hp, char *host, size_t host_len, char *port,
                         size_t port_len)
{
	const char *colon = strrchr(hp, ':');
	char *end;
	long p;

	if (colon == NULL || colon == hp || (size_t)(colon - hp) >= host_len)
		return DS_EINVAL;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || p < 1 || p > 65535)
		return DS_EINVAL;
	memcpy(host, hp, (size_t)(colon - hp));
	host[colon - hp] = '\0';
	if ((size_t)snprintf(port, port_len, "%ld", p) >= port_len)
		return DS_EINVAL;
	return DS_OK;
}
