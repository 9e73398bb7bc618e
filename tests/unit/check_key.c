/* lib/key: the one key rule (tide(7), KEYS). */
#include <string.h>

#include "err.h"
#include "json.h"
#include "key.h"
#include "unit.h"

/* The canonical text and JSON of the JSON value text v. */
static void
key_is(const char *v, const char *text, const char *json)
{
	struct tide_json_val jv;
	struct tide_buf t = TIDE_BUF_INIT, j = TIDE_BUF_INIT, sc = TIDE_BUF_INIT;
	enum tide_json_type type;

	ck_assert_int_eq(tide_json_check(v, strlen(v), 1, &type, NULL), 0);
	jv.type = type;
	jv.p = v;
	jv.len = strlen(v);
	tide_buf_adds(&t, "<");	/* appends, after what is there */
	ck_assert_int_eq(tide_key_text(&t, &jv), 0);
	ck_assert_int_eq(tide_key_json(&j, &jv, &sc), 0);
	tide_buf_addc(&t, '\0');
	tide_buf_addc(&j, '\0');
	ck_assert_msg(strcmp(t.data + 1, text) == 0, "%s: text %s, want %s",
	    v, t.data + 1, text);
	ck_assert_msg(strcmp(j.data, json) == 0, "%s: json %s, want %s", v,
	    j.data, json);
	tide_buf_release(&t);
	tide_buf_release(&j);
	tide_buf_release(&sc);
}

START_TEST(test_key_numbers_are_canonical)
{
	key_is("1", "1", "1");
	key_is("1.0", "1", "1");
	key_is("1e0", "1", "1");
	key_is("10e-1", "1", "1");
	key_is("0.1e1", "1", "1");
	key_is("1E+0", "1", "1");
	key_is("-0", "0", "0");
	key_is("-0.0e5", "0", "0");
	key_is("0.000", "0", "0");
	key_is("-42.000", "-42", "-42");
	key_is("4.2e1", "42", "42");
	key_is("420e-1", "42", "42");
	key_is("1.50", "1.5", "1.5");
	key_is("15e-1", "1.5", "1.5");
	key_is("0.1", "0.1", "0.1");
	key_is("-2.5e-3", "-0.0025", "-0.0025");
	/* Integers stay exact, past 2^53 and past int64. */
	key_is("9007199254740993", "9007199254740993", "9007199254740993");
	key_is("9007199254740993.0", "9007199254740993", "9007199254740993");
	key_is("9223372036854775808", "9223372036854775808",
	    "9223372036854775808");
	key_is("1e20", "100000000000000000000", "100000000000000000000");
	key_is("1.5e30", "1500000000000000000000000000000",
	    "1500000000000000000000000000000");
	/* Past 40 digits: a double; past a double: as written. */
	key_is("1e50", "1e+50", "1e+50");
	key_is("1e400", "1e400", "1e400");
}
END_TEST

START_TEST(test_key_strings_holding_numbers_are_numbers)
{
	key_is("\"1\"", "1", "1");
	key_is("\"1.0\"", "1", "1");
	key_is("\"10e-1\"", "1", "1");
	key_is("\"-0\"", "0", "0");
	key_is("\"\\u0031\"", "1", "1");	/* "1", escaped */
	key_is("\"\\u002d0\"", "0", "0");	/* "-0", escaped */
	key_is("\"9007199254740993\"", "9007199254740993",
	    "9007199254740993");
	key_is("\"true\"", "true", "true");
	key_is("\"false\"", "false", "false");
	key_is("true", "true", "true");
	key_is("false", "false", "false");
}
END_TEST

START_TEST(test_key_strings_that_are_not_numbers_stay_strings)
{
	static const char *const s[] = {
		"\"007\"", "\"+1\"", "\"1.\"", "\".5\"", "\"1e\"", "\"1e+\"",
		"\"-\"", "\"--1\"", "\" 1\"", "\"1 \"", "\"0x10\"", "\"NaN\"",
		"\"Infinity\"", "\"-Infinity\"", "\"1.e5\"", "\"1,5\"", "\"١\"",
		"\"\"", "\"a\"", "\"TRUE\"", "\"truex\"", "\"null\"",
		"\"-a\"", "\"1e5x\"", "\"0.\"", "\"00\"", "\"-01\"",
	};
	char want[32];
	size_t i, n;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		n = strlen(s[i]) - 2;
		memcpy(want, s[i] + 1, n);
		want[n] = '\0';
		key_is(s[i], want, s[i]);
	}
	/* Escapes are undone, in the text and in the JSON. */
	key_is("\"a\\u0041\"", "aA", "\"aA\"");
	key_is("\"\\u0030\\u0037\"", "07", "\"07\"");
	key_is("\"a\\\"b\"", "a\"b", "\"a\\\"b\"");
}
END_TEST

START_TEST(test_key_objects_null_and_bad_values)
{
	struct tide_json_val v = { TIDE_JSON_NULL, "null", 4 };
	struct tide_buf b = TIDE_BUF_INIT, sc = TIDE_BUF_INIT;

	key_is("{\"a\":1}", "{\"a\":1}", "{\"a\":1}");
	key_is("{\"a\": 1}", "{\"a\": 1}", "{\"a\": 1}");
	key_is("[1,\"1\"]", "[1,\"1\"]", "[1,\"1\"]");
	ck_assert_int_eq(tide_key_text(&b, &v), TIDE_ENOENT);
	ck_assert_int_eq(tide_key_json(&b, &v, &sc), TIDE_ENOENT);
	v.type = TIDE_JSON_NONE;
	ck_assert_int_eq(tide_key_text(&b, &v), TIDE_ENOENT);
	ck_assert_int_eq(tide_key_json(&b, &v, &sc), TIDE_ENOENT);
	v.type = (enum tide_json_type)99;
	ck_assert_int_eq(tide_key_text(&b, &v), TIDE_ETYPE);
	ck_assert_int_eq(tide_key_json(&b, &v, &sc), TIDE_ETYPE);
	ck_assert_uint_eq(b.len, 0);
	tide_buf_release(&b);
	tide_buf_release(&sc);
}
END_TEST

START_TEST(test_key_number_grammar)
{
	char out[64];
	size_t n;
	static const char *const bad[] = {
		"", "-", "+1", "01", "1.", ".1", "1e", "1e+", "1.e1", "0x1",
		"1 ", " 1", "NaN", "--1", "1e1.5", "1ee1",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(tide_key_number(bad[i], strlen(bad[i]), out, &n) ==
		    NULL, "'%s' taken as a number", bad[i]);
	ck_assert(tide_key_number("12", 2, out, &n) != NULL && n == 2);
	/* A huge exponent neither overflows nor loops. */
	ck_assert(tide_key_number("1e99999999999999999999", 22, out, &n) != NULL);
	ck_assert(tide_key_number("1e-99999999999999999999", 23, out, &n) !=
	    NULL);
	ck_assert_int_eq((int)n, 1);
	ck_assert_int_eq(out[0], '0');
}
END_TEST

Suite *
suite_key(void)
{
	Suite *s = suite_create("key");
	TCase *tc = tcase_create("key");

	tcase_add_test(tc, test_key_numbers_are_canonical);
	tcase_add_test(tc, test_key_strings_holding_numbers_are_numbers);
	tcase_add_test(tc, test_key_strings_that_are_not_numbers_stay_strings);
	tcase_add_test(tc, test_key_objects_null_and_bad_values);
	tcase_add_test(tc, test_key_number_grammar);
	suite_add_tcase(s, tc);
	return s;
}
