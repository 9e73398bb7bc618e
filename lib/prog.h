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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TIDE_VERSION "0.1.0"

/* Option ids: a short option's letter, or TIDE_OPT_LONG + n for long-only
 * ones.  The three standard options are added to every table; the shared
 * groups below use ids of their own, above any program's. */
enum {
	TIDE_OPT_LONG = 256,
	TIDE_OPT_HELP = 'h',
	TIDE_OPT_VERSION = 1000,
	TIDE_OPT_LISTOPTS = 1001,
	TIDE_OPT_MAXRECORD = 1002,	/* TIDE_OPTS_BADINPUT */
	TIDE_OPT_STRICT,
	TIDE_OPT_DEADLETTER,
	TIDE_OPT_MAXBAD,
	TIDE_OPT_MDTIMEOUT,		/* lib/kafka/kopt.h */
	TIDE_OPT_KEEP,			/* TIDE_OPTS_PROJ */
	TIDE_OPT_DROP,
	TIDE_OPT_PRINT,
};

struct tide_prog {
	const char *name;	/* "tide-window" */
	const char *synopsis;	/* after "usage: tide-window " */
	const char *summary;	/* one line: what the program does */
};

/*
 * An option bound to a variable, in the manner of git's parse-options: the
 * table says what the option is (for getopt_long, -h and --list-options)
 * and what to do with it, so the program has no switch for it.  Write
 * entries with the TIDE_OPT_* macros below, not by hand.
 *
 * What each kind stores at dest, after checking the argument (a usage
 * error names the option -- "-c" when it has a letter, else "--count" --
 * in the form "--count: not an integer: 'x'"):
 *
 *   NONE      nothing: tide_opt_next() returns the option to the caller
 *   SET       no argument; the integer at dest = min (flags: 1)
 *   STRING    const char * into argv
 *   INT       an integer in [min, max] (tide_arg_int)
 *   DOUBLE    a double in [dmin, dmax] (tide_arg_double)
 *   DUR       milliseconds in [min, max] (tide_arg_dur_ms)
 *   SIZE      bytes, at least min (tide_arg_size)
 *   TIME      epoch ms (tide_time_parse_arg, "now" is the time of parsing)
 *   CALLBACK  cb(opt, arg, err); dest is the callback's to use
 *
 * An option whose argument may be left out (optional, written with the
 * *_OPTARG macros) takes it only after '=', as "--create=12" (getopt_long's
 * optional_argument: "--create 12" is --create and an operand); given
 * bare, it stores absent instead.  -h shows it as "--create[=n]" and
 * --list-options's argument column as "[=n]".
 *
 * Integers of any width are stored: size is sizeof the destination, which
 * the macros take from the variable.  Options are applied in command-line
 * order, so the last of a repeated option wins, as with a switch.
 */
enum tide_opt_kind {
	TIDE_OPT_K_NONE,
	TIDE_OPT_K_SET,
	TIDE_OPT_K_STRING,
	TIDE_OPT_K_INT,
	TIDE_OPT_K_DOUBLE,
	TIDE_OPT_K_DUR,
	TIDE_OPT_K_SIZE,
	TIDE_OPT_K_TIME,
	TIDE_OPT_K_CALLBACK,
};

/* A callback's failure: the message, in the "-x: ..." form. */
struct tide_opt_err {
	char msg[512];
};

struct tide_option;
/*
 * Returns 0, or a negative TIDE_E* code with err->msg set: TIDE_EIO exits
 * 74 with the message, any other code is a usage error (exit 64).  A
 * callback in cmd/ may also call tide_usage_error() itself.
 */
typedef int tide_opt_cb(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err);

struct tide_option {
	int id;			/* letter, or TIDE_OPT_LONG + n */
	const char *name;	/* long name, or NULL */
	const char *arg;	/* argument name for help, NULL for a flag */
	const char *help;	/* one line */
	enum tide_opt_kind kind;
	void *dest;
	size_t size;		/* sizeof(*dest): SET, INT, DUR, SIZE, TIME */
	long long min, max;	/* SET: min is the value stored */
	double dmin, dmax;
	tide_opt_cb *cb;
	int optional;		/* the argument may be left out */
	long long absent;	/* INT: stored when it is */
};

/* v, checked to be of type T. */
#define TIDE_OPT_TYPED_(T, v)	(1 ? (v) : (T)0)
#define TIDE_OPT_ENTRY_(i, n, a, h, k)					\
	.id = (i), .name = (n), .arg = (a), .help = (h), .kind = (k)
/* Unbound: returned by tide_opt_next() for the caller to handle. */
#define TIDE_OPT_NONE(i, n, a, h)					\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_NONE) }
#define TIDE_OPT_SET(i, n, h, v, val)					\
	{ TIDE_OPT_ENTRY_(i, n, NULL, h, TIDE_OPT_K_SET), .dest = (v),	\
	  .size = sizeof(*(v)), .min = (val) }
#define TIDE_OPT_FLAG(i, n, h, v)	TIDE_OPT_SET(i, n, h, v, 1)
#define TIDE_OPT_STRING(i, n, a, h, v)					\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_STRING),		\
	  .dest = TIDE_OPT_TYPED_(const char **, v) }
#define TIDE_OPT_INT(i, n, a, h, v, lo, hi)				\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_INT), .dest = (v),	\
	  .size = sizeof(*(v)), .min = (lo), .max = (hi) }
/* As TIDE_OPT_INT, with an argument that may be left out: then none is
 * stored. */
#define TIDE_OPT_INT_OPTARG(i, n, a, h, v, lo, hi, none)			\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_INT), .dest = (v),	\
	  .size = sizeof(*(v)), .min = (lo), .max = (hi), .optional = 1,	\
	  .absent = (none) }
#define TIDE_OPT_DOUBLE(i, n, a, h, v, lo, hi)				\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_DOUBLE),		\
	  .dest = TIDE_OPT_TYPED_(double *, v), .dmin = (lo), .dmax = (hi) }
/* Durations in [lo, hi] ms; hi LLONG_MAX for none. */
#define TIDE_OPT_DUR(i, n, a, h, v, lo, hi)				\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_DUR), .dest = (v),	\
	  .size = sizeof(*(v)), .min = (lo), .max = (hi) }
#define TIDE_OPT_SIZE(i, n, a, h, v, lo)				\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_SIZE), .dest = (v),	\
	  .size = sizeof(*(v)), .min = (lo) }
#define TIDE_OPT_TIME(i, n, a, h, v)					\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_TIME),			\
	  .dest = TIDE_OPT_TYPED_(int64_t *, v), .size = sizeof(int64_t) }
#define TIDE_OPT_CALLBACK(i, n, a, h, f, data)				\
	{ TIDE_OPT_ENTRY_(i, n, a, h, TIDE_OPT_K_CALLBACK),		\
	  .dest = (data), .cb = (f) }
#define TIDE_OPT_END	{ .id = 0 }

/* --time-unit (s, ms, us, ns, auto): dest is an enum tide_time_unit
 * (lib/time.h), set with tide_time_unit_parse(). */
tide_opt_cb tide_opt_time_unit;

/* -q and -v: tide_verbose is -1 after -q, else the count of -v. */
tide_opt_cb tide_opt_verbosity;
#define TIDE_OPTS_VERBOSITY						\
	TIDE_OPT_CALLBACK('q', "quiet", NULL, "no warnings",		\
	    tide_opt_verbosity, NULL),					\
	TIDE_OPT_CALLBACK('v', "verbose", NULL, "more detail on stderr",	\
	    tide_opt_verbosity, NULL)

/* --max-record, --strict, --dead-letter and --max-bad (lib/bad.h): a
 * size_t, an int, a const char * and a struct tide_bad_max.  The entries one by one are for a program that
 * needs more than one byte of record (min) or says more about its dead
 * letters: the name, argument and message form stay the group's. */
#define TIDE_OPT_BAD_MAXREC(maxrec, min)				\
	TIDE_OPT_SIZE(TIDE_OPT_MAXRECORD, "max-record", "size",		\
	    "longest accepted record (default 16M)", maxrec, min)
#define TIDE_OPT_BAD_STRICT(strict)					\
	TIDE_OPT_FLAG(TIDE_OPT_STRICT, "strict",			\
	    "exit 65 at the first bad record", strict)
#define TIDE_OPT_BAD_DEAD(dead, help)					\
	TIDE_OPT_STRING(TIDE_OPT_DEADLETTER, "dead-letter", "file", help, dead)
/* --max-bad's callback (lib/bad.c): dest is a struct tide_bad_max. */
tide_opt_cb tide_opt_max_bad;
#define TIDE_OPT_BAD_MAX(maxbad)					\
	TIDE_OPT_CALLBACK(TIDE_OPT_MAXBAD, "max-bad", "n|p%",		\
	    "exit 65 when more than n (or p% of the) records read were bad "	\
	    "(default: when all were)", tide_opt_max_bad, maxbad)
#define TIDE_OPTS_BADINPUT(maxrec, strict, dead, maxbad)		\
	TIDE_OPT_BAD_MAXREC(maxrec, 1),					\
	TIDE_OPT_BAD_STRICT(strict),					\
	TIDE_OPT_BAD_DEAD(dead, "append bad records to file"),		\
	TIDE_OPT_BAD_MAX(maxbad)

/* --keep and --drop (dest a struct tide_proj, lib/proj.h) and --print
 * (dest a struct tide_printfmt, lib/printfmt.h), compiled as given: a
 * usage error naming the option when bad. */
tide_opt_cb tide_opt_proj, tide_opt_print;
#define TIDE_OPTS_PROJ(proj)						\
	TIDE_OPT_CALLBACK(TIDE_OPT_KEEP, "keep", "list", "write only these "	\
	    "fields, in this order: f,g as h (repeatable)", tide_opt_proj,	\
	    proj),							\
	TIDE_OPT_CALLBACK(TIDE_OPT_DROP, "drop", "list", "write records "	\
	    "without these fields (repeatable)", tide_opt_proj, proj)
#define TIDE_OPT_PRINTFMT(pf)						\
	TIDE_OPT_CALLBACK(TIDE_OPT_PRINT, "print", "format", "write each "	\
	    "message for people through format: %t %p %o %k %s %T %I %h "	\
	    "%{field}", tide_opt_print, pf)
/* --print replaces the output: a usage error when it is given (pf->on)
 * with -J (envelope) or with --keep or --drop (proj). */
struct tide_printfmt;
struct tide_proj;
void tide_opt_print_alone(const struct tide_printfmt *pf,
    const struct tide_proj *proj, int envelope);

extern const struct tide_prog *tide_prog;
extern int tide_verbose;	/* -v count, -1 after -q */

/* The program's frame and its option table: opts ends with TIDE_OPT_END
 * and must outlive the parsing. */
void tide_prog_init_opts(const struct tide_prog *prog,
    const struct tide_option *opts);

/*
 * getopt_long over the table: returns the option id with *arg set (NULL
 * for a flag), or -1 after the last option (*optind_out is the index of the
 * first operand).  -h, --version and --list-options are answered here (they
 * print to stdout and exit 0); an unknown option or a missing argument is a
 * usage error (exit 64).
 */
int tide_opt_next(int argc, char **argv, const char **arg);
int tide_opt_index(void);
/*
 * The whole table at once: applies every option and returns the index of
 * the first operand.  Every entry must be bound (an unbound one that is
 * given is a bug in the program: exit 1).
 */
int tide_opt_parse(int argc, char **argv);
/* How many times the option with this id was given so far. */
int tide_opt_given(int id);
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
/* A filter expression (lib/expr.h) compiled into e, or a usage error
 * naming the option, with the column and the text under a caret. */
struct tide_expr;
void tide_arg_expr(const char *opt, const char *s, struct tide_expr *e);
/* A size as tide_arg_size() reads it back, into buf[0..n): 4G, 512M, 64K,
 * or bytes; returns buf. */
const char *tide_size_fmt(char *buf, size_t n, size_t v);

#endif
