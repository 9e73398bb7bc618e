/* struct tide_wrec: tide-window's input record, made ready to add. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "err.h"
#include "json.h"
#include "time.h"
#include "wrec.h"
#include "unit.h"

/* Paths ts, k, h (keys), p (partition), then the aggregates' fields. */
struct fx {
	struct tide_aggspec spec;
	struct tide_wrec_conf c;
	struct tide_wrec r;
	struct tide_path paths[16];
	struct tide_json_val jv[16];
	int npath;
	char why[TIDE_WREC_WHY];
};

static char kname[] = "k", hname[] = "h";
static char *names[] = { kname, hname };

static void
fx_init(struct fx *f, const char *aggs, int npart)
{
	static const char *fixed[] = { "ts", "k", "h", "p" };
	int i;

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(tide_aggspec_parse(&f->spec, aggs, 0, NULL), 0);
	for (i = 0; i < 3 + npart; i++)
		ck_assert_int_eq(tide_path_parse(&f->paths[f->npath++],
		    fixed[i]), 0);
	for (i = 0; i < f->spec.nfields; i++)
		f->paths[f->npath++] = f->spec.paths[i];
	tide_wrec_conf_init(&f->c);
	f->c.timef = "ts";
	f->c.unit = TIDE_UNIT_AUTO;
	f->c.keynames = names;
	f->c.nkeys = 2;
	f->c.npart = npart;
	f->c.spec = &f->spec;
	tide_wrec_init(&f->r);
}

static void
fx_release(struct fx *f)
{
	int i;

	for (i = 0; i < 3 + f->c.npart; i++)
		tide_path_release(&f->paths[i]);
	tide_wrec_release(&f->r);
	tide_wrec_conf_release(&f->c);
	tide_aggspec_release(&f->spec);
}

/* Take the record text as tide-window does: a copy, looked up in it. */
static int
take(struct fx *f, const char *text)
{
	tide_buf_reset(&f->r.line);
	tide_buf_adds(&f->r.line, text);
	ck_assert_int_ge(tide_json_get_many(f->r.line.data, f->r.line.len,
	    f->paths, f->npath, f->jv), 0);
	f->why[0] = '\0';
	return tide_wrec_take(&f->c, &f->r, f->jv, f->why);
}

static void
bytes_are(const struct tide_buf *b, const char *want, size_t n)
{
	ck_assert_uint_eq(b->len, n);
	ck_assert(memcmp(b->data, want, n) == 0);
}

START_TEST(test_wrec_takes_time_key_partition_and_values)
{
	struct fx f;

	fx_init(&f, "count,sum(x)", 1);
	ck_assert_int_eq(take(&f, "{\"ts\":1700000000123,\"k\":\"a\",\"h\":7,"
	    "\"p\":\"p1\",\"x\":2.5}"), 0);
	ck_assert_int_eq(f.r.t, 1700000000123LL);
	ck_assert_int_eq(f.r.now, 0);	/* no clock asked for */
	bytes_are(&f.r.key, "\"a\"\0" "7", 5);
	bytes_are(&f.r.part, "\"p1\"\0", 5);
	ck_assert_int_eq(f.r.vals[0].type, TIDE_JSON_NUMBER);
	ck_assert(f.r.vals[0].num == 2.5);
	/* Reused: the next record's bytes replace the last one's. */
	ck_assert_int_eq(take(&f, "{\"ts\":1700000000,\"k\":1,\"h\":null,"
	    "\"p\":0,\"x\":-1}"), 0);
	ck_assert_int_eq(f.r.t, 1700000000000LL);	/* seconds, auto */
	bytes_are(&f.r.key, "1\0null", 6);
	bytes_are(&f.r.part, "0\0", 2);
	ck_assert(f.r.vals[0].num == -1);
	fx_release(&f);
}
END_TEST

START_TEST(test_wrec_equal_strings_give_equal_keys)
{
	struct fx f;

	fx_init(&f, "count", 0);
	ck_assert_int_eq(take(&f, "{\"ts\":1,\"k\":\"a\\u0062\\/\",\"h\":\"\"}"),
	    0);
	bytes_are(&f.r.key, "\"ab/\"\0\"\"", 8);
	ck_assert_uint_eq(f.r.part.len, 0);
	ck_assert_int_eq(take(&f, "{\"h\":\"\",\"k\":\"ab/\",\"ts\":1}"), 0);
	bytes_are(&f.r.key, "\"ab/\"\0\"\"", 8);
	fx_release(&f);
}
END_TEST

START_TEST(test_wrec_missing_key_is_bad_unless_null_is_asked_for)
{
	struct fx f;

	fx_init(&f, "count", 0);
	ck_assert_int_eq(take(&f, "{\"ts\":1,\"k\":\"a\"}"), TIDE_EINVAL);
	ck_assert_str_eq(f.why, "no key field 'h'");
	ck_assert_int_eq(take(&f, "{\"ts\":1,\"h\":\"a\"}"), TIDE_EINVAL);
	ck_assert_str_eq(f.why, "no key field 'k'");
	f.c.keynull = 1;
	ck_assert_int_eq(take(&f, "{\"ts\":1,\"h\":\"a\"}"), 0);
	bytes_are(&f.r.key, "null\0\"a\"", 8);
	fx_release(&f);
}
END_TEST

START_TEST(test_wrec_bad_times_say_why_with_a_short_quote)
{
	struct fx f;
	char rec[256], want[128];

	fx_init(&f, "count", 0);
	ck_assert_int_eq(take(&f, "{\"k\":1,\"h\":2}"), TIDE_EINVAL);
	ck_assert_str_eq(f.why, "no time field 'ts'");
	ck_assert_int_eq(take(&f, "{\"ts\":\"yesterday\",\"k\":1,\"h\":2}"),
	    TIDE_EINVAL);
	ck_assert_str_eq(f.why, "field 'ts' is not a time: \"yesterday\"");
	ck_assert_int_eq(take(&f, "{\"ts\":true,\"k\":1,\"h\":2}"),
	    TIDE_EINVAL);
	ck_assert_str_eq(f.why, "field 'ts' is not a time: true");
	/* A long value: its first 59 bytes and "...". */
	snprintf(rec, sizeof(rec), "{\"ts\":\"%0100d\",\"k\":1,\"h\":2}", 0);
	ck_assert_int_eq(take(&f, rec), TIDE_EINVAL);
	snprintf(want, sizeof(want), "field 'ts' is not a time: \"%058d...",
	    0);
	ck_assert_str_eq(f.why, want);
	fx_release(&f);
}
END_TEST

START_TEST(test_wrec_max_future_reads_the_clock_and_refuses_the_future)
{
	struct fx f;
	char rec[128];
	int64_t before = tide_now_ms();

	fx_init(&f, "count", 0);
	f.c.clock = 1;
	f.c.max_future = 60000;
	snprintf(rec, sizeof(rec), "{\"ts\":%lld,\"k\":1,\"h\":2}",
	    (long long)before);
	ck_assert_int_eq(take(&f, rec), 0);
	ck_assert_int_ge(f.r.now, before);
	ck_assert_int_le(f.r.now, tide_now_ms());
	snprintf(rec, sizeof(rec), "{\"ts\":%lld,\"k\":1,\"h\":2}",
	    (long long)before + 3600000);
	ck_assert_int_eq(take(&f, rec), TIDE_EINVAL);
	snprintf(rec, sizeof(rec), "field 'ts' is too far in the future: %lld",
	    (long long)before + 3600000);
	ck_assert_str_eq(f.why, rec);
	/* --idle alone: the clock, no limit. */
	f.c.max_future = -1;
	snprintf(rec, sizeof(rec), "{\"ts\":%lld,\"k\":1,\"h\":2}",
	    (long long)before + 3600000);
	ck_assert_int_eq(take(&f, rec), 0);
	ck_assert_int_ge(f.r.now, before);
	fx_release(&f);
}
END_TEST

START_TEST(test_wrec_not_a_number_names_the_field)
{
	struct fx f;

	fx_init(&f, "sum(a.b),max(c)", 1);
	ck_assert_int_eq(take(&f, "{\"ts\":1,\"k\":1,\"h\":2,\"p\":3,"
	    "\"a\":{\"b\":1},\"c\":\"x\"}"), TIDE_EINVAL);
	ck_assert_str_eq(f.why, "field 'c' is not a number: \"x\"");
	ck_assert_int_eq(take(&f, "{\"ts\":1,\"k\":1,\"h\":2,\"p\":3,"
	    "\"a\":{\"b\":[1]},\"c\":4}"), TIDE_EINVAL);
	ck_assert_str_eq(f.why, "field 'a.b' is not a number: [1]");
	/* Absent values are no error: they are left out. */
	ck_assert_int_eq(take(&f, "{\"ts\":1,\"k\":1,\"h\":2}"), 0);
	ck_assert_int_eq(f.r.vals[0].type, TIDE_JSON_NONE);
	bytes_are(&f.r.part, "\0", 1);
	fx_release(&f);
}
END_TEST

/* A -k entry's path and output name, or its reason. */
static void
key_is(const char *item, const char *path, const char *name)
{
	char why[TIDE_WREC_WHY];
	struct tide_path p;
	char *out = NULL;

	ck_assert_msg(tide_wrec_key_parse(item, &p, &out, why) == 0, "%s: %s",
	    item, why);
	ck_assert_str_eq(p.text, path);
	ck_assert_str_eq(out, name);
	tide_path_release(&p);
	free(out);
}

static void
key_bad(const char *item, const char *reason)
{
	char why[TIDE_WREC_WHY];
	struct tide_path p;
	char *out = NULL;

	ck_assert_int_eq(tide_wrec_key_parse(item, &p, &out, why), TIDE_EINVAL);
	ck_assert_str_eq(why, reason);
}

START_TEST(test_wrec_key_is_named_by_its_last_segment_or_as)
{
	key_is("account", "account", "account");
	key_is("value.account", "value.account", "account");
	key_is("value.\"a.b\"", "value.\"a.b\"", "a.b");
	key_is("value.account as acct", "value.account", "acct");
	key_is("  value.account\tas  acct ", "value.account", "acct");
	key_is("\"x as y\".z", "\"x as y\".z", "z");
	key_is("as", "as", "as");
	key_bad("value.account as", "'as' needs a name in 'value.account as'");
	key_bad("value.account as a b",
	    "'as': not a name in 'value.account as a b'");
	key_bad("v as \"q\"", "'as': not a name in 'v as \"q\"'");
	key_bad("a..b as x", "bad field path 'a..b'");
}
END_TEST

Suite *
suite_wrec(void)
{
	Suite *s = suite_create("wrec");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_wrec_takes_time_key_partition_and_values);
	tcase_add_test(tc, test_wrec_key_is_named_by_its_last_segment_or_as);
	tcase_add_test(tc, test_wrec_equal_strings_give_equal_keys);
	tcase_add_test(tc, test_wrec_missing_key_is_bad_unless_null_is_asked_for);
	tcase_add_test(tc, test_wrec_bad_times_say_why_with_a_short_quote);
	tcase_add_test(tc, test_wrec_max_future_reads_the_clock_and_refuses_the_future);
	tcase_add_test(tc, test_wrec_not_a_number_names_the_field);
	suite_add_tcase(s, tc);
	return s;
}
