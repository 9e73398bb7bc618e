/*
 * lib/filesrc: a head's files read in turn -- records in order with the
 * file's name as the callbacks' ctx, NDJSON or CSV by name or by the
 * format given, the total size and the position for progress, stdin
 * (the idle hook first), and the files that end otherwise: a callback's
 * stop, a missing file, a ".zst" that is not zstd, corrupt zstd data, a
 * CSV error; each warned in the program's words, the files after it not
 * read; a filter (--where).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "filesrc.h"
#include "unit.h"

static char dir[64];
static char paths[8][128];
static int npaths;
static char got[2048];
static char warned[1024];
static int stop_at, nrec, nidle;

/* dir/name holding text; its path in a static slot of 8. */
static char *
put(const char *name, const char *text, size_t n)
{
	char *p;
	FILE *f;

	ck_assert_int_lt(npaths, 8);
	p = paths[npaths++];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/check_filesrc.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(dir));
	}
	snprintf(p, 128, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, n, f), n);
	fclose(f);
	return p;
}

#define PUT(name, s)	put(name, s, sizeof(s) - 1)

static int
on_rec(void *ctx, const char *p, size_t n)
{
	size_t l = strlen(got);
	const char *name = strrchr(ctx, '/');

	snprintf(got + l, sizeof(got) - l, "R %s %.*s\n", name ? name + 1 :
	    (const char *)ctx, (int)n, p);
	return ++nrec == stop_at ? 1 : 0;
}

static int
on_bad(void *ctx, uint64_t lineno, const char *raw, size_t n, const char *why)
{
	size_t l = strlen(got);

	(void)ctx;
	snprintf(got + l, sizeof(got) - l, "B %d [%.*s] %s\n", (int)lineno,
	    (int)n, raw, why);
	return 0;
}

static void
on_warn(void *ctx, const char *msg)
{
	size_t l = strlen(warned);

	(void)ctx;
	snprintf(warned + l, sizeof(warned) - l, "%s\n", msg);
}

static int
on_idle(void *ctx)
{
	(void)ctx;
	nidle++;
	return 0;
}

static int
read_files(struct tide_filesrc *f, char **names, size_t n,
    const char *format)
{
	got[0] = warned[0] = '\0';
	nrec = nidle = 0;
	tide_filesrc_init(f, names, n, format, 0);
	f->on_warn = on_warn;
	f->idle = on_idle;
	return tide_filesrc_read(f, on_rec, on_bad);
}

START_TEST(test_filesrc_reads_in_turn_by_name)
{
	struct tide_filesrc f;
	char *names[2];

	stop_at = -1;
	names[0] = PUT("a.ndjson", "{\"a\":1}\n{\"a\":2}\n");
	names[1] = PUT("b.csv", "x,y\n3,z\n");
	ck_assert_int_eq(read_files(&f, names, 2, NULL), 0);
	ck_assert_str_eq(got, "R a.ndjson {\"a\":1}\nR a.ndjson {\"a\":2}\n"
	    "R b.csv {\"x\":3,\"y\":\"z\"}\n");
	ck_assert_str_eq(warned, "");
	ck_assert_uint_eq(f.total, 16 + 8);
	ck_assert_uint_eq(tide_filesrc_pos(&f), 16 + 8);
	ck_assert_ptr_null(f.cur);
	ck_assert_int_eq(nidle, 0);	/* no stdin */
}
END_TEST

/* A filter: the records it keeps go on, the others are counted; a barrier
 * passes; NDJSON and CSV alike; a regex at its match limit is bad. */
START_TEST(test_filesrc_where_filters_and_counts)
{
	struct tide_filesrc f;
	struct tide_expr e;
	struct tide_expr_err err;
	char *names[2];

	stop_at = -1;
	names[0] = PUT("w.ndjson", "{\"a\":1}\n{\"@barrier\":{\"seq\":1,"
	    "\"offsets\":[]}}\n{\"a\":2}\nbad\n{\"a\":\"x\"}\n"
	    "{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}\n");
	names[1] = PUT("w.csv", "a\n1\n5\n");
	ck_assert_int_eq(tide_expr_compile(&e, "a > 1 or s =~ /^(a+)+$/",
	    &err), 0);
	got[0] = warned[0] = '\0';
	tide_filesrc_init(&f, names, 2, NULL, 0);
	f.on_warn = on_warn;
	f.where = &e;
	ck_assert_int_eq(tide_filesrc_read(&f, on_rec, on_bad), 0);
	ck_assert_str_eq(got, "R w.ndjson {\"@barrier\":{\"seq\":1,"
	    "\"offsets\":[]}}\nR w.ndjson {\"a\":2}\n"
	    "B 4 [bad] not valid JSON: expected a value at byte 0\n"
	    "B 6 [{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}] --where: "
	    "regex /^(a+)+$/ reached its match limit\n"
	    "R w.csv {\"a\":5}\n");
	ck_assert_uint_eq(f.filtered, 3);
	tide_expr_release(&e);
}
END_TEST

START_TEST(test_filesrc_format_overrides_the_name)
{
	struct tide_filesrc f;
	char *names[1];

	stop_at = -1;
	names[0] = PUT("rows.csv", "{\"a\":1}\n");
	ck_assert_int_eq(read_files(&f, names, 1, "ndjson"), 0);
	ck_assert_str_eq(got, "R rows.csv {\"a\":1}\n");
	names[0] = PUT("rows.ndjson", "a\n1\n");
	ck_assert_int_eq(read_files(&f, names, 1, "csv"), 0);
	ck_assert_str_eq(got, "R rows.ndjson {\"a\":1}\n");
}
END_TEST

START_TEST(test_filesrc_stdin_idles_first_and_has_no_total)
{
	struct tide_filesrc f;
	char *names[2];
	int fd;

	stop_at = -1;
	names[0] = PUT("a.ndjson", "{}\n");
	names[1] = "-";
	fd = open(PUT("in", "{\"s\":1}\n"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 0), 0);
	ck_assert_int_eq(read_files(&f, names, 2, NULL), 0);
	ck_assert_str_eq(got, "R a.ndjson {}\nR - {\"s\":1}\n");
	ck_assert_uint_eq(f.total, 0);
	ck_assert_int_ge(nidle, 1);
	close(fd);
}
END_TEST

START_TEST(test_filesrc_stop_value_ends_the_read)
{
	struct tide_filesrc f;
	char *names[2];

	names[0] = PUT("a.ndjson", "{\"a\":1}\n{\"a\":2}\n");
	names[1] = PUT("b.ndjson", "{\"b\":1}\n");
	stop_at = 1;
	ck_assert_int_eq(read_files(&f, names, 2, NULL), 1);
	ck_assert_str_eq(got, "R a.ndjson {\"a\":1}\n");
	ck_assert_str_eq(warned, "");
	ck_assert_uint_gt(tide_filesrc_pos(&f), 0);
}
END_TEST

START_TEST(test_filesrc_missing_file_is_an_io_error)
{
	struct tide_filesrc f;
	char *names[3];
	char want[256];

	stop_at = -1;
	names[0] = PUT("a.ndjson", "{}\n");
	snprintf(want, sizeof(want), "%s/nosuch", dir);
	names[1] = want;
	names[2] = PUT("b.ndjson", "[]\n");
	ck_assert_int_eq(read_files(&f, names, 3, NULL), TIDE_EIO);
	ck_assert_uint_eq(f.total, 0);	/* one has no size */
	ck_assert_str_eq(got, "R a.ndjson {}\n");	/* b not read */
	snprintf(want, sizeof(want), "%s/nosuch: No such file or directory\n",
	    dir);
	ck_assert_str_eq(warned, want);
}
END_TEST

START_TEST(test_filesrc_bad_zstd_is_a_format_error)
{
	static const char z[] = "\x28\xb5\x2f\xfd\x00\x00\x00\xff\xff\xff";
	struct tide_filesrc f;
	char *names[1];
	char want[256];

	stop_at = -1;
	names[0] = PUT("plain.zst", "{}\n");
	ck_assert_int_eq(read_files(&f, names, 1, NULL), TIDE_EFORMAT);
	snprintf(want, sizeof(want), "%s: corrupt zstd data\n", names[0]);
	ck_assert_str_eq(warned, want);
	ck_assert_str_eq(got, "");
	names[0] = put("broken.ndjson", z, sizeof(z) - 1);
	ck_assert_int_eq(read_files(&f, names, 1, NULL), TIDE_EFORMAT);
	snprintf(want, sizeof(want), "%s: corrupt zstd data\n", names[0]);
	ck_assert_str_eq(warned, want);
}
END_TEST

START_TEST(test_filesrc_csv_error_ends_the_read)
{
	struct tide_filesrc f;
	char *names[2];
	char want[256];

	stop_at = -1;
	names[0] = PUT("open.csv", "a,b\n1,\"x\n");
	names[1] = PUT("b.ndjson", "[]\n");
	ck_assert_int_eq(read_files(&f, names, 2, NULL), TIDE_EFORMAT);
	snprintf(want, sizeof(want), "%s: line 2: ", names[0]);
	ck_assert_msg(strncmp(warned, want, strlen(want)) == 0, "%s", warned);
	ck_assert_str_eq(got, "");
}
END_TEST

/* Each test runs in its own process: its own directory, removed here. */
static void
teardown(void)
{
	int i;

	for (i = 0; i < npaths; i++)
		unlink(paths[i]);
	if (dir[0])
		rmdir(dir);
}

Suite *
suite_filesrc(void)
{
	Suite *s = suite_create("filesrc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);

	tcase_add_test(tc, test_filesrc_reads_in_turn_by_name);
	tcase_add_test(tc, test_filesrc_format_overrides_the_name);
	tcase_add_test(tc, test_filesrc_stdin_idles_first_and_has_no_total);
	tcase_add_test(tc, test_filesrc_stop_value_ends_the_read);
	tcase_add_test(tc, test_filesrc_missing_file_is_an_io_error);
	tcase_add_test(tc, test_filesrc_bad_zstd_is_a_format_error);
	tcase_add_test(tc, test_filesrc_csv_error_ends_the_read);
	tcase_add_test(tc, test_filesrc_where_filters_and_counts);
	suite_add_tcase(s, tc);
	return s;
}
