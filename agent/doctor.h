/* doctor.h: `doorstep-agent doctor [--repair]`: the state of the agent's storage (the
 * database's full integrity check, the journal, events waiting, last sync), and the repair
 * of what can be repaired: a damaged or truncated database is set aside and its outbox
 * rebuilt from the journal into a fresh one. */
#ifndef AGENT_DOCTOR_H
#define AGENT_DOCTOR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct agent;
struct journal_event;
struct ledger;

/* Report, and REPAIR when asked. Returns 0 when the storage is sound (or was repaired),
 * AGENT_EXIT_DAMAGED when it is not, another agent exit code when it cannot tell. */
int doctor_run(struct agent *ag, int repair);

/* Print the journal's line of `status` and `doctor` ("journal: N events ..."). */
void doctor_journal_print(const struct agent *ag);

/* Put the journal's events EV[0..N) back into S's outbox and set the sequence to at least
 * LAST_SEQ and past every event, then write the journal afresh under S's identity; one
 * transaction. */
DS_WUR enum ds_err doctor_restore(struct ledger *s, const struct journal_event *ev, size_t n,
                                  int64_t last_seq);

#endif
