/* lib/expr: the --where language (tide-expr(7)). */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "expr.h"
#include "json.h"
#include "unit.h"

static const char rec[] =
    "{\"amount\":1500,\"price\":12.5,\"country\":\"DE\",\"name\":\"Zo\\u00eb\","
    "\"ok\":true,\"off\":false,\"gone\":null,\"tags\":[1,2,3],"
    "\"card\":{\"bin\":\"411111\",\"brand\":\"VISA\"},\"a.b\":{\"c\":7},"
    "\"ts\":1793527320000,\"when\":\"2026-11-01T10:02:00Z\","
    "\"big\":9007199254740993,\"neg\":-4,\"esc\":\"a\\\"b\","
    "\"s5\":\"5\",\"user-id\":\"u1\",\"now\":3}";

static struct tide_env_hdr hdrs[] = {
	{ "trace", 5, "abc-123", 7 },
	{ "empty", 5, NULL, 0 },
};

static const struct tide_expr_meta meta = {
	TIDE_EXPR_HAVE_KEY | TIDE_EXPR_HAVE_PARTITION | TIDE_EXPR_HAVE_OFFSET |
	    TIDE_EXPR_HAVE_TIMESTAMP | TIDE_EXPR_HAVE_TOPIC |
	    TIDE_EXPR_HAVE_HEADERS,
	"acct-7", 6, "payments", 8, 3, 1042, 1793527320000, hdrs, 2, 0,
};

/* The verdict of text on rec (with meta), or the compile error. */
static int
verdict(const char *text)
{
	struct tide_expr e;
	struct tide_expr_err err;
	int r;

	if ((r = tide_expr_compile(&e, text, &err)) < 0)
		ck_abort_msg("%s: %s at column %zu", text, err.msg, err.col);
	r = tide_expr_eval_rec(&e, rec, sizeof(rec) - 1, &meta);
	tide_expr_release(&e);
	return r;
}

#define YES(t) ck_assert_msg(verdict(t) == 1, "%s: want true", t)
#define NO(t) ck_assert_msg(verdict(t) == 0, "%s: want false", t)

/* A compile error: its words and column. */
static void
bad(const char *text, const char *msg, size_t col)
{
	struct tide_expr e;
	struct tide_expr_err err;

	ck_assert_msg(tide_expr_compile(&e, text, &err) == TIDE_EINVAL,
	    "%s: compiled", text);
	ck_assert_msg(strcmp(err.msg, msg) == 0 && err.col == col,
	    "%s: '%s' at %zu, want '%s' at %zu", text, err.msg, err.col, msg,
	    col);
	tide_expr_release(&e);
}

START_TEST(test_expr_numbers)
{
	YES("amount > 1000");
	YES("amount == 1500");
	YES("amount == 1500.0");
	YES("amount >= 1500 and amount <= 1500");
	NO("amount < 1500");
	YES("amount != 1");
	YES("price > 12 and price < 13");
	YES("price == 12.5");
	YES("neg < 0 and abs(neg) == 4");
	YES("-neg == 4");
	YES("amount + 500 == 2000");
	YES("amount * 2 == 3000");
	YES("amount / 2 == 750");
	YES("amount / 7 > 214.28 and amount / 7 < 214.29");
	YES("amount - price == 1487.5");
	YES("1 + 2 * 3 == 7");
	YES("(1 + 2) * 3 == 9");
	YES("10 - 2 - 3 == 5");
	YES("1e3 == 1000");
	YES("-1.5 < -1");
	/* Integers exact past 2^53. */
	YES("big == 9007199254740993");
	NO("big == 9007199254740992");
	YES("big > 9007199254740992");
	YES("big > 9007199254740992.0");
	YES("9223372036854775807 + 1 > 9223372036854775807");
	/* Division by zero has no value: false. */
	NO("amount / 0 == 0");
	NO("amount / 0 != 0");
}
END_TEST

START_TEST(test_expr_strings)
{
	YES("country == \"DE\"");
	NO("country == \"de\"");
	YES("lower(card.brand) == \"visa\"");
	YES("country < \"FR\"");
	YES("country in (\"DE\", \"FR\")");
	NO("country in (\"US\")");
	YES("country not in (\"US\", \"GB\")");
	YES("name == \"Zo\u00eb\"");
	YES("name == \"Zo\\u00eb\"");
	YES("len(name) == 3");
	YES("esc == \"a\\\"b\"");
	YES("starts_with(card.bin, \"4111\")");
	YES("ends_with(card.bin, \"11\")");
	YES("contains(card.brand, \"IS\")");
	NO("contains(card.brand, \"is\")");
	YES("contains(card.brand, \"\")");
	NO("starts_with(amount, \"1\")");
	YES("card.brand =~ /^V.S/");
	YES("card.brand =~ /visa/i");
	NO("card.brand =~ /visa/");
	YES("esc =~ /a\"b/");
	YES("\"a/b\" =~ /a\\/b/");
	NO("amount =~ /1/");
	YES("len(tags) == 3 and len(card) == 2");
}
END_TEST

START_TEST(test_expr_types_missing_null)
{
	/* Across types: false, whatever the operator. */
	NO("s5 == 5");
	NO("s5 != 5");
	NO("s5 > 4");
	NO("country > 5");
	NO("ok == 1");
	NO("ok > false");
	YES("ok == true and off == false and ok != off");
	NO("tags == 3");
	/* Missing: false, != too. */
	NO("missing == 1");
	NO("missing != 1");
	NO("missing < 1");
	YES("not (missing == 1)");
	NO("missing in (1, 2)");
	/* null */
	YES("gone is null");
	YES("missing is null");
	NO("amount is null");
	YES("amount is not null");
	NO("gone is not null");
	YES("gone == null");
	YES("amount != null");
	YES("null == gone");
	NO("gone == 0");
	NO("gone != 0");
	YES("exists(gone)");
	NO("exists(missing)");
	YES("exists(card.bin) and not exists(card.cvv)");
	YES("type(card) == \"object\" and type(tags) == \"array\"");
	YES("type(gone) == \"null\" and type(ok) == \"boolean\"");
	YES("type(amount) == \"number\" and type(country) == \"string\"");
	NO("type(missing) == \"null\"");
	NO("type(missing) != \"null\"");
	/* A value that is not a boolean does not pass. */
	NO("amount");
	YES("ok");
	NO("off");
	NO("country + 1 > 0");
	NO("abs(country) > 0");
	NO("lower(amount) == \"1500\"");
}
END_TEST

START_TEST(test_expr_paths)
{
	YES("\"a.b\".c == 7");
	YES(".\"a.b\".c == 7");
	YES(".amount == 1500");
	YES(".\"user-id\" == \"u1\"");
	YES(".\"now\" == 3");
	NO("\"a.b\" == 7");	/* a string, not a path */
	YES("\"a.b\" == \"a.b\"");
	YES("card.bin == \"411111\"");
	NO("card.bin.x == 1");
	NO("amount.x == 1");
}
END_TEST

START_TEST(test_expr_times)
{
	YES("ts >= 2026-11-01T10:02Z");
	YES("ts == 2026-11-01T10:02:00Z");
	NO("ts > 2026-11-01T10:02Z");
	YES("ts > 2026-11-01");
	YES("ts < 2026-11-01T12:02+02:00 + 1");
	YES("when == 2026-11-01T10:02Z");
	YES("when >= 2026-11-01 and when < 2026-11-02");
	NO("country > 2026-11-01");
	YES("ts < now");
	YES("ts < now - 15m");
	YES("ts < now+1h");
	YES("2026-11-01T10:02Z == 1793527320000");
	YES("@timestamp == 2026-11-01T10:02Z");
}
END_TEST

START_TEST(test_expr_metadata)
{
	struct tide_expr e;
	struct tide_expr_err err;

	YES("@key == \"acct-7\"");
	YES("@partition == 3 and @offset > 1000");
	YES("@topic == \"payments\"");
	YES("@headers.trace == \"abc-123\"");
	YES("@headers.\"trace\" =~ /^abc/");
	YES("@headers.empty is null and exists(@headers.empty)");
	NO("exists(@headers.nope)");
	NO("@headers.nope == \"x\"");
	/* Metadata alone: decided without the value. */
	ck_assert_int_eq(tide_expr_compile(&e, "@key == \"acct-7\" and "
	    "@partition in (1, 3)", &err), 0);
	ck_assert_int_eq(e.meta_only, 1);
	ck_assert_int_eq(e.uses_hdrs, 0);
	ck_assert_int_eq(e.npath, 0);
	ck_assert_int_eq(tide_expr_eval(&e, NULL, &meta), 1);
	/* Without metadata (a file): missing. */
	ck_assert_int_eq(tide_expr_eval(&e, NULL, NULL), 0);
	tide_expr_release(&e);
	/* The paths, each once, in order. */
	ck_assert_int_eq(tide_expr_compile(&e, "b > 1 or a.x == 2 or b < 0 or "
	    "@key == \"k\"", &err), 0);
	ck_assert_int_eq(e.meta_only, 0);
	ck_assert_int_eq(e.uses_hdrs, 0);
	ck_assert_int_eq(e.npath, 2);
	ck_assert_str_eq(e.paths[0].text, "b");
	ck_assert_str_eq(e.paths[1].text, "a.x");
	tide_expr_release(&e);
	/* @headers: the caller reads a message's headers for it alone. */
	ck_assert_int_eq(tide_expr_compile(&e, "@key == \"k\" or "
	    "@headers.trace == \"t\"", &err), 0);
	ck_assert_int_eq(e.uses_hdrs, 1);
	tide_expr_release(&e);
}
END_TEST

/* A key decoded by its format (key_json): @key is the JSON value the
 * envelope writes, not its text. */
static int
keyed(const char *key, const char *text)
{
	struct tide_expr_meta m = meta;
	struct tide_expr e;
	struct tide_expr_err err;
	int r;

	m.key = key;
	m.keylen = strlen(key);
	m.key_json = 1;
	if ((r = tide_expr_compile(&e, text, &err)) < 0)
		ck_abort_msg("%s: %s at column %zu", text, err.msg, err.col);
	r = tide_expr_eval(&e, NULL, &m);
	tide_expr_release(&e);
	return r;
}

START_TEST(test_expr_decoded_key)
{
	ck_assert_int_eq(keyed("\"acct-7\"", "@key == \"acct-7\""), 1);
	ck_assert_int_eq(keyed("\"a\\\"b\"", "@key == \"a\\\"b\""), 1);
	ck_assert_int_eq(keyed("\"a\\\"b\"", "@key =~ /^a.b$/"), 1);
	ck_assert_int_eq(keyed("42", "@key == 42"), 1);
	ck_assert_int_eq(keyed("42", "@key == \"42\""), 0);
	ck_assert_int_eq(keyed("-1.5", "@key < -1"), 1);
	ck_assert_int_eq(keyed("true", "@key == true"), 1);
	ck_assert_int_eq(keyed("null", "@key is null"), 1);
	ck_assert_int_eq(keyed("{\"id\":7}", "@key == \"{\\\"id\\\":7}\""),
	    0);
	ck_assert_int_eq(keyed("{\"id\":7}", "exists(@key)"), 1);
	/* The raw key is its text, as before. */
	ck_assert_int_eq(verdict("@key == \"acct-7\""), 1);
}
END_TEST

START_TEST(test_expr_logic)
{
	YES("amount > 1000 and country in (\"DE\",\"FR\")");
	YES("amount < 10 or country == \"DE\"");
	NO("amount < 10 or country == \"FR\"");
	YES("not amount < 10");
	YES("not not ok");
	YES("not (amount < 10 and ok)");
	YES("ok and not off");
	/* and binds tighter than or */
	YES("ok or off and off");
	NO("(ok or off) and off");
	YES("true");
	NO("false");
	NO("null");
}
END_TEST

START_TEST(test_expr_syntax_errors)
{
	char big[TIDE_EXPR_MAXLIT + 64], deep[400];
	int k;

	bad("", "empty expression", 1);
	bad("   ", "empty expression", 4);
	bad("amount >", "unexpected end of expression", 9);
	bad("amount > (1 + 2", "expected ')'", 16);
	bad("amount > 1)", "unexpected ')'", 11);
	bad("amount >> 1", "unexpected '>'", 9);
	bad("amount = 1", "unexpected '=' (== != < <= > >= =~)", 8);
	bad("amount > 1 amount", "unexpected 'amount'", 12);
	bad("country == \"DE", "unterminated string", 12);
	bad("country == \"\\q\"", "bad escape in string", 13);
	bad("foo(amount)", "unknown function 'foo'", 1);
	bad("abs(1, 2)", "abs() takes 1 argument", 8);
	bad("contains(a)", "contains() takes 2 arguments", 11);
	bad("exists(1)", "exists() takes a field path or @name", 8);
	bad("x =~ abc", "expected /regex/ after =~", 6);
	bad("x =~ /abc", "unterminated regex", 6);
	bad("x =~ /a(b/", "bad regex: missing closing parenthesis", 6);
	bad("x =~ /a/q", "unknown regex flag 'q' (i, m, s, x)", 9);
	bad("@foo == 1", "unknown metadata '@foo' (@key, @partition, @offset, "
	    "@timestamp, @topic, @headers.NAME)", 1);
	bad("@headers == 1", "expected '.NAME' after @headers", 9);
	bad("ts > 2026-13-01", "bad time '2026-13-01'", 6);
	bad("ts >= 2026-11-01T-10:", "bad time '2026-11-01T'", 7);	/* fuzz */
	bad("ts >= 2026-11-01T10:02+01:", "unexpected ':'", 26);
	bad("ts > now - 15q", "bad duration '15q' (e.g. 15m, 1h30m)", 12);
	bad("x in 1", "expected '('", 6);
	bad("x is 1", "expected 'null' after 'is'", 6);
	bad("x is not 1", "expected 'null' after 'is not'", 10);
	bad("amount > 12abc", "bad number", 10);
	bad("a..b == 1", "expected a field name", 3);
	bad("/x/", "a regex goes after =~", 1);
	bad("and", "unexpected 'and'", 1);
	bad("x == 1 or", "unexpected end of expression", 10);
	bad("x # 1", "unexpected '#'", 3);
	/* Bounds: literals, nesting, numbers. */
	memset(big, 0, sizeof(big));
	big[0] = '"';
	memset(big + 1, 'a', TIDE_EXPR_MAXLIT + 10);
	big[TIDE_EXPR_MAXLIT + 11] = '"';
	bad(big, "string longer than 4096 bytes", 1);
	memset(big, '1', 70);
	big[70] = '\0';
	bad(big, "number longer than 64 characters", 1);
	for (k = 0; k < 100; k++)
		deep[k] = '(';
	strcpy(deep + 100, "1");
	bad(deep, "expression nested deeper than 64", 64 + 1);
	for (k = 0; k < 100; k++)
		memcpy(deep + 4 * k, "not ", 4);
	strcpy(deep + 400 - 4, "ok");
	bad(deep, "expression nested deeper than 64", 4 * 64 + 1);
}
END_TEST

START_TEST(test_expr_errfmt)
{
	struct tide_expr e;
	struct tide_expr_err err;
	char buf[400];

	ck_assert_int_eq(tide_expr_compile(&e, "amount > (1 + 2", &err),
	    TIDE_EINVAL);
	tide_expr_errfmt("amount > (1 + 2", &err, buf, sizeof(buf));
	ck_assert_str_eq(buf, "expected ')' at column 16\n"
	    "  amount > (1 + 2\n"
	    "                 ^");
	tide_expr_release(&e);
	/* A text over lines, with a tab: one line, the caret in place. */
	ck_assert_int_eq(tide_expr_compile(&e, "a > 1 and\n\tb <", &err),
	    TIDE_EINVAL);
	tide_expr_errfmt("a > 1 and\n\tb <", &err, buf, sizeof(buf));
	ck_assert_str_eq(buf, "unexpected end of expression at column 15\n"
	    "  a > 1 and  b <\n"
	    "                ^");
	tide_expr_release(&e);
	/* A long text: the part around the column. */
	{
		char t[300];

		memset(t, 'x', 200);
		strcpy(t + 200, " > (1");
		ck_assert_int_eq(tide_expr_compile(&e, t, &err), TIDE_EINVAL);
		tide_expr_errfmt(t, &err, buf, sizeof(buf));
		ck_assert_str_eq(buf + strlen(buf) - 1, "^");
		ck_assert_ptr_nonnull(strstr(buf, "expected ')' at column 206\n"
		    "  ...xxx"));
		/* The caret one past the text's last byte: its end. */
		ck_assert_int_eq((int)(strrchr(buf, '\n') - strchr(buf, '\n')) +
		    1, (int)strlen(strrchr(buf, '\n')));
		tide_expr_release(&e);
	}
}
END_TEST

/* A catastrophic regex ends at PCRE2's match limit: a verdict, no hang. */
START_TEST(test_expr_regex_limit)
{
	struct tide_expr e;
	struct tide_expr_err err;
	char r[200];
	int k;

	ck_assert_int_eq(tide_expr_compile(&e, "s =~ /^(a+)+$/", &err), 0);
	k = snprintf(r, sizeof(r), "{\"s\":\"");
	memset(r + k, 'a', 40);
	strcpy(r + k + 40, "!\"}");
	ck_assert_int_eq(tide_expr_eval_rec(&e, r, strlen(r), NULL),
	    TIDE_ERANGE);
	ck_assert_str_eq(tide_expr_limit_regex(&e), "/^(a+)+$/");
	/* The next record is judged afresh. */
	ck_assert_int_eq(tide_expr_eval_rec(&e, "{\"s\":\"aaa\"}", 11, NULL),
	    1);
	ck_assert_int_eq(tide_expr_eval_rec(&e, "{\"s\":\"ab\"}", 10, NULL),
	    0);
	tide_expr_release(&e);
}
END_TEST

/* Not a JSON object: every path missing. */
START_TEST(test_expr_not_object)
{
	struct tide_expr e;
	struct tide_expr_err err;

	ck_assert_int_eq(tide_expr_compile(&e, "not exists(x)", &err), 0);
	ck_assert_int_eq(tide_expr_eval_rec(&e, "[1]", 3, NULL), 1);
	ck_assert_int_eq(tide_expr_eval_rec(&e, "nope", 4, NULL), 1);
	ck_assert_int_eq(tide_expr_eval_rec(&e, "{\"x\":1}", 7, NULL), 0);
	tide_expr_release(&e);
}
END_TEST

/* A record's number, fast path or not, is the double strtod gives. */
START_TEST(test_expr_record_numbers)
{
	static const char *const cases[][2] = {
		{ "{\"x\":0.1}", "x == 0.1 and x * 3 > 0.3" },
		{ "{\"x\":-0.5}", "x == -0.5 and x < 0" },
		{ "{\"x\":123456789012.345}", "x == 123456789012.345" },
		{ "{\"x\":1234567890123.4567}", "x == 1234567890123.4567" },
		{ "{\"x\":0.30000000000000004}", "x > 0.3" },
		{ "{\"x\":1e2}", "x == 100 and type(x) == \"number\"" },
		{ "{\"x\":1.5e-3}", "x == 0.0015" },
		{ "{\"x\":-0}", "x == 0" },
		{ "{\"x\":12345678901234567890}", "x > 9223372036854775807" },
		{ "{\"x\":-9223372036854775808}", "x == -9223372036854775807 - 1" },
	};
	struct tide_expr e;
	struct tide_expr_err err;
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		ck_assert_int_eq(tide_expr_compile(&e, cases[k][1], &err), 0);
		ck_assert_msg(tide_expr_eval_rec(&e, cases[k][0],
		    strlen(cases[k][0]), NULL) == 1, "%s on %s", cases[k][1],
		    cases[k][0]);
		tide_expr_release(&e);
	}
}
END_TEST

/* A stage's filter: its paths after the stage's own, the verdict on the
 * values looked up with them, the count; none given keeps everything. */
START_TEST(test_where_stage)
{
	const char *line = "{\"ts\":5,\"k\":\"a\",\"amount\":20}";
	struct tide_path paths[4];
	struct tide_json_val vals[4];
	struct tide_expr e;
	struct tide_expr_err err;
	struct tide_where none = { NULL, 0, 0 }, w = { &e, 0, 0 };
	int n = 1;

	ck_assert_int_eq(tide_path_parse(&paths[0], "ts"), 0);
	ck_assert_int_eq(tide_where_paths(&none, paths, &n, 4), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(tide_where_keep(&none, vals), 1);
	ck_assert_int_eq(tide_where_keep_rec(&none, "x", 1), 1);
	ck_assert_int_eq(tide_expr_compile(&e, "amount > 10 and k == \"a\" "
	    "and nope is null", &err), 0);
	ck_assert_int_eq(e.npath, 3);
	n = 2;	/* three more do not fit in three */
	ck_assert_int_eq(tide_where_paths(&w, paths, &n, 4), -1);
	ck_assert_int_eq(n, 2);
	n = 1;
	ck_assert_int_eq(tide_where_paths(&w, paths, &n, 4), 0);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(w.at, 1);
	/* Found: ts, amount, k; not nope. */
	ck_assert_int_eq(tide_json_get_many(line, strlen(line), paths, n, vals),
	    3);
	ck_assert_int_eq(tide_where_keep(&w, vals), 1);
	ck_assert_int_eq(w.filtered, 0);
	vals[1].type = TIDE_JSON_NONE;	/* amount missing: false */
	ck_assert_int_eq(tide_where_keep(&w, vals), 0);
	ck_assert_int_eq(w.filtered, 1);
	ck_assert_int_eq(tide_where_keep_rec(&w, line, strlen(line)), 1);
	ck_assert_int_eq(tide_where_keep_rec(&w, "{\"amount\":5}", 12), 0);
	ck_assert_int_eq(w.filtered, 2);
	/* A barrier passes, uncounted. */
	ck_assert_int_eq(tide_where_keep_rec(&w,
	    "{\"@barrier\":{\"seq\":1,\"offsets\":[]}}", 35), 1);
	ck_assert_int_eq(w.filtered, 2);
	tide_path_release(&paths[0]);
	tide_expr_release(&e);
}
END_TEST

Suite *
suite_expr(void)
{
	Suite *s = suite_create("expr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_expr_numbers);
	tcase_add_test(tc, test_expr_strings);
	tcase_add_test(tc, test_expr_types_missing_null);
	tcase_add_test(tc, test_expr_paths);
	tcase_add_test(tc, test_expr_times);
	tcase_add_test(tc, test_expr_metadata);
	tcase_add_test(tc, test_expr_decoded_key);
	tcase_add_test(tc, test_expr_logic);
	tcase_add_test(tc, test_expr_syntax_errors);
	tcase_add_test(tc, test_expr_errfmt);
	tcase_add_test(tc, test_expr_regex_limit);
	tcase_add_test(tc, test_expr_not_object);
	tcase_add_test(tc, test_expr_record_numbers);
	tcase_add_test(tc, test_where_stage);
	suite_add_tcase(s, tc);
	return s;
}
