/*
 * lib/arcin: archive sources of a replay -- envelopes and plain NDJSON
 * with a time field, heads in range and partition, bad lines handed back
 * with their reasons, the head written with its time shifted -- and the
 * first pass's per-partition counts and order check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "arcin.h"
#include "err.h"
#include "unit.h"

static char path[64];

/* A file holding text; its path in path. */
static void
put(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_arcin.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
conf_env(struct tide_arcin_conf *c)
{
	memset(c, 0, sizeof(*c));
}

static void
conf_plain(struct tide_arcin_conf *c, struct tide_path *tp, const char *field)
{
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(tide_path_parse(tp, field), 0);
	c->timefield = field;
	c->timepath = tp;
	c->unit = TIDE_UNIT_AUTO;
}

#define ENV(p, o, ts, v) "{\"topic\":\"t\",\"partition\":" #p ",\"offset\":" \
	#o ",\"ts\":" #ts ",\"ts_type\":\"create\",\"key\":null,\"value\":" v "}\n"

START_TEST(test_arcin_envelope_heads_keys_and_payload)
{
	struct tide_arcin_conf c;
	struct tide_arcin a;
	struct tide_buf b;

	put(ENV(0, 7, 1000, "{\"a\":1}") ENV(2, 3, 2000, "{\"b\":2}"));
	conf_env(&c);
	tide_arcin_init(&a, &c, path, 0);
	ck_assert_int_eq(tide_arcin_open(&a), 0);
	tide_buf_init(&b, TIDE_BUF_NOMAX);
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	ck_assert_int_eq(a.key.ts, 1000);
	ck_assert_int_eq(a.key.partition, 0);
	ck_assert_int_eq(a.key.offset, 7);
	ck_assert_int_eq(tide_arcin_emit(&a, &b, 0, 0), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"a\":1}");
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	ck_assert_int_eq(a.key.partition, 2);
	ck_assert_int_eq(a.key.offset, 3);
	ck_assert_uint_eq(tide_arcin_lineno(&a), 2);
	ck_assert_int_eq(tide_arcin_next(&a), 0);
	tide_arcin_close(&a);
	tide_arcin_close(&a);	/* twice: nothing */
	tide_buf_release(&b);
	unlink(path);
}
END_TEST

START_TEST(test_arcin_envelope_shifted_keeps_the_rest)
{
	struct tide_arcin_conf c;
	struct tide_arcin a;
	struct tide_buf b;

	put(ENV(1, 5, 1000, "{\"a\":1}"));
	conf_env(&c);
	tide_arcin_init(&a, &c, path, 0);
	ck_assert_int_eq(tide_arcin_open(&a), 0);
	tide_buf_init(&b, TIDE_BUF_NOMAX);
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	ck_assert_int_eq(tide_arcin_emit(&a, &b, 1, 500), 0);
	ck_assert_msg(strstr(tide_buf_cstr(&b), "\"ts\":1500") != NULL, "%s",
	    tide_buf_cstr(&b));
	ck_assert_msg(strstr(tide_buf_cstr(&b), "\"offset\":5") != NULL, "%s",
	    tide_buf_cstr(&b));
	tide_arcin_close(&a);
	tide_buf_release(&b);
	unlink(path);
}
END_TEST

START_TEST(test_arcin_bad_lines_come_back_with_reasons)
{
	struct tide_arcin_conf c;
	struct tide_arcin a;

	put("not json\n"
	    "{\"value\":{}}\n"
	    "{\"partition\":0,\"offset\":1,\"value\":{}}\n"
	    ENV(0, 2, 5, "{}"));
	conf_env(&c);
	tide_arcin_init(&a, &c, path, 0);
	ck_assert_int_eq(tide_arcin_open(&a), 0);
	ck_assert_int_eq(tide_arcin_next(&a), TIDE_ARCIN_BAD);
	ck_assert_uint_eq(tide_arcin_lineno(&a), 1);
	ck_assert_int_eq((int)a.badlen, 8);
	ck_assert_int_eq(memcmp(a.bad, "not json", 8), 0);
	ck_assert_msg(strncmp(a.why, "not an envelope: ", 17) == 0, "%s",
	    a.why);
	/* Decoded, but no time. */
	ck_assert_int_eq(tide_arcin_next(&a), TIDE_ARCIN_BAD);
	ck_assert_int_eq(tide_arcin_next(&a), TIDE_ARCIN_BAD);
	ck_assert_uint_eq(tide_arcin_lineno(&a), 3);
	ck_assert_str_eq(a.why, "envelope has no time (\"ts\")");
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	ck_assert_int_eq(a.key.ts, 5);
	ck_assert_int_eq(tide_arcin_next(&a), 0);
	tide_arcin_close(&a);
	unlink(path);
}
END_TEST

START_TEST(test_arcin_range_and_partition_skip)
{
	struct tide_arcin_conf c;
	struct tide_arcin a;

	put(ENV(0, 0, 10, "{}") ENV(1, 0, 20, "{}") ENV(0, 1, 30, "{}")
	    ENV(1, 1, 40, "{}") ENV(0, 2, 50, "{}"));
	conf_env(&c);
	c.have_from = c.have_to = 1;
	c.from = 20;
	c.to = 50;
	ck_assert(!tide_arcin_in_range(&c, 19));
	ck_assert(tide_arcin_in_range(&c, 20));
	ck_assert(!tide_arcin_in_range(&c, 50));
	tide_arcin_init(&a, &c, path, 0);
	a.all = 0;
	a.partition = 1;
	ck_assert_int_eq(tide_arcin_open(&a), 0);
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	ck_assert_int_eq(a.key.ts, 20);
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	ck_assert_int_eq(a.key.ts, 40);
	ck_assert_int_eq(tide_arcin_next(&a), 0);
	tide_arcin_close(&a);
	unlink(path);
}
END_TEST

START_TEST(test_arcin_plain_time_field_and_shift)
{
	struct tide_arcin_conf c;
	struct tide_path tp;
	struct tide_arcin a;
	struct tide_buf b;

	put("{\"ts\":\"2024-01-01T00:00:00Z\",\"x\":1}\n"
	    "{\"ts\":1700000000000,\"x\":2}\n"
	    "{\"ts\":1700000000,\"x\":3}\n");
	conf_plain(&c, &tp, "ts");
	tide_arcin_init(&a, &c, path, 4);
	ck_assert_int_eq(tide_arcin_open(&a), 0);
	tide_buf_init(&b, TIDE_BUF_NOMAX);
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	ck_assert_int_eq(a.key.ts, 1704067200000LL);
	ck_assert_int_eq(a.key.partition, 4);
	ck_assert_int_eq(a.key.offset, 1);
	ck_assert_int_eq(tide_arcin_emit(&a, &b, 0, 0), 0);
	ck_assert_str_eq(tide_buf_cstr(&b),
	    "{\"ts\":\"2024-01-01T00:00:00Z\",\"x\":1}");
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_arcin_emit(&a, &b, 0, 1500), 0);
	ck_assert_str_eq(tide_buf_cstr(&b),
	    "{\"ts\":\"2024-01-01T00:00:01.500Z\",\"x\":1}");
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_arcin_emit(&a, &b, 0, 1500), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"ts\":1700000001500,\"x\":2}");
	ck_assert_int_eq(tide_arcin_next(&a), 1);
	ck_assert_int_eq(a.key.ts, 1700000000000LL);
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_arcin_emit(&a, &b, 0, 2000), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"ts\":1700000002,\"x\":3}");
	ck_assert_int_eq(tide_arcin_next(&a), 0);
	tide_arcin_close(&a);
	tide_path_release(&tp);
	tide_buf_release(&b);
	unlink(path);
}
END_TEST

START_TEST(test_arcin_plain_bad_time_field)
{
	struct tide_arcin_conf c;
	struct tide_path tp;
	struct tide_arcin a;

	put("{\"x\":1}\n{\"ts\":\"yesterday\"}\n[1]\n");
	conf_plain(&c, &tp, "ts");
	tide_arcin_init(&a, &c, path, 0);
	ck_assert_int_eq(tide_arcin_open(&a), 0);
	ck_assert_int_eq(tide_arcin_next(&a), TIDE_ARCIN_BAD);
	ck_assert_str_eq(a.why, "field 'ts' is missing");
	ck_assert_int_eq(tide_arcin_next(&a), TIDE_ARCIN_BAD);
	ck_assert_str_eq(a.why, "field 'ts' is not a time: \"yesterday\"");
	ck_assert_int_eq(tide_arcin_next(&a), TIDE_ARCIN_BAD);
	ck_assert_str_eq(a.why, "not a JSON object");
	ck_assert_int_eq(tide_arcin_next(&a), 0);
	tide_arcin_close(&a);
	tide_path_release(&tp);
	unlink(path);
}
END_TEST

START_TEST(test_arcin_open_missing_file_is_eio)
{
	struct tide_arcin_conf c;
	struct tide_arcin a;

	conf_env(&c);
	tide_arcin_init(&a, &c, "/nonexistent/check_arcin", 0);
	ck_assert_int_eq(tide_arcin_open(&a), TIDE_EIO);
	ck_assert_int_ne(a.in.errnum, 0);
	ck_assert_int_eq(a.open, 0);
	tide_arcin_close(&a);
}
END_TEST

START_TEST(test_arcscan_counts_partitions_and_order)
{
	static const struct tide_merge_key k[] = {
		{ 10, 0, 0 }, { 20, 1, 0 }, { 30, 0, 1 }, { 40, 1, 1 } };
	struct tide_arcscan s;
	size_t i;

	tide_arcscan_init(&s);
	for (i = 0; i < 4; i++)
		tide_arcscan_add(&s, &k[i]);
	ck_assert(s.sorted);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.v[0].partition, 0);
	ck_assert_uint_eq(s.v[0].records, 2);
	ck_assert_int_eq(s.v[0].first_ts, 10);
	ck_assert_int_eq(s.v[0].last_ts, 30);
	ck_assert_int_eq(s.v[1].partition, 1);
	ck_assert_int_eq(s.v[1].first_ts, 20);
	ck_assert_int_eq(s.v[1].last_ts, 40);
	/* A step back in time: not in merge order. */
	tide_arcscan_add(&s, &k[0]);
	ck_assert(!s.sorted);
	ck_assert_uint_eq(s.v[0].records, 3);
	tide_arcscan_release(&s);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(test_arcscan_equal_ts_ordered_by_partition)
{
	static const struct tide_merge_key a = { 10, 1, 0 }, b = { 10, 0, 5 };
	struct tide_arcscan s;

	tide_arcscan_init(&s);
	tide_arcscan_add(&s, &a);
	tide_arcscan_add(&s, &b);
	ck_assert(!s.sorted);
	tide_arcscan_release(&s);
}
END_TEST

START_TEST(test_arcscan_json_lines)
{
	struct tide_arcscan_part p = { 3, 12, 1000, 2000 };
	struct tide_buf b;

	tide_buf_init(&b, TIDE_BUF_NOMAX);
	tide_arcscan_json(&p, "a\"b.ndjson", 1, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"file\":\"a\\\"b.ndjson\","
	    "\"partition\":3,\"records\":12,\"first_ts\":1000,"
	    "\"last_ts\":2000}\n");
	tide_buf_reset(&b);
	tide_arcscan_json(&p, "x", 0, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"file\":\"x\",\"records\":12,"
	    "\"first_ts\":1000,\"last_ts\":2000}\n");
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_arcin_rereadable_regular_files_only)
{
	char fifo[64];

	put("x\n");
	ck_assert_int_eq(tide_arcin_rereadable(path), 1);
	unlink(path);
	ck_assert_int_eq(tide_arcin_rereadable("-"), 0);
	ck_assert_int_eq(tide_arcin_rereadable("/dev/null"), 0);
	/* Not there: left to the open to report. */
	ck_assert_int_eq(tide_arcin_rereadable("/nonexistent/x"), 1);
	snprintf(fifo, sizeof(fifo), "/tmp/check_arcin_fifo.%d", (int)getpid());
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(tide_arcin_rereadable(fifo), 0);
	unlink(fifo);
}
END_TEST

Suite *
suite_arcin(void)
{
	Suite *s = suite_create("arcin");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_arcin_envelope_heads_keys_and_payload);
	tcase_add_test(tc, test_arcin_envelope_shifted_keeps_the_rest);
	tcase_add_test(tc, test_arcin_bad_lines_come_back_with_reasons);
	tcase_add_test(tc, test_arcin_range_and_partition_skip);
	tcase_add_test(tc, test_arcin_plain_time_field_and_shift);
	tcase_add_test(tc, test_arcin_plain_bad_time_field);
	tcase_add_test(tc, test_arcin_open_missing_file_is_eio);
	tcase_add_test(tc, test_arcscan_counts_partitions_and_order);
	tcase_add_test(tc, test_arcscan_equal_ts_ordered_by_partition);
	tcase_add_test(tc, test_arcscan_json_lines);
	tcase_add_test(tc, test_arcin_rereadable_regular_files_only);
	suite_add_tcase(s, tc);
	return s;
}
