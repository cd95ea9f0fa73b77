/* sentinel.h: a marker file per process that has the database open, removed when it closes
 * it, so the next process to open the database knows whether the last ones shut down
 * cleanly (and then runs the full integrity check instead of the quick one). */
#ifndef AGENT_SENTINEL_H
#define AGENT_SENTINEL_H

#include "err.h"

#define SENTINEL_PREFIX ".open."     /* DIR/.open.PID holds the boot id of its process */
#define SENTINEL_PATH_MAX 640

/* Remove the markers in DIR left by processes that are gone (dead, or of another boot than
 * BOOT_ID), then leave this process's own. OUT: *UNCLEAN = 1 when a stale marker was found;
 * PATH (SENTINEL_PATH_MAX) = this process's marker, "" when it could not be made. */
void sentinel_enter(const char *dir, const char *boot_id, int *unclean, char *path);

/* Remove the marker at PATH (from sentinel_enter). Accepts "". */
void sentinel_leave(const char *path);

#endif
