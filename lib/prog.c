#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "prog.h"
#include "time.h"
#include "xalloc.h"

const struct tide_prog *tide_prog;
int tide_verbose;

static struct option *longopts;
static char *shortopts;

static const struct tide_opt std_opts[] = {
	{ TIDE_OPT_HELP, "help", NULL, "print this help and exit" },
	{ TIDE_OPT_VERSION, "version", NULL, "print the version and exit" },
	{ TIDE_OPT_LISTOPTS, "list-options", NULL,
	  "list the options, one per line, for completions" },
	{ 0, NULL, NULL, NULL },
};

static size_t
count(const struct tide_opt *o)
{
	size_t n = 0;

	while (o[n].id)
		n++;
	return n;
}

void
tide_prog_init(const struct tide_prog *prog)
{
	size_t n = count(prog->opts), ns = count(std_opts), i, k = 0, s = 0;

	tide_prog = prog;
	longopts = tide_xcalloc(n + ns + 1, sizeof(*longopts));
	shortopts = tide_xcalloc(2 * (n + ns) + 2, 1);
	shortopts[s++] = ':';	/* report a missing argument as ':' */
	for (i = 0; i < n + ns; i++) {
		const struct tide_opt *o = i < n ? &prog->opts[i] : &std_opts[i - n];

		if (o->name) {
			longopts[k].name = o->name;
			longopts[k].has_arg = o->arg ? required_argument : no_argument;
			longopts[k].val = o->id;
			k++;
		}
		if (o->id < TIDE_OPT_LONG) {
			shortopts[s++] = (char)o->id;
			if (o->arg)
				shortopts[s++] = ':';
		}
	}
}

static void
opt_line(FILE *fp, const struct tide_opt *o)
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
		snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg);
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
	const struct tide_opt *o;

	tide_usage(stdout);
	printf("\n%s\n\noptions:\n", tide_prog->summary);
	for (o = tide_prog->opts; o->id; o++)
		opt_line(stdout, o);
	for (o = std_opts; o->id; o++)
		opt_line(stdout, o);
	printf("\nexit status: 0 ok, 1 failure, 64 usage, 65 bad input (--strict),\n"
	    "69 service unavailable, 74 I/O error, 75 records dead-lettered.\n"
	    "See %s(1).\n", tide_prog->name);
}

void
tide_list_options(FILE *fp)
{
	const struct tide_opt *o;
	int pass;

	/* short<TAB>long<TAB>argument<TAB>help; "-" where there is none. */
	for (pass = 0; pass < 2; pass++)
		for (o = pass ? std_opts : tide_prog->opts; o->id; o++) {
			if (o->id < TIDE_OPT_LONG)
				fprintf(fp, "-%c\t", o->id);
			else
				fputs("-\t", fp);
			fprintf(fp, "%s%s\t%s\t%s\n", o->name ? "--" : "",
			    o->name ? o->name : "-", o->arg ? o->arg : "-",
			    o->help);
		}
}

int
tide_opt_next(int argc, char **argv, const char **arg)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	*arg = optarg;
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
			tide_usage_error("option '-%c' needs an argument", optopt);
		tide_usage_error("option '%s' needs an argument", argv[optind - 1]);
	case '?':
		if (optopt && optopt < TIDE_OPT_LONG)
			tide_usage_error("unknown option '-%c'", optopt);
		tide_usage_error("unknown option '%s'", argv[optind - 1]);
	}
	return c;
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
