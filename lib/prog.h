/*
 * The shared frame of every program's main(): its name for messages, the
 * option table that drives getopt_long, -h, --version and --list-options
 * (so usage text, man pages and completions are checked against one
 * source), and diagnostics.
 *
 * This module is where libtide prints and exits on the caller's behalf, as
 * git's usage.c does for die(): a program calls tide_die() when it has
 * decided to die.  The other modules never print and never exit.
 *
 * Messages follow one form: "tide-window: line 1042: field 'ts' is not a
 * time: \"yesterday\"" -- program name, lowercase, no trailing period.
 */
#ifndef TIDE_PROG_H
#define TIDE_PROG_H

#include <stdarg.h>
#include <stdio.h>

#define TIDE_VERSION "0.1.0"

/* Option ids: a short option's letter, or TIDE_OPT_LONG + n for long-only
 * ones.  The three standard options are added to every table. */
enum {
	TIDE_OPT_LONG = 256,
	TIDE_OPT_HELP = 'h',
	TIDE_OPT_VERSION = 1000,
	TIDE_OPT_LISTOPTS = 1001,
};

struct tide_opt {
	int id;			/* letter, or TIDE_OPT_LONG + n */
	const char *name;	/* long name, or NULL */
	const char *arg;	/* argument name for help, NULL for a flag */
	const char *help;	/* one line */
};

struct tide_prog {
	const char *name;	/* "tide-window" */
	const char *synopsis;	/* after "usage: tide-window " */
	const char *summary;	/* one line: what the program does */
	const struct tide_opt *opts;	/* ends with an entry of id 0 */
};

extern const struct tide_prog *tide_prog;
extern int tide_verbose;	/* -v count, -1 after -q */

void tide_prog_init(const struct tide_prog *prog);

/*
 * getopt_long over the table: returns the option id with *arg set (NULL
 * for a flag), or -1 after the last option (*optind_out is the index of the
 * first operand).  -h, --version and --list-options are answered here (they
 * print to stdout and exit 0); an unknown option or a missing argument is a
 * usage error (exit 64).
 */
int tide_opt_next(int argc, char **argv, const char **arg);
int tide_opt_index(void);
void tide_usage(FILE *fp);
void tide_list_options(FILE *fp);

/* Diagnostics on stderr, prefixed with the program's name. */
void tide_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tide_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* only with -v */
void tide_vwarn(const char *fmt, va_list ap);
__attribute__((noreturn)) void tide_die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A usage error naming the bad option or argument: message, usage line,
 * exit 64. */
__attribute__((noreturn)) void tide_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Checked parsing of option arguments: a usage error names the option. */
long long tide_arg_int(const char *opt, const char *s, long long min, long long max);
double tide_arg_double(const char *opt, const char *s, double min, double max);
long long tide_arg_dur_ms(const char *opt, const char *s);
long long tide_arg_size(const char *opt, const char *s);	/* 16M, 1G, 512k */

#endif
