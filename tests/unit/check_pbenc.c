#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "schema/pbenc.h"
#include "schema/pbuf.h"
#include "unit.h"

/*
 * lib/schema/pbenc: JSON to Protobuf, the bytes written out by hand (tags
 * are field << 3 | wire type; zig-zag and two's complement varints), the
 * failures with their paths, lengths that widen in place, the depth
 * bound, and decoding what was encoded (lib/schema/pbuf) giving the JSON
 * back.  The set is compiled by protoc, so the tests need it.
 */

static const char proto[] =
    "syntax = \"proto3\";\npackage u;\n"
    "import \"google/protobuf/timestamp.proto\";\n"
    "import \"google/protobuf/struct.proto\";\n"
    "message M {\n"
    "  enum E { ZERO = 0; ONE = 1; }\n"
    "  int32 i = 1; sint64 s = 2; uint64 u = 3; string str = 4;\n"
    "  bytes b = 5; E e = 6; repeated int32 r = 7; M sub = 8;\n"
    "  map<string, int32> m = 9; double d = 10; fixed32 f = 11;\n"
    "  bool ok = 12; google.protobuf.Timestamp at = 13;\n"
    "  repeated string rs = 14; float fl = 15;\n"
    "  google.protobuf.NullValue nv = 16;\n"
    "}\n";

static struct tide_pbuf *
compile(void)
{
	struct tide_pbuf_src s = { "u.proto", proto, sizeof(proto) - 1 };
	struct tide_pbuf *p;
	char err[512];

	if (access("/usr/bin/protoc", X_OK) != 0)
		return NULL;
	p = tide_pbuf_compile(&s, 1, 0, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	return p;
}

static char *
hex(const struct tide_buf *b, size_t from)
{
	static char h[4096];
	size_t i, k = 0;

	for (i = from; i < b->len && k + 3 < sizeof(h); i++)
		k += (size_t)snprintf(h + k, sizeof(h) - k, "%s%02x", i > from ?
		    " " : "", (unsigned char)b->data[i]);
	h[k] = '\0';
	return h;
}

START_TEST(test_pbenc_writes_each_kind_of_field)
{
	static const struct {
		const char *json, *want;
	} t[] = {
		{ "{}", "" },
		{ "{\"i\":-1}", "08 ff ff ff ff ff ff ff ff ff 01" },
		{ "{\"i\":\"150\"}", "08 96 01" },
		{ "{\"i\":1e2}", "08 64" },
		{ "{\"s\":-2}", "10 03" },
		{ "{\"u\":\"18446744073709551615\"}",
		    "18 ff ff ff ff ff ff ff ff ff 01" },
		{ "{\"str\":\"h\\u00e9\"}", "22 03 68 c3 a9" },
		{ "{\"b\":\"aGk=\"}", "2a 02 68 69" },
		{ "{\"e\":\"ONE\"}", "30 01" },
		{ "{\"e\":7}", "30 07" },
		{ "{\"r\":[1,2,300]}", "3a 04 01 02 ac 02" },
		{ "{\"r\":[]}", "" },
		{ "{\"sub\":{\"i\":1,\"sub\":{}}}", "42 04 08 01 42 00" },
		{ "{\"m\":{\"a\":1}}", "4a 05 0a 01 61 10 01" },
		{ "{\"d\":\"-Infinity\"}", "51 00 00 00 00 00 00 f0 ff" },
		{ "{\"f\":1}", "5d 01 00 00 00" },
		{ "{\"ok\":false}", "60 00" },
		{ "{\"at\":\"1970-01-01T00:00:01.5Z\"}",
		    "6a 08 08 01 10 80 ca b5 ee 01" },
		{ "{\"at\":\"1970-01-01T01:00:00+01:00\"}", "6a 00" },
		{ "{\"rs\":[\"a\",\"\"]}", "72 01 61 72 00" },
		{ "{\"fl\":0.5}", "7d 00 00 00 3f" },
		{ "{\"nope\":[1],\"i\":null,\"sub\":null}", "" },
		/* A field named twice: the last, as tide's readers take it. */
		{ "{\"i\":1,\"i\":2}", "08 02" },
		{ "{\"r\":[1],\"str\":\"a\",\"r\":[2]}", "22 01 61 3a 01 02" },
		{ "{\"i\":1,\"i\":null}", "" },
		{ "{\"nv\":null}", "80 01 00" },
		{ "{\"nv\":\"NULL_VALUE\"}", "80 01 00" },
	};
	struct tide_pbuf *p = compile();
	struct tide_pbenc *e;
	struct tide_buf out = TIDE_BUF_INIT;
	char err[256];
	size_t i;

	if (!p)
		return;
	e = tide_pbenc_new(p, tide_pbuf_find(p, "u.M"));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tide_buf_reset(&out);
		ck_assert_msg(tide_pbenc_encode(e, t[i].json, strlen(t[i].json),
		    &out, err, sizeof(err)) == 0, "%s: %s", t[i].json, err);
		ck_assert_msg(strcmp(hex(&out, 0), t[i].want) == 0,
		    "%s: %s, not %s", t[i].json, hex(&out, 0), t[i].want);
	}
	tide_buf_release(&out);
	tide_pbenc_free(e);
	tide_pbuf_free(p);
}
END_TEST

START_TEST(test_pbenc_a_record_that_does_not_fit_names_the_field)
{
	static const struct {
		const char *json, *want;
		int code;
	} t[] = {
		{ "{\"i\":2147483648}", "i: 2147483648 is out of range for "
		    "int32", TIDE_ETYPE },
		{ "{\"i\":1.5}", "i: 1.5 is not an integer", TIDE_ETYPE },
		{ "{\"i\":\"1x\"}", "i: \"1x\" is not a number", TIDE_ETYPE },
		{ "{\"u\":-1}", "u: -1 is out of range for uint64", TIDE_ETYPE },
		{ "{\"str\":1}", "str: a number where the schema has string",
		    TIDE_ETYPE },
		{ "{\"b\":\"a\"}", "b: \"a\" is not base64", TIDE_ETYPE },
		{ "{\"e\":\"TWO\"}", "e: no value TWO in the enum", TIDE_ETYPE },
		{ "{\"r\":[1,\"x\"]}", "r[1]: \"x\" is not a number",
		    TIDE_ETYPE },
		{ "{\"sub\":{\"sub\":{\"ok\":null,\"ok\":2}}}",
		    "sub.sub.ok: a number where the schema has bool",
		    TIDE_ETYPE },
		{ "{\"m\":{\"k\":\"v\"}}", "m[k]: \"v\" is not a number",
		    TIDE_ETYPE },
		{ "{\"m\":[]}", "m: an array where the schema has a map (an "
		    "object)", TIDE_ETYPE },
		{ "{\"rs\":[null]}", "rs[0]: null in a repeated field",
		    TIDE_ETYPE },
		{ "{\"at\":\"2024-02-30T00:00:00Z\"}", "at: \"2024-02-30T00:00:"
		    "00Z\" is not an RFC 3339 time in years 1 to 9999",
		    TIDE_ETYPE },
		{ "{\"fl\":1e39}", "fl: 1e39 is out of range for float",
		    TIDE_ETYPE },
		{ "\"x\"", "a string where the schema has a message (an "
		    "object)", TIDE_ETYPE },
		{ "{\"nv\":-8}", "nv: -8 where the schema has "
		    "google.protobuf.NullValue (null)", TIDE_ETYPE },
		{ "{", "not JSON: unexpected end of document at byte 1", TIDE_EJSON },
	};
	struct tide_pbuf *p = compile();
	struct tide_pbenc *e;
	struct tide_buf out = TIDE_BUF_INIT;
	char err[256];
	size_t i;

	if (!p)
		return;
	e = tide_pbenc_new(p, tide_pbuf_find(p, "u.M"));
	tide_buf_add(&out, "keep", 4);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(tide_pbenc_encode(e, t[i].json, strlen(t[i].json),
		    &out, err, sizeof(err)) == t[i].code, "%s", t[i].json);
		ck_assert_str_eq(err, t[i].want);
		/* A failure leaves out as it was. */
		ck_assert_uint_eq(out.len, 4);
	}
	tide_buf_release(&out);
	tide_pbenc_free(e);
	tide_pbuf_free(p);
}
END_TEST

/* A length past 127 takes more bytes: the value moves, once. */
START_TEST(test_pbenc_long_lengths_widen_in_place)
{
	struct tide_pbuf *p = compile();
	struct tide_pbenc *e;
	struct tide_buf in = TIDE_BUF_INIT, out = TIDE_BUF_INIT;
	char err[256];
	size_t n;

	if (!p)
		return;
	e = tide_pbenc_new(p, tide_pbuf_find(p, "u.M"));
	for (n = 127; n <= 20000; n = n == 127 ? 128 : n == 128 ? 16384 :
	    20001) {
		tide_buf_reset(&in);
		tide_buf_adds(&in, "{\"sub\":{\"str\":\"");
		for (size_t k = 0; k < n; k++)
			tide_buf_addc(&in, (char)('a' + k % 26));
		tide_buf_adds(&in, "\"},\"i\":1}");
		tide_buf_reset(&out);
		ck_assert_int_eq(tide_pbenc_encode(e, in.data, in.len, &out,
		    err, sizeof(err)), 0);
		/* sub: tag, length of (tag, length, n), then i. */
		ck_assert_uint_eq((unsigned char)out.data[0], 0x42);
		ck_assert_mem_eq(out.data + out.len - 2, "\x08\x01", 2);
		if (n == 127)
			ck_assert_mem_eq(out.data, "\x42\x81\x01\x22\x7f", 5);
		if (n == 128)
			ck_assert_mem_eq(out.data, "\x42\x83\x01\x22\x80\x01",
			    6);
		if (n == 16384)
			ck_assert_mem_eq(out.data,
			    "\x42\x84\x80\x01\x22\x80\x80\x01", 8);
	}
	tide_buf_release(&in);
	tide_buf_release(&out);
	tide_pbenc_free(e);
	tide_pbuf_free(p);
}
END_TEST

START_TEST(test_pbenc_depth_is_bounded)
{
	struct tide_pbuf *p = compile();
	struct tide_pbenc *e;
	struct tide_buf in = TIDE_BUF_INIT, out = TIDE_BUF_INIT;
	char err[1024];
	int k;

	if (!p)
		return;
	e = tide_pbenc_new(p, tide_pbuf_find(p, "u.M"));
	for (k = 0; k < 70; k++)
		tide_buf_adds(&in, "{\"sub\":");
	tide_buf_adds(&in, "{}");
	for (k = 0; k < 70; k++)
		tide_buf_addc(&in, '}');
	ck_assert_int_eq(tide_pbenc_encode(e, in.data, in.len, &out, err,
	    sizeof(err)), TIDE_EDEPTH);
	ck_assert_ptr_nonnull(strstr(err, "sub.sub: nested deeper than 64"));
	ck_assert_uint_eq(out.len, 0);
	tide_buf_release(&in);
	tide_buf_release(&out);
	tide_pbenc_free(e);
	tide_pbuf_free(p);
}
END_TEST

/* What the decoder writes, encoded, decodes to the same JSON. */
START_TEST(test_pbenc_round_trips_through_the_decoder)
{
	static const char *const t[] = {
		"{\"i\":-7,\"s\":-9000000000,\"u\":18446744073709551615,"
		    "\"str\":\"x\\\"y\",\"b\":\"AAE=\",\"e\":\"ONE\","
		    "\"r\":[1,-1],\"sub\":{\"m\":{\"k\":2}},\"d\":0.1,"
		    "\"f\":4294967295,\"ok\":true,"
		    "\"at\":\"2026-12-07T10:00:00.250Z\",\"rs\":[\"p\",\"q\"],"
		    "\"fl\":1.1}",
		"{\"e\":5,\"d\":\"NaN\",\"sub\":{}}",
	};
	struct tide_pbuf *p = compile();
	const struct tide_pbuf_msg *m;
	struct tide_pbenc *e;
	struct tide_buf out = TIDE_BUF_INIT, json = TIDE_BUF_INIT;
	char err[256];
	size_t i;

	if (!p)
		return;
	m = tide_pbuf_find(p, "u.M");
	e = tide_pbenc_new(p, m);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tide_buf_reset(&out);
		tide_buf_reset(&json);
		ck_assert_int_eq(tide_pbenc_encode(e, t[i], strlen(t[i]), &out,
		    err, sizeof(err)), 0);
		ck_assert_int_eq(tide_pbuf_decode(p, m, out.data, out.len, 0,
		    &json, err, sizeof(err)), 0);
		ck_assert_str_eq(tide_buf_cstr(&json), t[i]);
	}
	tide_buf_release(&out);
	tide_buf_release(&json);
	tide_pbenc_free(e);
	tide_pbuf_free(p);
}
END_TEST

Suite *
suite_pbenc(void)
{
	Suite *s = suite_create("pbenc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_pbenc_writes_each_kind_of_field);
	tcase_add_test(tc, test_pbenc_a_record_that_does_not_fit_names_the_field);
	tcase_add_test(tc, test_pbenc_long_lengths_widen_in_place);
	tcase_add_test(tc, test_pbenc_depth_is_bounded);
	tcase_add_test(tc, test_pbenc_round_trips_through_the_decoder);
	suite_add_tcase(s, tc);
	return s;
}
