/* log.h: the server's one logging module: levelled lines on stderr, never personal data. */
#ifndef DS_LOG_H
#define DS_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Write one line "LEVEL: message" to stderr when LEVEL is at or under the threshold MAX.
 * Callers must not pass names, phones, addresses or positions. */
void log_msg(enum log_level max, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
