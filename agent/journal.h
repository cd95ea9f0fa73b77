/* journal.h: the outbox's second copy, an append-only file of the events not yet
 * acknowledged by the server, each as its canonical JSON with a CRC-32, from which a
 * damaged or truncated database's outbox is rebuilt (`doctor --repair`). */
#ifndef AGENT_JOURNAL_H
#define AGENT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "model.h"

#define JOURNAL_FILE "outbox.journal"
#define JOURNAL_ID_MAX 32             /* a database identity: 32 hex digits */
#define JOURNAL_LINE_MAX 16384        /* longest record, bytes (an event is under 4 KiB) */
#define JOURNAL_MAX_EVENTS 1000000    /* more records than this and the file is refused */

/* One event record. */
struct journal_event {
	int64_t seq;
	char uuid[MODEL_UUID_LEN + 1];
	char *body;                       /* canonical JSON; owned by the scan */
};

/* A whole journal as read. */
struct journal_scan {
	char db_id[JOURNAL_ID_MAX + 1];   /* identity of the database it belongs to; "" if none */
	int64_t mark;                     /* highest seq given when it was last rewritten */
	int64_t max_seq;                  /* highest of mark and the events' seqs */
	int found;                        /* 1: the file exists */
	size_t bad;                       /* torn or corrupt records, skipped */
	size_t n;                         /* events, in seq order, the last record of a seq */
	struct journal_event *ev;         /* free with journal_scan_free() */
};

/* Append the event SEQ/UUID/BODY to the journal at PATH with one write() and fdatasync().
 * OUT: *UNDO_AT, the size before, for journal_undo(). DS_EFULL when the disk is full,
 * DS_EIO on another failure, DS_EINVAL for a body with a newline or over the maximum. */
DS_WUR enum ds_err journal_append(const char *path, int64_t seq, const char *uuid,
                                  const char *body, off_t *undo_at);

/* Cut the journal at PATH back to AT bytes (an append whose transaction failed). */
DS_WUR enum ds_err journal_undo(const char *path, off_t at);

/* Read the journal at PATH into OUT: SC (an absent file reads as empty, found = 0).
 * Caller frees with journal_scan_free(). */
DS_WUR enum ds_err journal_read(const char *path, struct journal_scan *sc);

/* Free what journal_read() allocated in SC. Accepts a zeroed scan. */
void journal_scan_free(struct journal_scan *sc);

/* Replace the journal at PATH, atomically and durably, by a header naming DB_ID, the mark
 * MARK and the events EV[0..N) whose seq is above AFTER_SEQ. */
DS_WUR enum ds_err journal_write(const char *path, const char *db_id, int64_t mark,
                                 const struct journal_event *ev, size_t n, int64_t after_seq);

/* Drop the events up to ACKED_SEQ (acknowledged by the server) from the journal at PATH,
 * keeping its identity and raising its mark to at least MARK. */
DS_WUR enum ds_err journal_trim(const char *path, int64_t acked_seq, int64_t mark);

#endif
