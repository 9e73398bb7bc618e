/*
 * lib/recfile: an input file read to its end as records, NDJSON or CSV,
 * through one pair of callbacks: records and bad ones in order with their
 * lines and reasons, a callback's stop value, a CSV error that ends the
 * file, a corrupt zstd file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "recfile.h"
#include "unit.h"

static char path[64];
static char got[2048];
static int stop_at, nrec;

static void
put(const char *text, size_t n)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_recfile.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, n, f), n);
	fclose(f);
	got[0] = '\0';
	nrec = 0;
	stop_at = -1;
}

static int
on_rec(void *ctx, const char *p, size_t n)
{
	size_t l = strlen(got);

	(void)ctx;
	snprintf(got + l, sizeof(got) - l, "R %.*s\n", (int)n, p);
	return ++nrec == stop_at ? 7 : 0;
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

static const struct tide_recfile_cb cb = { on_rec, on_bad, NULL, NULL, NULL };

static int
read_all(int csv, size_t max, struct tide_recfile_err *err)
{
	struct tide_recin in;
	int r;

	ck_assert_int_eq(tide_recin_open(&in, path, 0, max), 0);
	r = tide_recfile_read(&in, csv, max, &cb, err);
	tide_recin_close(&in);
	unlink(path);
	return r;
}

#define PUT(s) put(s, sizeof(s) - 1)

START_TEST(test_recfile_ndjson_records_and_bad_lines)
{
	struct tide_recfile_err err;

	PUT("{\"a\":1}\n\nnope\n[2]\n{\"b\":2}\n");
	ck_assert_int_eq(read_all(0, 0, &err), 0);
	ck_assert_str_eq(got, "R {\"a\":1}\n"
	    "B 2 [] empty line\n"
	    "B 3 [nope] not valid JSON: bad literal at byte 0\n"
	    "B 4 [[2]] not a JSON object\n"
	    "R {\"b\":2}\n");
	ck_assert_int_eq(err.readerr, 0);
}
END_TEST

START_TEST(test_recfile_ndjson_too_long_is_bad)
{
	struct tide_recfile_err err;

	PUT("{\"a\":\"0123456789\"}\n{}\n");
	ck_assert_int_eq(read_all(0, 8, &err), 0);
	ck_assert_msg(strncmp(got, "B 1 [", 5) == 0 &&
	    strstr(got, "record longer than 8 bytes\nR {}\n") != NULL, "%s",
	    got);
}
END_TEST

START_TEST(test_recfile_csv_rows_and_bad_rows)
{
	struct tide_recfile_err err;

	PUT("a,b\n1,x\n2\n3,y\n");
	ck_assert_int_eq(read_all(1, 0, &err), 0);
	ck_assert_str_eq(got, "R {\"a\":1,\"b\":\"x\"}\n"
	    "B 3 [2] wrong number of fields: expected 2, got 1\n"
	    "R {\"a\":3,\"b\":\"y\"}\n");
}
END_TEST

START_TEST(test_recfile_stop_value_comes_back)
{
	struct tide_recfile_err err;

	PUT("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
	stop_at = 2;
	ck_assert_int_eq(read_all(0, 0, &err), 7);
	ck_assert_str_eq(got, "R {\"a\":1}\nR {\"a\":2}\n");
	PUT("a\n1\n2\n3\n");
	stop_at = 1;
	ck_assert_int_eq(read_all(1, 0, &err), 7);
	ck_assert_str_eq(got, "R {\"a\":1}\n");
}
END_TEST

START_TEST(test_recfile_csv_error_ends_the_file)
{
	struct tide_recfile_err err;

	PUT("a,b\n1,\"x\n");
	ck_assert_int_lt(read_all(1, 0, &err), 0);
	ck_assert_int_eq(err.readerr, 0);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_ptr_nonnull(err.reason);
}
END_TEST

START_TEST(test_recfile_corrupt_zstd_is_a_read_error)
{
	static const char z[] = "\x28\xb5\x2f\xfd\x00\x00\x00\xff\xff\xff";
	struct tide_recfile_err err;

	put(z, sizeof(z) - 1);
	ck_assert_int_eq(read_all(0, 0, &err), TIDE_EFORMAT);
	ck_assert_int_eq(err.readerr, 1);
	ck_assert_int_eq(err.code, TIDE_EFORMAT);
	ck_assert_str_eq(got, "");
}
END_TEST

Suite *
suite_recfile(void)
{
	Suite *s = suite_create("recfile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_recfile_ndjson_records_and_bad_lines);
	tcase_add_test(tc, test_recfile_ndjson_too_long_is_bad);
	tcase_add_test(tc, test_recfile_csv_rows_and_bad_rows);
	tcase_add_test(tc, test_recfile_stop_value_comes_back);
	tcase_add_test(tc, test_recfile_csv_error_ends_the_file);
	tcase_add_test(tc, test_recfile_corrupt_zstd_is_a_read_error);
	suite_add_tcase(s, tc);
	return s;
}
