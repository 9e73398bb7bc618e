#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "schema/pbuf.h"
#include "unit.h"

/* A wire-format writer for hand-made descriptor sets and payloads. */
static void
w_varint(struct tide_buf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		tide_buf_addc(b, (char)(v ? c | 0x80 : c));
	} while (v);
}

static void
w_int(struct tide_buf *b, uint32_t num, uint64_t v)
{
	w_varint(b, (uint64_t)num << 3);
	w_varint(b, v);
}

static void
w_len(struct tide_buf *b, uint32_t num, const void *p, size_t n)
{
	w_varint(b, (uint64_t)num << 3 | 2);
	w_varint(b, n);
	tide_buf_add(b, p, n);
}

static void
w_str(struct tide_buf *b, uint32_t num, const char *s)
{
	w_len(b, num, s, strlen(s));
}

/* w_len of a buffer, which is then emptied. */
static void
w_sub(struct tide_buf *b, uint32_t num, struct tide_buf *sub)
{
	w_len(b, num, sub->data, sub->len);
	tide_buf_reset(sub);
}

/* A FieldDescriptorProto into msg: name, number, label, type, type_name. */
static void
w_field(struct tide_buf *msg, const char *name, uint32_t num, int label,
    int type, const char *tname)
{
	struct tide_buf f = TIDE_BUF_INIT;

	w_str(&f, 1, name);
	w_int(&f, 3, num);
	w_int(&f, 4, (uint64_t)label);
	w_int(&f, 5, (uint64_t)type);
	if (tname)
		w_str(&f, 6, tname);
	w_sub(msg, 2, &f);
	tide_buf_release(&f);
}

/* A set of one proto3 file, package t, holding the messages in msgs
 * (DescriptorProtos, each a field 4 of the file already). */
static void
w_set(struct tide_buf *set, struct tide_buf *file_body)
{
	struct tide_buf file = TIDE_BUF_INIT;

	w_str(&file, 1, "t.proto");
	w_str(&file, 2, "t");
	w_str(&file, 12, "proto3");
	tide_buf_add(&file, file_body->data, file_body->len);
	w_sub(set, 1, &file);
	tide_buf_release(&file);
}

/*
 * t.M { int32 x = 1; string s = 2; repeated sint64 z = 3; t.M.In in = 4;
 *       t.E e = 5; map<string,int32> m = 6;  message In { bool ok = 1; }
 *       message MEntry (map_entry) }
 * t.Node { t.Node child = 1; }   enum t.E { A = 0; B = 1; }
 */
static struct tide_pbuf *
sample(void)
{
	struct tide_buf set = TIDE_BUF_INIT, body = TIDE_BUF_INIT,
	    m = TIDE_BUF_INIT, sub = TIDE_BUF_INIT, x = TIDE_BUF_INIT;
	struct tide_pbuf *p;
	char err[256];

	w_str(&m, 1, "M");
	w_field(&m, "x", 1, 1, 5, NULL);
	w_field(&m, "s", 2, 1, 9, NULL);
	w_field(&m, "z", 3, 3, 18, NULL);
	w_field(&m, "in", 4, 1, 11, ".t.M.In");
	w_field(&m, "e", 5, 1, 14, ".t.E");
	w_field(&m, "m", 6, 3, 11, ".t.M.MEntry");
	w_str(&sub, 1, "In");
	w_field(&sub, "ok", 1, 1, 8, NULL);
	w_sub(&m, 3, &sub);
	w_str(&sub, 1, "MEntry");
	w_field(&sub, "key", 1, 1, 9, NULL);
	w_field(&sub, "value", 2, 1, 5, NULL);
	w_int(&x, 7, 1);
	w_sub(&sub, 7, &x);
	w_sub(&m, 3, &sub);
	w_sub(&body, 4, &m);
	w_str(&m, 1, "Node");
	w_field(&m, "child", 1, 1, 11, ".t.Node");
	w_sub(&body, 4, &m);
	w_str(&m, 1, "E");
	w_str(&sub, 1, "A");
	w_int(&sub, 2, 0);
	w_sub(&m, 2, &sub);
	w_str(&sub, 1, "B");
	w_int(&sub, 2, 1);
	w_sub(&m, 2, &sub);
	w_sub(&body, 5, &m);
	w_set(&set, &body);
	p = tide_pbuf_load(set.data, set.len, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	tide_buf_release(&set);
	tide_buf_release(&body);
	tide_buf_release(&m);
	tide_buf_release(&sub);
	tide_buf_release(&x);
	return p;
}

/* Decode payload as type name: the JSON, or "error: reason". */
static const char *
dec(struct tide_pbuf *p, const char *name, const char *payload, size_t n,
    unsigned flags)
{
	static struct tide_buf out = TIDE_BUF_INIT;
	char err[256];
	const struct tide_pbuf_msg *m = tide_pbuf_find(p, name);
	int r;

	ck_assert_ptr_nonnull(m);
	tide_buf_reset(&out);
	r = tide_pbuf_decode(p, m, payload, n, flags, &out, err, sizeof(err));
	if (r < 0) {
		ck_assert_uint_eq(out.len, 0);
		tide_buf_reset(&out);
		tide_buf_addf(&out, "error: %s", err);
	}
	return tide_buf_cstr(&out);
}

START_TEST(test_pbuf_decodes_a_handmade_set)
{
	struct tide_pbuf *p = sample();
	static const char pl[] = "\x08\x96\x01\x12\x02hi\x1a\x02\x03\x04"
	    "\x22\x02\x08\x01\x28\x01\x32\x05\x0a\x01k\x10\x07\x18\x05";

	/* z's unpacked 5, after other fields, joins its packed [-2,2]. */
	ck_assert_str_eq(dec(p, "t.M", pl, sizeof(pl) - 1, 0),
	    "{\"x\":150,\"s\":\"hi\",\"z\":[-2,2,-3],\"in\":{\"ok\":true},"
	    "\"e\":\"B\",\"m\":{\"k\":7}}");
	ck_assert_str_eq(dec(p, ".t.M.In", "\x08\x00", 2, 0), "{\"ok\":false}");
	ck_assert_str_eq(dec(p, "t.M", "\x28\x09", 2, 0), "{\"e\":9}");
	tide_pbuf_free(p);
}
END_TEST

START_TEST(test_pbuf_find_names)
{
	struct tide_pbuf *p = sample();

	ck_assert_str_eq(tide_pbuf_msg_name(tide_pbuf_find(p, "t.M.In")), "t.M.In");
	ck_assert_str_eq(tide_pbuf_msg_name(tide_pbuf_find(p, ".t.Node")), "t.Node");
	ck_assert_ptr_null(tide_pbuf_find(p, "M"));
	ck_assert_ptr_null(tide_pbuf_find(p, "t.E"));
	ck_assert_ptr_null(tide_pbuf_find(p, ""));
	tide_pbuf_free(p);
}
END_TEST

START_TEST(test_pbuf_error_keeps_out_as_it_was)
{
	struct tide_pbuf *p = sample();
	struct tide_buf out = TIDE_BUF_INIT;
	char err[128];

	tide_buf_adds(&out, "prefix");
	ck_assert_int_eq(tide_pbuf_decode(p, tide_pbuf_find(p, "t.M"),
	    "\x08\x01\x12\x09", 4, 0, &out, err, sizeof(err)), TIDE_EFORMAT);
	ck_assert_uint_eq(out.len, 6);
	ck_assert_str_eq(err, "at byte 2: length past the end");
	tide_buf_release(&out);
	tide_pbuf_free(p);
}
END_TEST

START_TEST(test_pbuf_output_cap_is_toobig)
{
	struct tide_pbuf *p = sample();
	struct tide_buf out;
	char err[128];

	tide_buf_init(&out, 8);
	/* What err held before is not taken for the reason. */
	strcpy(err, "stale: too many fields");
	ck_assert_int_eq(tide_pbuf_decode(p, tide_pbuf_find(p, "t.M"),
	    "\x12\x0a" "0123456789", 12, 0, &out, err, sizeof(err)),
	    TIDE_ETOOBIG);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_str_eq(err, "the JSON is over the output's cap");
	tide_buf_release(&out);
	tide_pbuf_free(p);
}
END_TEST

START_TEST(test_pbuf_recursive_type_is_bounded_by_depth)
{
	struct tide_pbuf *p = sample();
	struct tide_buf pl = TIDE_BUF_INIT, t = TIDE_BUF_INIT;
	const char *r;
	int i;

	for (i = 0; i < 1000; i++) {
		tide_buf_reset(&t);
		w_len(&t, 1, pl.data, pl.len);
		tide_buf_reset(&pl);
		tide_buf_add(&pl, t.data, t.len);
	}
	r = dec(p, "t.Node", pl.data, pl.len, 0);
	ck_assert_msg(strstr(r, "error: at byte ") == r &&
	    strstr(r, ": JSON nested deeper than 64"), "%s", r);
	tide_buf_release(&pl);
	tide_buf_release(&t);
	tide_pbuf_free(p);
}
END_TEST

START_TEST(test_pbuf_refuses_more_types_than_the_limit)
{
	struct tide_buf set = TIDE_BUF_INIT, body = TIDE_BUF_INIT,
	    m = TIDE_BUF_INIT;
	char err[256], name[16];
	int i;

	for (i = 0; i <= TIDE_PBUF_MAXTYPES; i++) {
		snprintf(name, sizeof(name), "M%d", i);
		w_str(&m, 1, name);
		w_sub(&body, 4, &m);
	}
	w_set(&set, &body);
	ck_assert_ptr_null(tide_pbuf_load(set.data, set.len, err, sizeof(err)));
	ck_assert_str_eq(err, "descriptor set: more than 100000 types");
	tide_buf_release(&set);
	tide_buf_release(&body);
	tide_buf_release(&m);
}
END_TEST

START_TEST(test_pbuf_refuses_more_fields_than_the_limit)
{
	struct tide_buf set = TIDE_BUF_INIT, body = TIDE_BUF_INIT,
	    m = TIDE_BUF_INIT, e = TIDE_BUF_INIT;
	char err[256];
	int i;

	/* Enum values are cheapest: one enum of 1000001 values. */
	w_str(&m, 1, "E");
	for (i = 0; i <= TIDE_PBUF_MAXFIELDS; i++) {
		w_str(&e, 1, "V");
		w_int(&e, 2, (uint64_t)i);
		w_sub(&m, 2, &e);
	}
	w_sub(&body, 5, &m);
	w_set(&set, &body);
	ck_assert_ptr_null(tide_pbuf_load(set.data, set.len, err, sizeof(err)));
	ck_assert_str_eq(err, "descriptor set: more than 1000000 fields and enum values");
	tide_buf_release(&set);
	tide_buf_release(&body);
	tide_buf_release(&m);
	tide_buf_release(&e);
}
END_TEST

START_TEST(test_pbuf_refuses_broken_sets)
{
	static const struct { const char *set; size_t n; const char *why; } c[] = {
		{ "", 0, "descriptor set: no files" },
		{ "\x0a\x05\x0a", 3, "descriptor set: length past the end" },
		{ "\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12,
		  "descriptor set: varint longer than 10 bytes" },
		{ "\x08\x01", 2, "descriptor set: field 1 is not a file: not a FileDescriptorSet" },
		/* Text (a .proto given for the set): said so, whatever
		 * the parse tripped on. */
		{ "syntax = \"proto3\";\n", 19,
		  "descriptor set: not a FileDescriptorSet" },
		{ "\n\n", 2, "descriptor set: not a FileDescriptorSet" },
		{ "\x0a\x02\x22\x00", 4, "descriptor set: file: a message without a name" },
		{ "\x0a\x05\x22\x03\x0a\x01-", 7, "descriptor set: file: a message with a bad name" },
		{ "\x0a\x06\x22\x04\x12\x02\x0a\x00", 8, "descriptor set: file: a message without a name" },
		{ "\x0a\x07\x22\x05\x0a\x01M\x12\x05", 9, "descriptor set: file: length past the end" },
		{ "\x0a\x0b\x22\x09\x0a\x01M\x12\x04\x0a\x02x y", 13,
		  "descriptor set: M: a field with a bad name" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ck_assert_ptr_null(tide_pbuf_load(c[i].set, c[i].n, err, sizeof(err)));
		ck_assert_str_eq(err, c[i].why);
	}
}
END_TEST

START_TEST(test_pbuf_confluent_indexes)
{
	struct tide_pbuf *p = sample();
	const struct tide_pbuf_msg *m;
	char err[128];
	size_t hdr;

	ck_assert_int_eq(tide_pbuf_confluent(p, "\x00\x08\x01", 3, &m, &hdr,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(tide_pbuf_msg_name(m), "t.M");
	ck_assert_uint_eq(hdr, 1);
	ck_assert_int_eq(tide_pbuf_confluent(p, "\x04\x00\x00", 3, &m, &hdr,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(tide_pbuf_msg_name(m), "t.M.In");
	ck_assert_uint_eq(hdr, 3);
	ck_assert_int_eq(tide_pbuf_confluent(p, "\x04\x00\x02", 3, &m, &hdr,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(tide_pbuf_msg_name(m), "t.M.MEntry");
	ck_assert_int_eq(tide_pbuf_confluent(p, "\x02\x02", 2, &m, &hdr,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(tide_pbuf_msg_name(m), "t.Node");
	ck_assert_int_eq(tide_pbuf_confluent(p, "\x04\x02\x00", 3, &m, &hdr,
	    err, sizeof(err)), TIDE_EFORMAT);
	ck_assert_str_eq(err, "message indexes [1, 0]: t.Node has 0 nested "
	    "message types, so index 0 names none");
	ck_assert_int_eq(tide_pbuf_confluent(p, "\x02\x04", 2, &m, &hdr,
	    err, sizeof(err)), TIDE_EFORMAT);
	ck_assert_str_eq(err, "message indexes [2]: the schema has 2 "
	    "top-level message types, so index 2 names none");
	ck_assert_int_eq(tide_pbuf_confluent(p, "\x06\x00\x00\x02", 4, &m,
	    &hdr, err, sizeof(err)), TIDE_EFORMAT);
	ck_assert_str_eq(err, "message indexes [0, 0, 1]: t.M.In has 0 "
	    "nested message types, so index 1 names none");
	tide_pbuf_free(p);
}
END_TEST

static const char *
raw(const void *pl, size_t n, unsigned flags)
{
	static struct tide_buf out = TIDE_BUF_INIT, scr = TIDE_BUF_INIT;
	char err[128];

	tide_buf_reset(&out);
	if (tide_pbuf_raw(pl, n, flags, &out, &scr, err, sizeof(err)) < 0)
		tide_buf_addf(&out, "error: %s", err);
	return tide_buf_cstr(&out);
}

START_TEST(test_pbuf_raw_groups_numbers_in_order_of_first_sight)
{
	ck_assert_str_eq(raw("\x18\x01\x08\x02\x18\x03\x10\x04\x08\x05", 10, 0),
	    "{\"3\":[{\"varint\":1},{\"varint\":3}],\"1\":[{\"varint\":2},"
	    "{\"varint\":5}],\"2\":{\"varint\":4}}");
	ck_assert_str_eq(raw("", 0, 0), "{}");
	ck_assert_str_eq(raw("\x0a\x00", 2, TIDE_PBUF_RAW_GUESS), "{\"1\":{\"str\":\"\"}}");
}
END_TEST

START_TEST(test_pbuf_raw_many_fields_out_of_order)
{
	struct tide_buf pl = TIDE_BUF_INIT;
	const char *r;
	int i;

	/* 100000 fields, numbers falling: the sorted copy, not a rescan
	 * per number. */
	for (i = 50000; i > 0; i--) {
		w_int(&pl, (uint32_t)i, 1);
		w_int(&pl, (uint32_t)i, 2);
	}
	r = raw(pl.data, pl.len, 0);
	{
		static const char head[] = "{\"50000\":[{\"varint\":1},{\"varint\":2}],\"49999\":";
		static const char tail[] = ",\"1\":[{\"varint\":1},{\"varint\":2}]}";
		size_t n = strlen(r);

		ck_assert(n > sizeof(head) + sizeof(tail));
		ck_assert(memcmp(r, head, sizeof(head) - 1) == 0);
		ck_assert_str_eq(r + n - (sizeof(tail) - 1), tail);
	}
	tide_buf_release(&pl);
}
END_TEST

START_TEST(test_pbuf_load_file_and_compile_errors)
{
	char err[256];

	ck_assert_ptr_null(tide_pbuf_load_file("/nonexistent/x.pb", err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/x.pb: No such file or directory");
	{
		struct tide_pbuf_src s = { "a.proto", "syntax = \"proto3\";", 18 };
		char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

		/* No protoc on PATH: the package to install. */
		unsetenv("TIDE_PROTOC");
		setenv("PATH", "/nonexistent", 1);
		ck_assert_ptr_null(tide_pbuf_compile(&s, 1, 1000, err, sizeof(err)));
		if (path) {
			setenv("PATH", path, 1);
			free(path);
		} else
			unsetenv("PATH");
		ck_assert_str_eq(err, "protoc not found (install protobuf-compiler)");
	}
	setenv("TIDE_PROTOC", "/nonexistent/protoc", 1);
	{
		struct tide_pbuf_src s = { "a.proto", "syntax = \"proto3\";", 18 };

		ck_assert_ptr_null(tide_pbuf_compile(&s, 1, 1000, err, sizeof(err)));
		ck_assert_str_eq(err, "TIDE_PROTOC=/nonexistent/protoc: not "
		    "found (unset it for protobuf-compiler's protoc)");
		s.name = "../a.proto";
		ck_assert_ptr_null(tide_pbuf_compile(&s, 1, 1000, err, sizeof(err)));
		ck_assert_str_eq(err, "protobuf schema: a file name protoc cannot import: \"../a.proto\"");
		s.name = "a//b.proto";
		ck_assert_ptr_null(tide_pbuf_compile(&s, 1, 1000, err, sizeof(err)));
		ck_assert_str_eq(err, "protobuf schema: a file name protoc cannot import: \"a//b.proto\"");
		ck_assert_ptr_null(tide_pbuf_compile(&s, 0, 1000, err, sizeof(err)));
		ck_assert_str_eq(err, "protobuf schema: no .proto text");
	}
	unsetenv("TIDE_PROTOC");
}
END_TEST

START_TEST(test_pbuf_compile_runs_protoc)
{
	static const char a[] = "syntax = \"proto3\";\npackage x;\n"
	    "import \"b/c.proto\";\nmessage A { y.C c = 1; }\n";
	static const char c[] = "syntax = \"proto3\";\npackage y;\n"
	    "message C { int64 n = 1; }\n";
	struct tide_pbuf_src s[2] = { { "a.proto", a, sizeof(a) - 1 },
		{ "b/c.proto", c, sizeof(c) - 1 } };
	struct tide_pbuf *p;
	char err[256];

	if (access("/usr/bin/protoc", X_OK) != 0)
		return;
	p = tide_pbuf_compile(s, 2, 0, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_str_eq(dec(p, "x.A", "\x0a\x02\x08\x7f", 4, 0),
	    "{\"c\":{\"n\":127}}");
	tide_pbuf_free(p);
}
END_TEST

Suite *
suite_pbuf(void)
{
	Suite *s = suite_create("pbuf");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_pbuf_decodes_a_handmade_set);
	tcase_add_test(tc, test_pbuf_find_names);
	tcase_add_test(tc, test_pbuf_error_keeps_out_as_it_was);
	tcase_add_test(tc, test_pbuf_output_cap_is_toobig);
	tcase_add_test(tc, test_pbuf_recursive_type_is_bounded_by_depth);
	tcase_add_test(tc, test_pbuf_refuses_more_types_than_the_limit);
	tcase_add_test(tc, test_pbuf_refuses_more_fields_than_the_limit);
	tcase_add_test(tc, test_pbuf_refuses_broken_sets);
	tcase_add_test(tc, test_pbuf_confluent_indexes);
	tcase_add_test(tc, test_pbuf_raw_groups_numbers_in_order_of_first_sight);
	tcase_add_test(tc, test_pbuf_raw_many_fields_out_of_order);
	tcase_add_test(tc, test_pbuf_load_file_and_compile_errors);
	tcase_add_test(tc, test_pbuf_compile_runs_protoc);
	suite_add_tcase(s, tc);
	return s;
}
