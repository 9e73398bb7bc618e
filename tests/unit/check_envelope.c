#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "err.h"
#include "unit.h"

static struct tide_env
msg(const char *key, const char *value)
{
	struct tide_env e;

	memset(&e, 0, sizeof(e));
	e.topic = "tx";
	e.topiclen = 2;
	e.partition = 3;
	e.offset = 1042;
	e.ts = 1764547200123LL;
	e.ts_type = TIDE_ENV_TS_CREATE;
	e.key = key;
	e.keylen = key ? strlen(key) : 0;
	e.value = value;
	e.len = value ? strlen(value) : 0;
	return e;
}

static const char *
enc(const struct tide_env *e)
{
	static struct tide_buf b = TIDE_BUF_INIT;

	tide_buf_reset(&b);
	ck_assert_int_eq(tide_env_encode(&b, e), 0);
	return tide_buf_cstr(&b);
}

#define HEAD "{\"topic\":\"tx\",\"partition\":3,\"offset\":1042,\"ts\":1764547200123,\"ts_type\":\"create\""

START_TEST(test_env_embeds_one_line_json_object_verbatim)
{
	struct tide_env_hdr h[2] = {
		{ "h", 1, "v", 1 },
		{ "h", 1, "w", 1 },
	};
	struct tide_env e = msg("a17", "{\"amount\": 12.50,\"x\":[1, 2]}");

	e.hdrs = h;
	e.nhdrs = 2;
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":\"a17\",\"headers\":[[\"h\",\"v\"],[\"h\",\"w\"]],"
	    "\"value\":{\"amount\": 12.50,\"x\":[1, 2]}}");
}
END_TEST

START_TEST(test_env_decoded_payloads_and_their_schema_ids)
{
	struct tide_env e = msg("\"k1\"", "\"just text\"");

	/* Decoded JSON text is written as it is, whatever it holds, each
	 * id after its payload. */
	e.key_as = TIDE_ENV_AS_JSON;
	e.value_as = TIDE_ENV_AS_JSON;
	e.has_key_schema_id = e.has_value_schema_id = 1;
	e.key_schema_id = 1;
	e.value_schema_id = 7;
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":\"k1\",\"key_schema_id\":1,"
	    "\"headers\":[],\"value\":\"just text\",\"value_schema_id\":7}");
	/* base64 whatever it holds; a null stays null. */
	e = msg(NULL, "{}");
	e.value_as = TIDE_ENV_AS_B64;
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],"
	    "\"value_b64\":\"e30=\"}");
	e = msg(NULL, NULL);
	e.value_as = TIDE_ENV_AS_JSON;
	e.has_value_schema_id = 1;
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],"
	    "\"value\":null,\"value_schema_id\":0}");
}
END_TEST

START_TEST(test_env_text_and_json_string_stay_different)
{
	struct tide_env e = msg(NULL, "hello");

	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],\"value\":\"hello\"}");
	e = msg(NULL, "\"hello\"");
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],\"value\":\"\\\"hello\\\"\"}");
}
END_TEST

START_TEST(test_env_bare_number_and_multiline_json_are_strings)
{
	struct tide_env e = msg("[1]", "42");

	ck_assert_str_eq(enc(&e), HEAD ",\"key\":[1],\"headers\":[],\"value\":\"42\"}");
	e = msg(NULL, "{\n\"a\":1\n}");
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],\"value\":\"{\\n\\\"a\\\":1\\n}\"}");
	/* Surrounding whitespace would be lost by embedding: a string. */
	e = msg(NULL, " {}");
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],\"value\":\" {}\"}");
	/* Braces that are not JSON: a string. */
	e = msg(NULL, "{nope}");
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],\"value\":\"{nope}\"}");
}
END_TEST

START_TEST(test_env_null_and_empty_payloads)
{
	struct tide_env e = msg(NULL, NULL);

	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],\"value\":null}");
	e = msg("", "");
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":\"\",\"headers\":[],\"value\":\"\"}");
}
END_TEST

START_TEST(test_env_binary_payloads_go_to_b64_fields)
{
	struct tide_env e = msg("\xff", "ab\xfe\xff");

	ck_assert_str_eq(enc(&e), HEAD ",\"key_b64\":\"/w==\",\"headers\":[],\"value_b64\":\"YWL+/w==\"}");
}
END_TEST

START_TEST(test_env_nul_byte_is_escaped_text)
{
	struct tide_env e = msg(NULL, NULL);

	e.value = "a\0b";
	e.len = 3;
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[],\"value\":\"a\\u0000b\"}");
}
END_TEST

START_TEST(test_env_headers_null_and_binary)
{
	struct tide_env_hdr h[3] = {
		{ "n", 1, NULL, 0 },
		{ "bin", 3, "\x80", 1 },
		{ "q\"", 2, "{\"j\":1}", 7 },
	};
	struct tide_env e = msg(NULL, "1");

	e.hdrs = h;
	e.nhdrs = 3;
	ck_assert_str_eq(enc(&e), HEAD ",\"key\":null,\"headers\":[[\"n\",null],"
	    "[\"bin\",{\"b64\":\"gA==\"}],[\"q\\\"\",\"{\\\"j\\\":1}\"]],\"value\":\"1\"}");
}
END_TEST

START_TEST(test_env_timestamp_types)
{
	struct tide_env e = msg(NULL, "x");

	e.ts_type = TIDE_ENV_TS_NONE;
	ck_assert_str_eq(enc(&e), "{\"topic\":\"tx\",\"partition\":3,\"offset\":1042,"
	    "\"ts\":null,\"ts_type\":\"none\",\"key\":null,\"headers\":[],\"value\":\"x\"}");
	e.ts_type = TIDE_ENV_TS_LOG_APPEND;
	e.ts = 5;
	ck_assert_str_eq(enc(&e), "{\"topic\":\"tx\",\"partition\":3,\"offset\":1042,"
	    "\"ts\":5,\"ts_type\":\"log_append\",\"key\":null,\"headers\":[],\"value\":\"x\"}");
}
END_TEST

START_TEST(test_env_payload_alone)
{
	struct tide_buf b = TIDE_BUF_INIT;
	int b64;

	ck_assert_int_eq(tide_env_payload(&b, "{\"a\":1}", 7, &b64), 0);
	ck_assert_int_eq(b64, 0);
	ck_assert_int_eq(tide_env_payload(&b, "hi", 2, &b64), 0);
	ck_assert_int_eq(tide_env_payload(&b, NULL, 0, &b64), 0);
	ck_assert_int_eq(tide_env_payload(&b, "\xc3", 1, &b64), 0);
	ck_assert_int_eq(b64, 1);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"a\":1}\"hi\"null\"ww==\"");
	tide_buf_release(&b);
}
END_TEST

/* Encode, decode, and compare every part byte for byte. */
static void
roundtrip(const char *key, size_t keylen, const char *val, size_t len,
    const struct tide_env_hdr *h, size_t nh, enum tide_env_ts_type tt)
{
	struct tide_env e = msg(NULL, NULL), *o;
	struct tide_env_dec d;
	struct tide_buf b = TIDE_BUF_INIT;
	size_t i;

	e.key = key;
	e.keylen = keylen;
	e.value = val;
	e.len = len;
	e.hdrs = h;
	e.nhdrs = nh;
	e.ts_type = tt;
	ck_assert_int_eq(tide_env_encode(&b, &e), 0);
	tide_env_dec_init(&d, 0);
	ck_assert_msg(tide_env_decode(&d, b.data, b.len) == 0, "%s: %s",
	    tide_buf_cstr(&b), d.reason);
	o = &d.env;
	ck_assert_uint_eq(o->topiclen, 2);
	ck_assert_int_eq(memcmp(o->topic, "tx", 2), 0);
	ck_assert_int_eq(o->partition, 3);
	ck_assert_int_eq(o->offset, 1042);
	ck_assert_int_eq(o->ts_type, tt);
	if (tt != TIDE_ENV_TS_NONE)
		ck_assert_int_eq(o->ts, 1764547200123LL);
	if (key == NULL)
		ck_assert_ptr_null(o->key);
	else {
		ck_assert_ptr_nonnull(o->key);
		ck_assert_uint_eq(o->keylen, keylen);
		ck_assert_int_eq(memcmp(o->key, key, keylen), 0);
	}
	if (val == NULL)
		ck_assert_ptr_null(o->value);
	else {
		ck_assert_ptr_nonnull(o->value);
		ck_assert_uint_eq(o->len, len);
		ck_assert_int_eq(memcmp(o->value, val, len), 0);
	}
	ck_assert_uint_eq(o->nhdrs, nh);
	for (i = 0; i < nh; i++) {
		ck_assert_uint_eq(o->hdrs[i].namelen, h[i].namelen);
		ck_assert_int_eq(memcmp(o->hdrs[i].name, h[i].name, h[i].namelen), 0);
		if (h[i].value == NULL)
			ck_assert_ptr_null(o->hdrs[i].value);
		else {
			ck_assert_ptr_nonnull(o->hdrs[i].value);
			ck_assert_uint_eq(o->hdrs[i].len, h[i].len);
			ck_assert_int_eq(memcmp(o->hdrs[i].value, h[i].value,
			    h[i].len), 0);
		}
	}
	tide_env_dec_release(&d);
	tide_buf_release(&b);
}

START_TEST(test_env_roundtrip_is_byte_exact)
{
	static const char *vals[] = {
		"{\"a\": 1 , \"b\":[true,null]}", "[1,2]", "hello", "\"hello\"",
		"42", "", "{\n}", " {} ", "{bad", "tab\there", "\xe2\x82\xac uro",
		"ab\xfe\xff", "\xc3\x28", "\\u0041",
	};
	struct tide_env_hdr h[4] = {
		{ "a", 1, "1", 1 }, { "a", 1, NULL, 0 }, { "b\xff", 2, "\x00\x01", 2 },
		{ "", 0, "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		roundtrip(vals[i], strlen(vals[i]), vals[i], strlen(vals[i]),
		    h, 4, TIDE_ENV_TS_CREATE);
		roundtrip(NULL, 0, vals[i], strlen(vals[i]), NULL, 0,
		    TIDE_ENV_TS_LOG_APPEND);
	}
	roundtrip("k", 1, NULL, 0, NULL, 0, TIDE_ENV_TS_NONE);
	roundtrip("a\0b", 3, "\0\0\0", 3, h, 1, TIDE_ENV_TS_CREATE);
}
END_TEST

START_TEST(test_env_roundtrip_all_byte_values)
{
	char v[256];
	int i;

	for (i = 0; i < 256; i++)
		v[i] = (char)i;
	roundtrip(v, 256, v, 256, NULL, 0, TIDE_ENV_TS_CREATE);
	roundtrip(v, 128, v, 128, NULL, 0, TIDE_ENV_TS_CREATE);
}
END_TEST

/* Found by fuzz_envelope: a long base64 payload made the decoder grow
 * (and move) its buffer while reading from it. */
START_TEST(test_env_roundtrip_long_binary)
{
	static char v[70000];
	size_t n;

	memset(v, 0xff, sizeof(v));
	for (n = 1; n <= sizeof(v); n = n * 3 + 1)
		roundtrip(v, n, v, n, NULL, 0, TIDE_ENV_TS_CREATE);
}
END_TEST

START_TEST(test_env_decode_any_order_and_unknown_fields)
{
	struct tide_env_dec d;
	const char *line = " {\"extra\":{\"x\":[1]},\"value\":{\"v\":1},\"ts\":7,"
	    "\"key\":\"k\",\"partition\":null} ";

	tide_env_dec_init(&d, 0);
	ck_assert_int_eq(tide_env_decode(&d, line, strlen(line)), 0);
	ck_assert_uint_eq(d.env.len, 7);
	ck_assert_int_eq(memcmp(d.env.value, "{\"v\":1}", 7), 0);
	ck_assert_int_eq(d.env.ts, 7);
	ck_assert_int_eq(d.env.ts_type, TIDE_ENV_TS_CREATE);
	ck_assert_int_eq(d.env.partition, -1);
	ck_assert_int_eq(d.env.offset, -1);
	ck_assert_ptr_null(d.env.topic);
	ck_assert_uint_eq(d.env.nhdrs, 0);
	ck_assert_uint_eq(d.env.keylen, 1);
	ck_assert_int_eq(d.env.key[0], 'k');
	tide_env_dec_release(&d);
}
END_TEST

START_TEST(test_env_decode_reads_the_schema_ids_back)
{
	struct tide_env_dec d;
	const char *with = "{\"key\":\"k\",\"key_schema_id\":3,"
	    "\"value\":{\"v\":1},\"value_schema_id\":2147483647}";
	const char *without = "{\"value\":{\"v\":1},\"value_schema_id\":null}";

	tide_env_dec_init(&d, 0);
	ck_assert_int_eq(tide_env_decode(&d, with, strlen(with)), 0);
	ck_assert_int_eq(d.env.has_key_schema_id, 1);
	ck_assert_int_eq(d.env.key_schema_id, 3);
	ck_assert_int_eq(d.env.has_value_schema_id, 1);
	ck_assert_int_eq(d.env.value_schema_id, 2147483647);
	/* The next envelope of the same decoder has none. */
	ck_assert_int_eq(tide_env_decode(&d, without, strlen(without)), 0);
	ck_assert_int_eq(d.env.has_key_schema_id, 0);
	ck_assert_int_eq(d.env.has_value_schema_id, 0);
	tide_env_dec_release(&d);
}
END_TEST

/* One bad envelope: its code and the reason's text. */
static void
bad(const char *line, int code, const char *why)
{
	struct tide_env_dec d;
	int r;

	tide_env_dec_init(&d, 0);
	r = tide_env_decode(&d, line, strlen(line));
	ck_assert_msg(r == code, "%s: got %d, want %d", line, r, code);
	ck_assert_ptr_nonnull(d.reason);
	ck_assert_msg(strstr(d.reason, why) != NULL, "%s: reason '%s'", line,
	    d.reason);
	tide_env_dec_release(&d);
}

START_TEST(test_env_decode_rejects_bad_envelopes)
{
	bad("not json", TIDE_EJSON, "not a JSON object");
	bad("[1,2]", TIDE_EJSON, "not a JSON object");
	bad("{\"value\":1", TIDE_EJSON, "not a JSON object");
	bad("{\"key\":\"k\"}", TIDE_ENOENT, "no value");
	bad("{\"value\":12}", TIDE_ETYPE, "payload");
	bad("{\"value\":true}", TIDE_ETYPE, "payload");
	bad("{\"value_b64\":\"***\"}", TIDE_EINVAL, "bad base64");
	bad("{\"value_b64\":5}", TIDE_ETYPE, "base64");
	bad("{\"value\":\"a\",\"value_b64\":\"YQ==\"}", TIDE_EINVAL, "twice");
	bad("{\"key\":\"a\",\"key_b64\":\"YQ==\",\"value\":null}", TIDE_EINVAL, "twice");
	bad("{\"value\":null,\"partition\":\"3\"}", TIDE_ETYPE, "partition");
	bad("{\"value\":null,\"partition\":2147483648}", TIDE_ERANGE, "partition");
	bad("{\"value\":null,\"partition\":1.5}", TIDE_ETYPE, "partition");
	bad("{\"value\":null,\"ts\":-1}", TIDE_ERANGE, "ts");
	bad("{\"value\":null,\"ts\":\"2026-01-01\"}", TIDE_ETYPE, "ts");
	bad("{\"value\":null,\"ts_type\":\"later\"}", TIDE_EINVAL, "ts_type");
	bad("{\"value\":null,\"headers\":{}}", TIDE_ETYPE, "headers");
	bad("{\"value\":null,\"headers\":[\"h\"]}", TIDE_ETYPE, "pair");
	bad("{\"value\":null,\"headers\":[[\"h\"]]}", TIDE_ETYPE, "pair");
	bad("{\"value\":null,\"headers\":[[\"h\",\"v\",\"w\"]]}", TIDE_ETYPE, "pair");
	bad("{\"value\":null,\"headers\":[[null,\"v\"]]}", TIDE_ETYPE, "name is null");
	bad("{\"value\":null,\"headers\":[[\"h\",1]]}", TIDE_ETYPE, "header");
	bad("{\"value\":null,\"headers\":[[\"h\",{\"x\":\"YQ==\"}]]}", TIDE_ETYPE, "header");
	bad("{\"value\":null,\"topic\":1}", TIDE_ETYPE, "topic");
	bad("{\"value\":null,\"value_schema_id\":\"7\"}", TIDE_ETYPE,
	    "value_schema_id is not a schema id");
	bad("{\"value\":null,\"value_schema_id\":-1}", TIDE_ERANGE,
	    "value_schema_id is not a schema id");
	bad("{\"value\":null,\"key_schema_id\":2147483648}", TIDE_ERANGE,
	    "key_schema_id is not a schema id");
}
END_TEST

START_TEST(test_env_decode_caps_decoded_size)
{
	struct tide_env_dec d;
	const char *line = "{\"value\":\"0123456789abcdef\"}";

	tide_env_dec_init(&d, 8);
	ck_assert_int_eq(tide_env_decode(&d, line, strlen(line)), TIDE_ETOOBIG);
	tide_env_dec_release(&d);
}
END_TEST

START_TEST(test_env_decoder_reuse_keeps_results_apart)
{
	struct tide_env_dec d;
	const char *a = "{\"value\":\"first\",\"headers\":[[\"a\",\"1\"],[\"b\",\"2\"]]}";
	const char *b = "{\"value_b64\":\"AAE=\"}";

	tide_env_dec_init(&d, 0);
	ck_assert_int_eq(tide_env_decode(&d, a, strlen(a)), 0);
	ck_assert_uint_eq(d.env.nhdrs, 2);
	ck_assert_int_eq(memcmp(d.env.hdrs[1].value, "2", 1), 0);
	ck_assert_int_eq(tide_env_decode(&d, b, strlen(b)), 0);
	ck_assert_uint_eq(d.env.nhdrs, 0);
	ck_assert_uint_eq(d.env.len, 2);
	ck_assert_int_eq(memcmp(d.env.value, "\0\1", 2), 0);
	ck_assert_int_eq(d.env.ts_type, TIDE_ENV_TS_NONE);
	tide_env_dec_release(&d);
}
END_TEST

/* Why path is absent from doc, as tide_env_why_absent() says it. */
static const char *
why(const char *doc, const char *path)
{
	static char buf[160];
	struct tide_path p;

	ck_assert_int_eq(tide_path_parse(&p, path), 0);
	tide_env_why_absent(doc, strlen(doc), &p, buf, sizeof(buf));
	tide_path_release(&p);
	return buf;
}

START_TEST(test_env_why_absent_says_what_the_value_is)
{
	ck_assert_str_eq(why("{\"offset\":1,\"value\":null}", "value.ts"),
	    ": value is null (tombstone)");
	ck_assert_str_eq(why("{\"topic\":\"t\",\"value\":[1]}", "value.ts"),
	    ": value is not an object: array");
	ck_assert_str_eq(why("{\"topic\":\"t\",\"value\":\"abc\"}", "value.ts"),
	    ": value is not JSON: \"abc\"");
	ck_assert_str_eq(why("{\"topic\":\"t\",\"value\":\"\"}", "value.ts"),
	    ": value is empty");
	ck_assert_str_eq(why("{\"topic\":\"t\",\"value\":\"true\"}", "value.ts"),
	    ": value is not an object: boolean");
	ck_assert_str_eq(why("{\"topic\":\"t\",\"value\":\"" "xxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", "value.ts"),
	    ": value is not JSON: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...");
	/* Not an envelope, or not its value: the field on the way. */
	ck_assert_str_eq(why("{\"value\":null}", "value.ts"),
	    ": 'value' is null");
	ck_assert_str_eq(why("{\"a\":{\"b\":\"x\"}}", "a.b.c"),
	    ": 'a.b' is not an object: string");
	ck_assert_str_eq(why("{\"topic\":\"t\",\"card\":[1]}", "card.bin"),
	    ": 'card' is not an object: array");
	/* Simply missing: nothing to add. */
	ck_assert_str_eq(why("{\"topic\":\"t\",\"value\":{}}", "value.ts"), "");
	ck_assert_str_eq(why("{\"a\":1}", "ts"), "");
	ck_assert_str_eq(why("{\"a\":1}", "b.c"), "");
}
END_TEST

Suite *
suite_envelope(void)
{
	Suite *s = suite_create("envelope");
	TCase *tc = tcase_create("envelope");

	tcase_add_test(tc, test_env_embeds_one_line_json_object_verbatim);
	tcase_add_test(tc, test_env_text_and_json_string_stay_different);
	tcase_add_test(tc, test_env_decoded_payloads_and_their_schema_ids);
	tcase_add_test(tc, test_env_bare_number_and_multiline_json_are_strings);
	tcase_add_test(tc, test_env_null_and_empty_payloads);
	tcase_add_test(tc, test_env_binary_payloads_go_to_b64_fields);
	tcase_add_test(tc, test_env_nul_byte_is_escaped_text);
	tcase_add_test(tc, test_env_headers_null_and_binary);
	tcase_add_test(tc, test_env_timestamp_types);
	tcase_add_test(tc, test_env_payload_alone);
	tcase_add_test(tc, test_env_roundtrip_is_byte_exact);
	tcase_add_test(tc, test_env_roundtrip_all_byte_values);
	tcase_add_test(tc, test_env_roundtrip_long_binary);
	tcase_add_test(tc, test_env_decode_any_order_and_unknown_fields);
	tcase_add_test(tc, test_env_decode_reads_the_schema_ids_back);
	tcase_add_test(tc, test_env_decode_rejects_bad_envelopes);
	tcase_add_test(tc, test_env_decode_caps_decoded_size);
	tcase_add_test(tc, test_env_decoder_reuse_keeps_results_apart);
	tcase_add_test(tc, test_env_why_absent_says_what_the_value_is);
	suite_add_tcase(s, tc);
	return s;
}
