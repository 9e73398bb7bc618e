/*
 * libFuzzer target: a JSON Schema compiled (lib/jschema), then a record
 * validated against it.  The input is the schema, a newline, and the
 * record.  A compiled schema's violations must be a valid JSON array's
 * elements, and a record that passes has none.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "jschema.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tide_jschema s;
	struct tide_jschema_run r;
	struct tide_jschema_err err;
	struct tide_json_val v;
	struct tide_buf arr = TIDE_BUF_INIT;
	enum tide_json_type t;
	const char *text = (const char *)data, *nl, *rec = "{}";
	size_t n = size, m = 2;
	int k;

	if ((nl = memchr(text, '\n', size)) != NULL) {
		n = (size_t)(nl - text);
		rec = nl + 1;
		m = size - n - 1;
	}
	if (tide_jschema_compile(&s, text, n, &err) == 0 &&
	    tide_json_check(rec, m, TIDE_JSON_MAXDEPTH, &t, NULL) == 0) {
		tide_jschema_run_init(&r);
		v.type = t;
		v.p = rec;
		v.len = m;
		while (v.len && strchr(" \t\r\n", v.p[0])) {
			v.p++;
			v.len--;
		}
		while (v.len && strchr(" \t\r\n", v.p[v.len - 1]))
			v.len--;
		k = tide_jschema_validate(&s, &r, &v);
		if (k < 0 || (k == 0) != (r.viol.len == 0))
			abort();
		tide_buf_addc(&arr, '[');
		tide_buf_add(&arr, r.viol.data ? r.viol.data : "", r.viol.len);
		tide_buf_addc(&arr, ']');
		if (tide_json_check(arr.data, arr.len, TIDE_JSON_MAXDEPTH, NULL,
		    NULL) != 0)
			abort();
		tide_buf_release(&arr);
		tide_jschema_run_release(&r);
	}
	tide_jschema_release(&s);
	return 0;
}
