/* solve.c: `doorstep-server solve`, the command behind the Solomon benchmark. It
 * reads a Solomon file, turns it into a scheduling problem (Euclidean distances in
 * double precision, travel time equal to distance, every vehicle a courier whose
 * shift is the depot's window) and prints {"vehicles", "distance", "routes",
 * "unassigned", "ms"}. Customer ids in the output are the file's own numbers. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route/route.h"
#include "server/jdoc.h"
#include "server/solomon.h"
#include "server/solve.h"

#define SOLVE_MAX_TIME_LIMIT_MS 3600000L

struct solve_opts {
	const char *path;
	struct route_params params;
};

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: doorstep-server solve FILE [--objective vehicles|distance]\n"
	    "                             [--time-limit-ms N] [--seed N] [--iterations N]\n"
	    "Solves a Solomon-format VRPTW file and prints one JSON object:\n"
	    "  {\"vehicles\": N, \"distance\": D, \"routes\": "
	    "[[ids]], \"unassigned\": [ids], \"ms\": T}\n"
	    "  --objective      vehicles (default: fewest vehicles, then distance) or distance\n"
	    "  --time-limit-ms  search budget in milliseconds (default %ld)\n"
	    "  --seed           random seed (default 1); the same seed and --iterations give\n"
	    "                   the same routes\n"
	    "  --iterations     stop after N search iterations (default: at the time limit)\n"
	    "Exit status: 0 solved, 1 bad input file or failure, 2 bad usage.\n",
	    SOLVE_DEFAULT_TIME_LIMIT_MS);
}

static int parse_count(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		return 0;
	*out = v;
	return 1;
}

static int parse_opts(int argc, char **argv, struct solve_opts *o)
{
	static const struct option longopts[] = {
		{ "objective", required_argument, NULL, 'o' },
		{ "time-limit-ms", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->params.time_limit_ms = SOLVE_DEFAULT_TIME_LIMIT_MS;
	o->params.seed = 1;
	/* 0, not 1: glibc then forgets the caller's earlier getopt state (its "+"
	 * mode would otherwise stop us at FILE before the options after it). */
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (strcmp(optarg, "vehicles") == 0)
				o->params.objective = ROUTE_VEHICLES_FIRST;
			else if (strcmp(optarg, "distance") == 0)
				o->params.objective = ROUTE_DISTANCE;
			else
				return fprintf(stderr, "solve: unknown objective '%s'\n",
				               optarg), 2;
			break;
		case 't':
			if (!parse_count(optarg, SOLVE_MAX_TIME_LIMIT_MS, &v) || v == 0)
				return fprintf(stderr, "solve: bad --time-limit-ms '%s'\n",
				               optarg), 2;
			o->params.time_limit_ms = v;
			break;
		case 's':
			if (!parse_count(optarg, 0x7fffffffL, &v))
				return fprintf(stderr, "solve: bad --seed '%s'\n", optarg), 2;
			o->params.seed = (uint64_t)v;
			break;
		case 'i':
			if (!parse_count(optarg, 1000000000L, &v))
				return fprintf(stderr, "solve: bad --iterations '%s'\n", optarg), 2;
			o->params.max_iterations = v;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o->path = argv[optind];
	return 0;
}

/* Read PATH whole, up to SOLOMON_MAX_BYTES (one more byte tells it is too big). */
static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "solve: %s: %s\n", path, strerror(errno));
		return 1;
	}
	b = malloc(SOLOMON_MAX_BYTES + 1);
	if (b == NULL)
		goto fail;
	n = fread(b, 1, SOLOMON_MAX_BYTES + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "solve: %s: read error\n", path);
		goto fail;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	fclose(f);
	return 1;
}

/* The scheduling problem of a Solomon instance: location i is row i. */
static struct route_problem *problem_of(const struct solomon_instance *in)
{
	struct route_problem *p = NULL;
	double *d = NULL;
	int n = in->n_rows, i, k;

	d = malloc((size_t)n * (size_t)n * sizeof(double));
	if (d == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		for (k = 0; k < n; k++)
			d[(size_t)i * (size_t)n + (size_t)k] =
			    hypot(in->rows[i].x - in->rows[k].x, in->rows[i].y - in->rows[k].y);
	p = route_problem_new(n, d, d);
	free(d);
	if (p == NULL)
		return NULL;
	for (i = 1; i < n; i++) {
		const struct solomon_row *r = &in->rows[i];
		struct route_job j = { .loc = i, .ready_s = r->ready, .due_s = r->due,
		    .deadline_s = INFINITY, .service_s = r->service, .demand = r->demand };

		if (route_problem_add_job(p, &j) != DS_OK)
			goto fail;
	}
	for (k = 0; k < in->vehicles; k++) {
		struct route_courier c = { .start_loc = 0, .end_loc = 0,
		    .shift_start_s = in->rows[0].ready, .shift_end_s = in->rows[0].due,
		    .max_work_s = INFINITY, .capacity = in->capacity };

		if (route_problem_add_courier(p, &c) != DS_OK)
			goto fail;
	}
	return p;
fail:
	route_problem_free(p);
	return NULL;
}

/* Writes S into G as {"vehicles", "distance" (17 significant digits), "routes" (the Solomon
 * ids of each route's stops), "unassigned", "ms"}. Non-zero when G fails. */
static int solution_write(yajl_gen g, const struct solomon_instance *in,
    const struct route_solution *s, long ms)
{
	int r, i, rc = yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    jdoc_kint(g, "vehicles", s->n_routes) || jdoc_kreal(g, "distance", s->dist, 17) ||
	    jdoc_str(g, "routes") || yajl_gen_array_open(g) != yajl_gen_status_ok;

	for (r = 0; r < s->n_routes && !rc; r++) {
		rc = yajl_gen_array_open(g) != yajl_gen_status_ok;
		for (i = 0; i < s->routes[r].n_stops && !rc; i++)
			if (s->routes[r].stops[i].job >= 0)
				rc = jdoc_int(g, in->rows[s->routes[r].stops[i].job + 1].id);
		rc = rc || yajl_gen_array_close(g) != yajl_gen_status_ok;
	}
	rc = rc || yajl_gen_array_close(g) != yajl_gen_status_ok || jdoc_str(g, "unassigned") ||
	     yajl_gen_array_open(g) != yajl_gen_status_ok;
	for (i = 0; i < s->n_unassigned && !rc; i++)
		rc = jdoc_int(g, in->rows[s->unassigned[i].job + 1].id);
	return rc || yajl_gen_array_close(g) != yajl_gen_status_ok || jdoc_kint(g, "ms", ms) ||
	       yajl_gen_map_close(g) != yajl_gen_status_ok;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)((now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L);
}

static int run(const struct solve_opts *o)
{
	struct timespec t0;
	struct solomon_instance *in = NULL;
	struct route_problem *p = NULL;
	struct route_solution *s = NULL;
	yajl_gen g = NULL;
	char *buf = NULL, *text = NULL, err[SOLOMON_MAX_ERR];
	size_t len = 0;
	int rc = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (read_file(o->path, &buf, &len) != 0)
		goto fail;
	if (solomon_parse(buf, len, &in, err, sizeof(err)) != DS_OK) {
		fprintf(stderr, "solve: %s: %s\n", o->path, err[0] ? err : "out of memory");
		goto fail;
	}
	p = problem_of(in);
	if (p == NULL || route_solve(p, &o->params, &s) != DS_OK) {
		fprintf(stderr, "solve: %s: cannot build or solve the problem\n", o->path);
		goto fail;
	}
	if ((g = jdoc_gen(0)) == NULL || solution_write(g, in, s, ms_since(&t0)) != 0 ||
	    (text = jdoc_text(g, NULL)) == NULL || printf("%s\n", text) < 0)
		goto fail;
	rc = 0;
fail:
	free(text);
	if (g != NULL)
		yajl_gen_free(g);
	route_solution_free(s);
	route_problem_free(p);
	solomon_free(in);
	free(buf);
	return rc;
}

int solve_main(int argc, char **argv)
{
	struct solve_opts o;
	int rc = parse_opts(argc, argv, &o);

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	return run(&o);
}
