/* peer.c: client addresses of the front end: printing, and a chained hash table of what
 * each connected address holds. Entries exist only while their address has a connection. */
#include "server/net/peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void peer_format(const struct sockaddr *sa, char *out, size_t out_len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(out, out_len, "%s:%d", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(out, out_len, "[%s]:%d", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(out, out_len, "?");
	}
}

/* Buckets of the address table: a power of two. Several thousand addresses at most are
 * connected at once, so chains stay short. */
#define PEER_BUCKETS 4096u

struct peer_table {
	struct peer_entry *bucket[PEER_BUCKETS];
};

struct peer_table *peer_table_new(void)
{
	return calloc(1, sizeof(struct peer_table));
}

void peer_table_free(struct peer_table *t)
{
	struct peer_entry *e, *next;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < PEER_BUCKETS; i++)
		for (e = t->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(t);
}

/* SA's address as 16 bytes, IPv4 mapped into ::ffff:0:0/96; false for other families. */
static bool peer_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* FNV-1a over the 16 bytes: cheap, and good enough spread for addresses. */
static size_t peer_hash(const unsigned char key[16])
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h & (PEER_BUCKETS - 1);
}

struct peer_entry *peer_join(struct peer_table *t, const struct sockaddr *sa)
{
	unsigned char key[16];
	struct peer_entry *e;
	size_t b;

	(void)peer_key(sa, key); /* another family shares the all-zero key */
	b = peer_hash(key);
	for (e = t->bucket[b]; e != NULL && memcmp(e->addr, key, 16) != 0; e = e->next)
		;
	if (e == NULL) {
		e = calloc(1, sizeof *e);
		if (e == NULL)
			return NULL;
		memcpy(e->addr, key, 16);
		e->next = t->bucket[b];
		t->bucket[b] = e;
	}
	e->conns++;
	e->handshakes++;
	return e;
}

void peer_handshake_done(struct peer_entry *e)
{
	if (e != NULL && e->handshakes > 0)
		e->handshakes--;
}

void peer_leave(struct peer_table *t, struct peer_entry *e, bool in_handshake)
{
	struct peer_entry **p;

	if (e == NULL)
		return;
	if (in_handshake)
		peer_handshake_done(e);
	if (--e->conns > 0)
		return;
	for (p = &t->bucket[peer_hash(e->addr)]; *p != NULL && *p != e; p = &(*p)->next)
		;
	if (*p == e)
		*p = e->next;
	free(e);
}
