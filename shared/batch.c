/* batch.c: a sync request is read by yajl's event parser straight into member tables
 * (jsonrec.c), and each event is checked (record.c) as soon as the parser has it, so no tree
 * of the whole body is ever built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "jsonrec.h"
#include "record.h"

/* Leaves WHAT in ERR (WIRE_ERR_MAX bytes); DS_EINVAL. */
static enum ds_err batch_refuse(char *err, const char *what)
{
	snprintf(err, WIRE_ERR_MAX, "%s", what);
	return DS_EINVAL;
}

/* What a batch's record callback needs between calls. */
struct batch_scan {
	struct wire_batch *b;
	size_t cap;             /* events allocated */
	enum ds_err rc;         /* the first event's refusal; later events are not decoded */
	char err[WIRE_ERR_MAX];
};

/* Decodes one event of a batch as soon as the parser has it. Always lets the parse go on:
 * a malformed text or a bad top-level member is reported before a bad event, as when the
 * whole request was checked before its events. */
static int batch_scan_event(void *ctx, size_t i, const struct jsonrec_obj *rec)
{
	struct batch_scan *sc = ctx;
	struct model_event *grown;
	char sub[WIRE_ERR_MAX];
	enum ds_err rc;

	if (sc->rc != DS_OK || i >= WIRE_MAX_BATCH)
		return 0;
	if (i == sc->cap) {
		sc->cap = sc->cap ? 2 * sc->cap : 128;
		if (sc->cap > WIRE_MAX_BATCH)
			sc->cap = WIRE_MAX_BATCH;
		grown = realloc(sc->b->events, sc->cap * sizeof *grown);
		if (grown == NULL) {
			sc->rc = DS_ENOMEM;
			snprintf(sc->err, sizeof sc->err, "out of memory");
			return 0;
		}
		sc->b->events = grown;
	}
	if (rec != NULL)
		rc = record_event(rec, &sc->b->events[i], sub);
	else
		rc = batch_refuse(sub, "event: must be an object");
	if (rc != DS_OK) {
		sc->rc = rc;
		snprintf(sc->err, sizeof sc->err, "events[%zu]: %.120s", i, sub);
		return 0;
	}
	sc->b->count = i + 1;
	return 0;
}

enum ds_err batch_decode(const char *text, size_t len, struct wire_batch *b, char *err)
{
	struct batch_scan sc = {.b = b};
	struct jsonrec_obj *root = malloc(sizeof *root);
	enum ds_err rc = DS_ENOMEM;

	memset(b, 0, sizeof *b);
	if (root == NULL)
		goto fail;
	rc = jsonrec_parse(text, len, "events", "gps", root, batch_scan_event, &sc, err);
	if (rc == DS_EINVAL && strstr(err, "not a JSON object") != NULL)
		batch_refuse(err, "request: must be an object");
	if (rc != DS_OK ||
	    (rc = record_batch(root, WIRE_VERSION, WIRE_MAX_BATCH, &b->cursor, err)) != DS_OK)
		goto fail;
	if ((rc = sc.rc) != DS_OK) {
		snprintf(err, WIRE_ERR_MAX, "%s", sc.err);
		goto fail;
	}
	/* An empty batch still has an events array, so callers may index it freely. */
	if (b->events == NULL && (b->events = calloc(1, sizeof *b->events)) == NULL)
		rc = DS_ENOMEM;
fail:
	free(root);
	return rc;
}

void batch_free(struct wire_batch *b)
{
	if (b == NULL)
		return;
	free(b->events);
	memset(b, 0, sizeof *b);
}

