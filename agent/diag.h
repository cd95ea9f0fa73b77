/* diag.h: the agent's one logging module: levelled lines on stderr. Callers never pass
 * citizen names, phone numbers or positions: logs leave the device in bug reports. */
#ifndef AGENT_DIAG_H
#define AGENT_DIAG_H

#define DIAG_LINE_MAX 512 /* longest line written; longer ones are truncated */

enum diag_level { DIAG_ERROR, DIAG_WARN, DIAG_INFO, DIAG_DEBUG };

/* The logger's state; lives in struct agent. */
struct diag {
	enum diag_level level; /* lines above this level are dropped */
	int timestamps;       /* 1: prefix lines with the UTC time (the daemon) */
};

/* Write one line "doorstep-agent: LEVEL: MESSAGE" to stderr when LEVEL is enabled. */
void diag_msg(const struct diag *lg, enum diag_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse "error", "warn", "info" or "debug" into OUT: *LEVEL. Returns 0, or -1 if unknown. */
int diag_level_parse(const char *s, enum diag_level *level);

#endif
