/* lib/prog: option tables bound to variables, the shared groups, and the
 * usage errors of getopt_long's behaviour that the programs keep (unknown
 * options, missing arguments, no abbreviations, suggestions).  A usage error exits, so each
 * parse that may fail runs in a child of its own (run()), which hands back
 * its exit status and what it wrote. */
#include <sys/wait.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bad.h"
#include "err.h"
#include "exitcode.h"
#include "kafka/kconf.h"
#include "kafka/kopt.h"
#include "prog.h"
#include "unit.h"

enum {
	O_COUNT = TIDE_OPT_LONG,
	O_SEED,
	O_LATE,
	O_STEP,
	O_GAP,
	O_SIZE,
	O_FROM,
	O_NAME,
	O_STAMP,
	O_OFF,
	O_ON,
	O_CB,
	O_FAIL,
	O_IOFAIL,
	O_VERSION_GAP,
	O_RAW,
	O_MADE,
};

static struct {
	long long count;
	uint64_t seed;
	int small;
	double late;
	int64_t step, gap;
	size_t size, maxrec;
	int64_t from;
	const char *name, *dead;
	int stamp, onoff, strict;
	int cbs;
	const char *cbarg;
	long gapl;
	struct tide_kopt_parts parts;
	int64_t mdtimeout;
	struct tide_bad_max maxbad;
	int parts_n, made;
} v;

static int
cb(const struct tide_option *opt, const char *arg, struct tide_opt_err *err)
{
	(void)err;
	(*(int *)opt->dest)++;
	v.cbarg = arg;
	return 0;
}

static int
cb_fail(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	snprintf(err->msg, sizeof(err->msg), "--%s: no good: '%s'", opt->name,
	    arg);
	return opt->id == O_IOFAIL ? TIDE_EIO : TIDE_EINVAL;
}

static const struct tide_option opts[] = {
	TIDE_OPT_INT(O_COUNT, "count", "n", "count", &v.count, 0, 100),
	TIDE_OPT_INT(O_SEED, "seed", "s", "seed", &v.seed, 0, LLONG_MAX),
	TIDE_OPT_INT('n', "small", "n", "an int", &v.small, -5, 5),
	TIDE_OPT_DOUBLE(O_LATE, "late", "p", "fraction", &v.late, 0, 1),
	TIDE_OPT_DUR(O_STEP, "step", "d", "a step", &v.step, 0, LLONG_MAX),
	TIDE_OPT_DUR(O_GAP, "gap", "d", "at least 1ms", &v.gap, 1, LLONG_MAX),
	TIDE_OPT_DUR(O_VERSION_GAP, "version-gap", "d", "a long", &v.gapl, 1,
	    3600000),
	TIDE_OPT_SIZE(O_SIZE, "size", "size", "a size", &v.size, 1),
	TIDE_OPT_TIME(O_FROM, "from", "time", "a time", &v.from),
	TIDE_OPT_STRING(O_NAME, "name", "name", "a name", &v.name),
	TIDE_OPT_FLAG(O_STAMP, "stamp", "a flag", &v.stamp),
	TIDE_OPT_SET(O_ON, "on", "on", &v.onoff, 1),
	TIDE_OPT_SET(O_OFF, "off", "off", &v.onoff, 0),
	TIDE_OPT_CALLBACK(O_CB, "cb", "x", "a callback", cb, &v.cbs),
	TIDE_OPT_CALLBACK('k', NULL, "x", "a short callback", cb, &v.cbs),
	TIDE_OPT_CALLBACK(O_FAIL, "fail", "x", "fails", cb_fail, NULL),
	TIDE_OPT_CALLBACK(O_IOFAIL, "iofail", "x", "fails on I/O", cb_fail, NULL),
	TIDE_OPT_NONE(O_RAW, "raw", "x", "unbound: tide_opt_next() returns it"),
	TIDE_OPT_INT_OPTARG('c', "parts", "n", "partitions, or the default",
	    &v.parts_n, 1, 100, -1),
	TIDE_OPT_INT_OPTARG(O_MADE, "made", "n", "long only", &v.made, 0, 9,
	    -7),
	TIDE_OPT_CALLBACK('p', "partitions", "list", "partitions",
	    tide_kopt_parts, &v.parts),
	TIDE_KOPT_MDTIMEOUT(&v.mdtimeout),
	TIDE_OPTS_BADINPUT(&v.maxrec, &v.strict, &v.dead, &v.maxbad),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

static const struct tide_prog prog = {
	"tide-test", "[-qv] [--count n] [file ...]", "Test the option table.",
};

/* argv from a NULL-terminated list, as main() gets it. */
static int
mkargv(char **argv, const char *const *args)
{
	int n = 0;

	argv[n++] = (char *)"tide-test";
	while (*args)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	return n;
}

static int
parse(const char *const *args, char ***argvp)
{
	static char *argv[64];
	int argc = mkargv(argv, args);

	memset(&v, 0, sizeof(v));
	tide_verbose = 0;
	tide_prog_init_opts(&prog, opts);
	*argvp = argv;
	return tide_opt_parse(argc, argv);
}

#define PARSE(...) parse((const char *const[]){ __VA_ARGS__, NULL }, &argv)

/*
 * Parse args in a child: its exit status (0 when parsing returned) and,
 * in out, the first line it wrote to stderr (or stdout with to_stdout).
 */
static int
run(const char *const *args, char *out, size_t size, int to_stdout)
{
	int fd[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;
	char **argv;

	ck_assert_int_eq(pipe(fd), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fd[0]);
		dup2(fd[1], to_stdout ? 1 : 2);
		parse(args, &argv);
		fflush(NULL);
		_exit(0);
	}
	close(fd[1]);
	while (got + 1 < size && (n = read(fd[0], out + got, size - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (!to_stdout && strchr(out, '\n'))
		*strchr(out, '\n') = '\0';
	return WEXITSTATUS(status);
}

#define RUN(buf, ...) \
	run((const char *const[]){ __VA_ARGS__, NULL }, buf, sizeof(buf), 0)

START_TEST(test_size_fmt_reads_back_as_tide_arg_size)
{
	static const size_t sizes[] = { 0, 1, 1023, 1024, 1536, 1 << 20,
	    (size_t)3 << 30, ((size_t)1 << 30) + 1, (size_t)64 << 30 };
	static const char *const want[] = { "0", "1", "1023", "1K", "1536",
	    "1M", "3G", "1073741825", "64G" };
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_str_eq(tide_size_fmt(buf, sizeof(buf), sizes[i]),
		    want[i]);
		ck_assert_int_eq(tide_arg_size("--x", buf), (long long)sizes[i]);
	}
}
END_TEST

START_TEST(test_opt_parse_stores_every_kind)
{
	char **argv;
	int ix;

	ix = PARSE("--count", "7", "--seed", "42",
	    "-n", "-5", "--late", "0.25", "--step", "1m30s", "--gap", "1ms",
	    "--size", "16M", "--from", "2026-11-01", "--name", "abc", "--stamp",
	    "--on", "--cb", "one", "-k", "two", "file");
	ck_assert_int_eq(ix, 25);
	ck_assert_str_eq(argv[ix], "file");
	ck_assert_int_eq(v.count, 7);
	ck_assert_uint_eq(v.seed, 42);
	ck_assert_int_eq(v.small, -5);
	ck_assert(v.late == 0.25);
	ck_assert_int_eq(v.step, 90000);
	ck_assert_int_eq(v.gap, 1);
	ck_assert_uint_eq(v.size, 16u << 20);
	ck_assert_int_eq(v.from, 1793491200000LL);
	ck_assert_str_eq(v.name, "abc");
	ck_assert_int_eq(v.stamp, 1);
	ck_assert_int_eq(v.onoff, 1);
	ck_assert_int_eq(v.cbs, 2);
	ck_assert_str_eq(v.cbarg, "two");
}
END_TEST

START_TEST(test_opt_parse_last_of_repeated_wins_and_given_counts)
{
	char **argv;

	PARSE("--on", "--off", "--count", "1", "--count=2", "-n3");
	ck_assert_int_eq(v.onoff, 0);
	ck_assert_int_eq(v.count, 2);
	ck_assert_int_eq(v.small, 3);
	ck_assert_int_eq(tide_opt_given(O_COUNT), 2);
	ck_assert_int_eq(tide_opt_given(O_ON), 1);
	ck_assert_int_eq(tide_opt_given(O_STAMP), 0);
	ck_assert_int_eq(tide_opt_given('n'), 1);
	ck_assert_int_eq(tide_opt_given(12345), 0);
}
END_TEST

START_TEST(test_opt_parse_permutes_operands_and_stops_at_dashdash)
{
	char **argv;
	int ix;

	ix = PARSE("a", "--count", "3", "b", "--", "--stamp");
	ck_assert_int_eq(v.count, 3);
	ck_assert_int_eq(v.stamp, 0);
	ck_assert_str_eq(argv[ix], "a");
	ck_assert_str_eq(argv[ix + 1], "b");
	ck_assert_str_eq(argv[ix + 2], "--stamp");
}
END_TEST

START_TEST(test_opt_parse_takes_only_whole_long_names)
{
	char e[512];

	/* getopt_long would take a unique prefix: "--form" was --format
	 * when --from was meant.  Here a prefix is an unknown option, and
	 * the error says what it stood for. */
	ck_assert_int_eq(RUN(e, "--cou", "9"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--cou' (did you mean --count?)");
	ck_assert_int_eq(RUN(e, "--sta"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--sta' (did you mean --stamp?)");
	ck_assert_int_eq(RUN(e, "--version-g=2s"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--version-g' (did you mean --version-gap?)");
	/* A prefix of an option that needs an argument, given none. */
	ck_assert_int_eq(RUN(e, "--cou"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--cou' (did you mean --count?)");
}
END_TEST

START_TEST(test_opt_parse_suggests_the_nearest_name)
{
	char e[512];

	/* A transposition is one edit: --setp is --step, not --seed. */
	ck_assert_int_eq(RUN(e, "--setp", "1s"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--setp' (did you mean --step?)");
	ck_assert_int_eq(RUN(e, "--cuont=3"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--cuont' (did you mean --count?)");
	ck_assert_int_eq(RUN(e, "--strictt"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--strictt' (did you mean --strict?)");
	/* Nothing near: no suggestion. */
	ck_assert_int_eq(RUN(e, "--xyzzy"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--xyzzy'");
}
END_TEST

START_TEST(test_opt_parse_ambiguous_prefix_is_an_unknown_option)
{
	char e[512];

	/* --s: --seed, --size, --step, --stamp, --strict */
	ck_assert_int_eq(RUN(e, "--s", "1"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--s'");
}
END_TEST

START_TEST(test_opt_parse_unknown_options_are_usage_errors)
{
	char e[512];

	ck_assert_int_eq(RUN(e, "--bogus"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--bogus'");
	ck_assert_int_eq(RUN(e, "-x"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '-x'");
	ck_assert_int_eq(RUN(e, "--stamp=1"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--stamp=1'");
}
END_TEST

START_TEST(test_opt_parse_missing_argument_is_a_usage_error)
{
	char e[512];

	ck_assert_int_eq(RUN(e, "--count"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: option '--count' needs an argument");
	ck_assert_int_eq(RUN(e, "-n"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: option '-n' needs an argument");
}
END_TEST

START_TEST(test_opt_parse_optional_argument_only_after_equals)
{
	char **argv;
	int ix;

	/* Bare, the option stores its absent value; its argument comes
	 * only after '=' (or glued to the letter): a next word is an
	 * operand. */
	ix = PARSE("--parts", "7", "--made");
	ck_assert_int_eq(v.parts_n, -1);
	ck_assert_int_eq(v.made, -7);
	ck_assert_str_eq(argv[ix], "7");
	ck_assert_ptr_null(argv[ix + 1]);
	PARSE("--parts=7", "--made=0");
	ck_assert_int_eq(v.parts_n, 7);
	ck_assert_int_eq(v.made, 0);
	ck_assert_int_eq(tide_opt_given('c'), 1);
	PARSE("-c");
	ck_assert_int_eq(v.parts_n, -1);
	PARSE("-c12", "--parts");
	ck_assert_int_eq(v.parts_n, -1);
	ck_assert_int_eq(tide_opt_given('c'), 2);
	PARSE("--parts", "--parts=100");
	ck_assert_int_eq(v.parts_n, 100);
	PARSE("--count=1");
	ck_assert_int_eq(v.parts_n, 0);
	ck_assert_int_eq(tide_opt_given('c'), 0);
}
END_TEST

START_TEST(test_opt_parse_optional_argument_errors)
{
	char e[512];

	ck_assert_int_eq(RUN(e, "--parts="), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: -c: not an integer: ''");
	ck_assert_int_eq(RUN(e, "--parts=0"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: -c: 0 is out of range [1, 100]");
	ck_assert_int_eq(RUN(e, "-c101"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: -c: 101 is out of range [1, 100]");
	ck_assert_int_eq(RUN(e, "--made=x"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --made: not an integer: 'x'");
	/* Whole names only, with or without the argument, and the nearest
	 * name suggested. */
	ck_assert_int_eq(RUN(e, "--part=3"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--part' (did you mean --parts?)");
	ck_assert_int_eq(RUN(e, "--mad"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--mad' (did you mean --made?)");
	ck_assert_int_eq(RUN(e, "--prats=3"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--prats' (did you mean --parts?)");
	ck_assert_int_eq(RUN(e, "--maed"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: unknown option '--maed' (did you mean --made?)");
}
END_TEST

START_TEST(test_opt_parse_range_errors_name_the_option)
{
	char e[512];

	ck_assert_int_eq(RUN(e, "--count", "101"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --count: 101 is out of range [0, 100]");
	ck_assert_int_eq(RUN(e, "--count", "x"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --count: not an integer: 'x'");
	/* A short option is named by its letter. */
	ck_assert_int_eq(RUN(e, "--small", "6"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: -n: 6 is out of range [-5, 5]");
	ck_assert_int_eq(RUN(e, "--late", "2"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --late: 2 is out of range [0, 1]");
	ck_assert_int_eq(RUN(e, "--step", "5"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --step: not a duration: '5' "
	    "(e.g. 250ms, 30s, 1h30m)");
	ck_assert_int_eq(RUN(e, "--gap", "0s"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --gap: must be at least 1ms: '0s'");
	ck_assert_int_eq(RUN(e, "--version-gap", "2h"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --version-gap: out of range: '2h' "
	    "(1ms to 1h)");
	ck_assert_int_eq(RUN(e, "--size", "0"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --size: must be more than 0");
	ck_assert_int_eq(RUN(e, "--size", "1X"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --size: not a size: '1X' "
	    "(e.g. 512k, 16M, 1G)");
	ck_assert_int_eq(RUN(e, "--from", "tomorrowish"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --from: not a time: 'tomorrowish' "
	    "(RFC 3339, a date, epoch ms, now or -15m)");
}
END_TEST

START_TEST(test_opt_parse_callback_errors_are_usage_or_io_errors)
{
	char e[512];

	ck_assert_int_eq(RUN(e, "--fail", "x"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --fail: no good: 'x'");
	ck_assert_int_eq(RUN(e, "--iofail", "y"), TIDE_EX_IOERR);
	ck_assert_str_eq(e, "tide-test: --iofail: no good: 'y'");
}
END_TEST

START_TEST(test_opt_parse_exits_on_an_unbound_option)
{
	char e[512];

	ck_assert_int_eq(RUN(e, "--raw", "x"), TIDE_EX_FAIL);
}
END_TEST

START_TEST(test_opt_next_returns_unbound_options_and_applies_bound_ones)
{
	char *argv[16];
	const char *arg;
	int argc = mkargv(argv, (const char *const[]){ "--count", "4", "--raw",
	    "r1", "--stamp", "--raw=r2", "f", NULL });

	memset(&v, 0, sizeof(v));
	tide_prog_init_opts(&prog, opts);
	ck_assert_int_eq(tide_opt_next(argc, argv, &arg), O_RAW);
	ck_assert_str_eq(arg, "r1");
	ck_assert_int_eq(v.count, 4);
	ck_assert_int_eq(tide_opt_next(argc, argv, &arg), O_RAW);
	ck_assert_str_eq(arg, "r2");
	ck_assert_int_eq(v.stamp, 1);
	ck_assert_int_eq(tide_opt_next(argc, argv, &arg), -1);
	ck_assert_str_eq(argv[tide_opt_index()], "f");
}
END_TEST

START_TEST(test_opt_verbosity_group)
{
	char **argv;

	PARSE("-vv");
	ck_assert_int_eq(tide_verbose, 2);
	PARSE("-q", "-v", "--verbose");
	ck_assert_int_eq(tide_verbose, -1);
	PARSE("--verbose", "--quiet");
	ck_assert_int_eq(tide_verbose, -1);
}
END_TEST

START_TEST(test_opt_badinput_group)
{
	char **argv;
	char e[512];

	PARSE("--max-record", "1k", "--strict", "--dead-letter", "dl");
	ck_assert_uint_eq(v.maxrec, 1024);
	ck_assert_int_eq(v.strict, 1);
	ck_assert_str_eq(v.dead, "dl");
	ck_assert_int_eq(RUN(e, "--max-record", "0"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --max-record: must be more than 0");
	/* --max-bad: a count, or a percentage of the records read. */
	PARSE("--max-bad", "12");
	ck_assert_int_eq(v.maxbad.given, 1);
	ck_assert_uint_eq(v.maxbad.n, 12);
	ck_assert(v.maxbad.pct < 0);
	PARSE("--max-bad", "2.5%");
	ck_assert(v.maxbad.pct == 2.5);
	ck_assert_int_eq(RUN(e, "--max-bad", "101%"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --max-bad: not a count or a percentage "
	    "(N or P%): '101%'");
	ck_assert_int_eq(RUN(e, "--max-bad", "-1"), TIDE_EX_USAGE);
	ck_assert_int_eq(RUN(e, "--max-bad", "%"), TIDE_EX_USAGE);
}
END_TEST

START_TEST(test_kopt_partitions_and_metadata_timeout)
{
	char **argv;
	char e[512];

	PARSE("-p", "0,2,4-6", "-p", "9", "--metadata-timeout", "1h");
	ck_assert_uint_eq(v.parts.n, 6);
	ck_assert_int_eq(v.parts.v[2], 4);
	ck_assert_int_eq(v.parts.v[5], 9);
	ck_assert_int_eq(v.mdtimeout, 3600000);
	free(v.parts.v);
	ck_assert_int_eq(RUN(e, "-p", "1,,2"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: -p: not a partition list: '1,,2' "
	    "(e.g. 0,2,4-7)");
	ck_assert_int_eq(RUN(e, "-p", "3-1"), TIDE_EX_USAGE);
	ck_assert_int_eq(RUN(e, "-p", "1,"), TIDE_EX_USAGE);
	ck_assert_int_eq(RUN(e, "--metadata-timeout", "0"), TIDE_EX_USAGE);
	ck_assert_str_eq(e, "tide-test: --metadata-timeout: out of range: '0' "
	    "(1ms to 1h)");
}
END_TEST

START_TEST(test_kopt_conf_goes_to_kconf)
{
	static struct tide_kconf kc;
	static const struct tide_option kopts[] = {
		TIDE_KOPTS_CONF(&kc),
		TIDE_OPT_END,
	};
	char *argv[8];
	int argc = mkargv(argv, (const char *const[]){ "-b", "h:1", "-X",
	    "linger.ms=5", NULL });

	tide_kconf_init(&kc);
	tide_prog_init_opts(&prog, kopts);
	ck_assert_int_eq(tide_opt_parse(argc, argv), 5);
	ck_assert_str_eq(kc.brokers, "h:1");
	ck_assert_uint_eq(kc.nprops, 1);
	ck_assert_str_eq(kc.props[0], "linger.ms=5");
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_opt_list_options_lists_bound_entries_and_the_standard_ones)
{
	char out[8192];

	ck_assert_int_eq(run((const char *const[]){ "--list-options", NULL },
	    out, sizeof(out), 1), 0);
	ck_assert_ptr_nonnull(strstr(out, "-\t--count\tn\tcount\n"));
	ck_assert_ptr_nonnull(strstr(out, "-n\t--small\tn\tan int\n"));
	ck_assert_ptr_nonnull(strstr(out, "-k\t-\tx\ta short callback\n"));
	ck_assert_ptr_nonnull(strstr(out, "-q\t--quiet\t-\tno warnings\n"));
	ck_assert_ptr_nonnull(strstr(out, "-\t--strict\t-\t"
	    "exit 65 at the first bad record\n"));
	ck_assert_ptr_nonnull(strstr(out, "-h\t--help\t-\t"));
	ck_assert_ptr_nonnull(strstr(out, "-\t--list-options\t-\t"));
	ck_assert_int_eq(run((const char *const[]){ "-h", NULL }, out,
	    sizeof(out), 1), 0);
	ck_assert_int_eq(strncmp(out, "usage: tide-test [-qv]", 22), 0);
	ck_assert_ptr_nonnull(strstr(out, "\n  -n, --small n"
	    "                an int\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n      --count n"
	    "                count\n"));
	/* An optional argument: [=n], in -h and --list-options alike. */
	ck_assert_ptr_nonnull(strstr(out, "\n  -c, --parts[=n]"
	    "              partitions, or the default\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n      --made[=n]"
	    "               long only\n"));
	ck_assert_int_eq(run((const char *const[]){ "--list-options", NULL },
	    out, sizeof(out), 1), 0);
	ck_assert_ptr_nonnull(strstr(out, "-c\t--parts\t[=n]\t"
	    "partitions, or the default\n"));
	ck_assert_ptr_nonnull(strstr(out, "-\t--made\t[=n]\tlong only\n"));
}
END_TEST

static void
exit_usage_child(void)
{
	char **argv;

	fclose(stderr);
	PARSE("--count", "-1");
}

START_TEST(test_opt_parse_out_of_range_exits_64)
{
	exit_usage_child();
}
END_TEST

Suite *suite_prog(void);

Suite *
suite_prog(void)
{
	Suite *s = suite_create("prog");
	TCase *tc = tcase_create("prog");

	tcase_add_test(tc, test_size_fmt_reads_back_as_tide_arg_size);
	tcase_add_test(tc, test_opt_parse_stores_every_kind);
	tcase_add_test(tc, test_opt_parse_last_of_repeated_wins_and_given_counts);
	tcase_add_test(tc, test_opt_parse_permutes_operands_and_stops_at_dashdash);
	tcase_add_test(tc, test_opt_parse_takes_only_whole_long_names);
	tcase_add_test(tc, test_opt_parse_suggests_the_nearest_name);
	tcase_add_test(tc, test_opt_parse_ambiguous_prefix_is_an_unknown_option);
	tcase_add_test(tc, test_opt_parse_unknown_options_are_usage_errors);
	tcase_add_test(tc, test_opt_parse_missing_argument_is_a_usage_error);
	tcase_add_test(tc, test_opt_parse_optional_argument_only_after_equals);
	tcase_add_test(tc, test_opt_parse_optional_argument_errors);
	tcase_add_test(tc, test_opt_parse_range_errors_name_the_option);
	tcase_add_test(tc, test_opt_parse_callback_errors_are_usage_or_io_errors);
	tcase_add_test(tc, test_opt_parse_exits_on_an_unbound_option);
	tcase_add_test(tc,
	    test_opt_next_returns_unbound_options_and_applies_bound_ones);
	tcase_add_test(tc, test_opt_verbosity_group);
	tcase_add_test(tc, test_opt_badinput_group);
	tcase_add_test(tc, test_kopt_partitions_and_metadata_timeout);
	tcase_add_test(tc, test_kopt_conf_goes_to_kconf);
	tcase_add_test(tc,
	    test_opt_list_options_lists_bound_entries_and_the_standard_ones);
	tcase_add_exit_test(tc, test_opt_parse_out_of_range_exits_64,
	    TIDE_EX_USAGE);
	suite_add_tcase(s, tc);
	return s;
}
