/* main.c: doorstep-agent, the courier's agent on the handheld. Parses the command line,
 * prepares the data dir and the one struct agent, and hands over to the command's module.
 * Exit codes are in agent.h and docs/AGENT.md. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/cmd.h"
#include "agent/daemon.h"
#include "agent/doctor.h"
#include "agent/round.h"
#include "agent/sync.h"

#define MAIN_VERSION "doorstep-agent 1.0 (protocol 1)"

/* The one flag a signal handler may touch (house style): it cannot be reached through a
 * pointer from a handler, so it lives here and struct agent points at it. */
static volatile sig_atomic_t main_stop;

static void main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

static const char main_usage[] =
	"usage: doorstep-agent [--data DIR] [--gpsd HOST:PORT] [--log-level L] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  enroll --server URL --pin sha256//BASE64 --code CODE [--name NAME]\n"
	"  arrive APPT\n"
	"  collect APPT [--documents N] [--fee-vnd N]\n"
	"  deliver APPT --recipient NAME --relation self|family|authorised [--id-last4 NNNN]\n"
	"          [--signature FILE] [--photo FILE]\n"
	"  fail APPT --reason not-home|wrong-address|refused|id-mismatch|no-proxy-letter|\n"
	"          fee-unpaid|other [--note TEXT]\n"
	"  round [--json] [--all]      today's stops in order\n"
	"  find TEXT [--json]          search names, addresses, dossier codes\n"
	"  sync [--json]               push the outbox, pull appointment changes\n"
	"  run                         the daemon: GPS watch, breadcrumbs, periodic sync\n"
	"  status [--json]             events waiting, last sync, GPS state\n"
	"  config [--sample] [--check] [--set NAME=VALUE]\n"
	"  doctor [--repair]           check the database and journal; rebuild a damaged one\n"
	"\n"
	"APPT is a dossier code or a stop number shown by `round`. Acts accept --json.\n"
	"Each command accepts --help. DIR defaults to " AGENT_DEFAULT_DIR ".\n"
	"exit: 0 ok, 1 failure, 2 usage, 3 server unreachable, 4 server refused,\n"
	"      5 database full or locked (act not recorded),\n"
	"      6 database damaged or missing events (act not recorded; run doctor --repair)\n";

static void main_help(FILE *out)
{
	fputs(main_usage, out);
}

/* Data dir 0700 (created when missing; tightened when wider). */
static int main_dir(struct agent *ag)
{
	struct stat st;

	if (mkdir(ag->dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "doorstep-agent: cannot create %s: %s\n", ag->dir, strerror(errno));
		return AGENT_EXIT_FAIL;
	}
	if (stat(ag->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "doorstep-agent: %s is not a directory\n", ag->dir);
		return AGENT_EXIT_FAIL;
	}
	if ((st.st_mode & 077) != 0 && chmod(ag->dir, 0700) != 0) {
		fprintf(stderr, "doorstep-agent: cannot restrict %s to its owner\n", ag->dir);
		return AGENT_EXIT_FAIL;
	}
	return 0;
}

static int main_long(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= lo && *out <= hi ? 0 : -1;
}

/* Options before the command. Returns 0, or an exit code; OUT: *CMD_AT = argv index. */
static int main_global(struct agent *ag, int argc, char **argv, const char **gpsd,
                       const char **level, int *cmd_at)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"gpsd", required_argument, NULL, 'g'},
		{"log-level", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "+d:g:l:hV", opts, NULL)) != -1) {
		if (c == 'd' && strlen(optarg) < sizeof ag->dir)
			snprintf(ag->dir, sizeof ag->dir, "%s", optarg);
		else if (c == 'g')
			*gpsd = optarg;
		else if (c == 'l')
			*level = optarg;
		else if (c == 'h' || c == 'V') {
			fputs(c == 'h' ? main_usage : MAIN_VERSION "\n", stdout);
			return -1;
		} else {
			main_help(stderr);
			return AGENT_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		main_help(stderr);
		return AGENT_EXIT_USAGE;
	}
	*cmd_at = optind;
	return 0;
}

/* Options an act accepts, by bit. */
enum { MAIN_O_DOCS = 1, MAIN_O_FEE = 2, MAIN_O_DELIVER = 4, MAIN_O_FAIL = 8 };

static int main_act_opt(struct act_args *a, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'D':
		if (main_long(arg, 0, 10000, &v) != 0)
			return -1;
		a->documents = (int)v;
		return MAIN_O_DOCS;
	case 'F':
		if (main_long(arg, 0, 1000000000L, &v) != 0)
			return -1;
		a->fee_vnd = v;
		return MAIN_O_FEE;
	case 'r':
		a->recipient = arg;
		return MAIN_O_DELIVER;
	case 'R':
		return model_relation_parse(arg, &a->relation) == DS_OK ? MAIN_O_DELIVER : -1;
	case 'i':
		a->id_last4 = arg;
		return MAIN_O_DELIVER;
	case 's':
		a->signature = arg;
		return MAIN_O_DELIVER;
	case 'p':
		a->photo = arg;
		return MAIN_O_DELIVER;
	case 'e':
		return model_reason_parse(arg, &a->reason) == DS_OK ? MAIN_O_FAIL : -1;
	case 'n':
		a->note = arg;
		return MAIN_O_FAIL;
	default:
		return -1;
	}
}

static int main_act(struct agent *ag, enum model_event_type type, int argc, char **argv)
{
	static const struct option opts[] = {
		{"documents", required_argument, NULL, 'D'},
		{"fee-vnd", required_argument, NULL, 'F'},
		{"recipient", required_argument, NULL, 'r'},
		{"relation", required_argument, NULL, 'R'},
		{"id-last4", required_argument, NULL, 'i'},
		{"signature", required_argument, NULL, 's'},
		{"photo", required_argument, NULL, 'p'}, {"reason", required_argument, NULL, 'e'},
		{"note", required_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	static const int allowed[] = {0, MAIN_O_DOCS | MAIN_O_FEE, MAIN_O_DELIVER, MAIN_O_FAIL};
	struct act_args a = {.type = type, .documents = -1, .fee_vnd = -1};
	int c, bit;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			main_help(stdout);
			return -1;
		}
		if (c == 'j') {
			a.json = 1;
			continue;
		}
		bit = main_act_opt(&a, c, optarg);
		if (bit < 0 || !(bit & allowed[type])) {
			fprintf(stderr,
			        "doorstep-agent: %s: bad or unexpected option (see --help)\n",
			        model_event_type_name(type));
			return AGENT_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "doorstep-agent: %s needs exactly one APPT (dossier code or stop "
		        "number)\n", model_event_type_name(type));
		return AGENT_EXIT_USAGE;
	}
	a.appt = argv[optind];
	return act_record(ag, &a);
}

/* Flags-only commands: --json, --all, --sample, --check, --set. OUT: *FLAGS bits. */
enum { MAIN_F_JSON = 1, MAIN_F_ALL = 2, MAIN_F_SAMPLE = 4, MAIN_F_CHECK = 8, MAIN_F_REPAIR = 16 };

static int main_flags(int argc, char **argv, int *flags, const char **set, int want_args)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'}, {"all", no_argument, NULL, 'a'},
		{"sample", no_argument, NULL, 'S'}, {"check", no_argument, NULL, 'c'},
		{"set", required_argument, NULL, 'x'}, {"help", no_argument, NULL, 'h'},
		{"repair", no_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	int c;

	*flags = 0;
	while ((c = getopt_long(argc, argv, "hn", opts, NULL)) != -1) {
		if (c == 'h') {
			main_help(stdout);
			return -1;
		}
		if (c == 'j')
			*flags |= MAIN_F_JSON;
		else if (c == 'a')
			*flags |= MAIN_F_ALL;
		else if (c == 'S')
			*flags |= MAIN_F_SAMPLE;
		else if (c == 'c' || c == 'n')
			*flags |= MAIN_F_CHECK;
		else if (c == 'r')
			*flags |= MAIN_F_REPAIR;
		else if (c == 'x' && set != NULL)
			*set = optarg;
		else
			return AGENT_EXIT_USAGE;
	}
	return argc - optind == want_args ? 0 : AGENT_EXIT_USAGE;
}

static int main_enroll(struct agent *ag, int argc, char **argv)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 's'}, {"pin", required_argument, NULL, 'p'},
		{"code", required_argument, NULL, 'c'}, {"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *url = NULL, *pin = NULL, *code = NULL, *name = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's')
			url = optarg;
		else if (c == 'p')
			pin = optarg;
		else if (c == 'c')
			code = optarg;
		else if (c == 'n')
			name = optarg;
		else if (c == 'h') {
			main_help(stdout);
			return -1;
		} else
			return AGENT_EXIT_USAGE;
	}
	if (url == NULL || pin == NULL || code == NULL || optind != argc) {
		fprintf(stderr,
		        "doorstep-agent: enroll --server URL --pin sha256//BASE64 --code CODE\n");
		return AGENT_EXIT_USAGE;
	}
	return cmd_enroll(ag, url, pin, code, name);
}

static int main_simple(struct agent *ag, const char *cmd, int argc, char **argv)
{
	const char *set = NULL;
	int flags = 0, rc;

	rc = main_flags(argc, argv, &flags, &set, strcmp(cmd, "find") == 0 ? 1 : 0);
	if (rc != 0) {
		if (rc > 0)
			fprintf(stderr, "doorstep-agent: %s: bad arguments (see --help)\n", cmd);
		return rc;
	}
	if (strcmp(cmd, "round") == 0)
		return round_print(ag, flags & MAIN_F_JSON, flags & MAIN_F_ALL);
	if (strcmp(cmd, "find") == 0)
		return round_find(ag, argv[optind], flags & MAIN_F_JSON);
	if (strcmp(cmd, "sync") == 0)
		return cmd_sync(ag, flags & MAIN_F_JSON);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(ag, flags & MAIN_F_JSON);
	if (strcmp(cmd, "run") == 0)
		return daemon_run(ag);
	if (strcmp(cmd, "doctor") == 0)
		return doctor_run(ag, flags & MAIN_F_REPAIR);
	return cmd_config(ag, flags & MAIN_F_SAMPLE, flags & MAIN_F_CHECK, set);
}

static int main_dispatch(struct agent *ag, int argc, char **argv)
{
	static const char *const acts[] = {"arrive", "collect", "deliver", "fail"};
	static const char *const simple[] = {"round", "find", "sync", "status", "run", "config",
	                                       "doctor"};
	const char *cmd = argv[0];
	size_t i;

	optind = 0; /* glibc: 0 re-initialises getopt, incl. the "+" of the first parse */
	for (i = 0; i < sizeof acts / sizeof acts[0]; i++)
		if (strcmp(cmd, acts[i]) == 0)
			return main_act(ag, (enum model_event_type)i, argc, argv);
	for (i = 0; i < sizeof simple / sizeof simple[0]; i++)
		if (strcmp(cmd, simple[i]) == 0)
			return main_simple(ag, cmd, argc, argv);
	if (strcmp(cmd, "enroll") == 0)
		return main_enroll(ag, argc, argv);
	if (strcmp(cmd, "help") == 0) {
		main_help(stdout);
		return AGENT_EXIT_OK;
	}
	fprintf(stderr, "doorstep-agent: unknown command \"%s\"\n", cmd);
	main_help(stderr);
	return AGENT_EXIT_USAGE;
}

/* Config file, command-line overrides and the test hook. Returns 0 or an exit code. */
static int main_config(struct agent *ag, const char *gpsd, const char *level)
{
	char err[SETTINGS_ERR_MAX];
	const char *pages = getenv("DOORSTEP_AGENT_MAX_PAGES");

	if (settings_load(ag->dir, &ag->cfg, err) != DS_OK ||
	    (gpsd != NULL && settings_set(&ag->cfg, "gpsd", gpsd, err) != DS_OK) ||
	    (level != NULL && settings_set(&ag->cfg, "log_level", level, err) != DS_OK)) {
		fprintf(stderr, "doorstep-agent: configuration: %s\n", err);
		return AGENT_EXIT_USAGE;
	}
	if (diag_level_parse(ag->cfg.log_level, &ag->log.level) != 0)
		ag->log.level = DIAG_INFO;
	/* Test hook: cap the database size so a test meets a real SQLITE_FULL. */
	if (pages != NULL && main_long(pages, 1, 1L << 30, &ag->max_pages) != 0)
		ag->max_pages = 0;
	return 0;
}

static void main_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = main_on_signal; /* no SA_RESTART: poll() returns EINTR and the loop ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct agent ag;
	const char *gpsd = NULL, *level = NULL;
	int cmd_at = 0, rc;

	umask(077);
	memset(&ag, 0, sizeof ag);
	snprintf(ag.dir, sizeof ag.dir, "%s", AGENT_DEFAULT_DIR);
	ag.log.level = DIAG_INFO;
	ag.stop = &main_stop;
	if ((rc = main_global(&ag, argc, argv, &gpsd, &level, &cmd_at)) != 0)
		return rc < 0 ? AGENT_EXIT_OK : rc;
	if ((rc = main_dir(&ag)) != 0 || (rc = main_config(&ag, gpsd, level)) != 0)
		return rc;
	now_boot_id(ag.boot_id);
	main_signals();
	ag.log.timestamps = strcmp(argv[cmd_at], "run") == 0;
	rc = main_dispatch(&ag, argc - cmd_at, argv + cmd_at);
	ledger_close(ag.store);
	return rc < 0 ? AGENT_EXIT_OK : rc;
}
