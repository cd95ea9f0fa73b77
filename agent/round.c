/* round.c: the round on screen. Stop numbers are positions in today's list in round order
 * (planned stops first), so the number the courier reads is the number the courier types. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dossier.h"
#include "isotime.h"
#include "text.h"
#include "wire.h"
#include "agent/agent.h"
#include "agent/round.h"

#define ROUND_DAY_MS (24 * 3600 * 1000LL)
#define ROUND_HHMM_MAX 8

static int64_t round_day(int64_t ms, int offset_min)
{
	int64_t local = ms + (int64_t)offset_min * 60000;

	return local >= 0 ? local / ROUND_DAY_MS : (local - ROUND_DAY_MS + 1) / ROUND_DAY_MS;
}

size_t round_today(struct model_appointment *list, size_t n, int64_t now_ms)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const struct model_appointment *a = &list[i];

		if (a->window_start_ms != 0 &&
		    round_day(a->window_start_ms, a->offset_min) !=
		    round_day(now_ms, a->offset_min))
			continue;
		if (k != i)
			list[k] = list[i];
		k++;
	}
	return k;
}

int round_matches(const struct model_appointment *a, const char *text)
{
	return text_match(a->citizen, text) || text_match(a->address, text) ||
	       text_match(a->code, text);
}

/* Today's round (or everything when ALL) into OUT: *LIST (*N). Caller frees with free(). */
static int round_load(struct agent *ag, int all, struct model_appointment **list, size_t *n)
{
	int code = AGENT_EXIT_FAIL;
	enum ds_err rc;

	if (agent_store(ag, &code) == NULL)
		return code;
	if ((rc = ledger_appt_list(ag->store, list, n)) != DS_OK) {
		fprintf(stderr, "doorstep-agent: cannot read the round (%s: %s)\n", ds_strerror(rc),
		        ledger_errmsg(ag->store));
		return rc == DS_EBUSY ? AGENT_EXIT_STORE : AGENT_EXIT_FAIL;
	}
	if (!all)
		*n = round_today(*list, *n, now_wall_ms());
	return 0;
}

static int round_stop_number(const char *s, long *stop)
{
	char *end;

	if (s[0] < '0' || s[0] > '9' || strlen(s) > 4)
		return 0;
	errno = 0;
	*stop = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && *stop >= 1;
}

int round_resolve(struct agent *ag, const char *appt, struct model_appointment *a)
{
	struct model_appointment *list = NULL;
	struct dossier_code dc;
	const char *why = NULL;
	size_t n = 0;
	long stop;
	int code;
	enum ds_err rc;

	if (round_stop_number(appt, &stop)) {
		if ((code = round_load(ag, 0, &list, &n)) != 0)
			return code;
		code = (size_t)stop <= n ? 0 : AGENT_EXIT_USAGE;
		if (code == 0)
			*a = list[stop - 1];
		else
			fprintf(stderr,
			        "doorstep-agent: there is no stop %ld today (see `round`)\n", stop);
		free(list);
		return code;
	}
	if (dossier_parse(appt, &dc, &why) != DS_OK) {
		fprintf(stderr,
		        "doorstep-agent: \"%s\" is neither a stop number nor a dossier code "
		        "(%s)\n", appt, why);
		return AGENT_EXIT_USAGE;
	}
	rc = ledger_appt_get(ag->store, appt, a);
	if (rc == DS_ENOTFOUND)
		fprintf(stderr, "doorstep-agent: appointment %s is not in this device's round: run "
		        "`doorstep-agent sync` or ask the office\n", appt);
	else if (rc != DS_OK)
		fprintf(stderr, "doorstep-agent: cannot read the appointment (%s: %s)\n",
		        ds_strerror(rc), ledger_errmsg(ag->store));
	return rc == DS_OK ? 0 : rc == DS_ENOTFOUND ? AGENT_EXIT_USAGE
	       : rc == DS_EBUSY ? AGENT_EXIT_STORE : AGENT_EXIT_FAIL;
}

/* "HH:MM" of MS at OFFSET_MIN, or "--:--" when unknown. */
static void round_hhmm(int64_t ms, int offset_min, char *out)
{
	int64_t local = ms + (int64_t)offset_min * 60000, min_of_day;

	if (ms == 0) {
		snprintf(out, ROUND_HHMM_MAX, "--:--");
		return;
	}
	min_of_day = ((local % ROUND_DAY_MS) + ROUND_DAY_MS) % ROUND_DAY_MS / 60000;
	snprintf(out, ROUND_HHMM_MAX, "%02d:%02d", (int)(min_of_day / 60), (int)(min_of_day % 60));
}

/* One stop as two lines. Every text from the server goes through text_terminal(): a name
 * holding escape sequences must not recolour, retitle or write the clipboard of the
 * courier's terminal. */
static void round_line(size_t k, const struct model_appointment *a)
{
	char ws[ROUND_HHMM_MAX], we[ROUND_HHMM_MAX], eta[ROUND_HHMM_MAX];
	char status[sizeof a->status], code[sizeof a->code], citizen[sizeof a->citizen];
	char address[sizeof a->address], phone[sizeof a->phone];

	round_hhmm(a->window_start_ms, a->offset_min, ws);
	round_hhmm(a->window_end_ms, a->offset_min, we);
	round_hhmm(a->eta_ms, a->offset_min, eta);
	/* Cleaned text is never longer than the text, so each buffer holds it whole. */
	(void)text_terminal(a->status, status, sizeof status);
	(void)text_terminal(a->code, code, sizeof code);
	(void)text_terminal(a->citizen, citizen, sizeof citizen);
	(void)text_terminal(a->address, address, sizeof address);
	(void)text_terminal(a->phone, phone, sizeof phone);
	printf("%3zu  %s-%s  eta %s  %-9s  %-7s  %s\n     %s — %s  %s\n", k, ws, we, eta,
	       status, model_kind_name(a->kind), code, citizen, address, phone);
}

/* One appointment as JSON (the wire form plus the stop number). Caller json_decref()s. */
static json_t *round_json(size_t k, const struct model_appointment *a)
{
	json_t *o = wire_appointment_encode(a);

	if (o != NULL)
		json_object_set_new(o, "number", json_integer((json_int_t)k));
	return o;
}

static int round_emit(const struct model_appointment *list, size_t n, int json,
                      const size_t *numbers)
{
	json_t *arr;
	char *s;
	size_t i;

	if (!json) {
		for (i = 0; i < n; i++)
			round_line(numbers ? numbers[i] : i + 1, &list[i]);
		return AGENT_EXIT_OK;
	}
	if ((arr = json_array()) == NULL)
		return AGENT_EXIT_FAIL;
	for (i = 0; i < n; i++)
		json_array_append_new(arr, round_json(numbers ? numbers[i] : i + 1, &list[i]));
	s = json_dumps(arr, JSON_INDENT(1));
	json_decref(arr);
	if (s == NULL)
		return AGENT_EXIT_FAIL;
	printf("%s\n", s);
	free(s);
	return AGENT_EXIT_OK;
}

int round_print(struct agent *ag, int json, int all)
{
	struct model_appointment *list = NULL;
	size_t n = 0;
	int code;

	if ((code = round_load(ag, all, &list, &n)) != 0)
		return code;
	if (n == 0 && !json)
		printf("no stops %s\n",
		       all ? "in this device's round" : "today (try --all, or sync)");
	code = round_emit(list, n, json, NULL);
	free(list);
	return code;
}

int round_find(struct agent *ag, const char *text, int json)
{
	char shown[TEXT_MAX_FOLD];
	struct model_appointment *list = NULL;
	size_t n = 0, i, k = 0, *numbers = NULL;
	int code;

	if ((code = round_load(ag, 0, &list, &n)) != 0)
		return code;
	if ((numbers = calloc(n ? n : 1, sizeof *numbers)) == NULL) {
		free(list);
		return AGENT_EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (!round_matches(&list[i], text))
			continue;
		list[k] = list[i];
		numbers[k++] = i + 1;
	}
	code = round_emit(list, k, json, numbers);
	if (k == 0 && !json && text_terminal(text, shown, sizeof shown))
		printf("nothing matches \"%s\" in today's round\n", shown);
	else if (k == 0 && !json)
		printf("nothing matches in today's round\n");
	free(numbers);
	free(list);
	return code == AGENT_EXIT_OK && k == 0 ? AGENT_EXIT_FAIL : code;
}
