/* stamp.h: the GPS stamp of an act as a pure function: from what is known about the fix
 * (the last good fix, whether the receiver has lost it since, how old it is) decide the
 * source live / last_known / none, the distance to the appointment and the warning flags.
 * No I/O and no clocks: the caller passes the times in, so tests can cover every case. */
#ifndef AGENT_STAMP_H
#define AGENT_STAMP_H

#include <stdint.h>

#include "model.h"

#define STAMP_BOOT_ID_MAX 40              /* /proc/sys/kernel/random/boot_id is 36 chars */
#define STAMP_CLOCK_SKEW_MS (5 * 60 * 1000) /* device and GPS clocks differ by more: flag */

/* One good fix (mode 2 or 3) as received from gpsd. Unknown floats are NaN. */
struct stamp_fix {
	int valid;              /* 0: there is no fix at all */
	double lat, lon;        /* degrees */
	double eph_m;           /* horizontal error estimate */
	int mode;               /* 2 or 3 */
	int sats_used;          /* -1 unknown */
	int64_t gps_time_ms;    /* the fix's own time; 0 unknown */
	int64_t rx_mono_ms;     /* CLOCK_BOOTTIME when received (system-wide, this boot) */
	int64_t rx_wall_ms;     /* device wall clock when received */
	char boot_id[STAMP_BOOT_ID_MAX + 1]; /* the boot RX_MONO_MS belongs to */
};

/* What the agent knows about GPS when an act is recorded. */
struct stamp_input {
	struct stamp_fix last;  /* the last good fix, or valid = 0 */
	int lost_since;         /* 1: a no-fix TPV (mode < 2) arrived after LAST */
	int64_t now_mono_ms;    /* CLOCK_BOOTTIME now */
	int64_t now_wall_ms;    /* device wall clock now */
	const char *boot_id;    /* this boot */
	int64_t fresh_ms;       /* a fix older than this is not live */
	double appt_lat, appt_lon; /* the appointment's location; NaN unknown */
};

/* Fill OUT: G and OUT: *FLAGS (MODEL_FLAG_*) from IN. Live needs a fix from this boot that
 * is younger than fresh_ms with no loss since; an older fix is last_known with its age; no
 * fix (or one whose age cannot be known) is none. Never relabels or moves a fix. */
void stamp_make(const struct stamp_input *in, struct model_gps *g, unsigned *flags);

/* Age of F at NOW_MONO_MS / NOW_WALL_MS in ms: on the monotonic clock when F is from BOOT_ID,
 * else on the wall clock; -1 when it cannot be known (other boot and the clock went back). */
int64_t stamp_fix_age_ms(const struct stamp_fix *f, int64_t now_mono_ms, int64_t now_wall_ms,
                         const char *boot_id);

/* The more recent of two fixes (by receipt); either may be invalid. Borrowed pointer. */
const struct stamp_fix *stamp_newer(const struct stamp_fix *a, const struct stamp_fix *b);

#endif
