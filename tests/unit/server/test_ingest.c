/* test_ingest.c: unit tests for server/ingest.c, the exactly-once core: new events stored,
 * re-sent ones acknowledged as duplicates with nothing changed, conflicts and refusals
 * rolling the whole batch back, sequence gaps, the appointment state machine with its late
 * and contradictory flags, determinism whatever order or batches the events arrive in, and
 * bodies sealed at rest. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isotime.h"
#include "server/admin.h"
#include "server/ingest.h"
#include "fixture.h"

#define A1 "H15.50.05.13-261126-0001" /* deliver, c1, 08:00-09:00, due 17:00 */
#define A2 "H15.50.05.13-261126-0002" /* collect, c1, 09:00-10:00, due 12:00 */
#define A3 "H15.50.05.13-261126-0003" /* deliver, c2, 08:00-09:00, due 17:00 */
#define A4 "H15.50.05.13-261126-0004" /* deliver, c1, 10:00-11:00, due 17:00 */
#define A5 "H15.50.05.13-261126-0005" /* deliver, c1, 08:00-09:00, due 08:45 */
#define AX "H15.50.05.13-261126-0099" /* not booked */

/* 2026-11-26 at H:M, +07:00, in ms since the epoch. */
static int64_t T(int h, int m)
{
	return isotime_days_from_civil(2026, 11, 26) * 86400000LL + ((h * 60 + m) - 420) * 60000LL;
}

static struct auth_device dev_a, dev_b, dev_c; /* a and b are c1's, c is c2's */

static void add_appt(struct store *s, const char *code, const char *kind, const char *courier,
                     int ws_h, int we_h, int due_h, int due_m)
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

static void device(struct store *s, struct auth_device *d, const char *id, const char *courier)
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
static void world(struct store *s)
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

static void ingest_setup(void)
{
	setup();
	world(&S);
}

/* Event N (its UUID ends in N) with a live fix near the appointment. */
static struct model_event ev(int n, int64_t seq, enum model_event_type type, const char *appt,
                             int64_t at_ms)
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

/* One sync: the batch in its own transaction, committed unless refused. */
static enum ds_err sync_on(struct store *s, struct auth_device *d, struct model_event *evs,
                           size_t n, int64_t now_ms, struct ingest_result *r)
{
	struct wire_batch b = {.cursor = 0, .count = n, .events = evs};
	struct ingest *in = ingest_new(s);
	struct ingest_prep *prep = NULL;
	enum ds_err rc;

	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(ingest_prepare(s->key, &b, &prep), DS_OK);
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

static void sync_ok(struct auth_device *d, struct model_event *evs, size_t n,
                    struct ingest_result *r)
{
	ck_assert_int_eq(sync_on(&S, d, evs, n, T(18, 0), r), DS_OK);
	ck_assert_msg(r->refusal == INGEST_OK, "refused: %s", r->detail);
}

/* Every row of SQL, columns joined with '|' and rows with '\n', into OUT. */
static void dump_on(struct store *s, const char *sql, char *out, size_t len)
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

#define APPTS_SQL "SELECT code, status, done_ms, fail_reason FROM appointments ORDER BY code"
#define FLAGS_SQL "SELECT uuid, server_flags FROM events ORDER BY uuid"

static unsigned flags_of(int n)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT server_flags FROM events WHERE uuid ="
	         " '00000000-0000-4000-8000-%012d'", n);
	return (unsigned)q_int(sql);
}

static void state_of(const char *code, char *status, int64_t *done_ms, char *reason)
{
	sqlite3_stmt *st = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(S.db, "SELECT status, done_ms, fail_reason FROM"
	                                    " appointments WHERE code = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 0));
	*done_ms = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 1);
	snprintf(reason, 32, "%s", sqlite3_column_type(st, 2) == SQLITE_NULL ? "NULL" :
	         (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
}

/* ---- exactly once ---- */

START_TEST(test_new_events_stored)
{
	struct model_event e[3] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
		ev(2, 2, MODEL_DELIVER, A1, T(8, 25)), ev(3, 3, MODEL_ARRIVE, A2, T(9, 10))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 3, &r);
	ck_assert_int_eq(r.stored, 3);
	ck_assert_int_eq(r.duplicates, 0);
	ck_assert_int_eq(r.last_seq, 3);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE device_id = 'dev-a'"
	                       " AND courier_id = 'c1' AND received_ms > 0"), 3);
	ck_assert_int_eq(q_int("SELECT last_seq FROM devices WHERE id = 'dev-a'"), 3);
	ck_assert_int_eq(q_int("SELECT last_seen_ms FROM devices WHERE id = 'dev-a'"), T(18, 0));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE type = 'deliver' AND seq = 2"
	                       " AND recorded_ms = (SELECT done_ms FROM appointments WHERE code = '"
	                       A1 "')"), 1);
	/* One new revision for the batch, on both touched appointments. */
	ck_assert_int_eq(q_int("SELECT value FROM counters WHERE name = 'rev'"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE rev = 1"), 2);
}
END_TEST

START_TEST(test_same_batch_again_is_all_duplicates_tables_unchanged)
{
	struct model_event e[3] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
		ev(2, 2, MODEL_DELIVER, A1, T(8, 25)), ev(3, 3, MODEL_FAIL, A2, T(9, 10))};
	static char a1[4096], a2[4096], e1[4096], e2[4096];
	struct ingest_result r;

	sync_ok(&dev_a, e, 3, &r);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", a1, sizeof a1);
	dump_on(&S, "SELECT id, uuid, seq, server_flags, received_ms, hex(body) FROM events"
	        " ORDER BY id", e1, sizeof e1);
	sync_ok(&dev_a, e, 3, &r);
	ck_assert_int_eq(r.stored, 0);
	ck_assert_int_eq(r.duplicates, 3);
	ck_assert_int_eq(r.last_seq, 3);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", a2, sizeof a2);
	dump_on(&S, "SELECT id, uuid, seq, server_flags, received_ms, hex(body) FROM events"
	        " ORDER BY id", e2, sizeof e2);
	ck_assert_str_eq(a1, a2);
	ck_assert_str_eq(e1, e2);
	ck_assert_int_eq(q_int("SELECT value FROM counters WHERE name = 'rev'"), 1);
	/* And a re-sent batch with one new event: the old ones are duplicates, the new one stored. */
	{
		struct model_event f[4] = {e[0], e[1], e[2], ev(4, 4, MODEL_ARRIVE, A4, T(10, 5))};
		sync_ok(&dev_a, f, 4, &r);
		ck_assert_int_eq(r.stored, 1);
		ck_assert_int_eq(r.duplicates, 3);
		ck_assert_int_eq(r.last_seq, 4);
	}
}
END_TEST

START_TEST(test_duplicate_within_one_batch_stored_once)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)),
		ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 2, &r);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_int_eq(r.duplicates, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
}
END_TEST

START_TEST(test_resent_with_other_json_formatting_is_duplicate)
{
	static const char one[] = "{\"v\":1,\"events\":[{\"uuid\":\"0b7c0a3e-1d2f-4c5b-9a8e-7f6d5c4b3a21\","
		"\"seq\":1,\"type\":\"arrive\",\"appointment\":\"" A1 "\","
		"\"recorded_at\":\"2026-11-26T01:20:00Z\",\"gps\":{\"source\":\"live\","
		"\"lat\":10.4748123,\"lon\":105.6412001,\"mode\":3,\"fix_age_s\":0.4}}]}";
	static const char two[] = "{ \"events\" : [ { \"gps\" : { \"fix_age_s\" : 0.400, \"mode\" : 3,"
		" \"lon\" : 105.64120010, \"lat\" : 10.47481230, \"source\" : \"live\" },"
		" \"recorded_at\" : \"2026-11-26T08:20:00.000+07:00\", \"appointment\" : \"" A1 "\","
		" \"type\" : \"arrive\", \"seq\" : 1, \"uuid\" : \"0b7c0a3e-1d2f-4c5b-9a8e-7f6d5c4b3a21\" } ],"
		" \"cursor\" : 0, \"v\" : 1 }";
	struct wire_batch b1, b2;
	struct ingest_result r;
	char err[WIRE_ERR_MAX];

	ck_assert_int_eq(wire_batch_decode(one, strlen(one), &b1, err), DS_OK);
	ck_assert_int_eq(wire_batch_decode(two, strlen(two), &b2, err), DS_OK);
	sync_ok(&dev_a, b1.events, b1.count, &r);
	ck_assert_int_eq(r.stored, 1);
	sync_ok(&dev_a, b2.events, b2.count, &r);
	ck_assert_int_eq(r.stored, 0);
	ck_assert_int_eq(r.duplicates, 1);
	wire_batch_free(&b1);
	wire_batch_free(&b2);
}
END_TEST

START_TEST(test_same_uuid_different_content_is_conflict)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct model_event f[2] = {ev(2, 2, MODEL_ARRIVE, A2, T(9, 5)), ev(1, 1, MODEL_ARRIVE, A1, T(8, 21))};
	static char before[4096], after[4096];
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", before, sizeof before);
	ck_assert_int_eq(sync_on(&S, &dev_a, f, 2, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_CONFLICT);
	ck_assert_ptr_nonnull(strstr(r.detail, e[0].uuid));
	/* The whole batch is refused: the new event before the conflict is not kept either. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(q_int("SELECT last_seq FROM devices WHERE id = 'dev-a'"), 1);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", after, sizeof after);
	ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(test_same_device_seq_other_uuid_is_conflict)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct model_event f[1] = {ev(2, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(sync_on(&S, &dev_a, f, 1, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_CONFLICT);
	ck_assert_ptr_nonnull(strstr(r.detail, "sequence"));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
	/* The same seq from another device is no conflict. */
	sync_ok(&dev_b, f, 1, &r);
	ck_assert_int_eq(r.stored, 1);
}
END_TEST

START_TEST(test_same_uuid_from_another_device_is_conflict)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(sync_on(&S, &dev_b, e, 1, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_CONFLICT);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
}
END_TEST

START_TEST(test_another_couriers_appointment_is_forbidden)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)), ev(2, 2, MODEL_ARRIVE, A3, T(8, 30))};
	struct ingest_result r;

	ck_assert_int_eq(sync_on(&S, &dev_a, e, 2, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(r.detail, A3));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE status <> 'booked'"), 0);
}
END_TEST

START_TEST(test_moved_appointment_still_takes_old_couriers_event)
{
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A3, T(8, 30))};
	struct ingest_result r;

	/* A3 was c1's and was moved to c2; c1's device recorded the delivery before it heard. */
	ck_assert_int_eq(store_exec(&S, "INSERT INTO appointment_moves VALUES ('c1', '" A3 "', 1)"), DS_OK);
	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE code = '" A3 "'"
	                       " AND status = 'delivered'"), 1);
}
END_TEST

START_TEST(test_unknown_appointment_refused)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)), ev(2, 2, MODEL_ARRIVE, AX, T(8, 30))};
	struct ingest_result r;

	ck_assert_int_eq(sync_on(&S, &dev_a, e, 2, T(18, 0), &r), DS_OK);
	ck_assert_int_eq(r.refusal, INGEST_UNKNOWN_APPT);
	ck_assert_ptr_nonnull(strstr(r.detail, AX));
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
}
END_TEST

START_TEST(test_seq_gap_flagged)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20)), ev(3, 3, MODEL_ARRIVE, A2, T(9, 5))};
	struct model_event f[1] = {ev(4, 4, MODEL_ARRIVE, A4, T(10, 5))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 2, &r);
	ck_assert_int_eq(r.last_seq, 3);
	ck_assert_uint_eq(flags_of(1) & INGEST_FLAG_SEQ_GAP, 0);
	ck_assert_uint_eq(flags_of(3) & INGEST_FLAG_SEQ_GAP, INGEST_FLAG_SEQ_GAP);
	sync_ok(&dev_a, f, 1, &r);
	ck_assert_uint_eq(flags_of(4) & INGEST_FLAG_SEQ_GAP, 0);
	/* Re-deriving the appointment keeps the flag: it is about the device, not the order. */
	ck_assert_uint_eq(flags_of(3), INGEST_FLAG_SEQ_GAP);
}
END_TEST

/* ---- appointment state ---- */

START_TEST(test_arrive_sets_arrived)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 1, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "arrived");
	ck_assert_int_eq(done, 0);
	ck_assert_uint_eq(flags_of(1), 0);
}
END_TEST

START_TEST(test_collect_on_collect_kind_sets_collected_and_done)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A2, T(9, 20)), ev(2, 2, MODEL_COLLECT, A2, T(9, 25))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 2, &r);
	state_of(A2, status, &done, reason);
	ck_assert_str_eq(status, "collected");
	ck_assert_int_eq(done, T(9, 25));
	ck_assert_str_eq(reason, "NULL");
	ck_assert_uint_eq(flags_of(2), 0);
}
END_TEST

START_TEST(test_deliver_on_collect_kind_is_contradictory_state_unchanged)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A2, T(9, 20)), ev(2, 2, MODEL_DELIVER, A2, T(9, 25))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 2, &r);
	ck_assert_int_eq(r.stored, 2); /* kept and flagged, never dropped */
	state_of(A2, status, &done, reason);
	ck_assert_str_eq(status, "arrived");
	ck_assert_int_eq(done, 0);
	ck_assert_uint_eq(flags_of(2), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(1), 0);
}
END_TEST

START_TEST(test_act_after_final_is_contradictory)
{
	struct model_event e[3] = {ev(1, 1, MODEL_DELIVER, A1, T(8, 20)), ev(2, 2, MODEL_FAIL, A1, T(8, 30)),
		ev(3, 3, MODEL_DELIVER, A1, T(8, 40))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 3, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(8, 20));
	ck_assert_str_eq(reason, "NULL");
	ck_assert_uint_eq(flags_of(1), 0);
	ck_assert_uint_eq(flags_of(2), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(3), INGEST_FLAG_CONTRADICTORY);
}
END_TEST

START_TEST(test_act_after_window_end_is_late_window)
{
	struct model_event e[2] = {ev(1, 1, MODEL_ARRIVE, A1, T(9, 20)), ev(2, 2, MODEL_DELIVER, A1, T(9, 30))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, e, 2, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "delivered"); /* late, still delivered */
	ck_assert_int_eq(done, T(9, 30));
	ck_assert_uint_eq(flags_of(2), INGEST_FLAG_LATE_WINDOW);
	ck_assert_uint_eq(flags_of(1), 0); /* arriving late is not an act */
}
END_TEST

START_TEST(test_act_after_due_is_late_due)
{
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A5, T(8, 50))};
	struct model_event f[1] = {ev(2, 2, MODEL_FAIL, A1, T(17, 30))};
	struct ingest_result r;

	sync_ok(&dev_a, e, 1, &r);
	ck_assert_uint_eq(flags_of(1), INGEST_FLAG_LATE_DUE); /* within the window, after due */
	sync_ok(&dev_a, f, 1, &r);
	ck_assert_uint_eq(flags_of(2), INGEST_FLAG_LATE_DUE | INGEST_FLAG_LATE_WINDOW);
}
END_TEST

START_TEST(test_fail_sets_failed_with_reason)
{
	struct model_event e[1] = {ev(1, 1, MODEL_FAIL, A1, T(8, 20))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	e[0].reason = MODEL_REASON_WRONG_ADDRESS;
	sync_ok(&dev_a, e, 1, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "failed");
	ck_assert_int_eq(done, 0);
	ck_assert_str_eq(reason, "wrong-address");
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE reason = 'wrong-address'"), 1);
}
END_TEST

START_TEST(test_fail_then_deliver_is_delivered)
{
	struct model_event e[1] = {ev(1, 1, MODEL_FAIL, A1, T(8, 20))};
	struct model_event f[1] = {ev(2, 2, MODEL_DELIVER, A1, T(8, 50))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done, rev1;

	sync_ok(&dev_a, e, 1, &r);
	rev1 = q_int("SELECT rev FROM appointments WHERE code = '" A1 "'");
	sync_ok(&dev_a, f, 1, &r);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(8, 50));
	ck_assert_str_eq(reason, "NULL");
	ck_assert_uint_eq(flags_of(2), 0);
	/* The change reaches devices: the appointment's rev moved on. */
	ck_assert_int_gt(q_int("SELECT rev FROM appointments WHERE code = '" A1 "'"), rev1);
}
END_TEST

/* ---- determinism ---- */

/* The events of two devices of c1; several recorded out of order and arriving late. */
static void det_events(struct model_event *a, struct model_event *b)
{
	a[0] = ev(11, 1, MODEL_ARRIVE, A1, T(8, 20));
	a[1] = ev(12, 2, MODEL_DELIVER, A1, T(8, 25));   /* after b's earlier delivery: contradictory */
	a[2] = ev(13, 3, MODEL_COLLECT, A2, T(9, 40));
	a[3] = ev(14, 4, MODEL_ARRIVE, A4, T(11, 30));   /* after the final act */
	a[4] = ev(15, 5, MODEL_FAIL, A5, T(8, 30));
	b[0] = ev(21, 1, MODEL_FAIL, A1, T(8, 10));
	b[1] = ev(22, 2, MODEL_DELIVER, A1, T(8, 15));
	b[2] = ev(23, 3, MODEL_DELIVER, A2, T(9, 30));   /* wrong kind */
	b[3] = ev(24, 4, MODEL_FAIL, A4, T(11, 20));     /* same ms as the next: uuid decides */
	b[4] = ev(25, 5, MODEL_DELIVER, A4, T(11, 20));
	b[5] = ev(26, 6, MODEL_DELIVER, A5, T(8, 20));   /* recorded before a's fail, sent later */
	b[2].recorded_ms = T(9, 30);
}

struct det_step { int dev; int from, n; };

static void det_run(struct store *s, const struct det_step *steps, int nsteps, char *appts,
                    char *flags, size_t len)
{
	struct model_event a[5], b[6];
	struct auth_device da, db;
	struct ingest_result r;
	int i;

	det_events(a, b);
	da = dev_a;
	db = dev_b;
	da.last_seq = db.last_seq = 0;
	for (i = 0; i < nsteps; i++) {
		struct model_event *e = steps[i].dev == 0 ? a : b;
		ck_assert_int_eq(sync_on(s, steps[i].dev == 0 ? &da : &db, e + steps[i].from, (size_t)steps[i].n,
		                         T(18, i), &r), DS_OK);
		ck_assert_msg(r.refusal == INGEST_OK, "step %d refused: %s", i, r.detail);
		ck_assert_int_eq(r.stored, steps[i].n);
	}
	dump_on(s, APPTS_SQL, appts, len);
	dump_on(s, FLAGS_SQL, flags, len);
}

START_TEST(test_determinism_same_events_any_order_any_batches)
{
	static const struct det_step one[] = {{0, 0, 5}, {1, 0, 6}};
	static const struct det_step two[] = {{1, 0, 2}, {0, 0, 1}, {1, 2, 1}, {0, 1, 3}, {1, 3, 3}, {0, 4, 1}};
	static const struct det_step three[] = {{1, 0, 6}, {0, 0, 5}};
	static const struct det_step four[] = {{1, 0, 1}, {1, 1, 1}, {1, 2, 1}, {1, 3, 1}, {1, 4, 1},
		{1, 5, 1}, {0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {0, 4, 1}};
	const struct { const struct det_step *s; int n; } orders[] = {{one, 2}, {two, 6}, {three, 2}, {four, 11}};
	static char appts[4][4096], flags[4][4096];
	struct store s2;
	char dir2[768];
	int k;
	char status[16], reason[32];
	int64_t done;

	for (k = 0; k < 4; k++) {
		make_tdir(dir2, sizeof dir2);
		ck_assert_int_eq(store_open(&s2, dir2, 1), DS_OK);
		world(&s2);
		det_run(&s2, orders[k].s, orders[k].n, appts[k], flags[k], sizeof appts[k]);
		store_close(&s2);
		rm_dir(dir2);
		if (k > 0) {
			ck_assert_msg(strcmp(appts[0], appts[k]) == 0, "order %d:\n%s\nvs\n%s", k, appts[0], appts[k]);
			ck_assert_msg(strcmp(flags[0], flags[k]) == 0, "order %d:\n%s\nvs\n%s", k, flags[0], flags[k]);
		}
	}
	/* And the state is the one the rules give (checked in the fixture's store, order two). */
	det_run(&S, two, 6, appts[0], flags[0], sizeof appts[0]);
	state_of(A1, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(8, 15));
	ck_assert_str_eq(reason, "NULL");
	ck_assert_uint_eq(flags_of(12), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(21), 0);
	state_of(A2, status, &done, reason);
	ck_assert_str_eq(status, "collected");
	ck_assert_int_eq(done, T(9, 40));
	ck_assert_uint_eq(flags_of(23), INGEST_FLAG_CONTRADICTORY);
	state_of(A4, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(11, 20));
	ck_assert_uint_eq(flags_of(24), INGEST_FLAG_LATE_WINDOW);
	ck_assert_uint_eq(flags_of(25), INGEST_FLAG_LATE_WINDOW);
	ck_assert_uint_eq(flags_of(14), INGEST_FLAG_CONTRADICTORY);
	state_of(A5, status, &done, reason);
	ck_assert_str_eq(status, "delivered");
	ck_assert_int_eq(done, T(8, 20));
	ck_assert_uint_eq(flags_of(15), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(26), 0);
}
END_TEST

START_TEST(test_late_arriving_earlier_event_clears_old_flags)
{
	/* Device a's delivery arrives first and is final; b's earlier delivery arrives later:
	 * a's becomes contradictory, and when the order is undone nothing stale remains. */
	struct model_event a[1] = {ev(1, 1, MODEL_DELIVER, A1, T(8, 40))};
	struct model_event b[1] = {ev(2, 1, MODEL_DELIVER, A1, T(8, 30))};
	struct ingest_result r;
	char status[16], reason[32];
	int64_t done;

	sync_ok(&dev_a, a, 1, &r);
	ck_assert_uint_eq(flags_of(1), 0);
	sync_ok(&dev_b, b, 1, &r);
	ck_assert_uint_eq(flags_of(1), INGEST_FLAG_CONTRADICTORY);
	ck_assert_uint_eq(flags_of(2), 0);
	state_of(A1, status, &done, reason);
	ck_assert_int_eq(done, T(8, 30));
}
END_TEST

/* Sends device a's events with the given seqs, one batch per group (0 ends a group, -1
 * the list), into a fresh store; OUT gets the uuid|server_flags dump. */
static void gap_run(const int *seqs, char *out, size_t len)
{
	struct model_event e[8];
	struct auth_device d;
	struct ingest_result r;
	struct store s2;
	char dir2[768];
	size_t n = 0;
	int i;

	make_tdir(dir2, sizeof dir2);
	ck_assert_int_eq(store_open(&s2, dir2, 1), DS_OK);
	world(&s2);
	d = dev_a;
	d.last_seq = 0;
	for (i = 0; seqs[i] >= 0; i++) {
		if (seqs[i] > 0) {
			e[n] = ev(seqs[i], seqs[i], MODEL_ARRIVE, A1, T(8, seqs[i]));
			n++;
			continue;
		}
		ck_assert_int_eq(sync_on(&s2, &d, e, n, T(18, i), &r), DS_OK);
		ck_assert_msg(r.refusal == INGEST_OK, "%s", r.detail);
		ck_assert_int_eq(r.stored, (int)n);
		n = 0;
	}
	dump_on(&s2, FLAGS_SQL, out, len);
	store_close(&s2);
	rm_dir(dir2);
}

START_TEST(test_seq_gap_flags_same_whatever_order_batches_arrive)
{
	/* Regression: a batch arriving after a later one had all its events flagged seq_gap
	 * (even seq 1), and the later batch's first event kept its flag once the gap was
	 * filled, so the flags depended on arrival order. */
	static const int in_order[] = {1, 2, 0, 3, 4, 0, -1};
	static const int swapped[] = {3, 4, 0, 1, 2, 0, -1};
	static const int scattered[] = {2, 0, 4, 0, 1, 0, 3, 0, -1};
	static const int reversed_in_batch[] = {4, 3, 2, 1, 0, -1};
	static const int real_gap[] = {1, 2, 0, 4, 0, -1};
	static const int real_gap_late[] = {4, 0, 1, 2, 0, -1};
	static char a[4096], b[4096];

	gap_run(in_order, a, sizeof a);
	ck_assert_ptr_null(strstr(a, "|256"));
	gap_run(swapped, b, sizeof b);
	ck_assert_str_eq(a, b);
	gap_run(scattered, b, sizeof b);
	ck_assert_str_eq(a, b);
	gap_run(reversed_in_batch, b, sizeof b);
	ck_assert_str_eq(a, b);
	/* A gap that is still open stays flagged, on the event after it, in either order. */
	gap_run(real_gap, a, sizeof a);
	ck_assert_ptr_nonnull(strstr(a, "000000000004|256\n"));
	ck_assert_ptr_nonnull(strstr(a, "000000000001|0\n"));
	ck_assert_ptr_nonnull(strstr(a, "000000000002|0\n"));
	gap_run(real_gap_late, b, sizeof b);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_derive_is_idempotent)
{
	struct model_event e[3] = {ev(1, 1, MODEL_FAIL, A1, T(8, 20)), ev(2, 2, MODEL_DELIVER, A1, T(9, 20)),
		ev(3, 3, MODEL_DELIVER, A2, T(9, 25))};
	static char a1[4096], a2[4096], f1[4096], f2[4096];
	struct ingest_result r;
	struct ingest *in;

	sync_ok(&dev_a, e, 3, &r);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", a1, sizeof a1);
	dump_on(&S, FLAGS_SQL, f1, sizeof f1);
	in = ingest_new(&S);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(store_begin(&S), DS_OK);
	ck_assert_int_eq(ingest_derive(in, A1), DS_OK);
	ck_assert_int_eq(ingest_derive(in, A2), DS_OK);
	ck_assert_int_eq(ingest_derive(in, A3), DS_OK); /* no events: stays booked */
	ck_assert_int_eq(store_commit(&S), DS_OK);
	ingest_free(in);
	dump_on(&S, "SELECT * FROM appointments ORDER BY code", a2, sizeof a2);
	dump_on(&S, FLAGS_SQL, f2, sizeof f2);
	ck_assert_str_eq(a1, a2); /* not even rev moves when nothing changed */
	ck_assert_str_eq(f1, f2);
}
END_TEST

/* ---- sealed bodies ---- */

static int blob_has(const unsigned char *b, size_t n, const char *needle)
{
	size_t i, len = strlen(needle);

	for (i = 0; i + len <= n; i++)
		if (memcmp(b + i, needle, len) == 0)
			return 1;
	return 0;
}

START_TEST(test_bodies_sealed_and_open_with_uuid_to_canonical_text)
{
	struct model_event e[1] = {ev(1, 1, MODEL_DELIVER, A1, T(8, 20))};
	struct ingest_result r;
	sqlite3_stmt *st = NULL;
	char *canon = wire_event_canonical(&e[0]);
	char plain[8192];
	const unsigned char *body;
	size_t n;

	ck_assert_ptr_nonnull(canon);
	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(sqlite3_prepare_v2(S.db, "SELECT body, content_hash FROM events", -1, &st, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	body = sqlite3_column_blob(st, 0);
	n = (size_t)sqlite3_column_bytes(st, 0);
	ck_assert_uint_eq(n, strlen(canon) + CRYPTO_SEAL_OVERHEAD);
	ck_assert(!blob_has(body, n, "10.4748"));
	ck_assert(!blob_has(body, n, "105.64"));
	ck_assert(!blob_has(body, n, "Nguy"));
	ck_assert(!blob_has(body, n, "1234"));
	ck_assert(!blob_has(body, n, "\"lat\""));
	ck_assert_int_eq(crypto_open(S.key, e[0].uuid, strlen(e[0].uuid), body, n, plain), DS_OK);
	plain[n - CRYPTO_SEAL_OVERHEAD] = '\0';
	ck_assert_str_eq(plain, canon);
	/* Bound to its row: another UUID as associated data does not open it. */
	ck_assert_int_eq(crypto_open(S.key, "00000000-0000-4000-8000-000000000002", 36, body, n, plain),
	                 DS_ECRYPTO);
	/* content_hash is the SHA-256 of the canonical text. */
	{
		uint8_t h[CRYPTO_SHA256_LEN];
		crypto_sha256(canon, strlen(canon), h);
		ck_assert_int_eq(sqlite3_column_bytes(st, 1), CRYPTO_SHA256_LEN);
		ck_assert_mem_eq(sqlite3_column_blob(st, 1), h, CRYPTO_SHA256_LEN);
	}
	sqlite3_finalize(st);
	free(canon);
}
END_TEST

START_TEST(test_flag_names)
{
	json_t *a = json_array();
	char *s;

	ingest_flag_names(MODEL_FLAG_FAR | INGEST_FLAG_SEQ_GAP | INGEST_FLAG_LATE_WINDOW |
	                  INGEST_FLAG_LATE_DUE | INGEST_FLAG_CONTRADICTORY, a);
	s = json_dumps(a, JSON_COMPACT);
	ck_assert_str_eq(s, "[\"far\",\"seq_gap\",\"late_window\",\"late_due\",\"contradictory\"]");
	free(s);
	json_decref(a);
}
END_TEST

/* ---- failure injection: nothing lost, nothing doubled ---- */

#define BIG_N 200

/* BIG_N failed visits with long notes on A1: far more than one database page. */
static struct model_event *big_batch(void)
{
	struct model_event *e = calloc(BIG_N, sizeof *e);
	int i;

	ck_assert_ptr_nonnull(e);
	for (i = 0; i < BIG_N; i++) {
		e[i] = ev(100 + i, i + 1, MODEL_FAIL, A1, T(8, 0) + i * 1000);
		memset(e[i].note, 'x', 400);
		e[i].note[400] = '\0';
	}
	return e;
}

START_TEST(test_disk_full_mid_batch_keeps_nothing_then_retry_stores_once)
{
	struct model_event *e = big_batch();
	struct ingest_result r;
	char sql[96];

	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)q_int("PRAGMA page_count"));
	ck_assert_int_eq(store_exec(&S, sql), DS_OK);
	ck_assert_int_eq(sync_on(&S, &dev_a, e, BIG_N, T(18, 0), &r), DS_EFULL);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(q_int("SELECT last_seq FROM devices WHERE id = 'dev-a'"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE status <> 'booked'"), 0);
	ck_assert_int_eq(dev_a.last_seq, 0);
	ck_assert_int_eq(store_exec(&S, "PRAGMA max_page_count = 1073741823"), DS_OK);
	sync_ok(&dev_a, e, BIG_N, &r);
	ck_assert_int_eq(r.stored, BIG_N);
	ck_assert_int_eq(r.duplicates, 0);
	sync_ok(&dev_a, e, BIG_N, &r);
	ck_assert_int_eq(r.stored, 0);
	ck_assert_int_eq(r.duplicates, BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE server_flags & 256"), 0);
	free(e);
}
END_TEST

START_TEST(test_busy_database_refuses_batch_then_retry_stores)
{
	struct model_event e[1] = {ev(1, 1, MODEL_ARRIVE, A1, T(8, 20))};
	struct ingest_result r;
	struct store other;

	/* Another writer (an import, say) holds the write lock. */
	ck_assert_int_eq(store_open(&other, tdir, 0), DS_OK);
	ck_assert_int_eq(store_begin(&other), DS_OK);
	sqlite3_busy_timeout(S.db, 0);
	ck_assert_int_eq(store_begin(&S), DS_EBUSY);
	store_rollback(&other);
	store_close(&other);
	sync_ok(&dev_a, e, 1, &r);
	ck_assert_int_eq(r.stored, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 1);
}
END_TEST

/* A child process ingests the batch and dies: before its commit (COMMITTED 0) or right
 * after it, before any reply could reach the device (COMMITTED 1). */
static void die_while_ingesting(struct model_event *e, size_t n, int committed)
{
	pid_t pid = fork();
	int status = 0;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store s;
		struct wire_batch b = {.cursor = 0, .count = n, .events = e};
		struct ingest_prep *prep = NULL;
		struct ingest *in;
		struct ingest_result r;

		if (store_open(&s, tdir, 0) != DS_OK || (in = ingest_new(&s)) == NULL ||
		    ingest_prepare(s.key, &b, &prep) != DS_OK || store_begin(&s) != DS_OK ||
		    ingest_batch(in, &dev_a, &b, prep, T(18, 0), &r) != DS_OK || r.refusal != INGEST_OK)
			_exit(2);
		if (committed && store_commit(&s) != DS_OK)
			_exit(3);
		_exit(0); /* killed: nothing closed, nothing rolled back */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(test_killed_before_commit_loses_nothing_on_resend)
{
	struct model_event *e = big_batch();
	struct ingest_result r;

	die_while_ingesting(e, BIG_N, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE status <> 'booked'"), 0);
	sync_ok(&dev_a, e, BIG_N, &r); /* the device never got a reply: it sends again */
	ck_assert_int_eq(r.stored, BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), BIG_N);
	free(e);
}
END_TEST

START_TEST(test_killed_after_commit_resend_is_all_duplicates)
{
	struct model_event *e = big_batch();
	struct ingest_result r;

	die_while_ingesting(e, BIG_N, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), BIG_N);
	ck_assert_int_eq(q_int("SELECT last_seq FROM devices WHERE id = 'dev-a'"), BIG_N);
	dev_a.last_seq = BIG_N; /* what auth_check() reads */
	sync_ok(&dev_a, e, BIG_N, &r);
	ck_assert_int_eq(r.stored, 0);
	ck_assert_int_eq(r.duplicates, BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), BIG_N);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE code = '" A1 "'"
	                       " AND status = 'failed' AND fail_reason = 'not-home'"), 1);
	free(e);
}
END_TEST

static Suite *ingest_suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *once = tcase_create("exactly_once"), *state = tcase_create("state");
	TCase *det = tcase_create("determinism"), *seal = tcase_create("sealed");
	TCase *fail = tcase_create("failure");

	tcase_add_checked_fixture(once, ingest_setup, teardown);
	tcase_add_unchecked_fixture(once, suite_setup, suite_teardown);
	tcase_add_test(once, test_new_events_stored);
	tcase_add_test(once, test_same_batch_again_is_all_duplicates_tables_unchanged);
	tcase_add_test(once, test_duplicate_within_one_batch_stored_once);
	tcase_add_test(once, test_resent_with_other_json_formatting_is_duplicate);
	tcase_add_test(once, test_same_uuid_different_content_is_conflict);
	tcase_add_test(once, test_same_device_seq_other_uuid_is_conflict);
	tcase_add_test(once, test_same_uuid_from_another_device_is_conflict);
	tcase_add_test(once, test_another_couriers_appointment_is_forbidden);
	tcase_add_test(once, test_moved_appointment_still_takes_old_couriers_event);
	tcase_add_test(once, test_unknown_appointment_refused);
	tcase_add_test(once, test_seq_gap_flagged);
	suite_add_tcase(s, once);
	tcase_add_checked_fixture(state, ingest_setup, teardown);
	tcase_add_unchecked_fixture(state, suite_setup, suite_teardown);
	tcase_add_test(state, test_arrive_sets_arrived);
	tcase_add_test(state, test_collect_on_collect_kind_sets_collected_and_done);
	tcase_add_test(state, test_deliver_on_collect_kind_is_contradictory_state_unchanged);
	tcase_add_test(state, test_act_after_final_is_contradictory);
	tcase_add_test(state, test_act_after_window_end_is_late_window);
	tcase_add_test(state, test_act_after_due_is_late_due);
	tcase_add_test(state, test_fail_sets_failed_with_reason);
	tcase_add_test(state, test_fail_then_deliver_is_delivered);
	suite_add_tcase(s, state);
	tcase_add_checked_fixture(det, ingest_setup, teardown);
	tcase_add_unchecked_fixture(det, suite_setup, suite_teardown);
	tcase_add_test(det, test_determinism_same_events_any_order_any_batches);
	tcase_add_test(det, test_late_arriving_earlier_event_clears_old_flags);
	tcase_add_test(det, test_derive_is_idempotent);
	tcase_add_test(det, test_seq_gap_flags_same_whatever_order_batches_arrive);
	suite_add_tcase(s, det);
	tcase_add_checked_fixture(seal, ingest_setup, teardown);
	tcase_add_unchecked_fixture(seal, suite_setup, suite_teardown);
	tcase_add_test(seal, test_bodies_sealed_and_open_with_uuid_to_canonical_text);
	tcase_add_test(seal, test_flag_names);
	suite_add_tcase(s, seal);
	tcase_add_checked_fixture(fail, ingest_setup, teardown);
	tcase_add_unchecked_fixture(fail, suite_setup, suite_teardown);
	tcase_set_timeout(fail, 30);
	tcase_add_test(fail, test_disk_full_mid_batch_keeps_nothing_then_retry_stores_once);
	tcase_add_test(fail, test_busy_database_refuses_batch_then_retry_stores);
	tcase_add_test(fail, test_killed_before_commit_loses_nothing_on_resend);
	tcase_add_test(fail, test_killed_after_commit_resend_is_all_duplicates);
	suite_add_tcase(s, fail);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ingest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
