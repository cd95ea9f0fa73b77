/* main.c: doorstep-server's command line. It wires the modules together and decides what
 * is logged and how the program exits; the work is done in the modules. Exit codes:
 * 0 success, 1 failure (bad input, refused, database), 2 bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "isotime.h"
#include "server/admin.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/cfg.h"
#include "server/export.h"
#include "server/import.h"
#include "server/log.h"
#include "server/net/net.h"
#include "server/plan.h"
#include "server/report.h"
#include "server/solve.h"
#include "server/db/store.h"
#include "server/net/tls.h"

#define SERVER_VERSION "0.1.0"
#define SERVER_PATH_MAX 1024

/* The program's one state struct. */
struct server {
	const char *dir;          /* --data */
	struct cfg cfg;
	struct store store;
	int store_open;
	uv_loop_t loop;
	struct net *net;
	struct pool *pool;  /* worker threads for handshakes and decoding */
	struct api *api;
	uv_signal_t sigterm, sigint;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: doorstep-server [--data DIR] COMMAND [ARGS]\n"
	        "commands:\n"
	        "  init                      create DIR: "
	        "database, config, TLS key and certificate\n"
	        "  check                     validate config, database and certificate\n"
	        "  office add --id ID --name NAME --lat LAT --lon LON\n"
	        "  courier add --id ID --name NAME --office ID [--shift HH:MM-HH:MM]\n"
	        "  enroll --courier ID       print a one-time enrolment code (15 minutes)\n"
	        "  revoke --device ID        stop a device's credential at once\n"
	        "  import FILE.csv           import appointments (all or nothing)\n"
	        "  serve [--listen HOST:PORT] serve HTTPS (default 127.0.0.1:8443)\n"
	        "  plan --office ID --date YYYY-MM-DD  plan the office's courier rounds\n"
	        "  report [--office ID] [--from DATE --to DATE] [--format text|csv|json]\n"
	        "  export events [--format json|csv|geojson] [--since TIME]\n"
	        "  solve FILE [--objective vehicles|distance] [--time-limit-ms N] [--seed N]\n"
	        "DIR defaults to ./data. Each command takes --help.\n");
}

static void server_path(const struct server *sv, const char *name, char *out)
{
	snprintf(out, SERVER_PATH_MAX, "%s/%s", sv->dir, name);
}

/* Opens the store and config of an initialised DIR; logs and returns non-zero on failure. */
static int server_open(struct server *sv)
{
	char path[SERVER_PATH_MAX], err[256];

	cfg_defaults(&sv->cfg);
	server_path(sv, CFG_FILE_NAME, path);
	if (cfg_load(&sv->cfg, path, err, sizeof err) != DS_OK) {
		fprintf(stderr, "doorstep-server: %s: %s\n", path, err);
		return 1;
	}
	if (access(sv->dir, F_OK) != 0) {
		fprintf(stderr, "doorstep-server: %s does not exist: "
		        "run `doorstep-server --data %s init`\n",
		        sv->dir, sv->dir);
		return 1;
	}
	sv->store_open = 1;
	if (store_open(&sv->store, sv->dir, 0) != DS_OK) {
		fprintf(stderr, "doorstep-server: %s\n", sv->store.err);
		return 1;
	}
	return 0;
}

/* Parses OPTARG as a double within [LO, HI]. */
static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (s[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(*out) || *out < lo ||
	        *out > hi) ? -1 : 0;
}

static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

/* Makes DIR, or takes an existing folder of this user's and makes it private (0700): it
 * will hold the data key and the citizens' data. A symbolic link, a file, or a folder of
 * another user is refused. Returns 0, or 1 after saying why. */
static int init_dir(const char *dir)
{
	struct stat st;
	int fd, rc = 1;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "doorstep-server: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "doorstep-server: %s is not a folder (or is a symbolic link): %s\n",
		        dir, strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
		fprintf(stderr, "doorstep-server: %s belongs to another user: refused\n", dir);
		goto out;
	}
	if ((st.st_mode & 07777) != 0700) {
		if (fchmod(fd, 0700) != 0) {
			fprintf(stderr, "doorstep-server: cannot make %s private: %s\n", dir,
			        strerror(errno));
			goto out;
		}
		printf("%s was mode %04o: set to 0700\n", dir, (unsigned)(st.st_mode & 07777));
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int cli_init(struct server *sv, int argc, char **argv)
{
	char path[SERVER_PATH_MAX], key[SERVER_PATH_MAX], pin[TLS_PIN_MAX], err[256];
	FILE *f;
	int help = wants_help(argc, argv);

	if (argc != 1 || help) {
		fprintf(help ? stdout : stderr, "usage: doorstep-server [--data DIR] init\n"
		        "Creates DIR (mode 0700; an existing "
		        "folder of yours is made 0700) with the\n"
		        "database, a commented config file, "
		        "the key that seals event bodies, and a\n"
		        "self-signed ECDSA P-256 certificate; "
		        "prints the public-key pin agents need.\n");
		return help ? 0 : 2;
	}
	if (init_dir(sv->dir) != 0)
		return 1;
	server_path(sv, STORE_DB_NAME, path);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "doorstep-server: %s is already initialised\n", sv->dir);
		return 1;
	}
	server_path(sv, CFG_FILE_NAME, path);
	if (access(path, F_OK) != 0 && (f = fopen(path, "w")) != NULL) {
		cfg_write_sample(f);
		fclose(f);
	}
	sv->store_open = 1;
	if (store_open(&sv->store, sv->dir, 1) != DS_OK) {
		fprintf(stderr, "doorstep-server: %s\n", sv->store.err);
		return 1;
	}
	server_path(sv, "cert.pem", path);
	server_path(sv, "key.pem", key);
	if (tls_make_selfsigned(path, key, err, sizeof err) != DS_OK ||
	    tls_pin(path, pin, sizeof pin) != DS_OK) {
		fprintf(stderr, "doorstep-server: certificate: %s\n", err);
		return 1;
	}
	printf("initialised %s (schema %d)\npin: %s\n", sv->dir, store_schema_version(), pin);
	return 0;
}

static int cli_office(struct server *sv, int argc, char **argv)
{
	static const struct option opts[] = {{"id", 1, NULL, 'i'}, {"name", 1, NULL, 'n'},
		{"lat", 1, NULL, 'a'}, {"lon", 1, NULL, 'o'}, {"detour", 1, NULL, 'f'},
		{"speed-kmh", 1, NULL, 'v'}, {"help", 0, NULL, 'h'}, {0, 0, 0, 0}};
	const char *id = NULL, *name = NULL;
	double lat = NAN, lon = NAN, detour = PLAN_DEFAULT_DETOUR, speed = PLAN_DEFAULT_SPEED_KMH;
	int c, bad = 0;
	enum ds_err rc;

	if (argc < 2 || strcmp(argv[1], "add") != 0)
		bad = 1;
	optind = 2;
	while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'i') id = optarg;
		else if (c == 'n') name = optarg;
		else if (c == 'a') bad |= parse_double(optarg, -90, 90, &lat);
		else if (c == 'o') bad |= parse_double(optarg, -180, 180, &lon);
		else if (c == 'f') bad |= parse_double(optarg, 1, 5, &detour);
		else if (c == 'v') bad |= parse_double(optarg, 3, 120, &speed);
		else bad = c == 'h' ? 3 : 1;
	}
	if (bad || id == NULL || name == NULL || !isfinite(lat) || !isfinite(lon) ||
	    optind != argc) {
		fprintf(bad == 3 ? stdout : stderr,
		        "usage: doorstep-server office add --id ID --name NAME"
		        " --lat LAT --lon LON [--detour F] [--speed-kmh V]\n"
		        "  adds or updates an office (position in "
		        "WGS-84 degrees); the planner's travel time\n"
		        "  is straight line x detour (1-5, default "
		        "1.4) / speed (3-120 km/h, default 22)\n");
		return bad == 3 ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	rc = admin_office_add(&sv->store, id, name, lat, lon);
	if (rc == DS_OK)
		rc = plan_set_travel(&sv->store, id, detour, speed);
	if (rc != DS_OK) {
		fprintf(stderr, "doorstep-server: office %s: %s\n", id,
		        rc == DS_EINVAL ? "id must be ASCII letters, "
		                          "digits, - _ . and name UTF-8" : sv->store.err);
		return 1;
	}
	printf("office %s saved\n", id);
	return 0;
}

static int cli_courier(struct server *sv, int argc, char **argv)
{
	static const struct option opts[] = {{"id", 1, NULL, 'i'}, {"name", 1, NULL, 'n'},
		{"office", 1, NULL, 'o'}, {"shift", 1, NULL, 's'}, {"help", 0, NULL, 'h'},
		{0, 0, 0, 0}};
	const char *id = NULL, *name = NULL, *office = NULL;
	int c, bad = argc < 2 || strcmp(argv[1], "add") != 0, start = 450, end = 1050;
	enum ds_err rc;

	optind = 2;
	while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'i') id = optarg;
		else if (c == 'n') name = optarg;
		else if (c == 'o') office = optarg;
		else if (c == 's') bad |= admin_parse_shift(optarg, &start, &end) != DS_OK;
		else bad = c == 'h' ? 3 : 1;
	}
	if (bad || id == NULL || name == NULL || office == NULL || optind != argc) {
		fprintf(bad == 3 ? stdout : stderr,
		        "usage: doorstep-server courier add --id ID --name NAME"
		        " --office ID [--shift HH:MM-HH:MM]\n  shift defaults to 07:30-17:30\n");
		return bad == 3 ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	rc = admin_courier_add(&sv->store, id, name, office, start, end);
	if (rc != DS_OK) {
		fprintf(stderr, "doorstep-server: courier %s: %s\n", id, rc == DS_ENOTFOUND ?
		        "no such office" : rc == DS_EINVAL ? "bad id or name" : sv->store.err);
		return 1;
	}
	printf("courier %s saved\n", id);
	return 0;
}

/* Parses "--NAME VALUE" (the one option a small command takes) or --help. */
static int one_option(int argc, char **argv, const char *name, const char **value)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return 3;
	if (argc != 3 || strncmp(argv[1], "--", 2) != 0 || strcmp(argv[1] + 2, name) != 0)
		return 1;
	*value = argv[2];
	return 0;
}

static int cli_enroll(struct server *sv, int argc, char **argv)
{
	char code[AUTH_CODE_LEN + 1];
	const char *courier = NULL;
	int r = one_option(argc, argv, "courier", &courier);
	enum ds_err rc;

	if (r) {
		fprintf(r == 3 ? stdout : stderr, "usage: doorstep-server enroll --courier ID\n"
		        "  prints a one-time enrolment code, valid "
		        "15 minutes, for a device of courier ID\n");
		return r == 3 ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	rc = auth_code_new(&sv->store, courier, isotime_now_ms(), code);
	if (rc != DS_OK) {
		fprintf(stderr, "doorstep-server: enroll: %s\n",
		        rc == DS_ENOTFOUND ? "no such courier" : sv->store.err);
		return 1;
	}
	printf("code: %s\nvalid for 15 minutes, once\n", code);
	return 0;
}

static int cli_revoke(struct server *sv, int argc, char **argv)
{
	const char *device = NULL;
	int r = one_option(argc, argv, "device", &device);
	enum ds_err rc;

	if (r) {
		fprintf(r == 3 ? stdout : stderr, "usage: doorstep-server revoke --device ID\n"
		        "  the device's credential stops working at once (401 on its next call)\n");
		return r == 3 ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	rc = auth_revoke(&sv->store, device, isotime_now_ms());
	if (rc != DS_OK) {
		fprintf(stderr, "doorstep-server: revoke: %s\n",
		        rc == DS_ENOTFOUND ? "no such device" : sv->store.err);
		return 1;
	}
	printf("device %s revoked\n", device);
	return 0;
}

static void import_report_line(void *ctx, long line, const char *msg)
{
	const char *path = ctx;

	if (line > 0)
		fprintf(stderr, "%s:%ld: %s\n", path, line, msg);
	else
		fprintf(stderr, "%s: %s\n", path, msg);
}

static int cli_import(struct server *sv, int argc, char **argv)
{
	struct import_result res;
	enum ds_err rc;
	int help = wants_help(argc, argv);

	if (argc != 2 || help) {
		fprintf(help ? stdout : stderr, "usage: doorstep-server import FILE.csv\n"
		        "  UTF-8 CSV with a header: "
		        "code,kind,citizen,phone,address,lat,lon,window_start,\n"
		        "  window_end,service_min,office,due[,courier]. "
		        "All rows or none are imported;\n"
		        "  re-importing a code updates it.\n");
		return help ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	rc = import_csv(&sv->store, argv[1], isotime_now_ms(), import_report_line, argv[1], &res);
	if (rc == DS_EINVAL && res.file_refused) {
		fprintf(stderr,
		        "doorstep-server: import refused: the file cannot be read as a UTF-8"
		        " CSV file with a header (see the line above); nothing was imported\n");
		return 1;
	}
	if (rc == DS_EINVAL) {
		fprintf(stderr, "doorstep-server: import refused: %ld of %ld rows have problems;"
		        " nothing was imported\n", res.bad_rows, res.rows);
		return 1;
	}
	if (rc != DS_OK) {
		fprintf(stderr, "doorstep-server: import failed (%s); nothing was imported\n",
		        rc == DS_EIO || rc == DS_ETOOBIG ? ds_strerror(rc) : sv->store.err);
		return 1;
	}
	printf("imported %ld rows: %ld new, %ld updated\n", res.rows, res.inserted, res.updated);
	return 0;
}

static void on_listening(void *ctx, const char *hostport)
{
	(void)ctx;
	printf("listening on %s\n", hostport);
	fflush(stdout);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct server *sv = h->data;

	log_msg((enum log_level)sv->cfg.log_level, LOG_INFO,
	        "signal %d: finishing requests in flight", signum);
	net_shutdown(sv->net);
	uv_close((uv_handle_t *)&sv->sigterm, NULL);
	uv_close((uv_handle_t *)&sv->sigint, NULL);
}

/* Splits "HOST:PORT" into HOST (size HOST_LEN) and *PORT. */
static int split_hostport(const char *s, char *host, size_t host_len, int *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long p;

	if (colon == NULL || (size_t)(colon - s) >= host_len || colon == s)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || p < 0 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

/* The worker pool runs the CPU-bound work (handshakes, batch decoding): one thread per
 * core, so that its threads do not queue for the cores and lengthen the tail latency. */
static int serve_pool_size(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return (int)(cpus < 2 ? 2 : cpus > POOL_THREADS_MAX ? POOL_THREADS_MAX : cpus);
}

/* Fixed malloc thresholds for serving. A decoded 100-event batch takes about 170 kB in one
 * block; with glibc's sliding defaults such blocks go back to the kernel when freed and are
 * faulted in again, zeroed, for the next batch (docs/PERFORMANCE.md). The price: memory
 * freed after a peak is kept. */
#define SERVER_MMAP_MIN_BYTES (4 << 20)
#define SERVER_TRIM_MIN_BYTES (32 << 20)

static void serve_malloc_tuning(void)
{
	mallopt(M_MMAP_THRESHOLD, SERVER_MMAP_MIN_BYTES);
	mallopt(M_TRIM_THRESHOLD, SERVER_TRIM_MIN_BYTES);
}

static int serve_run(struct server *sv, const char *host, int port)
{
	char cert[SERVER_PATH_MAX], key[SERVER_PATH_MAX], err[256];
	struct net_config nc;
	enum log_level lv = (enum log_level)sv->cfg.log_level;

	server_path(sv, "cert.pem", cert);
	server_path(sv, "key.pem", key);
	memset(&nc, 0, sizeof nc);
	nc.host = host;
	nc.port = port;
	nc.cert_path = cert;
	nc.key_path = key;
	nc.limits.max_header_bytes = (size_t)sv->cfg.max_header_bytes;
	nc.limits.max_body_bytes = (size_t)sv->cfg.max_body_bytes;
	nc.limits.max_decompressed_bytes = (size_t)sv->cfg.max_decompressed_bytes;
	nc.limits.read_timeout_ms = (unsigned)sv->cfg.read_timeout_ms;
	nc.limits.max_connections = (unsigned)sv->cfg.max_connections;
	nc.limits.handshake_timeout_ms = (unsigned)sv->cfg.handshake_timeout_ms;
	nc.limits.max_conns_per_addr = (unsigned)sv->cfg.max_connections_per_address;
	nc.limits.max_handshakes_per_addr = (unsigned)sv->cfg.max_handshakes_per_address;
	nc.limits.body_budget_bytes = (size_t)sv->cfg.body_budget_bytes;
	nc.handler = api_handle;
	nc.on_head = api_head;
	nc.log_max = lv;
	nc.on_listening = on_listening;
	serve_malloc_tuning();
	uv_loop_init(&sv->loop);
	if ((sv->pool = pool_new(&sv->loop, serve_pool_size())) == NULL) {
		log_msg(lv, LOG_ERROR, "cannot serve: cannot start the worker threads");
		return 1;
	}
	sv->api = api_new(&sv->store, &sv->loop, sv->pool, lv);
	nc.ctx = sv->api;
	nc.pool = sv->pool;
	if (sv->api == NULL || (sv->net = net_open(&sv->loop, &nc, err, sizeof err)) == NULL) {
		log_msg(lv, LOG_ERROR, "cannot serve: %s", sv->api ? err : sv->store.err);
		return 1;
	}
	sv->sigterm.data = sv->sigint.data = sv;
	uv_signal_init(&sv->loop, &sv->sigterm);
	uv_signal_init(&sv->loop, &sv->sigint);
	uv_signal_start(&sv->sigterm, on_signal, SIGTERM);
	uv_signal_start(&sv->sigint, on_signal, SIGINT);
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	log_msg(lv, LOG_INFO, "stopped");
	return 0;
}

static int cli_serve(struct server *sv, int argc, char **argv)
{
	const char *listen = NULL;
	char host[CFG_LISTEN_MAX];
	int port, r = argc == 1 ? 0 : one_option(argc, argv, "listen", &listen), rc;

	if (r) {
		fprintf(r == 3 ? stdout : stderr,
		        "usage: doorstep-server serve [--listen HOST:PORT]\n"
		        "  serves HTTPS (TLS 1.2) until SIGTERM; "
		        "prints \"listening on HOST:PORT\" when ready\n\n");
		if (r == 3)
			cfg_print_help(stdout);
		return r == 3 ? 0 : 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (server_open(sv))
		return 1;
	if (split_hostport(listen ? listen : sv->cfg.listen, host, sizeof host, &port) != 0) {
		fprintf(stderr, "doorstep-server: listen address must be HOST:PORT\n");
		return 2;
	}
	rc = serve_run(sv, host, port);
	api_free(sv->api);
	sv->api = NULL;
	pool_free(sv->pool);
	sv->pool = NULL;
	/* One more run finishes closing what the API, the pool and the front end closed. */
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	net_free(sv->net);
	uv_loop_close(&sv->loop);
	return rc;
}

static int parse_day(const char *s, int64_t *day)
{
	return isotime_parse_date(s, day) == DS_OK ? 0 : -1;
}

static int cli_report(struct server *sv, int argc, char **argv)
{
	static const struct option opts[] = {{"office", 1, NULL, 'o'}, {"from", 1, NULL, 'f'},
		{"to", 1, NULL, 't'}, {"format", 1, NULL, 'm'}, {"help", 0, NULL, 'h'},
		{0, 0, 0, 0}};
	struct report_query q = {.from_day = 0, .to_day = INT64_MAX, .format = REPORT_TEXT};
	int c, bad = 0;

	optind = 1;
	while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o') q.office = optarg;
		else if (c == 'f') bad |= parse_day(optarg, &q.from_day);
		else if (c == 't') bad |= parse_day(optarg, &q.to_day);
		else if (c == 'm' && strcmp(optarg, "text") == 0) q.format = REPORT_TEXT;
		else if (c == 'm' && strcmp(optarg, "csv") == 0) q.format = REPORT_CSV;
		else if (c == 'm' && strcmp(optarg, "json") == 0) q.format = REPORT_JSON;
		else bad = c == 'h' ? 3 : 1;
	}
	if (bad || optind != argc || q.from_day > q.to_day) {
		fprintf(bad == 3 ? stdout : stderr, "usage: doorstep-server report [--office ID]"
		        " [--from YYYY-MM-DD --to YYYY-MM-DD] [--format text|csv|json]\n"
		        "  per office and in total: booked, collected, "
		        "delivered, on time, late against the\n"
		        "  window and the due time, failed visits "
		        "by reason, pending, overdue. The period\n"
		        "  is the booked window's local date, inclusive.\n");
		return bad == 3 ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	q.now_ms = isotime_now_ms();
	if (report_write(&sv->store, &q, stdout) != DS_OK) {
		fprintf(stderr, "doorstep-server: report: %s\n", sv->store.err);
		return 1;
	}
	return 0;
}

static int cli_export(struct server *sv, int argc, char **argv)
{
	static const struct option opts[] = {{"format", 1, NULL, 'm'}, {"since", 1, NULL, 's'},
		{"help", 0, NULL, 'h'}, {0, 0, 0, 0}};
	enum export_format fmt = EXPORT_JSON;
	int64_t since = 0;
	int c, bad = argc < 2 || strcmp(argv[1], "events") != 0;
	enum ds_err rc;

	optind = 2;
	while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'm' && strcmp(optarg, "json") == 0) fmt = EXPORT_JSON;
		else if (c == 'm' && strcmp(optarg, "csv") == 0) fmt = EXPORT_CSV;
		else if (c == 'm' && strcmp(optarg, "geojson") == 0) fmt = EXPORT_GEOJSON;
		else if (c == 's') bad |= isotime_parse(optarg, &since, NULL) != DS_OK;
		else bad = c == 'h' ? 3 : 1;
	}
	if (wants_help(argc, argv))
		bad = 3;
	if (bad || optind != argc) {
		fprintf(bad == 3 ? stdout : stderr, "usage: doorstep-server export events"
		        " [--format json|csv|geojson] [--since ISO8601-TIME]\n"
		        "  every event the server holds (received "
		        "at or after --since), decrypted;\n"
		        "  fields are described in docs/PROTOCOL.md\n");
		return bad == 3 ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	rc = export_events(&sv->store, fmt, since, stdout);
	if (rc != DS_OK) {
		fprintf(stderr, "doorstep-server: export: %s\n", sv->store.err);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static int cli_plan(struct server *sv, int argc, char **argv)
{
	static const struct option opts[] = {{"office", 1, NULL, 'o'}, {"date", 1, NULL, 'd'},
		{"time-limit-ms", 1, NULL, 't'}, {"objective", 1, NULL, 'j'},
		{"matrix", 1, NULL, 'm'},
		{"seed", 1, NULL, 's'}, {"help", 0, NULL, 'h'}, {0, 0, 0, 0}};
	struct plan_query q = {.day = -1, .time_limit_ms = PLAN_DEFAULT_TIME_LIMIT_MS, .seed = 1};
	double v;
	int c, bad = 0;
	enum ds_err rc;

	optind = 1;
	while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o') q.office = optarg;
		else if (c == 'd') bad |= parse_day(optarg, &q.day);
		else if (c == 't' &&
		         parse_double(optarg, 10, 600000, &v) == 0) q.time_limit_ms = (long)v;
		else if (c == 's' && parse_double(optarg, 0, 1e9, &v) == 0) q.seed = (uint64_t)v;
		else if (c == 'j' && strcmp(optarg, "vehicles") == 0) q.objective_vehicles = 1;
		else if (c == 'j' && strcmp(optarg, "distance") == 0) q.objective_vehicles = 0;
		else if (c == 'm') q.matrix_path = optarg;
		else bad = c == 'h' ? 3 : 1;
	}
	if (bad || q.office == NULL || q.day < 0 || optind != argc) {
		fprintf(bad == 3 ? stdout : stderr,
		        "usage: doorstep-server plan --office ID --date YYYY-MM-DD"
		        " [--time-limit-ms N] [--objective "
		        "distance|vehicles] [--matrix FILE] [--seed N]\n"
		        "  plans the office's rounds for that local "
		        "date from its appointments and couriers;\n"
		        "  stops done or under way stay fixed; "
		        "devices get their round at the next sync.\n"
		        "  Travel: straight line x the office's "
		        "detour factor / its speed (office add\n"
		        "  --detour --speed-kmh), or the times "
		        "in a matrix file (docs/ROUTING.md).\n");
		return bad == 3 ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	rc = plan_office(&sv->store, &q, stdout);
	if (rc != DS_OK) {
		fprintf(stderr, "doorstep-server: plan: %s\n",
		        rc == DS_ENOTFOUND ? "no such office" :
		        rc == DS_ENOMEM ? "out of memory" : sv->store.err);
		return 1;
	}
	return 0;
}

static int cli_check(struct server *sv, int argc, char **argv)
{
	char cert[SERVER_PATH_MAX], pin[TLS_PIN_MAX];

	if (argc != 1) {
		fprintf(wants_help(argc, argv) ? stdout : stderr,
		        "usage: doorstep-server [--data DIR] check\n"
		        "  validates the config file, the database "
		        "schema and the certificate; exits 0 when\n"
		        "  `serve` would start, 1 otherwise\n");
		return wants_help(argc, argv) ? 0 : 2;
	}
	if (server_open(sv))
		return 1;
	server_path(sv, "cert.pem", cert);
	if (tls_pin(cert, pin, sizeof pin) != DS_OK) {
		fprintf(stderr, "doorstep-server: %s: not a readable certificate\n", cert);
		return 1;
	}
	printf("config ok (listen %s)\ndatabase ok (schema %d)\npin: %s\n", sv->cfg.listen,
	       store_schema_version(), pin);
	return 0;
}

static int dispatch(struct server *sv, int argc, char **argv)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "init") == 0) return cli_init(sv, argc, argv);
	if (strcmp(cmd, "check") == 0) return cli_check(sv, argc, argv);
	if (strcmp(cmd, "office") == 0) return cli_office(sv, argc, argv);
	if (strcmp(cmd, "courier") == 0) return cli_courier(sv, argc, argv);
	if (strcmp(cmd, "enroll") == 0) return cli_enroll(sv, argc, argv);
	if (strcmp(cmd, "revoke") == 0) return cli_revoke(sv, argc, argv);
	if (strcmp(cmd, "import") == 0) return cli_import(sv, argc, argv);
	if (strcmp(cmd, "serve") == 0) return cli_serve(sv, argc, argv);
	if (strcmp(cmd, "report") == 0) return cli_report(sv, argc, argv);
	if (strcmp(cmd, "export") == 0) return cli_export(sv, argc, argv);
	if (strcmp(cmd, "solve") == 0) return solve_main(argc, argv);
	if (strcmp(cmd, "plan") == 0) return cli_plan(sv, argc, argv);
	fprintf(stderr, "doorstep-server: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"data", 1, NULL, 'd'}, {"help", 0, NULL, 'h'},
		{"version", 0, NULL, 'V'}, {0, 0, 0, 0}};
	struct server sv;
	int c, rc;

	memset(&sv, 0, sizeof sv);
	sv.dir = "./data";
	/* Everything the server writes (database, WAL, keys, exports it is asked to redirect
	 * nowhere) holds personal data: no group or other access, ever. */
	umask(077);
	/* SQLite's memory statistics take a global lock on every allocation, which all the
	 * server's threads would share; nothing here reads them. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	while ((c = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
		if (c == 'd') {
			sv.dir = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else if (c == 'V') {
			printf("doorstep-server %s\n", SERVER_VERSION);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	rc = dispatch(&sv, argc - optind, argv + optind);
	if (sv.store_open)
		store_close(&sv.store);
	return rc;
}
