/* view.c: one text line of space-separated fields; NaN is written "nan" and strtod() reads
 * it back. Rename makes the update atomic for readers in other processes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/view.h"

#define VIEW_LINE_MAX 512
#define VIEW_FIELDS 17

enum ds_err view_write(const char *dir, const struct view *v)
{
	char path[VIEW_PATH_MAX], tmp[VIEW_PATH_MAX], line[VIEW_LINE_MAX];
	const struct stamp_fix *f = &v->fix;
	int fd = -1, n;

	n = snprintf(line, sizeof line,
	             "v1 %" PRId64 " %s %ld %d %d %" PRId64 " %d %d %.9f %.9f %.3f %d %d %" PRId64
	             " %" PRId64 " %" PRId64 "\n",
	             v->written_ms, v->boot_id[0] ? v->boot_id : "-", v->pid, (int)v->gpsd,
	             v->last_mode, v->last_tpv_ms, v->lost_since, f->valid, f->lat, f->lon,
	             f->eph_m, f->mode, f->sats_used, f->gps_time_ms, f->rx_mono_ms, f->rx_wall_ms);
	if (n < 0 || (size_t)n >= sizeof line)
		return DS_ETOOBIG;
	snprintf(path, sizeof path, "%s/%s", dir, VIEW_FILE);
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, VIEW_FILE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (write(fd, line, (size_t)n) != n)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return DS_OK;
fail:
	if (fd >= 0)
		close(fd);
	return DS_EIO;
}

static int view_parse(char *line, struct view *v)
{
	char *tok[VIEW_FIELDS], *save = NULL, *s = line;
	struct stamp_fix *f = &v->fix;
	int n = 0;

	while (n < VIEW_FIELDS && (tok[n] = strtok_r(s, " \n", &save)) != NULL) {
		s = NULL;
		n++;
	}
	if (n != VIEW_FIELDS || strcmp(tok[0], "v1") != 0)
		return -1;
	v->written_ms = strtoll(tok[1], NULL, 10);
	snprintf(v->boot_id, sizeof v->boot_id, "%s", tok[2]);
	v->pid = strtol(tok[3], NULL, 10);
	v->gpsd = (enum view_gpsd)strtol(tok[4], NULL, 10);
	v->last_mode = (int)strtol(tok[5], NULL, 10);
	v->last_tpv_ms = strtoll(tok[6], NULL, 10);
	v->lost_since = (int)strtol(tok[7], NULL, 10);
	f->valid = (int)strtol(tok[8], NULL, 10);
	f->lat = strtod(tok[9], NULL);
	f->lon = strtod(tok[10], NULL);
	f->eph_m = strtod(tok[11], NULL);
	f->mode = (int)strtol(tok[12], NULL, 10);
	f->sats_used = (int)strtol(tok[13], NULL, 10);
	f->gps_time_ms = strtoll(tok[14], NULL, 10);
	f->rx_mono_ms = strtoll(tok[15], NULL, 10);
	f->rx_wall_ms = strtoll(tok[16], NULL, 10);
	snprintf(f->boot_id, sizeof f->boot_id, "%s", v->boot_id);
	if (v->gpsd < VIEW_GPSD_DOWN || v->gpsd > VIEW_GPSD_OK)
		return -1;
	return 0;
}

enum ds_err view_read(const char *dir, struct view *v)
{
	char path[VIEW_PATH_MAX], line[VIEW_LINE_MAX];
	FILE *f;
	int ok;

	memset(v, 0, sizeof *v);
	v->fix.lat = v->fix.lon = v->fix.eph_m = NAN;
	snprintf(path, sizeof path, "%s/%s", dir, VIEW_FILE);
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? DS_ENOTFOUND : DS_EIO;
	ok = fgets(line, sizeof line, f) != NULL && view_parse(line, v) == 0;
	fclose(f);
	return ok ? DS_OK : DS_EINVAL;
}

int view_alive(const struct view *v, int64_t now_boot_ms, const char *boot_id)
{
	return strcmp(v->boot_id, boot_id) == 0 && now_boot_ms - v->written_ms >= 0 &&
	       now_boot_ms - v->written_ms <= VIEW_ALIVE_MS;
}

const char *view_gpsd_name(enum view_gpsd g)
{
	switch (g) {
	case VIEW_GPSD_OK:
		return "ok";
	case VIEW_GPSD_SILENT:
		return "silent";
	case VIEW_GPSD_DOWN:
		break;
	}
	return "unreachable";
}
