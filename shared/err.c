/* err.c: messages for the shared error type. */
#include "err.h"

const char *ds_strerror(enum ds_err e)
{
	switch (e) {
	case DS_OK: return "success";
	case DS_EINVAL: return "invalid input";
	case DS_ENOMEM: return "out of memory";
	case DS_ETOOBIG: return "input too large";
	case DS_EIO: return "input/output error";
	case DS_ECRYPTO: return "cryptographic failure";
	case DS_ENOTFOUND: return "not found";
	case DS_ECONFLICT: return "conflicting duplicate";
	case DS_EDB: return "database error";
	case DS_EBUSY: return "resource busy";
	case DS_EFULL: return "storage full";
	}
	return "unknown error";
}
