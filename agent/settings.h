/* settings.h: the agent's configuration: one table (name, type, default, bounds, help) drives
 * parsing of DIR/agent.conf, validation, the --help text and the sample file. */
#ifndef AGENT_SETTINGS_H
#define AGENT_SETTINGS_H

#include <stdio.h>

#include "err.h"

#define SETTINGS_FILE "agent.conf"
#define SETTINGS_STR_MAX 256        /* longest string value (URL, pin, host:port) */
#define SETTINGS_LINE_MAX 512       /* longest line in the file */
#define SETTINGS_ERR_MAX 200        /* room for a parse error message */
#define SETTINGS_PORT_MAX 8         /* a TCP port as text, with the NUL */

/* Effective configuration. Every field has a default in the table in cfg.c. */
struct settings {
	char server_url[SETTINGS_STR_MAX + 1];  /* https://HOST:PORT, stored by enroll */
	char pin[SETTINGS_STR_MAX + 1];         /* sha256//BASE64, stored by enroll */
	char gpsd[SETTINGS_STR_MAX + 1];        /* HOST:PORT */
	long sync_interval_s;              /* daemon: pull/push period when idle */
	long sync_backoff_max_s;           /* daemon: longest wait between retries offline */
	long connect_timeout_ms;
	long total_timeout_ms;
	long batch_max;                    /* events per request */
	long fix_fresh_ms;                 /* a fix older than this is last_known */
	long gps_wait_ms;                  /* act without daemon: wait for a fresh TPV */
	long gpsd_silent_ms;               /* daemon: reconnect when gpsd says nothing this long */
	long crumb_interval_s;             /* breadcrumb period; 0 = no breadcrumbs */
	long crumb_precision_m;            /* breadcrumb grid */
	long crumb_retention_h;            /* breadcrumbs older than this are purged */
	char log_level[SETTINGS_STR_MAX + 1];   /* error, warn, info, debug */
};

/* Fill C with the table's defaults. */
void settings_defaults(struct settings *c);

/* Read DIR/agent.conf (absent = defaults) into OUT: C. DS_EINVAL with ERR (SETTINGS_ERR_MAX bytes)
 * naming the line for an unknown name, a bad value or one out of bounds; DS_EIO if unreadable. */
DS_WUR enum ds_err settings_load(const char *dir, struct settings *c, char *err);

/* Set NAME to VALUE in C with the same checks as settings_load(). DS_EINVAL with ERR on failure. */
DS_WUR enum ds_err settings_set(struct settings *c, const char *name, const char *value, char *err);

/* Write C to DIR/agent.conf atomically (temporary file, fsync, rename), mode 0600. */
DS_WUR enum ds_err settings_save(const char *dir, const struct settings *c);

/* Print C as a config file to OUT; SAMPLE: every line commented, with help and bounds. */
void settings_print(FILE *out, const struct settings *c, int sample);

/* Split C->gpsd into OUT: HOST (HOST_LEN bytes) and PORT (PORT_LEN bytes). DS_EINVAL if bad. */
DS_WUR enum ds_err settings_hostport(const char *hp, char *host, size_t host_len, char *port,
                                size_t port_len);

#endif
