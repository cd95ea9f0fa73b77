/* cred.h: the device credential given by the server at enrolment, kept in DIR/credential
 * (mode 0600, created with O_EXCL so it is never readable by others, not even briefly). */
#ifndef AGENT_CRED_H
#define AGENT_CRED_H

#include "err.h"
#include "model.h"

#define CRED_FILE "credential"
#define CRED_SECRET_MAX 256     /* longest credential accepted from the server */
#define CRED_TOKEN_MAX (MODEL_ID_MAX + 1 + CRED_SECRET_MAX) /* DEVICE.CREDENTIAL */

struct cred {
	char device[MODEL_ID_MAX + 1];
	char secret[CRED_SECRET_MAX + 1];
	char courier[MODEL_ID_MAX + 1];
	char office[MODEL_ID_MAX + 1];
};

/* Write C to DIR/credential: O_EXCL, 0600, fsync. DS_ECONFLICT when one already exists. */
DS_WUR enum ds_err cred_save(const char *dir, const struct cred *c);

/* Read DIR/credential into OUT: C. DS_ENOTFOUND when the device is not enrolled. */
DS_WUR enum ds_err cred_load(const char *dir, struct cred *c);

/* The bearer token "DEVICE.CREDENTIAL" of C into OUT (CRED_TOKEN_MAX + 1 bytes). */
void cred_token(const struct cred *c, char *out);

#endif
