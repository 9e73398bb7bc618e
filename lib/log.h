/*
 * Diagnostics that library code raises where it cannot hand them back to
 * its caller: inside callbacks another library calls (librdkafka's log and
 * error callbacks, which may run in librdkafka's own threads).  Everywhere
 * else lib/ returns what went wrong and cmd/ says it.
 *
 * The program's frame (lib/prog.c) installs the handler when the program
 * starts; it decides what reaches the terminal (-q, -v).  Without a
 * handler, as in the unit tests, messages are dropped.  The handler may be
 * called from any thread.  A message is formatted into a 1 KiB buffer and
 * cut there.
 */
#ifndef TIDE_LOG_H
#define TIDE_LOG_H

enum tide_log_level {
	TIDE_LOG_WARN,		/* shown unless -q */
	TIDE_LOG_INFO,		/* shown with -v */
};

typedef void (*tide_log_fn)(enum tide_log_level level, const char *msg);

/* Install fn (NULL: drop messages); returns the previous handler. */
tide_log_fn tide_log_set(tide_log_fn fn);
void tide_log(enum tide_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
