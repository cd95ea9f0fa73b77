/* peer.h: the front end's clients by address: how many connections and handshakes in
 * progress each address holds, so that one address cannot take every slot, and the address
 * printed for logs. */
#ifndef DS_PEER_H
#define DS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "err.h"

/* Room for "[ipv6]:port" and its NUL. */
#define PEER_TEXT_MAX 64

/* Write "ip:port" (or "[ip6]:port", or "?" for another family) of SA into OUT (size
 * OUT_LEN), truncated to fit. */
void peer_format(const struct sockaddr *sa, char *out, size_t out_len);

/* One address's share. Counts are kept by peer_join(), peer_handshake_done() and
 * peer_leave(); read them, never write them. */
struct peer_entry {
	struct peer_entry *next;   /* in its hash bucket */
	unsigned char addr[16];    /* IPv6, or IPv4 mapped into IPv6 */
	unsigned conns;            /* open connections from the address */
	unsigned handshakes;       /* of those, still in the TLS handshake */
};

struct peer_table; /* opaque */

/* An empty table. Returns NULL when out of memory. Caller frees with peer_table_free()
 * after every entry has left. */
struct peer_table *peer_table_new(void) DS_WUR;

/* Free T and any entries still in it. Accepts NULL. */
void peer_table_free(struct peer_table *t);

/* Count a new connection, in its handshake, from SA's address. Returns its entry (borrowed;
 * valid until the matching peer_leave()), or NULL when out of memory. */
struct peer_entry *peer_join(struct peer_table *t, const struct sockaddr *sa) DS_WUR;

/* The connection counted in E finished its handshake. */
void peer_handshake_done(struct peer_entry *e);

/* The connection counted in E closed; IN_HANDSHAKE says whether it was still in it. E is
 * freed when its address has no connection left. Accepts NULL. */
void peer_leave(struct peer_table *t, struct peer_entry *e, bool in_handshake);

#endif
