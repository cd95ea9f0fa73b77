/* sched.h: the route scheduler, a pure module with no I/O: jobs and couriers in,
 * routes with per-stop times and the reasons for anything left out, out.
 *
 * Build a problem with sched_problem_new() (travel matrices) or
 * sched_problem_new_cb() (a travel callback), add jobs and couriers, then call
 * sched_solve(). Times are seconds on any common clock (the caller's choice, e.g.
 * seconds since midnight); distances are in metres or any unit the caller likes.
 * The same seed and iteration budget give the same solution; see docs/ROUTING.md. */
#ifndef DS_SCHED_H
#define DS_SCHED_H

#include <stdint.h>

#include "err.h"

#define SCHED_MAX_LOCS     4096   /* travel matrices are n*n doubles */
#define SCHED_MAX_JOBS     4000
#define SCHED_MAX_COURIERS 1000
#define SCHED_MAX_FIXED    256    /* fixed stops per courier */
#define SCHED_MAX_PRIORITY 9      /* priorities are 0 (lowest) .. this */

/* A job: one stop to serve. Service must start inside [ready_s, due_s] and end by
 * deadline_s (the legal due time); use INFINITY for "no deadline". */
struct sched_job {
	int loc;            /* index into the travel matrices */
	double ready_s;     /* window opens */
	double due_s;       /* latest service start */
	double deadline_s;  /* service must end by this time */
	double service_s;
	double demand;      /* in the couriers' capacity unit */
	int priority;       /* 0 .. SCHED_MAX_PRIORITY; lower ones are left out first */
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
 * route then has no SCHED_STOP_BREAK stop). The break window must overlap the shift. */
struct sched_courier {
	int start_loc, end_loc;
	double shift_start_s, shift_end_s;
	double max_work_s;
	double capacity;
	int has_break;
	double break_from_s, break_to_s, break_s;
	int n_fixed;
	const int *fixed;   /* copied by sched_problem_add_courier() */
};

/* Why a job was left out. */
enum sched_reason {
	SCHED_REASON_NONE = 0,
	SCHED_REASON_NO_SHIFT,     /* no courier's shift overlaps its window */
	SCHED_REASON_TIME_WINDOW,  /* no courier can reach it inside its window */
	SCHED_REASON_DUE,          /* reachable, but service cannot end by its due time */
	SCHED_REASON_CAPACITY,     /* too heavy, or every courier that could go is full */
	SCHED_REASON_DISPLACED,    /* room went to jobs of higher priority */
	SCHED_REASON_NO_ROOM,      /* fits alone, but not in any route of this plan */
};

enum sched_objective {
	SCHED_VEHICLES_FIRST = 0,  /* fewest couriers, then least distance */
	SCHED_DISTANCE,            /* least distance, any number of couriers */
};

struct sched_params {
	enum sched_objective objective;
	long time_limit_ms;        /* wall-clock budget; > 0 */
	long max_iterations;       /* 0: until the time limit; else a deterministic budget */
	uint64_t seed;
};

/* One stop of a route; job is SCHED_STOP_BREAK for the courier's break. */
#define SCHED_STOP_BREAK (-1)
struct sched_stop {
	int job;
	double arrival_s;   /* arrival at the place (for a break: when it may begin) */
	double start_s;     /* service or break start */
	double end_s;       /* service or break end */
};

struct sched_route {
	int courier;        /* index in the order couriers were added */
	int n_stops;
	struct sched_stop *stops;
	double depart_s, return_s;
	double dist;
	double load;
};

struct sched_unassigned {
	int job;
	enum sched_reason reason;
};

struct sched_solution {
	int n_routes;       /* couriers with at least one job, in courier order */
	struct sched_route *routes;
	int n_unassigned;
	struct sched_unassigned *unassigned;
	double dist;        /* total over routes */
	long iterations;    /* search iterations run */
};

struct sched_problem;

/* Travel from location FROM to TO: returns the time in seconds, stores the distance. */
typedef double (*sched_travel_fn)(void *ctx, int from, int to, double *dist);

/* A problem over N_LOCS locations whose travel times (and distances; NULL: same as
 * the times) are N_LOCS*N_LOCS row-major matrices, copied. Caller frees with
 * sched_problem_free(). NULL on bad arguments or out of memory. */
struct sched_problem *sched_problem_new(int n_locs, const double *time_s, const double *dist);

/* The same, asking FN for every pair once, now. */
struct sched_problem *sched_problem_new_cb(int n_locs, sched_travel_fn fn, void *ctx);

/* Add a job; its index is the number of jobs added before it. DS_EINVAL on a bad
 * location, window or priority, DS_ETOOBIG past SCHED_MAX_JOBS. */
int sched_problem_add_job(struct sched_problem *p, const struct sched_job *job) DS_WUR;

/* Add a courier (copies fixed[]); its index is the number added before it. Fixed
 * jobs must already be added and appear in only one courier. */
int sched_problem_add_courier(struct sched_problem *p, const struct sched_courier *c) DS_WUR;

void sched_problem_free(struct sched_problem *p);

/* Solve P. OUT: a solution the caller frees with sched_solution_free(). Every job
 * is either in a route or in unassigned[] with a reason. DS_EINVAL on bad
 * params, DS_ENOMEM. */
int sched_solve(const struct sched_problem *p, const struct sched_params *params,
    struct sched_solution **out) DS_WUR;

void sched_solution_free(struct sched_solution *s);

/* A short English text for R. Static storage; never NULL. */
const char *sched_reason_text(enum sched_reason r);

/* A stable machine code for R, such as "time_window". Static storage. */
const char *sched_reason_code(enum sched_reason r);

#endif
