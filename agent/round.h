/* round.h: the courier's round as the agent shows it: today's stops in order with windows,
 * ETA and status, stop numbers, and the accent-insensitive search over names, addresses and
 * dossier codes. */
#ifndef AGENT_ROUND_H
#define AGENT_ROUND_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct agent;

/* Keep in LIST (N entries, in round order) only today's appointments at NOW_MS (the day of
 * each window start in its own offset; appointments without a window stay). Returns the new
 * count; the order is kept, so stop number k is LIST[k - 1]. */
size_t round_today(struct model_appointment *list, size_t n, int64_t now_ms);

/* True when A matches the search TEXT (citizen, address or code; no case, no diacritics). */
int round_matches(const struct model_appointment *a, const char *text);

/* Resolve APPT (a dossier code, or a stop number from `round`) into OUT: A. Returns 0, or an
 * agent exit code after printing why. */
int round_resolve(struct agent *ag, const char *appt, struct model_appointment *a);

/* `round [--json] [--all]`: print the stops. Returns an agent exit code. */
int round_print(struct agent *ag, int json, int all);

/* `find TEXT`: print the matching appointments. Returns an agent exit code (1: none found). */
int round_find(struct agent *ag, const char *text, int json);

#endif
