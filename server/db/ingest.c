/* ingest.c: the exactly-once core. An event's identity is its UUID (and the pair device +
 * seq); its content is the SHA-256 of its canonical encoding, so a re-sent batch matches
 * byte for byte whatever JSON formatting the device used. Bodies are sealed with the data key
 * before they touch the disk because they hold a citizen's position at hand-over. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "server/db/seal.h"
#include "server/db/ingest.h"

#define INGEST_TOUCHED_MAX WIRE_MAX_BATCH
#define INGEST_BODY_MAX 8192 /* canonical event text; events are well under 2 KiB */

enum {
	ST_BY_UUID, ST_BY_SEQ, ST_APPT, ST_MOVED, ST_INSERT, ST_MOVE_ACKS, ST_DEVICE, ST_EVENTS_OF,
	ST_SET_FLAGS, ST_SET_STATE, ST_CLEAR_GAP, ST_COUNT
};

/* Flags fixed when an event is stored, from what only that moment knows (the device's
 * sequence so far, who owned the appointment, the server's clock); a derivation keeps them. */
#define INGEST_FLAGS_AT_STORE (INGEST_FLAG_SEQ_GAP | INGEST_FLAG_MOVED | INGEST_FLAG_CLOCK_AHEAD)

static const char *const ingest_sql[ST_COUNT] = {
	[ST_BY_UUID] = "SELECT content_hash, device_id FROM events WHERE uuid = ?",
	[ST_BY_SEQ] = "SELECT uuid FROM events WHERE device_id = ? AND seq = ?",
	[ST_APPT] = "SELECT courier_id, kind, window_end_ms, due_ms, status, done_ms, fail_reason,"
	            " last_event_ms, last_event_uuid FROM appointments WHERE code = ?1",
	/* The move of CODE away from the courier, and when it reached the device, if it has. */
	[ST_MOVED] = "SELECT k.acked_ms FROM appointment_moves m LEFT JOIN move_acks k"
	             " ON k.device_id = ?1 AND k.code = m.code AND k.rev = m.rev"
	             " WHERE m.courier_id = ?2 AND m.code = ?3",
	[ST_INSERT] = "INSERT INTO events(uuid, device_id, seq, courier_id, appointment, type,"
	              " reason, recorded_ms, received_ms, content_hash, body, server_flags)"
	              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
	/* The moves a device's cursor passes for the first time have reached it now. The
	 * cursor is the device's word: one past the server's counter acknowledges nothing ahead. */
	[ST_MOVE_ACKS] = "INSERT INTO move_acks(device_id, code, rev, acked_ms)"
	                 " SELECT ?1, m.code, m.rev, ?4 FROM appointment_moves m"
	                 " WHERE m.courier_id = ?2"
	                 " AND m.rev > (SELECT pulled_rev FROM devices WHERE id = ?1)"
	                 " AND m.rev <= min(?3, (SELECT value FROM counters WHERE name = 'rev'))"
	                 " ON CONFLICT(device_id, code) DO UPDATE SET rev = excluded.rev,"
	                 " acked_ms = excluded.acked_ms WHERE excluded.rev > move_acks.rev",
	[ST_DEVICE] = "UPDATE devices SET last_seq = max(last_seq, ?1), last_seen_ms = ?2,"
	              " pulled_rev = max(pulled_rev, min(?4, (SELECT value FROM counters"
	              " WHERE name = 'rev'))) WHERE id = ?3",
	[ST_EVENTS_OF] = "SELECT e.id, e.type, e.recorded_ms, e.reason, e.server_flags, a.kind,"
	                 " a.window_end_ms, a.due_ms, e.uuid FROM events e JOIN appointments a"
	                 " ON a.code = e.appointment WHERE e.appointment = ?"
	                 " ORDER BY e.recorded_ms, e.uuid",
	[ST_SET_FLAGS] = "UPDATE events SET server_flags = ? WHERE id = ?",
	[ST_CLEAR_GAP] = ("UPDATE events SET server_flags = server_flags & ~?3"
	                  " WHERE device_id = ?1 AND seq = ?2"),
	/* A new revision (what devices pull by) only when the state itself changed; the
	 * latest event's key is kept either way. SET expressions see the row's old values. */
	[ST_SET_STATE] = "UPDATE appointments SET status = ?2, done_ms = ?3, fail_reason = ?4,"
	                 " last_event_ms = ?5, last_event_uuid = ?6,"
	                 " rev = CASE WHEN status IS NOT ?2 OR done_ms IS NOT ?3"
	                 " OR fail_reason IS NOT ?4 THEN (SELECT value FROM counters"
	                 " WHERE name = 'rev') ELSE rev END"
	                 " WHERE code = ?1 AND (status IS NOT ?2 OR done_ms IS NOT ?3"
	                 " OR fail_reason IS NOT ?4 OR last_event_ms IS NOT ?5"
	                 " OR last_event_uuid IS NOT ?6)",
};

/* The state machine of one appointment, applied to its events in order. */
struct ingest_state {
	const char *kind;       /* "collect" or "deliver" */
	int64_t window_end_ms, due_ms;
	const char *status;     /* booked, arrived, failed, collected, delivered */
	int64_t done_ms;        /* 0 until a final act */
	char reason[32];
};

static unsigned ingest_apply(struct ingest_state *a, const char *type, int64_t at_ms,
                             const char *reason)
{
	unsigned flags = 0;
	int final = a->done_ms != 0;

	if (at_ms > a->window_end_ms && strcmp(type, "arrive") != 0)
		flags |= INGEST_FLAG_LATE_WINDOW;
	if (at_ms > a->due_ms && strcmp(type, "arrive") != 0)
		flags |= INGEST_FLAG_LATE_DUE;
	if (final || ((strcmp(type, "collect") == 0 || strcmp(type, "deliver") == 0) &&
	              strcmp(type, a->kind) != 0))
		return flags | INGEST_FLAG_CONTRADICTORY;
	if (strcmp(type, "arrive") == 0) {
		a->status = "arrived";
	} else if (strcmp(type, "fail") == 0) {
		a->status = "failed";
		snprintf(a->reason, sizeof a->reason, "%s", reason ? reason : "other");
	} else {
		a->status = strcmp(type, "collect") == 0 ? "collected" : "delivered";
		a->done_ms = at_ms;
		a->reason[0] = '\0';
	}
	return flags;
}


/* One appointment touched by the batch. Events later than every stored one (the usual case:
 * a device sends its acts in order) are applied to the stored state at once; any other
 * order marks the appointment for a full derivation at the end of the batch. Both give the
 * same state and flags (ingest_derive is the reference). */
struct ingest_appt {
	const char *code;                /* borrowed from the batch */
	char courier[MODEL_ID_MAX + 1];
	char kind[16];
	struct ingest_state st;
	int64_t last_ms;                 /* latest stored event, by (recorded_ms, uuid) */
	char last_uuid[MODEL_UUID_LEN + 1];
	int full, dirty;
	int moved;                       /* moved away from the device's courier */
	int64_t reached_ms;              /* when that move reached the device; INT64_MAX: not yet */
};

struct ingest {
	struct store *s;
	sqlite3_stmt *st[ST_COUNT];
	struct ingest_appt appts[INGEST_TOUCHED_MAX]; /* this batch's appointments */
	size_t n_appts;
};

struct ingest *ingest_new(struct store *s)
{
	struct ingest *in = calloc(1, sizeof *in);
	int i;

	if (in == NULL)
		return NULL;
	in->s = s;
	for (i = 0; i < ST_COUNT; i++) {
		if (store_prepare(s, ingest_sql[i], &in->st[i]) != DS_OK) {
			ingest_free(in);
			return NULL;
		}
	}
	return in;
}

void ingest_free(struct ingest *in)
{
	int i;

	if (in == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(in->st[i]);
	free(in);
}

void ingest_prep_free(struct ingest_prep *prep, size_t n)
{
	size_t i;

	if (prep == NULL)
		return;
	for (i = 0; i < n; i++)
		free(prep[i].sealed);
	free(prep);
}

enum ds_err ingest_prepare(const struct seal *v, const uint8_t key[SEAL_KEY_LEN],
                           const struct wire_batch *b, struct ingest_prep **out)
{
	struct ingest_prep *p = calloc(b->count ? b->count : 1, sizeof *p);
	struct seal_batch *sealer = seal_batch_new(v, key);
	enum ds_err rc = DS_ENOMEM;
	size_t i, len;
	char *canon;

	if (p == NULL || sealer == NULL)
		goto fail;
	for (i = 0; i < b->count; i++) {
		const struct model_event *e = &b->events[i];
		canon = canon_event(e);
		if (canon == NULL)
			goto fail;
		len = strlen(canon);
		p[i].sealed_len = len + SEAL_OVERHEAD;
		p[i].sealed = len <= INGEST_BODY_MAX ? malloc(p[i].sealed_len) : NULL;
		/* The UUID is the associated data: a sealed body cannot be moved to another row. */
		rc = p[i].sealed == NULL ? DS_ETOOBIG : seal_hash(v, canon, len, p[i].hash);
		if (rc == DS_OK)
			rc = seal_batch_seal(sealer, e->uuid, strlen(e->uuid), canon, len,
			                     p[i].sealed);
		free(canon);
		if (rc != DS_OK)
			goto fail;
	}
	seal_batch_free(sealer);
	*out = p;
	return DS_OK;
fail:
	seal_batch_free(sealer);
	ingest_prep_free(p, b->count);
	return rc;
}

static sqlite3_stmt *ingest_stmt(struct ingest *in, int which)
{
	sqlite3_reset(in->st[which]);
	sqlite3_clear_bindings(in->st[which]);
	return in->st[which];
}

static enum ds_err ingest_step_done(struct ingest *in, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DS_OK : store_fail(in->s, rc);
}

/* Is this event already stored? Sets *DUP, or a conflict refusal. */
static enum ds_err ingest_known(struct ingest *in, const struct store_device *dev,
                                const struct model_event *e, const uint8_t *hash, int *dup,
                                struct ingest_result *res)
{
	sqlite3_stmt *st = ingest_stmt(in, ST_BY_UUID);
	int rc;

	*dup = 0;
	sqlite3_bind_text(st, 1, e->uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) == SEAL_HASH_LEN &&
		    memcmp(sqlite3_column_blob(st, 0), hash, SEAL_HASH_LEN) == 0 &&
		    strcmp((const char *)sqlite3_column_text(st, 1), dev->id) == 0) {
			*dup = 1;
		} else {
			res->refusal = INGEST_CONFLICT;
			snprintf(res->detail, sizeof res->detail,
			         "event %s is already stored with different content", e->uuid);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(in->s, rc);
	if (*dup || res->refusal != INGEST_OK)
		return DS_OK;
	st = ingest_stmt(in, ST_BY_SEQ);
	sqlite3_bind_text(st, 1, dev->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, e->seq);
	if (sqlite3_step(st) == SQLITE_ROW) {
		res->refusal = INGEST_CONFLICT;
		snprintf(res->detail, sizeof res->detail,
		         "sequence number %lld of this device is already another event",
		         (long long)e->seq);
	}
	sqlite3_reset(st);
	return DS_OK;
}

static enum ds_err ingest_save_state(struct ingest *in, const char *code,
                                     const struct ingest_state *a, int64_t last_ms,
                                     const char *last_uuid);

static const char *ingest_status_literal(const char *s)
{
	static const char *const names[] = {"booked", "arrived", "failed", "collected",
	                                    "delivered"};
	size_t i;

	for (i = 0; s != NULL && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return names[i];
	return names[0];
}

static void ingest_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

/* Loads the row read by ST_APPT into slot A. */
static void ingest_appt_row(sqlite3_stmt *st, struct ingest_appt *a)
{
	ingest_text(st, 0, a->courier, sizeof a->courier);
	ingest_text(st, 1, a->kind, sizeof a->kind);
	a->st.kind = a->kind;
	a->st.window_end_ms = sqlite3_column_int64(st, 2);
	a->st.due_ms = sqlite3_column_int64(st, 3);
	a->st.status = ingest_status_literal((const char *)sqlite3_column_text(st, 4));
	a->st.done_ms = sqlite3_column_int64(st, 5);
	ingest_text(st, 6, a->st.reason, sizeof a->st.reason);
	a->last_ms = sqlite3_column_type(st, 7) == SQLITE_NULL ? INT64_MIN
	                                                      : sqlite3_column_int64(st, 7);
	ingest_text(st, 8, a->last_uuid, sizeof a->last_uuid);
}

/* A code that does not exist and another courier's get the same refusal, word for word,
 * so a device cannot learn which codes exist by trying them. */
static void ingest_refuse_unknown(const struct model_event *e, struct ingest_result *res)
{
	res->refusal = INGEST_UNKNOWN_APPT;
	snprintf(res->detail, sizeof res->detail,
	         "event %s: appointment %s is not one of this courier's", e->uuid, e->appointment);
}

/* Fills A's moved and reached_ms: was A moved away from DEV's courier, and when did that
 * move reach DEV (the first accepted sync whose cursor passed it)? */
static enum ds_err ingest_moved(struct ingest *in, const struct store_device *dev,
                                struct ingest_appt *a)
{
	sqlite3_stmt *st = ingest_stmt(in, ST_MOVED);
	int rc;

	sqlite3_bind_text(st, 1, dev->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dev->courier, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->code, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	a->moved = rc == SQLITE_ROW;
	a->reached_ms = a->moved && sqlite3_column_type(st, 0) != SQLITE_NULL ?
	                sqlite3_column_int64(st, 0) : INT64_MAX;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DS_OK : store_fail(in->s, rc);
}

/* The batch's slot for E's appointment, loaded on first use; refuses an unknown one or one
 * DEV's courier may not act on (neither its own nor one moved away from it). */
static enum ds_err ingest_appt_get(struct ingest *in, const struct store_device *dev,
                                   const struct model_event *e, struct ingest_result *res,
                                   struct ingest_appt **out)
{
	struct ingest_appt *a;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	for (i = in->n_appts; i > 0; i--)
		if (strcmp(in->appts[i - 1].code, e->appointment) == 0) {
			*out = &in->appts[i - 1];
			return DS_OK;
		}
	a = &in->appts[in->n_appts];
	memset(a, 0, sizeof *a);
	a->code = e->appointment;
	st = ingest_stmt(in, ST_APPT);
	sqlite3_bind_text(st, 1, e->appointment, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ingest_appt_row(st, a);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		ingest_refuse_unknown(e, res);
		return DS_OK;
	}
	if (rc != SQLITE_ROW)
		return store_fail(in->s, rc);
	if (strcmp(a->courier, dev->courier) != 0 &&
	    ((rc = ingest_moved(in, dev, a)) != DS_OK || !a->moved)) {
		if (rc == DS_OK)
			ingest_refuse_unknown(e, res);
		return rc;
	}
	in->n_appts++;
	*out = a;
	return DS_OK;
}

/* The server flags E gets if stored now; OUT: NEXT, the appointment's state after it, when
 * E comes after every stored event (otherwise the slot is left for a full derivation). */
static unsigned ingest_flags_for(struct ingest_appt *a, const struct model_event *e,
                                 struct ingest_state *next)
{
	int later = e->recorded_ms > a->last_ms ||
	            (e->recorded_ms == a->last_ms && strcmp(e->uuid, a->last_uuid) > 0);

	*next = a->st;
	if (a->full || !later) {
		a->full = 1;
		return 0;
	}
	return ingest_apply(next, model_event_type_name(e->type), e->recorded_ms,
	                    e->reason != MODEL_REASON_NONE ? model_reason_name(e->reason) : NULL);
}

static enum ds_err ingest_insert(struct ingest *in, const struct store_device *dev,
                                 const struct model_event *e, const struct ingest_prep *p,
                                 unsigned flags, int64_t now_ms)
{
	sqlite3_stmt *st = ingest_stmt(in, ST_INSERT);

	sqlite3_bind_text(st, 1, e->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dev->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, e->seq);
	sqlite3_bind_text(st, 4, dev->courier, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->appointment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, model_event_type_name(e->type), -1, SQLITE_STATIC);
	if (e->reason != MODEL_REASON_NONE)
		sqlite3_bind_text(st, 7, model_reason_name(e->reason), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, e->recorded_ms);
	sqlite3_bind_int64(st, 9, now_ms);
	sqlite3_bind_blob(st, 10, p->hash, SEAL_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, p->sealed, (int)p->sealed_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, (int)flags);
	return ingest_step_done(in, st);
}

static enum ds_err ingest_clear_gap(struct ingest *in, const char *device, int64_t seq)
{
	sqlite3_stmt *st = ingest_stmt(in, ST_CLEAR_GAP);

	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int(st, 3, (int)INGEST_FLAG_SEQ_GAP);
	return ingest_step_done(in, st);
}

/* An event stored out of the device's order (rare: a batch sent again after a later one)
 * was flagged as a gap on a guess. Settle it from what is stored, so the flags end the same
 * whatever order the events arrived in: no gap when its predecessor is here (or it is the
 * first), and its successor's gap, if any, is closed now. */
static enum ds_err ingest_settle_gap(struct ingest *in, const struct store_device *dev,
                                     int64_t seq, int64_t last_seq)
{
	sqlite3_stmt *st = ingest_stmt(in, ST_BY_SEQ);
	enum ds_err rc = DS_OK;
	int step = SQLITE_DONE;

	if (seq > 1) {
		sqlite3_bind_text(st, 1, dev->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, seq - 1);
		step = sqlite3_step(st);
		sqlite3_reset(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			return store_fail(in->s, step);
	}
	if (seq == 1 || step == SQLITE_ROW)
		rc = ingest_clear_gap(in, dev->id, seq);
	if (rc == DS_OK && seq < last_seq)
		rc = ingest_clear_gap(in, dev->id, seq + 1);
	return rc;
}

/* The flags fixed when E is stored (INGEST_FLAGS_AT_STORE), given the device's LAST_SEQ
 * and the server's clock NOW_MS; or a refusal in RES for an act on an appointment moved
 * away from the courier, recorded once the move had reached the device. */
static unsigned ingest_store_flags(const struct ingest_appt *a, const struct model_event *e,
                                   int64_t last_seq, int64_t now_ms, struct ingest_result *res)
{
	/* seq >= 1 (the wire checks it), so seq - 1 cannot overflow where last_seq + 1 could. */
	unsigned flags = e->seq - 1 != last_seq ? INGEST_FLAG_SEQ_GAP : 0;

	if (a->moved && e->recorded_ms >= a->reached_ms) {
		res->refusal = INGEST_FORBIDDEN;
		snprintf(res->detail, sizeof res->detail, "event %s: appointment %s was moved to"
		         " another courier before this act, and this device had been told",
		         e->uuid, e->appointment);
		return 0;
	}
	if (a->moved)
		flags |= INGEST_FLAG_MOVED;
	if (e->recorded_ms > now_ms + INGEST_CLOCK_SKEW_MS)
		flags |= INGEST_FLAG_CLOCK_AHEAD;
	return flags;
}

/* Handles one event: stored, duplicate, or refused. The insert comes first because new
 * events are the common case; only when it hits a uniqueness constraint do the lookups run
 * to tell a harmless re-send from a conflict. LAST_APPT caches the appointment check, since
 * a batch holds several acts at the same door in a row. */
static enum ds_err ingest_one(struct ingest *in, const struct store_device *dev,
                              const struct model_event *e, const struct ingest_prep *p,
                              int64_t now_ms, int64_t *last_seq, struct ingest_result *res)
{
	struct ingest_appt *a = NULL;
	struct ingest_state next;
	unsigned flags;
	int dup = 0;
	enum ds_err rc;

	if ((rc = ingest_appt_get(in, dev, e, res, &a)) != DS_OK || res->refusal != INGEST_OK)
		return rc;
	flags = ingest_store_flags(a, e, *last_seq, now_ms, res);
	if (res->refusal != INGEST_OK)
		return DS_OK;
	flags |= ingest_flags_for(a, e, &next);
	if ((rc = ingest_insert(in, dev, e, p, flags, now_ms)) != DS_OK)
		return rc;
	if (sqlite3_changes(in->s->db) == 1) {
		a->dirty = 1;
		if (!a->full) {
			a->st = next;
			a->last_ms = e->recorded_ms;
			snprintf(a->last_uuid, sizeof a->last_uuid, "%s", e->uuid);
		}
		if ((flags & INGEST_FLAG_SEQ_GAP) &&
		    (rc = ingest_settle_gap(in, dev, e->seq, *last_seq)) != DS_OK)
			return rc;
		if (e->seq > *last_seq)
			*last_seq = e->seq;
		res->stored++;
		return DS_OK;
	}
	if ((rc = ingest_known(in, dev, e, p->hash, &dup, res)) != DS_OK)
		return rc;
	if (!dup && res->refusal == INGEST_OK) {
		/* Not stored, yet neither a duplicate nor a known conflict: never drop silently. */
		res->refusal = INGEST_CONFLICT;
		snprintf(res->detail, sizeof res->detail, "event %s could not be stored", e->uuid);
	}
	res->duplicates += dup;
	return DS_OK;
}

/* Notes that the moves away from DEV's courier up to CURSOR have reached DEV at NOW_MS. */
static enum ds_err ingest_move_acks(struct ingest *in, const struct store_device *dev,
                                    int64_t cursor, int64_t now_ms)
{
	sqlite3_stmt *st = ingest_stmt(in, ST_MOVE_ACKS);

	sqlite3_bind_text(st, 1, dev->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dev->courier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, cursor);
	sqlite3_bind_int64(st, 4, now_ms);
	return ingest_step_done(in, st);
}

enum ds_err ingest_batch(struct ingest *in, const struct store_device *dev,
                         const struct wire_batch *b, const struct ingest_prep *prep,
                         int64_t now_ms, struct ingest_result *res)
{
	int64_t last_seq = dev->last_seq, rev;
	sqlite3_stmt *st;
	enum ds_err rc = DS_OK;
	size_t i;

	memset(res, 0, sizeof *res);
	in->n_appts = 0;
	for (i = 0; i < b->count && i < INGEST_TOUCHED_MAX; i++)
		if ((rc = ingest_one(in, dev, &b->events[i], &prep[i], now_ms, &last_seq,
		                     res)) != DS_OK ||
		    res->refusal != INGEST_OK)
			return rc;
	res->last_seq = last_seq;
	/* Only now, once the whole batch is accepted: its own events are judged by moves that
	 * reached the device before it, and a refused batch leaves no trace to judge a retry by. */
	if (b->cursor > 0 && (rc = ingest_move_acks(in, dev, b->cursor, now_ms)) != DS_OK)
		return rc;
	st = ingest_stmt(in, ST_DEVICE);
	sqlite3_bind_int64(st, 1, last_seq);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_text(st, 3, dev->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, b->cursor);
	if ((rc = ingest_step_done(in, st)) != DS_OK || res->stored == 0)
		return rc;
	/* One new revision for the whole batch; each touched appointment saved once. */
	if ((rc = store_next_rev(in->s, &rev)) != DS_OK)
		return rc;
	for (i = 0; i < in->n_appts && rc == DS_OK; i++) {
		struct ingest_appt *a = &in->appts[i];
		if (a->full)
			rc = ingest_derive(in, a->code);
		else if (a->dirty)
			rc = ingest_save_state(in, a->code, &a->st, a->last_ms, a->last_uuid);
	}
	return rc;
}

/* Saves A as CODE's state with its latest event's key (LAST_MS, LAST_UUID). */
static enum ds_err ingest_save_state(struct ingest *in, const char *code,
                                     const struct ingest_state *a, int64_t last_ms,
                                     const char *last_uuid)
{
	sqlite3_stmt *st = ingest_stmt(in, ST_SET_STATE);

	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->status, -1, SQLITE_STATIC);
	if (a->done_ms != 0)
		sqlite3_bind_int64(st, 3, a->done_ms);
	if (a->reason[0] != '\0')
		sqlite3_bind_text(st, 4, a->reason, -1, SQLITE_STATIC);
	if (last_uuid != NULL && last_uuid[0] != '\0') {
		sqlite3_bind_int64(st, 5, last_ms);
		sqlite3_bind_text(st, 6, last_uuid, -1, SQLITE_STATIC);
	}
	return ingest_step_done(in, st);
}

enum ds_err ingest_derive(struct ingest *in, const char *code)
{
	struct ingest_state a = {.status = "booked"};
	char kind[16] = "", last_uuid[MODEL_UUID_LEN + 1] = "";
	int64_t last_ms = 0;
	sqlite3_stmt *st = ingest_stmt(in, ST_EVENTS_OF), *up;
	int64_t ids[INGEST_TOUCHED_MAX];
	unsigned newf[INGEST_TOUCHED_MAX];
	size_t n = 0, i;
	enum ds_err rc = DS_OK;
	int step;

	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned old = (unsigned)sqlite3_column_int(st, 4), f;
		snprintf(kind, sizeof kind, "%s", (const char *)sqlite3_column_text(st, 5));
		a.kind = kind;
		a.window_end_ms = sqlite3_column_int64(st, 6);
		a.due_ms = sqlite3_column_int64(st, 7);
		f = ingest_apply(&a, (const char *)sqlite3_column_text(st, 1),
		                 sqlite3_column_int64(st, 2),
		                 (const char *)sqlite3_column_text(st, 3));
		f |= old & INGEST_FLAGS_AT_STORE;
		/* Rows come in (recorded_ms, uuid) order: the last one is the latest event. */
		last_ms = sqlite3_column_int64(st, 2);
		ingest_text(st, 8, last_uuid, sizeof last_uuid);
		/* Flags change only for events whose place in the order moved; few per call. */
		if (f != old && n < INGEST_TOUCHED_MAX) {
			ids[n] = sqlite3_column_int64(st, 0);
			newf[n++] = f;
		}
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return store_fail(in->s, step);
	for (i = 0; i < n && rc == DS_OK; i++) {
		up = ingest_stmt(in, ST_SET_FLAGS);
		sqlite3_bind_int(up, 1, (int)newf[i]);
		sqlite3_bind_int64(up, 2, ids[i]);
		rc = ingest_step_done(in, up);
	}
	if (rc != DS_OK || a.kind == NULL)
		return rc;
	return ingest_save_state(in, code, &a, last_ms, last_uuid);
}

size_t ingest_flag_names(unsigned flags, const char *out[INGEST_FLAG_NAMES_MAX])
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{MODEL_FLAG_FAR, "far"}, {MODEL_FLAG_POOR_ACCURACY, "poor_accuracy"},
		{MODEL_FLAG_CLOCK_SKEW, "clock_skew"}, {INGEST_FLAG_SEQ_GAP, "seq_gap"},
		{INGEST_FLAG_LATE_WINDOW, "late_window"}, {INGEST_FLAG_LATE_DUE, "late_due"},
		{INGEST_FLAG_CONTRADICTORY, "contradictory"}, {INGEST_FLAG_MOVED, "moved"},
		{INGEST_FLAG_CLOCK_AHEAD, "clock_skew"},
	};
	size_t i, k, n = 0;
	int seen;

	for (i = 0; i < sizeof names / sizeof names[0] && n < INGEST_FLAG_NAMES_MAX; i++) {
		if (!(flags & names[i].bit))
			continue;
		/* The server's clock_skew and the device's own share a name: give it once. */
		for (k = 0, seen = 0; k < n && !seen; k++)
			seen = strcmp(out[k], names[i].name) == 0;
		if (!seen)
			out[n++] = names[i].name;
	}
	return n;
}
