/* act.c: an act is stamped, built and stored in one go. The GPS part never blocks the
 * courier for long: with the daemon running it reads the daemon's view (a file read);
 * without it, it asks gpsd for one fresh report and waits at most one receiver cycle. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "dossier.h"
#include "text.h"
#include "canon.h"
#include "wire.h"
#include "agent/act.h"
#include "agent/agent.h"
#include "agent/trail.h"
#include "agent/gpslink.h"
#include "agent/round.h"
#include "agent/view.h"

#define ACT_COPY_CHUNK 65536

/* With the daemon's view: its last fix (or the stored one when newer) and its loss state. */
static void act_gps_view(const struct view *v, struct stamp_input *in, char *why,
                         struct act_gpsinfo *info)
{
	info->daemon = 1;
	info->daemon_pid = v->pid;
	info->gpsd = v->gpsd;
	info->last_mode = v->last_mode;
	in->last = *stamp_newer(&in->last, &v->fix);
	in->lost_since = v->lost_since || v->gpsd != VIEW_GPSD_OK;
	if (v->gpsd == VIEW_GPSD_DOWN)
		snprintf(why, ACT_WHY_MAX, "gpsd unreachable");
	else if (v->gpsd == VIEW_GPSD_SILENT)
		snprintf(why, ACT_WHY_MAX, "gpsd silent");
	else if (v->lost_since)
		snprintf(why, ACT_WHY_MAX, "no fix now");
}

/* Without the daemon: ask gpsd once. */
static void act_gps_probe(struct agent *ag, struct stamp_input *in, struct stamp_fix *live,
                          char *why, struct act_gpsinfo *info)
{
	char host[SETTINGS_STR_MAX + 1], port[SETTINGS_PORT_MAX];
	struct gpslink_tpv t;
	enum gpslink_got got;

	if (settings_hostport(ag->cfg.gpsd, host, sizeof host, port, sizeof port) != DS_OK) {
		snprintf(why, ACT_WHY_MAX, "gpsd address \"%.40s\" is not HOST:PORT", ag->cfg.gpsd);
		in->lost_since = 1;
		return;
	}
	got = gpslink_probe(host, port, ag->boot_id, ag->cfg.gps_wait_ms, &t);
	info->gpsd = got == GPSLINK_TPV ? VIEW_GPSD_OK
	             : got == GPSLINK_NOTHING ? VIEW_GPSD_SILENT : VIEW_GPSD_DOWN;
	info->last_mode = got == GPSLINK_TPV ? t.mode : 0;
	if (got == GPSLINK_TPV && t.fix.valid) {
		in->last = t.fix;
		*live = t.fix;
		return;
	}
	in->lost_since = 1;
	if (got == GPSLINK_TPV)
		snprintf(why, ACT_WHY_MAX, "no fix now");
	else if (got == GPSLINK_NOTHING)
		snprintf(why, ACT_WHY_MAX, "gpsd silent");
	else
		snprintf(why, ACT_WHY_MAX, "gpsd unreachable");
}

void act_gps(struct agent *ag, double appt_lat, double appt_lon, struct stamp_input *in,
             struct stamp_fix *live, char *why, struct act_gpsinfo *info)
{
	struct view v;
	int have_view;

	memset(in, 0, sizeof *in);
	memset(live, 0, sizeof *live);
	memset(info, 0, sizeof *info);
	why[0] = '\0';
	in->appt_lat = appt_lat;
	in->appt_lon = appt_lon;
	in->boot_id = ag->boot_id;
	in->fresh_ms = ag->cfg.fix_fresh_ms;
	if (ag->store == NULL || ledger_fix_get(ag->store, &in->last) != DS_OK)
		in->last.valid = 0;
	have_view = view_read(ag->dir, &v) == DS_OK;
	if (have_view && view_alive(&v, now_boot_ms(), ag->boot_id)) {
		act_gps_view(&v, in, why, info);
	} else {
		if (have_view) /* a daemon that stopped may still know a newer fix than the store */
			in->last = *stamp_newer(&in->last, &v.fix);
		act_gps_probe(ag, in, live, why, info);
	}
	in->now_mono_ms = now_boot_ms();
	in->now_wall_ms = now_wall_ms();
	if (!in->last.valid && !why[0])
		snprintf(why, ACT_WHY_MAX, "no fix yet");
}

const char *act_check(const struct act_args *a)
{
	size_t i;

	if (a->type == MODEL_DELIVER) {
		if (a->recipient == NULL || a->recipient[0] == '\0')
			return "deliver needs --recipient NAME";
		if (strlen(a->recipient) > MODEL_NAME_MAX ||
		    !text_valid_utf8(a->recipient, strlen(a->recipient)))
			return "--recipient: not valid text or longer than 200 bytes";
		if (a->relation == MODEL_REL_NONE)
			return "deliver needs --relation self|family|authorised";
		if (a->id_last4 != NULL) {
			for (i = 0; a->id_last4[i] >= '0' && a->id_last4[i] <= '9'; i++)
				continue;
			if (i != 4 || a->id_last4[4] != '\0')
				return "--id-last4: exactly 4 digits (never the whole ID number)";
		}
	}
	if (a->type == MODEL_FAIL && a->reason == MODEL_REASON_NONE)
		return "fail needs --reason";
	if (a->note != NULL && (strlen(a->note) > MODEL_NOTE_MAX ||
	                        !text_valid_utf8(a->note, strlen(a->note))))
		return "--note: not valid text or longer than 500 bytes";
	return NULL;
}

/* Copy SRC to the open descriptor OUT, at most ACT_FILE_MAX bytes. */
static int act_copy(const char *src, int out)
{
	char buf[ACT_COPY_CHUNK];
	long total = 0;
	ssize_t n;
	int in = open(src, O_RDONLY | O_CLOEXEC), rc = -1;

	if (in < 0)
		return -1;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		total += n;
		if (total > ACT_FILE_MAX || write(out, buf, (size_t)n) != n)
			goto out;
	}
	rc = n == 0 ? 0 : -1;
out:
	close(in);
	return rc;
}

/* Keep a copy of SRC in DIR/files/ named by its SHA-256, into OUT: HEX. The hash is of the
 * copy that is kept (made after the copy is on disk), so it proves what the device holds. */
static int act_keep(struct agent *ag, const char *src, char hex[MODEL_HASH_HEX + 1])
{
	char dir[AGENT_FILE_PATH_MAX], tmp[AGENT_FILE_PATH_MAX + 32], dst[AGENT_FILE_PATH_MAX + 80];
	int fd;

	agent_path(ag, ACT_FILES_DIR, dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(tmp, sizeof tmp, "%s/.incoming.%ld", dir, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (act_copy(src, fd) != 0 || fsync(fd) != 0) {
		close(fd);
		goto fail;
	}
	if (close(fd) != 0 || crypto_sha256_file(tmp, hex) != DS_OK)
		goto fail;
	snprintf(dst, sizeof dst, "%s/%s", dir, hex);
	if (rename(tmp, dst) != 0)
		goto fail;
	return 0;
fail:
	unlink(tmp);
	return -1;
}

/* Tell a running daemon to sync soon. Best effort: no daemon, no reader, nothing to do. */
static void act_poke(struct agent *ag)
{
	char path[AGENT_FILE_PATH_MAX];
	int fd;

	agent_path(ag, ACT_POKE_FILE, path);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "!", 1) != 1)
		diag_msg(&ag->log, DIAG_DEBUG, "daemon not poked (%s)", strerror(errno));
	close(fd);
}

static const char *act_status_after(enum model_event_type t)
{
	static const char *const names[] = {"arrived", "collected", "delivered", "failed"};

	return t < MODEL_EVENT_TYPES ? names[t] : NULL;
}

static void act_fill(struct model_event *e, const struct act_args *a, const char *code)
{
	model_event_init(e);
	e->type = a->type;
	snprintf(e->appointment, sizeof e->appointment, "%s", code);
	e->documents = a->documents;
	e->fee_vnd = a->fee_vnd;
	e->reason = a->reason;
	e->relation = a->relation;
	if (a->note != NULL)
		snprintf(e->note, sizeof e->note, "%s", a->note);
	if (a->recipient != NULL)
		snprintf(e->recipient, sizeof e->recipient, "%s", a->recipient);
	if (a->id_last4 != NULL)
		snprintf(e->id_last4, sizeof e->id_last4, "%s", a->id_last4);
}

static void act_print_gps(const struct model_event *e, const char *why)
{
	const struct model_gps *g = &e->gps;

	if (g->source == MODEL_GPS_NONE) {
		printf("gps: none (%s)\n", why[0] ? why : "no fix");
		return;
	}
	printf("gps: %s", model_gps_source_name(g->source));
	if (g->source == MODEL_GPS_LAST_KNOWN)
		printf(" (%s), fix %.1f s old", why[0] ? why : "fix too old", g->fix_age_s);
	else
		printf(", fix age %.1f s", g->fix_age_s);
	printf(", %dD", g->mode);
	if (isfinite(g->accuracy_m))
		printf(", accuracy %.0f m", g->accuracy_m);
	if (g->sats_used >= 0)
		printf(", %d satellites", g->sats_used);
	if (isfinite(g->dist_m))
		printf(", %.0f m from the address", g->dist_m);
	printf("\n");
}

static void act_print(const struct model_event *e, const char *why, const char *body)
{
	const struct model_gps *g = &e->gps;
	char code[sizeof e->appointment];

	if (body != NULL) {
		printf("%s\n", body);
		return;
	}
	(void)text_terminal(e->appointment, code, sizeof code);
	printf("recorded %s #%lld for %s (event %s)\n", model_event_type_name(e->type),
	       (long long)e->seq, code, e->uuid);
	act_print_gps(e, why);
	if (e->flags & MODEL_FLAG_FAR)
		printf("warning: far: recorded %.0f m from the appointment's address\n", g->dist_m);
	if (e->flags & MODEL_FLAG_POOR_ACCURACY)
		printf("warning: poor_accuracy: GPS accuracy is %.0f m\n", g->accuracy_m);
	if (e->flags & MODEL_FLAG_CLOCK_SKEW)
		printf("warning: clock_skew: the device clock "
		       "and GPS time differ by over 5 minutes\n");
	if (g->source != MODEL_GPS_LIVE)
		printf("warning: no live GPS fix: the act is recorded with %s\n",
		       g->source == MODEL_GPS_NONE ? "no position" : "the last known position");
}

static int act_store_fail(struct agent *ag, enum ds_err rc)
{
	if (rc == DS_EFULL) {
		fprintf(stderr, "doorstep-agent: the device storage is full: the act was NOT "
		        "recorded; free space or sync, then record it again\n");
		return AGENT_EXIT_STORE;
	}
	if (rc == DS_EBUSY) {
		fprintf(stderr,
		        "doorstep-agent: the database is locked by another program: the act "
		        "was NOT recorded; try again\n");
		return AGENT_EXIT_STORE;
	}
	fprintf(stderr, "doorstep-agent: could not store the act (%s: %s): it was NOT recorded\n",
	        ds_strerror(rc), ledger_errmsg(ag->store));
	return AGENT_EXIT_FAIL;
}

/* Keep the deliver's files, stamp and fill E. Returns 0 or an exit code. */
static int act_prepare(struct agent *ag, const struct act_args *a,
                       const struct model_appointment *ap, struct model_event *e,
                       struct stamp_fix *live, char *why)
{
	struct stamp_input in;
	struct act_gpsinfo info;

	act_fill(e, a, ap->code);
	if (a->signature != NULL && act_keep(ag, a->signature, e->signature_sha256) != 0) {
		fprintf(stderr, "doorstep-agent: cannot keep the signature file %s: %s\n",
		        a->signature, strerror(errno));
		return AGENT_EXIT_FAIL;
	}
	if (a->photo != NULL && act_keep(ag, a->photo, e->photo_sha256) != 0) {
		fprintf(stderr, "doorstep-agent: cannot keep the photo file %s: %s\n", a->photo,
		        strerror(errno));
		return AGENT_EXIT_FAIL;
	}
	if (model_uuid_new(e->uuid) != DS_OK) {
		fprintf(stderr, "doorstep-agent: no randomness for the event's identity\n");
		return AGENT_EXIT_FAIL;
	}
	act_gps(ag, ap->lat, ap->lon, &in, live, why, &info);
	stamp_make(&in, &e->gps, &e->flags);
	e->recorded_ms = in.now_wall_ms;
	return 0;
}

int act_record(struct agent *ag, const struct act_args *a)
{
	struct model_appointment ap;
	struct model_event e;
	struct stamp_fix live;
	char why[ACT_WHY_MAX], *body = NULL;
	const char *bad = act_check(a);
	int code = AGENT_EXIT_FAIL;
	enum ds_err rc;

	if (bad != NULL) {
		fprintf(stderr, "doorstep-agent: %s\n", bad);
		return AGENT_EXIT_USAGE;
	}
	if (agent_store(ag, &code) == NULL) {
		if (code == AGENT_EXIT_DAMAGED)
			fprintf(stderr, "doorstep-agent: the database is damaged: the act was NOT "
			        "recorded; run `doorstep-agent doctor "
			        "--repair`, then record it again\n");
		else
			fprintf(stderr, "doorstep-agent: the act was NOT recorded\n");
		return code;
	}
	if ((code = round_resolve(ag, a->appt, &ap)) != 0)
		return code;
	if ((code = act_prepare(ag, a, &ap, &e, &live, why)) != 0)
		return code;
	rc = ledger_event_add(ag->store, &e, act_status_after(a->type), live.valid ? &live : NULL);
	if (rc != DS_OK)
		return act_store_fail(ag, rc);
	if (a->json)
		body = canon_event(&e);
	act_print(&e, why, body);
	free(body);
	fflush(stdout);
	act_poke(ag);
	return AGENT_EXIT_OK;
}
