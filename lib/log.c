#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static tide_log_fn handler;

tide_log_fn
tide_log_set(tide_log_fn fn)
{
	tide_log_fn old = handler;

	handler = fn;
	return old;
}

void
tide_log(enum tide_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (handler == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	handler(level, msg);
}
