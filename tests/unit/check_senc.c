#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "schema/senc.h"
#include "unit.h"

/*
 * lib/schema/senc without a registry (tests/kafka/avro-sink.sh has one):
 * the Confluent framing and the Avro bytes written out by hand (zigzag
 * varints), a record that does not fit named with its path, and the
 * schema file's failures.
 */

static const char schema[] =
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
    "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"s\",\"type\":\"string\"}]}";

static char err[1024];

static void
setup(void)
{
	unit_tmp_start("senc");
}

static void
open_file(struct tide_senc *e, const char *text, int64_t id, int want)
{
	struct tide_senc_conf c = { 0 };
	char path[256];

	snprintf(path, sizeof(path), "%s", unit_path("r.avsc"));
	if (text)
		unit_put(path, text);
	c.name = "value";
	c.file = path;
	c.topic = "t";
	c.id = id;
	ck_assert_int_eq(tide_senc_open(e, &c, NULL, err, sizeof(err)), want);
}

START_TEST(test_senc_frames_the_avro_bytes_with_the_id)
{
	static const unsigned char want[] = {
		0, 0, 0, 1, 2,		/* magic, id 258 big-endian */
		3,			/* a = -2, zigzag */
		4, 'h', 'i',		/* s: length 2, zigzag, then bytes */
	};
	struct tide_senc e;
	const void *out;
	size_t n;

	open_file(&e, schema, 258, 0);
	ck_assert_int_eq(e.id, 258);
	ck_assert_int_eq(tide_senc_encode(&e, "{\"s\":\"hi\",\"a\":-2}", 17,
	    -1, &out, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	/* The buffer is reused: a second record is framed alike. */
	ck_assert_int_eq(tide_senc_encode(&e, "{\"a\":64,\"s\":\"\"}", 15,
	    7, &out, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 8);
	ck_assert_mem_eq(out, "\0\0\0\1\2\x80\1\0", 8);
	tide_senc_release(&e);
}
END_TEST

START_TEST(test_senc_a_record_that_does_not_fit_names_the_field)
{
	struct tide_senc e;
	const void *out;
	size_t n;

	open_file(&e, schema, 1, 0);
	ck_assert_int_eq(tide_senc_encode(&e, "{\"a\":\"x\",\"s\":\"hi\"}", 18,
	    -1, &out, &n, err, sizeof(err)), TIDE_ETYPE);
	ck_assert_str_eq(err, "value does not fit the schema: a: a string "
	    "where the schema has int");
	ck_assert_int_lt(tide_senc_encode(&e, "{\"a\":1}", 7, -1, &out, &n,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(err, "value does not fit the schema: s: missing, and "
	    "the field has no default");
	tide_senc_release(&e);
}
END_TEST

START_TEST(test_senc_schema_file_failures)
{
	struct tide_senc e;
	char want[400];

	open_file(&e, NULL, 1, TIDE_EIO);
	ck_assert_int_eq(e.file_err, 1);
	snprintf(want, sizeof(want), "value schema: cannot read '%s': %s",
	    unit_path("r.avsc"), strerror(ENOENT));
	ck_assert_str_eq(err, want);
	tide_senc_release(&e);

	/* A file without an id needs a registry to register it with. */
	open_file(&e, schema, -1, TIDE_EINVAL);
	ck_assert_int_eq(e.file_err, 0);
	snprintf(want, sizeof(want), "value schema '%s': no registry to "
	    "register it with, and no schema id", unit_path("r.avsc"));
	ck_assert_str_eq(err, want);
	tide_senc_release(&e);

	open_file(&e, "{\"type\":\"nope\"}", 1, TIDE_EINVAL);
	snprintf(want, sizeof(want), "value schema '%s': not an Avro schema: ",
	    unit_path("r.avsc"));
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	tide_senc_release(&e);
}
END_TEST

/* tide-sink's options: each row a set of them, the sink's flags, and the
 * usage error (NULL: none) or the encoders wanted. */
START_TEST(test_senc_opts_check_says_which_options_go_together)
{
	static const struct {
		const char *vf, *vs, *vsub, *kf, *ks;
		int64_t id;
		unsigned sink, sides;
		const char *want;
	} t[] = {
		{ NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL },
		{ "json", NULL, NULL, "json", NULL, -1, 0, 0, NULL },
		{ "avro", "v.avsc", NULL, NULL, NULL, -1, TIDE_SENC_TOPIC, 2,
		    NULL },
		{ "avro", NULL, NULL, NULL, NULL, -1, TIDE_SENC_TOPIC |
		    TIDE_SENC_ENVELOPE, 2, NULL },
		{ NULL, NULL, NULL, "avro", "k.avsc", -1, TIDE_SENC_TOPIC |
		    TIDE_SENC_KEY, 1, NULL },
		{ "avro", NULL, "s", "avro", NULL, -1, TIDE_SENC_TOPIC |
		    TIDE_SENC_KEY, 0,
		    "--key-format avro: give --key-schema or --key-subject" },
		{ "xml", NULL, NULL, NULL, NULL, -1, TIDE_SENC_TOPIC, 0,
		    "--value-format: unknown format 'xml' (json, avro, protobuf)" },
		{ NULL, NULL, NULL, "Avro", NULL, -1, TIDE_SENC_TOPIC, 0,
		    "--key-format: unknown format 'Avro' (json, avro, protobuf)" },
		{ "avro", "", NULL, NULL, NULL, -1, TIDE_SENC_TOPIC, 0,
		    "--value-schema: empty name" },
		{ NULL, NULL, NULL, NULL, NULL, 3, TIDE_SENC_TOPIC, 0,
		    "--value-schema, --value-subject and --schema-id go with "
		    "--value-format avro or protobuf" },
		{ NULL, NULL, NULL, "json", "k.avsc", -1, TIDE_SENC_TOPIC, 0,
		    "--key-schema and --key-subject go with --key-format avro "
		    "or protobuf" },
		{ "avro", "v.avsc", NULL, NULL, NULL, 1, 0, 0,
		    "--value-format avro and --key-format avro go with -t" },
		{ "avro", "v.avsc", NULL, NULL, NULL, 1, TIDE_SENC_TOPIC |
		    TIDE_SENC_TEE, 0,
		    "--tee: not with Avro: the messages are not JSON" },
		{ "avro", NULL, NULL, NULL, NULL, -1, TIDE_SENC_TOPIC, 0,
		    "--value-format avro: give --value-schema, --value-subject "
		    "or --schema-id (or -J: each envelope's value_schema_id)" },
		{ NULL, NULL, NULL, "avro", "k.avsc", -1, TIDE_SENC_TOPIC, 0,
		    "--key-format avro: goes with -k, not with -J" },
		{ "protobuf", "v.proto", NULL, "protobuf", "k.proto", -1,
		    TIDE_SENC_TOPIC | TIDE_SENC_KEY, 3, NULL },
		{ "protobuf", NULL, NULL, NULL, NULL, -1, TIDE_SENC_TOPIC |
		    TIDE_SENC_ENVELOPE, 0, "--value-format protobuf: give "
		    "--value-schema, --value-subject, --schema-id or "
		    "--proto-descriptor" },
		{ "protobuf", NULL, NULL, NULL, NULL, 1, 0, 0,
		    "--value-format protobuf and --key-format protobuf go with "
		    "-t" },
		{ NULL, NULL, NULL, "protobuf", "k.proto", -1, TIDE_SENC_TOPIC |
		    TIDE_SENC_KEY | TIDE_SENC_TEE, 0,
		    "--tee: not with Protobuf: the messages are not JSON" },
		/* --schema-id names the schema: a subject is refused, not
		 * ignored (issue 21, tide-sink item 3). */
		{ "avro", "v.avsc", "s", NULL, NULL, 3, TIDE_SENC_TOPIC, 0,
		    "--value-subject and --schema-id: not together "
		    "(--schema-id names the schema, registered already; "
		    "--value-subject would be ignored)" },
		{ "avro", NULL, "s", NULL, NULL, 3, TIDE_SENC_TOPIC, 0,
		    "--value-subject and --schema-id: not together "
		    "(--schema-id names the schema; --value-subject would be "
		    "ignored)" },
		{ "protobuf", "v.proto", "s", NULL, NULL, 0, TIDE_SENC_TOPIC,
		    0, "--value-subject and --schema-id: not together "
		    "(--schema-id names the schema, registered already; "
		    "--value-subject would be ignored)" },
		{ "avro", "v.avsc", "s", NULL, NULL, -1, TIDE_SENC_TOPIC, 2,
		    NULL },
		{ "avro", "v.avsc", NULL, NULL, NULL, 3, TIDE_SENC_TOPIC, 2,
		    NULL },
		{ "avro", NULL, "s", "avro", "k.avsc", 3, TIDE_SENC_TOPIC |
		    TIDE_SENC_KEY, 0, "--value-subject and --schema-id: not "
		    "together (--schema-id names the schema; --value-subject "
		    "would be ignored)" },
		{ "avro", NULL, NULL, "avro", "k.avsc", 3, TIDE_SENC_TOPIC |
		    TIDE_SENC_KEY, 3, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct tide_senc_opts so = TIDE_SENC_OPTS_INIT;
		unsigned sides = 99;
		char msg[256] = "";
		int r;

		so.format[1] = t[i].vf;
		so.schema[1] = t[i].vs;
		so.subject[1] = t[i].vsub;
		so.format[0] = t[i].kf;
		so.schema[0] = t[i].ks;
		so.schema_id = t[i].id;
		r = tide_senc_opts_check(&so, t[i].sink, &sides, msg,
		    sizeof(msg));
		if (t[i].want) {
			ck_assert_msg(r == TIDE_EINVAL, "row %zu", i);
			ck_assert_str_eq(msg, t[i].want);
		} else {
			ck_assert_msg(r == 0, "row %zu: %s", i, msg);
			ck_assert_uint_eq(sides, t[i].sides);
		}
	}
}
END_TEST

/* A registry is needed unless the value's schema is a file with its id. */
START_TEST(test_senc_opts_need_a_registry_unless_file_and_id)
{
	struct tide_senc_opts so = TIDE_SENC_OPTS_INIT;
	char msg[256] = "";

	so.format[1] = "avro";
	so.schema[1] = "v.avsc";
	so.schema_id = 7;
	ck_assert_int_eq(tide_senc_opts_need(&so, NULL, msg, sizeof(msg)), 0);
	so.schema_id = -1;
	ck_assert_int_eq(tide_senc_opts_need(&so, NULL, msg, sizeof(msg)),
	    TIDE_EINVAL);
	ck_assert_str_eq(msg, "no schema registry: give --schema-registry or "
	    "set TIDE_SCHEMA_REGISTRY (or --schema-id with --value-schema)");
	so.schema[1] = NULL;
	so.subject[1] = "s";
	ck_assert_int_eq(tide_senc_opts_need(&so, NULL, msg, sizeof(msg)),
	    TIDE_EINVAL);
	ck_assert_str_eq(msg, "no schema registry: give --schema-registry or "
	    "set TIDE_SCHEMA_REGISTRY");
	so.format[1] = "json";
	so.subject[1] = NULL;
	ck_assert_int_eq(tide_senc_opts_need(&so, NULL, msg, sizeof(msg)), 0);
}
END_TEST

Suite *
suite_senc(void)
{
	Suite *s = suite_create("senc");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, unit_tmp_stop);
	tcase_add_test(tc, test_senc_frames_the_avro_bytes_with_the_id);
	tcase_add_test(tc, test_senc_a_record_that_does_not_fit_names_the_field);
	tcase_add_test(tc, test_senc_schema_file_failures);
	tcase_add_test(tc, test_senc_opts_check_says_which_options_go_together);
	tcase_add_test(tc, test_senc_opts_need_a_registry_unless_file_and_id);
	suite_add_tcase(s, tc);
	return s;
}
