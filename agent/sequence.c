/* sequence.c: the counter is a meta row raised with max(), so an act committing at the same
 * moment sees either value; a renumbering moves every outbox row to a negative number first,
 * so no new number meets an old one on the primary key, all in one transaction. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>
#include <sqlite3.h>

#include "canon.h"
#include "wire.h"
#include "agent/sequence.h"

enum ds_err sequence_raise(struct ledger *s, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	/* One statement, so an act recording at the same moment sees either counter. */
	if ((rc = ledger_prepare(s, "INSERT INTO meta(key, value) VALUES ('last_seq', ?)"
	                         " ON CONFLICT(key)"
	                         " DO UPDATE SET value = max(value, excluded.value)",
	                         &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	return ledger_step_done(s, st);
}

/* Give the outbox row UUID the number SEQ, its canonical text BODY re-encoded to match. */
static enum ds_err sequence_renumber_row(struct ledger *s, const char *uuid,
                                         const char *body, int64_t seq)
{
	char err[WIRE_ERR_MAX];
	struct model_event e;
	json_t *j = json_loads(body, 0, NULL);
	sqlite3_stmt *st = NULL;
	char *text = NULL;
	enum ds_err rc = DS_EINVAL;

	if (j == NULL || wire_event_decode(j, &e, err) != DS_OK) {
		ledger_say(s, "an outbox event cannot be read back");
		goto out;
	}
	e.seq = seq;
	rc = DS_ENOMEM;
	if ((text = canon_event(&e)) == NULL)
		goto out;
	rc = ledger_prepare(s, "UPDATE outbox SET seq = ?, body = ? WHERE uuid = ?", &st);
	if (rc != DS_OK)
		goto out;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, uuid, -1, SQLITE_STATIC);
	rc = ledger_step_done(s, st);
out:
	json_decref(j);
	free(text);
	return rc;
}

enum ds_err sequence_renumber(struct ledger *s, int64_t after, int64_t oldest, int64_t *moved)
{
	struct ledger_out *rows = NULL;
	sqlite3_stmt *st = NULL;
	int64_t count = 0;
	size_t n = 0, i;
	enum ds_err rc;

	*moved = 0;
	if ((rc = ledger_begin(s)) != DS_OK)
		return rc;
	if ((rc = ledger_outbox_count(s, &count)) != DS_OK ||
	    (rc = ledger_outbox_peek(s, (size_t)count, &rows, &n)) != DS_OK)
		goto fail;
	if (n == 0 || rows[0].seq != oldest) {
		ledger_out_free(rows, n);
		return ledger_abort(s, DS_OK); /* already renumbered or sent by another process */
	}
	/* Negative numbers first, so no new number meets an old one on the primary key. */
	if ((rc = ledger_prepare(s, "UPDATE outbox SET seq = -seq", &st)) != DS_OK ||
	    (rc = ledger_step_done(s, st)) != DS_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if ((rc = sequence_renumber_row(s, rows[i].uuid, rows[i].body,
		                                after + 1 + (int64_t)i)) != DS_OK)
			goto fail;
	/* The journal's copies take the new numbers too, or a rebuild from it would bring the
	 * colliding ones back. */
	if ((rc = sequence_raise(s, after + (int64_t)n)) != DS_OK ||
	    (rc = ledger_journal_rewrite(s)) != DS_OK ||
	    (rc = ledger_commit(s)) != DS_OK)
		goto fail;
	ledger_out_free(rows, n);
	*moved = (int64_t)n;
	return DS_OK;
fail:
	ledger_out_free(rows, n);
	return ledger_abort(s, rc);
}
