/* view.h: the daemon's view of GPS, shared with act and status commands through a small
 * file in the data dir (rewritten atomically, never fsynced: it is only true "now"), so an
 * act recorded while the daemon runs needs no gpsd connection of its own. */
#ifndef AGENT_VIEW_H
#define AGENT_VIEW_H

#include <stdint.h>

#include "err.h"
#include "agent/stamp.h"

#define VIEW_FILE "gps.view"
#define VIEW_ALIVE_MS 2500   /* a view not rewritten for this long: the daemon is gone */
#define VIEW_PATH_MAX 512

enum view_gpsd { VIEW_GPSD_DOWN, VIEW_GPSD_SILENT, VIEW_GPSD_OK };

/* What the daemon knows. Times are CLOCK_BOOTTIME ms of boot BOOT_ID. */
struct view {
	int64_t written_ms;      /* when the daemon last wrote the view */
	char boot_id[STAMP_BOOT_ID_MAX + 1];
	long pid;                /* the daemon */
	enum view_gpsd gpsd;     /* connection state */
	int last_mode;           /* mode of the latest TPV; 0 none seen */
	int64_t last_tpv_ms;     /* when the latest TPV arrived; 0 none */
	int lost_since;          /* 1: the latest TPVs say no fix, after FIX */
	struct stamp_fix fix;    /* the last good fix (valid = 0: none since start) */
};

/* Write V to DIR/gps.view atomically (mode 0600). DS_EIO on failure. */
DS_WUR enum ds_err view_write(const char *dir, const struct view *v);

/* Read DIR/gps.view into OUT: V. DS_ENOTFOUND when absent, DS_EINVAL when unreadable. */
DS_WUR enum ds_err view_read(const char *dir, struct view *v);

/* True when V was written by a daemon that is still running (same boot, recent). */
int view_alive(const struct view *v, int64_t now_boot_ms, const char *boot_id);

/* A name for the gpsd state: "ok", "silent", "unreachable". */
const char *view_gpsd_name(enum view_gpsd g);

#endif
