/*
 * lib/json: the scanner (with the JSONTestSuite corpus), paths, lookups,
 * getters and the writer.
 */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "unit.h"

/* Check a NUL-terminated document with the default depth. */
static int
chk(const char *s)
{
	return tide_json_check(s, strlen(s), 0, NULL, NULL);
}

/* A value of the given type covering all of s. */
static struct tide_json_val
val(enum tide_json_type t, const char *s)
{
	struct tide_json_val v;

	v.type = t;
	v.p = s;
	v.len = strlen(s);
	return v;
}

/* Scanner. */

START_TEST(test_json_check_accepts_values_with_surrounding_whitespace)
{
	static const struct {
		const char *doc;
		enum tide_json_type type;
	} ok[] = {
		{ "{}", TIDE_JSON_OBJECT },
		{ " \t\r\n{ \"a\" : [ 1 , 2.5e-3 , true , false , null ] }\n ",
		    TIDE_JSON_OBJECT },
		{ "[]", TIDE_JSON_ARRAY },
		{ "[[],{}]", TIDE_JSON_ARRAY },
		{ " \"x\" ", TIDE_JSON_STRING },
		{ "-0", TIDE_JSON_NUMBER },
		{ "0.5E+10", TIDE_JSON_NUMBER },
		{ "true", TIDE_JSON_TRUE },
		{ "false", TIDE_JSON_FALSE },
		{ "null\r\n", TIDE_JSON_NULL },
		{ "{\"a\":1,\"a\":2}", TIDE_JSON_OBJECT },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"",
		    TIDE_JSON_STRING },
	};
	enum tide_json_type t;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		t = TIDE_JSON_NONE;
		ck_assert_msg(tide_json_check(ok[i].doc, strlen(ok[i].doc), 0,
		    &t, NULL) == 0, "rejected: %s", ok[i].doc);
		ck_assert_msg(t == ok[i].type, "type of %s: %d", ok[i].doc, t);
	}
}
END_TEST

START_TEST(test_json_check_rejects_truncated_documents)
{
	static const char *bad[] = {
		"", "   ", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,",
		"[", "[1", "[1,", "\"abc", "\"abc\\", "\"\\u12", "tru", "fals",
		"nul", "-", "1.", "1e", "1e+", "{\"a\":{}", "[[]",
	};
	struct tide_json_err e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.reason = NULL;
		ck_assert_msg(tide_json_check(bad[i], strlen(bad[i]), 0, NULL,
		    &e) == TIDE_EJSON, "accepted: '%s'", bad[i]);
		ck_assert_msg(e.reason != NULL, "no reason for '%s'", bad[i]);
		ck_assert_msg(e.offset <= strlen(bad[i]), "offset of '%s'",
		    bad[i]);
	}
}
END_TEST

START_TEST(test_json_check_reports_offset_and_reason)
{
	struct tide_json_err e;

	ck_assert_int_eq(tide_json_check("{\"a\":1 x}", 9, 0, NULL, &e),
	    TIDE_EJSON);
	ck_assert_uint_eq(e.offset, 7);
	ck_assert_str_eq(e.reason, "expected ',' or '}'");
	ck_assert_int_eq(tide_json_check("[1,]", 4, 0, NULL, &e), TIDE_EJSON);
	ck_assert_uint_eq(e.offset, 3);
	ck_assert_str_eq(e.reason, "expected a value");
	ck_assert_int_eq(tide_json_check("\"a\x01\"", 4, 0, NULL, &e),
	    TIDE_EJSON);
	ck_assert_uint_eq(e.offset, 2);
	ck_assert_str_eq(e.reason, "control character in string");
	ck_assert_int_eq(tide_json_check("{} {}", 5, 0, NULL, &e), TIDE_EJSON);
	ck_assert_uint_eq(e.offset, 3);
	ck_assert_str_eq(e.reason, "trailing data after the document");
	ck_assert_int_eq(tide_json_check("[\"\xc3\"]", 5, 0, NULL, &e),
	    TIDE_EUTF8);
	ck_assert_uint_eq(e.offset, 2);
	/* err may be NULL. */
	ck_assert_int_eq(tide_json_check("[", 1, 0, NULL, NULL), TIDE_EJSON);
}
END_TEST

START_TEST(test_json_check_rejects_bad_escapes)
{
	static const char *bad[] = {
		"\"\\x\"", "\"\\'\"", "\"\\U0041\"", "\"\\u12G4\"",
		"\"\\u123\"", "\"\\ \"", "\"\\0\"", "\"\\a\"", "[\"\\\"]",
		"\"\\u-123\"",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(chk(bad[i]) == TIDE_EJSON, "accepted: %s",
		    bad[i]);
	ck_assert_int_eq(chk("\"\\u12aF\""), 0);
}
END_TEST

START_TEST(test_json_check_numbers)
{
	static const char *ok[] = {
		"0", "-0", "1", "-1", "10", "0.0", "1.25", "1e5", "1E5",
		"1e+5", "1e-5", "-1.5e-05", "123456789012345678901234567890",
		"1e999999", "[0,1]",
	};
	static const char *bad[] = {
		"01", "-01", "00", "+1", ".5", "1.", "1.e5", "0x1", "NaN",
		"Infinity", "-Infinity", "--1", "1ee2", "1e5.0", "1.5.", "- 1",
		"[01]", "1,", "2.e3", "0e", "1 2",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(chk(ok[i]) == 0, "rejected: %s", ok[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(chk(bad[i]) == TIDE_EJSON, "accepted: %s", bad[i]);
}
END_TEST

START_TEST(test_json_check_rejects_bad_structure)
{
	static const char *bad[] = {
		"{,}", "{\"a\"}", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "{'a':1}",
		"[1 2]", "[,1]", "[1,,2]", "[}", "{]", "{\"a\":1]", "]",
		"}", "True", "nulll", "\xef\xbb\xbf{}", "\f{}", "{}\f",
		"\xc2\xa0{}", "[1]x", "{\"a\":1}}", "{1:2}", "[\"a\":1]",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(chk(bad[i]) == TIDE_EJSON, "accepted: %s", bad[i]);
	/* A NUL byte is data, not the end: the length decides. */
	ck_assert_int_eq(tide_json_check("{}\0", 3, 0, NULL, NULL), TIDE_EJSON);
	ck_assert_int_eq(tide_json_check("[\"\0\"]", 5, 0, NULL, NULL),
	    TIDE_EJSON);
	ck_assert_int_eq(tide_json_check("{}\0", 2, 0, NULL, NULL), 0);
}
END_TEST

/* "[[[...]]]" nested d deep (or objects: {"a":{"a":...{}}}). */
static char *
nested(int d, int obj)
{
	char *s = malloc((size_t)d * 6 + 1), *w = s;
	int i;

	for (i = 0; i < d; i++) {
		if (obj && i < d - 1) {
			memcpy(w, "{\"a\":", 5);
			w += 5;
		} else
			*w++ = obj ? '{' : '[';
	}
	for (i = 0; i < d; i++)
		*w++ = obj ? '}' : ']';
	*w = '\0';
	return s;
}

START_TEST(test_json_check_depth_limit_at_the_boundary)
{
	struct tide_json_err e;
	char *s;
	int obj;

	for (obj = 0; obj <= 1; obj++) {
		s = nested(TIDE_JSON_MAXDEPTH, obj);
		ck_assert_int_eq(tide_json_check(s, strlen(s), 0, NULL, NULL), 0);
		ck_assert_int_eq(tide_json_check(s, strlen(s),
		    TIDE_JSON_MAXDEPTH, NULL, NULL), 0);
		free(s);
		s = nested(TIDE_JSON_MAXDEPTH + 1, obj);
		ck_assert_int_eq(tide_json_check(s, strlen(s), 0, NULL, &e),
		    TIDE_EDEPTH);
		ck_assert_str_eq(e.reason, "nesting too deep");
		ck_assert_int_eq(tide_json_check(s, strlen(s),
		    TIDE_JSON_MAXDEPTH + 1, NULL, NULL), 0);
		free(s);
	}
	ck_assert_int_eq(tide_json_check("[]", 2, 1, NULL, NULL), 0);
	ck_assert_int_eq(tide_json_check("[[]]", 4, 1, NULL, NULL),
	    TIDE_EDEPTH);
	ck_assert_int_eq(tide_json_check("[{}]", 4, 1, NULL, NULL),
	    TIDE_EDEPTH);
	ck_assert_int_eq(tide_json_check("[1,[2],3]", 9, 2, NULL, NULL), 0);
	/* Deeper than the scanner's own stack: refused, never a crash. */
	s = nested(5000, 0);
	ck_assert_int_eq(tide_json_check(s, strlen(s), 1 << 20, NULL, NULL),
	    TIDE_EDEPTH);
	free(s);
	s = nested(4096, 0);
	ck_assert_int_eq(tide_json_check(s, strlen(s), 1 << 20, NULL, NULL), 0);
	free(s);
}
END_TEST

START_TEST(test_json_check_validates_utf8_in_strings)
{
	static const char *ok[] = {
		"\"caf\xc3\xa9\"", "\"\xe2\x82\xac\"", "\"\xf0\x9f\x98\x80\"",
		"\"\xf4\x8f\xbf\xbf\"", "\"\xed\x9f\xbf\"", "\"\xee\x80\x80\"",
		"{\"\xc3\xa9\":\"\xc3\xa9\"}", "\"\x7f\"",
	};
	static const char *bad[] = {
		"\"\xc0\xaf\"",			/* overlong '/' */
		"\"\xc1\xbf\"",			/* overlong */
		"\"\xe0\x80\xaf\"",		/* overlong, 3 bytes */
		"\"\xf0\x80\x80\xaf\"",		/* overlong, 4 bytes */
		"\"\xed\xa0\x80\"",		/* U+D800 */
		"\"\xed\xbf\xbf\"",		/* U+DFFF */
		"\"\xf4\x90\x80\x80\"",		/* U+110000 */
		"\"\xf5\x80\x80\x80\"",
		"\"\xff\"",
		"\"\x80\"",			/* lone continuation */
		"\"\xe2\x82\"",			/* truncated */
		"\"\xf0\x9f\x98\"",		/* truncated */
		"\"\xc3\"",
		"\"\xc3\x28\"",			/* bad continuation */
		"{\"\xe9\":1}",			/* Latin-1 in a name */
		"\"\xfc\x80\x80\x80\x80\xaf\"",	/* 6-byte form */
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(chk(ok[i]) == 0, "rejected #%zu", i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(chk(bad[i]) == TIDE_EUTF8, "bad #%zu: %d", i,
		    chk(bad[i]));
	/* Truncated at the very end of the input. */
	ck_assert_int_eq(tide_json_check("\"\xe2\x82", 3, 0, NULL, NULL),
	    TIDE_EUTF8);
	/* Outside strings a high byte is simply not JSON. */
	ck_assert_int_eq(chk("[\xc3\xa9]"), TIDE_EJSON);
}
END_TEST

START_TEST(test_json_check_rejects_escaped_lone_surrogates)
{
	/* RFC 8259's grammar allows them, but they are no characters: read
	 * as U+FFFD, "\ud800", "\udc00" and "\ufffd" would be one key. */
	ck_assert_int_eq(chk("\"\\ud800\""), TIDE_EUTF8);
	ck_assert_int_eq(chk("\"\\udc00\""), TIDE_EUTF8);
	ck_assert_int_eq(chk("\"\\udc00\\ud800\""), TIDE_EUTF8);
	ck_assert_int_eq(chk("{\"\\uDFAA\":0}"), TIDE_EUTF8);
	ck_assert_int_eq(chk("\"\\uD800\\u0041\""), TIDE_EUTF8);
	ck_assert_int_eq(chk("\"\\ud800\\n\""), TIDE_EUTF8);
	ck_assert_int_eq(chk("\"\\ud800\\ud800\""), TIDE_EUTF8);
	ck_assert_int_eq(chk("\"x\\ud800"), TIDE_EUTF8);	/* at the end */
	ck_assert_int_eq(chk("\"\\ud800\\udc0"), TIDE_EUTF8);
	/* Pairs, and the characters around the surrogate range, pass. */
	ck_assert_int_eq(chk("\"\\ud83d\\ude00\""), 0);
	ck_assert_int_eq(chk("\"\\uDBFF\\uDFFF\""), 0);
	ck_assert_int_eq(chk("\"\\ud7ff\\ue000\\ufffd\""), 0);
	ck_assert_int_eq(chk("{\"\\uD834\\uDD1E\":0}"), 0);
}
END_TEST

START_TEST(test_utf8_valid)
{
	ck_assert_int_eq(tide_utf8_valid("", 0), 1);
	ck_assert_int_eq(tide_utf8_valid("plain", 5), 1);
	ck_assert_int_eq(tide_utf8_valid("a\0b", 3), 1);
	ck_assert_int_eq(tide_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	    9), 1);
	ck_assert_int_eq(tide_utf8_valid("\xf4\x8f\xbf\xbf", 4), 1);
	ck_assert_int_eq(tide_utf8_valid("\xc3\xa9", 1), 0);
	ck_assert_int_eq(tide_utf8_valid("\xc0\x80", 2), 0);
	ck_assert_int_eq(tide_utf8_valid("\xe0\x9f\xbf", 3), 0);
	ck_assert_int_eq(tide_utf8_valid("\xed\xa0\x80", 3), 0);
	ck_assert_int_eq(tide_utf8_valid("\xf4\x90\x80\x80", 4), 0);
	ck_assert_int_eq(tide_utf8_valid("\xf0\x8f\xbf\xbf", 4), 0);
	ck_assert_int_eq(tide_utf8_valid("abc\x80", 4), 0);
	ck_assert_int_eq(tide_utf8_valid("\xe2\x82\xac\xe2\x82", 5), 0);
}
END_TEST

/* The corpus: every y_ accepted, every n_ rejected, i_ never crashes. */
START_TEST(test_json_corpus_y_accepted_n_rejected)
{
	char dir[1024], path[2048], failed[8192] = "";
	struct dirent *de;
	DIR *d;
	size_t len;
	char *doc;
	int ny = 0, nn = 0, ni = 0, nfail = 0, rc;

	snprintf(dir, sizeof(dir), "%s/JSONTestSuite/test_parsing",
	    unit_testdata());
	d = opendir(dir);
	ck_assert_msg(d != NULL, "no corpus at %s", dir);
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;

		if (strlen(n) < 7 || n[1] != '_' ||
		    strcmp(n + strlen(n) - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, n);
		doc = unit_slurp(path, &len);
		ck_assert_msg(doc != NULL, "cannot read %s", path);
		rc = tide_json_check(doc, len, 0, NULL, NULL);
		if ((n[0] == 'y' && rc != 0) || (n[0] == 'n' && rc == 0)) {
			nfail++;
			if (strlen(failed) + strlen(n) + 2 < sizeof(failed)) {
				strcat(failed, " ");
				strcat(failed, n);
			}
		}
		ny += n[0] == 'y';
		nn += n[0] == 'n';
		ni += n[0] == 'i';
		free(doc);
	}
	closedir(d);
	ck_assert_msg(nfail == 0, "%d corpus files wrong:%s", nfail, failed);
	/* The suite as shipped: 95 y_, 188 n_, 35 i_. */
	ck_assert_int_ge(ny, 95);
	ck_assert_int_ge(nn, 188);
	ck_assert_int_ge(ni, 35);
}
END_TEST

/* What we decided for some implementation-defined cases. */
START_TEST(test_json_corpus_i_decisions)
{
	static const struct {
		const char *name;
		int rc;
	} want[] = {
		{ "i_string_1st_surrogate_but_2nd_missing.json", TIDE_EUTF8 },
		{ "i_string_invalid_lonely_surrogate.json", TIDE_EUTF8 },
		{ "i_object_key_lone_2nd_surrogate.json", TIDE_EUTF8 },
		{ "i_number_huge_exp.json", 0 },
		{ "i_number_too_big_neg_int.json", 0 },
		{ "i_string_UTF-8_invalid_sequence.json", TIDE_EUTF8 },
		{ "i_string_UTF8_surrogate_U+D800.json", TIDE_EUTF8 },
		{ "i_string_overlong_sequence_2_bytes.json", TIDE_EUTF8 },
		{ "i_string_not_in_unicode_range.json", TIDE_EUTF8 },
		{ "i_string_truncated-utf-8.json", TIDE_EUTF8 },
		{ "i_string_iso_latin_1.json", TIDE_EUTF8 },
		{ "i_structure_UTF-8_BOM_empty_object.json", TIDE_EJSON },
		{ "i_string_UTF-16LE_with_BOM.json", TIDE_EJSON },
		{ "i_structure_500_nested_arrays.json", TIDE_EDEPTH },
	};
	char path[2048];
	size_t i, len;
	char *doc;
	int rc;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(path, sizeof(path), "%s/JSONTestSuite/test_parsing/%s",
		    unit_testdata(), want[i].name);
		doc = unit_slurp(path, &len);
		ck_assert_msg(doc != NULL, "cannot read %s", path);
		rc = tide_json_check(doc, len, 0, NULL, NULL);
		free(doc);
		ck_assert_msg(rc == want[i].rc, "%s: %d, want %d",
		    want[i].name, rc, want[i].rc);
	}
}
END_TEST

/* Paths. */

START_TEST(test_path_parse_segments_and_quotes)
{
	struct tide_path p;

	ck_assert_int_eq(tide_path_parse(&p, "amount"), 0);
	ck_assert_int_eq(p.nseg, 1);
	ck_assert_str_eq(p.seg[0].name, "amount");
	ck_assert_uint_eq(p.seg[0].len, 6);
	ck_assert_str_eq(p.text, "amount");
	tide_path_release(&p);

	ck_assert_int_eq(tide_path_parse(&p, "card.bin"), 0);
	ck_assert_int_eq(p.nseg, 2);
	ck_assert_str_eq(p.seg[0].name, "card");
	ck_assert_str_eq(p.seg[1].name, "bin");
	tide_path_release(&p);

	ck_assert_int_eq(tide_path_parse(&p, "\"a.b\".c"), 0);
	ck_assert_int_eq(p.nseg, 2);
	ck_assert_str_eq(p.seg[0].name, "a.b");
	ck_assert_uint_eq(p.seg[0].len, 3);
	ck_assert_str_eq(p.seg[1].name, "c");
	ck_assert_str_eq(p.text, "\"a.b\".c");
	tide_path_release(&p);

	ck_assert_int_eq(tide_path_parse(&p, "x.\"q\\\"u\\\\o\".\"\""), 0);
	ck_assert_int_eq(p.nseg, 3);
	ck_assert_str_eq(p.seg[1].name, "q\"u\\o");
	ck_assert_uint_eq(p.seg[1].len, 5);
	ck_assert_str_eq(p.seg[2].name, "");
	ck_assert_uint_eq(p.seg[2].len, 0);
	tide_path_release(&p);

	ck_assert_int_eq(tide_path_parse(&p,
	    "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p"), 0);
	ck_assert_int_eq(p.nseg, TIDE_PATH_MAXSEG);
	ck_assert_str_eq(p.seg[15].name, "p");
	tide_path_release(&p);
	/* Release twice is harmless. */
	tide_path_release(&p);
}
END_TEST

START_TEST(test_path_parse_rejects_bad_specs)
{
	static const char *bad[] = {
		"", ".", "a.", ".a", "a..b", "\"a", "\"a\"b", "a\"b", "a\"",
		"\"a\\x\"", "\"a\\\"", "\"a\".", "a.\"b",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q",
	};
	struct tide_path p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(tide_path_parse(&p, bad[i]) == TIDE_EINVAL,
		    "accepted: %s", bad[i]);
		ck_assert_int_eq(p.nseg, 0);
		ck_assert_ptr_null(p.text);
		tide_path_release(&p);
	}
}
END_TEST

/* Lookups. */

static const char rec[] =
    "{\"id\":7, \"card\" : {\"bin\":\"4111\",\"country\":\"FR\","
    "\"x\":{\"y\":true}}, \"amount\":12.5,\"a.b\":{\"c\":\"dot\"},"
    "\"list\":[1,{\"k\":2}],\"s\":\"str\",\"n\":null,"
    "\"esc\\u002ekey\":1,\"caf\\u00e9\":2,\"dup\":1,\"dup\":{\"z\":3},"
    "\"card\":{\"bin\":\"5500\",\"country\":\"DE\"}}";

/* Look spec up in rec; return its raw text (static) or NULL. */
static const char *
get(const char *doc, const char *spec)
{
	static char out[256];
	struct tide_path p;
	struct tide_json_val v;
	int r;

	ck_assert_int_eq(tide_path_parse(&p, spec), 0);
	r = tide_json_get(doc, strlen(doc), &p, &v);
	tide_path_release(&p);
	if (r == 0) {
		ck_assert_int_eq(v.type, TIDE_JSON_NONE);
		return NULL;
	}
	ck_assert_int_eq(r, 1);
	ck_assert_uint_lt(v.len, sizeof(out));
	memcpy(out, v.p, v.len);
	out[v.len] = '\0';
	return out;
}

START_TEST(test_json_get_finds_fields)
{
	ck_assert_int_eq(chk(rec), 0);
	ck_assert_str_eq(get(rec, "id"), "7");
	ck_assert_str_eq(get(rec, "amount"), "12.5");
	ck_assert_str_eq(get(rec, "\"a.b\".c"), "\"dot\"");
	ck_assert_str_eq(get(rec, "list"), "[1,{\"k\":2}]");
	ck_assert_str_eq(get(rec, "n"), "null");
	ck_assert_str_eq(get(rec, "\"esc.key\""), "1");
	ck_assert_str_eq(get(rec, "caf\xc3\xa9"), "2");
	ck_assert_str_eq(get(" {\"a\" : { \"b\" : [ ] } } ", "a.b"), "[ ]");
}
END_TEST

START_TEST(test_json_get_duplicate_keys_last_wins)
{
	ck_assert_str_eq(get(rec, "dup"), "{\"z\":3}");
	ck_assert_str_eq(get(rec, "dup.z"), "3");
	/* The whole later "card" replaces the earlier one. */
	ck_assert_str_eq(get(rec, "card.bin"), "\"5500\"");
	ck_assert_ptr_null(get(rec, "card.x"));
	ck_assert_str_eq(get("{\"a\":1,\"a\":2,\"a\":3}", "a"), "3");
}
END_TEST

START_TEST(test_json_get_missing_and_non_object_paths)
{
	ck_assert_ptr_null(get(rec, "nope"));
	ck_assert_ptr_null(get(rec, "card.nope"));
	ck_assert_ptr_null(get(rec, "a"));		/* "a.b" is one key */
	ck_assert_ptr_null(get(rec, "a.b.c"));
	ck_assert_ptr_null(get(rec, "id.x"));		/* into a number */
	ck_assert_ptr_null(get(rec, "s.x"));		/* into a string */
	ck_assert_ptr_null(get(rec, "list.k"));		/* into an array */
	ck_assert_ptr_null(get(rec, "n.x"));		/* into null */
	ck_assert_ptr_null(get(rec, "ID"));		/* case matters */
	ck_assert_ptr_null(get(rec, "esc\\u002ekey"));	/* raw != unescaped */
	ck_assert_ptr_null(get("{}", "a"));
	ck_assert_ptr_null(get("[{\"a\":1}]", "a"));	/* not an object */
	ck_assert_ptr_null(get("\"a\"", "a"));
}
END_TEST

START_TEST(test_json_get_many_single_pass)
{
	static const char *specs[] = {
		"card.bin", "amount", "card.country", "nope", "card.x.y",
		"amount.x", "dup.z", "\"a.b\".c", "card.bin", "list",
	};
	static const char *want[] = {
		"\"5500\"", "12.5", "\"DE\"", NULL, NULL,
		NULL, "3", "\"dot\"", "\"5500\"", "[1,{\"k\":2}]",
	};
	enum { N = sizeof(specs) / sizeof(specs[0]) };
	struct tide_path p[N];
	struct tide_json_val out[N];
	int i;

	for (i = 0; i < N; i++)
		ck_assert_int_eq(tide_path_parse(&p[i], specs[i]), 0);
	ck_assert_int_eq(tide_json_get_many(rec, strlen(rec), p, N, out), 7);
	for (i = 0; i < N; i++) {
		if (want[i] == NULL) {
			ck_assert_msg(out[i].type == TIDE_JSON_NONE,
			    "%s found", specs[i]);
			continue;
		}
		ck_assert_msg(out[i].type != TIDE_JSON_NONE, "%s not found",
		    specs[i]);
		ck_assert_msg(out[i].len == strlen(want[i]) &&
		    memcmp(out[i].p, want[i], out[i].len) == 0,
		    "%s: %.*s", specs[i], (int)out[i].len, out[i].p);
	}
	/* Deeper sharing: a.b.c and a.b.d and a.e. */
	{
		const char *doc = "{\"a\":{\"b\":{\"c\":1,\"d\":2},\"e\":3},"
		    "\"f\":4}";

		for (i = 0; i < 4; i++)
			tide_path_release(&p[i]);
		ck_assert_int_eq(tide_path_parse(&p[0], "a.b.d"), 0);
		ck_assert_int_eq(tide_path_parse(&p[1], "a.e"), 0);
		ck_assert_int_eq(tide_path_parse(&p[2], "a.b.c"), 0);
		ck_assert_int_eq(tide_path_parse(&p[3], "a.b.c.d"), 0);
		ck_assert_int_eq(tide_json_get_many(doc, strlen(doc), p, 4,
		    out), 3);
		ck_assert_int_eq(out[0].p[0], '2');
		ck_assert_int_eq(out[1].p[0], '3');
		ck_assert_int_eq(out[2].p[0], '1');
		ck_assert_int_eq(out[3].type, TIDE_JSON_NONE);
		/* Not an object at the top: nothing found. */
		ck_assert_int_eq(tide_json_get_many("[1]", 3, p, 4, out), 0);
		ck_assert_int_eq(out[0].type, TIDE_JSON_NONE);
	}
	for (i = 0; i < N; i++)
		tide_path_release(&p[i]);
}
END_TEST

/* tide_json_check_many() is tide_json_check() then tide_json_get_many(),
 * in one pass: the same status, error offset and values on every doc. */
START_TEST(test_json_check_many_agrees)
{
	static const char *specs[] = {
		"a", "a.b", "\"a.b\".c", "ts", "k", "a.b.c",
		"a_very_long_member_name_of_more_than_sixty_three_bytes_0123456789",
		"x.y", "card.bin",
	};
	static const char *docs[] = {
		"{\"a\":1,\"ts\":2}",
		" { \"a\" : { \"b\" : 7 , \"c\" : [1,{\"b\":2}] } , \"ts\" : \"t\" } ",
		"{\"a\":{\"b\":{\"c\":\"deep\"}},\"k\":{\"id\":1}}",
		"{\"\\u0061\":5,\"t\\u0073\":6}",	/* escaped names */
		"{\"a\":1,\"a\":{\"b\":2},\"k\":[],\"k\":{}}",	/* last wins */
		"{\"a.b\":{\"c\":3},\"x\":{\"y\":{\"z\":1}}}",
		"{\"a_very_long_member_name_of_more_than_sixty_three_bytes_0123456789\":true}",
		"{\"a_very_long_member_name_of_more_than_sixty_three_bytes_012345678X\":1}",
		"{\"in\":{\"a\":9,\"ts\":9},\"ts\":null}",	/* inner names */
		"{}", "[{\"a\":1}]", "\"a\"", "12", "null",
		"{\"a\":1,}", "{\"a\" 1}", "{\"a\":[1,2}", "{\"a\":\"\\x\"}",
		"{\"a\":\"\xc3\x28\"}", "{\"a\":1}x", "", "{\"a\":{\"b\":tru}}",
		"{\"k\":\"v\",\"a\":-}", "{\"a\":01}",
	};
	enum { N = sizeof(specs) / sizeof(specs[0]) };
	struct tide_path p[N + 1];
	struct tide_json_val a[N + 1], b[N + 1];
	struct tide_json_err ea, eb;
	enum tide_json_type ta, tb;
	size_t d, n;
	int i, ra, rb, fa, fb;

	for (i = 0; i < N; i++)
		ck_assert_int_eq(tide_path_parse(&p[i], specs[i]), 0);
	memset(&p[N], 0, sizeof(p[N]));	/* the document itself */
	for (d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		n = strlen(docs[d]);
		memset(&ea, 0, sizeof(ea));
		memset(&eb, 0, sizeof(eb));
		ra = tide_json_check(docs[d], n, 0, &ta, &ea);
		rb = tide_json_check_many(docs[d], n, 0, &tb, &eb, p, N + 1, b);
		if (ra < 0) {
			ck_assert_msg(rb == ra && eb.offset == ea.offset &&
			    eb.reason == ea.reason, "doc %zu: %d at %zu, "
			    "check_many %d at %zu", d, ra, ea.offset, rb,
			    eb.offset);
			continue;
		}
		ck_assert_msg(rb >= 0 && tb == ta, "doc %zu: %d", d, rb);
		if (ta != TIDE_JSON_OBJECT)
			continue;
		fa = tide_json_get_many(docs[d], n, p, N + 1, a);
		fb = rb;
		ck_assert_msg(fa == fb, "doc %zu: found %d, check_many %d", d,
		    fa, fb);
		for (i = 0; i <= N; i++)
			ck_assert_msg(a[i].type == b[i].type &&
			    a[i].len == b[i].len && a[i].p == b[i].p,
			    "doc %zu, path %d: '%.*s', check_many '%.*s'", d, i,
			    (int)a[i].len, a[i].p ? a[i].p : "",
			    (int)b[i].len, b[i].p ? b[i].p : "");
	}
	/* Spot values, so that agreeing on nothing cannot pass. */
	n = strlen(docs[3]);
	ck_assert_int_eq(tide_json_check_many(docs[3], n, 0, NULL, NULL, p, N,
	    b), 2);
	ck_assert_int_eq(b[0].p[0], '5');
	ck_assert_int_eq(b[3].p[0], '6');
	n = strlen(docs[4]);
	ck_assert_int_eq(tide_json_check_many(docs[4], n, 0, NULL, NULL, p, N,
	    b), 3);
	ck_assert_int_eq(b[0].type, TIDE_JSON_OBJECT);
	ck_assert_int_eq(b[1].p[0], '2');
	ck_assert_int_eq(b[4].type, TIDE_JSON_OBJECT);
	n = strlen(docs[8]);
	ck_assert_int_eq(tide_json_check_many(docs[8], n, 0, NULL, NULL, p, N,
	    b), 1);
	ck_assert_int_eq(b[3].type, TIDE_JSON_NULL);
	ck_assert_int_eq(b[0].type, TIDE_JSON_NONE);
	for (i = 0; i < N; i++)
		tide_path_release(&p[i]);
}
END_TEST

START_TEST(test_json_get_many_more_paths_than_a_chunk)
{
	enum { N = 100 };
	struct tide_path p[N];
	struct tide_json_val out[N];
	char spec[16];
	const char *doc = "{\"k3\":3,\"k99\":99,\"k70\":{\"z\":70}}";
	int i;

	for (i = 0; i < N; i++) {
		if (i == 70)
			snprintf(spec, sizeof(spec), "k%d.z", i);
		else
			snprintf(spec, sizeof(spec), "k%d", i);
		ck_assert_int_eq(tide_path_parse(&p[i], spec), 0);
	}
	ck_assert_int_eq(tide_json_get_many(doc, strlen(doc), p, N, out), 3);
	ck_assert_int_eq(out[3].p[0], '3');
	ck_assert_int_eq(out[99].p[1], '9');
	ck_assert_int_eq(out[70].p[1], '0');
	ck_assert_int_eq(out[4].type, TIDE_JSON_NONE);
	for (i = 0; i < N; i++)
		tide_path_release(&p[i]);
}
END_TEST

START_TEST(test_json_obj_and_arr_iteration)
{
	const char *doc = "{ \"a\" : 1 , \"b\":[ 1, {\"c\":2} ,\"x\" ],"
	    "\"d\":\"v\" }";
	static const char *names[] = { "\"a\"", "\"b\"", "\"d\"" };
	static const char *vals[] = { "1", "[ 1, {\"c\":2} ,\"x\" ]", "\"v\"" };
	static const char *elems[] = { "1", "{\"c\":2}", "\"x\"" };
	struct tide_json_val obj = val(TIDE_JSON_OBJECT, doc), n, v, e;
	struct tide_json_val arr = val(TIDE_JSON_NONE, "");
	size_t pos = 0;
	int i = 0;

	while (tide_json_obj_next(&obj, &pos, &n, &v)) {
		ck_assert_int_lt(i, 3);
		ck_assert_int_eq(n.type, TIDE_JSON_STRING);
		ck_assert(n.len == strlen(names[i]) &&
		    memcmp(n.p, names[i], n.len) == 0);
		ck_assert(v.len == strlen(vals[i]) &&
		    memcmp(v.p, vals[i], v.len) == 0);
		if (i == 1)
			arr = v;
		i++;
	}
	ck_assert_int_eq(i, 3);
	ck_assert_int_eq(tide_json_obj_next(&obj, &pos, &n, &v), 0);
	ck_assert_int_eq(arr.type, TIDE_JSON_ARRAY);
	pos = 0;
	i = 0;
	while (tide_json_arr_next(&arr, &pos, &e)) {
		ck_assert_int_lt(i, 3);
		ck_assert(e.len == strlen(elems[i]) &&
		    memcmp(e.p, elems[i], e.len) == 0);
		i++;
	}
	ck_assert_int_eq(i, 3);
	ck_assert_int_eq(e.type, TIDE_JSON_STRING);

	obj = val(TIDE_JSON_OBJECT, "{ }");
	pos = 0;
	ck_assert_int_eq(tide_json_obj_next(&obj, &pos, &n, &v), 0);
	arr = val(TIDE_JSON_ARRAY, "[]");
	pos = 0;
	ck_assert_int_eq(tide_json_arr_next(&arr, &pos, &e), 0);
	/* The wrong type iterates nothing. */
	pos = 0;
	ck_assert_int_eq(tide_json_obj_next(&arr, &pos, &n, &v), 0);
	pos = 0;
	ck_assert_int_eq(tide_json_arr_next(&obj, &pos, &e), 0);
}
END_TEST

/* Getters. */

START_TEST(test_json_int64_accepts_exact_integers)
{
	static const struct {
		const char *s;
		int64_t v;
	} ok[] = {
		{ "0", 0 }, { "-0", 0 }, { "123", 123 }, { "-42", -42 },
		{ "9223372036854775807", INT64_MAX },
		{ "-9223372036854775808", INT64_MIN },
		{ "1.0", 1 }, { "1e2", 100 }, { "1E+2", 100 }, { "-1e2", -100 },
		{ "1.5e1", 15 }, { "1230e-1", 123 }, { "100e-2", 1 },
		{ "0.000", 0 }, { "0e-999", 0 }, { "0e999999999999", 0 },
		{ "2.50e1", 25 }, { "10.0", 10 },
		{ "922337203685477580.7e1", INT64_MAX },
		{ "123456789012345678900000e-5", 1234567890123456789LL },
		{ "1000000000000000000000000000e-27", 1 },
		/* Eight digits at a time, then the rest one by one. */
		{ "12345678", 12345678 }, { "90000001", 90000001 },
		{ "123456789", 123456789 }, { "1793491200000", 1793491200000LL },
		{ "-1793491200000", -1793491200000LL },
		{ "1234567890123456", 1234567890123456LL },
		{ "12345678901234567", 12345678901234567LL },
		{ "999999999999999999", 999999999999999999LL },
		{ "-999999999999999999", -999999999999999999LL },
		{ "100000000000000000", 100000000000000000LL },
		{ "1234567890123.5e1", 12345678901235LL },
		{ "12345678e0", 12345678 },
	};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct tide_json_val jv = val(TIDE_JSON_NUMBER, ok[i].s);

		v = 12345;
		ck_assert_msg(tide_json_int64(&jv, &v) == 0, "%s refused",
		    ok[i].s);
		ck_assert_msg(v == ok[i].v, "%s gave %lld", ok[i].s,
		    (long long)v);
	}
}
END_TEST

START_TEST(test_json_int64_rejects_fractions_and_out_of_range)
{
	static const struct {
		const char *s;
		int rc;
	} bad[] = {
		{ "9223372036854775808", TIDE_ERANGE },
		{ "-9223372036854775809", TIDE_ERANGE },
		{ "18446744073709551616", TIDE_ERANGE },
		{ "99999999999999999999999", TIDE_ERANGE },
		{ "1e19", TIDE_ERANGE }, { "9.3e18", TIDE_ERANGE },
		{ "1e400", TIDE_ERANGE }, { "-1e999999999", TIDE_ERANGE },
		{ "1.5", TIDE_ETYPE }, { "-0.5", TIDE_ETYPE },
		{ "1e-2", TIDE_ETYPE }, { "1e-400", TIDE_ETYPE },
		{ "123.000000000000000000001", TIDE_ETYPE },
		{ "12345678901234567890.5e-1", TIDE_ETYPE },
		{ "1.00000000000000000000000000001e30", TIDE_ERANGE },
	};
	struct tide_json_val v;
	int64_t out = 77;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = val(TIDE_JSON_NUMBER, bad[i].s);
		ck_assert_msg(tide_json_int64(&v, &out) == bad[i].rc,
		    "%s: %d", bad[i].s, tide_json_int64(&v, &out));
	}
	ck_assert_int_eq(out, 77);	/* untouched on failure */
	v = val(TIDE_JSON_STRING, "\"1\"");
	ck_assert_int_eq(tide_json_int64(&v, &out), TIDE_ETYPE);
	v = val(TIDE_JSON_TRUE, "true");
	ck_assert_int_eq(tide_json_int64(&v, &out), TIDE_ETYPE);
}
END_TEST

START_TEST(test_json_double_parses_exactly)
{
	static const struct {
		const char *s;
		double d;
	} ok[] = {
		{ "0.1", 0.1 }, { "1e-320", 1e-320 }, { "5e-324", 5e-324 },
		{ "1.7976931348623157e308", 1.7976931348623157e308 },
		{ "123456789012345678", 123456789012345678.0 },
		{ "9007199254740993", 9007199254740992.0 },
		{ "42", 42 }, { "-42", -42 }, { "2.5E-3", 0.0025 },
		{ "1e-400", 0 },
	};
	struct tide_json_val v;
	char longnum[400];
	double d;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = val(TIDE_JSON_NUMBER, ok[i].s);
		ck_assert_msg(tide_json_double(&v, &d) == 0, "%s", ok[i].s);
		ck_assert_msg(d == ok[i].d, "%s gave %.17g", ok[i].s, d);
	}
	v = val(TIDE_JSON_NUMBER, "-0.0");
	ck_assert_int_eq(tide_json_double(&v, &d), 0);
	ck_assert(d == 0 && signbit(d));
	v = val(TIDE_JSON_NUMBER, "-0");
	ck_assert_int_eq(tide_json_double(&v, &d), 0);
	ck_assert(d == 0 && signbit(d));
	/* Longer than the stack copy. */
	memset(longnum, '0', sizeof(longnum) - 1);
	longnum[0] = '1';
	longnum[1] = '.';
	longnum[sizeof(longnum) - 2] = '1';
	longnum[sizeof(longnum) - 1] = '\0';
	v = val(TIDE_JSON_NUMBER, longnum);
	ck_assert_int_eq(tide_json_double(&v, &d), 0);
	ck_assert(d == 1.0);
	/* The value is bounded by v->len, not by a NUL. */
	v.p = "2.5,";
	v.len = 3;
	ck_assert_int_eq(tide_json_double(&v, &d), 0);
	ck_assert(d == 2.5);

	d = 3;
	v = val(TIDE_JSON_NUMBER, "1e400");
	ck_assert_int_eq(tide_json_double(&v, &d), TIDE_ERANGE);
	v = val(TIDE_JSON_NUMBER, "-1e400");
	ck_assert_int_eq(tide_json_double(&v, &d), TIDE_ERANGE);
	v = val(TIDE_JSON_STRING, "\"1\"");
	ck_assert_int_eq(tide_json_double(&v, &d), TIDE_ETYPE);
	v = val(TIDE_JSON_NULL, "null");
	ck_assert_int_eq(tide_json_double(&v, &d), TIDE_ETYPE);
	ck_assert(d == 3);
}
END_TEST

/* Short decimals take a fast path (one division): the same double as
 * strtod() gives, over a sweep of lengths, digits and points. */
START_TEST(test_json_double_fast_path_is_strtod)
{
	char buf[40];
	struct tide_json_val v;
	uint64_t x = 88172645463325252ull;
	double d;
	int i, nd, pt, k;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		nd = 1 + (int)(x % 17);
		pt = (int)((x >> 8) % (uint64_t)(nd + 1));
		k = 0;
		if ((x >> 16) & 1)
			buf[k++] = '-';
		for (int j = 0; j < nd; j++) {
			if (j == pt && j > 0)
				buf[k++] = '.';
			buf[k++] = (char)('0' + (x >> (20 + 2 * (j % 20))) % 10);
		}
		buf[k] = '\0';
		/* JSON: no leading zero before other digits. */
		if ((buf[0] == '0' || (buf[0] == '-' && buf[1] == '0')) &&
		    isdigit((unsigned char)buf[buf[0] == '-' ? 2 : 1]))
			continue;
		v = val(TIDE_JSON_NUMBER, buf);
		ck_assert_int_eq(tide_json_double(&v, &d), 0);
		ck_assert_msg(memcmp(&d, &(double){ strtod(buf, NULL) },
		    sizeof(d)) == 0, "%s gave %.17g", buf, d);
	}
}
END_TEST

/* Decimals of up to 15 digits take a fast path: the same double as
 * strtod's, for every form (fraction lengths 1 to 15, signs, zeros). */
START_TEST(test_json_double_decimal_fast_path_is_strtod)
{
	struct tide_json_val v;
	uint64_t x = 88172645463325252ull;
	char buf[32];
	double d;
	int i, k, nd;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		nd = 1 + (int)(x % 15);
		k = 1 + (int)((x >> 8) % (unsigned)nd);
		snprintf(buf, sizeof(buf), "%s%0*llu", (x >> 40) & 1 ? "-" : "",
		    nd, (unsigned long long)((x >> 12) % 1000000000000000ull) %
		    (nd == 15 ? 1000000000000000ull : 1ull << (nd * 3)));
		/* Insert the point k digits from the end: "123.45". */
		{
			size_t n = strlen(buf), neg = buf[0] == '-';

			if (n - neg <= (size_t)k)
				continue;
			memmove(buf + n - k + 1, buf + n - k, (size_t)k + 1);
			buf[n - k] = '.';
			/* JSON has no leading zeros: "0.5", not "00.5". */
			while (buf[neg] == '0' && buf[neg + 1] != '.')
				memmove(buf + neg, buf + neg + 1, strlen(buf + neg));
		}
		v = val(TIDE_JSON_NUMBER, buf);
		ck_assert_int_eq(tide_json_double(&v, &d), 0);
		ck_assert_msg(memcmp(&d, &(double){ strtod(buf, NULL) },
		    sizeof(d)) == 0, "%s gave %.17g", buf, d);
	}
	v = val(TIDE_JSON_NUMBER, "999999999999999.9");
	ck_assert_int_eq(tide_json_double(&v, &d), 0);
	ck_assert(d == 999999999999999.9);
	v = val(TIDE_JSON_NUMBER, "0.000000000000001");
	ck_assert_int_eq(tide_json_double(&v, &d), 0);
	ck_assert(d == 1e-15);
}
END_TEST

START_TEST(test_json_bool)
{
	struct tide_json_val v;
	int b = 5;

	v = val(TIDE_JSON_TRUE, "true");
	ck_assert_int_eq(tide_json_bool(&v, &b), 0);
	ck_assert_int_eq(b, 1);
	v = val(TIDE_JSON_FALSE, "false");
	ck_assert_int_eq(tide_json_bool(&v, &b), 0);
	ck_assert_int_eq(b, 0);
	b = 5;
	v = val(TIDE_JSON_NULL, "null");
	ck_assert_int_eq(tide_json_bool(&v, &b), TIDE_ETYPE);
	v = val(TIDE_JSON_STRING, "\"true\"");
	ck_assert_int_eq(tide_json_bool(&v, &b), TIDE_ETYPE);
	v = val(TIDE_JSON_NUMBER, "1");
	ck_assert_int_eq(tide_json_bool(&v, &b), TIDE_ETYPE);
	ck_assert_int_eq(b, 5);
}
END_TEST

/* Unescape the JSON string s; the result, NUL-terminated, in a static. */
static const char *
unesc(const char *s)
{
	static struct tide_buf b = TIDE_BUF_INIT;
	struct tide_json_val v = val(TIDE_JSON_STRING, s);

	tide_buf_reset(&b);
	ck_assert_int_eq(tide_json_str(&v, &b), 0);
	return tide_buf_cstr(&b);
}

START_TEST(test_json_str_unescapes)
{
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_json_val v;

	ck_assert_str_eq(unesc("\"\""), "");
	ck_assert_str_eq(unesc("\"plain\""), "plain");
	ck_assert_str_eq(unesc("\"a\\nb\\tc\\rd\\be\\ff\\/g\\\\h\\\"i\""),
	    "a\nb\tc\rd\be\ff/g\\h\"i");
	ck_assert_str_eq(unesc("\"\\u0041\\u00e9\\u20AC\""),
	    "A\xc3\xa9\xe2\x82\xac");
	ck_assert_str_eq(unesc("\"\\ud83d\\ude00!\""), "\xf0\x9f\x98\x80!");
	ck_assert_str_eq(unesc("\"\\uDBFF\\uDFFF\""), "\xf4\x8f\xbf\xbf");
	ck_assert_str_eq(unesc("\"caf\xc3\xa9\""), "caf\xc3\xa9");
	/* Lone surrogates become U+FFFD. */
	ck_assert_str_eq(unesc("\"\\ud800\""), "\xef\xbf\xbd");
	ck_assert_str_eq(unesc("\"\\udc00x\""), "\xef\xbf\xbdx");
	ck_assert_str_eq(unesc("\"\\ud800\\u0041\""), "\xef\xbf\xbd" "A");
	ck_assert_str_eq(unesc("\"\\ude00\\ud83d\""),
	    "\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_str_eq(unesc("\"\\ud800\\n\""), "\xef\xbf\xbd\n");
	/* \u0000 is a NUL byte in the value. */
	v = val(TIDE_JSON_STRING, "\"a\\u0000b\"");
	ck_assert_int_eq(tide_json_str(&v, &b), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert(memcmp(b.data, "a\0b", 3) == 0);
	/* Appends to what the buffer holds. */
	v = val(TIDE_JSON_STRING, "\"c\"");
	ck_assert_int_eq(tide_json_str(&v, &b), 0);
	ck_assert_uint_eq(b.len, 4);
	v = val(TIDE_JSON_NUMBER, "1");
	ck_assert_int_eq(tide_json_str(&v, &b), TIDE_ETYPE);
	ck_assert_uint_eq(b.len, 4);
	tide_buf_release(&b);
	/* Over the buffer's cap: an error, and the buffer as it was. */
	tide_buf_init(&b, 4);
	tide_buf_add(&b, "ab", 2);
	v = val(TIDE_JSON_STRING, "\"cdef\"");
	ck_assert_int_eq(tide_json_str(&v, &b), TIDE_ETOOBIG);
	ck_assert_uint_eq(b.len, 2);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_json_str_eq_without_unescaping)
{
	struct tide_json_val v;

	v = val(TIDE_JSON_STRING, "\"abc\"");
	ck_assert_int_eq(tide_json_str_eq(&v, "abc", 3), 1);
	ck_assert_int_eq(tide_json_str_eq(&v, "ab", 2), 0);
	ck_assert_int_eq(tide_json_str_eq(&v, "abcd", 4), 0);
	ck_assert_int_eq(tide_json_str_eq(&v, "abd", 3), 0);
	v = val(TIDE_JSON_STRING, "\"a\\u002eb\\n\\u00e9\"");
	ck_assert_int_eq(tide_json_str_eq(&v, "a.b\n\xc3\xa9", 6), 1);
	ck_assert_int_eq(tide_json_str_eq(&v, "a.b\n\xc3", 5), 0);
	ck_assert_int_eq(tide_json_str_eq(&v, "a\\u002eb\\n\\u00e9", 16), 0);
	v = val(TIDE_JSON_STRING, "\"\\ud83d\\ude00\"");
	ck_assert_int_eq(tide_json_str_eq(&v, "\xf0\x9f\x98\x80", 4), 1);
	v = val(TIDE_JSON_STRING, "\"\"");
	ck_assert_int_eq(tide_json_str_eq(&v, "", 0), 1);
	ck_assert_int_eq(tide_json_str_eq(&v, "x", 1), 0);
	v = val(TIDE_JSON_NUMBER, "1");
	ck_assert_int_eq(tide_json_str_eq(&v, "1", 1), 0);
}
END_TEST

/* Writer. */

/* Write s[0..n) as a JSON string; the text in a static. */
static const char *
wstr(const char *s, size_t n)
{
	static struct tide_buf b = TIDE_BUF_INIT;

	tide_buf_reset(&b);
	ck_assert_int_eq(tide_json_write_str(&b, s, n), 0);
	/* Whatever went in, what comes out is valid JSON. */
	ck_assert_int_eq(tide_json_check(b.data, b.len, 0, NULL, NULL), 0);
	return tide_buf_cstr(&b);
}

START_TEST(test_json_write_str_escapes_every_control_char)
{
	char in[32];
	int i;

	for (i = 0; i < 32; i++)
		in[i] = (char)i;
	ck_assert_str_eq(wstr(in, 32),
	    "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
	    "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
	    "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
	    "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");
	ck_assert_str_eq(wstr("", 0), "\"\"");
	ck_assert_str_eq(wstr("a\"b\\c/d\x7f", 8), "\"a\\\"b\\\\c/d\x7f\"");
	ck_assert_str_eq(wstr("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}
END_TEST

START_TEST(test_json_write_str_replaces_invalid_utf8)
{
	ck_assert_str_eq(wstr("a\xff" "b", 3), "\"a\\ufffdb\"");
	ck_assert_str_eq(wstr("\xe2\x82", 2), "\"\\ufffd\\ufffd\"");
	ck_assert_str_eq(wstr("\xed\xa0\x80", 3),
	    "\"\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(wstr("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
	ck_assert_str_eq(wstr("\xe9t\xe9", 3), "\"\\ufffdt\\ufffd\"");
	/* A valid sequence right after a bad byte is kept. */
	ck_assert_str_eq(wstr("\x80\xc3\xa9", 3), "\"\\ufffd\xc3\xa9\"");
}
END_TEST

START_TEST(test_json_write_str_over_cap_leaves_buffer)
{
	struct tide_buf b;

	tide_buf_init(&b, 8);
	ck_assert_int_eq(tide_buf_add(&b, "[", 1), 0);
	ck_assert_int_eq(tide_json_write_str(&b, "abcdefgh", 8), TIDE_ETOOBIG);
	ck_assert_uint_eq(b.len, 1);
	ck_assert_int_eq(tide_json_write_str(&b, "\n", 1), 0);
	ck_assert_uint_eq(b.len, 5);
	ck_assert(memcmp(b.data, "[\"\\n\"", 5) == 0);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_json_write_int)
{
	struct tide_buf b = TIDE_BUF_INIT;

	ck_assert_int_eq(tide_json_write_int(&b, 0), 0);
	tide_buf_addc(&b, ' ');
	ck_assert_int_eq(tide_json_write_int(&b, -1), 0);
	tide_buf_addc(&b, ' ');
	ck_assert_int_eq(tide_json_write_int(&b, INT64_MAX), 0);
	tide_buf_addc(&b, ' ');
	ck_assert_int_eq(tide_json_write_int(&b, INT64_MIN), 0);
	ck_assert_str_eq(tide_buf_cstr(&b),
	    "0 -1 9223372036854775807 -9223372036854775808");
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_json_write_double_round_trips)
{
	static const struct {
		double d;
		const char *s;
	} cases[] = {
		{ 0.1, "0.1" },
		{ 0.3, "0.3" },
		{ 1e-320, "9.99988867182683e-321" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 5e-324, "4.94065645841247e-324" },
		{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
		{ 123456789012345678.0, "1.2345678901234568e+17" },
		{ 9007199254740992.0, "9007199254740992" },	/* 2^53 */
		{ 9007199254740994.0, "9007199254740994" },	/* 2^53+2 */
		{ 9007199254740991.0, "9007199254740991" },
		{ -9007199254740991.0, "-9007199254740991" },
		{ 1e16, "1e+16" },
		{ 1e300, "1e+300" },
		{ 1e21, "1e+21" },
		{ 1.0 / 3, "0.3333333333333333" },
		{ -1.5e-7, "-1.5e-07" },
		{ 1000000000000000.5, "1000000000000000.5" },
		{ 100, "100" },
		{ -3, "-3" },
		{ 0, "0" },
		{ -0.0, "-0" },
		{ 2.5, "2.5" },
		{ 4.35, "4.35" },
	};
	struct tide_buf b = TIDE_BUF_INIT;
	char out[32];
	size_t i, n;
	double back;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = tide_json_fmt_double(out, cases[i].d);
		ck_assert_uint_eq(n, strlen(out));
		ck_assert_msg(strcmp(out, cases[i].s) == 0, "%.17g gave %s",
		    cases[i].d, out);
		ck_assert_int_eq(tide_json_check(out, n, 0, NULL, NULL), 0);
		back = strtod(out, NULL);
		ck_assert(back == cases[i].d &&
		    !signbit(back) == !signbit(cases[i].d));
		tide_buf_reset(&b);
		ck_assert_int_eq(tide_json_write_double(&b, cases[i].d), 0);
		ck_assert(b.len == n && memcmp(b.data, out, n) == 0);
	}
	ck_assert_uint_eq(tide_json_fmt_double(out, NAN), 4);
	ck_assert_str_eq(out, "null");
	ck_assert_uint_eq(tide_json_fmt_double(out, INFINITY), 4);
	ck_assert_str_eq(out, "null");
	ck_assert_uint_eq(tide_json_fmt_double(out, -INFINITY), 4);
	ck_assert_str_eq(out, "null");
	tide_buf_release(&b);
}
END_TEST

/* The specified form: the first of %.15g, %.16g, %.17g that reads back. */
static void
ref_fmt(char *out, double d)
{
	static const char *fmts[] = { "%.15g", "%.16g", "%.17g" };
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(out, 32, fmts[i], d);
		if (strtod(out, NULL) == d)
			return;
	}
}

START_TEST(test_json_fmt_double_matches_the_reference_form)
{
	uint64_t x = 88172645463325252ULL;
	char got[32], want[32];
	double d;
	int i, bad = 0;

	for (i = 0; i < 60000; i++) {
		switch (i % 6) {
		case 0:
			d = (double)(i - 30000) / 100;
			break;
		case 1:
			d = (double)i / 7;
			break;
		case 2:
			d = (double)(i * 37 % 100003) / 1e5 + 1e-4;
			break;
		default:
			/* xorshift64: doubles from random bit patterns. */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(&d, &x, sizeof(d));
			if (i % 6 == 4)	/* mostly the plain-notation range */
				d = ldexp(fabs(d) / pow(2, ilogb(d)),
				    (int)(x % 64) - 14);
			break;
		}
		if (isnan(d) || isinf(d) || (d == trunc(d) &&
		    fabs(d) < 9007199254740992.0))
			continue;
		tide_json_fmt_double(got, d);
		ref_fmt(want, d);
		if (strcmp(got, want) != 0 && bad++ < 5)
			fprintf(stderr, "%.17g: %s, want %s\n", d, got, want);
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* Append rec and add "x":1; the result as a C string in a static. */
static const char *
append_x(const char *r, int addkey)
{
	static struct tide_buf b = TIDE_BUF_INIT;
	struct tide_jobj o;

	tide_buf_reset(&b);
	ck_assert_int_eq(tide_jobj_append(&o, &b, r, strlen(r)), 0);
	if (addkey) {
		ck_assert_int_eq(tide_jobj_key(&o, "x", 1), 0);
		ck_assert_int_eq(tide_json_write_int(&b, 1), 0);
	}
	ck_assert_int_eq(tide_jobj_end(&o), 0);
	ck_assert_int_eq(tide_json_check(b.data, b.len, 0, NULL, NULL), 0);
	return tide_buf_cstr(&b);
}

START_TEST(test_jobj_append_keeps_original_bytes)
{
	ck_assert_str_eq(append_x("{}", 1), "{\"x\":1}");
	ck_assert_str_eq(append_x(" { } ", 1), "{\"x\":1}");
	ck_assert_str_eq(append_x("{\n\t}\r\n", 1), "{\"x\":1}");
	ck_assert_str_eq(append_x("{\"a\":1}", 1), "{\"a\":1,\"x\":1}");
	ck_assert_str_eq(append_x("{\"a\" : 1.50 }\r", 1),
	    "{\"a\" : 1.50,\"x\":1}");
	ck_assert_str_eq(append_x("{\"a\":{\"b\":[1,{}]},\"c\":\"}\"}", 1),
	    "{\"a\":{\"b\":[1,{}]},\"c\":\"}\",\"x\":1}");
	/* Nothing added: the object comes back closed. */
	ck_assert_str_eq(append_x(" { } ", 0), "{}");
	ck_assert_str_eq(append_x("{\"a\":[]}", 0), "{\"a\":[]}");
}
END_TEST

START_TEST(test_jobj_append_rejects_non_objects)
{
	static const char *bad[] = { "", "  ", "{", "}", "[1]", "\"{}\"",
	    "1", "x{}" };
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_jobj o;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(tide_jobj_append(&o, &b, bad[i],
		    strlen(bad[i])) == TIDE_EJSON, "accepted '%s'", bad[i]);
		ck_assert_uint_eq(b.len, 0);
	}
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_path_name_is_one_segment_dots_and_all)
{
	struct tide_path p;
	struct tide_json_val v;
	const char *doc = "{\"a.b\":1,\"a\":{\"b\":2}}";

	tide_path_name(&p, "a.b");
	ck_assert_int_eq(p.nseg, 1);
	ck_assert_uint_eq(p.seg[0].len, 3);
	ck_assert_str_eq(p.text, "a.b");
	ck_assert_int_eq(tide_json_get(doc, strlen(doc), &p, &v), 1);
	ck_assert_uint_eq(v.len, 1);
	ck_assert_int_eq(v.p[0], '1');
	tide_path_release(&p);
	/* A spec's quoting is not parsed: the name is taken as it is. */
	tide_path_raw(&p, "\"x\"yz", 3);
	ck_assert_int_eq(p.nseg, 1);
	ck_assert_str_eq(p.text, "\"x\"");
	ck_assert_int_eq(tide_json_get(doc, strlen(doc), &p, &v), 0);
	tide_path_release(&p);
	tide_path_name(&p, "");
	ck_assert_uint_eq(p.seg[0].len, 0);
	ck_assert_int_eq(tide_json_get(doc, strlen(doc), &p, &v), 0);
	tide_path_release(&p);
}
END_TEST

START_TEST(test_jobj_builds_objects)
{
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_jobj o;

	ck_assert_int_eq(tide_jobj_begin(&o, &b), 0);
	ck_assert_int_eq(tide_jobj_end(&o), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "{}");
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_jobj_begin(&o, &b), 0);
	ck_assert_int_eq(tide_jobj_key(&o, "a", 1), 0);
	ck_assert_int_eq(tide_json_write_int(&b, -5), 0);
	ck_assert_int_eq(tide_jobj_key(&o, "q\"\n", 3), 0);
	ck_assert_int_eq(tide_json_write_str(&b, "v", 1), 0);
	ck_assert_int_eq(tide_jobj_key(&o, "d", 1), 0);
	ck_assert_int_eq(tide_json_write_double(&b, 0.25), 0);
	ck_assert_int_eq(tide_jobj_end(&o), 0);
	ck_assert_str_eq(tide_buf_cstr(&b),
	    "{\"a\":-5,\"q\\\"\\n\":\"v\",\"d\":0.25}");
	tide_buf_release(&b);
	/* A key that does not fit leaves no separator behind. */
	tide_buf_init(&b, 6);
	ck_assert_int_eq(tide_jobj_begin(&o, &b), 0);
	ck_assert_int_eq(tide_jobj_key(&o, "a", 1), 0);
	ck_assert_int_eq(tide_buf_addc(&b, '1'), 0);
	ck_assert_int_eq(tide_jobj_key(&o, "b", 1), TIDE_ETOOBIG);
	ck_assert_uint_eq(b.len, 6);
	tide_buf_release(&b);
}
END_TEST

Suite *
suite_json(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_json_check_accepts_values_with_surrounding_whitespace);
	tcase_add_test(tc, test_json_check_rejects_truncated_documents);
	tcase_add_test(tc, test_json_check_reports_offset_and_reason);
	tcase_add_test(tc, test_json_check_rejects_bad_escapes);
	tcase_add_test(tc, test_json_check_numbers);
	tcase_add_test(tc, test_json_check_rejects_bad_structure);
	tcase_add_test(tc, test_json_check_depth_limit_at_the_boundary);
	tcase_add_test(tc, test_json_check_validates_utf8_in_strings);
	tcase_add_test(tc, test_json_check_rejects_escaped_lone_surrogates);
	tcase_add_test(tc, test_utf8_valid);
	tcase_add_test(tc, test_json_corpus_y_accepted_n_rejected);
	tcase_add_test(tc, test_json_corpus_i_decisions);
	tcase_add_test(tc, test_path_parse_segments_and_quotes);
	tcase_add_test(tc, test_path_parse_rejects_bad_specs);
	tcase_add_test(tc, test_path_name_is_one_segment_dots_and_all);
	tcase_add_test(tc, test_json_get_finds_fields);
	tcase_add_test(tc, test_json_get_duplicate_keys_last_wins);
	tcase_add_test(tc, test_json_get_missing_and_non_object_paths);
	tcase_add_test(tc, test_json_get_many_single_pass);
	tcase_add_test(tc, test_json_get_many_more_paths_than_a_chunk);
	tcase_add_test(tc, test_json_check_many_agrees);
	tcase_add_test(tc, test_json_obj_and_arr_iteration);
	tcase_add_test(tc, test_json_int64_accepts_exact_integers);
	tcase_add_test(tc, test_json_int64_rejects_fractions_and_out_of_range);
	tcase_add_test(tc, test_json_double_parses_exactly);
	tcase_add_test(tc, test_json_double_fast_path_is_strtod);
	tcase_add_test(tc, test_json_double_decimal_fast_path_is_strtod);
	tcase_add_test(tc, test_json_bool);
	tcase_add_test(tc, test_json_str_unescapes);
	tcase_add_test(tc, test_json_str_eq_without_unescaping);
	tcase_add_test(tc, test_json_write_str_escapes_every_control_char);
	tcase_add_test(tc, test_json_write_str_replaces_invalid_utf8);
	tcase_add_test(tc, test_json_write_str_over_cap_leaves_buffer);
	tcase_add_test(tc, test_json_write_int);
	tcase_add_test(tc, test_json_write_double_round_trips);
	tcase_add_test(tc, test_json_fmt_double_matches_the_reference_form);
	tcase_add_test(tc, test_jobj_append_keeps_original_bytes);
	tcase_add_test(tc, test_jobj_append_rejects_non_objects);
	tcase_add_test(tc, test_jobj_builds_objects);
	suite_add_tcase(s, tc);
	return s;
}
