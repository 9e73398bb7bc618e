/*
 * libFuzzer target for lib/schema/pbenc.  The input is a record's JSON (or
 * not JSON), encoded as a message of a fixed .proto's type with every
 * field type, maps, enums, recursion and the well-known types (compiled by
 * protoc at the first call: protobuf-compiler is a dependency).  What must
 * hold: no crash, no leak; a failure leaves the output as it was and says
 * why; what was encoded decodes (lib/schema/pbuf) to valid JSON, which
 * encodes to the same bytes again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "schema/pbenc.h"
#include "schema/pbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char proto[] =
    "syntax = \"proto3\";\n"
    "package f;\n"
    "import \"google/protobuf/timestamp.proto\";\n"
    "import \"google/protobuf/duration.proto\";\n"
    "import \"google/protobuf/struct.proto\";\n"
    "import \"google/protobuf/wrappers.proto\";\n"
    "message M {\n"
    "  enum E { Z = 0; A = 1; B = -3; }\n"
    "  message In { sint32 a = 1; bytes b = 2; E e = 3; repeated M ms = 4; }\n"
    "  double d = 1; float f = 2; int64 i64 = 3; uint64 u64 = 4;\n"
    "  int32 i32 = 5; fixed64 f64 = 6; fixed32 f32 = 7; bool b = 8;\n"
    "  string s = 9; In in = 10; bytes by = 11; uint32 u32 = 12; E e = 13;\n"
    "  sfixed32 sf32 = 14; sfixed64 sf64 = 15; sint32 s32 = 16;\n"
    "  sint64 s64 = 17; repeated int32 ri = 18; repeated string rs = 19;\n"
    "  repeated In rin = 20; map<string, In> mi = 21;\n"
    "  map<int64, string> ms = 22; map<bool, E> mb = 23;\n"
    "  google.protobuf.Timestamp ts = 24; google.protobuf.Duration du = 25;\n"
    "  google.protobuf.Struct st = 26; google.protobuf.Value v = 27;\n"
    "  google.protobuf.ListValue lv = 28; google.protobuf.Int64Value w = 29;\n"
    "  google.protobuf.NullValue nv = 30; M self = 31;\n"
    "}\n";

static void
must(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tide_pbuf *p;
	static const struct tide_pbuf_msg *m;
	static struct tide_pbenc *e;
	static struct tide_buf bin = TIDE_BUF_INIT, json = TIDE_BUF_INIT,
	    bin2 = TIDE_BUF_INIT;
	char err[512];
	int r;

	if (p == NULL) {
		struct tide_pbuf_src s = { "f.proto", proto, sizeof(proto) - 1 };

		p = tide_pbuf_compile(&s, 1, 0, err, sizeof(err));
		must(p != NULL);
		m = tide_pbuf_find(p, "f.M");
		must(m != NULL);
		e = tide_pbenc_new(p, m);
	}
	tide_buf_reset(&bin);
	tide_buf_addc(&bin, 'x');
	err[0] = '\0';
	r = tide_pbenc_encode(e, (const char *)data, size, &bin, err,
	    sizeof(err));
	if (r < 0) {
		must(bin.len == 1 && err[0] != '\0');
		return 0;
	}
	tide_buf_reset(&json);
	r = tide_pbuf_decode(p, m, bin.data + 1, bin.len - 1, 0, &json, err,
	    sizeof(err));
	/* The decoder counts nesting its own way: past it is no error of
	 * the encoder's. */
	if (r == TIDE_EDEPTH)
		return 0;
	must(r == 0);
	must(tide_json_check(json.data, json.len, 0, NULL, NULL) == 0);
	tide_buf_reset(&bin2);
	must(tide_pbenc_encode(e, json.data, json.len, &bin2, err,
	    sizeof(err)) == 0);
	must(bin2.len == bin.len - 1 && (bin2.len == 0 ||
	    memcmp(bin2.data, bin.data + 1, bin2.len) == 0));
	return 0;
}
