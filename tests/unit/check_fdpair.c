/* lib/fdpair: records paired by key, merged or hashed and spilled. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fdiff.h"
#include "fdpair.h"
#include "json.h"
#include "unit.h"

static struct tide_path kp;
static int topic_right;		/* run(): RIGHT is a topic's messages */
static int nexamples;		/* run(): examples of each kind */

/* A side held in an array of records. */
struct arr {
	const char *const *recs;
	int n, i;
	struct tide_fdiff *d;
	struct tide_buf key;
};

static int
arr_next(void *ctx, struct tide_fdrec *rec)
{
	struct arr *a = ctx;
	struct tide_json_val kv;
	enum tide_json_type type;
	int w;

	if (a->i == a->n)
		return 0;
	rec->p = a->recs[a->i];
	rec->len = strlen(rec->p);
	rec->line = (uint64_t)++a->i;
	rec->part = (int32_t)(rec->line % 3) + 4;	/* a file's is unused */
	ck_assert_int_ge(tide_json_check_many(rec->p, rec->len, 16, &type,
	    NULL, &kp, 1, &kv), 0);
	ck_assert_int_eq(tide_fdiff_key(a->d, &kv, &a->key, &w), 0);
	rec->key = a->key.data;
	rec->klen = a->key.len;
	return 1;
}

static const char *const L[] = {
	"{\"k\":1,\"v\":1}", "{\"k\":2,\"v\":1}", "{\"k\":2,\"v\":2}",
	"{\"k\":2,\"v\":3}", "{\"k\":4,\"v\":1}", "{\"k\":\"a\",\"v\":1}",
};
static const char *const R[] = {
	"{\"k\":1,\"v\":1}", "{\"k\":2,\"v\":1}", "{\"k\":2,\"v\":9}",
	"{\"k\":3,\"v\":1}", "{\"k\":\"a\",\"v\":1}", "{\"k\":\"b\",\"v\":1}",
};

/* Diff L and R one way (0 sorted, else hashed with max_memory mm - 1):
 * the report. */
static char *
run(int how, size_t mm, const char *const *l, int nl, const char *const *r,
    int nr, int *code, struct tide_fdpair_err *err)
{
	struct tide_fdiff_conf c;
	struct tide_fdiff d;
	struct tide_fdpair_conf pc = { .max_memory = mm,
	    .tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp" };
	struct arr a = { l, nl, 0, &d, TIDE_BUF_INIT };
	struct arr b = { r, nr, 0, &d, TIDE_BUF_INIT };
	struct tide_fdsrc sa = { arr_next, &a }, sb = { arr_next, &b };
	struct tide_buf out = TIDE_BUF_INIT;

	memset(&c, 0, sizeof(c));
	c.keys = &kp;
	c.nkey = 1;
	c.examples = nexamples;
	c.topic[1] = topic_right;
	tide_fdiff_init(&d, &c);
	memset(err, 0, sizeof(*err));
	*code = how == 0 ? tide_fdpair_sorted(&d, &sa, &sb, err) :
	    tide_fdpair_hashed(&d, &sa, &sb, &pc, err);
	if (how == 2)
		ck_assert_uint_gt(pc.spills, 0);
	tide_fdiff_report(&d, &out);
	tide_buf_addc(&out, '\0');
	tide_fdiff_release(&d);
	tide_buf_release(&a.key);
	tide_buf_release(&b.key);
	return tide_buf_detach(&out, NULL);
}

START_TEST(test_fdpair_sorted_hashed_and_spilled_agree)
{
	static const char want[] = "{\"left\":6,\"right\":6,\"pairs\":4,"
	    "\"matched\":3,\"differing\":1,\"missing_left\":2,"
	    "\"missing_right\":2,\"bad_left\":0,\"bad_right\":0,"
	    "\"fields\":{\"v\":1}}\n";
	struct tide_fdpair_err err;
	char *got;
	int how, code;

	tide_path_parse(&kp, "k");
	for (how = 0; how < 3; how++) {
		got = run(how, how == 2 ? 1 : 0, L, 6, R, 6, &code, &err);
		ck_assert_int_eq(code, 0);
		ck_assert_str_eq(got, want);
		free(got);
	}
	tide_path_release(&kp);
}
END_TEST

START_TEST(test_fdpair_sorted_says_where_the_order_breaks)
{
	static const char *const bad[] = {
		"{\"k\":1}", "{\"k\":10}", "{\"k\":9}",
	};
	struct tide_fdpair_err err;
	char *got;
	int code;

	tide_path_parse(&kp, "k");
	got = run(0, 0, L, 6, bad, 3, &code, &err);
	ck_assert_int_eq(code, TIDE_ERANGE);
	ck_assert_int_eq(err.side, 1);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_str_eq(err.msg, "key [9] after [10] (line 2)");
	free(got);
	got = run(0, 0, bad, 3, R, 6, &code, &err);
	ck_assert_int_eq(code, TIDE_ERANGE);
	ck_assert_int_eq(err.side, 0);
	free(got);
	tide_path_release(&kp);
}
END_TEST

/* A topic's side: its records' partitions and offsets come out in the
 * examples and the order's message, held, spilled and merged alike. */
START_TEST(test_fdpair_a_topic_side_keeps_partitions_and_offsets)
{
	static const char *const bad[] = {
		"{\"k\":1}", "{\"k\":10}", "{\"k\":9}",
	};
	struct tide_fdpair_err err;
	char *got;
	int how, code;

	tide_path_parse(&kp, "k");
	topic_right = 1;
	nexamples = 5;
	for (how = 0; how < 3; how++) {
		got = run(how, how == 2 ? 1 : 0, L, 6, R, 6, &code, &err);
		ck_assert_int_eq(code, 0);
		ck_assert_msg(strstr(got, "{\"kind\":\"differing\",\"fields\":"
		    "[\"v\"],\"left_line\":3,\"right_partition\":4,"
		    "\"right_offset\":3,\"left\":{\"k\":2,\"v\":2},"
		    "\"right\":{\"k\":2,\"v\":9}}\n") != NULL, "%d: %s", how,
		    got);
		ck_assert_msg(strstr(got, "{\"kind\":\"missing_left\","
		    "\"right_partition\":5,\"right_offset\":4,\"right\":"
		    "{\"k\":3,\"v\":1}}\n") != NULL, "%d: %s", how, got);
		ck_assert_msg(strstr(got, "{\"kind\":\"missing_right\","
		    "\"left_line\":5,\"left\":{\"k\":4,\"v\":1}}\n") !=
		    NULL, "%d: %s", how, got);
		free(got);
	}
	got = run(0, 0, L, 6, bad, 3, &code, &err);
	ck_assert_int_eq(code, TIDE_ERANGE);
	ck_assert_int_eq(err.side, 1);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_int_eq(err.part, 4);
	ck_assert_str_eq(err.msg, "key [9] after [10] (partition 6 offset 2)");
	free(got);
	topic_right = 0;
	nexamples = 0;
	tide_path_release(&kp);
}
END_TEST

START_TEST(test_fdpair_spill_to_an_unwritable_dir_is_eio)
{
	struct tide_fdiff_conf c;
	struct tide_fdiff d;
	struct tide_fdpair_conf pc = { .max_memory = 1,
	    .tmpdir = "/nonexistent/dir" };
	struct tide_fdpair_err err;
	struct arr a = { L, 6, 0, &d, TIDE_BUF_INIT };
	struct arr b = { R, 6, 0, &d, TIDE_BUF_INIT };
	struct tide_fdsrc sa = { arr_next, &a }, sb = { arr_next, &b };

	tide_path_parse(&kp, "k");
	memset(&c, 0, sizeof(c));
	c.keys = &kp;
	c.nkey = 1;
	tide_fdiff_init(&d, &c);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(tide_fdpair_hashed(&d, &sa, &sb, &pc, &err), TIDE_EIO);
	ck_assert_int_eq(err.side, -1);
	ck_assert_int_ne(err.errnum, 0);
	tide_fdiff_release(&d);
	tide_buf_release(&a.key);
	tide_buf_release(&b.key);
	tide_path_release(&kp);
}
END_TEST

Suite *
suite_fdpair(void)
{
	Suite *s = suite_create("fdpair");
	TCase *tc = tcase_create("fdpair");

	tcase_add_test(tc, test_fdpair_sorted_hashed_and_spilled_agree);
	tcase_add_test(tc, test_fdpair_sorted_says_where_the_order_breaks);
	tcase_add_test(tc, test_fdpair_a_topic_side_keeps_partitions_and_offsets);
	tcase_add_test(tc, test_fdpair_spill_to_an_unwritable_dir_is_eio);
	suite_add_tcase(s, tc);
	return s;
}
