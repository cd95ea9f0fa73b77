/* journal.c: one line per record, "PAYLOAD CRC\n", the CRC-32 (zlib) of PAYLOAD in eight
 * hex digits. Payloads: "H DB_ID" (the database the journal belongs to), "M SEQ" (the
 * highest seq given when the file was last rewritten, so a rebuilt database goes on from
 * there even with no event left) and "E SEQ UUID BODY". Appends are O_APPEND writes of a
 * whole line followed by fdatasync(): a crash leaves at most a torn last line, which fails
 * its CRC and is skipped. A seq may appear twice when a crash fell between the append and
 * the database's commit; the later record is the one the database then kept. Callers
 * serialise writers with the database's write lock (BEGIN IMMEDIATE). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "agent/journal.h"

#define JOURNAL_CRC_LEN 9             /* " " and eight hex digits */
#define JOURNAL_HEAD_MAX 96           /* a header or mark line */

static enum ds_err journal_errno(void)
{
	return errno == ENOSPC || errno == EDQUOT || errno == EFBIG ? DS_EFULL : DS_EIO;
}

/* Finish the record whose payload is BUF[0..LEN) (room for JOURNAL_CRC_LEN + 2 more bytes):
 * append the CRC and the newline; returns the line's length. */
static size_t journal_seal(char *buf, size_t len)
{
	uLong crc = crc32(0L, (const Bytef *)buf, (uInt)len);

	snprintf(buf + len, JOURNAL_CRC_LEN + 2, " %08lx", crc & 0xffffffffUL);
	buf[len + JOURNAL_CRC_LEN] = '\n';
	return len + JOURNAL_CRC_LEN + 1;
}

/* The event's line into OUT: *LINE (malloc'd, *LEN bytes). */
static enum ds_err journal_event_line(int64_t seq, const char *uuid, const char *body,
                                      char **line, size_t *len)
{
	size_t room = strlen(body) + MODEL_UUID_LEN + 48 + JOURNAL_CRC_LEN;
	int n;

	*line = NULL;
	if (strchr(body, '\n') != NULL || strchr(uuid, ' ') != NULL || room > JOURNAL_LINE_MAX)
		return DS_EINVAL;
	if ((*line = malloc(room)) == NULL)
		return DS_ENOMEM;
	n = snprintf(*line, room, "E %" PRId64 " %s %s", seq, uuid, body);
	*len = journal_seal(*line, (size_t)n);
	return DS_OK;
}

enum ds_err journal_append(const char *path, int64_t seq, const char *uuid, const char *body,
                           off_t *undo_at)
{
	char *line = NULL;
	size_t len = 0;
	enum ds_err rc;
	int fd = -1;

	if ((rc = journal_event_line(seq, uuid, body, &line, &len)) != DS_OK)
		goto out;
	rc = DS_EIO;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
		goto out;
	if ((*undo_at = lseek(fd, 0, SEEK_END)) < 0)
		goto out;
	if (write(fd, line, len) != (ssize_t)len || fdatasync(fd) != 0) {
		rc = journal_errno();
		/* A short write would leave a torn line before the next record. */
		if (ftruncate(fd, *undo_at) != 0)
			rc = DS_EIO;
		goto out;
	}
	rc = DS_OK;
out:
	if (fd >= 0)
		close(fd);
	free(line);
	return rc;
}

enum ds_err journal_undo(const char *path, off_t at)
{
	return truncate(path, at) == 0 ? DS_OK : DS_EIO;
}

void journal_scan_free(struct journal_scan *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		free(sc->ev[i].body);
	free(sc->ev);
	sc->ev = NULL;
	sc->n = 0;
}

/* Check LINE's CRC and cut it off; false when torn or corrupt. */
static int journal_verify(char *line, size_t len)
{
	char *end;
	unsigned long want;

	if (len < JOURNAL_CRC_LEN + 1 || line[len - JOURNAL_CRC_LEN] != ' ')
		return 0;
	line[len] = '\0';
	errno = 0;
	want = strtoul(line + len - JOURNAL_CRC_LEN + 1, &end, 16);
	if (errno != 0 || *end != '\0')
		return 0;
	line[len - JOURNAL_CRC_LEN] = '\0';
	return (crc32(0L, (const Bytef *)line, (uInt)(len - JOURNAL_CRC_LEN)) & 0xffffffffUL)
	       == want;
}

/* Add the event payload P ("SEQ UUID BODY") to SC, replacing an earlier record of its seq. */
static enum ds_err journal_add(struct journal_scan *sc, const char *p, size_t *cap)
{
	struct journal_event *grown, *e;
	const char *sp;
	char *end;
	int64_t seq;

	errno = 0;
	seq = strtoll(p, &end, 10);
	sp = *end == ' ' ? strchr(end + 1, ' ') : NULL;
	if (errno != 0 || seq < 1 || sp == NULL || sp - end - 1 != MODEL_UUID_LEN)
		return DS_EINVAL;
	if (sc->n > 0 && sc->ev[sc->n - 1].seq >= seq) {
		/* Records are in seq order but for a seq repeated after a crash: drop the
		 * earlier ones of that seq and above. */
		while (sc->n > 0 && sc->ev[sc->n - 1].seq >= seq)
			free(sc->ev[--sc->n].body);
	}
	if (sc->n == *cap) {
		if (*cap >= JOURNAL_MAX_EVENTS)
			return DS_ETOOBIG;
		*cap = *cap ? *cap * 2 : 64;
		if ((grown = realloc(sc->ev, *cap * sizeof *grown)) == NULL)
			return DS_ENOMEM;
		sc->ev = grown;
	}
	e = &sc->ev[sc->n];
	e->seq = seq;
	snprintf(e->uuid, sizeof e->uuid, "%.*s", MODEL_UUID_LEN, end + 1);
	if ((e->body = strdup(sp + 1)) == NULL)
		return DS_ENOMEM;
	sc->n++;
	if (seq > sc->max_seq)
		sc->max_seq = seq;
	return DS_OK;
}

/* One verified payload into SC. */
static enum ds_err journal_payload(struct journal_scan *sc, const char *p, size_t *cap)
{
	char *end;
	int64_t v;

	if (p[0] == 'E' && p[1] == ' ')
		return journal_add(sc, p + 2, cap);
	if (p[0] == 'H' && p[1] == ' ' && strlen(p + 2) <= JOURNAL_ID_MAX) {
		snprintf(sc->db_id, sizeof sc->db_id, "%s", p + 2);
		return DS_OK;
	}
	if (p[0] == 'M' && p[1] == ' ') {
		errno = 0;
		v = strtoll(p + 2, &end, 10);
		if (errno != 0 || *end != '\0' || v < 0)
			return DS_EINVAL;
		sc->mark = v > sc->mark ? v : sc->mark;
		sc->max_seq = v > sc->max_seq ? v : sc->max_seq;
		return DS_OK;
	}
	return DS_EINVAL;
}

enum ds_err journal_read(const char *path, struct journal_scan *sc)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, ecap = 0;
	ssize_t len;
	enum ds_err rc = DS_OK;

	memset(sc, 0, sizeof *sc);
	if (f == NULL)
		return errno == ENOENT ? DS_OK : DS_EIO;
	sc->found = 1;
	while (rc == DS_OK && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n' || !journal_verify(line, (size_t)len - 1)) {
			sc->bad++;
			continue;
		}
		rc = journal_payload(sc, line, &ecap);
		if (rc == DS_EINVAL) {
			sc->bad++;
			rc = DS_OK;
		}
	}
	if (rc == DS_OK && ferror(f))
		rc = DS_EIO;
	free(line);
	fclose(f);
	if (rc != DS_OK)
		journal_scan_free(sc);
	return rc;
}

/* Write every line of the new journal to FD. */
static enum ds_err journal_put_all(int fd, const char *db_id, int64_t mark,
                                   const struct journal_event *ev, size_t n, int64_t after_seq)
{
	char head[JOURNAL_HEAD_MAX + JOURNAL_ID_MAX];
	char *line = NULL;
	size_t len, i;
	enum ds_err rc;

	len = journal_seal(head, (size_t)snprintf(head, sizeof head - JOURNAL_CRC_LEN - 2, "H %s",
	                                          db_id));
	len += journal_seal(head + len, (size_t)snprintf(head + len, JOURNAL_HEAD_MAX / 2,
	                                                 "M %" PRId64, mark));
	if (write(fd, head, len) != (ssize_t)len)
		return journal_errno();
	for (i = 0; i < n; i++) {
		if (ev[i].seq <= after_seq)
			continue;
		if ((rc = journal_event_line(ev[i].seq, ev[i].uuid, ev[i].body, &line,
		                             &len)) != DS_OK)
			return rc;
		rc = write(fd, line, len) == (ssize_t)len ? DS_OK : journal_errno();
		free(line);
		if (rc != DS_OK)
			return rc;
	}
	return DS_OK;
}

/* fsync the directory holding PATH, so a rename in it is durable. */
static enum ds_err journal_sync_dir(const char *path)
{
	char copy[JOURNAL_LINE_MAX];
	int fd;
	enum ds_err rc = DS_EIO;

	if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy)
		return DS_ETOOBIG;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return DS_EIO;
	if (fsync(fd) == 0)
		rc = DS_OK;
	close(fd);
	return rc;
}

enum ds_err journal_write(const char *path, const char *db_id, int64_t mark,
                          const struct journal_event *ev, size_t n, int64_t after_seq)
{
	char tmp[JOURNAL_LINE_MAX];
	enum ds_err rc = DS_ETOOBIG;
	int fd = -1;

	if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp)
		return rc;
	rc = DS_EIO;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto fail;
	if ((rc = journal_put_all(fd, db_id, mark, ev, n, after_seq)) != DS_OK)
		goto fail;
	if (fsync(fd) != 0) {
		rc = journal_errno();
		goto fail;
	}
	close(fd);
	fd = -1;
	rc = DS_EIO;
	if (rename(tmp, path) != 0)
		goto fail;
	return journal_sync_dir(path);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

enum ds_err journal_trim(const char *path, int64_t acked_seq, int64_t mark)
{
	struct journal_scan sc;
	enum ds_err rc;

	if ((rc = journal_read(path, &sc)) != DS_OK)
		return rc;
	if (sc.mark > mark)
		mark = sc.mark;
	rc = journal_write(path, sc.db_id, mark, sc.ev, sc.n, acked_seq);
	journal_scan_free(&sc);
	return rc;
}
