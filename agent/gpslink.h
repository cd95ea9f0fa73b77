/* gpslink.h: the agent's link to gpsd through libgps: open a watch, read TPV reports as
 * fixes (NaN-safe, mode-checked) and close. The only file that includes gps.h. */
#ifndef AGENT_GPSLINK_H
#define AGENT_GPSLINK_H

#include "err.h"
#include "agent/stamp.h"

struct gpslink;

/* One TPV report. FIX is filled (valid = 1) only when MODE >= 2 and the position is finite. */
struct gpslink_tpv {
	int mode;               /* 0 unseen, 1 no fix, 2 = 2D, 3 = 3D */
	struct stamp_fix fix;   /* receipt times stamped when the report was read */
};

enum gpslink_got { GPSLINK_LOST = -1, GPSLINK_NOTHING = 0, GPSLINK_TPV = 1 };

/* Connect to gpsd at HOST:PORT and start a JSON watch. OUT: *L; caller frees with
 * gpslink_close(). DS_EIO when gpsd cannot be reached (nothing to free). */
DS_WUR enum ds_err gpslink_open(const char *host, const char *port, const char *boot_id,
                                struct gpslink **l);

/* The socket to poll for input. */
int gpslink_fd(const struct gpslink *l);

/* Read one report. GPSLINK_TPV fills OUT: T; GPSLINK_NOTHING for other reports or a partial
 * line; GPSLINK_LOST when gpsd went away (close and reopen). */
enum gpslink_got gpslink_read(struct gpslink *l, struct gpslink_tpv *t);

/* True when a complete report is already buffered (read again without polling). */
int gpslink_pending(struct gpslink *l);

/* Close the watch and free L. Accepts NULL. */
void gpslink_close(struct gpslink *l);

/* One-shot: connect, wait up to WAIT_MS for the first TPV and close. Returns GPSLINK_TPV
 * (OUT: T), GPSLINK_NOTHING (reachable but silent) or GPSLINK_LOST (unreachable). */
enum gpslink_got gpslink_probe(const char *host, const char *port, const char *boot_id,
                               long wait_ms, struct gpslink_tpv *t);

#endif
