#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "schema/avro.h"
#include "unit.h"

static const char order_schema[] =
    "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\","
    "\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"ok\",\"type\":\"boolean\"},"
    "{\"name\":\"who\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\","
    "\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
    "{\"name\":\"amt\",\"type\":{\"type\":\"bytes\","
    "\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}},"
    "{\"name\":\"raw\",\"type\":\"bytes\"}]}";

/* id 3, ok true, who "ab", tags ["x"], ts 1000, day 1, amt 1.25, raw \xff */
static const unsigned char order_bin[] = {
	0x06, 0x01, 0x02, 0x04, 'a', 'b', 0x02, 0x02, 'x', 0x00,
	0xd0, 0x0f, 0x02, 0x02, 0x7d, 0x02, 0xff
};

static struct tide_avro *
order(void)
{
	char err[256];
	struct tide_avro *a;

	a = tide_avro_parse(order_schema, strlen(order_schema), err,
	    sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	return a;
}

START_TEST(test_avro_decodes_a_record_to_plain_json)
{
	struct tide_avro *a = order();
	struct tide_buf b = TIDE_BUF_INIT;
	char err[256];

	ck_assert_int_eq(tide_avro_decode(a, order_bin, sizeof(order_bin),
	    TIDE_AVRO_PLAIN, &b, err, sizeof(err)), 0);
	tide_buf_cstr(&b);
	ck_assert_str_eq(b.data, "{\"id\":3,\"ok\":true,\"who\":\"ab\","
	    "\"tags\":[\"x\"],\"ts\":1000,\"day\":\"1970-01-02\","
	    "\"amt\":\"1.25\",\"raw\":\"/w==\"}");
	tide_buf_release(&b);
	tide_avro_free(a);
}
END_TEST

START_TEST(test_avro_spec_form_wraps_non_null_branches)
{
	struct tide_avro *a = order();
	struct tide_buf b = TIDE_BUF_INIT;
	char err[256];

	ck_assert_int_eq(tide_avro_decode(a, order_bin, sizeof(order_bin),
	    TIDE_AVRO_SPEC, &b, err, sizeof(err)), 0);
	tide_buf_cstr(&b);
	ck_assert_ptr_nonnull(strstr(b.data, "\"who\":{\"string\":\"ab\"}"));
	tide_buf_release(&b);
	tide_avro_free(a);
}
END_TEST

START_TEST(test_avro_decode_appends_and_keeps_out_on_error)
{
	struct tide_avro *a = order();
	struct tide_buf b = TIDE_BUF_INIT;
	char err[256];
	size_t n;

	tide_buf_adds(&b, "pre");
	/* Every prefix is short; a byte more is trailing. */
	for (n = 0; n < sizeof(order_bin); n++) {
		ck_assert_int_eq(tide_avro_decode(a, order_bin, n,
		    TIDE_AVRO_PLAIN, &b, err, sizeof(err)), TIDE_EFORMAT);
		ck_assert_uint_eq(b.len, 3);
	}
	{
		unsigned char more[sizeof(order_bin) + 1];

		memcpy(more, order_bin, sizeof(order_bin));
		more[sizeof(order_bin)] = 0;
		ck_assert_int_eq(tide_avro_decode(a, more, sizeof(more),
		    TIDE_AVRO_PLAIN, &b, err, sizeof(err)), TIDE_EFORMAT);
		ck_assert_str_eq(err, "1 bytes after the datum");
	}
	ck_assert_uint_eq(b.len, 3);
	tide_buf_release(&b);
	tide_avro_free(a);
}
END_TEST

START_TEST(test_avro_decode_stops_at_the_buffer_cap)
{
	struct tide_avro *a = order();
	struct tide_buf b;
	char err[256];

	tide_buf_init(&b, 20);
	ck_assert_int_eq(tide_avro_decode(a, order_bin, sizeof(order_bin),
	    TIDE_AVRO_PLAIN, &b, err, sizeof(err)), TIDE_ETOOBIG);
	ck_assert_uint_eq(b.len, 0);
	tide_buf_release(&b);
	tide_avro_free(a);
}
END_TEST

START_TEST(test_avro_encode_round_trips_the_decoded_json)
{
	struct tide_avro *a = order();
	struct tide_buf j = TIDE_BUF_INIT, b = TIDE_BUF_INIT;
	char err[256];

	ck_assert_int_eq(tide_avro_decode(a, order_bin, sizeof(order_bin),
	    TIDE_AVRO_SPEC, &j, err, sizeof(err)), 0);
	ck_assert_int_eq(tide_avro_encode(a, j.data, j.len, &b, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(b.len, sizeof(order_bin));
	ck_assert_int_eq(memcmp(b.data, order_bin, b.len), 0);
	tide_buf_release(&j);
	tide_buf_release(&b);
	tide_avro_free(a);
}
END_TEST

START_TEST(test_avro_encode_names_the_path_and_reason)
{
	static const char rec[] = "{\"id\":1,\"ok\":true,\"who\":null,"
	    "\"tags\":[\"a\",7],\"ts\":0,\"day\":\"1970-01-01\","
	    "\"amt\":\"1\",\"raw\":\"\"}";
	struct tide_avro *a = order();
	struct tide_buf b = TIDE_BUF_INIT;
	char err[256];

	tide_buf_adds(&b, "x");
	ck_assert_int_eq(tide_avro_encode(a, rec, strlen(rec), &b, err,
	    sizeof(err)), TIDE_ETYPE);
	ck_assert_str_eq(err, "tags[1]: a number where the schema has "
	    "string");
	ck_assert_uint_eq(b.len, 1);
	tide_buf_release(&b);
	tide_avro_free(a);
}
END_TEST

START_TEST(test_avro_parse_refuses_a_record_that_contains_itself)
{
	static const char s[] = "{\"type\":\"record\",\"name\":\"A\","
	    "\"fields\":[{\"name\":\"a\",\"type\":\"A\"}]}";
	static const char ok[] = "{\"type\":\"record\",\"name\":\"A\","
	    "\"fields\":[{\"name\":\"a\",\"type\":[\"null\",\"A\"]}]}";
	char err[256];
	struct tide_avro *a;

	ck_assert_ptr_null(tide_avro_parse(s, strlen(s), err, sizeof(err)));
	ck_assert_str_eq(err, "record A contains itself with no way to end");
	a = tide_avro_parse(ok, strlen(ok), err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	tide_avro_free(a);
}
END_TEST

START_TEST(test_avro_parse_refuses_deep_nesting)
{
	struct tide_buf s = TIDE_BUF_INIT;
	char err[256];
	int i;

	for (i = 0; i < TIDE_AVRO_MAXDEPTH + 1; i++)
		tide_buf_adds(&s, "{\"type\":\"array\",\"items\":");
	tide_buf_adds(&s, "\"int\"");
	for (i = 0; i < TIDE_AVRO_MAXDEPTH + 1; i++)
		tide_buf_addc(&s, '}');
	ck_assert_ptr_null(tide_avro_parse(s.data, s.len, err, sizeof(err)));
	ck_assert_str_eq(err, "nested deeper than 64 levels");
	tide_buf_release(&s);
}
END_TEST

START_TEST(test_avro_parse_names_an_unknown_type_and_where)
{
	static const char s[] = "{\"type\":\"record\",\"name\":\"A\","
	    "\"fields\":[{\"name\":\"a\",\"type\":\"nosuch\"}]}";
	char err[256];

	ck_assert_ptr_null(tide_avro_parse(s, strlen(s), err, sizeof(err)));
	ck_assert_str_eq(err, "a: unknown type \"nosuch\"");
}
END_TEST

static const char money_schema[] =
    "{\"type\":\"record\",\"name\":\"Money\",\"namespace\":\"com.acme\","
    "\"fields\":[{\"name\":\"cur\",\"type\":{\"type\":\"enum\","
    "\"name\":\"Cur\",\"symbols\":[\"EUR\",\"USD\"]}},"
    "{\"name\":\"cents\",\"type\":\"long\"}]}";
static const char line_schema[] =
    "{\"type\":\"record\",\"name\":\"Line\",\"namespace\":\"com.acme\","
    "\"fields\":[{\"name\":\"price\",\"type\":\"Money\"}]}";

START_TEST(test_avro_parse_refs_knows_the_references_named_types)
{
	static const struct tide_avro_ref refs[] = {
		{ "com.acme.Money", money_schema, sizeof(money_schema) - 1 },
		{ "com.acme.Line", line_schema, sizeof(line_schema) - 1 },
	};
	/* By full name, by a name in the namespace, a nested type of a
	 * reference, in a union. */
	static const char main_schema[] =
	    "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\","
	    "\"fields\":[{\"name\":\"total\",\"type\":\"com.acme.Money\"},"
	    "{\"name\":\"line\",\"type\":\"Line\"},"
	    "{\"name\":\"cur\",\"type\":\"Cur\"},"
	    "{\"name\":\"tip\",\"type\":[\"null\",\"Money\"]}]}";
	static const char plain[] = "{\"total\":{\"cur\":\"USD\","
	    "\"cents\":5},\"line\":{\"price\":{\"cur\":\"EUR\",\"cents\":-1}},"
	    "\"cur\":\"USD\",\"tip\":{\"cur\":\"EUR\",\"cents\":2}}";
	/* total USD 5; line EUR -1; cur USD; tip EUR 2 */
	static const unsigned char bin[] = {
		0x02, 0x0a, 0x00, 0x01, 0x02, 0x02, 0x00, 0x04
	};
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_avro *a;
	char err[256];

	a = tide_avro_parse_refs(main_schema, strlen(main_schema), refs, 2,
	    err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(tide_avro_decode(a, bin, sizeof(bin),
	    TIDE_AVRO_SPEC, &b, err, sizeof(err)), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"total\":{\"cur\":\"USD\","
	    "\"cents\":5},\"line\":{\"price\":{\"cur\":\"EUR\",\"cents\":-1}},"
	    "\"cur\":\"USD\",\"tip\":{\"com.acme.Money\":{\"cur\":\"EUR\","
	    "\"cents\":2}}}");
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_avro_encode(a, plain, strlen(plain), &b, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(b.len, sizeof(bin));
	ck_assert_mem_eq(b.data, bin, sizeof(bin));
	tide_buf_release(&b);
	tide_avro_free(a);

	/* A schema that is only a reference's name. */
	a = tide_avro_parse_refs("\"com.acme.Money\"", 16, refs, 1, err,
	    sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	tide_avro_free(a);
}
END_TEST

START_TEST(test_avro_parse_refs_refuses_by_the_references_name)
{
	static const struct {
		const char *main, *ref, *want;
	} c[] = {
		/* The reference is not JSON, not a schema. */
		{ "\"X\"", "{", "reference \"r\": not JSON: string or '}' "
		    "expected near end of file at line 1" },
		{ "\"X\"", "{\"type\":\"record\",\"name\":\"X\",\"fields\":["
		    "{\"name\":\"a\",\"type\":\"nope\"}]}",
		    "reference \"r\": a: unknown type \"nope\"" },
		/* A name no reference defines; one defined twice; one outside
		 * the namespace it is looked up in. */
		{ "{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":"
		    "\"m\",\"type\":\"com.acme.Nope\"}]}", money_schema,
		    "m: unknown type \"com.acme.Nope\"" },
		{ money_schema, money_schema, "com.acme.Money is defined "
		    "twice" },
		{ "{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":"
		    "\"m\",\"type\":\"Money\"}]}", money_schema,
		    "m: unknown type \"Money\"" },
		/* A reference that needs a later one. */
		{ "\"com.acme.Line\"", line_schema,
		    "reference \"r\": price: unknown type \"Money\"" },
	};
	struct tide_avro_ref ref;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ref.name = "r";
		ref.json = c[i].ref;
		ref.len = strlen(c[i].ref);
		ck_assert_ptr_null(tide_avro_parse_refs(c[i].main,
		    strlen(c[i].main), &ref, 1, err, sizeof(err)));
		ck_assert_str_eq(err, c[i].want);
	}
}
END_TEST

Suite *
suite_avro(void)
{
	Suite *s = suite_create("avro");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_avro_decodes_a_record_to_plain_json);
	tcase_add_test(tc, test_avro_spec_form_wraps_non_null_branches);
	tcase_add_test(tc, test_avro_decode_appends_and_keeps_out_on_error);
	tcase_add_test(tc, test_avro_decode_stops_at_the_buffer_cap);
	tcase_add_test(tc, test_avro_encode_round_trips_the_decoded_json);
	tcase_add_test(tc, test_avro_encode_names_the_path_and_reason);
	tcase_add_test(tc, test_avro_parse_refuses_a_record_that_contains_itself);
	tcase_add_test(tc, test_avro_parse_refuses_deep_nesting);
	tcase_add_test(tc, test_avro_parse_names_an_unknown_type_and_where);
	tcase_add_test(tc, test_avro_parse_refs_knows_the_references_named_types);
	tcase_add_test(tc, test_avro_parse_refs_refuses_by_the_references_name);
	suite_add_tcase(s, tc);
	return s;
}
