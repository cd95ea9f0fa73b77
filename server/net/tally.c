/* tally.c: rate-limited counters of refusals and error replies. Refusals log as warnings and
 * error replies as information, both shown at the default log level. A count that arrives
 * inside an interval waits for the next event of its kind, tally_tick() or tally_flush(). */
#include "server/net/tally.h"

#include <inttypes.h>

static const struct {
	enum log_level level;
	const char *what;
} tally_kinds[TALLY_KINDS] = {
	[TALLY_CAP_GLOBAL] = { LOG_WARN, "connections refused at the server's connection cap" },
	[TALLY_CAP_ADDR] = { LOG_WARN, "connections refused at an address's connection cap" },
	[TALLY_HS_ADDR] = { LOG_WARN, "connections refused at an address's handshake cap" },
	[TALLY_HS_TIMEOUT] = { LOG_WARN, "connections closed for a late TLS handshake" },
	[TALLY_IDLE_EVICTED] = { LOG_WARN, "idle keep-alive connections closed near the cap" },
	[TALLY_BODY_BUDGET] = { LOG_WARN, "requests refused (503) with the body budget spent" },
	[TALLY_REPLY_400] = { LOG_INFO, "replies 400 bad request" },
	[TALLY_REPLY_401] = { LOG_INFO, "replies 401 unauthorized" },
	[TALLY_REPLY_408] = { LOG_INFO, "replies 408 request timeout" },
};

static void tally_line(struct tally *t, enum tally_kind k, uint64_t now_ms)
{
	log_msg(t->log_max, tally_kinds[k].level, "net: %" PRIu64 " %s (%" PRIu64 " since start)",
	        t->pending[k], tally_kinds[k].what, t->total[k]);
	t->pending[k] = 0;
	t->last_line_ms[k] = now_ms;
}

void tally_add(struct tally *t, enum tally_kind kind, uint64_t now_ms)
{
	t->pending[kind]++;
	t->total[kind]++;
	if (t->last_line_ms[kind] == 0 || now_ms - t->last_line_ms[kind] >= t->interval_ms)
		tally_line(t, kind, now_ms == 0 ? 1 : now_ms);
}

void tally_tick(struct tally *t, uint64_t now_ms)
{
	int k;

	for (k = 0; k < TALLY_KINDS; k++)
		if (t->pending[k] > 0 && now_ms - t->last_line_ms[k] >= t->interval_ms)
			tally_line(t, (enum tally_kind)k, now_ms);
}

void tally_flush(struct tally *t)
{
	int k;

	for (k = 0; k < TALLY_KINDS; k++)
		if (t->pending[k] > 0)
			tally_line(t, (enum tally_kind)k, t->last_line_ms[k]);
}
