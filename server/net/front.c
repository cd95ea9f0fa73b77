/* front.c: the front end's shared state: defaults for its limits, and setting up and
 * releasing TLS, the shared inflater and the reply scratch. */
#include "server/net/front.h"

#include <stdio.h>

#include "server/net/gzip.h"
#include "server/net/peer.h"
#include "server/net/tls.h"

/* Defaults for the zero fields of struct net_limits. */
#define FRONT_MAX_HEADER_BYTES (16u * 1024)
#define FRONT_MAX_BODY_BYTES (4u * 1024 * 1024)
#define FRONT_MAX_DECOMPRESSED_BYTES (16u * 1024 * 1024)
#define FRONT_READ_TIMEOUT_MS 10000u
#define FRONT_MAX_CONNECTIONS 1024u
#define FRONT_HANDSHAKE_TIMEOUT_MS 3000u
#define FRONT_MAX_CONNS_PER_ADDR 128u
#define FRONT_MAX_HANDSHAKES_PER_ADDR 32u
#define FRONT_BODY_BUDGET_BYTES (64u * 1024 * 1024)
/* At most one log line per kind of refusal per this. */
#define FRONT_TALLY_INTERVAL_MS 5000u

void front_limits_default(struct net_limits *l)
{
	if (l->max_header_bytes == 0)
		l->max_header_bytes = FRONT_MAX_HEADER_BYTES;
	if (l->max_body_bytes == 0)
		l->max_body_bytes = FRONT_MAX_BODY_BYTES;
	if (l->max_decompressed_bytes == 0)
		l->max_decompressed_bytes = FRONT_MAX_DECOMPRESSED_BYTES;
	if (l->read_timeout_ms == 0)
		l->read_timeout_ms = FRONT_READ_TIMEOUT_MS;
	if (l->max_connections == 0)
		l->max_connections = FRONT_MAX_CONNECTIONS;
	if (l->handshake_timeout_ms == 0)
		l->handshake_timeout_ms = FRONT_HANDSHAKE_TIMEOUT_MS;
	if (l->max_conns_per_addr == 0)
		l->max_conns_per_addr = FRONT_MAX_CONNS_PER_ADDR;
	if (l->max_handshakes_per_addr == 0)
		l->max_handshakes_per_addr = FRONT_MAX_HANDSHAKES_PER_ADDR;
	if (l->body_budget_bytes == 0)
		l->body_budget_bytes = FRONT_BODY_BUDGET_BYTES;
}

int front_init(struct front *f, uv_loop_t *loop, const struct net_limits *limits,
               enum log_level log_max, const char *cert_path, const char *key_path,
               char *err, size_t err_len)
{
	f->loop = loop;
	f->limits = *limits;
	front_limits_default(&f->limits);
	f->tally.log_max = log_max;
	f->tally.interval_ms = FRONT_TALLY_INTERVAL_MS;
	f->peers = peer_table_new();
	if (f->peers == NULL) {
		snprintf(err, err_len, "out of memory");
		return DS_ENOMEM;
	}
	f->tls = tls_server_new(cert_path, key_path, err, err_len);
	if (f->tls == NULL)
		return DS_ECRYPTO;
	f->inflate_ready = gzip_inflate_init(&f->inflater) == DS_OK;
	if (!f->inflate_ready || reply_scratch_init(&f->reply) != DS_OK) {
		snprintf(err, err_len, "zlib initialisation failed");
		return DS_ENOMEM;
	}
	return DS_OK;
}

void front_free(struct front *f)
{
	if (f == NULL)
		return;
	tls_server_free(f->tls);
	f->tls = NULL;
	if (f->inflate_ready)
		inflateEnd(&f->inflater);
	f->inflate_ready = false;
	reply_scratch_free(&f->reply);
	peer_table_free(f->peers);
	f->peers = NULL;
}

uint64_t front_now_ms(const struct front *f)
{
	return uv_now(f->loop);
}
