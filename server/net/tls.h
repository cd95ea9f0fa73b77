/* tls.h: everything mbedTLS does for the server: a self-signed certificate for first start,
 * the key pin couriers' agents trust, and TLS 1.2 sessions run over memory buffers so the
 * event loop owns every socket. */
#ifndef DS_TLS_H
#define DS_TLS_H

#include <stddef.h>

#include "err.h"

/* Room for a pin "sha256//" + 44 base64 characters + NUL. */
#define TLS_PIN_MAX 64
/* Ciphertext a session buffers before it must be decrypted; more is a protocol error. */
#define TLS_MAX_INPUT (256u * 1024)
/* Validity of a certificate made by tls_make_selfsigned(). */
#define TLS_CERT_VALID_YEARS 10

/* Make an ECDSA P-256 key and a self-signed certificate (CN=doorstep, SAN localhost and
 * 127.0.0.1, valid TLS_CERT_VALID_YEARS) and write them as PEM. The key file is created
 * with mode 0600; neither file may exist already (DS_EIO, nothing written). Returns DS_OK,
 * DS_EIO or DS_ECRYPTO with a reason in ERR (size ERR_LEN). */
int tls_make_selfsigned(const char *cert_path, const char *key_path,
                        char *err, size_t err_len) DS_WUR;

/* Write into OUT (size OUT_LEN >= TLS_PIN_MAX) the pin "sha256//BASE64" of the certificate's
 * SubjectPublicKeyInfo, as curl's --pinnedpubkey takes it. Returns DS_OK, DS_EIO (file
 * unreadable or not a certificate) or DS_ETOOBIG (OUT too small). */
int tls_pin(const char *cert_path, char *out, size_t out_len) DS_WUR;

/* Results of the session calls below. */
enum tls_result {
	TLS_OK,     /* done, or bytes produced */
	TLS_AGAIN,  /* more ciphertext is needed first */
	TLS_CLOSED, /* the peer sent close_notify */
	TLS_FAIL,   /* handshake failure or a protocol error; drop the connection */
};

struct tls_server; /* key, certificate, RNG, session cache and ticket keys */
struct tls_conn;   /* one TLS session */

/* Load the PEM certificate and key and build the TLS 1.2 server configuration: ECDHE with
 * AEAD suites only, a session cache and session tickets. Returns NULL with a reason in ERR.
 * Caller frees with tls_server_free() after every tls_conn is freed. */
struct tls_server *tls_server_new(const char *cert_path, const char *key_path,
                                  char *err, size_t err_len) DS_WUR;

/* Free S. Accepts NULL. */
void tls_server_free(struct tls_server *s);

/* Called with ciphertext to send to the peer; the bytes are borrowed for the call only. */
typedef void (*tls_send_fn)(void *ctx, const unsigned char *buf, size_t len);

/* A new server session on S whose output goes to SEND(CTX, ...). Returns NULL when out of
 * memory. Caller frees with tls_conn_free(). */
struct tls_conn *tls_conn_new(struct tls_server *s, tls_send_fn send, void *ctx) DS_WUR;

/* Free C without sending anything. Accepts NULL. */
void tls_conn_free(struct tls_conn *c);

/* Append LEN bytes of ciphertext received from the peer (copied). Returns DS_OK or
 * DS_ETOOBIG past TLS_MAX_INPUT. */
int tls_conn_push(struct tls_conn *c, const void *data, size_t len) DS_WUR;

/* Run the handshake as far as the received bytes allow: TLS_OK when complete. */
enum tls_result tls_conn_handshake(struct tls_conn *c);

/* Decrypt into BUF (size LEN); OUT: *N bytes. TLS_OK with *N > 0, TLS_AGAIN, TLS_CLOSED or
 * TLS_FAIL. */
enum tls_result tls_conn_read(struct tls_conn *c, void *buf, size_t len, size_t *n);

/* Encrypt all LEN bytes of DATA and hand them to the send callback: TLS_OK or TLS_FAIL. */
enum tls_result tls_conn_write(struct tls_conn *c, const void *data, size_t len);

/* Send close_notify through the send callback. */
void tls_conn_close_notify(struct tls_conn *c);

#endif
