/* cfg.c: the configuration table and the "name = value" file format. Only the table knows
 * the names, types and bounds; everything else walks it, so a new setting is one row. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cfg.h"

enum cfg_type { CFG_STR, CFG_INT };

struct cfg_item {
	const char *name;
	enum cfg_type type;
	size_t offset;
	const char *def;
	long min, max;          /* bounds of an integer */
	const char *help;
};

#define CFG_S(f) offsetof(struct cfg, f)
static const struct cfg_item cfg_table[] = {
	{"server_url", CFG_STR, CFG_S(server_url), "", 0, 0, "server base URL (set by enroll)"},
	{"pin", CFG_STR, CFG_S(pin), "", 0, 0, "server public-key pin sha256//BASE64 (set by enroll)"},
	{"gpsd", CFG_STR, CFG_S(gpsd), "localhost:2947", 0, 0, "gpsd HOST:PORT"},
	{"sync_interval_s", CFG_INT, CFG_S(sync_interval_s), "60", 5, 86400,
	 "daemon: seconds between syncs when nothing happens"},
	{"sync_backoff_max_s", CFG_INT, CFG_S(sync_backoff_max_s), "300", 1, 86400,
	 "daemon: longest wait between retries while offline"},
	{"connect_timeout_ms", CFG_INT, CFG_S(connect_timeout_ms), "5000", 100, 120000,
	 "connect timeout of a request"},
	{"total_timeout_ms", CFG_INT, CFG_S(total_timeout_ms), "30000", 500, 600000,
	 "total timeout of a request"},
	{"batch_max", CFG_INT, CFG_S(batch_max), "100", 1, 100, "events per sync request"},
	{"fix_fresh_ms", CFG_INT, CFG_S(fix_fresh_ms), "3000", 200, 600000,
	 "a fix received longer ago than this is last_known, not live"},
	{"gps_wait_ms", CFG_INT, CFG_S(gps_wait_ms), "1200", 0, 10000,
	 "without the daemon: how long an act waits for a fresh fix"},
	{"gpsd_silent_ms", CFG_INT, CFG_S(gpsd_silent_ms), "5000", 500, 600000,
	 "daemon: reconnect to gpsd after this long without a message"},
	{"crumb_interval_s", CFG_INT, CFG_S(crumb_interval_s), "60", 0, 3600,
	 "breadcrumb period in seconds (0 = keep no breadcrumbs)"},
	{"crumb_precision_m", CFG_INT, CFG_S(crumb_precision_m), "100", 10, 10000,
	 "breadcrumb positions are rounded to a grid of this size"},
	{"crumb_retention_h", CFG_INT, CFG_S(crumb_retention_h), "24", 1, 720,
	 "breadcrumbs older than this are deleted"},
	{"log_level", CFG_STR, CFG_S(log_level), "info", 0, 0, "error, warn, info or debug"},
};
#define CFG_ITEMS (sizeof cfg_table / sizeof cfg_table[0])

static const struct cfg_item *cfg_find(const char *name)
{
	size_t i;

	for (i = 0; i < CFG_ITEMS; i++)
		if (strcmp(cfg_table[i].name, name) == 0)
			return &cfg_table[i];
	return NULL;
}

static enum ds_err cfg_apply(struct cfg *c, const struct cfg_item *it, const char *value,
                             char *err)
{
	char *end;
	long v;

	if (it->type == CFG_STR) {
		if (strlen(value) > CFG_STR_MAX) {
			snprintf(err, CFG_ERR_MAX, "%s: longer than %d bytes", it->name, CFG_STR_MAX);
			return DS_EINVAL;
		}
		snprintf((char *)c + it->offset, CFG_STR_MAX + 1, "%s", value);
		return DS_OK;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < it->min || v > it->max) {
		snprintf(err, CFG_ERR_MAX, "%s: \"%s\" is not an integer in [%ld, %ld]", it->name,
		         value, it->min, it->max);
		return DS_EINVAL;
	}
	*(long *)(void *)((char *)c + it->offset) = v;
	return DS_OK;
}

enum ds_err cfg_set(struct cfg *c, const char *name, const char *value, char *err)
{
	const struct cfg_item *it = cfg_find(name);

	if (it == NULL) {
		snprintf(err, CFG_ERR_MAX, "unknown setting \"%s\"", name);
		return DS_EINVAL;
	}
	if (strcmp(name, "log_level") == 0 && strcmp(value, "error") != 0 &&
	    strcmp(value, "warn") != 0 && strcmp(value, "info") != 0 && strcmp(value, "debug") != 0) {
		snprintf(err, CFG_ERR_MAX, "log_level: must be error, warn, info or debug");
		return DS_EINVAL;
	}
	return cfg_apply(c, it, value, err);
}

void cfg_defaults(struct cfg *c)
{
	char err[CFG_ERR_MAX];
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < CFG_ITEMS; i++)
		if (cfg_apply(c, &cfg_table[i], cfg_table[i].def, err) != DS_OK)
			continue; /* the table's defaults are in bounds; a unit test checks it */
}

static char *cfg_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static enum ds_err cfg_line(struct cfg *c, char *line, int lineno, char *err)
{
	char *s = cfg_trim(line), *eq, sub[CFG_ERR_MAX];

	if (*s == '\0' || *s == '#')
		return DS_OK;
	eq = strchr(s, '=');
	if (eq == NULL) {
		snprintf(err, CFG_ERR_MAX, "%s:%d: expected name = value", CFG_FILE, lineno);
		return DS_EINVAL;
	}
	*eq = '\0';
	if (cfg_set(c, cfg_trim(s), cfg_trim(eq + 1), sub) != DS_OK) {
		snprintf(err, CFG_ERR_MAX, "%s:%d: %.150s", CFG_FILE, lineno, sub);
		return DS_EINVAL;
	}
	return DS_OK;
}

enum ds_err cfg_load(const char *dir, struct cfg *c, char *err)
{
	char path[CFG_LINE_MAX], line[CFG_LINE_MAX];
	enum ds_err rc = DS_OK;
	int lineno = 0;
	FILE *f;

	cfg_defaults(c);
	snprintf(path, sizeof path, "%s/%s", dir, CFG_FILE);
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return DS_OK;
		snprintf(err, CFG_ERR_MAX, "%s: %s", CFG_FILE, strerror(errno));
		return DS_EIO;
	}
	while (rc == DS_OK && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, CFG_ERR_MAX, "%s:%d: line too long", CFG_FILE, lineno);
			rc = DS_EINVAL;
			break;
		}
		rc = cfg_line(c, line, lineno, err);
	}
	fclose(f);
	return rc;
}

void cfg_print(FILE *out, const struct cfg *c, int sample)
{
	size_t i;

	for (i = 0; i < CFG_ITEMS; i++) {
		const struct cfg_item *it = &cfg_table[i];
		const char *base = (const char *)c + it->offset;

		if (sample && it->type == CFG_INT)
			fprintf(out, "# %s [%ld..%ld]\n", it->help, it->min, it->max);
		else if (sample)
			fprintf(out, "# %s\n", it->help);
		if (it->type == CFG_STR)
			fprintf(out, "%s%s = %s\n", sample ? "#" : "", it->name, base);
		else
			fprintf(out, "%s%s = %ld\n", sample ? "#" : "", it->name,
			        *(const long *)(const void *)base);
	}
}

enum ds_err cfg_save(const char *dir, const struct cfg *c)
{
	char path[CFG_LINE_MAX], tmp[CFG_LINE_MAX];
	FILE *f = NULL;
	int fd = -1;

	snprintf(path, sizeof path, "%s/%s", dir, CFG_FILE);
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, CFG_FILE);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		goto fail;
	fd = -1;
	fprintf(f, "# doorstep-agent configuration (see doorstep-agent config --sample)\n");
	cfg_print(f, c, 0);
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

enum ds_err cfg_hostport(const char *hp, char *host, size_t host_len, char *port,
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
