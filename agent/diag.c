/* diag.c: levelled lines on stderr, one write(2) per line so lines from the daemon and a
 * concurrent act command do not interleave mid-line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/diag.h"

static const char *const diag_names[] = {"error", "warning", "info", "debug"};

void diag_msg(const struct diag *lg, enum diag_level level, const char *fmt, ...)
{
	char line[DIAG_LINE_MAX];
	size_t n = 0;
	va_list ap;
	int w;

	if (lg != NULL && level > lg->level)
		return;
	if (lg != NULL && lg->timestamps) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	w = snprintf(line + n, sizeof line - n, "doorstep-agent: %s: ", diag_names[level]);
	if (w > 0)
		n += (size_t)w < sizeof line - n ? (size_t)w : sizeof line - n - 1;
	va_start(ap, fmt);
	w = vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	if (w > 0)
		n += (size_t)w < sizeof line - n ? (size_t)w : sizeof line - n - 1;
	if (n >= sizeof line - 1)
		n = sizeof line - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return; /* nowhere left to report it */
}

int diag_level_parse(const char *s, enum diag_level *level)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*level = (enum diag_level)i;
			return 0;
		}
	}
	return -1;
}
