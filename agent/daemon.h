/* daemon.h: `doorstep-agent run`, the background process of the handheld: it keeps a gpsd
 * watch (reconnecting with backoff), shares the current fix with act commands through the
 * view file, keeps a coarse, short-lived breadcrumb trail and syncs periodically and soon
 * after each act, backing off with jitter while offline. */
#ifndef AGENT_DAEMON_H
#define AGENT_DAEMON_H

#define DAEMON_LOCK_FILE "daemon.lock"
#define DAEMON_GPS_BACKOFF_MIN_MS 200
#define DAEMON_GPS_BACKOFF_MAX_MS 5000
#define DAEMON_HEARTBEAT_MS 1000      /* view rewritten at least this often */
#define DAEMON_FIX_SAVE_MS 30000      /* the last fix is saved in the store this often */
#define DAEMON_POKE_DELAY_MS 300      /* sync this soon after an act */
#define DAEMON_SYNC_BACKOFF_MIN_MS 2000
#define DAEMON_CACHE_KIB 64           /* the daemon's SQLite page cache (it only appends) */
#define DAEMON_SQLITE_HEAP_KIB 512     /* soft cap on the daemon's SQLite heap */

struct agent;

/* True when a daemon holds DIR's lock (it may be busy syncing and its view stale). */
int daemon_running(struct agent *ag);

/* Run until SIGTERM/SIGINT sets *ag->stop. Returns an agent exit code (0 on a clean stop). */
int daemon_run(struct agent *ag);

#endif
