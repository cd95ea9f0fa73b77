/* auth.h: who may sync: one-time enrolment codes, device credentials, revocation. */
#ifndef DS_AUTH_H
#define DS_AUTH_H

#include <stdint.h>

#include "model.h"
#include "server/db/store.h"

#define AUTH_CODE_LEN 14            /* "XXXX-XXXX-XXXX" */
#define AUTH_CODE_TTL_MS (15 * 60 * 1000)
#define AUTH_SECRET_MAX 64          /* base64url of 32 random bytes, with room */

/* Why a redemption failed, for the reply. */
enum auth_refusal { AUTH_OK, AUTH_UNKNOWN_CODE, AUTH_CODE_USED, AUTH_CODE_EXPIRED };

/* Make a one-time code for COURIER valid AUTH_CODE_TTL_MS from NOW_MS into OUT: CODE.
 * DS_ENOTFOUND when the courier does not exist. */
DS_WUR enum ds_err auth_code_new(struct store *s, const char *courier, int64_t now_ms,
                                 char code[AUTH_CODE_LEN + 1]);

/* Redeem CODE (case and dashes ignored): on success make a device and write OUT: DEV and
 * OUT: SECRET (shown once; only its hash is kept). *WHY says why a code was refused. */
DS_WUR enum ds_err auth_redeem(struct store *s, const char *code, const char *name,
                               const char *pubkey, int64_t now_ms, struct store_device *dev,
                               char secret[AUTH_SECRET_MAX + 1], enum auth_refusal *why);

/* Check the "Bearer DEVICE.SECRET" header HDR: DS_OK with OUT: DEV filled, DS_ENOTFOUND
 * for a missing, unknown, wrong or revoked credential. */
DS_WUR enum ds_err auth_check(struct store *s, const char *hdr, struct store_device *dev);

/* Revoke DEVICE at NOW_MS. DS_ENOTFOUND when there is no such device. */
DS_WUR enum ds_err auth_revoke(struct store *s, const char *device, int64_t now_ms);

#endif
