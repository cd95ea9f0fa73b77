/* now.h: the clocks the agent reads: the wall clock for recorded times, the monotonic clock
 * for timers and the boot clock (with the boot's identity) for fix ages shared between
 * processes. */
#ifndef AGENT_NOW_H
#define AGENT_NOW_H

#include <stdint.h>

#define NOW_BOOT_ID_MAX 40

/* CLOCK_MONOTONIC in ms: timers, timeouts and backoff in one process. */
int64_t now_mono_ms(void);

/* CLOCK_BOOTTIME in ms: system-wide on Linux and counting suspend, so a time stored by the
 * daemon gives a fix's age in another process of the same boot. */
int64_t now_boot_ms(void);

/* The device's wall clock in ms since the epoch (recorded times only). */
int64_t now_wall_ms(void);

/* This boot's identity (/proc/sys/kernel/random/boot_id) into OUT (NOW_BOOT_ID_MAX + 1);
 * "unknown" when it cannot be read. */
void now_boot_id(char *out);

#endif
