/* sequence.h: the device's event numbers kept in step with the server's: after the ledger
 * was lost, the count starts again above the server's last_seq instead of colliding with
 * numbers the server holds (docs/AGENT.md, "Durability"). */
#ifndef AGENT_SEQUENCE_H
#define AGENT_SEQUENCE_H

#include <stdint.h>

#include "err.h"
#include "agent/ledger.h"

/* Make the next event's seq at least SEQ + 1 (the server already holds SEQ): the counter is
 * raised, never lowered. */
DS_WUR enum ds_err sequence_raise(struct ledger *s, int64_t seq);

/* In one transaction, number the outbox events AFTER + 1, AFTER + 2, ... in their order, each
 * one's canonical text re-encoded with its new number (uuid and content unchanged), rewrite
 * the journal to match, and raise the counter past them; only when the oldest event is
 * still number OLDEST (else nothing changes: another process renumbered or sent it).
 * OUT: *MOVED events renumbered. */
DS_WUR enum ds_err sequence_renumber(struct ledger *s, int64_t after, int64_t oldest,
                                     int64_t *moved);

#endif
