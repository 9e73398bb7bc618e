#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "joinplan.h"
#include "unit.h"

/* A spec joining on id, --left, with one --default and a --miss-field. */
static void
spec_left(struct tide_joinspec *js)
{
	static char id[] = "id", price[] = "price", dflt[] = "0";

	memset(js, 0, sizeof(*js));
	js->kind = TIDE_JOIN_LEFT;
	js->nkeys = 1;
	js->skey[0] = id;
	js->tkey[0] = id;
	js->ndef = 1;
	js->defname[0] = price;
	js->defval[0] = dflt;
	js->missfield = "why";
}

/* Look rec's plan paths up, key it, check it and emit it with the row
 * of values cols[0..ncol) (NULL: a miss m) into out[]. */
static int
emit(const struct tide_joinplan *pl, const char *rec, const char *const *cols,
    int ncol, enum tide_table_miss m, char *out, size_t outlen, char *why,
    struct tide_joinstats *st)
{
	struct tide_json_val v[16], cv[8];
	struct tide_table_row row = { NULL, NULL, 0 };
	struct tide_buf kb, rb, ob;
	struct tide_wout w;
	FILE *f = tmpfile();
	int64_t ts;
	int i, r, nokey;
	ssize_t n;

	tide_buf_init(&kb, 1024);
	tide_buf_init(&rb, 1024);
	tide_buf_init(&ob, 4096);
	tide_json_get_many(rec, strlen(rec), pl->paths, pl->npath, v);
	r = tide_table_key(&kb, v, pl->js->nkeys);
	r = tide_joinplan_check(pl, r, v, &ts, &nokey, why, 256);
	if (r == 0) {
		if (cols) {
			for (i = 0; i < ncol; i++) {
				cv[i].type = TIDE_JSON_NUMBER;
				cv[i].p = cols[i];
				cv[i].len = strlen(cols[i]);
			}
			tide_table_row_build(&rb, cv, ncol);
			row.p = (const unsigned char *)rb.data;
			row.end = row.p + rb.len;
			m = TIDE_TABLE_HIT;
		}
		tide_wout_init(&w, fileno(f));
		r = tide_joinplan_emit(pl, &w, &ob, rec, strlen(rec), v, m, &row,
		    nokey, st, why, 256);
		tide_wout_flush(&w);
		tide_wout_release(&w);
	}
	rewind(f);
	n = read(fileno(f), out, outlen - 1);
	out[n < 0 ? 0 : n] = '\0';
	fclose(f);
	tide_buf_release(&kb);
	tide_buf_release(&rb);
	tide_buf_release(&ob);
	return r;
}

START_TEST(test_joinplan_build_names_and_miss_fragment)
{
	struct tide_joinspec js;
	struct tide_joinplan pl;
	struct tide_joinplan_err err;
	char *cols[] = { "name", "price" };

	spec_left(&js);
	js.prefix = "t_";
	ck_assert_int_eq(tide_joinplan_build(&pl, &js, 2, cols, &err), 0);
	ck_assert_int_eq(pl.ncol, 2);
	/* id, the (absent) time, two names, the miss field. */
	ck_assert_int_eq(pl.npath, 5);
	ck_assert_int_eq(pl.nout, 3);
	ck_assert_str_eq(tide_buf_cstr(&pl.names), "\"t_name\":\"t_price\":");
	ck_assert_str_eq(tide_buf_cstr(&pl.missfrag),
	    "\"t_name\":null,\"t_price\":0");
	ck_assert_str_eq(tide_buf_cstr(&pl.reasonkey), "\"why\":");
	ck_assert_str_eq(pl.paths[2].text, "t_name");
	tide_joinplan_release(&pl);
}
END_TEST

START_TEST(test_joinplan_build_rejects_default_without_column)
{
	struct tide_joinspec js;
	struct tide_joinplan pl;
	struct tide_joinplan_err err;
	char *cols[] = { "name" };

	spec_left(&js);
	ck_assert_int_eq(tide_joinplan_build(&pl, &js, 1, cols, &err),
	    TIDE_ENOENT);
	ck_assert_str_eq(err.name, "price");
	ck_assert_str_eq(err.msg, "the table has no field 'price'");
	tide_joinplan_release(&pl);
	/* Columns not known yet (-1): nothing to check against. */
	ck_assert_int_eq(tide_joinplan_build(&pl, &js, -1, NULL, &err), 0);
	ck_assert_int_eq(pl.ncol, 0);
	tide_joinplan_release(&pl);
}
END_TEST

START_TEST(test_joinplan_build_rejects_bad_field_names)
{
	struct tide_joinspec js;
	struct tide_joinplan pl;
	struct tide_joinplan_err err;
	char bad[] = "a..b";

	spec_left(&js);
	js.ndef = 0;
	js.skey[0] = bad;
	ck_assert_int_eq(tide_joinplan_build(&pl, &js, 0, NULL, &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--on: bad field name 'a..b'");
	tide_joinplan_release(&pl);
	spec_left(&js);
	js.ndef = 0;
	js.asof = "";
	ck_assert_int_eq(tide_joinplan_build(&pl, &js, 0, NULL, &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--as-of: bad field name ''");
	tide_joinplan_release(&pl);
}
END_TEST

START_TEST(test_joinplan_emit_hit_miss_and_nokey)
{
	struct tide_joinspec js;
	struct tide_joinplan pl;
	struct tide_joinplan_err err;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	char *cols[] = { "name", "price" };
	const char *row[] = { "\"ab\"", "2.5" };
	char out[512], why[256];

	spec_left(&js);
	ck_assert_int_eq(tide_joinplan_build(&pl, &js, 2, cols, &err), 0);
	ck_assert_int_eq(emit(&pl, "{\"id\":1, \"x\":true}", row, 2, 0, out,
	    sizeof(out), why, &st), 0);
	ck_assert_str_eq(out, "{\"id\":1, \"x\":true,\"name\":\"ab\","
	    "\"price\":2.5,\"why\":null}\n");
	ck_assert_int_eq(emit(&pl, "{\"id\":2}", NULL, 0, TIDE_TABLE_NO_MATCH,
	    out, sizeof(out), why, &st), 0);
	ck_assert_str_eq(out, "{\"id\":2,\"name\":null,\"price\":0,"
	    "\"why\":\"no_match\"}\n");
	ck_assert_int_eq(emit(&pl, "{\"x\":1}", NULL, 0, TIDE_TABLE_NO_MATCH,
	    out, sizeof(out), why, &st), 0);
	ck_assert_str_eq(out, "{\"x\":1,\"name\":null,\"price\":0,"
	    "\"why\":\"no_key\"}\n");
	ck_assert_uint_eq(st.out, 3);
	ck_assert_uint_eq(st.matched, 1);
	ck_assert_uint_eq(st.missed, 2);
	tide_joinplan_release(&pl);
}
END_TEST

START_TEST(test_joinplan_emit_inner_anti_and_collisions)
{
	struct tide_joinspec js;
	struct tide_joinplan pl;
	struct tide_joinplan_err err;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	char *cols[] = { "name" };
	const char *row[] = { "\"ab\"" };
	char out[512], why[256];

	spec_left(&js);
	js.ndef = 0;
	js.missfield = NULL;
	js.kind = TIDE_JOIN_INNER;
	ck_assert_int_eq(tide_joinplan_build(&pl, &js, 1, cols, &err), 0);
	ck_assert_int_eq(emit(&pl, "{\"id\":2}", NULL, 0, TIDE_TABLE_NO_MATCH,
	    out, sizeof(out), why, &st), 0);
	ck_assert_str_eq(out, "");
	/* A stream field of a table field's name: bad, or replaced. */
	ck_assert_int_eq(emit(&pl, "{\"id\":1,\"name\":\"old\"}", row, 1, 0,
	    out, sizeof(out), why, &st), TIDE_EINVAL);
	ck_assert_str_eq(why, "field 'name' is also a table field "
	    "(--overwrite replaces it)");
	js.overwrite = 1;
	ck_assert_int_eq(emit(&pl, "{\"name\":\"old\",\"id\":1}", row, 1, 0,
	    out, sizeof(out), why, &st), 0);
	ck_assert_str_eq(out, "{\"id\":1,\"name\":\"ab\"}\n");
	/* A key that is null or missing is a bad record but under --left. */
	ck_assert_int_eq(emit(&pl, "{\"id\":null}", NULL, 0,
	    TIDE_TABLE_NO_MATCH, out, sizeof(out), why, &st), TIDE_EINVAL);
	ck_assert_str_eq(why, "key field 'id' is null");
	js.kind = TIDE_JOIN_ANTI;
	ck_assert_int_eq(emit(&pl, "{\"id\":3, \"a\":1}", NULL, 0,
	    TIDE_TABLE_NO_MATCH, out, sizeof(out), why, &st), 0);
	ck_assert_str_eq(out, "{\"id\":3, \"a\":1}\n");
	ck_assert_int_eq(emit(&pl, "{\"id\":1}", row, 1, 0, out, sizeof(out),
	    why, &st), 0);
	ck_assert_str_eq(out, "");
	tide_joinplan_release(&pl);
}
END_TEST

START_TEST(test_joinplan_check_as_of_time)
{
	struct tide_joinspec js;
	struct tide_joinplan pl;
	struct tide_joinplan_err err;
	struct tide_json_val v[4];
	const char *a = "{\"id\":1,\"ts\":1700000000000}";
	const char *b = "{\"id\":1}";
	const char *c = "{\"id\":1,\"ts\":\"yesterday\"}";
	char why[256];
	int64_t ts;
	int nokey;

	spec_left(&js);
	js.ndef = 0;
	js.missfield = NULL;
	js.asof = "ts";
	js.unit = TIDE_UNIT_MS;
	ck_assert_int_eq(tide_joinplan_build(&pl, &js, 0, NULL, &err), 0);
	tide_json_get_many(a, strlen(a), pl.paths, pl.npath, v);
	ck_assert_int_eq(tide_joinplan_check(&pl, 0, v, &ts, &nokey, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(ts, 1700000000000LL);
	ck_assert_int_eq(nokey, 0);
	tide_json_get_many(b, strlen(b), pl.paths, pl.npath, v);
	ck_assert_int_eq(tide_joinplan_check(&pl, 0, v, &ts, &nokey, why,
	    sizeof(why)), TIDE_EINVAL);
	ck_assert_str_eq(why, "time field 'ts' is missing");
	tide_json_get_many(c, strlen(c), pl.paths, pl.npath, v);
	ck_assert_int_eq(tide_joinplan_check(&pl, 0, v, &ts, &nokey, why,
	    sizeof(why)), TIDE_EINVAL);
	ck_assert_str_eq(why, "field 'ts' is not a time: \"yesterday\"");
	tide_joinplan_release(&pl);
}
END_TEST

START_TEST(test_join_key_why_names_the_first_missing_key)
{
	char *names[] = { "a", "b" };
	struct tide_json_val v[2];
	char why[128];

	memset(v, 0, sizeof(v));
	v[0].type = TIDE_JSON_NUMBER;
	v[1].type = TIDE_JSON_NONE;
	tide_join_key_why(why, sizeof(why), names, 2, TIDE_ENOENT, v);
	ck_assert_str_eq(why, "key field 'b' is missing");
	v[0].type = TIDE_JSON_NULL;
	tide_join_key_why(why, sizeof(why), names, 2, TIDE_ENOENT, v);
	ck_assert_str_eq(why, "key field 'a' is null");
	v[0].type = TIDE_JSON_NUMBER;
	v[1].type = TIDE_JSON_NUMBER;
	tide_join_key_why(why, sizeof(why), names, 2, TIDE_EJSON, v);
	ck_assert_str_eq(why, "key field 'b' is not a valid JSON value");
}
END_TEST

START_TEST(test_join_copy_members_drops_named_members)
{
	struct tide_namelist nl = { "b\0c", 4 };
	struct tide_buf b;
	struct tide_jobj o;
	struct tide_json_val obj;

	tide_join_obj_of(&obj, "  {\"a\":1}\n", 10);
	ck_assert_uint_eq(obj.len, 7);
	ck_assert_int_eq(obj.p[0], '{');
	tide_buf_init(&b, 1024);
	{
		static const char rec[] =
		    "{\"a\":1, \"b\":[2],\"c\":{},\"d\":\"c\"}";

		tide_join_copy_members(&o, &b, rec, sizeof(rec) - 1,
		    tide_namelist_drop, &nl);
	}
	ck_assert_int_eq(tide_jobj_end(&o), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"a\":1,\"d\":\"c\"}");
	tide_buf_release(&b);
}
END_TEST

Suite *
suite_joinplan(void)
{
	Suite *s = suite_create("joinplan");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_joinplan_build_names_and_miss_fragment);
	tcase_add_test(tc, test_joinplan_build_rejects_default_without_column);
	tcase_add_test(tc, test_joinplan_build_rejects_bad_field_names);
	tcase_add_test(tc, test_joinplan_emit_hit_miss_and_nokey);
	tcase_add_test(tc, test_joinplan_emit_inner_anti_and_collisions);
	tcase_add_test(tc, test_joinplan_check_as_of_time);
	tcase_add_test(tc, test_join_key_why_names_the_first_missing_key);
	tcase_add_test(tc, test_join_copy_members_drops_named_members);
	suite_add_tcase(s, tc);
	return s;
}
