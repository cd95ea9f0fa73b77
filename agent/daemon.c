/* daemon.c: one poll() loop over the gpsd socket, the poke FIFO and, while a sync runs, the
 * sync process's output, with deadlines for the gpsd reconnect, the view heartbeat,
 * breadcrumbs and sync, all on CLOCK_MONOTONIC. Each sync runs in a child process
 * (worker.c), which does its HTTPS through the helper doorstep-agent-sync, so neither
 * libcurl nor a sync's working memory enters the daemon; the loop keeps watching gpsd and
 * rewriting the view meanwhile. The daemon never holds a transaction open, so the two
 * processes meet only in SQLite's locks, as a `sync` from the command line always did. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "agent/act.h"
#include "agent/agent.h"
#include "agent/trail.h"
#include "agent/cred.h"
#include "agent/daemon.h"
#include "agent/gpslink.h"
#include "agent/helper.h"
#include "agent/sync.h"
#include "agent/view.h"
#include "agent/worker.h"

#define DAEMON_M_PER_DEG 111320.0
#define DAEMON_MAX_POLL_MS 1000
#define DAEMON_POKE_DRAIN 64      /* bytes read from the poke FIFO at a time */

struct daemon {
	struct agent *ag;
	char host[SETTINGS_STR_MAX + 1], port[SETTINGS_PORT_MAX];
	struct gpslink *link;
	int64_t gps_retry_at, gps_backoff_ms, gps_heard_at;
	struct view view;
	int64_t view_at, fix_saved_rx, fix_save_at, crumb_at;
	struct worker *worker;     /* the sync process, while one runs */
	int64_t sync_at, sync_backoff_ms;
	int poked_in_sync;         /* an act came during the sync: sync again soon */
	int poke_fd, lock_fd;
	int said_unenrolled;       /* "not enrolled" logged once as a warning */
};

/* ---- gpsd ---- */

static void daemon_gps_drop(struct daemon *d, enum view_gpsd why, int64_t now)
{
	gpslink_close(d->link);
	d->link = NULL;
	d->view.gpsd = why;
	d->view.lost_since = 1;
	d->view_at = 0; /* acts must learn at once that gpsd is gone */
	d->gps_retry_at = now + d->gps_backoff_ms;
	d->gps_backoff_ms = d->gps_backoff_ms * 2 > DAEMON_GPS_BACKOFF_MAX_MS
	                    ? DAEMON_GPS_BACKOFF_MAX_MS : d->gps_backoff_ms * 2;
}

static void daemon_gps_connect(struct daemon *d, int64_t now)
{
	enum view_gpsd before = d->view.gpsd;

	if (d->link != NULL || now < d->gps_retry_at)
		return;
	if (gpslink_open(d->host, d->port, d->ag->boot_id, &d->link) != DS_OK) {
		if (before != VIEW_GPSD_DOWN || d->gps_backoff_ms == DAEMON_GPS_BACKOFF_MIN_MS)
			diag_msg(&d->ag->log, DIAG_WARN, "gpsd at %s:%s unreachable; retrying",
			        d->host, d->port);
		daemon_gps_drop(d, VIEW_GPSD_DOWN, now);
		return;
	}
	d->gps_heard_at = now;
	diag_msg(&d->ag->log, DIAG_INFO, "watching gpsd at %s:%s", d->host, d->port);
	if (before == VIEW_GPSD_DOWN)
		d->view.gpsd = VIEW_GPSD_SILENT; /* until the first report */
}

/* Take a TPV into the view. Returns 1 when it says something new: gpsd may send two or
 * three TPVs for one epoch, so news is a new fix time, mode or loss, not a new report. */
static int daemon_gps_report(struct daemon *d, const struct gpslink_tpv *t)
{
	int news = t->mode != d->view.last_mode || (t->fix.valid && (d->view.lost_since ||
	           t->fix.gps_time_ms != d->view.fix.gps_time_ms || t->fix.gps_time_ms == 0)) ||
	           (!t->fix.valid && !d->view.lost_since);

	d->view.last_mode = t->mode;
	d->view.last_tpv_ms = now_boot_ms();
	d->view.gpsd = VIEW_GPSD_OK;
	d->gps_backoff_ms = DAEMON_GPS_BACKOFF_MIN_MS;
	if (t->fix.valid) {
		d->view.fix = t->fix;
		d->view.lost_since = 0;
	} else {
		d->view.lost_since = 1; /* never relabel: the old fix stays, marked as lost */
	}
	return news;
}

static void daemon_gps_read(struct daemon *d, int64_t now)
{
	struct gpslink_tpv t;
	enum gpslink_got got;
	int budget = 64; /* reports per wake-up, so a flood cannot starve the rest */
	int news = 0;

	do {
		got = gpslink_read(d->link, &t);
		if (got == GPSLINK_LOST) {
			diag_msg(&d->ag->log, DIAG_WARN, "gpsd connection lost; reconnecting");
			daemon_gps_drop(d, VIEW_GPSD_DOWN, now);
			return;
		}
		d->gps_heard_at = now;
		if (got == GPSLINK_TPV)
			news |= daemon_gps_report(d, &t);
	} while (--budget > 0 && gpslink_pending(d->link));
	if (news)
		d->view_at = 0; /* rewrite the view now; otherwise the heartbeat will */
}

static void daemon_gps_check(struct daemon *d, int64_t now)
{
	if (d->link == NULL || now - d->gps_heard_at < d->ag->cfg.gpsd_silent_ms)
		return;
	if (d->view.gpsd != VIEW_GPSD_SILENT)
		diag_msg(&d->ag->log, DIAG_WARN, "gpsd silent for %ld ms; reconnecting",
		        d->ag->cfg.gpsd_silent_ms);
	daemon_gps_drop(d, VIEW_GPSD_SILENT, now);
}

/* ---- view, last fix, breadcrumbs ---- */

static void daemon_view(struct daemon *d, int64_t now)
{
	if (d->view_at != 0 && now - d->view_at < DAEMON_HEARTBEAT_MS)
		return;
	d->view.written_ms = now_boot_ms();
	if (view_write(d->ag->dir, &d->view) != DS_OK)
		diag_msg(&d->ag->log, DIAG_WARN, "cannot write the GPS view file");
	d->view_at = now;
}

static void daemon_fix_save(struct daemon *d, int64_t now, int force)
{
	const struct stamp_fix *f = &d->view.fix;

	if (!f->valid || f->rx_mono_ms == d->fix_saved_rx || (!force && now < d->fix_save_at))
		return;
	d->fix_save_at = now + DAEMON_FIX_SAVE_MS;
	if (ledger_fix_put(d->ag->store, f) == DS_OK)
		d->fix_saved_rx = f->rx_mono_ms;
}

/* Round a position to a grid of PRECISION_M metres: a breadcrumb says "around here". */
static void daemon_coarse(double *lat, double *lon, long precision_m)
{
	double step_lat = (double)precision_m / DAEMON_M_PER_DEG;
	double c = cos(*lat * M_PI / 180.0);
	double step_lon = step_lat / (c > 0.01 ? c : 0.01);

	*lat = round(*lat / step_lat) * step_lat;
	*lon = round(*lon / step_lon) * step_lon;
}

static void daemon_crumb(struct daemon *d, int64_t now)
{
	const struct settings *c = &d->ag->cfg;
	const struct stamp_fix *f = &d->view.fix;
	int64_t wall = now_wall_ms(), before = wall - c->crumb_retention_h * 3600 * 1000;
	double lat = f->lat, lon = f->lon;

	if (c->crumb_interval_s == 0 || now < d->crumb_at)
		return;
	d->crumb_at = now + c->crumb_interval_s * 1000;
	if (!f->valid || d->view.lost_since || now_boot_ms() - f->rx_mono_ms > c->fix_fresh_ms)
		return;
	daemon_coarse(&lat, &lon, c->crumb_precision_m);
	/* The minute is enough for a breadcrumb too. */
	if (trail_crumb_add(d->ag->store, wall - wall % 60000, lat, lon, before) != DS_OK)
		diag_msg(&d->ag->log, DIAG_WARN, "cannot store a breadcrumb: %s",
		        ledger_errmsg(d->ag->store));
}

/* ---- sync ---- */

static int64_t daemon_jitter(int64_t ms)
{
	uint32_t r = 0;

	/* "Equal jitter": half fixed, half random, so many handhelds coming back online at
	 * once do not all knock at the same second. */
	if (crypto_random(&r, sizeof r) != DS_OK)
		return ms;
	return ms / 2 + (int64_t)(r % (uint32_t)(ms / 2 + 1));
}

static int daemon_enrolled(struct daemon *d)
{
	struct cred c;
	int ok = cred_load(d->ag->dir, &c) == DS_OK;

	explicit_bzero(&c, sizeof c);
	return ok;
}

/* Schedule the next sync after one ended with R, and log it. */
static void daemon_synced(struct daemon *d, const struct worker_result *r)
{
	const struct settings *c = &d->ag->cfg;
	int64_t now = now_mono_ms(), waiting = r->waiting;

	if (r->status == SYNC_OK) {
		if (r->pushed > 0 || r->pulled > 0)
			diag_msg(&d->ag->log, DIAG_INFO, "synced: %lld events pushed, %lld "
			        "appointment changes, %lld waiting", (long long)r->pushed,
			        (long long)r->pulled, (long long)r->waiting);
		d->sync_backoff_ms = 0;
		d->sync_at = now + (d->poked_in_sync ? DAEMON_POKE_DELAY_MS
		                                     : c->sync_interval_s * 1000);
		return;
	}
	if (r->status == SYNC_UNREACHABLE || r->status == SYNC_LOCAL) {
		d->sync_backoff_ms = d->sync_backoff_ms ? d->sync_backoff_ms * 2
		                     : DAEMON_SYNC_BACKOFF_MIN_MS;
		if (d->sync_backoff_ms > c->sync_backoff_max_s * 1000)
			d->sync_backoff_ms = c->sync_backoff_max_s * 1000;
		d->sync_at = now + daemon_jitter(d->sync_backoff_ms);
	} else {
		d->sync_at = now + c->sync_interval_s * 1000;
	}
	if (waiting < 0 && ledger_outbox_count(d->ag->store, &waiting) != DS_OK)
		waiting = -1;
	diag_msg(&d->ag->log, DIAG_WARN, "sync failed: %s; events kept: %lld waiting; next "
	        "try in %lld s", r->message, (long long)waiting,
	        (long long)((d->sync_at - now + 999) / 1000));
}

static void daemon_sync(struct daemon *d, int64_t now)
{
	const struct settings *c = &d->ag->cfg;

	if (d->worker != NULL || now < d->sync_at)
		return;
	if (!daemon_enrolled(d)) {
		diag_msg(&d->ag->log, d->said_unenrolled++ ? DIAG_DEBUG : DIAG_WARN,
		        "not enrolled: nothing to sync with");
		d->sync_at = now + c->sync_interval_s * 1000;
		return;
	}
	d->poked_in_sync = 0;
	if (worker_start(WORKER_SELF, d->ag->dir, &d->worker) != DS_OK) {
		struct worker_result r = {.status = SYNC_LOCAL, .waiting = -1};

		snprintf(r.message, sizeof r.message, "cannot start the sync process: %s",
		         strerror(errno));
		d->worker = NULL;
		daemon_synced(d, &r);
	}
}

static void daemon_sync_read(struct daemon *d)
{
	struct worker_result r;
	long pid = (long)worker_pid(d->worker);

	if (!worker_read(d->worker))
		return;
	worker_done(d->worker, &r);
	d->worker = NULL;
	diag_msg(&d->ag->log, DIAG_DEBUG, "sync process %ld: exit %d, %lld requests over %lld "
	        "connections, peak RSS %ld kB", pid, r.exit_code, (long long)r.requests,
	        (long long)r.connections, r.peak_rss_kb);
	daemon_synced(d, &r);
}

static void daemon_poked(struct daemon *d, int64_t now)
{
	char buf[DAEMON_POKE_DRAIN];

	while (read(d->poke_fd, buf, sizeof buf) > 0)
		continue;
	if (d->worker != NULL) {
		/* The running sync may have read the outbox before this act was committed. */
		d->poked_in_sync = 1;
		return;
	}
	if (d->sync_at > now + DAEMON_POKE_DELAY_MS && d->sync_backoff_ms == 0)
		d->sync_at = now + DAEMON_POKE_DELAY_MS;
}

/* ---- the loop ---- */

static int daemon_timeout(const struct daemon *d, int64_t now)
{
	int64_t next = now + DAEMON_MAX_POLL_MS;

	if (d->link == NULL && d->gps_retry_at < next)
		next = d->gps_retry_at;
	if (d->worker == NULL && d->sync_at < next)
		next = d->sync_at;
	if (d->view_at + DAEMON_HEARTBEAT_MS < next)
		next = d->view_at + DAEMON_HEARTBEAT_MS;
	return next > now ? (int)(next - now) : 0;
}

static void daemon_step(struct daemon *d)
{
	struct pollfd p[3];
	int64_t now = now_mono_ms();
	int n = 0, link_at = -1, worker_at = -1;

	daemon_gps_connect(d, now);
	p[n].fd = d->poke_fd;
	p[n++].events = POLLIN;
	if (d->link != NULL) {
		link_at = n;
		p[n].fd = gpslink_fd(d->link);
		p[n++].events = POLLIN;
	}
	if (d->worker != NULL) {
		worker_at = n;
		p[n].fd = worker_fd(d->worker);
		p[n++].events = POLLIN;
	}
	if (link_at >= 0 && gpslink_pending(d->link))
		daemon_gps_read(d, now);
	else if (poll(p, (nfds_t)n, daemon_timeout(d, now)) > 0) {
		now = now_mono_ms();
		if (link_at >= 0 && (p[link_at].revents & (POLLIN | POLLHUP | POLLERR)))
			daemon_gps_read(d, now);
		if (worker_at >= 0 && (p[worker_at].revents & (POLLIN | POLLHUP | POLLERR)))
			daemon_sync_read(d);
		if (p[0].revents & POLLIN)
			daemon_poked(d, now);
	}
	now = now_mono_ms();
	daemon_gps_check(d, now);
	daemon_view(d, now);
	daemon_crumb(d, now);
	daemon_fix_save(d, now, 0);
	daemon_sync(d, now);
}

/* Say at start-up, once, when the sync helper is missing: each sync will fail until it is
 * installed, but acts are recorded and kept meanwhile. */
static void daemon_helper_check(struct agent *ag)
{
	char path[HELPER_PATH_MAX], msg[HELPER_MSG_MAX];

	if (helper_find(path, msg) != DS_OK)
		diag_msg(&ag->log, DIAG_ERROR,
		         "%s: syncs will fail until it is installed; acts are "
		         "recorded and kept meanwhile", msg);
}

static int daemon_setup(struct daemon *d, struct agent *ag)
{
	char path[AGENT_FILE_PATH_MAX];
	int64_t left;

	memset(d, 0, sizeof *d);
	d->ag = ag;
	d->poke_fd = d->lock_fd = -1;
	if (settings_hostport(ag->cfg.gpsd, d->host, sizeof d->host, d->port,
	                      sizeof d->port) != DS_OK) {
		diag_msg(&ag->log, DIAG_ERROR, "gpsd: \"%s\" is not HOST:PORT", ag->cfg.gpsd);
		return AGENT_EXIT_USAGE;
	}
	agent_path(ag, DAEMON_LOCK_FILE, path);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		diag_msg(&ag->log, DIAG_ERROR, "another daemon is running on %s", ag->dir);
		return AGENT_EXIT_FAIL;
	}
	agent_path(ag, ACT_POKE_FILE, path);
	if ((mkfifo(path, 0600) != 0 && errno != EEXIST) ||
	    (d->poke_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		diag_msg(&ag->log, DIAG_ERROR, "cannot open the poke FIFO: %s", strerror(errno));
		return AGENT_EXIT_FAIL;
	}
	snprintf(d->view.boot_id, sizeof d->view.boot_id, "%s", ag->boot_id);
	d->view.pid = (long)getpid();
	d->view.gpsd = VIEW_GPSD_DOWN;
	d->view.lost_since = 1;
	d->view.fix.lat = d->view.fix.lon = d->view.fix.eph_m = NAN;
	d->gps_backoff_ms = DAEMON_GPS_BACKOFF_MIN_MS;
	d->sync_at = now_mono_ms() + DAEMON_POKE_DELAY_MS;
	daemon_helper_check(ag);
	/* The daemon runs for a whole shift and only appends breadcrumbs and saves the fix:
	 * a small cache is enough, and its memory budget is 4 MiB in all (docs/AGENT.md). */
	if (ledger_lean(ag->store, DAEMON_CACHE_KIB, DAEMON_SQLITE_HEAP_KIB) != DS_OK)
		diag_msg(&ag->log, DIAG_WARN, "cannot shrink the database cache");
	if (trail_crumb_purge(ag->store, now_wall_ms() - ag->cfg.crumb_retention_h * 3600 * 1000,
	                      &left) != DS_OK)
		diag_msg(&ag->log, DIAG_WARN, "cannot purge old breadcrumbs");
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	char path[AGENT_FILE_PATH_MAX];

	if (d->ag->store != NULL)
		daemon_fix_save(d, now_mono_ms(), 1);
	agent_path(d->ag, VIEW_FILE, path);
	if (d->view.pid != 0)
		unlink(path);
	gpslink_close(d->link);
	/* A sync cut short keeps its batch in the outbox; the next one repeats it. */
	worker_stop(d->worker);
	if (d->poke_fd >= 0)
		close(d->poke_fd);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
}

int daemon_running(struct agent *ag)
{
	char path[AGENT_FILE_PATH_MAX];
	int fd, held;

	agent_path(ag, DAEMON_LOCK_FILE, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* flock() has no "test" operation: take a shared lock for an instant. A daemon starting
	 * in that instant fails its own lock and says so; rare, and it is simply restarted. */
	held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

int daemon_run(struct agent *ag)
{
	struct daemon d;
	int code = AGENT_EXIT_FAIL;

	if (agent_store(ag, &code) == NULL)
		return code;
	if ((code = daemon_setup(&d, ag)) != 0)
		goto out;
	diag_msg(&ag->log, DIAG_INFO, "daemon started (pid %ld)", d.view.pid);
	while (!*ag->stop)
		daemon_step(&d);
	diag_msg(&ag->log, DIAG_INFO, "stopping");
	code = AGENT_EXIT_OK;
out:
	daemon_teardown(&d);
	return code;
}
