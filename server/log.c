/* log.c: one place that writes diagnostics, so their format and destination change here. */
#include <stdarg.h>
#include <stdio.h>

#include "server/log.h"

void log_msg(enum log_level max, enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	va_list ap;

	if (level > max)
		return;
	fprintf(stderr, "doorstep-server: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
