#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bad.h"
#include "err.h"
#include "exitcode.h"
#include "prog.h"
#include "unit.h"

static const struct tide_option no_opts[] = { TIDE_OPT_END };
static const struct tide_prog test_prog = { "tide-test", "[-q]", "test" };

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[4096];
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(test_bad_dead_letter_keeps_raw_line_and_reason)
{
	char path[] = "/tmp/tide-bad.XXXXXX";
	struct tide_bad bad;
	int fd = mkstemp(path);

	close(fd);
	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	ck_assert_int_eq(tide_bad_init(&bad, 0, path), 0);
	ck_assert_int_eq(tide_bad_record(&bad, "-", 3, "{\"a\":", 5,
	    "not valid JSON: %s", "unexpected end"), 0);
	ck_assert_int_eq(tide_bad_record(&bad, "in.ndjson", 7, "\xff\x01", 2,
	    "invalid UTF-8"), 0);
	ck_assert_uint_eq(bad.count, 2);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
	ck_assert_str_eq(slurp(path),
	    "{\"source\":\"-\",\"line\":3,\"error\":\"not valid JSON: unexpected end\",\"raw\":\"{\\\"a\\\":\"}\n"
	    "{\"source\":\"in.ndjson\",\"line\":7,\"error\":\"invalid UTF-8\",\"raw_b64\":\"/wE=\"}\n");
	unlink(path);
}
END_TEST

START_TEST(test_bad_record_with_puts_members_after_raw)
{
	char path[] = "/tmp/tide-bad.XXXXXX";
	struct tide_bad bad;
	static const char extra[] = "\"violations\":[{\"rule\":\"#/type\"}]";
	int fd = mkstemp(path);

	close(fd);
	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	ck_assert_int_eq(tide_bad_init(&bad, 1, path), 0);
	ck_assert_int_eq(tide_bad_record_with(&bad, "-", 2, "{}", 2, extra,
	    strlen(extra), "%s", "#/type: wrong"), TIDE_EINVAL);
	ck_assert_int_eq(tide_bad_record_with(&bad, "-", 3, "{}", 2, NULL, 0,
	    "plain"), TIDE_EINVAL);
	ck_assert_uint_eq(bad.count, 2);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
	ck_assert_str_eq(slurp(path),
	    "{\"source\":\"-\",\"line\":2,\"error\":\"#/type: wrong\",\"raw\":\"{}\",\"violations\":[{\"rule\":\"#/type\"}]}\n"
	    "{\"source\":\"-\",\"line\":3,\"error\":\"plain\",\"raw\":\"{}\"}\n");
	unlink(path);
}
END_TEST

START_TEST(test_bad_message_is_located_by_topic_partition_offset)
{
	char path[] = "/tmp/tide-bad.XXXXXX";
	struct tide_bad bad;
	int fd = mkstemp(path);

	close(fd);
	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	ck_assert_int_eq(tide_bad_init(&bad, 0, path), 0);
	ck_assert_int_eq(tide_bad_message(&bad, "tx", 2, 1042, "\0\0\0\0\7",
	    5, "value: %s", "short"), 0);
	ck_assert_int_eq(tide_bad_message(&bad, "tx", 0, 1, NULL, 0,
	    "key: no"), 0);
	ck_assert_uint_eq(bad.count, 2);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
	ck_assert_str_eq(slurp(path),
	    "{\"topic\":\"tx\",\"partition\":2,\"offset\":1042,\"error\":\"value: short\",\"raw\":\"\\u0000\\u0000\\u0000\\u0000\\u0007\"}\n"
	    "{\"topic\":\"tx\",\"partition\":0,\"offset\":1,\"error\":\"key: no\",\"raw\":\"\"}\n");
	unlink(path);
	ck_assert_int_eq(tide_bad_init(&bad, 1, NULL), 0);
	ck_assert_int_eq(tide_bad_message(&bad, "tx", 0, 1, "x", 1, "no"),
	    TIDE_EINVAL);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
}
END_TEST

START_TEST(test_bad_strict_asks_to_stop)
{
	struct tide_bad bad;

	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	ck_assert_int_eq(tide_bad_init(&bad, 1, NULL), 0);
	ck_assert_int_eq(tide_bad_record(&bad, "-", 1, "x", 1, "not JSON"),
	    TIDE_EINVAL);
	ck_assert_int_eq(tide_exit_of(TIDE_EINVAL), TIDE_EX_DATAERR);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
}
END_TEST

/* lib/err.h's codes, not exit statuses: a dead-letter file that refuses a
 * line is TIDE_EIO (tide_exit_of: 74), from the record or, once the
 * buffer is flushed, from the finish. */
START_TEST(test_bad_dead_letter_write_failure_is_eio)
{
	struct tide_bad bad;
	char big[8192];
	int r, i;

	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(tide_bad_init(&bad, 0, "/dev/full"), 0);
	ck_assert_int_eq(bad.created, 0);
	/* stdio buffers: the first lines may be taken; a line over the
	 * buffer is written through and refused. */
	for (i = 0, r = 0; i < 4 && r == 0; i++)
		r = tide_bad_record(&bad, "-", (uint64_t)i + 1, big,
		    sizeof(big), "too long");
	ck_assert_int_eq(r, TIDE_EIO);
	ck_assert_int_eq(tide_exit_of(r), TIDE_EX_IOERR);
	ck_assert_int_eq(tide_bad_finish(&bad), TIDE_EIO);

	/* A short line sits in the buffer: the finish's flush fails. */
	ck_assert_int_eq(tide_bad_init(&bad, 0, "/dev/full"), 0);
	ck_assert_int_eq(tide_bad_record(&bad, "-", 1, "x", 1, "not JSON"), 0);
	ck_assert_int_eq(tide_bad_finish(&bad), TIDE_EIO);
	ck_assert_ptr_null(bad.dead);
	ck_assert_ptr_null(bad.deadpath);
}
END_TEST

/* A bad struct with count bad records, no file. */
static void
counted(struct tide_bad *bad, uint64_t count)
{
	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	ck_assert_int_eq(tide_bad_init(bad, 0, NULL), 0);
	bad->count = count;
}

/* Without --max-bad a run fails (65) only when every record read was
 * bad; with it, past N, or past P% of the records read. */
START_TEST(test_bad_verdict_default_and_max_bad)
{
	struct tide_bad bad;
	struct tide_bad_max m;

	counted(&bad, 0);
	ck_assert_int_eq(tide_bad_verdict(&bad, NULL, 0), 0);
	ck_assert_int_eq(tide_bad_verdict(&bad, NULL, 10), 0);
	counted(&bad, 3);
	ck_assert_int_eq(tide_bad_verdict(&bad, NULL, 3), TIDE_EINVAL);
	ck_assert_int_eq(tide_exit_of(TIDE_EINVAL), TIDE_EX_DATAERR);
	/* Fewer read than bad (a broken barrier is bad, not a record). */
	ck_assert_int_eq(tide_bad_verdict(&bad, NULL, 1), TIDE_EINVAL);
	ck_assert_int_eq(tide_bad_verdict(&bad, NULL, 4), 0);

	ck_assert_int_eq(tide_bad_max_parse(&m, "3"), 0);
	ck_assert_int_eq(tide_bad_verdict(&bad, &m, 3), 0);
	ck_assert_int_eq(tide_bad_max_parse(&m, "2"), 0);
	ck_assert_int_eq(tide_bad_verdict(&bad, &m, 100), TIDE_EINVAL);
	ck_assert_int_eq(tide_bad_max_parse(&m, "0"), 0);
	counted(&bad, 1);
	ck_assert_int_eq(tide_bad_verdict(&bad, &m, 1000), TIDE_EINVAL);
	counted(&bad, 0);
	ck_assert_int_eq(tide_bad_verdict(&bad, &m, 1000), 0);

	/* 10 of 100 is 10%: not over 10%, over 9.9%. */
	counted(&bad, 10);
	ck_assert_int_eq(tide_bad_max_parse(&m, "10%"), 0);
	ck_assert_int_eq(tide_bad_verdict(&bad, &m, 100), 0);
	ck_assert_int_eq(tide_bad_max_parse(&m, "9.9%"), 0);
	ck_assert_int_eq(tide_bad_verdict(&bad, &m, 100), TIDE_EINVAL);
	/* 100% never fails, even when all were bad. */
	ck_assert_int_eq(tide_bad_max_parse(&m, "100%"), 0);
	ck_assert_int_eq(tide_bad_verdict(&bad, &m, 10), 0);
}
END_TEST

START_TEST(test_bad_max_parse_rejects)
{
	static const char *const bad[] = { "", "%", "x", "-1", "+1", " 1",
	    "1x", "101%", "-0.5%", "1e400%", "nan%", "18446744073709551616",
	    "5 %" };
	struct tide_bad_max m;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(tide_bad_max_parse(&m, bad[i]) == TIDE_EINVAL,
		    "'%s' was taken", bad[i]);
	ck_assert_int_eq(tide_bad_max_parse(&m, "0%"), 0);
	ck_assert(m.pct == 0);
	ck_assert_int_eq(m.given, 1);
}
END_TEST

/* The init's failure is TIDE_EIO with errno saying why. */
START_TEST(test_bad_init_failure_is_eio_with_errno)
{
	struct tide_bad bad;

	errno = 0;
	ck_assert_int_eq(tide_bad_init(&bad, 0, "/nonexistent/dir/dead"),
	    TIDE_EIO);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_bad_unwritable_dead_letter_path_fails_init)
{
	struct tide_bad bad;

	ck_assert_int_lt(tide_bad_init(&bad, 0, "/nonexistent/dir/dead.ndjson"), 0);
}
END_TEST

START_TEST(test_bad_dead_letter_file_exists_only_when_something_is_in_it)
{
	char dir[] = "/tmp/tide-bad.XXXXXX", path[64];
	struct tide_bad bad;
	struct stat st;

	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dead", dir);
	/* No bad record: created at init (a bad path fails early), removed
	 * at the end. */
	ck_assert_int_eq(tide_bad_init(&bad, 0, path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
	ck_assert_int_eq(stat(path, &st), -1);
	/* A bad record: the file stays. */
	ck_assert_int_eq(tide_bad_init(&bad, 0, path), 0);
	ck_assert_int_eq(tide_bad_record(&bad, "-", 1, "x", 1, "not JSON"), 0);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
	ck_assert_str_eq(slurp(path),
	    "{\"source\":\"-\",\"line\":1,\"error\":\"not JSON\",\"raw\":\"x\"}\n");
	/* A file that was there is appended to, and stays even if nothing
	 * more was added -- also when it was empty. */
	ck_assert_int_eq(tide_bad_init(&bad, 0, path), 0);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(tide_bad_init(&bad, 0, path), 0);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	unlink(path);
	/* What the program wrote itself through bad.dead (tide-sink's
	 * undelivered records) keeps the file. */
	ck_assert_int_eq(tide_bad_init(&bad, 0, path), 0);
	fputs("{\"own\":1}\n", bad.dead);
	ck_assert_int_eq(tide_bad_finish(&bad), 0);
	ck_assert_str_eq(slurp(path), "{\"own\":1}\n");
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_arg_int_accepts_in_range)
{
	tide_prog_init_opts(&test_prog, no_opts);
	ck_assert_int_eq(tide_arg_int("--count", "42", 0, 100), 42);
	ck_assert_int_eq(tide_arg_int("--count", "-5", -10, 0), -5);
	ck_assert_int_eq(tide_arg_size("--max-record", "16M"), 16 << 20);
	ck_assert_int_eq(tide_arg_size("--max-record", "512k"), 512 << 10);
	ck_assert_int_eq(tide_arg_size("--max-record", "100"), 100);
}
END_TEST

START_TEST(test_arg_int_rejects_garbage)
{
	tide_prog_init_opts(&test_prog, no_opts);
	fclose(stderr);
	tide_arg_int("--count", "12x", 0, 100);
}
END_TEST

START_TEST(test_arg_int_rejects_out_of_range)
{
	tide_prog_init_opts(&test_prog, no_opts);
	fclose(stderr);
	tide_arg_int("--count", "101", 0, 100);
}
END_TEST

START_TEST(test_arg_int_rejects_empty)
{
	tide_prog_init_opts(&test_prog, no_opts);
	fclose(stderr);
	tide_arg_int("--count", "", 0, 100);
}
END_TEST

START_TEST(test_arg_size_rejects_unknown_suffix)
{
	tide_prog_init_opts(&test_prog, no_opts);
	fclose(stderr);
	tide_arg_size("--max-record", "16X");
}
END_TEST

START_TEST(test_arg_double_rejects_nan)
{
	tide_prog_init_opts(&test_prog, no_opts);
	fclose(stderr);
	tide_arg_double("--late", "nan", 0, 1);
}
END_TEST

Suite *suite_bad(void);

Suite *
suite_bad(void)
{
	Suite *s = suite_create("bad");
	TCase *tc = tcase_create("bad");

	tcase_add_test(tc, test_bad_dead_letter_keeps_raw_line_and_reason);
	tcase_add_test(tc, test_bad_record_with_puts_members_after_raw);
	tcase_add_test(tc, test_bad_strict_asks_to_stop);
	tcase_add_test(tc, test_bad_message_is_located_by_topic_partition_offset);
	tcase_add_test(tc, test_bad_unwritable_dead_letter_path_fails_init);
	tcase_add_test(tc, test_bad_dead_letter_write_failure_is_eio);
	tcase_add_test(tc, test_bad_init_failure_is_eio_with_errno);
	tcase_add_test(tc, test_bad_verdict_default_and_max_bad);
	tcase_add_test(tc, test_bad_max_parse_rejects);
	tcase_add_test(tc,
	    test_bad_dead_letter_file_exists_only_when_something_is_in_it);
	tcase_add_test(tc, test_arg_int_accepts_in_range);
	tcase_add_exit_test(tc, test_arg_int_rejects_garbage, TIDE_EX_USAGE);
	tcase_add_exit_test(tc, test_arg_int_rejects_out_of_range, TIDE_EX_USAGE);
	tcase_add_exit_test(tc, test_arg_int_rejects_empty, TIDE_EX_USAGE);
	tcase_add_exit_test(tc, test_arg_size_rejects_unknown_suffix, TIDE_EX_USAGE);
	tcase_add_exit_test(tc, test_arg_double_rejects_nan, TIDE_EX_USAGE);
	suite_add_tcase(s, tc);
	return s;
}
