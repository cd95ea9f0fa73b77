/* doctor.c: the repair never deletes anything: the damaged database (with its -wal and
 * -shm files) is renamed aside, and the fresh one gets the outbox rows that still read from
 * it, overwritten by the journal's (the journal is checksummed, the damaged file is not).
 * Appointments are not carried over: the next sync fetches the whole round again, since the
 * fresh database's cursor is 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "isotime.h"
#include "agent/agent.h"
#include "agent/daemon.h"
#include "agent/doctor.h"
#include "agent/journal.h"

#define DOCTOR_ASIDE_MAX (AGENT_FILE_PATH_MAX + 48)

void doctor_journal_print(const struct agent *ag)
{
	char path[AGENT_FILE_PATH_MAX];
	struct journal_scan sc;

	agent_path(ag, JOURNAL_FILE, path);
	if (journal_read(path, &sc) != DS_OK) {
		printf("journal: unreadable (%s)\n", strerror(errno));
		return;
	}
	if (!sc.found)
		printf("journal: none\n");
	else
		printf("journal: %zu events (last event #%lld)\n", sc.n, (long long)sc.max_seq);
	if (sc.bad > 0)
		printf("journal: %zu damaged records skipped\n", sc.bad);
	journal_scan_free(&sc);
}

/* Read what still reads from a damaged database: stops at the first error. */
static void doctor_salvage_rows(sqlite3 *db, struct journal_scan *sc)
{
	sqlite3_stmt *st = NULL;
	struct journal_event *grown;
	const unsigned char *uuid, *body;
	size_t cap = 0;

	if (sqlite3_prepare_v2(db, "SELECT seq, uuid, body FROM outbox ORDER BY seq", -1, &st,
	                       NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW && sc->n < JOURNAL_MAX_EVENTS) {
		uuid = sqlite3_column_text(st, 1);
		body = sqlite3_column_text(st, 2);
		if (uuid == NULL || body == NULL)
			continue;
		if (sc->n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(sc->ev, cap * sizeof *grown)) == NULL)
				break;
			sc->ev = grown;
		}
		sc->ev[sc->n].seq = sqlite3_column_int64(st, 0);
		snprintf(sc->ev[sc->n].uuid, sizeof sc->ev[sc->n].uuid, "%s", (const char *)uuid);
		if ((sc->ev[sc->n].body = strdup((const char *)body)) == NULL)
			break;
		sc->n++;
	}
	sqlite3_finalize(st);
}

/* Whatever outbox rows and last seq (as mark) can still be read from the damaged database
 * at PATH, into OUT: SC (empty when nothing reads). Caller frees with journal_scan_free(). */
static void doctor_salvage(const char *path, struct journal_scan *sc)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	memset(sc, 0, sizeof *sc);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'last_seq'", -1, &st,
		                       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			sc->mark = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		sc->max_seq = sc->mark;
		doctor_salvage_rows(db, sc);
	}
	sqlite3_close(db);
}

static enum ds_err doctor_restore_one(struct ledger *s, const struct journal_event *e)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = ledger_prepare(s, "INSERT OR REPLACE INTO outbox(seq, uuid, body) VALUES (?,?,?)",
	                      &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, e->seq);
	sqlite3_bind_text(st, 2, e->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->body, -1, SQLITE_STATIC);
	return ledger_step_done(s, st);
}

enum ds_err doctor_restore(struct ledger *s, const struct journal_event *ev, size_t n,
                           int64_t last_seq)
{
	int64_t have = 0;
	enum ds_err rc;
	size_t i;

	if ((rc = ledger_begin(s)) != DS_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = doctor_restore_one(s, &ev[i])) != DS_OK)
			goto fail;
		if (ev[i].seq > last_seq)
			last_seq = ev[i].seq;
	}
	if ((rc = ledger_meta_int(s, "last_seq", &have)) != DS_OK ||
	    (rc = ledger_meta_set_int(s, "last_seq", have > last_seq ? have : last_seq)) != DS_OK ||
	    (rc = ledger_journal_rewrite(s)) != DS_OK || (rc = ledger_commit(s)) != DS_OK)
		goto fail;
	return DS_OK;
fail:
	return ledger_abort(s, rc);
}

/* Rename PATH and its -wal and -shm files to PATH.damaged-TIME, into OUT: ASIDE. */
static int doctor_aside(const char *path, char *aside)
{
	static const char *const ext[] = {"-wal", "-shm"};
	char from[DOCTOR_ASIDE_MAX], to[DOCTOR_ASIDE_MAX];
	size_t i;

	snprintf(aside, DOCTOR_ASIDE_MAX, "%s.damaged-%lld", path,
	         (long long)(now_wall_ms() / 1000));
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		snprintf(from, sizeof from, "%s%s", path, ext[i]);
		snprintf(to, sizeof to, "%s%s", aside, ext[i]);
		if (rename(from, to) != 0 && errno != ENOENT)
			return -1;
	}
	return rename(path, aside) == 0 || errno == ENOENT ? 0 : -1;
}

/* The salvaged rows then the journal's, so a seq in both takes the journal's. OUT: *ALL
 * (borrowing the bodies; free the array only). */
static int doctor_merge(const struct journal_scan *old, const struct journal_scan *sc,
                        struct journal_event **all)
{
	if ((*all = calloc(old->n + sc->n + 1, sizeof **all)) == NULL)
		return -1;
	if (old->n > 0)
		memcpy(*all, old->ev, old->n * sizeof **all);
	if (sc->n > 0)
		memcpy(*all + old->n, sc->ev, sc->n * sizeof **all);
	return 0;
}

static int doctor_rebuild(struct agent *ag, const char *path, const struct journal_scan *sc)
{
	char aside[DOCTOR_ASIDE_MAX], err[LEDGER_META_MAX];
	struct journal_scan old;
	struct journal_event *all = NULL;
	struct ledger_health h;
	struct ledger *s = NULL;
	int64_t last = 0;
	int code = AGENT_EXIT_FAIL;

	doctor_salvage(path, &old);
	if (doctor_merge(&old, sc, &all) != 0)
		goto out;
	if (doctor_aside(path, aside) != 0) {
		fprintf(stderr, "doorstep-agent: cannot move %s aside: %s\n", path,
		        strerror(errno));
		goto out;
	}
	if (ledger_open_checked(path, ag->max_pages, LEDGER_OPEN_REBUILD, &s, &h, err) != DS_OK ||
	    s == NULL || doctor_restore(s, all, old.n + sc->n,
	                                sc->max_seq > old.mark ? sc->max_seq : old.mark) != DS_OK ||
	    ledger_meta_int(s, "last_seq", &last) != DS_OK) {
		fprintf(stderr,
		        "doorstep-agent: the rebuild failed (%s); the journal is unchanged\n",
		        s != NULL ? ledger_errmsg(s) : err);
		goto out;
	}
	printf("repaired: %zu events restored from the journal, %zu rows read from the damaged "
	       "database; the next event is #%lld\n", sc->n, old.n, (long long)(last + 1));
	printf("the damaged database is kept as %s\n", aside);
	printf("run `doorstep-agent sync` to send the events and fetch the round again\n");
	code = AGENT_EXIT_OK;
out:
	ledger_close(s);
	free(all);
	journal_scan_free(&old);
	return code;
}

static void doctor_sound(struct ledger *s, const struct ledger_health *h)
{
	char t[ISOTIME_MAX_LEN + 1];
	int64_t waiting = 0, last_sync = 0, last_seq = 0;

	printf("database: ok (%s)\n", h->full_check ? "integrity_check" : "quick_check");
	if (ledger_outbox_count(s, &waiting) == DS_OK)
		printf("events waiting: %lld\n", (long long)waiting);
	if (ledger_meta_int(s, "last_seq", &last_seq) == DS_OK)
		printf("last event: #%lld\n", (long long)last_seq);
	if (ledger_meta_int(s, "last_sync_ms", &last_sync) != DS_OK || last_sync == 0 ||
	    isotime_format(last_sync, 0, t, sizeof t) != DS_OK)
		snprintf(t, sizeof t, "never");
	printf("last sync: %s\n", t);
}

int doctor_run(struct agent *ag, int repair)
{
	char path[AGENT_FILE_PATH_MAX], jpath[AGENT_FILE_PATH_MAX], err[LEDGER_META_MAX];
	struct journal_scan sc;
	struct ledger_health h;
	struct ledger *s = NULL;
	enum ds_err rc;
	int code;

	agent_path(ag, LEDGER_FILE, path);
	agent_path(ag, JOURNAL_FILE, jpath);
	rc = ledger_open_checked(path, ag->max_pages, LEDGER_OPEN_FULL_CHECK, &s, &h, err);
	if (rc != DS_OK) {
		fprintf(stderr, "doorstep-agent: cannot open the database: %s\n", err);
		return rc == DS_EBUSY || rc == DS_EFULL ? AGENT_EXIT_STORE : AGENT_EXIT_FAIL;
	}
	if (s != NULL)
		doctor_sound(s, &h);
	else
		printf("database: %s: %s\n", h.state == LEDGER_LOST ? "lost events" : "damaged",
		       h.detail);
	if (h.unclean)
		printf("last shutdown: unclean (a process with the database open was killed)\n");
	doctor_journal_print(ag);
	if (s != NULL) {
		/* A sound database: the journal is rewritten from its outbox when asked. */
		code = repair && doctor_restore(s, NULL, 0, 0) != DS_OK ? AGENT_EXIT_FAIL : 0;
		if (repair && code == 0)
			printf("repaired: the journal was written afresh from the outbox\n");
		ledger_close(s);
		return code;
	}
	if (!repair) {
		printf("run `doorstep-agent doctor --repair` "
		       "to rebuild the outbox from the journal\n");
		return AGENT_EXIT_DAMAGED;
	}
	if (daemon_running(ag)) {
		fprintf(stderr,
		        "doorstep-agent: the daemon is running: stop it before the repair\n");
		return AGENT_EXIT_USAGE;
	}
	if (journal_read(jpath, &sc) != DS_OK) {
		fprintf(stderr, "doorstep-agent: cannot read the journal: %s\n", strerror(errno));
		return AGENT_EXIT_FAIL;
	}
	code = doctor_rebuild(ag, path, &sc);
	journal_scan_free(&sc);
	return code;
}
