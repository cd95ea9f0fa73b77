/* auth.c: credentials are random 256-bit secrets; the database holds only their SHA-256 (made
 * by server/db/seal, the server's one hashing module), so a copy of it cannot be used to sync.
 * Codes use an alphabet without look-alike characters because a dispatcher reads them aloud or
 * a courier types them. */
#include <stdio.h>
#include <string.h>

#include "crypto.h" /* random bytes and base64url only: hashes come from seal */
#include "server/auth.h"

static const char auth_alphabet[] = "ABCDEFGHJKMNPQRSTVWXYZ23456789"; /* 30 symbols */

/* Upper-cases CODE and drops dashes and spaces into OUT (size AUTH_CODE_LEN + 1). */
static int auth_normalise(const char *code, char *out)
{
	size_t o = 0;

	for (; code != NULL && *code; code++) {
		char c = *code;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (strchr(auth_alphabet, c) == NULL || o >= AUTH_CODE_LEN)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return o == 12 ? 0 : -1;
}

enum ds_err auth_code_new(struct store *s, const char *courier, int64_t now_ms,
                          char code[AUTH_CODE_LEN + 1])
{
	uint8_t rnd[12], hash[SEAL_HASH_LEN];
	char plain[13];
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	int i;

	if ((rc = crypto_random(rnd, sizeof rnd)) != DS_OK)
		return rc;
	for (i = 0; i < 12; i++)
		plain[i] = auth_alphabet[rnd[i] % 30];
	plain[12] = '\0';
	snprintf(code, AUTH_CODE_LEN + 1, "%.4s-%.4s-%.4s", plain, plain + 4, plain + 8);
	if ((rc = seal_hash(s->seal, plain, 12, hash)) != DS_OK)
		return rc;
	if ((rc = store_prepare(s, "INSERT INTO enroll_codes(code_hash, courier_id, created_ms,"
	                           " expires_ms) SELECT ?1, id, ?3, ?4 FROM couriers WHERE id = ?2",
	                           &st)) != DS_OK)
		return rc;
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, courier, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now_ms);
	sqlite3_bind_int64(st, 4, now_ms + AUTH_CODE_TTL_MS);
	return store_write_one(s, st);
}

/* Marks the code used and returns its courier, or says why it cannot be used. */
static enum ds_err auth_take_code(struct store *s, const char *code, int64_t now_ms,
                                  struct store_device *dev, enum auth_refusal *why)
{
	uint8_t hash[SEAL_HASH_LEN];
	char plain[AUTH_CODE_LEN + 1];
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	*why = AUTH_UNKNOWN_CODE;
	if (auth_normalise(code, plain) != 0)
		return DS_OK;
	if ((rc = seal_hash(s->seal, plain, strlen(plain), hash)) != DS_OK)
		return rc;
	if ((rc = store_prepare(s, "SELECT e.courier_id, c.office_id, e.expires_ms, e.used_ms"
	                           " FROM enroll_codes e JOIN couriers c ON c.id = e.courier_id"
	                           " WHERE e.code_hash = ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(dev->courier, sizeof dev->courier, "%s",
		         (const char *)sqlite3_column_text(st, 0));
		snprintf(dev->office, sizeof dev->office, "%s",
		         (const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			*why = AUTH_CODE_USED;
		else if (sqlite3_column_int64(st, 2) < now_ms)
			*why = AUTH_CODE_EXPIRED;
		else
			*why = AUTH_OK;
	}
	sqlite3_finalize(st);
	if (*why != AUTH_OK)
		return DS_OK;
	if ((rc = store_prepare(s, "UPDATE enroll_codes SET used_ms = ? WHERE code_hash = ?",
	                        &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_blob(st, 2, hash, sizeof hash, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? DS_OK : store_fail(s, sqlite3_errcode(s->db));
	sqlite3_finalize(st);
	return rc;
}

static enum ds_err auth_insert_device(struct store *s, struct store_device *dev, const char *name,
                                      const char *pubkey, int64_t now_ms,
                                      char secret[AUTH_SECRET_MAX + 1])
{
	uint8_t rnd[32], idb[8], hash[SEAL_HASH_LEN];
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = crypto_random(rnd, sizeof rnd)) != DS_OK ||
	    (rc = crypto_random(idb, sizeof idb)) != DS_OK)
		return rc;
	if ((rc = crypto_b64url(rnd, sizeof rnd, secret, AUTH_SECRET_MAX + 1)) != DS_OK)
		return rc;
	snprintf(dev->id, sizeof dev->id, "dev-%02x%02x%02x%02x%02x%02x%02x%02x", idb[0], idb[1],
	         idb[2], idb[3], idb[4], idb[5], idb[6], idb[7]);
	dev->last_seq = 0;
	if ((rc = seal_hash(s->seal, secret, strlen(secret), hash)) != DS_OK)
		return rc;
	if ((rc = store_prepare(s, "INSERT INTO devices(id, courier_id, secret_hash, name, pubkey,"
	                           " created_ms) VALUES (?, ?, ?, ?, ?, ?)", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, dev->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, dev->courier, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, hash, sizeof hash, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, pubkey, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now_ms);
	rc = sqlite3_step(st) == SQLITE_DONE ? DS_OK : store_fail(s, sqlite3_errcode(s->db));
	sqlite3_finalize(st);
	return rc;
}

enum ds_err auth_redeem(struct store *s, const char *code, const char *name, const char *pubkey,
                        int64_t now_ms, struct store_device *dev, char secret[AUTH_SECRET_MAX + 1],
                        enum auth_refusal *why)
{
	enum ds_err rc;

	memset(dev, 0, sizeof *dev);
	if ((rc = store_begin(s)) != DS_OK)
		return rc;
	if ((rc = auth_take_code(s, code, now_ms, dev, why)) != DS_OK)
		goto fail;
	if (*why != AUTH_OK) {
		store_rollback(s);
		return DS_OK;
	}
	if ((rc = auth_insert_device(s, dev, name, pubkey, now_ms, secret)) != DS_OK)
		goto fail;
	return store_commit(s);
fail:
	store_rollback(s);
	return rc;
}

enum ds_err auth_check(struct store *s, const char *hdr, struct store_device *dev)
{
	const char *tok, *dot;
	uint8_t hash[SEAL_HASH_LEN];
	sqlite3_stmt *st = NULL;
	enum ds_err rc;
	size_t id_len;

	memset(dev, 0, sizeof *dev);
	if (hdr == NULL || strncmp(hdr, "Bearer ", 7) != 0)
		return DS_ENOTFOUND;
	tok = hdr + 7;
	dot = strchr(tok, '.');
	if (dot == NULL || (id_len = (size_t)(dot - tok)) == 0 || id_len > STORE_DEVICE_ID_MAX ||
	    strlen(dot + 1) > AUTH_SECRET_MAX)
		return DS_ENOTFOUND;
	memcpy(dev->id, tok, id_len);
	dev->id[id_len] = '\0';
	if ((rc = seal_hash(s->seal, dot + 1, strlen(dot + 1), hash)) != DS_OK)
		return rc;
	if ((rc = store_cached(s, "SELECT d.secret_hash, d.courier_id, c.office_id, d.last_seq"
	                          " FROM devices d JOIN couriers c ON c.id = d.courier_id"
	                          " WHERE d.id = ? AND d.revoked_ms IS NULL", &st)) != DS_OK)
		return rc;
	sqlite3_bind_text(st, 1, dev->id, -1, SQLITE_TRANSIENT);
	rc = DS_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == (int)sizeof hash &&
	    seal_hash_equal(sqlite3_column_blob(st, 0), hash)) {
		snprintf(dev->courier, sizeof dev->courier, "%s",
		         (const char *)sqlite3_column_text(st, 1));
		snprintf(dev->office, sizeof dev->office, "%s",
		         (const char *)sqlite3_column_text(st, 2));
		dev->last_seq = sqlite3_column_int64(st, 3);
		rc = DS_OK;
	}
	sqlite3_reset(st);
	return rc;
}

enum ds_err auth_revoke(struct store *s, const char *device, int64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	enum ds_err rc;

	if ((rc = store_prepare(s, "UPDATE devices SET revoked_ms = coalesce(revoked_ms, ?)"
	                           " WHERE id = ?", &st)) != DS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_text(st, 2, device, -1, SQLITE_TRANSIENT);
	return store_write_one(s, st);
}
