/* lib/proj: --keep and --drop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "proj.h"
#include "unit.h"

static const char rec[] = "{\"ts\":1,\"account\":\"a1\",\"card\":{\"bin\":"
    "\"4111\",\"cc\":\"DE\"},\"amount\":19.5,\"a.b\":[1,2]}";

/* The projection of r by mode's lists (NULL-terminated), as a C string
 * owned by a static buffer; or the compile error, prefixed "error: ". */
static const char *
project(enum tide_proj_mode mode, const char *r, const char **lists)
{
	static struct tide_buf out = TIDE_BUF_INIT;
	static char msg[TIDE_PROJ_WHY + 8];
	struct tide_proj p;
	char why[TIDE_PROJ_WHY];
	int i;

	tide_proj_init(&p);
	for (i = 0; lists[i]; i++)
		if (tide_proj_add(&p, mode, lists[i], why) < 0) {
			tide_proj_release(&p);
			snprintf(msg, sizeof(msg), "error: %s", why);
			return msg;
		}
	tide_buf_reset(&out);
	ck_assert_int_eq(tide_json_check(r, strlen(r), 0, NULL, NULL), 0);
	ck_assert_int_eq(tide_proj_rec(&p, r, strlen(r), &out), 0);
	tide_proj_release(&p);
	return tide_buf_cstr(&out);
}

#define KEEP(r, ...) project(TIDE_PROJ_KEEP, r, (const char *[]){ __VA_ARGS__, NULL })
#define DROP(r, ...) project(TIDE_PROJ_DROP, r, (const char *[]){ __VA_ARGS__, NULL })

START_TEST(test_keep_writes_fields_in_list_order)
{
	ck_assert_str_eq(KEEP(rec, "amount,ts"), "{\"amount\":19.5,\"ts\":1}");
	ck_assert_str_eq(KEEP(rec, "account", "ts"),
	    "{\"account\":\"a1\",\"ts\":1}");
	ck_assert_str_eq(KEEP(rec, " card "),
	    "{\"card\":{\"bin\":\"4111\",\"cc\":\"DE\"}}");
}
END_TEST

START_TEST(test_keep_names_by_last_segment_or_as)
{
	ck_assert_str_eq(KEEP(rec, "card.bin,amount as amt"),
	    "{\"bin\":\"4111\",\"amt\":19.5}");
	ck_assert_str_eq(KEEP(rec, "card.cc as country"),
	    "{\"country\":\"DE\"}");
	/* A quoted segment holding a dot, and a comma in quotes. */
	ck_assert_str_eq(KEEP(rec, "\"a.b\""), "{\"a.b\":[1,2]}");
	ck_assert_str_eq(KEEP("{\"x,y\":1,\"z\":2}", "\"x,y\",z"),
	    "{\"x,y\":1,\"z\":2}");
	/* Names needing escapes are written escaped. */
	ck_assert_str_eq(KEEP("{\"q\\\"\":1}", "\"q\\\"\""),
	    "{\"q\\\"\":1}");
}
END_TEST

START_TEST(test_keep_leaves_out_missing_fields)
{
	ck_assert_str_eq(KEEP(rec, "nope,ts,card.zip,ts.x"), "{\"ts\":1}");
	ck_assert_str_eq(KEEP(rec, "nope"), "{}");
	/* A null is a value, kept. */
	ck_assert_str_eq(KEEP("{\"a\":null}", "a"), "{\"a\":null}");
}
END_TEST

START_TEST(test_keep_refuses_duplicate_names)
{
	ck_assert_str_eq(KEEP(rec, "ts,ts"), "error: two fields named 'ts' "
	    "(rename one with 'as')");
	ck_assert_str_eq(KEEP(rec, "card.cc,cc"), "error: two fields named "
	    "'cc' (rename one with 'as')");
	ck_assert_str_eq(KEEP(rec, "ts", "amount as ts"), "error: two fields "
	    "named 'ts' (rename one with 'as')");
	ck_assert_str_eq(KEEP(rec, "card.cc,cc as c2"),
	    "{\"cc\":\"DE\"}");
}
END_TEST

START_TEST(test_lists_refuse_bad_input)
{
	ck_assert_str_eq(KEEP(rec, ""), "error: empty list");
	ck_assert_str_eq(KEEP(rec, "  "), "error: empty list");
	ck_assert_str_eq(KEEP(rec, "a,,b"), "error: empty field in 'a,,b'");
	ck_assert_str_eq(KEEP(rec, "a,"), "error: empty field in 'a,'");
	ck_assert_str_eq(KEEP(rec, ",a"), "error: empty field in ',a'");
	ck_assert_str_eq(KEEP(rec, "a..b"), "error: bad field path 'a..b'");
	ck_assert_str_eq(KEEP(rec, "\"a"), "error: bad field path '\"a'");
	ck_assert_str_eq(KEEP(rec, "a as"), "error: 'as' needs a name in "
	    "'a as'");
	ck_assert_str_eq(KEEP(rec, "a as b c"), "error: 'as': not a name in "
	    "'a as b c'");
	ck_assert_str_eq(DROP(rec, "a as b"), "error: 'as' goes with --keep, "
	    "not --drop: 'a as b'");
	ck_assert_str_eq(DROP(rec, "a,a"), "error: 'a' given twice");
	ck_assert_str_eq(DROP(rec, "a.b", "a.b"), "error: 'a.b' given twice");
	ck_assert_str_eq(KEEP(rec, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,"
	    "u,v,w,x,y,z,a1,b1,c1,d1,e1,f1,g1,h1,i1,j1,k1,l1,m1,n1,o1,p1,q1,"
	    "r1,s1,t1,u1,v1,w1,x1,y1,z1,a2,b2,c2,d2,e2,f2,g2,h2,i2,j2,k2,l2,"
	    "m2"), "error: more than 64 fields");
}
END_TEST

START_TEST(test_keep_and_drop_exclude_each_other)
{
	struct tide_proj p;
	char why[TIDE_PROJ_WHY];

	tide_proj_init(&p);
	ck_assert_int_eq(tide_proj_add(&p, TIDE_PROJ_KEEP, "a", why), 0);
	ck_assert_int_eq(tide_proj_add(&p, TIDE_PROJ_DROP, "b", why),
	    TIDE_EINVAL);
	ck_assert_str_eq(why, "--keep and --drop exclude each other");
	tide_proj_release(&p);
}
END_TEST

START_TEST(test_drop_removes_fields_and_nested_ones)
{
	ck_assert_str_eq(DROP(rec, "card,\"a.b\""),
	    "{\"ts\":1,\"account\":\"a1\",\"amount\":19.5}");
	ck_assert_str_eq(DROP(rec, "card.bin"), "{\"ts\":1,\"account\":\"a1\","
	    "\"card\":{\"cc\":\"DE\"},\"amount\":19.5,\"a.b\":[1,2]}");
	ck_assert_str_eq(DROP(rec, "card.bin", "card.cc"), "{\"ts\":1,"
	    "\"account\":\"a1\",\"card\":{},\"amount\":19.5,\"a.b\":[1,2]}");
	/* Absent, or through a value that is no object: nothing. */
	ck_assert_str_eq(DROP(rec, "nope,ts.x,card.bin.x"), rec);
	ck_assert_str_eq(DROP("{\"a\":1}", "a"), "{}");
	/* Every member of a duplicated name goes; blanks go too. */
	ck_assert_str_eq(DROP("{ \"a\" : 1 , \"b\" : [ 2 ] , \"a\" : 3 }", "a"),
	    "{\"b\":[ 2 ]}");
}
END_TEST

START_TEST(test_non_objects_and_barriers_pass)
{
	const char *bar = "{\"@barrier\":{\"seq\":1,\"offsets\":[]}}";

	ck_assert_str_eq(KEEP("\"text\"", "a"), "\"text\"");
	ck_assert_str_eq(KEEP("null", "a"), "null");
	ck_assert_str_eq(DROP("[1,2]", "a"), "[1,2]");
	ck_assert_str_eq(KEEP(bar, "a"), bar);
	ck_assert_str_eq(DROP(bar, "@barrier"), bar);
}
END_TEST

START_TEST(test_tail_rewrites_the_end_of_a_buffer)
{
	struct tide_proj p;
	struct tide_buf b = TIDE_BUF_INIT;
	char why[TIDE_PROJ_WHY];
	int i;

	tide_proj_init(&p);
	ck_assert_int_eq(tide_proj_add(&p, TIDE_PROJ_KEEP, "b as x,a", why),
	    0);
	/* Reused for many records: the same result each time. */
	for (i = 0; i < 3; i++) {
		size_t start = b.len;

		tide_buf_adds(&b, "{\"a\":1,\"b\":\"two\"}\n");
		ck_assert_int_eq(tide_proj_tail(&p, &b, start), 0);
	}
	tide_buf_adds(&b, "{\"a\":3}");
	ck_assert_int_eq(tide_proj_tail(&p, &b, b.len - 7), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"x\":\"two\",\"a\":1}\n"
	    "{\"x\":\"two\",\"a\":1}\n{\"x\":\"two\",\"a\":1}\n{\"a\":3}");
	tide_proj_release(&p);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_no_list_writes_the_record)
{
	struct tide_proj p;
	struct tide_buf b = TIDE_BUF_INIT;

	tide_proj_init(&p);
	ck_assert_int_eq(tide_proj_on(&p), 0);
	tide_buf_adds(&b, "{\"a\":1}\n");
	ck_assert_int_eq(tide_proj_tail(&p, &b, 0), 0);
	ck_assert_int_eq(tide_proj_rec(&p, "{ }", 3, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"a\":1}\n{ }");
	tide_proj_release(&p);
	tide_buf_release(&b);
}
END_TEST

Suite *
suite_proj(void)
{
	Suite *s = suite_create("proj");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_keep_writes_fields_in_list_order);
	tcase_add_test(tc, test_keep_names_by_last_segment_or_as);
	tcase_add_test(tc, test_keep_leaves_out_missing_fields);
	tcase_add_test(tc, test_keep_refuses_duplicate_names);
	tcase_add_test(tc, test_lists_refuse_bad_input);
	tcase_add_test(tc, test_keep_and_drop_exclude_each_other);
	tcase_add_test(tc, test_drop_removes_fields_and_nested_ones);
	tcase_add_test(tc, test_non_objects_and_barriers_pass);
	tcase_add_test(tc, test_tail_rewrites_the_end_of_a_buffer);
	tcase_add_test(tc, test_no_list_writes_the_record);
	suite_add_tcase(s, tc);
	return s;
}
