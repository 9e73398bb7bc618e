/* lib/fdiff: keys, their order, a pair compared field by field, the report. */
#include <string.h>

#include "err.h"
#include "fdiff.h"
#include "json.h"
#include "unit.h"

static struct tide_path kp[2];

static void
conf_of(struct tide_fdiff_conf *c, int nkey)
{
	memset(c, 0, sizeof(*c));
	tide_path_parse(&kp[0], "k");
	tide_path_parse(&kp[1], "t");
	c->keys = kp;
	c->nkey = nkey;
	c->examples = 2;
}

static void
paths_release(void)
{
	tide_path_release(&kp[0]);
	tide_path_release(&kp[1]);
}

/* The encoded key of the record rec into out: its code. */
static int
key_of(struct tide_fdiff *d, const char *rec, struct tide_buf *out, int *which)
{
	struct tide_json_val kv[2];
	enum tide_json_type type;

	ck_assert_int_ge(tide_json_check_many(rec, strlen(rec), 16, &type, NULL,
	    kp, d->conf.nkey, kv), 0);
	return tide_fdiff_key(d, kv, out, which);
}

/* Compare the keys of two records. */
static int
cmp_recs(struct tide_fdiff *d, const char *a, const char *b)
{
	struct tide_buf x = TIDE_BUF_INIT, y = TIDE_BUF_INIT;
	int w, c;

	ck_assert_int_eq(key_of(d, a, &x, &w), 0);
	ck_assert_int_eq(key_of(d, b, &y, &w), 0);
	c = tide_fdiff_keycmp(x.data, x.len, y.data, y.len);
	/* Equal exactly when the bytes are. */
	ck_assert_int_eq(c == 0, x.len == y.len && memcmp(x.data, y.data,
	    x.len) == 0);
	tide_buf_release(&x);
	tide_buf_release(&y);
	return c < 0 ? -1 : c > 0;
}

START_TEST(test_fdiff_keys_follow_the_key_rule_and_order)
{
	struct tide_fdiff_conf c;
	struct tide_fdiff d;
	struct tide_buf k = TIDE_BUF_INIT;
	int w = -1;

	conf_of(&c, 2);
	tide_fdiff_init(&d, &c);
	ck_assert_int_eq(cmp_recs(&d, "{\"k\":42,\"t\":1}",
	    "{\"t\":1.0,\"k\":\"42\"}"), 0);
	ck_assert_int_eq(cmp_recs(&d, "{\"k\":9,\"t\":1}", "{\"k\":10,\"t\":0}"),
	    -1);
	ck_assert_int_eq(cmp_recs(&d, "{\"k\":-10,\"t\":1}", "{\"k\":-9,\"t\":1}"),
	    -1);
	ck_assert_int_eq(cmp_recs(&d, "{\"k\":1.5,\"t\":1}", "{\"k\":2,\"t\":1}"),
	    -1);
	ck_assert_int_eq(cmp_recs(&d, "{\"k\":1e30,\"t\":1}",
	    "{\"k\":\"a\",\"t\":1}"), -1);
	ck_assert_int_eq(cmp_recs(&d, "{\"k\":\"b\",\"t\":1}",
	    "{\"k\":\"ab\",\"t\":1}"), 1);
	ck_assert_int_eq(cmp_recs(&d, "{\"k\":\"a\",\"t\":2}",
	    "{\"k\":\"a\",\"t\":10}"), -1);
	ck_assert_int_eq(cmp_recs(&d, "{\"k\":true,\"t\":2}",
	    "{\"k\":\"true\",\"t\":2}"), 0);
	/* A long integer and the double nearest it are two keys. */
	ck_assert_int_ne(cmp_recs(&d, "{\"k\":9007199254740993,\"t\":1}",
	    "{\"k\":9007199254740992.5,\"t\":1}"), 0);
	ck_assert_int_eq(key_of(&d, "{\"k\":1}", &k, &w), TIDE_ENOENT);
	ck_assert_int_eq(w, 1);
	ck_assert_int_eq(key_of(&d, "{\"k\":null,\"t\":1}", &k, &w),
	    TIDE_ENOENT);
	ck_assert_int_eq(w, 0);
	ck_assert_int_eq(key_of(&d, "{\"k\":\"x\\\"y\",\"t\":7}", &k, &w), 0);
	tide_buf_reset(&k);
	{
		struct tide_buf j = TIDE_BUF_INIT;

		key_of(&d, "{\"k\":\"x\\\"y\",\"t\":7.0}", &k, &w);
		tide_fdiff_key_json(&j, k.data, k.len);
		tide_buf_addc(&j, '\0');
		ck_assert_str_eq(j.data, "[\"x\\\"y\",7]");
		tide_buf_release(&j);
	}
	tide_buf_release(&k);
	tide_fdiff_release(&d);
	paths_release();
}
END_TEST

static struct tide_fdrec
rec_at(const char *p, uint64_t line, int32_t part)
{
	struct tide_fdrec r = { .p = p, .len = strlen(p), .line = line,
	    .part = part };

	return r;
}

static int
pair(struct tide_fdiff *d, const char *l, const char *r)
{
	struct tide_fdrec a = rec_at(l, 1, 0), b = rec_at(r, 2, 0);

	return tide_fdiff_pair(d, &a, &b);
}

static void
alone(struct tide_fdiff *d, enum tide_fdiff_kind kind, const char *p,
    uint64_t line, int32_t part)
{
	struct tide_fdrec r = rec_at(p, line, part);

	tide_fdiff_alone(d, kind, &r);
}

START_TEST(test_fdiff_pair_compares_fields_by_name_and_value)
{
	static const char *const ign[] = { "seen" };
	struct tide_fdiff_conf c;
	struct tide_fdiff d;

	conf_of(&c, 1);
	c.ignore = ign;
	c.nignore = 1;
	tide_fdiff_init(&d, &c);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1}", "{\"k\":1,\"a\":1}"), 0);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1,\"b\":\"x\"}",
	    "{\"b\":\"\\u0078\", \"a\":1.0e0, \"k\":1}"), 0);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"seen\":1}",
	    "{\"k\":1,\"seen\":2}"), 0);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1}", "{\"k\":1,\"a\":\"1\"}"),
	    1);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":[1]}", "{\"k\":1,\"a\":[ 1]}"),
	    1);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1}", "{\"k\":1}"), 1);
	ck_assert_int_eq(pair(&d, "{\"k\":1}", "{\"k\":1,\"z\":null}"), 1);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1.0000001}",
	    "{\"k\":1,\"a\":1}"), 1);
	ck_assert(d.matched == 3 && d.differing == 5);
	tide_fdiff_release(&d);

	c.tol = 1e-6;
	tide_fdiff_init(&d, &c);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1.0000001}",
	    "{\"k\":1,\"a\":1}"), 0);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1000.001}",
	    "{\"k\":1,\"a\":1000}"), 1);
	tide_fdiff_release(&d);
	c.tol = 0.001 / 100;	/* 0.001% */
	c.tol_rel = 1;
	tide_fdiff_init(&d, &c);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1000.001}",
	    "{\"k\":1,\"a\":1000}"), 0);
	ck_assert_int_eq(pair(&d, "{\"k\":1,\"a\":1.001}", "{\"k\":1,\"a\":1}"),
	    1);
	tide_fdiff_release(&d);
	paths_release();
}
END_TEST

START_TEST(test_fdiff_report_counts_fields_and_keeps_examples)
{
	struct tide_fdiff_conf c;
	struct tide_fdiff d;
	struct tide_buf out = TIDE_BUF_INIT;

	conf_of(&c, 1);
	c.examples = 1;
	tide_fdiff_init(&d, &c);
	pair(&d, "{\"k\":1,\"b\":1,\"a\":1}", "{\"k\":1,\"b\":2,\"a\":2}");
	pair(&d, "{\"k\":2,\"b\":1}", "{\"k\":2,\"b\":2}");
	pair(&d, "{\"k\":3}", "{\"k\":3}");
	alone(&d, TIDE_FDIFF_MISSING_RIGHT, "{\"k\":4}", 9, 0);
	alone(&d, TIDE_FDIFF_MISSING_RIGHT, "{\"k\":5}", 10, 0);
	alone(&d, TIDE_FDIFF_MISSING_LEFT, "{\"k\":6}", 11, 0);
	ck_assert(!tide_fdiff_equal(&d));
	tide_fdiff_report(&d, &out);
	tide_buf_addc(&out, '\0');
	ck_assert_str_eq(out.data,
	    "{\"left\":5,\"right\":4,\"pairs\":3,\"matched\":1,\"differing\":2,"
	    "\"missing_left\":1,\"missing_right\":2,\"bad_left\":0,"
	    "\"bad_right\":0,\"fields\":{\"a\":1,"
	    "\"b\":2}}\n"
	    "{\"kind\":\"differing\",\"fields\":[\"b\",\"a\"],\"left_line\":1,"
	    "\"right_line\":2,\"left\":{\"k\":1,\"b\":1,\"a\":1},\"right\":"
	    "{\"k\":1,\"b\":2,\"a\":2}}\n"
	    "{\"kind\":\"missing_right\",\"left_line\":9,\"left\":{\"k\":4}}\n"
	    "{\"kind\":\"missing_left\",\"right_line\":11,\"right\":{\"k\":6}}\n");
	tide_buf_release(&out);
	tide_fdiff_release(&d);
	paths_release();
}
END_TEST

/* A bad record of either side: the streams are not equal, and the
 * summary counts it against its side.  A topic's side is placed by
 * partition and offset. */
START_TEST(test_fdiff_bad_records_and_topic_places)
{
	struct tide_fdiff_conf c;
	struct tide_fdiff d;
	struct tide_buf out = TIDE_BUF_INIT;
	struct tide_fdrec a = rec_at("{\"k\":1,\"v\":1}", 7, 2);
	struct tide_fdrec b = rec_at("{\"k\":1,\"v\":2}", 12, 3);
	int side;

	for (side = 0; side < 2; side++) {
		conf_of(&c, 1);
		tide_fdiff_init(&d, &c);
		ck_assert_int_eq(pair(&d, "{\"k\":1}", "{\"k\":1}"), 0);
		ck_assert(tide_fdiff_equal(&d));
		tide_fdiff_bad(&d, side);
		ck_assert(!tide_fdiff_equal(&d));
		tide_fdiff_report(&d, &out);
		tide_buf_addc(&out, '\0');
		ck_assert_str_eq(out.data, side == 0 ?
		    "{\"left\":1,\"right\":1,\"pairs\":1,\"matched\":1,"
		    "\"differing\":0,\"missing_left\":0,\"missing_right\":0,"
		    "\"bad_left\":1,\"bad_right\":0,\"fields\":{}}\n" :
		    "{\"left\":1,\"right\":1,\"pairs\":1,\"matched\":1,"
		    "\"differing\":0,\"missing_left\":0,\"missing_right\":0,"
		    "\"bad_left\":0,\"bad_right\":1,\"fields\":{}}\n");
		tide_buf_reset(&out);
		tide_fdiff_release(&d);
		paths_release();
	}

	conf_of(&c, 1);
	c.topic[0] = c.topic[1] = 1;
	tide_fdiff_init(&d, &c);
	tide_fdiff_pair(&d, &a, &b);
	tide_fdiff_alone(&d, TIDE_FDIFF_MISSING_LEFT, &b);
	tide_fdiff_report(&d, &out);
	tide_buf_addc(&out, '\0');
	ck_assert_str_eq(strchr(out.data, '\n') + 1,
	    "{\"kind\":\"differing\",\"fields\":[\"v\"],"
	    "\"left_partition\":2,\"left_offset\":7,\"right_partition\":3,"
	    "\"right_offset\":12,\"left\":{\"k\":1,\"v\":1},\"right\":"
	    "{\"k\":1,\"v\":2}}\n"
	    "{\"kind\":\"missing_left\",\"right_partition\":3,"
	    "\"right_offset\":12,\"right\":{\"k\":1,\"v\":2}}\n");
	tide_buf_reset(&out);
	tide_fdiff_where(&d, 1, 12, 3, &out);
	tide_buf_addc(&out, '|');
	d.conf.topic[1] = 0;
	tide_fdiff_where(&d, 1, 12, 3, &out);
	tide_buf_addc(&out, '\0');
	ck_assert_str_eq(out.data, "partition 3 offset 12|line 12");
	tide_buf_release(&out);
	tide_fdiff_release(&d);
	paths_release();
}
END_TEST

Suite *
suite_fdiff(void)
{
	Suite *s = suite_create("fdiff");
	TCase *tc = tcase_create("fdiff");

	tcase_add_test(tc, test_fdiff_keys_follow_the_key_rule_and_order);
	tcase_add_test(tc, test_fdiff_pair_compares_fields_by_name_and_value);
	tcase_add_test(tc, test_fdiff_bad_records_and_topic_places);
	tcase_add_test(tc, test_fdiff_report_counts_fields_and_keeps_examples);
	suite_add_tcase(s, tc);
	return s;
}
