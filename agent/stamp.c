/* stamp.c: the live / last_known / none decision and the flags. Kept pure so that the rules
 * ("never invent or relabel a fix") are tested directly, without gpsd. */
#include <math.h>
#include <string.h>

#include "geo.h"
#include "agent/stamp.h"

int64_t stamp_fix_age_ms(const struct stamp_fix *f, int64_t now_mono_ms, int64_t now_wall_ms,
                         const char *boot_id)
{
	int64_t age;

	if (!f->valid)
		return -1;
	if (boot_id != NULL && strcmp(f->boot_id, boot_id) == 0)
		age = now_mono_ms - f->rx_mono_ms;
	else
		age = now_wall_ms - f->rx_wall_ms; /* a reboot in between: the wall clock is all */
	return age >= 0 ? age : -1;
}

const struct stamp_fix *stamp_newer(const struct stamp_fix *a, const struct stamp_fix *b)
{
	if (!a->valid)
		return b;
	if (!b->valid)
		return a;
	if (strcmp(a->boot_id, b->boot_id) == 0)
		return b->rx_mono_ms > a->rx_mono_ms ? b : a;
	return b->rx_wall_ms > a->rx_wall_ms ? b : a;
}

static void stamp_none(struct model_gps *g)
{
	g->source = MODEL_GPS_NONE;
	g->lat = g->lon = g->accuracy_m = g->fix_age_s = g->dist_m = NAN;
	g->mode = 0;
	g->sats_used = -1;
	g->gps_time_ms = 0;
}

static unsigned stamp_flags(const struct stamp_fix *f, const struct model_gps *g)
{
	unsigned flags = 0;
	int64_t skew;

	if (isfinite(g->dist_m) && g->dist_m > MODEL_FAR_M)
		flags |= MODEL_FLAG_FAR;
	if (isfinite(f->eph_m) && f->eph_m > MODEL_POOR_ACCURACY_M)
		flags |= MODEL_FLAG_POOR_ACCURACY;
	/* Compare the clocks at the moment the fix arrived: that difference does not grow
	 * with the fix's age. */
	if (f->gps_time_ms != 0 && f->rx_wall_ms != 0) {
		skew = f->rx_wall_ms - f->gps_time_ms;
		if (skew > STAMP_CLOCK_SKEW_MS || skew < -STAMP_CLOCK_SKEW_MS)
			flags |= MODEL_FLAG_CLOCK_SKEW;
	}
	return flags;
}

void stamp_make(const struct stamp_input *in, struct model_gps *g, unsigned *flags)
{
	const struct stamp_fix *f = &in->last;
	int64_t age_ms;
	int same_boot;

	stamp_none(g);
	*flags = 0;
	if (!f->valid || f->mode < 2 || !geo_valid(f->lat, f->lon))
		return;
	age_ms = stamp_fix_age_ms(f, in->now_mono_ms, in->now_wall_ms, in->boot_id);
	if (age_ms < 0)
		return; /* an age we cannot state makes the position unusable as proof */
	same_boot = in->boot_id != NULL && strcmp(f->boot_id, in->boot_id) == 0;
	g->source = (same_boot && !in->lost_since && age_ms <= in->fresh_ms)
	            ? MODEL_GPS_LIVE : MODEL_GPS_LAST_KNOWN;
	g->lat = f->lat;
	g->lon = f->lon;
	g->accuracy_m = f->eph_m;
	g->mode = f->mode;
	g->sats_used = f->sats_used;
	g->fix_age_s = (double)age_ms / 1000.0;
	g->gps_time_ms = f->gps_time_ms;
	g->dist_m = geo_distance_m(f->lat, f->lon, in->appt_lat, in->appt_lon);
	*flags = stamp_flags(f, g);
}
