#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exitcode.h"
#include "expr.h"
#include "log.h"
#include "printfmt.h"
#include "prog.h"
#include "proj.h"
#include "time.h"
#include "xalloc.h"

const struct tide_prog *tide_prog;
int tide_verbose;

/* The program's table, with the standard options after it; given[i]
 * counts opts[i]. */
static const struct tide_option *opts;
static int *given;
static size_t nopts;
static struct option *longopts;
static char *shortopts;

static const struct tide_option std_opts[] = {
	TIDE_OPT_NONE(TIDE_OPT_HELP, "help", NULL, "print this help and exit"),
	TIDE_OPT_NONE(TIDE_OPT_VERSION, "version", NULL,
	    "print the version and exit"),
	TIDE_OPT_NONE(TIDE_OPT_LISTOPTS, "list-options", NULL,
	    "list the options, one per line, for completions"),
	TIDE_OPT_END,
};

static size_t
count(const struct tide_option *o)
{
	size_t n = 0;

	while (o[n].id)
		n++;
	return n;
}

static const struct tide_option *
opt_at(size_t i)
{
	return i < nopts ? &opts[i] : &std_opts[i - nopts];
}

/* lib/log.h's handler: library messages as the program's own. */
static void
prog_log(enum tide_log_level level, const char *msg)
{
	if (level == TIDE_LOG_INFO)
		tide_info("%s", msg);
	else
		tide_warn("%s", msg);
}

void
tide_prog_init_opts(const struct tide_prog *prog, const struct tide_option *o)
{
	size_t ns = count(std_opts), i, k = 0, s = 0;

	tide_prog = prog;
	tide_log_set(prog_log);
	opts = o;
	nopts = count(o);
	free(longopts);
	free(shortopts);
	free(given);
	longopts = tide_xcalloc(nopts + ns + 1, sizeof(*longopts));
	shortopts = tide_xcalloc(3 * (nopts + ns) + 2, 1);
	given = tide_xcalloc(nopts + 1, sizeof(*given));
	shortopts[s++] = ':';	/* report a missing argument as ':' */
	for (i = 0; i < nopts + ns; i++) {
		const struct tide_option *e = opt_at(i);

		if (e->name) {
			longopts[k].name = e->name;
			longopts[k].has_arg = e->arg == NULL ? no_argument :
			    e->optional ? optional_argument :
			    required_argument;
			longopts[k].val = e->id;
			k++;
		}
		if (e->id < TIDE_OPT_LONG) {
			shortopts[s++] = (char)e->id;
			if (e->arg)
				shortopts[s++] = ':';
			if (e->arg && e->optional)
				shortopts[s++] = ':';
		}
	}
	/* Start getopt afresh, as a program's first call would. */
	optind = 0;
}

static void
opt_line(FILE *fp, const struct tide_option *o)
{
	char left[64];
	int n = 0;

	if (o->id < TIDE_OPT_LONG)
		n += snprintf(left + n, sizeof(left) - (size_t)n, "-%c%s", o->id,
		    o->name ? ", " : "");
	else
		n += snprintf(left + n, sizeof(left) - (size_t)n, "    ");
	if (o->name)
		n += snprintf(left + n, sizeof(left) - (size_t)n, "--%s", o->name);
	if (o->arg && n < (int)sizeof(left))
		snprintf(left + n, sizeof(left) - (size_t)n,
		    o->optional ? "[=%s]" : " %s", o->arg);
	fprintf(fp, "  %-28s %s\n", left, o->help);
}

void
tide_usage(FILE *fp)
{
	fprintf(fp, "usage: %s %s\n", tide_prog->name, tide_prog->synopsis);
}

static void
help(void)
{
	size_t i;

	tide_usage(stdout);
	printf("\n%s\n\noptions:\n", tide_prog->summary);
	for (i = 0; opt_at(i)->id; i++)
		opt_line(stdout, opt_at(i));
	printf("\nexit status: 0 ok, 1 failure, 64 usage, 65 bad input (--strict),\n"
	    "69 service unavailable, 74 I/O error, 75 records dead-lettered.\n"
	    "See %s(1).\n", tide_prog->name);
}

void
tide_list_options(FILE *fp)
{
	const struct tide_option *o;
	size_t i;

	/* short<TAB>long<TAB>argument<TAB>help; "-" where there is none. */
	for (i = 0; (o = opt_at(i))->id; i++) {
		if (o->id < TIDE_OPT_LONG)
			fprintf(fp, "-%c\t", o->id);
		else
			fputs("-\t", fp);
		fprintf(fp, "%s%s\t%s%s%s\t%s\n", o->name ? "--" : "",
		    o->name ? o->name : "-", o->optional ? "[=" : "",
		    o->arg ? o->arg : "-", o->optional ? "]" : "", o->help);
	}
}

/* The option's name in messages: "-c" when it has a letter, else
 * "--count" (the form the programs' messages have always used). */
static const char *
opt_name(const struct tide_option *o, char *buf, size_t size)
{
	if (o->id < TIDE_OPT_LONG)
		snprintf(buf, size, "-%c", o->id);
	else
		snprintf(buf, size, "--%s", o->name);
	return buf;
}

/* Store v in the integer of o->size bytes at o->dest. */
static void
store_int(const struct tide_option *o, long long v)
{
	int8_t i8 = (int8_t)v;
	int16_t i16 = (int16_t)v;
	int32_t i32 = (int32_t)v;
	int64_t i64 = v;

	switch (o->size) {
	case 1: memcpy(o->dest, &i8, 1); break;
	case 2: memcpy(o->dest, &i16, 2); break;
	case 4: memcpy(o->dest, &i32, 4); break;
	default: memcpy(o->dest, &i64, 8); break;
	}
}

static void
dur_range(const char *name, const struct tide_option *o, long long ms,
    const char *arg)
{
	char lo[32], hi[32];

	if (ms >= o->min && ms <= o->max)
		return;
	tide_dur_fmt(lo, o->min);
	if (o->max == LLONG_MAX)
		tide_usage_error("%s: must be at least %s: '%s'", name, lo, arg);
	tide_dur_fmt(hi, o->max);
	tide_usage_error("%s: out of range: '%s' (%s to %s)", name, arg, lo, hi);
}

static void
apply(const struct tide_option *o, const char *arg)
{
	struct tide_opt_err err;
	char name[80];
	long long v;
	int64_t ms;
	int r;

	opt_name(o, name, sizeof(name));
	if (arg == NULL && o->optional) {
		store_int(o, o->absent);
		return;
	}
	switch (o->kind) {
	case TIDE_OPT_K_NONE:
		break;
	case TIDE_OPT_K_SET:
		store_int(o, o->min);
		break;
	case TIDE_OPT_K_STRING:
		*(const char **)o->dest = arg;
		break;
	case TIDE_OPT_K_INT:
		store_int(o, tide_arg_int(name, arg, o->min, o->max));
		break;
	case TIDE_OPT_K_DOUBLE:
		*(double *)o->dest = tide_arg_double(name, arg, o->dmin, o->dmax);
		break;
	case TIDE_OPT_K_DUR:
		v = tide_arg_dur_ms(name, arg);
		dur_range(name, o, v, arg);
		store_int(o, v);
		break;
	case TIDE_OPT_K_SIZE:
		v = tide_arg_size(name, arg);
		if (v < o->min)
			tide_usage_error("%s: must be more than %lld", name,
			    o->min - 1);
		store_int(o, v);
		break;
	case TIDE_OPT_K_TIME:
		if (tide_time_parse_arg(arg, tide_now_ms(), &ms) < 0)
			tide_usage_error("%s: not a time: '%s' (RFC 3339, a date, "
			    "epoch ms, now or -15m)", name, arg);
		store_int(o, ms);
		break;
	case TIDE_OPT_K_CALLBACK:
		err.msg[0] = '\0';
		if ((r = o->cb(o, arg, &err)) == TIDE_EIO)
			tide_die(TIDE_EX_IOERR, "%s", err.msg);
		if (r < 0)
			tide_usage_error("%s", err.msg[0] ? err.msg : name);
		break;
	}
}

static const struct tide_option *
lookup(int id, size_t *ix)
{
	size_t i;

	for (i = 0; i < nopts; i++)
		if (opts[i].id == id) {
			*ix = i;
			return &opts[i];
		}
	return NULL;
}

/* Optimal string alignment distance: insertions, deletions, changes and
 * a transposition of two neighbours each count one ("form" is one from
 * "from", two from "format"). */
static size_t
osa_distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t d[64][64], i, j, v;

	if (n >= 64 || m >= 64)
		return (size_t)-1;
	for (i = 0; i <= n; i++)
		d[i][0] = i;
	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++)
		for (j = 1; j <= m; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m];
}

/* The long option nearest to "--name" (n bytes), for a suggestion: within
 * two edits and fewer than the name's length; NULL if none. */
static const char *
nearest_long(const char *name, size_t n)
{
	const char *best = NULL, *prefix = NULL;
	size_t i, d, bestd = 3, nprefix = 0;

	for (i = 0; longopts[i].name; i++) {
		d = osa_distance(name, n, longopts[i].name,
		    strlen(longopts[i].name));
		if (d < bestd && d < n) {
			bestd = d;
			best = longopts[i].name;
		}
		if (strncmp(longopts[i].name, name, n) == 0) {
			prefix = longopts[i].name;
			nprefix++;
		}
	}
	/* A one-letter slip first ("--form": --from), then what an
	 * abbreviation stands for, when it stands for one name. */
	if (bestd <= 1 && n >= 3)
		return best;
	if (nprefix == 1 && n >= 2)
		return prefix;
	return best;
}

/* Whether s (after "--", up to "=") is a long option's whole name. */
static int
long_name(const char *s)
{
	size_t n = strcspn(s, "="), i;

	for (i = 0; longopts[i].name; i++)
		if (strlen(longopts[i].name) == n &&
		    strncmp(longopts[i].name, s, n) == 0)
			return 1;
	return 0;
}

/* An unknown long option "--name[=value]": a usage error that suggests
 * the nearest real one. */
static void __attribute__((noreturn))
unknown_long(const char *opt)
{
	size_t n = strcspn(opt + 2, "=");
	const char *near = nearest_long(opt + 2, n);

	if (near)
		tide_usage_error("unknown option '--%.*s' (did you mean --%s?)",
		    (int)n, opt + 2, near);
	tide_usage_error("unknown option '--%.*s'", (int)n, opt + 2);
}

int
tide_opt_next(int argc, char **argv, const char **arg)
{
	const struct tide_option *o;
	const char *el;
	size_t ix;
	int c, li;

	opterr = 0;
	for (;;) {
		li = -1;
		c = getopt_long(argc, argv, shortopts, longopts, &li);
		*arg = optarg;
		/* getopt_long takes any unique prefix of a long name: "--form"
		 * would be --format when --from was meant.  Only the whole
		 * name is an option here. */
		if (li >= 0 && c != '?' && c != -1) {
			el = argv[optind - 1];
			if (c != ':' && optarg != NULL && optarg == el &&
			    optind >= 2)
				el = argv[optind - 2];
			if (strncmp(el, "--", 2) == 0 && !long_name(el + 2))
				unknown_long(el);
		}
		switch (c) {
		case -1:
			return -1;
		case TIDE_OPT_HELP:
			help();
			exit(fflush(stdout) ? TIDE_EX_IOERR : TIDE_EX_OK);
		case TIDE_OPT_VERSION:
			printf("%s %s\n", tide_prog->name, TIDE_VERSION);
			exit(fflush(stdout) ? TIDE_EX_IOERR : TIDE_EX_OK);
		case TIDE_OPT_LISTOPTS:
			tide_list_options(stdout);
			exit(fflush(stdout) ? TIDE_EX_IOERR : TIDE_EX_OK);
		case ':':
			if (optopt && optopt < TIDE_OPT_LONG)
				tide_usage_error("option '-%c' needs an argument",
				    optopt);
			el = argv[optind - 1];
			if (strncmp(el, "--", 2) == 0 && !long_name(el + 2))
				unknown_long(el);
			tide_usage_error("option '%s' needs an argument", el);
		case '?':
			if (optopt && optopt < TIDE_OPT_LONG)
				tide_usage_error("unknown option '-%c'", optopt);
			if (strncmp(argv[optind - 1], "--", 2) == 0 &&
			    !long_name(argv[optind - 1] + 2))
				unknown_long(argv[optind - 1]);
			tide_usage_error("unknown option '%s'", argv[optind - 1]);
		}
		if ((o = lookup(c, &ix)) == NULL)
			return c;
		given[ix]++;
		if (o->kind == TIDE_OPT_K_NONE)
			return c;
		apply(o, optarg);
	}
}

int
tide_opt_parse(int argc, char **argv)
{
	const char *arg;
	int c;

	while ((c = tide_opt_next(argc, argv, &arg)) != -1)
		tide_die(TIDE_EX_FAIL, "option %d has no binding", c);
	return optind;
}

int
tide_opt_given(int id)
{
	size_t ix;

	return lookup(id, &ix) ? given[ix] : 0;
}

int
tide_opt_verbosity(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)arg;
	(void)err;
	if (opt->id == 'q')
		tide_verbose = -1;
	else if (tide_verbose >= 0)
		tide_verbose++;
	return 0;
}

int
tide_opt_time_unit(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (tide_time_unit_parse(arg, opt->dest) < 0)
		tide_usage_error("--time-unit: not a unit: '%s' (s, ms, us, "
		    "ns, auto)", arg);
	return 0;
}

int
tide_opt_proj(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	char why[TIDE_PROJ_WHY];

	(void)err;
	if (tide_proj_add(opt->dest, opt->id == TIDE_OPT_KEEP ?
	    TIDE_PROJ_KEEP : TIDE_PROJ_DROP, arg, why) < 0)
		tide_usage_error("--%s: %s", opt->name, why);
	return 0;
}

int
tide_opt_print(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	char why[TIDE_PRINTFMT_WHY];

	(void)err;
	tide_printfmt_release(opt->dest);
	if (tide_printfmt_parse(opt->dest, arg, why) < 0)
		tide_usage_error("--print: %s", why);
	return 0;
}

void
tide_opt_print_alone(const struct tide_printfmt *pf,
    const struct tide_proj *proj, int envelope)
{
	if (pf->on && (envelope || tide_proj_on(proj)))
		tide_usage_error("--print replaces the output: not with -J, "
		    "--keep or --drop (name fields in it: %%{field})");
}

int
tide_opt_index(void)
{
	return optind;
}

void
tide_vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tide_prog ? tide_prog->name : "tide");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
tide_warn(const char *fmt, ...)
{
	va_list ap;

	if (tide_verbose < 0)
		return;
	va_start(ap, fmt);
	tide_vwarn(fmt, ap);
	va_end(ap);
}

void
tide_info(const char *fmt, ...)
{
	va_list ap;

	if (tide_verbose < 1)
		return;
	va_start(ap, fmt);
	tide_vwarn(fmt, ap);
	va_end(ap);
}

void
tide_die(int status, const char *fmt, ...)
{
	va_list ap;

	/* Fatal errors are shown even under -q: they explain the exit status. */
	va_start(ap, fmt);
	tide_vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
tide_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tide_vwarn(fmt, ap);
	va_end(ap);
	tide_usage(stderr);
	exit(TIDE_EX_USAGE);
}

void
tide_arg_expr(const char *opt, const char *s, struct tide_expr *e)
{
	struct tide_expr_err err;
	char msg[600];

	if (tide_expr_compile(e, s, &err) == 0)
		return;
	tide_expr_errfmt(s, &err, msg, sizeof(msg));
	tide_usage_error("%s: %s", opt, msg);
}

long long
tide_arg_int(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE)
		tide_usage_error("%s: not an integer: '%s'", opt, s);
	if (v < min || v > max)
		tide_usage_error("%s: %lld is out of range [%lld, %lld]", opt, v,
		    min, max);
	return v;
}

double
tide_arg_double(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
		tide_usage_error("%s: not a number: '%s'", opt, s);
	if (v < min || v > max)
		tide_usage_error("%s: %g is out of range [%g, %g]", opt, v, min, max);
	return v;
}

long long
tide_arg_dur_ms(const char *opt, const char *s)
{
	int64_t ms;

	if (tide_dur_parse(s, &ms) < 0)
		tide_usage_error("%s: not a duration: '%s' (e.g. 250ms, 30s, 1h30m)",
		    opt, s);
	return ms;
}

const char *
tide_size_fmt(char *buf, size_t n, size_t v)
{
	static const char u[] = "GMK";
	int i;

	for (i = 0; i < 3; i++) {
		size_t m = (size_t)1 << (10 * (3 - i));

		if (v >= m && v % m == 0) {
			snprintf(buf, n, "%zu%c", v / m, u[i]);
			return buf;
		}
	}
	snprintf(buf, n, "%zu", v);
	return buf;
}

long long
tide_arg_size(const char *opt, const char *s)
{
	char *end;
	unsigned long long v, mul = 1;

	errno = 0;
	if (*s < '0' || *s > '9')
		tide_usage_error("%s: not a size: '%s'", opt, s);
	v = strtoull(s, &end, 10);
	if (end == s || errno == ERANGE)
		tide_usage_error("%s: not a size: '%s'", opt, s);
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	default: end = (char *)"x";
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0')
		tide_usage_error("%s: not a size: '%s' (e.g. 512k, 16M, 1G)", opt, s);
	if (v > (unsigned long long)(1LL << 50) / mul)
		tide_usage_error("%s: size too large: '%s'", opt, s);
	return (long long)(v * mul);
}
