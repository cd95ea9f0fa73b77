/* log.h: the agent's one logging module: levelled lines on stderr. Callers never pass
 * citizen names, phone numbers or positions: logs leave the device in bug reports. */
#ifndef AGENT_LOG_H
#define AGENT_LOG_H

#define LOG_LINE_MAX 512 /* longest line written; longer ones are truncated */

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* The logger's state; lives in struct agent. */
struct log {
	enum log_level level; /* lines above this level are dropped */
	int timestamps;       /* 1: prefix lines with the UTC time (the daemon) */
};

/* Write one line "doorstep-agent: LEVEL: MESSAGE" to stderr when LEVEL is enabled. */
void log_msg(const struct log *lg, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse "error", "warn", "info" or "debug" into OUT: *LEVEL. Returns 0, or -1 if unknown. */
int log_level_parse(const char *s, enum log_level *level);

#endif
