/* route.h: the route scheduler, a pure module with no I/O: jobs and couriers in,
 * routes with per-stop times and the reasons for anything left out, out.
 *
 * Build a problem with route_problem_new() (travel matrices) or
 * route_problem_new_cb() (a travel callback), add jobs and couriers, then call
 * route_solve(). Times are seconds on any common clock (the caller's choice, e.g.
 * seconds since midnight); distances are in metres or any unit the caller likes.
 * The same seed and iteration budget give the same solution; see docs/ROUTING.md. */
#ifndef DS_ROUTE_H
#define DS_ROUTE_H

#include <stdint.h>

#include "err.h"

#define ROUTE_MAX_LOCS     4096   /* travel matrices are n*n doubles */
#define ROUTE_MAX_JOBS     4000
#define ROUTE_MAX_COURIERS 1000
#define ROUTE_MAX_FIXED    256    /* fixed stops per courier */
#define ROUTE_MAX_PRIORITY 9      /* priorities are 0 (lowest) .. this */

/* A job: one stop to serve. Service must start inside [ready_s, due_s] and end by
 * deadline_s (the legal due time); use INFINITY for "no deadline". */
struct route_job {
	int loc;            /* index into the travel matrices */
	double ready_s;     /* window opens */
	double due_s;       /* latest service start */
	double deadline_s;  /* service must end by this time */
	double service_s;
	double demand;      /* in the couriers' capacity unit */
	int priority;       /* 0 .. ROUTE_MAX_PRIORITY; lower ones are left out first */
	int only_courier;   /* 0: any courier; K + 1: only courier K (a dispatcher's pin) */
};

/* A courier: leaves start_loc at shift_start_s, returns to end_loc by
 * shift_end_s, works at most max_work_s (counted from shift start; INFINITY for no
 * limit). With has_break set it takes a break of break_s, starting inside
 * [break_from_s, break_to_s], wherever it is at that moment. fixed[] lists jobs
 * (indices in the order they were added) already done or under way, in order: they
 * stay the first stops of this courier's route, and their windows are not checked
 * (they happened). A break already taken is left out by clearing has_break; a break
 * that cannot be taken inside the shift after the fixed stops is left out too (the
 * route then has no ROUTE_STOP_BREAK stop). The break window must overlap the shift. */
struct route_courier {
	int start_loc, end_loc;
	double shift_start_s, shift_end_s;
	double max_work_s;
	double capacity;
	int has_break;
	double break_from_s, break_to_s, break_s;
	int n_fixed;
	const int *fixed;   /* copied by route_problem_add_courier() */
};

/* Why a job was left out. */
enum route_reason {
	ROUTE_REASON_NONE = 0,
	ROUTE_REASON_NO_SHIFT,     /* no courier's shift overlaps its window */
	ROUTE_REASON_TIME_WINDOW,  /* no courier can reach it inside its window */
	ROUTE_REASON_DUE,          /* reachable, but service cannot end by its due time */
	ROUTE_REASON_CAPACITY,     /* too heavy, or every courier that could go is full */
	ROUTE_REASON_DISPLACED,    /* room went to jobs of higher priority */
	ROUTE_REASON_NO_ROOM,      /* fits alone, but not in any route of this plan */
};

enum route_objective {
	ROUTE_VEHICLES_FIRST = 0,  /* fewest couriers, then least distance */
	ROUTE_DISTANCE,            /* least distance, any number of couriers */
};

struct route_params {
	enum route_objective objective;
	long time_limit_ms;        /* wall-clock budget; > 0 */
	long max_iterations;       /* 0: until the time limit; else a deterministic budget */
	uint64_t seed;
};

/* One stop of a route; job is ROUTE_STOP_BREAK for the courier's break. */
#define ROUTE_STOP_BREAK (-1)
struct route_stop {
	int job;
	double arrival_s;   /* arrival at the place (for a break: when it may begin) */
	double start_s;     /* service or break start */
	double end_s;       /* service or break end */
};

struct route_route {
	int courier;        /* index in the order couriers were added */
	int n_stops;
	struct route_stop *stops;
	double depart_s, return_s;
	double dist;
	double load;
};

struct route_unassigned {
	int job;
	enum route_reason reason;
};

struct route_solution {
	int n_routes;       /* couriers with at least one job, in courier order */
	struct route_route *routes;
	int n_unassigned;
	struct route_unassigned *unassigned;
	double dist;        /* total over routes */
	long iterations;    /* search iterations run */
};

struct route_problem;

/* Travel from location FROM to TO: returns the time in seconds, stores the distance. */
typedef double (*route_travel_fn)(void *ctx, int from, int to, double *dist);

/* A problem over N_LOCS locations whose travel times (and distances; NULL: same as
 * the times) are N_LOCS*N_LOCS row-major matrices, copied. Caller frees with
 * route_problem_free(). NULL on bad arguments or out of memory. */
struct route_problem *route_problem_new(int n_locs, const double *time_s, const double *dist);

/* The same, asking FN for every pair once, now. */
struct route_problem *route_problem_new_cb(int n_locs, route_travel_fn fn, void *ctx);

/* Add a job; its index is the number of jobs added before it. DS_EINVAL on a bad
 * location, window or priority, DS_ETOOBIG past ROUTE_MAX_JOBS. */
int route_problem_add_job(struct route_problem *p, const struct route_job *job) DS_WUR;

/* Add a courier (copies fixed[]); its index is the number added before it. Fixed
 * jobs must already be added and appear in only one courier. */
int route_problem_add_courier(struct route_problem *p, const struct route_courier *c) DS_WUR;

void route_problem_free(struct route_problem *p);

/* Solve P. OUT: a solution the caller frees with route_solution_free(). Every job
 * is either in a route or in unassigned[] with a reason. DS_EINVAL on bad
 * params, DS_ENOMEM. */
int route_solve(const struct route_problem *p, const struct route_params *params,
    struct route_solution **out) DS_WUR;

void route_solution_free(struct route_solution *s);

/* A short English text for R. Static storage; never NULL. */
const char *route_reason_text(enum route_reason r);

/* A stable machine code for R, such as "time_window". Static storage. */
const char *route_reason_code(enum route_reason r);

#endif
