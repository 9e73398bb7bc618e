/*
 * libFuzzer target for lib/schema/avro.  The first byte chooses: odd, the
 * rest is a schema to parse (refused or not, never a crash); even, the rest
 * is a payload decoded against a fixed schema with every kind of type, in
 * both JSON forms.  What must hold: a decoded datum is valid JSON; its
 * spec form, encoded back, decodes to the same JSON; a failed decode
 * leaves the output as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "schema/avro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char schema[] =
    "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"f\",\"fields\":["
    "{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"by\",\"type\":\"bytes\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
    "\"symbols\":[\"A\",\"B\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F\","
    "\"size\":2}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\","
    "\"long\",\"R\"]}},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\","
    "\"logicalType\":\"timestamp-micros\"}},"
    "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
    "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\","
    "\"logicalType\":\"decimal\",\"precision\":30,\"scale\":3}},"
    "{\"name\":\"decf\",\"type\":{\"type\":\"fixed\",\"name\":\"D\","
    "\"size\":3,\"logicalType\":\"decimal\",\"precision\":6,\"scale\":1}}"
    "]}";

static void
must(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tide_avro *a;
	static struct tide_buf j = TIDE_BUF_INIT, s = TIDE_BUF_INIT,
	    bin = TIDE_BUF_INIT, j2 = TIDE_BUF_INIT;
	char err[256];
	int r;

	if (a == NULL) {
		a = tide_avro_parse(schema, strlen(schema), err, sizeof(err));
		must(a != NULL);
	}
	if (size == 0)
		return 0;
	if (data[0] & 1) {
		struct tide_avro *p = tide_avro_parse((const char *)data + 1,
		    size - 1, err, sizeof(err));

		must(p != NULL || err[0] != '\0');
		tide_avro_free(p);
		return 0;
	}
	data++;
	size--;
	tide_buf_reset(&j);
	tide_buf_adds(&j, "x");
	r = tide_avro_decode(a, data, size, TIDE_AVRO_PLAIN, &j, err,
	    sizeof(err));
	must(r == 0 || r == TIDE_EFORMAT);
	if (r < 0) {
		must(j.len == 1);
		return 0;
	}
	must(tide_json_check(j.data + 1, j.len - 1, 0, NULL, NULL) == 0);
	tide_buf_reset(&s);
	must(tide_avro_decode(a, data, size, TIDE_AVRO_SPEC, &s, err,
	    sizeof(err)) == 0);
	must(tide_json_check(s.data, s.len, 0, NULL, NULL) == 0);
	tide_buf_reset(&bin);
	/* NaN and the infinities come out as null and do not go back. */
	if (tide_avro_encode(a, s.data, s.len, &bin, err, sizeof(err)) != 0)
		return 0;
	tide_buf_reset(&j2);
	must(tide_avro_decode(a, bin.data, bin.len, TIDE_AVRO_SPEC, &j2, err,
	    sizeof(err)) == 0);
	must(j2.len == s.len && memcmp(j2.data, s.data, s.len) == 0);
	return 0;
}
