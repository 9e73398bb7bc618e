/* lib/printfmt: --print's kcat-style format strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "err.h"
#include "printfmt.h"
#include "unit.h"

static const struct tide_env_hdr hdrs[] = {
	{ "h1", 2, "v1", 2 },
	{ "h2", 2, NULL, 0 },
};

static void
msg(struct tide_env *e)
{
	memset(e, 0, sizeof(*e));
	e->topic = "tx";
	e->topiclen = 2;
	e->partition = 3;
	e->offset = 1042;
	e->ts = 1793491200123;
	e->ts_type = TIDE_ENV_TS_CREATE;
	e->key = "a17";
	e->keylen = 3;
	e->value = "{\"amount\":19.5,\"who\":\"a\\u00e9\\n\",\"card\":"
	    "{\"bin\":4111},\"x.y\":true}";
	e->len = strlen(e->value);
	e->hdrs = hdrs;
	e->nhdrs = 2;
}

/* e through spec, as a C string; or "error: WHY". */
static const char *
fmt(const char *spec, const struct tide_env *e)
{
	static struct tide_buf out = TIDE_BUF_INIT;
	static char err[TIDE_PRINTFMT_WHY + 8];
	struct tide_printfmt f;
	char why[TIDE_PRINTFMT_WHY];

	if (tide_printfmt_parse(&f, spec, why) < 0) {
		snprintf(err, sizeof(err), "error: %s", why);
		return err;
	}
	tide_buf_reset(&out);
	ck_assert_int_eq(tide_printfmt_write(&f, e, &out), 0);
	/* Twice: nothing is left over from the first message. */
	tide_buf_reset(&out);
	ck_assert_int_eq(tide_printfmt_write(&f, e, &out), 0);
	tide_printfmt_release(&f);
	return tide_buf_cstr(&out);
}

START_TEST(test_kcat_directives)
{
	struct tide_env e;

	msg(&e);
	ck_assert_str_eq(fmt("%t [%p] at %o: %k=%s\n", &e), "tx [3] at 1042: "
	    "a17={\"amount\":19.5,\"who\":\"a\\u00e9\\n\",\"card\":"
	    "{\"bin\":4111},\"x.y\":true}\n");
	ck_assert_str_eq(fmt("%T %K %S", &e), "1793491200123 3 64");
	ck_assert_str_eq(fmt("%h|", &e), "h1=v1,h2=NULL|");
	ck_assert_str_eq(fmt("100%% %%s", &e), "100% %s");
	ck_assert_str_eq(fmt("", &e), "");
}
END_TEST

/* A decoded key or value (an Avro or Protobuf one): a JSON string is its
 * text, as a plain key's bytes are; any other its JSON. */
START_TEST(test_decoded_strings_as_text)
{
	struct tide_env e;

	msg(&e);
	e.key = "\"a000268\"";
	e.keylen = 9;
	e.key_as = TIDE_ENV_AS_JSON;
	ck_assert_str_eq(fmt("%k|%K", &e), "a000268|7");
	e.key = "\"a\\u00e9\\\"\"";
	e.keylen = strlen(e.key);
	ck_assert_str_eq(fmt("%k|%K", &e), "a\xc3\xa9\"|4");
	e.key = "42";
	e.keylen = 2;
	ck_assert_str_eq(fmt("%k|%K", &e), "42|2");
	e.key = "{\"id\":1}";
	e.keylen = 8;
	ck_assert_str_eq(fmt("%k|%K", &e), "{\"id\":1}|8");
	e.key = NULL;
	ck_assert_str_eq(fmt("[%k]%K", &e), "[]-1");
	/* A plain key is its bytes, quotes and all. */
	e.key = "\"q\"";
	e.keylen = 3;
	e.key_as = TIDE_ENV_AS_AUTO;
	ck_assert_str_eq(fmt("%k|%K", &e), "\"q\"|3");
	e.value = "\"hello\"";
	e.len = 7;
	e.value_as = TIDE_ENV_AS_JSON;
	ck_assert_str_eq(fmt("%s|%S", &e), "hello|5");
	e.value_as = TIDE_ENV_AS_AUTO;
	ck_assert_str_eq(fmt("%s|%S", &e), "\"hello\"|7");
}
END_TEST

/* Whether a format writes the headers: only then are they read. */
START_TEST(test_hdrs_only_with_percent_h)
{
	struct tide_printfmt f;
	char why[TIDE_PRINTFMT_WHY];

	ck_assert_int_eq(tide_printfmt_parse(&f, "%t %k %s %{a} %%h\n", why),
	    0);
	ck_assert_int_eq(f.hdrs, 0);
	tide_printfmt_release(&f);
	ck_assert_int_eq(tide_printfmt_parse(&f, "%k %h", why), 0);
	ck_assert_int_eq(f.hdrs, 1);
	tide_printfmt_release(&f);
}
END_TEST

START_TEST(test_nulls_and_absent_metadata)
{
	struct tide_env e;

	msg(&e);
	e.key = NULL;
	e.keylen = 0;
	e.value = NULL;
	e.len = 0;
	e.ts_type = TIDE_ENV_TS_NONE;
	e.nhdrs = 0;
	ck_assert_str_eq(fmt("[%k][%K][%s][%S][%T][%I][%h][%{a}]", &e),
	    "[][-1][][-1][-1][][][]");
	tide_printfmt_env_rec(&e, "{\"a\":1}", 7);
	ck_assert_str_eq(fmt("[%t][%p][%o][%k][%K][%T][%h][%S][%{a}]", &e),
	    "[][-1][-1][][-1][-1][][7][1]");
}
END_TEST

START_TEST(test_rfc3339_time)
{
	struct tide_env e;

	msg(&e);
	ck_assert_str_eq(fmt("%I", &e), "2026-11-01T00:00:00.123Z");
	e.ts_type = TIDE_ENV_TS_LOG_APPEND;
	e.ts = 0;
	ck_assert_str_eq(fmt("%I %T", &e), "1970-01-01T00:00:00.000Z 0");
}
END_TEST

START_TEST(test_fields_of_the_value)
{
	struct tide_env e;

	msg(&e);
	/* Strings unescaped, other values as JSON, missing ones empty. */
	ck_assert_str_eq(fmt("%{amount}|%{who}|%{card}|%{card.bin}|"
	    "%{\"x.y\"}|%{nope}|%{card.bin.x}", &e),
	    "19.5|a\xc3\xa9\n|{\"bin\":4111}|4111|true||");
	/* A value that is no JSON object has no fields. */
	e.value = "plain text";
	e.len = strlen(e.value);
	ck_assert_str_eq(fmt("<%{amount}>%s", &e), "<>plain text");
	e.value = "[1]";
	e.len = 3;
	ck_assert_str_eq(fmt("<%{amount}>", &e), "<>");
}
END_TEST

START_TEST(test_escapes)
{
	struct tide_env e;

	msg(&e);
	ck_assert_str_eq(fmt("a\\tb\\nc\\rd\\\\e\\qf", &e),
	    "a\tb\nc\rd\\eqf");
	ck_assert_str_eq(fmt("\\x41\\x4a2\\xg", &e), "AJ2xg");
	/* A backslash at the end stays, as kcat keeps it. */
	ck_assert_str_eq(fmt("%p\\", &e), "3\\");
}
END_TEST

START_TEST(test_bad_formats)
{
	struct tide_env e;

	msg(&e);
	ck_assert_str_eq(fmt("%t %x", &e), "error: unknown directive '%x' at "
	    "column 4 (known: %t %p %o %k %K %s %S %T %I %h %{field} %%)");
	ck_assert_str_eq(fmt("%R", &e), "error: unknown directive '%R' at "
	    "column 1 (known: %t %p %o %k %K %s %S %T %I %h %{field} %%)");
	ck_assert_str_eq(fmt("abc%", &e), "error: '%' at the end: '%%' "
	    "writes a percent sign");
	ck_assert_str_eq(fmt("ab %{amount", &e), "error: unclosed '%{' at "
	    "column 4");
	ck_assert_str_eq(fmt("%{\"a}\"", &e), "error: unclosed '%{' at "
	    "column 1");
	ck_assert_str_eq(fmt("x%{}", &e), "error: empty '%{}' at column 2");
	ck_assert_str_eq(fmt("%{a..b}", &e), "error: bad field path 'a..b' "
	    "at column 1");
	ck_assert_str_eq(fmt("%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}"
	    "%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}%{a}"
	    "%{a}%{a}%{a}%{a}%{a}%{a}", &e), "error: more than 32 fields");
}
END_TEST

Suite *
suite_printfmt(void)
{
	Suite *s = suite_create("printfmt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_kcat_directives);
	tcase_add_test(tc, test_hdrs_only_with_percent_h);
	tcase_add_test(tc, test_decoded_strings_as_text);
	tcase_add_test(tc, test_nulls_and_absent_metadata);
	tcase_add_test(tc, test_rfc3339_time);
	tcase_add_test(tc, test_fields_of_the_value);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_bad_formats);
	suite_add_tcase(s, tc);
	return s;
}
