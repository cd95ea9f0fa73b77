/* vrptw_check.c: an independent feasibility checker for `solve` output. It reads
 * the Solomon file with its own small reader and the solution JSON, and recomputes
 * every route's load, times and length from scratch, without any scheduler code,
 * so a bug in the scheduler cannot hide itself. Exit 0 when feasible, 1 when not,
 * 2 on bad usage or unreadable input.
 * usage: vrptw_check INSTANCE SOLUTION.json [--require-all] */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_MAX_ROWS 1100
#define CHECK_MAX_LINE 512
#define CHECK_EPS 1e-6          /* same slack as the scheduler's TOUR_EPS */

struct row {
	long id;
	double x, y, demand, ready, due, service;
};

struct inst {
	int vehicles;
	double capacity;
	int n;
	struct row rows[CHECK_MAX_ROWS];
};

/* Up to MAX numbers from LINE; returns how many, or -1 on a non-number. */
static int numbers(const char *line, double *v, int max)
{
	const char *p = line;
	char *end;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return -1;
		v[n] = strtod(p, &end);
		if (end == p)
			return -1;
		n++;
		p = end;
	}
}

/* Fleet line: the first line of exactly two numbers; rows: lines of seven. */
static int read_instance(const char *path, struct inst *in)
{
	FILE *f = fopen(path, "r");
	char line[CHECK_MAX_LINE];
	double v[8];
	int k, fleet = 0;

	if (f == NULL)
		return -1;
	in->n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		k = numbers(line, v, 8);
		if (k == 2 && !fleet) {
			in->vehicles = (int)v[0];
			in->capacity = v[1];
			fleet = 1;
		} else if (k == 7 && fleet && in->n < CHECK_MAX_ROWS) {
			struct row *r = &in->rows[in->n++];

			r->id = (long)v[0];
			r->x = v[1];
			r->y = v[2];
			r->demand = v[3];
			r->ready = v[4];
			r->due = v[5];
			r->service = v[6];
		}
	}
	fclose(f);
	return fleet && in->n > 0 ? 0 : -1;
}

static int index_of(const struct inst *in, long id)
{
	int i;

	for (i = 1; i < in->n; i++)
		if (in->rows[i].id == id)
			return i;
	return -1;
}

static double dist(const struct row *a, const struct row *b)
{
	return sqrt((a->x - b->x) * (a->x - b->x) + (a->y - b->y) * (a->y - b->y));
}

/* Walk one route; adds its length to *TOTAL. Returns the number of problems. */
static int check_route(const struct inst *in, json_t *route, int r, int *seen, double *total)
{
	const struct row *dep = &in->rows[0], *prev = dep;
	double t = dep->ready, load = 0;
	size_t i;
	int bad = 0;

	for (i = 0; i < json_array_size(route); i++) {
		json_t *x = json_array_get(route, i);
		int k = json_is_integer(x) ? index_of(in, (long)json_integer_value(x)) : -1;
		const struct row *c;

		if (k < 0) {
			printf("INFEASIBLE: route %d stop %zu: unknown customer\n", r, i);
			return bad + 1;
		}
		c = &in->rows[k];
		seen[k]++;
		*total += dist(prev, c);
		t += dist(prev, c);
		if (t > c->due + CHECK_EPS) {
			printf("INFEASIBLE: route %d: customer "
			       "%ld reached at %.3f after due %.3f\n",
			    r, c->id, t, c->due);
			bad++;
		}
		t = t > c->ready ? t : c->ready;
		t += c->service;
		load += c->demand;
		prev = c;
	}
	*total += dist(prev, dep);
	t += dist(prev, dep);
	if (t > dep->due + CHECK_EPS) {
		printf("INFEASIBLE: route %d returns at %.3f after depot due %.3f\n", r, t,
		       dep->due);
		bad++;
	}
	if (load > in->capacity + CHECK_EPS) {
		printf("INFEASIBLE: route %d load %.1f over capacity %.1f\n", r, load,
		       in->capacity);
		bad++;
	}
	return bad;
}

static int check_cover(const struct inst *in, json_t *unas, int *seen, int require_all)
{
	size_t i;
	int k, bad = 0;

	for (i = 0; i < json_array_size(unas); i++) {
		json_t *x = json_array_get(unas, i);

		k = json_is_integer(x) ? index_of(in, (long)json_integer_value(x)) : -1;
		if (k < 0) {
			printf("INFEASIBLE: unknown unassigned customer\n");
			bad++;
			continue;
		}
		seen[k]++;
		if (require_all) {
			printf("INFEASIBLE: customer %ld left unassigned\n", in->rows[k].id);
			bad++;
		}
	}
	for (k = 1; k < in->n; k++)
		if (seen[k] != 1) {
			printf("INFEASIBLE: customer %ld appears %d times\n", in->rows[k].id,
			       seen[k]);
			bad++;
		}
	return bad;
}

static int check(const struct inst *in, json_t *sol, int require_all)
{
	json_t *routes = json_object_get(sol, "routes"), *unas = json_object_get(sol, "unassigned");
	json_t *jv = json_object_get(sol, "vehicles"), *jd = json_object_get(sol, "distance");
	int seen[CHECK_MAX_ROWS] = {0}, bad = 0, used = 0;
	double total = 0;
	size_t r;

	if (!json_is_array(routes) || !json_is_array(unas) || !json_is_integer(jv) ||
	    !json_is_number(jd)) {
		printf("INFEASIBLE: solution lacks vehicles, distance, routes or unassigned\n");
		return 1;
	}
	for (r = 0; r < json_array_size(routes); r++) {
		json_t *route = json_array_get(routes, r);

		if (!json_is_array(route) || json_array_size(route) == 0)
			continue;
		used++;
		bad += check_route(in, route, (int)r, seen, &total);
	}
	bad += check_cover(in, unas, seen, require_all);
	if (used > in->vehicles || used != json_integer_value(jv)) {
		printf("INFEASIBLE: %d routes, reported %lld, fleet %d\n", used,
		    (long long)json_integer_value(jv), in->vehicles);
		bad++;
	}
	if (fabs(total - json_number_value(jd)) > 1e-6 * (1.0 + total)) {
		printf("INFEASIBLE: distance %.6f, reported %.6f\n", total, json_number_value(jd));
		bad++;
	}
	if (bad == 0)
		printf("feasible vehicles=%d distance=%.2f\n", used, total);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct inst in;
	json_error_t jerr;
	json_t *sol;
	int rc;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--require-all") != 0)) {
		fprintf(stderr, "usage: vrptw_check INSTANCE SOLUTION.json [--require-all]\n");
		return 2;
	}
	if (read_instance(argv[1], &in) != 0) {
		fprintf(stderr, "vrptw_check: cannot read instance %s\n", argv[1]);
		return 2;
	}
	sol = strcmp(argv[2], "-") == 0 ? json_loadf(stdin, 0, &jerr)
	                                : json_load_file(argv[2], 0, &jerr);
	if (sol == NULL) {
		printf("INFEASIBLE: unreadable solution: %s\n", jerr.text);
		return 1;
	}
	rc = check(&in, sol, argc == 4);
	json_decref(sol);
	return rc;
}
