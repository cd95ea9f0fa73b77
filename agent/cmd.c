/* cmd.c: enroll, sync, status and config: short functions that call the modules and turn
 * their results into words for the courier and an exit code. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "isotime.h"
#include "text.h"
#include "agent/act.h"
#include "agent/agent.h"
#include "agent/cmd.h"
#include "agent/cred.h"
#include "agent/daemon.h"
#include "agent/doctor.h"
#include "agent/stamp.h"
#include "agent/sync.h"

#define CMD_TIME_MAX (ISOTIME_MAX_LEN + 1)

static int cmd_sync_exit(enum sync_status st)
{
	switch (st) {
	case SYNC_OK:
		return AGENT_EXIT_OK;
	case SYNC_UNREACHABLE:
		return AGENT_EXIT_UNREACHABLE;
	case SYNC_LOCAL:
		return AGENT_EXIT_STORE;
	case SYNC_HELPER:
		return AGENT_EXIT_FAIL;
	case SYNC_REFUSED:
	case SYNC_PIN:
		break;
	}
	return AGENT_EXIT_REFUSED;
}

static int cmd_enroll_check(struct agent *ag, const char *url, const char *pin)
{
	struct cred c;

	if (strncmp(url, "https://", 8) != 0 || strlen(url) > SETTINGS_STR_MAX) {
		fprintf(stderr, "doorstep-agent: --server must be an https:// URL\n");
		return AGENT_EXIT_USAGE;
	}
	if (strncmp(pin, "sha256//", 8) != 0 || strlen(pin) < 16 ||
	    strlen(pin) > SETTINGS_STR_MAX) {
		fprintf(stderr, "doorstep-agent: --pin must be sha256//BASE64 (from the office)\n");
		return AGENT_EXIT_USAGE;
	}
	if (cred_load(ag->dir, &c) != DS_ENOTFOUND) {
		fprintf(stderr, "doorstep-agent: this device is already enrolled (%s/%s exists)\n",
		        ag->dir, CRED_FILE);
		return AGENT_EXIT_USAGE;
	}
	return 0;
}

/* The identities the server gave, cleaned for the terminal like any text from elsewhere. */
static void cmd_enrolled_print(const struct cred *cr)
{
	char device[sizeof cr->device], courier[sizeof cr->courier], office[sizeof cr->office];

	(void)text_terminal(cr->device, device, sizeof device);
	(void)text_terminal(cr->courier, courier, sizeof courier);
	(void)text_terminal(cr->office, office, sizeof office);
	printf("enrolled: device %s, courier %s, office %s\n", device, courier, office);
}

int cmd_enroll(struct agent *ag, const char *url, const char *pin, const char *code,
               const char *device_name)
{
	struct sync_client *cl = NULL;
	char msg[SYNC_MSG_MAX], shown[SYNC_MSG_MAX];
	struct settings c = ag->cfg;
	struct cred cr;
	enum sync_status st;
	int64_t server_ms = 0, skew_ms;
	int rc;

	if ((rc = cmd_enroll_check(ag, url, pin)) != 0)
		return rc;
	snprintf(c.server_url, sizeof c.server_url, "%s", url);
	snprintf(c.pin, sizeof c.pin, "%s", pin);
	if (sync_client_new(&c, NULL, &cl) != DS_OK)
		return AGENT_EXIT_FAIL;
	st = sync_enroll(cl, code, device_name, &cr, &server_ms, msg);
	sync_client_free(cl);
	if (st != SYNC_OK) {
		(void)text_terminal(msg, shown, sizeof shown);
		fprintf(stderr, "doorstep-agent: enrolment failed: %s\n", shown);
		return cmd_sync_exit(st);
	}
	rc = AGENT_EXIT_OK;
	if (cred_save(ag->dir, &cr) != DS_OK || settings_save(ag->dir, &c) != DS_OK) {
		fprintf(stderr, "doorstep-agent: enrolled, but the credential could not be saved: "
		        "ask the office for a new code\n");
		rc = AGENT_EXIT_FAIL;
	} else {
		ag->cfg = c;
		cmd_enrolled_print(&cr);
	}
	skew_ms = server_ms ? now_wall_ms() - server_ms : 0;
	if (skew_ms > STAMP_CLOCK_SKEW_MS || skew_ms < -STAMP_CLOCK_SKEW_MS)
		printf("warning: clock_skew: this device's clock differs from the server's by %lld "
		       "minutes: set the clock\n", (long long)(skew_ms / 60000));
	explicit_bzero(&cr, sizeof cr);
	return rc;
}

static const char *cmd_sync_status_name(enum sync_status st)
{
	static const char *const names[] = {"ok", "unreachable", "refused", "pin", "local",
	                                    "helper"};

	return (size_t)st < sizeof names / sizeof names[0] ? names[st] : "refused";
}

/* One JSON object, also on failure (then with "status" and "message"): the daemon runs
 * `sync --json` as its sync process and reads this line (worker.c). */
static void cmd_sync_json(const struct sync_report *r, enum sync_status st)
{
	json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "status",
	                      cmd_sync_status_name(st), "pushed", (json_int_t)r->pushed,
	                      "duplicates", (json_int_t)r->duplicates, "pulled",
	                      (json_int_t)r->pulled, "waiting", (json_int_t)r->waiting,
	                      "requests", (json_int_t)r->requests, "connections",
	                      (json_int_t)r->connections, "body_bytes", (json_int_t)r->body_bytes,
	                      "plain_bytes", (json_int_t)r->plain_bytes, "renumbered",
	                      (json_int_t)r->renumbered);
	char *text = NULL;

	if (o != NULL && st != SYNC_OK)
		json_object_set_new(o, "message", json_string(r->message));
	if (o != NULL)
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text != NULL)
		printf("%s\n", text);
	fflush(stdout);
	free(text);
	json_decref(o);
}

static void cmd_sync_print(const struct sync_report *r)
{
	printf("synced: %lld events sent (%lld already on the server), %lld appointment changes, "
	       "%lld waiting; %lld requests, %lld bytes gzip\n", (long long)r->pushed,
	       (long long)r->duplicates, (long long)r->pulled, (long long)r->waiting,
	       (long long)r->requests, (long long)r->body_bytes);
	if (r->renumbered > 0)
		printf("note: %lld events were renumbered to follow the server's sequence (this "
		       "device's count had started again)\n", (long long)r->renumbered);
}

int cmd_sync(struct agent *ag, int json)
{
	char token[CRED_TOKEN_MAX + 1], shown[SYNC_MSG_MAX];
	struct sync_client *cl = NULL;
	struct sync_report r;
	struct cred c;
	enum sync_status st;
	int code = AGENT_EXIT_FAIL;

	if (cred_load(ag->dir, &c) != DS_OK) {
		fprintf(stderr, "doorstep-agent: this device is not enrolled: run `doorstep-agent "
		        "enroll` with the code from the office\n");
		return AGENT_EXIT_USAGE;
	}
	if (agent_store(ag, &code) == NULL)
		return code;
	cred_token(&c, token);
	explicit_bzero(&c, sizeof c);
	if (sync_client_new(&ag->cfg, token, &cl) != DS_OK) {
		explicit_bzero(token, sizeof token);
		return AGENT_EXIT_FAIL;
	}
	explicit_bzero(token, sizeof token);
	/* SIGTERM or SIGINT ends the sync promptly (as unreachable, nothing lost): the daemon
	 * stops its sync process this way when it is itself asked to stop. */
	sync_client_abort_on(cl, ag->stop);
	st = sync_run(cl, ag->store, &r);
	sync_client_free(cl);
	if (json)
		cmd_sync_json(&r, st);
	else if (st == SYNC_OK)
		cmd_sync_print(&r);
	if (st != SYNC_OK) {
		/* The message may quote the server: cleaned like any text from elsewhere. */
		(void)text_terminal(r.message, shown, sizeof shown);
		fprintf(stderr, "doorstep-agent: %s, events kept: %lld waiting\n", shown,
		        (long long)r.waiting);
	}
	return cmd_sync_exit(st);
}

/* What `status` reports. */
struct cmd_state {
	int64_t waiting, last_sync_ms, last_error_ms;
	char last_error[LEDGER_META_MAX];
	int enrolled;
	int read_only;             /* the disk is full: acts cannot be recorded */
	int daemon;                /* a daemon holds the lock (its view may be stale) */
	struct act_gpsinfo gps;
	struct model_gps next;     /* the stamp an act would get now (no appointment) */
	char why[ACT_WHY_MAX];
};

static int cmd_state_read(struct agent *ag, struct cmd_state *s)
{
	struct stamp_input in;
	struct stamp_fix live;
	struct cred c;
	unsigned flags;
	int code = AGENT_EXIT_FAIL;

	memset(s, 0, sizeof *s);
	if (agent_store_read(ag, &code) == NULL)
		return code;
	s->read_only = ledger_read_only(ag->store);
	if (ledger_outbox_count(ag->store, &s->waiting) != DS_OK ||
	    ledger_meta_int(ag->store, "last_sync_ms", &s->last_sync_ms) != DS_OK ||
	    ledger_meta_int(ag->store, "last_error_ms", &s->last_error_ms) != DS_OK ||
	    ledger_meta_text(ag->store, "last_error", s->last_error,
	                     sizeof s->last_error) != DS_OK) {
		fprintf(stderr, "doorstep-agent: cannot read the database: %s\n",
		        ledger_errmsg(ag->store));
		return AGENT_EXIT_STORE;
	}
	s->enrolled = cred_load(ag->dir, &c) == DS_OK;
	explicit_bzero(&c, sizeof c);
	act_gps(ag, NAN, NAN, &in, &live, s->why, &s->gps);
	s->daemon = daemon_running(ag);
	stamp_make(&in, &s->next, &flags);
	return 0;
}

static void cmd_time(int64_t ms, char *out)
{
	if (ms == 0 || isotime_format(ms, 0, out, CMD_TIME_MAX) != DS_OK)
		snprintf(out, CMD_TIME_MAX, "never");
}

static void cmd_status_text(const struct cmd_state *s)
{
	char t[CMD_TIME_MAX], err[sizeof s->last_error];

	printf("enrolled: %s\n", s->enrolled ? "yes" : "no");
	if (s->read_only)
		printf("storage: FULL: acts cannot be recorded until space is freed\n");
	printf("events waiting: %lld\n", (long long)s->waiting);
	cmd_time(s->last_sync_ms, t);
	printf("last sync: %s\n", t);
	if (s->last_error[0] && text_terminal(s->last_error, err, sizeof err))
		printf("last error: %s\n", err);
	if (s->gps.daemon)
		printf("daemon: running (pid %ld)\n", s->gps.daemon_pid);
	else if (s->daemon)
		printf("daemon: running, busy (GPS read from gpsd directly)\n");
	else
		printf("daemon: not running\n");
	printf("gpsd: %s\n", view_gpsd_name(s->gps.gpsd));
	printf("fix mode: %d\n", s->gps.last_mode);
	if (s->next.source != MODEL_GPS_NONE)
		printf("fix age: %.1f s\n", s->next.fix_age_s);
	printf("next act gps: %s%s%s%s\n", model_gps_source_name(s->next.source),
	       s->why[0] ? " (" : "", s->why, s->why[0] ? ")" : "");
}

static void cmd_status_json(const struct cmd_state *s)
{
	char t[CMD_TIME_MAX];
	json_t *o = json_object();
	char *text;

	if (o == NULL)
		return;
	json_object_set_new(o, "enrolled", json_boolean(s->enrolled));
	json_object_set_new(o, "waiting", json_integer(s->waiting));
	json_object_set_new(o, "storage_full", json_boolean(s->read_only));
	cmd_time(s->last_sync_ms, t);
	json_object_set_new(o, "last_sync", s->last_sync_ms ? json_string(t) : json_null());
	json_object_set_new(o, "last_error", s->last_error[0] ? json_string(s->last_error)
	                                                       : json_null());
	json_object_set_new(o, "daemon", json_boolean(s->daemon));
	json_object_set_new(o, "gpsd", json_string(view_gpsd_name(s->gps.gpsd)));
	json_object_set_new(o, "fix_mode", json_integer(s->gps.last_mode));
	if (s->next.source != MODEL_GPS_NONE)
		json_object_set_new(o, "fix_age_s", json_real(s->next.fix_age_s));
	json_object_set_new(o, "next_source", json_string(model_gps_source_name(s->next.source)));
	json_object_set_new(o, "why", json_string(s->why));
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	if (text != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

int cmd_status(struct agent *ag, int json)
{
	struct cmd_state s;
	int code;

	if ((code = cmd_state_read(ag, &s)) != 0) {
		/* A damaged database's events are in the journal: say how many are safe. */
		if (code == AGENT_EXIT_DAMAGED && !json)
			doctor_journal_print(ag);
		return code;
	}
	if (json) {
		cmd_status_json(&s);
		return AGENT_EXIT_OK;
	}
	cmd_status_text(&s);
	doctor_journal_print(ag);
	return AGENT_EXIT_OK;
}

/* `config --set NAME=VALUE`: the file as it is on disk, changed in NAME only, is saved:
 * ag->cfg also holds this run's --gpsd and --log-level, which must not be written. */
static int cmd_config_set(struct agent *ag, const char *set)
{
	char name[SETTINGS_STR_MAX + 1], err[SETTINGS_ERR_MAX];
	struct settings file;
	const char *eq = strchr(set, '=');

	if (eq == NULL || (size_t)(eq - set) > SETTINGS_STR_MAX) {
		fprintf(stderr, "doorstep-agent: --set NAME=VALUE\n");
		return AGENT_EXIT_USAGE;
	}
	snprintf(name, sizeof name, "%.*s", (int)(eq - set), set);
	if (settings_load(ag->dir, &file, err) != DS_OK ||
	    settings_set(&file, name, eq + 1, err) != DS_OK ||
	    settings_set(&ag->cfg, name, eq + 1, err) != DS_OK) {
		fprintf(stderr, "doorstep-agent: %s\n", err);
		return AGENT_EXIT_USAGE;
	}
	if (settings_save(ag->dir, &file) != DS_OK) {
		fprintf(stderr, "doorstep-agent: cannot save %s/%s\n", ag->dir, SETTINGS_FILE);
		return AGENT_EXIT_FAIL;
	}
	return 0;
}

int cmd_config(struct agent *ag, int sample, int check, const char *set)
{
	int rc;

	if (set != NULL && (rc = cmd_config_set(ag, set)) != 0)
		return rc;
	if (check) {
		printf("configuration ok\n");
		return AGENT_EXIT_OK;
	}
	if (sample) {
		struct settings d;

		settings_defaults(&d);
		settings_print(stdout, &d, 1);
	} else {
		settings_print(stdout, &ag->cfg, 0);
	}
	return AGENT_EXIT_OK;
}
