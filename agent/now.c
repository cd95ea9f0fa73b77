/* now.c: clock reads. CLOCK_BOOTTIME rather than CLOCK_MONOTONIC for fix ages: a handheld
 * suspends between stops, and a fix taken before a 10-minute sleep is 10 minutes old. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/now.h"

static int64_t now_read(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_mono_ms(void)
{
	return now_read(CLOCK_MONOTONIC);
}

int64_t now_boot_ms(void)
{
	return now_read(CLOCK_BOOTTIME);
}

int64_t now_wall_ms(void)
{
	return now_read(CLOCK_REALTIME);
}

void now_boot_id(char *out)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	size_t n;

	snprintf(out, NOW_BOOT_ID_MAX + 1, "unknown");
	if (f == NULL)
		return;
	if (fgets(out, NOW_BOOT_ID_MAX + 1, f) == NULL)
		snprintf(out, NOW_BOOT_ID_MAX + 1, "unknown");
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
}
