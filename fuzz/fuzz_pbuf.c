/*
 * libFuzzer target for lib/schema/pbuf.  The first byte chooses what the
 * rest is: 0, a descriptor set (loaded; if it loads, the rest after it is
 * not used, and its every message decodes an empty and a short payload);
 * 1, a payload for each message type of a fixed set with every field type,
 * maps, enums, recursion and the well-known types; 2, a payload after the
 * Confluent header, its message indexes included; 3, schemaless, with and
 * without guesses.  What must hold: no crash, no leak; a decoded message
 * is valid JSON; a failure leaves the output as it was and says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "schema/pbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

/* ---- the fixed set, written with the wire format ---- */

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
w_len(struct tide_buf *b, uint32_t num, const void *p, size_t n)
{
	w_varint(b, (uint64_t)num << 3 | 2);
	w_varint(b, n);
	tide_buf_add(b, p, n);
}

static void
w_int(struct tide_buf *b, uint32_t num, uint64_t v)
{
	w_varint(b, (uint64_t)num << 3);
	w_varint(b, v);
}

/* Messages: full name's last part, parent (-1: top level of its file),
 * file (0: google/protobuf, 1: t), map entry. */
static const struct {
	const char *name;
	int parent, file, entry;
} M[] = {
	{ "Timestamp", -1, 0, 0 },	/* 0 */
	{ "Duration", -1, 0, 0 },	/* 1 */
	{ "Struct", -1, 0, 0 },		/* 2 */
	{ "FieldsEntry", 2, 0, 1 },	/* 3 */
	{ "Value", -1, 0, 0 },		/* 4 */
	{ "ListValue", -1, 0, 0 },	/* 5 */
	{ "Int64Value", -1, 0, 0 },	/* 6 */
	{ "M", -1, 1, 0 },		/* 7 */
	{ "In", 7, 1, 0 },		/* 8 */
	{ "MsEntry", 7, 1, 1 },	/* 9 */
	{ "Node", -1, 1, 0 },		/* 10 */
};

static const struct {
	int msg;
	const char *name;
	int num, label, type;
	const char *tname;
} F[] = {
	{ 0, "seconds", 1, 1, 3, NULL }, { 0, "nanos", 2, 1, 5, NULL },
	{ 1, "seconds", 1, 1, 3, NULL }, { 1, "nanos", 2, 1, 5, NULL },
	{ 2, "fields", 1, 3, 11, ".google.protobuf.Struct.FieldsEntry" },
	{ 3, "key", 1, 1, 9, NULL },
	{ 3, "value", 2, 1, 11, ".google.protobuf.Value" },
	{ 4, "null_value", 1, 1, 14, ".google.protobuf.NullValue" },
	{ 4, "number_value", 2, 1, 1, NULL },
	{ 4, "string_value", 3, 1, 9, NULL },
	{ 4, "bool_value", 4, 1, 8, NULL },
	{ 4, "struct_value", 5, 1, 11, ".google.protobuf.Struct" },
	{ 4, "list_value", 6, 1, 11, ".google.protobuf.ListValue" },
	{ 5, "values", 1, 3, 11, ".google.protobuf.Value" },
	{ 6, "value", 1, 1, 3, NULL },
	{ 7, "d", 1, 1, 1, NULL }, { 7, "f", 2, 1, 2, NULL },
	{ 7, "i64", 3, 1, 3, NULL }, { 7, "u64", 4, 1, 4, NULL },
	{ 7, "i32", 5, 1, 5, NULL }, { 7, "fx64", 6, 1, 6, NULL },
	{ 7, "fx32", 7, 1, 7, NULL }, { 7, "b", 8, 1, 8, NULL },
	{ 7, "s", 9, 1, 9, NULL }, { 7, "g", 10, 1, 10, ".t.M.In" },
	{ 7, "in", 11, 1, 11, ".t.M.In" }, { 7, "by", 12, 1, 12, NULL },
	{ 7, "u32", 13, 1, 13, NULL }, { 7, "e", 14, 1, 14, ".t.E" },
	{ 7, "sf32", 15, 1, 15, NULL }, { 7, "sf64", 16, 1, 16, NULL },
	{ 7, "si32", 17, 1, 17, NULL }, { 7, "si64", 18, 1, 18, NULL },
	{ 7, "rd", 19, 3, 1, NULL }, { 7, "rf", 20, 3, 2, NULL },
	{ 7, "ri", 21, 3, 18, NULL }, { 7, "rs", 22, 3, 9, NULL },
	{ 7, "rm", 23, 3, 11, ".t.M.In" }, { 7, "re", 24, 3, 14, ".t.E" },
	{ 7, "ms", 25, 3, 11, ".t.M.MsEntry" },
	{ 7, "ts", 26, 1, 11, ".google.protobuf.Timestamp" },
	{ 7, "du", 27, 1, 11, ".google.protobuf.Duration" },
	{ 7, "st", 28, 1, 11, ".google.protobuf.Struct" },
	{ 7, "va", 29, 1, 11, ".google.protobuf.Value" },
	{ 7, "lv", 30, 1, 11, ".google.protobuf.ListValue" },
	{ 7, "w", 31, 1, 11, ".google.protobuf.Int64Value" },
	{ 7, "node", 32, 1, 11, ".t.Node" },
	{ 8, "a", 1, 1, 5, NULL }, { 8, "s", 2, 1, 9, NULL },
	{ 9, "key", 1, 1, 4, NULL }, { 9, "value", 2, 1, 11, ".t.M.In" },
	{ 10, "child", 1, 1, 11, ".t.Node" }, { 10, "v", 2, 3, 5, NULL },
};

static void
w_msg(struct tide_buf *out, int i)
{
	struct tide_buf b = TIDE_BUF_INIT, f = TIDE_BUF_INIT;
	size_t k;
	int j;

	w_len(&b, 1, M[i].name, strlen(M[i].name));
	for (k = 0; k < sizeof(F) / sizeof(F[0]); k++) {
		if (F[k].msg != i)
			continue;
		tide_buf_reset(&f);
		w_len(&f, 1, F[k].name, strlen(F[k].name));
		w_int(&f, 3, (uint64_t)F[k].num);
		w_int(&f, 4, (uint64_t)F[k].label);
		w_int(&f, 5, (uint64_t)F[k].type);
		if (F[k].tname)
			w_len(&f, 6, F[k].tname, strlen(F[k].tname));
		w_len(&b, 2, f.data, f.len);
	}
	for (j = 0; j < (int)(sizeof(M) / sizeof(M[0])); j++)
		if (M[j].parent == i)
			w_msg(&b, j);
	if (M[i].entry) {
		tide_buf_reset(&f);
		w_int(&f, 7, 1);
		w_len(&b, 7, f.data, f.len);
	}
	w_len(out, M[i].parent < 0 ? 4 : 3, b.data, b.len);
	tide_buf_release(&b);
	tide_buf_release(&f);
}

static void
w_enum(struct tide_buf *out, const char *name, const char *const *vals)
{
	struct tide_buf b = TIDE_BUF_INIT, v = TIDE_BUF_INIT;
	int i;

	w_len(&b, 1, name, strlen(name));
	for (i = 0; vals[i]; i++) {
		tide_buf_reset(&v);
		w_len(&v, 1, vals[i], strlen(vals[i]));
		w_int(&v, 2, (uint64_t)i);
		w_len(&b, 2, v.data, v.len);
	}
	w_len(out, 5, b.data, b.len);
	tide_buf_release(&b);
	tide_buf_release(&v);
}

static struct tide_pbuf *fixed;
static const char *const names[] = { "t.M", "t.M.In", "t.Node",
	"google.protobuf.Struct", "google.protobuf.Timestamp",
	"google.protobuf.Value" };

static void
setup(void)
{
	static const char *const nullv[] = { "NULL_VALUE", NULL };
	static const char *const ev[] = { "A", "B", "C", NULL };
	struct tide_buf set = TIDE_BUF_INIT, file = TIDE_BUF_INIT;
	char err[256];
	int i, fl;

	for (fl = 0; fl < 2; fl++) {
		tide_buf_reset(&file);
		w_len(&file, 1, fl ? "t.proto" : "g.proto", 7);
		w_len(&file, 2, fl ? "t" : "google.protobuf", fl ? 1 : 15);
		w_len(&file, 12, "proto3", 6);
		for (i = 0; i < (int)(sizeof(M) / sizeof(M[0])); i++)
			if (M[i].file == fl && M[i].parent < 0)
				w_msg(&file, i);
		w_enum(&file, fl ? "E" : "NullValue", fl ? ev : nullv);
		w_len(&set, 1, file.data, file.len);
	}
	fixed = tide_pbuf_load(set.data, set.len, err, sizeof(err));
	must(fixed != NULL);
	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		must(tide_pbuf_find(fixed, names[i]) != NULL);
	tide_buf_release(&set);
	tide_buf_release(&file);
}

/* One decode: valid JSON, or out as it was and a reason. */
static void
check(int r, struct tide_buf *out, size_t before, const char *err)
{
	if (r == 0) {
		must(out->len > before);
		/* Within the depth limit, which leaves room for an
		 * envelope in tide's own. */
		must(tide_json_check(out->data + before, out->len - before,
		    TIDE_PBUF_MAXDEPTH, NULL, NULL) == 0);
	} else {
		must(r == TIDE_EFORMAT || r == TIDE_EDEPTH ||
		    r == TIDE_ETOOBIG);
		must(out->len == before && err[0] != 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tide_buf out = TIDE_BUF_INIT, scr = TIDE_BUF_INIT;
	char err[256];
	size_t i;
	int r;

	if (!fixed)
		setup();
	if (size == 0)
		return 0;
	tide_buf_reset(&out);
	tide_buf_adds(&out, "x");
	err[0] = 0;
	switch (data[0] & 3) {
	case 0: {
		struct tide_pbuf *p = tide_pbuf_load(data + 1, size - 1, err,
		    sizeof(err));

		if (!p) {
			must(err[0] != 0);
			break;
		}
		/* Every name it holds decodes something. */
		r = tide_pbuf_decode_confluent(p, "\x00\x08\x01\x12\x00", 5, 0,
		    &out, err, sizeof(err));
		check(r, &out, 1, err);
		tide_pbuf_free(p);
		break;
	}
	case 1:
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			size_t before = out.len;

			err[0] = 0;
			r = tide_pbuf_decode(fixed, tide_pbuf_find(fixed,
			    names[i]), data + 1, size - 1, (unsigned)i & 1,
			    &out, err, sizeof(err));
			check(r, &out, before, err);
		}
		break;
	case 2:
		r = tide_pbuf_decode_confluent(fixed, data + 1, size - 1,
		    TIDE_PBUF_JSON_NAMES, &out, err, sizeof(err));
		check(r, &out, 1, err);
		break;
	default:
		r = tide_pbuf_raw(data + 1, size - 1, 0, &out, &scr, err,
		    sizeof(err));
		check(r, &out, 1, err);
		tide_buf_reset(&out);
		err[0] = 0;
		r = tide_pbuf_raw(data + 1, size - 1, TIDE_PBUF_RAW_GUESS,
		    &out, &scr, err, sizeof(err));
		check(r, &out, 0, err);
		break;
	}
	return 0;
}
