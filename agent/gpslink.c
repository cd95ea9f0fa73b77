/* gpslink.c: libgps 3.22 (API 11) and later. Pitfalls handled here (docs in
 * ../shared/docs/gps-testing.md): fields missing from a TPV are NaN; validity is fix.mode,
 * never fix.status; satellites used come in SKY reports and are cached; the fix time is
 * only meaningful with TIME_SET; gps_read() takes (gd, NULL, 0); after -1 the caller must
 * gps_close() and reopen. */
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gps.h>

#include "agent/gpslink.h"
#include "agent/now.h"

struct gpslink {
	struct gps_data_t gd;
	int sats_used;                         /* from the last SKY; -1 unknown */
	char boot_id[STAMP_BOOT_ID_MAX + 1];
};

enum ds_err gpslink_open(const char *host, const char *port, const char *boot_id,
                         struct gpslink **out)
{
	struct gpslink *l = calloc(1, sizeof *l);

	*out = NULL;
	if (l == NULL)
		return DS_ENOMEM;
	if (gps_open(host, port, &l->gd) != 0) {
		free(l);
		return DS_EIO;
	}
	/* libgps leaves its socket inheritable; the daemon's sync process must not hold a
	 * gpsd connection open after the daemon has moved on to a new one. */
	(void)fcntl((int)l->gd.gps_fd, F_SETFD, FD_CLOEXEC);
	/* The void * / const char * last argument differs between libgps versions; NULL fits. */
	if (gps_stream(&l->gd, WATCH_ENABLE | WATCH_JSON, NULL) != 0) {
		gps_close(&l->gd);
		free(l);
		return DS_EIO;
	}
	l->sats_used = -1;
	snprintf(l->boot_id, sizeof l->boot_id, "%s", boot_id);
	*out = l;
	return DS_OK;
}

/* The agent binary links libgps statically (Makefile: a shared libgps maps D-Bus, systemd,
 * gcrypt and libstdc++, about 1.9 MB resident in the daemon). Debian's libgps.a is built
 * with D-Bus support, and gps_open() refers to these two internal functions for the
 * GPSD_DBUS_EXPORT source, which the agent never asks for (it always gives HOST:PORT).
 * Defining them here keeps libgps_dbus.o, and with it libdbus, out of the link: the same
 * libgps as gpsd built with dbusexport=no. The signatures are libgps.h's (gpsd 3.22+). If
 * the agent ever asked for the D-Bus source, gps_open() would fail as "unreachable". */
int gps_dbus_open(struct gps_data_t *gd);
int gps_dbus_mainloop(struct gps_data_t *gd, int timeout, void (*hook)(struct gps_data_t *));

int gps_dbus_open(struct gps_data_t *gd)
{
	(void)gd;
	return -1;
}

int gps_dbus_mainloop(struct gps_data_t *gd, int timeout, void (*hook)(struct gps_data_t *))
{
	(void)gd;
	(void)timeout;
	(void)hook;
	return -1;
}

int gpslink_fd(const struct gpslink *l)
{
	return (int)l->gd.gps_fd;
}

static int64_t gpslink_time_ms(const struct gps_data_t *gd)
{
	if (!(gd->set & TIME_SET) || gd->fix.time.tv_sec <= 0)
		return 0;
	return (int64_t)gd->fix.time.tv_sec * 1000 + gd->fix.time.tv_nsec / 1000000;
}

static void gpslink_fill(const struct gpslink *l, struct gpslink_tpv *t)
{
	const struct gps_data_t *gd = &l->gd;
	struct stamp_fix *f = &t->fix;

	memset(t, 0, sizeof *t);
	t->mode = gd->fix.mode;
	f->lat = f->lon = f->eph_m = NAN;
	f->sats_used = -1;
	if (gd->fix.mode < MODE_2D || !(gd->set & LATLON_SET) || !isfinite(gd->fix.latitude) ||
	    !isfinite(gd->fix.longitude))
		return;
	f->valid = 1;
	f->lat = gd->fix.latitude;
	f->lon = gd->fix.longitude;
	f->eph_m = isfinite(gd->fix.eph) ? gd->fix.eph : NAN;
	f->mode = gd->fix.mode;
	f->sats_used = l->sats_used;
	f->gps_time_ms = gpslink_time_ms(gd);
	f->rx_mono_ms = now_boot_ms();
	f->rx_wall_ms = now_wall_ms();
	snprintf(f->boot_id, sizeof f->boot_id, "%s", l->boot_id);
}

enum gpslink_got gpslink_read(struct gpslink *l, struct gpslink_tpv *t)
{
	int r = gps_read(&l->gd, NULL, 0);

	if (r < 0)
		return GPSLINK_LOST;
	if (r == 0)
		return GPSLINK_NOTHING;
	if (l->gd.set & SATELLITE_SET)
		l->sats_used = l->gd.satellites_used;
	if (!(l->gd.set & MODE_SET))
		return GPSLINK_NOTHING;
	gpslink_fill(l, t);
	return GPSLINK_TPV;
}

int gpslink_pending(struct gpslink *l)
{
	return gps_waiting(&l->gd, 0) ? 1 : 0;
}

void gpslink_close(struct gpslink *l)
{
	if (l == NULL)
		return;
	gps_close(&l->gd);
	free(l);
}

enum gpslink_got gpslink_probe(const char *host, const char *port, const char *boot_id,
                               long wait_ms, struct gpslink_tpv *t)
{
	struct gpslink *l = NULL;
	enum gpslink_got got = GPSLINK_NOTHING;
	int64_t deadline = now_mono_ms() + wait_ms, left;
	struct pollfd p;

	if (gpslink_open(host, port, boot_id, &l) != DS_OK)
		return GPSLINK_LOST;
	while (got == GPSLINK_NOTHING && (left = deadline - now_mono_ms()) > 0) {
		if (!gpslink_pending(l)) {
			p.fd = gpslink_fd(l);
			p.events = POLLIN;
			if (poll(&p, 1, (int)left) <= 0)
				break;
		}
		got = gpslink_read(l, t);
		if (got == GPSLINK_TPV && t->mode == 0)
			got = GPSLINK_NOTHING; /* "unseen": the device has not spoken yet */
	}
	gpslink_close(l);
	return got;
}
