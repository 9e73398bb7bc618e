#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "err.h"
#include "fileout.h"
#include "unit.h"

/* Each test works in its own temporary directory (unit.h). */
static void
setup(void)
{
	unit_tmp_start("fileout");
}

static struct tide_fileout_opts
opts(void)
{
	struct tide_fileout_opts o;

	memset(&o, 0, sizeof(o));
	o.stdout_fd = 1;
	return o;
}

START_TEST(test_fileout_expand_utc_strftime)
{
	struct tide_buf b = TIDE_BUF_INIT;

	ck_assert_int_eq(tide_fileout_expand("f-%Y%m%d-%H%M%S.ndjson",
	    1793577599999, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "f-20261101-235959.ndjson");
	/* Before the epoch, milliseconds round toward the past. */
	ck_assert_int_eq(tide_fileout_expand("%Y%m%d%H%M%S", -1, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "19691231235959");
	ck_assert_int_eq(tide_fileout_expand("%%", 0, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "%");
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_fileout_open_rejects_bad_patterns)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();

	ck_assert_int_eq(tide_fileout_open(&f, "", &o), TIDE_EINVAL);
	tide_fileout_release(&f);
	o.rotate_bytes = 10;
	ck_assert_int_eq(tide_fileout_open(&f, "-", &o), TIDE_EINVAL);
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_part_until_close_then_renamed)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();
	struct stat st;

	ck_assert_int_eq(tide_fileout_open(&f, unit_path("a.ndjson"), &o), 0);
	ck_assert_int_eq(stat(unit_path("a.ndjson.part"), &st), -1);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "{\"a\":1}", 7), 0);
	ck_assert_int_eq(tide_fileout_flush(&f), 0);
	ck_assert_int_eq(stat(unit_path("a.ndjson"), &st), -1);
	unit_assert_file(unit_path("a.ndjson.part"), "{\"a\":1}\n");
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	ck_assert_int_eq(stat(unit_path("a.ndjson.part"), &st), -1);
	unit_assert_file(unit_path("a.ndjson"), "{\"a\":1}\n");
	ck_assert_uint_eq(f.files, 1);
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_rotate_size_keeps_records_whole)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();

	o.rotate_bytes = 10;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("s.ndjson"), &o), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "1234", 4), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "5678", 4), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "9", 1), 0);
	/* A record bigger than the limit gets a file of its own. */
	ck_assert_int_eq(tide_fileout_write(&f, 0, "123456789012", 12), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	unit_assert_file(unit_path("s.ndjson"), "1234\n5678\n");
	unit_assert_file(unit_path("s-1.ndjson"), "9\n");
	unit_assert_file(unit_path("s-2.ndjson"), "123456789012\n");
	ck_assert_uint_eq(f.files, 3);
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_rotate_time_slots_only_forward)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();

	o.rotate_ms = 60000;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("t-%H%M%S"), &o), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 61000, "1", 1), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 119999, "2", 1), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 120000, "3", 1), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 5000, "late", 4), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	unit_assert_file(unit_path("t-000100"), "1\n2\n");
	unit_assert_file(unit_path("t-000200"), "3\nlate\n");
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_numbered_names_never_overwrite)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();
	int i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(tide_fileout_open(&f,
		    unit_path("d-%Y.tar.ndjson.zst"), &o), 0);
		ck_assert_int_eq(tide_fileout_write(&f, 0, "{}", 2), 0);
		ck_assert_int_eq(tide_fileout_close(&f), 0);
		tide_fileout_release(&f);
	}
	ck_assert_int_eq(access(unit_path("d-1970.tar.ndjson.zst"), F_OK), 0);
	ck_assert_int_eq(access(unit_path("d-1970.tar-1.ndjson.zst"), F_OK), 0);
	ck_assert_int_eq(access(unit_path("d-1970.tar-2.ndjson.zst"), F_OK), 0);
}
END_TEST

START_TEST(test_fileout_zstd_round_trip)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();
	char rec[64], *z, *plain;
	size_t zn, cap = 1 << 20;
	unsigned long long size;
	int i;

	o.level = 5;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("z.ndjson.zst"), &o),
	    0);
	for (i = 0; i < 20000; i++) {
		int n = snprintf(rec, sizeof(rec), "{\"i\":%d}", i);

		ck_assert_int_eq(tide_fileout_write(&f, 0, rec, (size_t)n), 0);
	}
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	z = unit_slurp(unit_path("z.ndjson.zst"), &zn);
	ck_assert_ptr_nonnull(z);
	plain = malloc(cap);
	size = ZSTD_decompress(plain, cap, z, zn);
	ck_assert(!ZSTD_isError(size));
	ck_assert_uint_eq(size, f.bytes);
	ck_assert_int_eq(memcmp(plain, "{\"i\":0}\n{\"i\":1}\n", 16), 0);
	ck_assert_int_eq(memcmp(plain + size - 11, "\"i\":19999}\n", 11), 0);
	ck_assert_uint_lt(zn, size / 4);
	free(z);
	free(plain);
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_csv_header_quotes_and_types)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();
	const char *r1 = "{\"a\":\"x,y\",\"b\":1.5,\"c\":{\"d\":[1]}}";
	const char *r2 = " {\"c\":null,\"a\":\"q\\\"\\u00e9\",\"z\":true} ";

	o.format = TIDE_FILEOUT_CSV;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("c.csv"), &o), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, r1, strlen(r1)), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, r2, strlen(r2)), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "[1]", 3), TIDE_ETYPE);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "\"s\"", 3), TIDE_ETYPE);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	unit_assert_file(unit_path("c.csv"),
	    "a,b,c\n\"x,y\",1.5,\"{\"\"d\"\":[1]}\"\n\"q\"\"\xc3\xa9\",,\n");
	ck_assert_uint_eq(f.csv_extra, 1);
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_write_error_is_sticky)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();

	ck_assert_int_eq(tide_fileout_open(&f, unit_path("no/such/dir/x"), &o),
	    0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "{}", 2), TIDE_EIO);
	ck_assert_str_eq(tide_fileout_errpath(&f),
	    unit_path("no/such/dir/x.part"));
	ck_assert_int_eq(tide_fileout_write(&f, 0, "{}", 2), TIDE_EIO);
	ck_assert_int_eq(tide_fileout_close(&f), TIDE_EIO);
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_device_written_in_place)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();
	struct stat st;

	ck_assert_int_eq(tide_fileout_open(&f, "/dev/null", &o), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "{}", 2), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	ck_assert_int_eq(stat("/dev/null", &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_no_records_plain_name_created_empty)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();
	struct stat st;
	size_t n;
	char *z;

	/* Like `>FILE`: the file exists, empty, and replaces an old one. */
	unit_put(unit_path("old.ndjson"), "{\"old\":1}\n");
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("old.ndjson"), &o), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	unit_assert_file(unit_path("old.ndjson"), "");
	ck_assert_int_eq(stat(unit_path("old.ndjson.part"), &st), -1);
	ck_assert_uint_eq(f.files, 1);
	/* A second close creates nothing more. */
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	ck_assert_uint_eq(f.files, 1);
	tide_fileout_release(&f);

	/* CSV without a record has no header to write. */
	o.format = TIDE_FILEOUT_CSV;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("e.csv"), &o), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	tide_fileout_release(&f);
	unit_assert_file(unit_path("e.csv"), "");

	/* zstd: one empty frame, which decodes to nothing. */
	o.format = TIDE_FILEOUT_NDJSON;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("e.ndjson.zst"), &o),
	    0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	tide_fileout_release(&f);
	z = unit_slurp(unit_path("e.ndjson.zst"), &n);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(ZSTD_findFrameCompressedSize(z, n), n);
	ck_assert_uint_eq(ZSTD_getFrameContentSize(z, n), 0);
	free(z);
}
END_TEST

START_TEST(test_fileout_no_records_pattern_or_rotation_creates_nothing)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();
	struct stat st;

	/* No record, no time to name a file by. */
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("d-%Y.ndjson"), &o),
	    0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	ck_assert_uint_eq(f.files, 0);
	tide_fileout_release(&f);
	ck_assert_int_eq(stat(unit_path("d-1970.ndjson"), &st), -1);
	o.rotate_bytes = 100;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("r.ndjson"), &o), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	tide_fileout_release(&f);
	ck_assert_int_eq(stat(unit_path("r.ndjson"), &st), -1);
	ck_assert_int_eq(stat(unit_path("r.ndjson.part"), &st), -1);
}
END_TEST

/* Issue 18 item 1: a symbolic link planted at NAME.part is removed, not
 * written through: its target keeps what it held. */
START_TEST(test_fileout_part_never_follows_a_planted_link)
{
	struct tide_fileout f;
	struct tide_fileout_opts o = opts();
	struct stat st;

	unit_put(unit_path("victim"), "precious\n");
	ck_assert_int_eq(symlink(unit_path("victim"),
	    unit_path("out.ndjson.part")), 0);
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("out.ndjson"), &o), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "{\"a\":1}", 7), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	tide_fileout_release(&f);
	unit_assert_file(unit_path("victim"), "precious\n");
	unit_assert_file(unit_path("out.ndjson"), "{\"a\":1}\n");
	ck_assert_int_eq(lstat(unit_path("out.ndjson.part"), &st), -1);
}
END_TEST

Suite *suite_fileout(void);

Suite *
suite_fileout(void)
{
	Suite *s = suite_create("fileout");
	TCase *tc = tcase_create("fileout");

	tcase_add_checked_fixture(tc, setup, unit_tmp_stop);
	tcase_add_test(tc, test_fileout_expand_utc_strftime);
	tcase_add_test(tc, test_fileout_open_rejects_bad_patterns);
	tcase_add_test(tc, test_fileout_part_until_close_then_renamed);
	tcase_add_test(tc, test_fileout_rotate_size_keeps_records_whole);
	tcase_add_test(tc, test_fileout_rotate_time_slots_only_forward);
	tcase_add_test(tc, test_fileout_numbered_names_never_overwrite);
	tcase_add_test(tc, test_fileout_zstd_round_trip);
	tcase_add_test(tc, test_fileout_csv_header_quotes_and_types);
	tcase_add_test(tc, test_fileout_write_error_is_sticky);
	tcase_add_test(tc, test_fileout_device_written_in_place);
	tcase_add_test(tc, test_fileout_no_records_plain_name_created_empty);
	tcase_add_test(tc, test_fileout_no_records_pattern_or_rotation_creates_nothing);
	tcase_add_test(tc, test_fileout_part_never_follows_a_planted_link);
	suite_add_tcase(s, tc);
	return s;
}
