/* test_route.c: unit tests for the route scheduler (route/route.c and the search
 * behind it). Every solution is re-walked here from the test's own data, so a
 * test fails on any infeasible route or any job routed twice or lost. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "route/route.h"

#define W_MAX_LOCS 64
#define W_EPS 1e-6

struct world {
	int n;
	double x[W_MAX_LOCS], y[W_MAX_LOCS];
	struct route_job jobs[W_MAX_LOCS];
	int n_jobs;
	struct route_courier cour[8];
	int n_cour;
};

static double travel(void *ctx, int a, int b, double *dist)
{
	const struct world *w = ctx;

	*dist = hypot(w->x[a] - w->x[b], w->y[a] - w->y[b]);
	return *dist;
}

static int add_loc(struct world *w, double x, double y)
{
	w->x[w->n] = x;
	w->y[w->n] = y;
	return w->n++;
}

static void add_job(struct world *w, double x, double y, double ready, double due, int prio)
{
	struct route_job j = { .loc = add_loc(w, x, y), .ready_s = ready, .due_s = due,
	    .deadline_s = INFINITY, .service_s = 1, .demand = 1, .priority = prio };

	w->jobs[w->n_jobs++] = j;
}

static struct route_courier courier(int start, int end, double from, double to, double cap)
{
	struct route_courier c = { .start_loc = start, .end_loc = end, .shift_start_s = from,
	    .shift_end_s = to, .max_work_s = INFINITY, .capacity = cap };

	return c;
}

static struct route_solution *solve(struct world *w, enum route_objective obj, uint64_t seed)
{
	struct route_problem *p = route_problem_new_cb(w->n, travel, w);
	struct route_params par = { obj, 5000, 3000, seed };
	struct route_solution *s = NULL;
	int i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < w->n_jobs; i++)
		ck_assert_int_eq(route_problem_add_job(p, &w->jobs[i]), DS_OK);
	for (i = 0; i < w->n_cour; i++)
		ck_assert_int_eq(route_problem_add_courier(p, &w->cour[i]), DS_OK);
	ck_assert_int_eq(route_solve(p, &par, &s), DS_OK);
	route_problem_free(p);
	return s;
}

/* Re-walk one route from the world's data; fixed stops' windows are not checked. */
static void walk_route(const struct world *w, const struct route_route *r, int *seen)
{
	const struct route_courier *c = &w->cour[r->courier];
	double t = c->shift_start_s, load = 0, d;
	int i, k, loc = c->start_loc, breaks = 0;

	for (i = 0; i < r->n_stops; i++) {
		const struct route_stop *s = &r->stops[i];
		int fixed = 0;

		if (s->job == ROUTE_STOP_BREAK) {
			t = fmax(t, c->break_from_s);
			ck_assert(t <= c->break_to_s + W_EPS);
			ck_assert(fabs(t - s->start_s) < 1e-6);
			t += c->break_s;
			breaks++;
			continue;
		}
		const struct route_job *j = &w->jobs[s->job];
		for (k = 0; k < c->n_fixed; k++)
			fixed |= c->fixed[k] == s->job;
		t += travel((void *)w, loc, j->loc, &d);
		t = fixed ? t : fmax(t, j->ready_s);
		if (!fixed) {
			ck_assert(t <= j->due_s + W_EPS);
			ck_assert(t + j->service_s <= j->deadline_s + W_EPS);
		}
		ck_assert(fabs(t - s->start_s) < 1e-6);
		t += j->service_s;
		load += j->demand;
		loc = j->loc;
		seen[s->job]++;
	}
	t += travel((void *)w, loc, c->end_loc, &d);
	ck_assert(t <= c->shift_end_s + W_EPS);
	ck_assert(t - c->shift_start_s <= c->max_work_s + W_EPS);
	ck_assert(load <= c->capacity + W_EPS);
	ck_assert_int_eq(breaks, c->has_break ? 1 : 0);
}

static void check_solution(const struct world *w, const struct route_solution *s)
{
	int seen[W_MAX_LOCS] = {0}, i;

	for (i = 0; i < s->n_routes; i++)
		walk_route(w, &s->routes[i], seen);
	for (i = 0; i < s->n_unassigned; i++) {
		seen[s->unassigned[i].job]++;
		ck_assert_int_ne(s->unassigned[i].reason, ROUTE_REASON_NONE);
	}
	for (i = 0; i < w->n_jobs; i++)
		ck_assert_int_eq(seen[i], 1);
}

static enum route_reason reason_of(const struct route_solution *s, int job)
{
	int i;

	for (i = 0; i < s->n_unassigned; i++)
		if (s->unassigned[i].job == job)
			return s->unassigned[i].reason;
	return ROUTE_REASON_NONE;
}

/* Twenty jobs on a 10 x 10 grid around a depot at 50, 50. */
static void grid_world(struct world *w, int n_cour)
{
	int i;

	memset(w, 0, sizeof(*w));
	add_loc(w, 50, 50);
	for (i = 0; i < 20; i++)
		add_job(w, (i * 37) % 100, (i * 61) % 100, (i % 4) * 50, (i % 4) * 50 + 120, 0);
	for (i = 0; i < n_cour; i++)
		w->cour[w->n_cour++] = courier(0, 0, 0, 1000, 10);
}

START_TEST(test_all_routed_and_feasible)
{
	struct world w;
	struct route_solution *s;

	grid_world(&w, 4);
	s = solve(&w, ROUTE_VEHICLES_FIRST, 1);
	check_solution(&w, s);
	ck_assert_int_eq(s->n_unassigned, 0);
	ck_assert_int_le(s->n_routes, 4);
	route_solution_free(s);
}
END_TEST

static int same_solution(const struct route_solution *a, const struct route_solution *b)
{
	int i, k;

	if (a->n_routes != b->n_routes || a->n_unassigned != b->n_unassigned || a->dist != b->dist)
		return 0;
	for (i = 0; i < a->n_routes; i++) {
		if (a->routes[i].n_stops != b->routes[i].n_stops)
			return 0;
		for (k = 0; k < a->routes[i].n_stops; k++)
			if (a->routes[i].stops[k].job != b->routes[i].stops[k].job)
				return 0;
	}
	return 1;
}

START_TEST(test_same_seed_same_solution)
{
	struct world w;
	struct route_solution *a, *b;

	grid_world(&w, 4);
	a = solve(&w, ROUTE_DISTANCE, 42);
	b = solve(&w, ROUTE_DISTANCE, 42);
	ck_assert(same_solution(a, b));
	route_solution_free(a);
	route_solution_free(b);
}
END_TEST

START_TEST(test_fixed_stops_stay_first)
{
	struct world w;
	struct route_solution *s;
	static const int fixed[] = { 7, 2 };
	int i;

	grid_world(&w, 2);
	w.jobs[7].due_s = w.jobs[7].ready_s;  /* a window it missed: it happened anyway */
	w.cour[1].fixed = fixed;
	w.cour[1].n_fixed = 2;
	s = solve(&w, ROUTE_DISTANCE, 3);
	check_solution(&w, s);
	for (i = 0; i < s->n_routes && s->routes[i].courier != 1; i++)
		;
	ck_assert_int_lt(i, s->n_routes);
	ck_assert_int_eq(s->routes[i].stops[0].job, 7);
	ck_assert_int_eq(s->routes[i].stops[1].job, 2);
	route_solution_free(s);
}
END_TEST

/* Fixed stops that run past the break window: the break is left out, the route
 * keeps its fixed stops, and nothing in it is late. */
START_TEST(test_break_after_fixed_stops_left_out)
{
	struct world w;
	struct route_solution *s;
	static const int fixed[] = { 0, 1, 2, 3 };
	int i, k;

	grid_world(&w, 1);
	w.cour[0].has_break = 1;
	w.cour[0].break_from_s = 0;
	w.cour[0].break_to_s = 20;
	w.cour[0].break_s = 10;
	w.cour[0].fixed = fixed;
	w.cour[0].n_fixed = 4;
	s = solve(&w, ROUTE_DISTANCE, 23);
	ck_assert_int_eq(s->n_routes, 1);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(s->routes[0].stops[i].job, fixed[i]);
	for (k = 0; k < s->routes[0].n_stops; k++)
		ck_assert_int_ne(s->routes[0].stops[k].job, ROUTE_STOP_BREAK);
	w.cour[0].has_break = 0;       /* what the walker should expect now */
	check_solution(&w, s);
	route_solution_free(s);
}
END_TEST

START_TEST(test_breaks_inside_windows)
{
	struct world w;
	struct route_solution *s;
	int i;

	grid_world(&w, 3);
	for (i = 0; i < 3; i++) {
		w.cour[i].has_break = 1;
		w.cour[i].break_from_s = 100 + 20 * i;
		w.cour[i].break_to_s = 130 + 20 * i;
		w.cour[i].break_s = 30;
	}
	s = solve(&w, ROUTE_DISTANCE, 5);
	check_solution(&w, s);  /* asserts one break per route, inside its window */
	ck_assert_int_eq(s->n_unassigned, 0);
	route_solution_free(s);
}
END_TEST

START_TEST(test_due_times_respected)
{
	struct world w;
	struct route_solution *s;

	grid_world(&w, 3);
	w.jobs[0].ready_s = 0;
	w.jobs[0].due_s = 900;
	w.jobs[0].deadline_s = 200;    /* legal due: service must end by 200 */
	w.jobs[1].ready_s = 0;
	w.jobs[1].due_s = 900;
	w.jobs[1].deadline_s = 10;     /* cannot be met from the depot */
	s = solve(&w, ROUTE_VEHICLES_FIRST, 9);
	check_solution(&w, s);         /* asserts every end <= its deadline */
	ck_assert_int_eq(reason_of(s, 0), ROUTE_REASON_NONE);
	ck_assert_int_eq(reason_of(s, 1), ROUTE_REASON_DUE);
	route_solution_free(s);
}
END_TEST

START_TEST(test_priority_order_and_reasons)
{
	struct world w;
	struct route_solution *s;
	static const int prio[] = { 0, 2, 1, 0, 2 };
	int i;

	memset(&w, 0, sizeof(w));
	add_loc(&w, 0, 0);
	for (i = 0; i < 5; i++)
		add_job(&w, 10 + i, 0, 0, 1000, prio[i]);
	w.cour[w.n_cour++] = courier(0, 0, 0, 1000, 3);
	s = solve(&w, ROUTE_VEHICLES_FIRST, 11);
	check_solution(&w, s);
	ck_assert_int_eq(s->n_unassigned, 2);
	ck_assert_int_eq(reason_of(s, 0), ROUTE_REASON_DISPLACED);
	ck_assert_int_eq(reason_of(s, 3), ROUTE_REASON_DISPLACED);
	route_solution_free(s);
}
END_TEST

START_TEST(test_unfit_reasons)
{
	struct world w;
	struct route_solution *s;

	memset(&w, 0, sizeof(w));
	add_loc(&w, 0, 0);
	add_job(&w, 10, 0, 0, 1000, 0);     /* 0: fine */
	add_job(&w, 10, 0, 2000, 2100, 0);  /* 1: after every shift */
	add_job(&w, 500, 0, 0, 100, 0);     /* 2: too far for its window */
	add_job(&w, 20, 0, 0, 1000, 0);     /* 3: heavier than any courier */
	add_job(&w, 30, 0, 0, 1000, 0);     /* 4, 5: only one fits the capacity left */
	add_job(&w, 31, 0, 0, 1000, 0);
	w.jobs[3].demand = 50;
	w.cour[w.n_cour++] = courier(0, 0, 0, 1000, 2);
	s = solve(&w, ROUTE_VEHICLES_FIRST, 13);
	check_solution(&w, s);
	ck_assert_int_eq(reason_of(s, 1), ROUTE_REASON_NO_SHIFT);
	ck_assert_int_eq(reason_of(s, 2), ROUTE_REASON_TIME_WINDOW);
	ck_assert_int_eq(reason_of(s, 3), ROUTE_REASON_CAPACITY);
	ck_assert_int_eq(s->n_unassigned, 4);
	ck_assert_str_eq(route_reason_text(ROUTE_REASON_TIME_WINDOW),
	                 "time window cannot be reached");
	route_solution_free(s);
}
END_TEST

START_TEST(test_own_start_end_and_max_work)
{
	struct world w;
	struct route_solution *s;
	int a, b, i;

	grid_world(&w, 0);
	a = add_loc(&w, 0, 0);
	b = add_loc(&w, 100, 100);
	w.cour[w.n_cour++] = courier(a, b, 0, 1000, 10);
	w.cour[w.n_cour++] = courier(b, a, 0, 1000, 10);
	w.cour[w.n_cour++] = courier(0, a, 0, 1000, 10);
	for (i = 0; i < w.n_cour; i++)
		w.cour[i].max_work_s = 400;
	s = solve(&w, ROUTE_DISTANCE, 17);
	check_solution(&w, s);   /* asserts return by shift end and max work */
	for (i = 0; i < s->n_routes; i++)
		ck_assert(s->routes[i].return_s - s->routes[i].depart_s <= 400 + W_EPS);
	route_solution_free(s);
}
END_TEST

/* Every routed job pinned to a courier rides with that courier. */
static void check_pins(const struct world *w, const struct route_solution *s)
{
	int r, k, j;

	for (r = 0; r < s->n_routes; r++)
		for (k = 0; k < s->routes[r].n_stops; k++) {
			j = s->routes[r].stops[k].job;
			if (j >= 0 && w->jobs[j].only_courier > 0)
				ck_assert_int_eq(s->routes[r].courier, w->jobs[j].only_courier - 1);
		}
}

/* Jobs pinned to a courier (a dispatcher's choice) are served by that courier only, in
 * both objectives, even when another courier is nearer or idle. */
START_TEST(test_pinned_jobs_stay_with_their_courier)
{
	struct world w;
	struct route_solution *s;
	int obj;

	grid_world(&w, 3);
	/* Pins one courier can serve within their windows (start, 4, 0, 9: arrivals about
	 * 6, 72 and 132 against windows ending 120, 120 and 170); job 1 goes to courier 0. */
	w.jobs[0].only_courier = w.jobs[4].only_courier = 2 + 1;
	w.jobs[9].only_courier = 2 + 1;
	w.jobs[1].only_courier = 0 + 1;
	for (obj = 0; obj < 2; obj++) {
		s = solve(&w, obj == 0 ? ROUTE_VEHICLES_FIRST : ROUTE_DISTANCE, 7);
		check_solution(&w, s);
		ck_assert_int_eq(s->n_unassigned, 0);
		check_pins(&w, s);
		route_solution_free(s);
	}
}
END_TEST

/* Regression: or-opt moved strings holding a pinned job to another courier. With many
 * pins some jobs cannot fit, but none may ever ride with another courier. */
START_TEST(test_pinned_jobs_never_move_under_pressure)
{
	struct world w;
	struct route_solution *s;
	int obj, j;

	grid_world(&w, 3);
	for (j = 0; j < w.n_jobs; j += 3)
		w.jobs[j].only_courier = 2 + 1;
	for (obj = 0; obj < 2; obj++) {
		s = solve(&w, obj == 0 ? ROUTE_VEHICLES_FIRST : ROUTE_DISTANCE, 7);
		check_solution(&w, s);
		check_pins(&w, s);
		route_solution_free(s);
	}
}
END_TEST

START_TEST(test_bad_input_rejected)
{
	struct world w;
	struct route_problem *p;
	struct route_job j = { .loc = 99, .ready_s = 0, .due_s = 10, .deadline_s = INFINITY };
	struct route_courier c = courier(0, 0, 10, 5, 1);
	struct route_params par = { ROUTE_DISTANCE, 0, 0, 1 };
	struct route_solution *s = NULL;
	static const int fixed[] = { 0 };

	grid_world(&w, 0);
	p = route_problem_new_cb(w.n, travel, &w);
	ck_assert_int_eq(route_problem_add_job(p, &j), DS_EINVAL);
	j.loc = 1;
	j.priority = ROUTE_MAX_PRIORITY + 1;
	ck_assert_int_eq(route_problem_add_job(p, &j), DS_EINVAL);
	j.priority = 0;
	ck_assert_int_eq(route_problem_add_job(p, &j), DS_OK);
	ck_assert_int_eq(route_problem_add_courier(p, &c), DS_EINVAL);
	c = courier(0, 0, 0, 100, 1);
	c.fixed = fixed;
	c.n_fixed = 1;
	ck_assert_int_eq(route_problem_add_courier(p, &c), DS_OK);
	ck_assert_int_eq(route_problem_add_courier(p, &c), DS_OK);
	ck_assert_int_eq(route_solve(p, &par, &s), DS_EINVAL);  /* time limit 0 */
	par.time_limit_ms = 100;
	ck_assert_int_eq(route_solve(p, &par, &s), DS_EINVAL);  /* job fixed twice */
	ck_assert_ptr_null(s);
	route_problem_free(p);
	ck_assert_ptr_null(route_problem_new(0, NULL, NULL));
}
END_TEST

START_TEST(test_empty_problems)
{
	struct world w;
	struct route_solution *s;
	int i;

	grid_world(&w, 0);             /* jobs, no couriers */
	s = solve(&w, ROUTE_VEHICLES_FIRST, 19);
	check_solution(&w, s);
	ck_assert_int_eq(s->n_routes, 0);
	ck_assert_int_eq(s->n_unassigned, w.n_jobs);
	for (i = 0; i < s->n_unassigned; i++)
		ck_assert_int_eq(s->unassigned[i].reason, ROUTE_REASON_NO_SHIFT);
	route_solution_free(s);
	grid_world(&w, 3);             /* couriers, no jobs */
	w.n_jobs = 0;
	s = solve(&w, ROUTE_DISTANCE, 19);
	ck_assert_int_eq(s->n_routes, 0);
	ck_assert_int_eq(s->n_unassigned, 0);
	route_solution_free(s);
}
END_TEST

/* The matrix constructor, an asymmetric matrix, and ETAs read off the stops. */
START_TEST(test_matrix_and_etas)
{
	double t[9] = { 0, 10, 20, 15, 0, 10, 25, 12, 0 };
	struct route_problem *p = route_problem_new(3, t, NULL);
	struct route_job a = { .loc = 1, .ready_s = 0, .due_s = 100, .deadline_s = INFINITY,
	    .service_s = 5, .demand = 1 };
	struct route_job b = { .loc = 2, .ready_s = 40, .due_s = 100, .deadline_s = INFINITY,
	    .service_s = 5, .demand = 1 };
	struct route_courier c = courier(0, 0, 0, 200, 5);
	struct route_params par = { ROUTE_DISTANCE, 1000, 500, 1 };
	struct route_solution *s = NULL;
	const struct route_route *r;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(route_problem_add_job(p, &a), DS_OK);
	ck_assert_int_eq(route_problem_add_job(p, &b), DS_OK);
	ck_assert_int_eq(route_problem_add_courier(p, &c), DS_OK);
	ck_assert_int_eq(route_solve(p, &par, &s), DS_OK);
	ck_assert_int_eq(s->n_routes, 1);
	r = &s->routes[0];
	ck_assert_int_eq(r->n_stops, 2);
	/* 0 -> 1 -> 2 -> 0 costs 10 + 10 + 25 = 45; 0 -> 2 -> 1 -> 0 costs 20 + 12 + 15 = 47. */
	ck_assert_int_eq(r->stops[0].job, 0);
	ck_assert(r->stops[0].arrival_s == 10 && r->stops[0].start_s == 10 &&
	          r->stops[0].end_s == 15);
	ck_assert(r->stops[1].arrival_s == 25 && r->stops[1].start_s == 40 &&
	          r->stops[1].end_s == 45);
	ck_assert(r->return_s == 70 && r->dist == 45 && s->dist == 45);
	route_solution_free(s);
	route_problem_free(p);
}
END_TEST

/* Random days with every feature at once; the walker re-checks each solution. */
START_TEST(test_random_days_feasible)
{
	static const int fixed0[] = { 0, 1 }, fixed2[] = { 5 };
	struct world w;
	struct route_solution *s;
	uint64_t r = 12345u + (uint64_t)_i;
	int i;

	memset(&w, 0, sizeof(w));
	add_loc(&w, 50, 50);
	add_loc(&w, 10, 90);
	for (i = 0; i < 40; i++) {
		double x, y, ready;

		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		x = (double)(r >> 33 & 127) * 100.0 / 128;
		y = (double)(r >> 40 & 127) * 100.0 / 128;
		ready = (double)(r >> 20 & 255);
		add_job(&w, x, y, ready, ready + 60 + (double)(r >> 50 & 127), (int)(r >> 60 & 3));
		w.jobs[i].service_s = 5;
		w.jobs[i].demand = (double)(1 + (r >> 10 & 3));
		if ((r >> 5 & 7) == 0)
			w.jobs[i].deadline_s = w.jobs[i].ready_s + 70;
	}
	for (i = 0; i < 4; i++) {
		struct route_courier *c = &w.cour[w.n_cour++];

		*c = courier(i % 2, (i / 2) % 2, 10.0 * i, 500, 25);
		c->max_work_s = 420;
		c->has_break = i != 3;
		c->break_from_s = 150;
		c->break_to_s = 220;
		c->break_s = 20;
	}
	w.cour[0].fixed = fixed0;
	w.cour[0].n_fixed = 2;
	w.cour[2].fixed = fixed2;
	w.cour[2].n_fixed = 1;
	s = solve(&w, _i % 2 ? ROUTE_DISTANCE : ROUTE_VEHICLES_FIRST, (uint64_t)_i);
	check_solution(&w, s);
	route_solution_free(s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("sched");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_all_routed_and_feasible);
	tcase_add_test(tc, test_same_seed_same_solution);
	tcase_add_test(tc, test_fixed_stops_stay_first);
	tcase_add_test(tc, test_breaks_inside_windows);
	tcase_add_test(tc, test_break_after_fixed_stops_left_out);
	tcase_add_test(tc, test_due_times_respected);
	tcase_add_test(tc, test_priority_order_and_reasons);
	tcase_add_test(tc, test_unfit_reasons);
	tcase_add_test(tc, test_own_start_end_and_max_work);
	tcase_add_test(tc, test_pinned_jobs_stay_with_their_courier);
	tcase_add_test(tc, test_pinned_jobs_never_move_under_pressure);
	tcase_add_test(tc, test_bad_input_rejected);
	tcase_add_test(tc, test_empty_problems);
	tcase_add_test(tc, test_matrix_and_etas);
	tcase_add_loop_test(tc, test_random_days_feasible, 0, 6);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
