/* fuzz_wire.c: feeds arbitrary bytes to the sync-request decoder, and to the event and
 * appointment decoders when they are JSON, and checks the promise the server's duplicate
 * detection rests on: every event the decoder accepts has a canonical text that decodes
 * again to an event with byte-identical canonical text. It also checks the batch decoder
 * (yajl's event parser, shared/jsonrec.c) against a reference built on a jansson tree: both
 * accept the same texts and decode them to the same events. Any violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "canon.h"
#include "batch.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_canonical(const struct model_event *e)
{
	struct model_event again;
	char err[WIRE_ERR_MAX] = "";
	char *c1 = canon_event(e), *c2 = NULL;
	json_t *j = c1 ? json_loads(c1, JSON_REJECT_DUPLICATES, NULL) : NULL;

	if (c1 == NULL || j == NULL) {
		fprintf(stderr, "fuzz_wire: no canonical text for an accepted event\n");
		abort();
	}
	if (wire_event_decode(j, &again, err) != DS_OK) {
		fprintf(stderr, "fuzz_wire: canonical %s refused: %s\n", c1, err);
		abort();
	}
	c2 = canon_event(&again);
	if (c2 == NULL || strcmp(c1, c2) != 0) {
		fprintf(stderr, "fuzz_wire: canonical text not stable:\n%s\n%s\n", c1,
		        c2 ? c2 : "(null)");
		abort();
	}
	json_decref(j);
	free(c1);
	free(c2);
}

/* A refusal must explain itself in a NUL-terminated message of the named maximum. */
static void fuzz_check_err(enum ds_err rc, const char *err)
{
	if ((rc == DS_EINVAL || rc == DS_ETOOBIG) &&
	    (err[0] == '\0' || memchr(err, '\0', WIRE_ERR_MAX) == NULL)) {
		fprintf(stderr, "fuzz_wire: refusal %d without a message\n", rc);
		abort();
	}
}

static void fuzz_json(const uint8_t *data, size_t size)
{
	struct model_event e;
	struct model_appointment a;
	char err[WIRE_ERR_MAX] = "";
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL), *k;
	enum ds_err rc;

	if (j == NULL)
		return;
	rc = wire_event_decode(j, &e, err);
	fuzz_check_err(rc, err);
	if (rc == DS_OK)
		fuzz_check_canonical(&e);
	err[0] = '\0';
	rc = wire_appointment_decode(j, &a, err);
	fuzz_check_err(rc, err);
	if (rc == DS_OK) {
		/* Encoding what was decoded must work; its text is not re-checked (see report). */
		k = wire_appointment_encode(&a);
		if (k == NULL)
			abort();
		json_decref(k);
	}
	json_decref(j);
}

/* The reference: the batch decoded through a jansson tree, event by event. Returns 1 when
 * it accepts (filling REF, count and canonical texts), 0 when it refuses. */
static int fuzz_reference(const uint8_t *data, size_t size, char **canon, size_t *count)
{
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL),
	       *events, *v;
	const char *key;
	json_t *m;
	struct model_event e;
	char err[WIRE_ERR_MAX];
	/* jansson takes a raw NUL byte between tokens; JSON does not, nor does the server. */
	int ok = root != NULL && json_is_object(root) && memchr(data, '\0', size) == NULL;
	size_t i;

	*count = 0;
	json_object_foreach(ok ? root : NULL, key, m)
		if (strcmp(key, "v") != 0 && strcmp(key, "cursor") != 0 &&
		    strcmp(key, "events") != 0)
			ok = 0;
	ok = ok && json_is_integer(json_object_get(root, "v")) &&
	     json_integer_value(json_object_get(root, "v")) == WIRE_VERSION;
	v = json_object_get(root, "cursor");
	ok = ok && (v == NULL || (json_is_integer(v) && json_integer_value(v) >= 0));
	events = json_object_get(root, "events");
	ok = ok && (events == NULL || json_is_array(events)) &&
	     json_array_size(events) <= WIRE_MAX_BATCH;
	json_array_foreach(ok ? events : NULL, i, v) {
		if (!ok || wire_event_decode(v, &e, err) != DS_OK) {
			ok = 0;
			break;
		}
		canon[(*count)++] = canon_event(&e);
	}
	json_decref(root);
	return ok;
}

static void fuzz_compare(const uint8_t *data, size_t size, enum ds_err rc,
                         const struct wire_batch *b)
{
	static char *canon[WIRE_MAX_BATCH];
	size_t n = 0, i;
	int ok = fuzz_reference(data, size, canon, &n);
	char *mine;

	if (ok != (rc == DS_OK)) {
		fprintf(stderr, "fuzz_wire: batch decoder %s what the jansson reference %s\n",
		        rc == DS_OK ? "accepts" : "refuses", ok ? "accepts" : "refuses");
		abort();
	}
	for (i = 0; ok && i < n; i++) {
		mine = canon_event(&b->events[i]);
		if (n != b->count || mine == NULL || canon[i] == NULL ||
		    strcmp(mine, canon[i]) != 0) {
			fprintf(stderr, "fuzz_wire: event %zu decodes differently\n", i);
			abort();
		}
		free(mine);
	}
	for (i = 0; i < n; i++)
		free(canon[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_batch b;
	char err[WIRE_ERR_MAX] = "";
	enum ds_err rc;
	size_t i;

	rc = batch_decode((const char *)data, size, &b, err);
	fuzz_check_err(rc, err);
	if (rc == DS_OK) {
		if (b.count > WIRE_MAX_BATCH)
			abort();
		for (i = 0; i < b.count; i++)
			fuzz_check_canonical(&b.events[i]);
	}
	fuzz_compare(data, size, rc, &b);
	batch_free(&b);
	if (b.events != NULL || b.count != 0)
		abort();
	fuzz_json(data, size);
	return 0;
}
