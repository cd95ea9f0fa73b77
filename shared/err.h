/* err.h: the one error type of Doorstep's shared code, with a message for each value. */
#ifndef DS_ERR_H
#define DS_ERR_H

#define DS_WUR __attribute__((warn_unused_result))

/* Every fallible function in shared/ returns one of these; DS_OK is zero. */
enum ds_err {
	DS_OK = 0,
	DS_EINVAL,   /* input malformed or out of range */
	DS_ENOMEM,   /* allocation failed */
	DS_ETOOBIG,  /* input larger than the named maximum */
	DS_EIO,      /* an operating-system call failed; errno tells more */
	DS_ECRYPTO,  /* a cryptographic operation failed or did not verify */
	DS_ENOTFOUND,/* the thing asked for does not exist */
	DS_ECONFLICT,/* the same identity with different content */
	DS_EDB,      /* the database refused the operation */
	DS_EBUSY,    /* the resource is locked; retry later */
	DS_EFULL,    /* the disk or database is full */
};

/* A short English description of E. Static storage; never NULL. */
const char *ds_strerror(enum ds_err e);

#endif
