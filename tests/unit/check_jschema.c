#include <string.h>

#include "err.h"
#include "jschema.h"
#include "json.h"
#include "unit.h"

/* Compile schema (must succeed), validate doc: the violation count. */
static int
verdict(struct tide_jschema *s, struct tide_jschema_run *r,
    const char *doc)
{
	struct tide_json_val v;
	enum tide_json_type t;

	ck_assert_int_eq(tide_json_check(doc, strlen(doc), TIDE_JSON_MAXDEPTH,
	    &t, NULL), 0);
	v.type = t;
	v.p = doc;
	v.len = strlen(doc);
	return tide_jschema_validate(s, r, &v);
}

static void
compile_ok(struct tide_jschema *s, const char *text)
{
	struct tide_jschema_err err;

	ck_assert_msg(tide_jschema_compile(s, text, strlen(text), &err) == 0,
	    "%s: %s", text, err.msg);
}

START_TEST(test_jschema_validates_and_names_rules)
{
	struct tide_jschema s;
	struct tide_jschema_run r;

	compile_ok(&s, "{\"type\":\"object\",\"required\":[\"a\"],"
	    "\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":2},"
	    "\"b\":{\"items\":{\"maxLength\":1}}}}");
	tide_jschema_run_init(&r);
	ck_assert_int_eq(verdict(&s, &r, "{\"a\":2.0,\"b\":[\"x\"]}"), 0);
	ck_assert_int_eq(r.viol.len, 0);
	ck_assert_int_eq(verdict(&s, &r, "{\"a\":1,\"b\":[\"x\",\"\\u00e9\\u00e9\"]}"),
	    2);
	tide_buf_addc(&r.viol, '\0');
	ck_assert_str_eq(r.viol.data,
	    "{\"rule\":\"#/properties/a/minimum\",\"path\":\"/a\",\"message\":"
	    "\"1 is less than the minimum 2\"},"
	    "{\"rule\":\"#/properties/b/items/maxLength\",\"path\":\"/b/1\","
	    "\"message\":\"string of 2 characters is longer than 1\"}");
	ck_assert_str_eq(r.first, "#/properties/a/minimum at '/a': 1 is less "
	    "than the minimum 2");
	ck_assert_int_eq(verdict(&s, &r, "{}"), 1);
	ck_assert_int_eq(verdict(&s, &r, "[]"), 1);
	/* Counted per rule, per violation. */
	ck_assert_int_eq(s.nrules, 5);
	ck_assert_str_eq(s.rules[0].loc, "#/type");
	ck_assert_uint_eq(s.rules[0].count, 1);
	ck_assert_str_eq(s.rules[1].loc, "#/required");
	ck_assert_uint_eq(s.rules[1].count, 1);
	tide_jschema_run_release(&r);
	tide_jschema_release(&s);
}
END_TEST

START_TEST(test_jschema_numbers_compare_by_value)
{
	struct tide_jschema s;
	struct tide_jschema_run r;

	compile_ok(&s, "{\"enum\":[1,\"a\",{\"x\":[2,3]}],\"not\":{\"const\":true}}");
	tide_jschema_run_init(&r);
	ck_assert_int_eq(verdict(&s, &r, "1.0"), 0);
	ck_assert_int_eq(verdict(&s, &r, "10e-1"), 0);
	ck_assert_int_eq(verdict(&s, &r, "\"\\u0061\""), 0);
	ck_assert_int_eq(verdict(&s, &r, "{ \"x\" : [2.0, 3] }"), 0);
	ck_assert_int_eq(verdict(&s, &r, "true"), 2);
	ck_assert_int_eq(verdict(&s, &r, "{\"x\":[3,2]}"), 1);
	ck_assert_int_eq(verdict(&s, &r, "{\"x\":[2,3],\"y\":1}"), 1);
	tide_jschema_run_release(&r);
	tide_jschema_release(&s);
}
END_TEST

START_TEST(test_jschema_combinators_and_refs)
{
	struct tide_jschema s;
	struct tide_jschema_run r;

	compile_ok(&s, "{\"$defs\":{\"pos\":{\"exclusiveMinimum\":0},"
	    "\"node\":{\"properties\":{\"next\":{\"$ref\":\"#/$defs/node\"},"
	    "\"v\":{\"$ref\":\"#/$defs/pos\"}}}},"
	    "\"properties\":{\"list\":{\"$ref\":\"#/$defs/node\"},"
	    "\"o\":{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}]},"
	    "\"any\":{\"anyOf\":[{\"type\":\"null\"},{\"maxLength\":1}]}}}");
	tide_jschema_run_init(&r);
	ck_assert_int_eq(verdict(&s, &r, "{\"list\":{\"v\":1,\"next\":{\"v\":2,"
	    "\"next\":{}}},\"o\":1,\"any\":null}"), 0);
	ck_assert_int_eq(verdict(&s, &r, "{\"list\":{\"next\":{\"next\":"
	    "{\"v\":0}}}}"), 1);
	tide_buf_addc(&r.viol, '\0');
	ck_assert(strstr(r.viol.data, "\"path\":\"/list/next/next/v\"") != NULL);
	ck_assert_int_eq(verdict(&s, &r, "{\"o\":3}"), 1);
	ck_assert_int_eq(verdict(&s, &r, "{\"o\":1.5}"), 1);
	ck_assert_int_eq(verdict(&s, &r, "{\"o\":2.5,\"any\":\"ab\"}"), 1);
	tide_jschema_run_release(&r);
	tide_jschema_release(&s);
}
END_TEST

START_TEST(test_jschema_refuses_what_it_does_not_read)
{
	static const struct {
		const char *schema, *msg;
	} bad[] = {
		{ "{", "not valid JSON: " },
		{ "3", "a schema is an object or true or false (at #)" },
		{ "{\"if\":{}}", "keyword \"if\" is not supported (at #)" },
		{ "{\"properties\":{\"a/b\":{\"uniqueItems\":true}}}",
		  "keyword \"uniqueItems\" is not supported (at #/properties/a~1b)" },
		{ "{\"pattern\":\"(\"}", "'pattern': bad regex '(': " },
		{ "{\"$ref\":\"other.json#/a\"}", "remote $ref 'other.json#/a'" },
		{ "{\"$ref\":\"#foo\"}", "$ref '#foo': anchors are not supported" },
		{ "{\"$ref\":\"#/$defs/x\"}", "$ref '#/$defs/x' names no schema" },
		{ "{\"$ref\":\"#\"}", "$ref cycle" },
		{ "{\"anyOf\":[]}", "'anyOf' is an empty array (at #)" },
		{ "{\"items\":{\"$schema\":\"x\"}}",
		  "'$schema' in a subschema is not supported (at #/items)" },
		{ "{\"format\":\"ipv6\"}", "format \"ipv6\" is not supported" },
		{ "{\"maxItems\":1.5}", "'maxItems' is not a non-negative integer" },
		{ "{\"type\":[]}", "'type' is an empty array" },
		{ "{\"required\":[1]}", "'required' is not an array of strings" },
		{ "{\"items\":{\"pattern\":\"a\",\"pattern\":\"b\"}}",
		  "keyword \"pattern\" given twice (at #/items)" },
	};
	struct tide_jschema s;
	struct tide_jschema_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(tide_jschema_compile(&s, bad[i].schema,
		    strlen(bad[i].schema), &err), TIDE_EINVAL);
		ck_assert_msg(strncmp(err.msg, bad[i].msg,
		    strlen(bad[i].msg)) == 0, "%s: %s", bad[i].schema, err.msg);
		tide_jschema_release(&s);
	}
}
END_TEST

START_TEST(test_jschema_formats)
{
	static const char *const good[] = {
		"{\"d\":\"1985-04-12T23:20:50.52Z\"}",
		"{\"d\":\"1996-12-19T16:39:57-08:00\"}",
		"{\"d\":\"2000-02-29t00:00:00z\"}",
		"{\"e\":\"x@y.z\"}",
		"{\"u\":\"123e4567-e89b-12d3-a456-426614174000\"}",
		"{\"d\":5,\"e\":[],\"u\":null}",
	}, *const bad[] = {
		"{\"d\":\"1900-02-29T00:00:00Z\"}",
		"{\"d\":\"1985-04-12T23:20:50\"}",
		"{\"d\":\"1985-04-12T23:20:50+1:00\"}",
		"{\"d\":\"1985-04-31T23:20:50Z\"}",
		"{\"e\":\"x@\"}",
		"{\"e\":\"x@y.\"}",
		"{\"u\":\"123e4567e89b12d3a456426614174000\"}",
	};
	struct tide_jschema s;
	struct tide_jschema_run r;
	size_t i;

	compile_ok(&s, "{\"properties\":{\"d\":{\"format\":\"date-time\"},"
	    "\"e\":{\"format\":\"email\"},\"u\":{\"format\":\"uuid\"}}}");
	tide_jschema_run_init(&r);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(verdict(&s, &r, good[i]) == 0, "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(verdict(&s, &r, bad[i]) == 1, "%s", bad[i]);
	tide_jschema_run_release(&r);
	tide_jschema_release(&s);
}
END_TEST

Suite *suite_jschema(void);

Suite *
suite_jschema(void)
{
	Suite *s = suite_create("jschema");
	TCase *tc = tcase_create("jschema");

	tcase_add_test(tc, test_jschema_validates_and_names_rules);
	tcase_add_test(tc, test_jschema_numbers_compare_by_value);
	tcase_add_test(tc, test_jschema_combinators_and_refs);
	tcase_add_test(tc, test_jschema_refuses_what_it_does_not_read);
	tcase_add_test(tc, test_jschema_formats);
	suite_add_tcase(s, tc);
	return s;
}
