#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ckpt.h"
#include "err.h"
#include "unit.h"
#include "zfile.h"

/* Write n bytes of p to a new file under /tmp, zstd-compressed or not;
 * the name goes to path (64 bytes). */
static void
put_file(char *path, const char *p, size_t n, int zstd)
{
	struct tide_zw w;
	int fd;

	snprintf(path, 64, "/tmp/tide-ckpt-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	tide_zw_init(&w, fd, zstd, 1);
	ck_assert_int_eq(tide_zw_write(&w, p, n), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	close(fd);
}

static const char *
written(struct tide_ckpt_offs *o, struct tide_buf *b)
{
	tide_buf_reset(b);
	tide_ckpt_offs_write(o, b);
	return tide_buf_cstr(b);
}

START_TEST(test_ckpt_see_keeps_one_past_the_highest_offset)
{
	struct tide_ckpt_offs o = TIDE_CKPT_OFFS_INIT;
	struct tide_buf b = TIDE_BUF_INIT;

	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, 1, 5), 0);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, 1, 6), 0);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, 0, 7), 0);
	/* An older offset (a record seen again) does not move it back. */
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, 1, 2), 0);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "a.b_c-9", 7, 0, 0), 0);
	/* Same partition number, another topic whose name is a prefix. */
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "txx", 2, 0, 41), 0);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "tx", 1), 7);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "tx", 0), 42);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "tx", 2), -1);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "t", 0), -1);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "a.b_c-9", 0), 1);
	/* Sorted by topic, then partition, whatever the order seen. */
	ck_assert_str_eq(written(&o, &b),
	    "kafka a.b_c-9 0 1\nkafka tx 0 42\nkafka tx 1 7\n");
	/* Still found after the sort. */
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, 1, 9), 0);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "tx", 1), 10);
	tide_ckpt_offs_free(&o);
	ck_assert_uint_eq(o.n, 0);
	ck_assert_str_eq(written(&o, &b), "");
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_ckpt_see_refuses_what_is_not_from_kafka)
{
	struct tide_ckpt_offs o = TIDE_CKPT_OFFS_INIT;
	char big[300];

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "", 0, 0, 1), TIDE_EINVAL);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "t x", 3, 0, 1), TIDE_EINVAL);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "t\\n", 3, 0, 1), TIDE_EINVAL);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "t/x", 3, 0, 1), TIDE_EINVAL);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, big, 250, 0, 1), TIDE_EINVAL);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, big, 249, 0, 1), 0);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, -1, 1), TIDE_EINVAL);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, 1LL << 31, 1),
	    TIDE_EINVAL);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, 0, -1), TIDE_EINVAL);
	ck_assert_int_eq(tide_ckpt_offs_see(&o, "tx", 2, 0, INT64_MAX),
	    TIDE_EINVAL);
	ck_assert_uint_eq(o.n, 1);
	tide_ckpt_offs_free(&o);
}
END_TEST

START_TEST(test_ckpt_line_takes_kafka_lines_and_refuses_broken_ones)
{
	static const char *bad[] = {
		"kafka", "kafka ", "kafka tx", "kafka tx 0", "kafka tx 0 ",
		"kafka tx 0 5 ", "kafka tx 0 5 6", "kafka tx -1 5",
		"kafka tx 0 -5", "kafka tx x 5", "kafka tx 0 5x",
		"kafka t/x 0 5", "kafka tx 2147483648 5",
		"kafka tx 0 99999999999999999999",
		"kafka  tx 0 5", "kafka tx  0 5", "kafka tx 0  5",
		"kafka tx +1 5", "kafka tx 0 +5", "kafka tx 0 5\t",
		"kafka tx 1 3",		/* the same partition twice */
	};
	struct tide_ckpt_offs o = TIDE_CKPT_OFFS_INIT;
	size_t i;

	ck_assert_int_eq(tide_ckpt_offs_line(&o, "kafka tx 1 3", 12), 1);
	ck_assert_int_eq(tide_ckpt_offs_line(&o, "kafka tx 2147483647 0", 21),
	    1);
	ck_assert_int_eq(tide_ckpt_offs_line(&o, "file 10 3 a.nd", 14), 0);
	ck_assert_int_eq(tide_ckpt_offs_line(&o, "kafkaesque", 10), 0);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "tx", 1), 3);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "tx", 2147483647), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(tide_ckpt_offs_line(&o, bad[i], strlen(bad[i])) ==
		    TIDE_EINVAL, "taken: '%s'", bad[i]);
	ck_assert_uint_eq(o.n, 2);
	tide_ckpt_offs_free(&o);
}
END_TEST

START_TEST(test_ckpt_load_reads_the_head_of_a_state_file)
{
	struct tide_ckpt_offs o = TIDE_CKPT_OFFS_INIT;
	struct tide_buf b = TIDE_BUF_INIT;
	static const char head[] = TIDE_CKPT_MAGIC "\nconfig tumble\n"
	    "file 10 4 a.nd\nkafka rs 0 888\nkafka rs 2 1452\ndata\n";
	char path[64];
	int missing = 7, errnum;
	size_t i;

	tide_buf_adds(&b, head);
	/* Binary state after the head, long enough to need many reads. */
	for (i = 0; i < 300000; i++)
		tide_buf_addc(&b, (char)(i * 7));
	put_file(path, b.data, b.len, 1);
	ck_assert_int_eq(tide_ckpt_offs_load(&o, path, &missing, &errnum), 0);
	ck_assert_int_eq(missing, 0);
	ck_assert_uint_eq(o.n, 2);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "rs", 0), 888);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "rs", 1), -1);
	ck_assert_int_eq(tide_ckpt_offs_get(&o, "rs", 2), 1452);
	tide_ckpt_offs_free(&o);
	/* The whole file, and only the head. */
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_ckpt_read(path, &b, 0, &errnum), 0);
	ck_assert_uint_eq(b.len, 300000 + strlen(head));
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_ckpt_read(path, &b, 1, &errnum), 0);
	ck_assert_uint_lt(b.len, 300000);
	ck_assert_int_eq(tide_ckpt_is(&b), 1);
	unlink(path);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_ckpt_load_missing_file_is_a_first_run)
{
	struct tide_ckpt_offs o = TIDE_CKPT_OFFS_INIT;
	struct tide_buf b = TIDE_BUF_INIT;
	int missing = 0, errnum = 0;

	ck_assert_int_eq(tide_ckpt_offs_load(&o, "/nonexistent/tide-ckpt",
	    &missing, &errnum), 0);
	ck_assert_int_eq(missing, 1);
	ck_assert_uint_eq(o.n, 0);
	ck_assert_int_eq(tide_ckpt_read("/nonexistent/tide-ckpt", &b, 0,
	    &errnum), TIDE_ENOENT);
	/* A directory is an I/O error, not a first run. */
	ck_assert_int_eq(tide_ckpt_offs_load(&o, "/tmp", &missing, &errnum),
	    TIDE_EIO);
	ck_assert_int_eq(errnum, EISDIR);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_ckpt_load_refuses_what_is_not_a_checkpoint)
{
	static const struct {
		const char *text;
		int zstd;
	} cases[] = {
		{ "", 0 },
		{ "not a state\n", 0 },
		{ TIDE_CKPT_MAGIC, 0 },			/* no newline */
		{ TIDE_CKPT_MAGIC "x\ndata\n", 1 },
		{ "tide-window state 2\ndata\n", 1 },
		{ TIDE_CKPT_MAGIC "\nconfig x\n", 1 },	/* no data line */
		{ TIDE_CKPT_MAGIC "\nkafka tx 0\ndata\n", 1 },
		{ TIDE_CKPT_MAGIC "\nkafka tx 0 1\nkafka tx 0 2\ndata\n", 1 },
	};
	struct tide_ckpt_offs o = TIDE_CKPT_OFFS_INIT;
	char path[64];
	int missing, errnum;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_file(path, cases[i].text, strlen(cases[i].text),
		    cases[i].zstd);
		ck_assert_msg(tide_ckpt_offs_load(&o, path, &missing, &errnum) ==
		    TIDE_EFORMAT, "case %zu taken", i);
		ck_assert_uint_eq(o.n, 0);
		unlink(path);
	}
}
END_TEST

START_TEST(test_ckpt_damaged_frame_after_the_magic_is_told_apart)
{
	struct tide_buf b = TIDE_BUF_INIT, z = TIDE_BUF_INIT;
	char path[64], full[64];
	int errnum;
	FILE *fp;
	size_t i;
	uint32_t x = 1;

	tide_buf_adds(&b, TIDE_CKPT_MAGIC "\nconfig x\ndata\n");
	/* Bytes that do not compress: the frame has several blocks, and the
	 * cut is in the last. */
	for (i = 0; i < 400000; i++) {
		x = x * 1664525u + 1013904223u;
		tide_buf_addc(&b, (char)(x >> 24));
	}
	put_file(full, b.data, b.len, 1);
	/* The same frame cut short: the magic decodes, then the error. */
	fp = fopen(full, "rb");
	ck_assert_ptr_nonnull(fp);
	tide_buf_grow(&z, 1 << 20);
	z.len = fread(z.data, 1, 1 << 20, fp);
	fclose(fp);
	put_file(path, z.data, z.len - 20, 0);
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_ckpt_read(path, &b, 0, &errnum), TIDE_EFORMAT);
	ck_assert_int_eq(tide_ckpt_is(&b), 1);
	/* Only the head is wanted: it is there, so that is no error. */
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_ckpt_read(path, &b, 1, &errnum), 0);
	unlink(path);
	unlink(full);
	tide_buf_release(&b);
	tide_buf_release(&z);
}
END_TEST

Suite *suite_ckpt(void);

Suite *
suite_ckpt(void)
{
	Suite *s = suite_create("ckpt");
	TCase *tc = tcase_create("ckpt");

	tcase_add_test(tc, test_ckpt_see_keeps_one_past_the_highest_offset);
	tcase_add_test(tc, test_ckpt_see_refuses_what_is_not_from_kafka);
	tcase_add_test(tc, test_ckpt_line_takes_kafka_lines_and_refuses_broken_ones);
	tcase_add_test(tc, test_ckpt_load_reads_the_head_of_a_state_file);
	tcase_add_test(tc, test_ckpt_load_missing_file_is_a_first_run);
	tcase_add_test(tc, test_ckpt_load_refuses_what_is_not_a_checkpoint);
	tcase_add_test(tc, test_ckpt_damaged_frame_after_the_magic_is_told_apart);
	suite_add_tcase(s, tc);
	return s;
}
