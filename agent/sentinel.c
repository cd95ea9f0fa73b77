/* sentinel.c: markers are not fsynced. A process killed (SIGKILL, a crash) leaves its marker
 * in the page cache, which is what this is for; after a power cut the marker of a process
 * younger than the file system's commit interval (5 s on ext4) may be lost, and that open is
 * then checked with the quick check only. An fsync of the directory per command would cost
 * more than the quick check it saves. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/now.h"
#include "agent/sentinel.h"

/* True when the marker NAME in DIR belongs to a process that is gone. */
static int sentinel_stale(const char *dir, const char *name, const char *boot_id)
{
	char path[SENTINEL_PATH_MAX], held[NOW_BOOT_ID_MAX + 1] = "";
	char *end;
	long pid;
	ssize_t n;
	int fd;

	errno = 0;
	pid = strtol(name + strlen(SENTINEL_PREFIX), &end, 10);
	if (errno != 0 || *end != '\0' || pid <= 0)
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, held, sizeof held - 1);
		held[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (strcmp(held, boot_id) != 0)
		return 1;
	return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

void sentinel_enter(const char *dir, const char *boot_id, int *unclean, char *path)
{
	char stale[SENTINEL_PATH_MAX];
	struct dirent *d;
	DIR *dh = opendir(dir);
	int fd;

	*unclean = 0;
	path[0] = '\0';
	while (dh != NULL && (d = readdir(dh)) != NULL) {
		if (strncmp(d->d_name, SENTINEL_PREFIX, strlen(SENTINEL_PREFIX)) != 0 ||
		    !sentinel_stale(dir, d->d_name, boot_id))
			continue;
		*unclean = 1;
		snprintf(stale, sizeof stale, "%s/%s", dir, d->d_name);
		unlink(stale);
	}
	if (dh != NULL)
		closedir(dh);
	snprintf(path, SENTINEL_PATH_MAX, "%s/" SENTINEL_PREFIX "%ld", dir, (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, boot_id, strlen(boot_id)) != (ssize_t)strlen(boot_id)) {
		/* No marker (a full disk): this process's crash would go unnoticed, nothing
		 * more. */
		if (fd >= 0)
			unlink(path);
		path[0] = '\0';
	}
	if (fd >= 0)
		close(fd);
}

void sentinel_leave(const char *path)
{
	if (path[0] != '\0')
		unlink(path);
}
