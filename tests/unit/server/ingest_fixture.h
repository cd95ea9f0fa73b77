/* ingest_fixture.h: the world the ingest suites share (test_ingest.c, test_ingest_state.c):
 * offices, couriers, devices and appointments in every store, events near an appointment,
 * one sync as one transaction, and table dumps. Static inline, so a suite that leaves one
 * unused still builds. */
#ifndef TEST_SERVER_INGEST_FIXTURE_H
#define TEST_SERVER_INGEST_FIXTURE_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "isotime.h"
#include "server/admin.h"
#include "server/db/ingest.h"
#include "fixture.h"

#define A1 "H15.50.05.13-261126-0001" /* deliver, c1, 08:00-09:00, due 17:00 */
#define A2 "H15.50.05.13-261126-0002" /* collect, c1, 09:00-10:00, due 12:00 */
#define A3 "H15.50.05.13-261126-0003" /* deliver, c2, 08:00-09:00, due 17:00 */
#define A4 "H15.50.05.13-261126-0004" /* deliver, c1, 10:00-11:00, due 17:00 */
#define A5 "H15.50.05.13-261126-0005" /* deliver, c1, 08:00-09:00, due 08:45 */
#define AX "H15.50.05.13-261126-0099" /* not booked */

/* 2026-11-26 at H:M, +07:00, in ms since the epoch. */
static inline int64_t T(int h, int m)
{
	return isotime_days_from_civil(2026, 11, 26) * 86400000LL + ((h * 60 + m) - 420) * 60000LL;
}

static struct store_device dev_a, dev_b, dev_c; /* a and b are c1's, c is c2's */

static inline void add_appt(struct store *s, const char *code, const char *kind,
                            const char *courier, int ws_h, int we_h, int due_h, int due_m)
{
	sqlite3_stmt *st = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(s->db, "INSERT INTO appointments(code, kind, citizen,"
	    " phone, address, lat, lon, window_start_ms, window_end_ms, offset_min, service_min,"
	    " office_id, due_ms, courier_id, rev, imported_ms) VALUES (?1, ?2, 'Nguyễn Văn An',"
	    " '0912345678', '12 Lý Thường Kiệt', 10.4748, 105.6412, ?3, ?4, 420, 10, 'o1', ?5, ?6,"
	    " 0, 0)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, T(ws_h, 0));
	sqlite3_bind_int64(st, 4, T(we_h, 0));
	sqlite3_bind_int64(st, 5, T(due_h, due_m));
	sqlite3_bind_text(st, 6, courier, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static inline void device(struct store *s, struct store_device *d, const char *id,
                          const char *courier)
{
	char sql[256];

	memset(d, 0, sizeof *d);
	snprintf(d->id, sizeof d->id, "%s", id);
	snprintf(d->courier, sizeof d->courier, "%s", courier);
	snprintf(d->office, sizeof d->office, "o1");
	snprintf(sql, sizeof sql, "INSERT INTO devices(id, courier_id, secret_hash, created_ms)"
	         " VALUES ('%s', '%s', x'00', 0)", id, courier);
	ck_assert_int_eq(store_exec(s, sql), DS_OK);
}

/* Offices, couriers, devices and appointments, the same in every store. */
static inline void world(struct store *s)
{
	ck_assert_int_eq(admin_office_add(s, "o1", "Cao Lãnh", 10.46, 105.63), DS_OK);
	ck_assert_int_eq(admin_courier_add(s, "c1", "Bình", "o1", 450, 1020), DS_OK);
	ck_assert_int_eq(admin_courier_add(s, "c2", "Châu", "o1", 450, 1020), DS_OK);
	add_appt(s, A1, "deliver", "c1", 8, 9, 17, 0);
	add_appt(s, A2, "collect", "c1", 9, 10, 12, 0);
	add_appt(s, A3, "deliver", "c2", 8, 9, 17, 0);
	add_appt(s, A4, "deliver", "c1", 10, 11, 17, 0);
	add_appt(s, A5, "deliver", "c1", 8, 9, 8, 45);
	device(s, &dev_a, "dev-a", "c1");
	device(s, &dev_b, "dev-b", "c1");
	device(s, &dev_c, "dev-c", "c2");
}

static inline void ingest_setup(void)
{
	setup();
	world(&S);
}

/* Event N (its UUID ends in N) with a live fix near the appointment. */
static inline struct model_event ev(int n, int64_t seq, enum model_event_type type,
                                    const char *appt, int64_t at_ms)
{
	struct model_event e;

	model_event_init(&e);
	snprintf(e.uuid, sizeof e.uuid, "00000000-0000-4000-8000-%012d", n);
	e.seq = seq;
	e.type = type;
	snprintf(e.appointment, sizeof e.appointment, "%s", appt);
	e.recorded_ms = at_ms;
	e.gps.source = MODEL_GPS_LIVE;
	e.gps.lat = 10.4748123;
	e.gps.lon = 105.6412001;
	e.gps.accuracy_m = 13.3;
	e.gps.mode = 3;
	e.gps.sats_used = 9;
	e.gps.fix_age_s = 0.412;
	if (type == MODEL_DELIVER) {
		snprintf(e.recipient, sizeof e.recipient, "Nguyễn Văn An");
		e.relation = MODEL_REL_SELF;
		snprintf(e.id_last4, sizeof e.id_last4, "1234");
	} else if (type == MODEL_COLLECT) {
		e.documents = 2;
		e.fee_vnd = 50000;
	} else if (type == MODEL_FAIL) {
		e.reason = MODEL_REASON_NOT_HOME;
	}
	return e;
}

/* One sync with the device's pull CURSOR: the batch in its own transaction, committed
 * unless refused. */
static inline enum ds_err sync_cursor(struct store *s, struct store_device *d,
                                      struct model_event *evs, size_t n, int64_t cursor,
                                      int64_t now_ms, struct ingest_result *r)
{
	struct wire_batch b = {.cursor = cursor, .count = n, .events = evs};
	struct ingest *in = ingest_new(s);
	struct ingest_prep *prep = NULL;
	enum ds_err rc;

	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(ingest_prepare(s->seal, s->key, &b, &prep), DS_OK);
	ck_assert_int_eq(store_begin(s), DS_OK);
	rc = ingest_batch(in, d, &b, prep, now_ms, r);
	ingest_prep_free(prep, n);
	if (rc == DS_OK && r->refusal == INGEST_OK) {
		ck_assert_int_eq(store_commit(s), DS_OK);
		d->last_seq = r->last_seq; /* what auth_check() reads back on the next request */
	} else {
		store_rollback(s);
	}
	ingest_free(in);
	return rc;
}

/* One sync from a device that has pulled nothing yet (cursor 0). */
static inline enum ds_err sync_on(struct store *s, struct store_device *d,
                                  struct model_event *evs, size_t n, int64_t now_ms,
                                  struct ingest_result *r)
{
	return sync_cursor(s, d, evs, n, 0, now_ms, r);
}

static inline void sync_ok(struct store_device *d, struct model_event *evs, size_t n,
                           struct ingest_result *r)
{
	ck_assert_int_eq(sync_on(&S, d, evs, n, T(18, 0), r), DS_OK);
	ck_assert_msg(r->refusal == INGEST_OK, "refused: %s", r->detail);
}

/* Every row of SQL, columns joined with '|' and rows with '\n', into OUT. */
static inline void dump_on(struct store *s, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	size_t o = 0;
	int i;

	out[0] = '\0';
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "|" : "",
			                      t ? (const char *)t : "NULL");
			ck_assert_uint_lt(o, len);
		}
		o += (size_t)snprintf(out + o, len - o, "\n");
		ck_assert_uint_lt(o, len);
	}
	sqlite3_finalize(st);
}

static inline unsigned flags_of(int n)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT server_flags FROM events WHERE uuid ="
	         " '00000000-0000-4000-8000-%012d'", n);
	return (unsigned)q_int(sql);
}

#endif
