#include <string.h>

#include "err.h"
#include "schema/sreg.h"
#include "schema/wire.h"
#include "unit.h"

START_TEST(test_wire_fmt_parse_knows_the_seven_formats)
{
	static const char *names[] = {
		"auto", "json", "avro", "protobuf", "string", "bytes",
		"protobuf-raw"
	};
	enum tide_wire_fmt f;
	int i;

	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(tide_wire_fmt_parse(names[i], &f), 0);
		ck_assert_int_eq(f, i);
	}
	ck_assert_int_eq(tide_wire_fmt_parse("Avro", &f), TIDE_EINVAL);
	ck_assert_int_eq(tide_wire_fmt_parse("", &f), TIDE_EINVAL);
	ck_assert_int_eq(tide_wire_fmt_parse("protobuf-", &f), TIDE_EINVAL);
}
END_TEST

START_TEST(test_wire_auto_without_a_registry_is_as_it_is)
{
	struct tide_wire w;
	struct tide_wire_out o;
	static const char framed[] = "\0\0\0\0\1\2";

	tide_wire_init(&w, NULL, TIDE_WIRE_AUTO, TIDE_WIRE_AUTO,
	    TIDE_AVRO_PLAIN);
	ck_assert(!tide_wire_active(&w));
	ck_assert_int_eq(tide_wire_decode(&w, 1, framed, 6, &o), 0);
	ck_assert_int_eq(o.as, TIDE_WIRE_ASIS);
	ck_assert_ptr_eq(o.p, framed);
	ck_assert_int_eq(o.schema_id, -1);
	ck_assert_int_eq(tide_wire_decode(&w, 0, NULL, 0, &o), 0);
	ck_assert_ptr_null(o.p);
	tide_wire_release(&w);
}
END_TEST

/* A value read as it is that looks framed: byte 0, then an id from 1 to
 * 2^24 - 1; and when a wire reads values as they are. */
START_TEST(test_wire_framed_id)
{
	struct tide_wire w;

	ck_assert_int_eq(tide_wire_framed_id("\0\0\0\0\1", 5), 1);
	ck_assert_int_eq(tide_wire_framed_id("\0\0\0\1\0\2\6ann", 9), 256);
	ck_assert_int_eq(tide_wire_framed_id("\0\0\xff\xff\xff", 5),
	    0xffffff);
	ck_assert_int_eq(tide_wire_framed_id("\0\1\0\0\0\2", 6), 0);
	ck_assert_int_eq(tide_wire_framed_id("\0\0\0\0\0\2", 6), 0);
	ck_assert_int_eq(tide_wire_framed_id("\0\0\0\0", 4), 0);
	ck_assert_int_eq(tide_wire_framed_id("\1\0\0\0\1", 5), 0);
	ck_assert_int_eq(tide_wire_framed_id("{\"a\":1}", 7), 0);
	ck_assert_int_eq(tide_wire_framed_id(NULL, 0), 0);
	tide_wire_init(&w, NULL, TIDE_WIRE_AUTO, TIDE_WIRE_AUTO,
	    TIDE_AVRO_PLAIN);
	ck_assert(tide_wire_watch(&w));
	tide_wire_release(&w);
	tide_wire_init(&w, NULL, TIDE_WIRE_STRING, TIDE_WIRE_AUTO,
	    TIDE_AVRO_PLAIN);
	ck_assert(tide_wire_watch(&w));
	tide_wire_release(&w);
	tide_wire_init(&w, NULL, TIDE_WIRE_AUTO, TIDE_WIRE_JSON,
	    TIDE_AVRO_PLAIN);
	ck_assert(!tide_wire_watch(&w));
	tide_wire_release(&w);
}
END_TEST

/* With a registry, a first byte 0 is the framing's: a payload short of its
 * 5 bytes is bad input (without asking the registry); an empty one, or
 * one that starts otherwise, is as it is. */
START_TEST(test_wire_auto_short_of_the_framing_is_bad)
{
	struct tide_sreg_conf c = { 0 };
	struct tide_sreg *r;
	struct tide_wire w;
	struct tide_wire_out o;
	char err[256];

	c.url = "http://127.0.0.1:1";
	c.connect_timeout_ms = 100;
	ck_assert_ptr_nonnull(r = tide_sreg_new(&c, err, sizeof(err)));
	tide_wire_init(&w, r, TIDE_WIRE_AUTO, TIDE_WIRE_AUTO,
	    TIDE_AVRO_PLAIN);
	ck_assert(tide_wire_active(&w));
	ck_assert_int_eq(tide_wire_decode(&w, 1, "\0\0\0", 3, &o),
	    TIDE_EFORMAT);
	ck_assert_str_eq(w.err, "value: 3 bytes, short of the Confluent "
	    "framing's 5");
	ck_assert_int_eq(tide_wire_decode(&w, 0, "\0", 1, &o), TIDE_EFORMAT);
	ck_assert_str_eq(w.err, "key: 1 bytes, short of the Confluent "
	    "framing's 5");
	ck_assert(tide_wire_bad(TIDE_EFORMAT));
	ck_assert_int_eq(tide_wire_decode(&w, 1, "", 0, &o), 0);
	ck_assert_int_eq(o.as, TIDE_WIRE_ASIS);
	ck_assert_uint_eq(o.n, 0);
	ck_assert_int_eq(tide_wire_decode(&w, 1, "ab\0", 3, &o), 0);
	ck_assert_int_eq(o.as, TIDE_WIRE_ASIS);
	ck_assert_int_eq(tide_wire_decode(&w, 0, "\x01\0\0", 3, &o), 0);
	ck_assert_int_eq(o.as, TIDE_WIRE_ASIS);
	tide_wire_release(&w);
	tide_sreg_free(r);
}
END_TEST

/* The options into formats and the JSON form: --decimal-format number is
 * or'd into --avro-json's form. */
START_TEST(test_wire_opts_check)
{
	struct tide_wire_opts wo = { 0 };
	enum tide_wire_fmt kf, vf;
	enum tide_avro_json form;

	ck_assert_ptr_null(tide_wire_opts_check(&wo, &kf, &vf, &form));
	ck_assert_int_eq(kf, TIDE_WIRE_AUTO);
	ck_assert_int_eq(form, TIDE_AVRO_PLAIN);
	wo.json = "spec";
	wo.decimal = "number";
	wo.value = "avro";
	ck_assert_ptr_null(tide_wire_opts_check(&wo, &kf, &vf, &form));
	ck_assert_int_eq(vf, TIDE_WIRE_AVRO);
	ck_assert_int_eq(form, TIDE_AVRO_SPEC | TIDE_AVRO_DECNUM);
	wo.json = NULL;
	wo.decimal = "string";
	ck_assert_ptr_null(tide_wire_opts_check(&wo, &kf, &vf, &form));
	ck_assert_int_eq(form, TIDE_AVRO_PLAIN);
	wo.decimal = "float";
	ck_assert_str_eq(tide_wire_opts_check(&wo, &kf, &vf, &form),
	    "--decimal-format: not string or number");
}
END_TEST

START_TEST(test_wire_string_and_bytes_force_their_form)
{
	struct tide_wire w;
	struct tide_wire_out o;

	tide_wire_init(&w, NULL, TIDE_WIRE_STRING, TIDE_WIRE_BYTES,
	    TIDE_AVRO_PLAIN);
	ck_assert_int_eq(tide_wire_decode(&w, 0, "{\"a\":1}", 7, &o), 0);
	ck_assert_int_eq(o.as, TIDE_WIRE_TEXT);
	ck_assert_uint_eq(o.n, 11);
	ck_assert_int_eq(memcmp(o.p, "\"{\\\"a\\\":1}\"", 11), 0);
	ck_assert_int_eq(tide_wire_decode(&w, 1, "hi", 2, &o), 0);
	ck_assert_int_eq(o.as, TIDE_WIRE_B64);
	tide_wire_release(&w);
}
END_TEST

START_TEST(test_wire_avro_and_protobuf_need_a_schema)
{
	struct tide_wire w;
	struct tide_wire_out o;

	tide_wire_init(&w, NULL, TIDE_WIRE_PROTOBUF, TIDE_WIRE_AVRO,
	    TIDE_AVRO_PLAIN);
	ck_assert(tide_wire_active(&w));
	ck_assert_int_eq(tide_wire_decode(&w, 1, "\0\0\0\0\1\2", 6, &o),
	    TIDE_EINVAL);
	ck_assert_str_eq(w.err, "value: --value-format avro needs "
	    "--schema-registry");
	ck_assert_int_eq(tide_wire_decode(&w, 0, "x", 1, &o), TIDE_EINVAL);
	ck_assert_str_eq(w.err, "key: --key-format protobuf needs "
	    "--schema-registry or --proto-descriptor");
	tide_wire_release(&w);
}
END_TEST

/* Schemaless: field numbers and wire types, the Confluent framing and its
 * message indexes skipped (its id kept); a payload that is no message is
 * the record's fault. */
START_TEST(test_wire_protobuf_raw)
{
	struct tide_wire w;
	struct tide_wire_out o;
	static const char bare[] = "\x08\x96\x01\x12\x02hi";
	static const char framed[] = "\0\0\0\0\x2a\x04\x02\x00\x08\x05";
	static const char want[] = "{\"1\":{\"varint\":150},"
	    "\"2\":{\"len\":\"aGk=\"}}";

	tide_wire_init(&w, NULL, TIDE_WIRE_PROTOBUF_RAW,
	    TIDE_WIRE_PROTOBUF_RAW, TIDE_AVRO_PLAIN);
	ck_assert(!tide_wire_active(&w));
	ck_assert_int_eq(tide_wire_decode(&w, 1, bare, 7, &o), 0);
	ck_assert_int_eq(o.as, TIDE_WIRE_TEXT);
	ck_assert_int_eq(o.schema_id, -1);
	ck_assert_uint_eq(o.n, strlen(want));
	ck_assert_int_eq(memcmp(o.p, want, o.n), 0);
	ck_assert_int_eq(tide_wire_decode(&w, 0, framed, 10, &o), 0);
	ck_assert_int_eq(o.schema_id, 42);
	ck_assert_uint_eq(o.n, 18);
	ck_assert_int_eq(memcmp(o.p, "{\"1\":{\"varint\":5}}", 18), 0);
	ck_assert_int_eq(tide_wire_decode(&w, 0, framed, 6, &o),
	    TIDE_EFORMAT);
	ck_assert_str_eq(w.err, "key: the Confluent message indexes do not "
	    "read");
	ck_assert_int_eq(tide_wire_decode(&w, 0, framed, 3, &o),
	    TIDE_EFORMAT);
	ck_assert_int_eq(tide_wire_decode(&w, 1, "\x0f", 1, &o),
	    TIDE_EFORMAT);
	ck_assert(tide_wire_bad(TIDE_EFORMAT));
	tide_wire_release(&w);
}
END_TEST

START_TEST(test_wire_bad_tells_the_record_from_the_registry)
{
	ck_assert(tide_wire_bad(TIDE_EFORMAT));
	ck_assert(tide_wire_bad(TIDE_ENOENT));
	ck_assert(tide_wire_bad(TIDE_EINVAL));
	ck_assert(!tide_wire_bad(TIDE_EAGAIN));
	ck_assert(tide_wire_bad(TIDE_EDEPTH));
	ck_assert(!tide_wire_bad(TIDE_EIO));
}
END_TEST

Suite *
suite_wire(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_wire_fmt_parse_knows_the_seven_formats);
	tcase_add_test(tc, test_wire_auto_without_a_registry_is_as_it_is);
	tcase_add_test(tc, test_wire_auto_short_of_the_framing_is_bad);
	tcase_add_test(tc, test_wire_framed_id);
	tcase_add_test(tc, test_wire_opts_check);
	tcase_add_test(tc, test_wire_string_and_bytes_force_their_form);
	tcase_add_test(tc, test_wire_avro_and_protobuf_need_a_schema);
	tcase_add_test(tc, test_wire_protobuf_raw);
	tcase_add_test(tc, test_wire_bad_tells_the_record_from_the_registry);
	suite_add_tcase(s, tc);
	return s;
}
