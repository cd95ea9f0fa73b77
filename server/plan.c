/* plan.c: turns an office's day into a scheduling problem and back. Times in the problem
 * are seconds after the office's local midnight. Stops already done, failed or under way
 * (arrived) stay fixed at the head of their courier's round, so re-planning during the day
 * only moves what has not happened yet, and rounds stay with the courier who held them.
 * Travel is the straight line × the office's detour factor ÷ its speed, unless a matrix
 * file gives the time for a pair. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"
#include "isotime.h"
#include "model.h"
#include "row.h"
#include "server/jdoc.h"
#include "server/plan.h"
#include "route/route.h"

#define PLAN_MATRIX_MAX ((size_t)32 << 20) /* bytes of a matrix file: 200 stops take about 2 MB */

#define PLAN_MAX_APPTS 4000
#define PLAN_MAX_COURIERS 200
#define PLAN_CAPACITY 1000.0   /* dossiers a courier can carry; not binding in practice */

struct plan_courier {
	char id[MODEL_ID_MAX + 1];
	int shift_start_min, shift_end_min;
	int fixed[ROUTE_MAX_FIXED];
	int n_fixed;
	int64_t break_ms;      /* planned break start, 0 = none */
	int break_after;       /* the stop number the break follows */
};

struct plan_appt {
	struct model_appointment m;        /* as stored: its stop and ETA are before planning */
	int priority;
	char courier[MODEL_ID_MAX + 1];   /* before planning */
	char pinned[MODEL_ID_MAX + 1];    /* the courier the import pinned it to, or "" */
	int64_t done_ms;                   /* order of fixed stops */
	/* after planning */
	int new_courier;                   /* index, -1 unplaced */
	int new_stop;
	int64_t new_eta_ms;
	enum route_reason reason;
};

struct plan_ctx {
	struct store *s;
	const struct plan_query *q;
	double lat, lon, detour, speed_mps;
	int offset_min;
	int64_t midnight_ms;               /* local midnight of the day, in UTC ms */
	struct plan_courier couriers[PLAN_MAX_COURIERS];
	int nc;
	struct plan_appt *appts;
	int na;
	yajl_val matrix;                   /* optional overrides */
	int64_t version;
};

static enum ds_err plan_load_office(struct plan_ctx *c)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = store_prepare(c->s, "SELECT lat, lon, detour, speed_kmh"
	                        " FROM offices WHERE id = ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, c->q->office, -1, SQLITE_STATIC);
	rc = DS_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->lat = sqlite3_column_double(st, 0);
		c->lon = sqlite3_column_double(st, 1);
		c->detour = sqlite3_column_double(st, 2);
		c->speed_mps = sqlite3_column_double(st, 3) / 3.6;
		rc = DS_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static enum ds_err plan_load_couriers(struct plan_ctx *c)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	struct plan_courier *k;

	if ((rc = store_prepare(c->s, "SELECT id, shift_start_min, shift_end_min FROM couriers"
	                           " WHERE office_id = ? ORDER BY id", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, c->q->office, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && c->nc < PLAN_MAX_COURIERS) {
		k = &c->couriers[c->nc++];
		memset(k, 0, sizeof *k);
		snprintf(k->id, sizeof k->id, "%s", (const char *)sqlite3_column_text(st, 0));
		k->shift_start_min = sqlite3_column_int(st, 1);
		k->shift_end_min = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return DS_OK;
}

static void plan_appt_row(sqlite3_stmt *st, struct plan_appt *a)
{
	memset(a, 0, sizeof *a);
	row_appointment(st, 0, &a->m);
	a->priority = sqlite3_column_int(st, ROW_APPOINTMENT_NCOLS);
	row_text(st, ROW_APPOINTMENT_NCOLS + 1, a->courier, sizeof a->courier);
	a->done_ms = sqlite3_column_int64(st, ROW_APPOINTMENT_NCOLS + 2);
	row_text(st, ROW_APPOINTMENT_NCOLS + 3, a->pinned, sizeof a->pinned);
	a->new_courier = -1;
}

/* The day's appointments of the office: booked windows on that local date. The offset of
 * the first one fixes local midnight (an office's bookings share one offset). */
static enum ds_err plan_load_appts(struct plan_ctx *c)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	c->appts = calloc(PLAN_MAX_APPTS, sizeof *c->appts);
	if (c->appts == NULL)
		return DS_ENOMEM;
	if ((rc = store_prepare(c->s, "SELECT " ROW_APPOINTMENT_COLUMNS("stop_no") ", priority,"
	        " courier_id,"
	        " coalesce(a.done_ms, (SELECT max(e.recorded_ms) FROM events e"
	        " WHERE e.appointment = a.code)), pinned_courier FROM appointments a"
	        " WHERE a.office_id = ?1"
	        " AND (a.window_start_ms + a.offset_min * 60000) / 86400000 = ?2"
	        " ORDER BY a.code", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, c->q->office, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->q->day);
	c->offset_min = 420;
	while (sqlite3_step(st) == SQLITE_ROW && c->na < PLAN_MAX_APPTS) {
		if (c->na == 0)
			c->offset_min = sqlite3_column_int(st, 10);
		plan_appt_row(st, &c->appts[c->na++]);
	}
	sqlite3_finalize(st);
	c->midnight_ms = c->q->day * 86400000LL - (int64_t)c->offset_min * 60000;
	return DS_OK;
}

/* Fixed = something already happened at the door today: it stays where it is. */
static int plan_is_fixed(const struct plan_appt *a)
{
	return strcmp(a->m.status, "booked") != 0 && a->courier[0] != '\0';
}

/* Location 0 is the office; appointment i is location i + 1. */
static void plan_loc(const struct plan_ctx *c, int loc, double *lat, double *lon, const char **id)
{
	if (loc == 0) {
		*lat = c->lat;
		*lon = c->lon;
		*id = "office";
	} else {
		*lat = c->appts[loc - 1].m.lat;
		*lon = c->appts[loc - 1].m.lon;
		*id = c->appts[loc - 1].m.code;
	}
}

/* A pair given by the matrix file, or -1. */
static double plan_matrix_time(const struct plan_ctx *c, const char *from, const char *to,
                               double *dist)
{
	yajl_val v = jdoc_get(jdoc_get(jdoc_get(c->matrix, "seconds"), from), to);
	yajl_val m = jdoc_get(jdoc_get(jdoc_get(c->matrix, "metres"), from), to);

	if (!YAJL_IS_NUMBER(v))
		return -1;
	if (YAJL_IS_NUMBER(m))
		*dist = YAJL_GET_DOUBLE(m);
	return YAJL_GET_DOUBLE(v);
}

static double plan_travel(void *ctx, int from, int to, double *dist)
{
	const struct plan_ctx *c = ctx;
	double la1, lo1, la2, lo2, t;
	const char *f, *g;

	plan_loc(c, from, &la1, &lo1, &f);
	plan_loc(c, to, &la2, &lo2, &g);
	*dist = geo_distance_m(la1, lo1, la2, lo2) * c->detour;
	if (c->matrix != NULL && (t = plan_matrix_time(c, f, g, dist)) >= 0)
		return t;
	return *dist / c->speed_mps;
}

static double plan_sec(const struct plan_ctx *c, int64_t ms)
{
	return (double)(ms - c->midnight_ms) / 1000.0;
}

/* Index of courier ID among the office's couriers, or -1 (also for ""). */
static int plan_courier_index(const struct plan_ctx *c, const char *id)
{
	int k;

	for (k = 0; id[0] != '\0' && k < c->nc; k++)
		if (strcmp(c->couriers[k].id, id) == 0)
			return k;
	return -1;
}

static int plan_add_jobs(struct plan_ctx *c, struct route_problem *p)
{
	struct route_job j;
	int i;

	for (i = 0; i < c->na; i++) {
		const struct plan_appt *a = &c->appts[i];
		memset(&j, 0, sizeof j);
		j.loc = i + 1;
		j.ready_s = plan_sec(c, a->m.window_start_ms);
		j.due_s = plan_sec(c, a->m.window_end_ms);
		j.deadline_s = plan_sec(c, a->m.due_ms);
		j.service_s = a->m.service_min * 60.0;
		j.demand = 1;
		j.priority = a->priority < 0 ? 0
		             : a->priority > ROUTE_MAX_PRIORITY ? ROUTE_MAX_PRIORITY : a->priority;
		j.only_courier = plan_courier_index(c, a->pinned) + 1;
		if (j.deadline_s < j.ready_s + j.service_s && plan_is_fixed(a))
			j.deadline_s = INFINITY; /* it happened; its lateness is the report's
			                          * business */
		if (route_problem_add_job(p, &j) != DS_OK)
			return -1;
	}
	return 0;
}

/* Insertion sort of a courier's fixed stops by when they happened; n <= ROUTE_MAX_FIXED. */
static void plan_sort_fixed(const struct plan_ctx *c, int *v, int n)
{
	int i, j, x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && c->appts[v[j - 1]].done_ms > c->appts[x].done_ms; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Collects each courier's fixed stops, in the order they happened. */
static void plan_collect_fixed(struct plan_ctx *c)
{
	int i, k;

	for (i = 0; i < c->na; i++) {
		if (!plan_is_fixed(&c->appts[i]))
			continue;
		for (k = 0; k < c->nc; k++) {
			struct plan_courier *pc = &c->couriers[k];
			if (strcmp(pc->id, c->appts[i].courier) == 0 &&
			    pc->n_fixed < ROUTE_MAX_FIXED)
				pc->fixed[pc->n_fixed++] = i;
		}
	}
	for (k = 0; k < c->nc; k++)
		plan_sort_fixed(c, c->couriers[k].fixed, c->couriers[k].n_fixed);
}

static int plan_add_couriers(struct plan_ctx *c, struct route_problem *p)
{
	struct route_courier sc;
	int k;

	plan_collect_fixed(c);
	for (k = 0; k < c->nc; k++) {
		const struct plan_courier *pc = &c->couriers[k];
		memset(&sc, 0, sizeof sc);
		sc.start_loc = sc.end_loc = 0;
		sc.shift_start_s = pc->shift_start_min * 60.0;
		sc.shift_end_s = pc->shift_end_min * 60.0;
		sc.max_work_s = INFINITY;
		sc.capacity = PLAN_CAPACITY;
		sc.has_break = pc->shift_start_min < PLAN_BREAK_FROM_MIN &&
		               pc->shift_end_min > PLAN_BREAK_TO_MIN + PLAN_BREAK_MIN;
		sc.break_from_s = PLAN_BREAK_FROM_MIN * 60.0;
		sc.break_to_s = PLAN_BREAK_TO_MIN * 60.0;
		sc.break_s = PLAN_BREAK_MIN * 60.0;
		sc.n_fixed = pc->n_fixed;
		sc.fixed = pc->fixed;
		if (route_problem_add_courier(p, &sc) != DS_OK)
			return -1;
	}
	return 0;
}

/* Can couriers A and B trade whole rounds without changing feasibility? Both start and end
 * at the office; the same shift also means the same break window; fixed stops tie a round. */
static int plan_interchangeable(const struct plan_ctx *c, int a, int b)
{
	const struct plan_courier *x = &c->couriers[a], *y = &c->couriers[b];

	return x->n_fixed == 0 && y->n_fixed == 0 && x->shift_start_min == y->shift_start_min &&
	       x->shift_end_min == y->shift_end_min;
}

/* A round holding an appointment pinned to a courier stays with that courier. */
static int plan_route_pinned(const struct plan_ctx *c, const struct route_route *rt)
{
	int i;

	for (i = 0; i < rt->n_stops; i++)
		if (rt->stops[i].job >= 0 && c->appts[rt->stops[i].job].pinned[0] != '\0')
			return 1;
	return 0;
}

/* The free courier interchangeable with route R's that held most of R's stops before this
 * plan (OV: stops per route and courier), or -1 when none held any. */
static int plan_best_holder(const struct plan_ctx *c, const struct route_solution *sol,
                            const int *ov, const int *owner, int r, int *best_ov)
{
	int k, best = -1;

	*best_ov = 0;
	for (k = 0; k < c->nc; k++)
		if (owner[k] < 0 && ov[r * c->nc + k] > *best_ov &&
		    plan_interchangeable(c, sol->routes[r].courier, k)) {
			best = k;
			*best_ov = ov[r * c->nc + k];
		}
	return best;
}

/* The scheduler numbers interchangeable couriers arbitrarily, so without this a re-plan
 * could hand whole rounds from one courier to another for nothing. Rounds go, greedily by
 * overlap, to the interchangeable courier who already held most of their stops; any other
 * keeps the scheduler's courier when free, or takes a free interchangeable one. */
static enum ds_err plan_keep_couriers(const struct plan_ctx *c, struct route_solution *sol)
{
	int *ov = calloc((size_t)(sol->n_routes * c->nc + 1), sizeof *ov);
	int *owner = malloc((size_t)(c->nc + 1) * sizeof *owner);
	int *to = malloc((size_t)(sol->n_routes + 1) * sizeof *to);
	int r, k, i, n, best_r, best_k, o;
	enum ds_err rc = DS_ENOMEM;

	if (ov == NULL || owner == NULL || to == NULL)
		goto fail;
	for (k = 0; k < c->nc; k++)
		owner[k] = -1;
	for (r = 0; r < sol->n_routes; r++) {
		const struct route_route *rt = &sol->routes[r];
		for (i = 0; i < rt->n_stops; i++)
			if (rt->stops[i].job >= 0 &&
			    (k = plan_courier_index(c, c->appts[rt->stops[i].job].courier)) >= 0)
				ov[r * c->nc + k]++;
		/* A courier with fixed stops is interchangeable with no one, so only pins need
		 * this. */
		to[r] = plan_route_pinned(c, rt) ? rt->courier : -1;
		if (to[r] >= 0)
			owner[to[r]] = r;
	}
	for (n = 0; n < sol->n_routes; n++) {
		for (best_r = best_k = -1, o = 0, r = 0; r < sol->n_routes; r++) {
			int v, kk = to[r] < 0 ? plan_best_holder(c, sol, ov, owner, r, &v) : -1;
			if (kk >= 0 && v > o) {
				best_r = r;
				best_k = kk;
				o = v;
			}
		}
		if (best_r < 0)
			break;
		to[best_r] = best_k;
		owner[best_k] = best_r;
	}
	for (r = 0; r < sol->n_routes; r++)
		if (to[r] < 0 && owner[sol->routes[r].courier] < 0)
			owner[to[r] = sol->routes[r].courier] = r;
	for (r = 0; r < sol->n_routes; r++)
		for (k = 0; to[r] < 0 && k < c->nc; k++)
			if (owner[k] < 0 && plan_interchangeable(c, sol->routes[r].courier, k))
				owner[to[r] = k] = r;
	/* Every route has a courier now: a class of interchangeable couriers has at least as
	 * many members as routes labelled with one of them. */
	for (r = 0; r < sol->n_routes; r++)
		sol->routes[r].courier = to[r];
	rc = DS_OK;
fail:
	free(ov);
	free(owner);
	free(to);
	return rc;
}

static void plan_read_solution(struct plan_ctx *c, const struct route_solution *sol)
{
	int r, i, stop;

	for (r = 0; r < sol->n_routes; r++) {
		const struct route_route *rt = &sol->routes[r];
		for (i = 0, stop = 0; i < rt->n_stops; i++) {
			struct plan_appt *a;
			if (rt->stops[i].job == ROUTE_STOP_BREAK) {
				c->couriers[rt->courier].break_ms = c->midnight_ms +
					(int64_t)llround(rt->stops[i].start_s * 1000.0);
				c->couriers[rt->courier].break_after = stop;
				continue;
			}
			a = &c->appts[rt->stops[i].job];
			a->new_courier = rt->courier;
			a->new_stop = ++stop;
			/* The citizen's ETA is when the courier rings: service start, not an early
			 * arrival. */
			a->new_eta_ms = c->midnight_ms +
			                (int64_t)llround(rt->stops[i].start_s * 1000.0);
		}
	}
	for (i = 0; i < sol->n_unassigned; i++)
		c->appts[sol->unassigned[i].job].reason = sol->unassigned[i].reason;
}

static enum ds_err plan_solve(struct plan_ctx *c, struct route_solution **sol)
{
	struct route_params prm;
	struct route_problem *p = route_problem_new_cb(c->na + 1, plan_travel, c);
	enum ds_err rc = DS_ENOMEM;

	if (p == NULL)
		return rc;
	if (plan_add_jobs(c, p) != 0 || plan_add_couriers(c, p) != 0) {
		snprintf(c->s->err, sizeof c->s->err,
		         "the day's data does not make a valid problem");
		rc = DS_EINVAL;
		goto fail;
	}
	memset(&prm, 0, sizeof prm);
	prm.objective = c->q->objective_vehicles ? ROUTE_VEHICLES_FIRST : ROUTE_DISTANCE;
	prm.time_limit_ms = c->q->time_limit_ms;
	prm.seed = c->q->seed;
	rc = route_solve(p, &prm, sol) == DS_OK ? DS_OK : DS_ENOMEM;
	if (rc == DS_OK)
		rc = plan_keep_couriers(c, *sol);
	if (rc == DS_OK)
		plan_read_solution(c, *sol);
fail:
	route_problem_free(p);
	return rc;
}

static enum ds_err plan_next_version(struct plan_ctx *c)
{
	char day[16];
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = store_prepare(c->s, "SELECT coalesce(max(version), 0) + 1 FROM rounds"
	                           " WHERE office_id = ? AND day = ?", &st)) != DS_OK)
		return rc;
	snprintf(day, sizeof day, "%lld", (long long)c->q->day);
	sqlite3_bind_text(st, 1, c->q->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
	c->version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
	sqlite3_finalize(st);
	return DS_OK;
}

/* Writes the plan of one appointment; a courier change is recorded as a move so the old
 * courier's device drops it. Only changed rows get a new rev. */
static enum ds_err plan_save_appt(struct plan_ctx *c, sqlite3_stmt *up, sqlite3_stmt *mv,
                                  const struct plan_appt *a, int64_t rev)
{
	const char *courier = a->new_courier >= 0 ? c->couriers[a->new_courier].id :
	                      (a->courier[0] ? a->courier : NULL);

	if (a->courier[0] && courier != NULL && strcmp(a->courier, courier) != 0) {
		sqlite3_reset(mv);
		sqlite3_bind_text(mv, 1, a->courier, -1, SQLITE_STATIC);
		sqlite3_bind_text(mv, 2, a->m.code, -1, SQLITE_STATIC);
		sqlite3_bind_int64(mv, 3, rev);
		if (sqlite3_step(mv) != SQLITE_DONE)
			return store_fail(c->s, sqlite3_errcode(c->s->db));
	}
	sqlite3_reset(up);
	sqlite3_clear_bindings(up);
	sqlite3_bind_text(up, 1, a->m.code, -1, SQLITE_STATIC);
	if (courier != NULL)
		sqlite3_bind_text(up, 2, courier, -1, SQLITE_STATIC);
	if (a->new_courier >= 0) {
		sqlite3_bind_int(up, 3, a->new_stop);
		sqlite3_bind_int64(up, 4, a->new_eta_ms);
	}
	sqlite3_bind_int64(up, 5, c->version);
	sqlite3_bind_int64(up, 6, rev);
	return sqlite3_step(up) == SQLITE_DONE ? DS_OK
	                                       : store_fail(c->s, sqlite3_errcode(c->s->db));
}

static enum ds_err plan_save(struct plan_ctx *c, const char *summary)
{
	sqlite3_stmt *up = NULL, *mv = NULL, *rd = NULL;
	char day[16];
	int64_t rev;
	enum ds_err rc;
	int i;

	if ((rc = store_begin(c->s)) != DS_OK)
		return rc;
	if ((rc = plan_next_version(c)) != DS_OK || (rc = store_next_rev(c->s, &rev)) != DS_OK ||
	    (rc = store_prepare(c->s, "UPDATE appointments SET courier_id = ?2, stop_no = ?3,"
	                           " eta_ms = ?4, round_version = ?5, rev = ?6 WHERE code = ?1",
	                           &up)) != DS_OK ||
	    (rc = store_prepare(c->s, "INSERT INTO appointment_moves(courier_id, code, rev)"
	                           " VALUES (?, ?, ?) ON CONFLICT(courier_id, code)"
	                           " DO UPDATE SET rev = excluded.rev", &mv)) != DS_OK ||
	    (rc = store_prepare(c->s,
	                        "INSERT INTO rounds(office_id, day, version, created_ms, summary)"
	                           " VALUES (?, ?, ?, ?, ?)", &rd)) != DS_OK)
		goto fail;
	for (i = 0; i < c->na; i++)
		if ((rc = plan_save_appt(c, up, mv, &c->appts[i], rev)) != DS_OK)
			goto fail;
	snprintf(day, sizeof day, "%lld", (long long)c->q->day);
	sqlite3_bind_text(rd, 1, c->q->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(rd, 2, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(rd, 3, c->version);
	sqlite3_bind_int64(rd, 4, isotime_now_ms());
	sqlite3_bind_text(rd, 5, summary, -1, SQLITE_STATIC);
	if (sqlite3_step(rd) != SQLITE_DONE) {
		rc = store_fail(c->s, sqlite3_errcode(c->s->db));
		goto fail;
	}
	sqlite3_finalize(up);
	sqlite3_finalize(mv);
	sqlite3_finalize(rd);
	return store_commit(c->s);
fail:
	sqlite3_finalize(up);
	sqlite3_finalize(mv);
	sqlite3_finalize(rd);
	store_rollback(c->s);
	return rc;
}

static void plan_hhmm(const struct plan_ctx *c, int64_t ms, char *out, size_t len)
{
	int64_t m = (ms - c->midnight_ms) / 60000;

	snprintf(out, len, "%02d:%02d", (int)(m / 60), (int)(m % 60));
}

static void plan_print_routes(const struct plan_ctx *c, FILE *out)
{
	char eta[8], ws[8], we[8];
	int k, stop, i, n;

	for (k = 0; k < c->nc; k++) {
		for (n = 0, i = 0; i < c->na; i++)
			n += c->appts[i].new_courier == k;
		fprintf(out, "courier %s: %d stop%s\n", c->couriers[k].id, n, n == 1 ? "" : "s");
		for (stop = 1; stop <= n + 1; stop++) {
			if (n > 0 && c->couriers[k].break_ms != 0 &&
			    c->couriers[k].break_after == stop - 1) {
				plan_hhmm(c, c->couriers[k].break_ms, eta, sizeof eta);
				fprintf(out, "      break %s, %d min\n", eta, PLAN_BREAK_MIN);
			}
			for (i = 0; i < c->na; i++) {
				const struct plan_appt *a = &c->appts[i];
				if (a->new_courier != k || a->new_stop != stop)
					continue;
				plan_hhmm(c, a->new_eta_ms, eta, sizeof eta);
				plan_hhmm(c, a->m.window_start_ms, ws, sizeof ws);
				plan_hhmm(c, a->m.window_end_ms, we, sizeof we);
				fprintf(out, "  %2d. %s  ETA %s  window %s-%s%s\n", stop, a->m.code,
				        eta, ws, we,
				        plan_is_fixed(a) ? "  (done or under way: kept)" : "");
			}
		}
	}
}

static void plan_print_changes(const struct plan_ctx *c, FILE *out)
{
	int i, changes = 0;

	for (i = 0; i < c->na; i++) {
		const struct plan_appt *a = &c->appts[i];
		const char *now = a->new_courier >= 0 ? c->couriers[a->new_courier].id
		                                       : "(unplaced)";
		if (a->m.stop == 0 && a->m.eta_ms == 0)
			continue; /* not in an earlier version */
		if (strcmp(a->courier, now) != 0 || a->m.stop != a->new_stop ||
		    llabs(a->m.eta_ms - a->new_eta_ms) >= 5 * 60000) {
			char o[8], n[8];
			plan_hhmm(c, a->m.eta_ms, o, sizeof o);
			plan_hhmm(c, a->new_eta_ms, n, sizeof n);
			fprintf(out, "  %s: %s stop %d ETA %s -> %s stop %d ETA %s\n", a->m.code,
			        a->courier,
			        a->m.stop, o, now, a->new_stop, a->new_courier >= 0 ? n : "-");
			changes++;
		}
	}
	if (changes == 0)
		fprintf(out, "  nothing changed for stops planned before\n");
}

static void plan_print_unplaced(const struct plan_ctx *c, FILE *out)
{
	int i, n = 0;

	for (i = 0; i < c->na; i++) {
		const struct plan_appt *a = &c->appts[i];
		if (a->new_courier >= 0)
			continue;
		if (n++ == 0)
			fprintf(out, "could not be placed:\n");
		fprintf(out, "  %s: %s\n", a->m.code, route_reason_text(a->reason));
	}
	if (n == 0)
		fprintf(out, "every appointment is placed\n");
}

/* The round's summary as the rounds table keeps it: compact, the distance as jansson wrote a
 * real by default (17 significant digits). NULL when out of memory. */
static char *plan_summary(const struct plan_ctx *c, const struct route_solution *sol)
{
	yajl_gen g = jdoc_gen(0);
	char *s = NULL;

	if (g != NULL && yajl_gen_map_open(g) == yajl_gen_status_ok &&
	    !jdoc_kint(g, "appointments", c->na) && !jdoc_kint(g, "routes", sol->n_routes) &&
	    !jdoc_kint(g, "unplaced", sol->n_unassigned) &&
	    !jdoc_kreal(g, "distance_m", sol->dist, 17) &&
	    yajl_gen_map_close(g) == yajl_gen_status_ok)
		s = jdoc_text(g, NULL);
	if (g != NULL)
		yajl_gen_free(g);
	return s;
}

/* Reads the file at PATH, at most PLAN_MATRIX_MAX bytes, into OUT: *TEXT (caller frees with
 * free()) and *LEN. DS_EIO when it cannot be read, DS_ETOOBIG when it is larger. */
static enum ds_err plan_read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	enum ds_err rc = DS_EIO;

	*text = NULL;
	*len = 0;
	if (f == NULL)
		return rc;
	if ((*text = malloc(PLAN_MATRIX_MAX + 1)) == NULL) {
		rc = DS_ENOMEM;
		goto fail;
	}
	*len = fread(*text, 1, PLAN_MATRIX_MAX + 1, f);
	if (ferror(f))
		goto fail;
	rc = *len > PLAN_MATRIX_MAX ? DS_ETOOBIG : DS_OK;
fail:
	fclose(f);
	return rc;
}

/* Loads the matrix file: {"seconds": {FROM: {TO: s}}, "metres": {…}} with FROM and TO
 * dossier codes or "office". */
static enum ds_err plan_load_matrix(struct plan_ctx *c)
{
	char *text = NULL, err[JDOC_ERR_MAX] = "";
	size_t len;
	enum ds_err rc;

	if (c->q->matrix_path == NULL)
		return DS_OK;
	rc = plan_read_file(c->q->matrix_path, &text, &len);
	if (rc == DS_OK && (c->matrix = jdoc_parse(text, len, err)) == NULL)
		rc = err[0] ? DS_EINVAL : DS_ENOMEM;
	free(text);
	if (rc == DS_OK && !YAJL_IS_OBJECT(jdoc_get(c->matrix, "seconds"))) {
		snprintf(err, sizeof err, "needs an object \"seconds\"");
		rc = DS_EINVAL;
	}
	if (rc != DS_OK) {
		snprintf(c->s->err, sizeof c->s->err, "%s: %s", c->q->matrix_path,
		         rc == DS_EIO ? "cannot be read" : rc == DS_ETOOBIG ? "too large" : err);
		if (rc != DS_ENOMEM)
			rc = DS_EINVAL;
	}
	return rc;
}

enum ds_err plan_office(struct store *s, const struct plan_query *q, FILE *out)
{
	struct plan_ctx *c = calloc(1, sizeof *c);
	struct route_solution *sol = NULL;
	char *summary = NULL, day[ISOTIME_MAX_LEN + 1];
	enum ds_err rc = DS_ENOMEM;

	if (c == NULL)
		return rc;
	c->s = s;
	c->q = q;
	if ((rc = plan_load_office(c)) != DS_OK || (rc = plan_load_couriers(c)) != DS_OK ||
	    (rc = plan_load_appts(c)) != DS_OK || (rc = plan_load_matrix(c)) != DS_OK)
		goto fail;
	if ((rc = plan_solve(c, &sol)) != DS_OK)
		goto fail;
	summary = plan_summary(c, sol);
	if ((rc = plan_save(c, summary ? summary : "{}")) != DS_OK)
		goto fail;
	if (isotime_format(c->midnight_ms, c->offset_min, day, sizeof day) != DS_OK)
		day[0] = '\0';
	fprintf(out,
	        "office %s, %.10s: round version %lld, %d appointments, %d couriers used of %d,"
	        " %.1f km\n", q->office, day, (long long)c->version, c->na, sol->n_routes, c->nc,
	        sol->dist / 1000.0);
	plan_print_routes(c, out);
	plan_print_unplaced(c, out);
	if (c->version > 1) {
		fprintf(out, "changes since version %lld:\n", (long long)c->version - 1);
		plan_print_changes(c, out);
	}
fail:
	free(summary);
	route_solution_free(sol);
	yajl_tree_free(c->matrix);
	free(c->appts);
	free(c);
	return rc;
}

enum ds_err plan_set_travel(struct store *s, const char *office, double detour, double speed_kmh)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if (!(detour >= 1.0 && detour <= 5.0) || !(speed_kmh >= 3.0 && speed_kmh <= 120.0))
		return DS_EINVAL;
	if ((rc = store_prepare(s, "UPDATE offices SET detour = ?, speed_kmh = ? WHERE id = ?",
	                        &st)) != DS_OK)
		return rc;
	sqlite3_bind_double(st, 1, detour);
	sqlite3_bind_double(st, 2, speed_kmh);
	sqlite3_bind_text(st, 3, office, -1, SQLITE_STATIC);
	return store_write_one(s, st);
}
