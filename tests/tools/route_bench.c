/* route_bench.c: the province-sized day of the routing benchmark. Builds, with a
 * fixed seed, 1,000 jobs around 5 offices and 40 couriers whose start and end
 * offices differ, with windows, legal due times, priorities, shifts, a maximum
 * working time and a lunch break, solves it through the sched API (straight line
 * x detour / speed, as the plan command does), then re-checks every route itself
 * from the generated data and prints one line with the time taken.
 * usage: route_bench [JOBS COURIERS TIME_LIMIT_MS]; exit 0 when feasible and in time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route/route.h"

#define BENCH_OFFICES    5
#define BENCH_MAX_JOBS   4000
#define BENCH_MAX_COUR   200
#define BENCH_DETOUR     1.3
#define BENCH_SPEED_MPS  (50.0 / 3.6)
#define BENCH_EPS        1e-6
#define BENCH_BUDGET_MS  5000

struct day {
	int n_jobs, n_cour;
	double x_m[BENCH_OFFICES + BENCH_MAX_JOBS], y_m[BENCH_OFFICES + BENCH_MAX_JOBS];
	struct route_job job[BENCH_MAX_JOBS];
	struct route_courier cour[BENCH_MAX_COUR];
	uint64_t rng;
};

static double unit(struct day *d)
{
	d->rng = d->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(d->rng >> 11) * (1.0 / 9007199254740992.0);
}

static double travel(void *ctx, int a, int b, double *dist_m)
{
	const struct day *d = ctx;

	*dist_m = BENCH_DETOUR * hypot(d->x_m[a] - d->x_m[b], d->y_m[a] - d->y_m[b]);
	return *dist_m / BENCH_SPEED_MPS;
}

static void gen_jobs(struct day *d)
{
	int i;

	for (i = 0; i < d->n_jobs; i++) {
		struct route_job *j = &d->job[i];
		int o = (int)(unit(d) * BENCH_OFFICES);
		double r = 12000.0 * sqrt(unit(d)), a = 6.283185307 * unit(d);

		d->x_m[BENCH_OFFICES + i] = d->x_m[o] + r * cos(a);
		d->y_m[BENCH_OFFICES + i] = d->y_m[o] + r * sin(a);
		j->loc = BENCH_OFFICES + i;
		j->service_s = 120 + 180 * unit(d);
		j->demand = 1 + (int)(unit(d) * 3);
		j->priority = (int)(unit(d) * 3);
		j->ready_s = 8 * 3600;
		j->due_s = 18 * 3600;
		if (unit(d) < 0.4) {
			j->ready_s = (9 + (int)(unit(d) * 7)) * 3600;
			j->due_s = j->ready_s + 2 * 3600;
		}
		j->deadline_s = unit(d) < 0.2 ? 13 * 3600 + 3600 * unit(d) : INFINITY;
		if (j->deadline_s < j->ready_s + j->service_s)
			j->deadline_s = INFINITY;
	}
}

static void gen_day(struct day *d, int n_jobs, int n_cour)
{
	int k;

	memset(d, 0, sizeof(*d));
	d->rng = 20261125;
	d->n_jobs = n_jobs;
	d->n_cour = n_cour;
	for (k = 0; k < BENCH_OFFICES; k++) {
		d->x_m[k] = 60000.0 * unit(d);
		d->y_m[k] = 40000.0 * unit(d);
	}
	gen_jobs(d);
	for (k = 0; k < n_cour; k++) {
		struct route_courier *c = &d->cour[k];

		c->start_loc = k % BENCH_OFFICES;
		c->end_loc = (k + (k / BENCH_OFFICES) % 2) % BENCH_OFFICES;
		c->shift_start_s = (7 + k % 3) * 3600;
		c->shift_end_s = c->shift_start_s + 10 * 3600;
		c->max_work_s = 9 * 3600;
		c->capacity = 80;
		c->has_break = 1;
		c->break_from_s = 11.5 * 3600;
		c->break_to_s = 13.5 * 3600;
		c->break_s = 1800;
	}
}

/* Re-walk route R from the generated data alone; returns the problems found. */
static int check_route(struct day *d, const struct route_route *r, int *seen)
{
	const struct route_courier *c = &d->cour[r->courier];
	double t = c->shift_start_s, load = 0, dm;
	int i, loc = c->start_loc, bad = 0, breaks = 0;

	for (i = 0; i < r->n_stops; i++) {
		const struct route_stop *s = &r->stops[i];

		if (s->job == ROUTE_STOP_BREAK) {
			t = t > c->break_from_s ? t : c->break_from_s;
			bad += t > c->break_to_s + BENCH_EPS || fabs(t - s->start_s) > 1e-3;
			t += c->break_s;
			breaks++;
			continue;
		}
		const struct route_job *j = &d->job[s->job];
		t += travel(d, loc, j->loc, &dm);
		t = t > j->ready_s ? t : j->ready_s;
		bad += t > j->due_s + BENCH_EPS || t + j->service_s > j->deadline_s + BENCH_EPS;
		bad += fabs(t - s->start_s) > 1e-3;
		t += j->service_s;
		load += j->demand;
		loc = j->loc;
		seen[s->job]++;
	}
	t += travel(d, loc, c->end_loc, &dm);
	bad += t > c->shift_end_s + BENCH_EPS || t - c->shift_start_s > c->max_work_s + BENCH_EPS;
	bad += load > c->capacity + BENCH_EPS || breaks != 1;
	return bad;
}

static int check(struct day *d, const struct route_solution *s)
{
	int *seen = calloc((size_t)d->n_jobs, sizeof(int)), i, bad = 0;

	if (seen == NULL)
		return 1;
	for (i = 0; i < s->n_routes; i++)
		bad += check_route(d, &s->routes[i], seen);
	for (i = 0; i < s->n_unassigned; i++)
		seen[s->unassigned[i].job]++;
	for (i = 0; i < d->n_jobs; i++)
		bad += seen[i] != 1;
	free(seen);
	return bad;
}

static long arg(int argc, char **argv, int i, long def, long max)
{
	char *end;
	long v;

	if (argc <= i)
		return def;
	v = strtol(argv[i], &end, 10);
	return (*end != '\0' || v < 1 || v > max) ? def : v;
}

int main(int argc, char **argv)
{
	static struct day d;
	struct route_problem *p = NULL;
	struct route_solution *s = NULL;
	struct route_params par = { ROUTE_DISTANCE, 0, 0, 1 };
	struct timespec t0, t1;
	int i, bad = 1, n_jobs = (int)arg(argc, argv, 1, 1000, BENCH_MAX_JOBS);
	int n_cour = (int)arg(argc, argv, 2, 40, BENCH_MAX_COUR);
	long ms;

	par.time_limit_ms = arg(argc, argv, 3, 4000, 600000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	gen_day(&d, n_jobs, n_cour);
	p = route_problem_new_cb(BENCH_OFFICES + n_jobs, travel, &d);
	if (p == NULL)
		goto fail;
	for (i = 0; i < n_jobs; i++)
		if (route_problem_add_job(p, &d.job[i]) != DS_OK)
			goto fail;
	for (i = 0; i < n_cour; i++)
		if (route_problem_add_courier(p, &d.cour[i]) != DS_OK)
			goto fail;
	if (route_solve(p, &par, &s) != DS_OK)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000L;
	bad = check(&d, s);
	printf("province day: jobs=%d couriers=%d offices=%d routes=%d unassigned=%d dist_km=%.1f "
	    "iterations=%ld ms=%ld (target <= %d) check=%s\n", n_jobs, n_cour, BENCH_OFFICES,
	    s->n_routes, s->n_unassigned, s->dist / 1000.0, s->iterations, ms, BENCH_BUDGET_MS,
	    bad ? "INFEASIBLE" : "ok");
	if (ms > BENCH_BUDGET_MS)
		bad++;
fail:
	if (bad && s == NULL)
		fprintf(stderr, "route_bench: cannot build or solve the day\n");
	route_solution_free(s);
	route_problem_free(p);
	return bad ? 1 : 0;
}
