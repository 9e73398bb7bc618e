/*
 * libFuzzer target for lib/json: the scanner on arbitrary bytes, then, for
 * an accepted object, path lookups, the getters and the writer, checking
 * what must hold: written strings and appended objects are valid JSON,
 * written doubles read back to the same value.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tide_path paths[6];
static int npath;

static void
setup(void)
{
	static const char *specs[] = {
		"a", "a.b", "\"a.b\".c", "ts", "value.amount", "a.b.c",
	};
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (tide_path_parse(&paths[npath], specs[i]) == 0)
			npath++;
}

static void
must(int cond)
{
	if (!cond)
		abort();
}

/* Exercise the getters and the writer on one value. */
static void
poke(const struct tide_json_val *v, struct tide_buf *b)
{
	static struct tide_buf w = TIDE_BUF_INIT;
	struct tide_json_val name, elem;
	char num[32];
	int64_t i;
	double d;
	size_t pos, n;
	int bo;

	tide_buf_reset(b);
	switch (v->type) {
	case TIDE_JSON_NUMBER:
		if (tide_json_int64(v, &i) == 0)
			must(tide_json_write_int(b, i) == 0);
		if (tide_json_double(v, &d) == 0) {
			n = tide_json_fmt_double(num, d);
			must(tide_json_check(num, n, 0, NULL, NULL) == 0);
			must(strtod(num, NULL) == d || isnan(d));
		}
		break;
	case TIDE_JSON_STRING:
		must(tide_json_str(v, b) == 0);
		must(tide_utf8_valid(b->data, b->len));
		must(tide_json_str_eq(v, b->data, b->len));
		tide_buf_reset(&w);
		must(tide_json_write_str(&w, b->data, b->len) == 0);
		must(tide_json_check(w.data, w.len, 0, NULL, NULL) == 0);
		break;
	case TIDE_JSON_TRUE:
	case TIDE_JSON_FALSE:
		must(tide_json_bool(v, &bo) == 0);
		break;
	case TIDE_JSON_OBJECT:
		pos = 0;
		while (tide_json_obj_next(v, &pos, &name, &elem))
			must(name.type == TIDE_JSON_STRING);
		break;
	case TIDE_JSON_ARRAY:
		pos = 0;
		while (tide_json_arr_next(v, &pos, &elem))
			must(elem.type != TIDE_JSON_NONE);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tide_buf b = TIDE_BUF_INIT, w = TIDE_BUF_INIT;
	const char *doc = (const char *)data;
	struct tide_json_val out[6], v, name, val;
	enum tide_json_type type;
	struct tide_json_err err;
	struct tide_jobj o;
	size_t pos;
	int k, r;

	if (npath == 0)
		setup();
	r = tide_json_check(doc, size, 0, &type, &err);
	must(r == 0 || r == TIDE_EJSON || r == TIDE_EUTF8 ||
	    r == TIDE_EDEPTH);
	/* The one-pass check and lookup: same status, same values. */
	{
		struct tide_json_val many[6];
		struct tide_json_err err2;
		enum tide_json_type type2;
		int r2, i;

		r2 = tide_json_check_many(doc, size, 0, &type2, &err2, paths,
		    npath, many);
		must(r2 < 0 ? r2 == r && err2.offset == err.offset :
		    r == 0 && type2 == type);
		if (r == 0 && type == TIDE_JSON_OBJECT) {
			must(tide_json_get_many(doc, size, paths, npath, out) ==
			    r2);
			for (i = 0; i < npath; i++)
				must(many[i].type == out[i].type &&
				    many[i].p == out[i].p &&
				    many[i].len == out[i].len);
		}
	}
	if (r < 0) {
		must(err.offset <= size && err.reason != NULL);
		/* The writer turns any bytes into a valid JSON string. */
		tide_buf_reset(&w);
		must(tide_json_write_str(&w, doc, size) == 0);
		must(tide_json_check(w.data, w.len, 0, NULL, NULL) == 0);
		return 0;
	}
	if (type != TIDE_JSON_OBJECT)
		return 0;
	k = tide_json_get_many(doc, size, paths, npath, out);
	for (r = 0; r < npath; r++) {
		if (tide_json_get(doc, size, &paths[r], &v) == 1) {
			must(out[r].p == v.p && out[r].len == v.len);
			k--;
		} else
			must(out[r].type == TIDE_JSON_NONE);
		poke(&out[r], &b);
	}
	must(k == 0);
	/* Walk the top level, then append a field to the record. */
	v.type = TIDE_JSON_OBJECT;
	v.p = doc;
	v.len = size;
	while (v.len > 0 && v.p[0] != '{') {
		v.p++;
		v.len--;
	}
	while (v.len > 0 && v.p[v.len - 1] != '}')
		v.len--;
	pos = 0;
	while (tide_json_obj_next(&v, &pos, &name, &val))
		poke(&val, &b);
	tide_buf_reset(&w);
	must(tide_jobj_append(&o, &w, doc, size) == 0);
	must(tide_jobj_key(&o, "fz", 2) == 0);
	must(tide_json_write_double(&w, 0.1) == 0);
	must(tide_jobj_end(&o) == 0);
	must(tide_json_check(w.data, w.len, 0, NULL, NULL) == 0);
	return 0;
}
