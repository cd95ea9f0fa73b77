/* syncfail.c: an LD_PRELOAD library that makes fdatasync() of a SQLite write-ahead log (a
 * file whose name ends in "-wal") fail with EIO while the file named by DOORSTEP_SYNCFAIL
 * exists. Tests use it to reach the server's "503 unavailable" reply, which only a failed
 * flush of the log produces; every other call goes to the C library unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYNCFAIL_SUFFIX "-wal"

/* Whether FD is a write-ahead log: the name /proc gives for it ends in SYNCFAIL_SUFFIX. */
static int syncfail_is_wal(int fd)
{
	char link[64], path[PATH_MAX];
	size_t n = sizeof SYNCFAIL_SUFFIX - 1;
	ssize_t len;

	if (snprintf(link, sizeof link, "/proc/self/fd/%d", fd) >= (int)sizeof link)
		return 0;
	len = readlink(link, path, sizeof path - 1);
	if (len < (ssize_t)n)
		return 0;
	path[len] = '\0';
	return strcmp(path + len - n, SYNCFAIL_SUFFIX) == 0;
}

int fdatasync(int fd)
{
	int (*real)(int) = NULL;
	const char *trigger = getenv("DOORSTEP_SYNCFAIL");
	void *sym;

	if (trigger != NULL && access(trigger, F_OK) == 0 && syncfail_is_wal(fd)) {
		errno = EIO;
		return -1;
	}
	sym = dlsym(RTLD_NEXT, "fdatasync");
	if (sym == NULL) {
		errno = ENOSYS;
		return -1;
	}
	memcpy(&real, &sym, sizeof real);
	return real(fd);
}
