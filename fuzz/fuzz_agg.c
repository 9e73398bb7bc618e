/*
 * libFuzzer target: the aggregate-list parser of tide-window (-a), then
 * one update, merge and emit of a state block for whatever it accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char rec[] = "{\"x\":1.5,\"m\":\"a\",\"a\":{\"b\":[1]}}";
	struct tide_json_val jv[TIDE_AGG_LIMIT];
	struct tide_aggval v[TIDE_AGG_LIMIT];
	struct tide_aggspec s;
	struct tide_aggerr e;
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_jobj o;
	char *text, *st, *st2;
	int bad;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (tide_aggspec_parse(&s, text, 0, &e) == 0) {
		st = calloc(1, s.size + 1);
		st2 = calloc(1, s.size + 1);
		tide_agg_init(&s, st);
		tide_agg_init(&s, st2);
		tide_json_get_many(rec, sizeof(rec) - 1, s.paths, s.nfields, jv);
		if (tide_agg_values(&s, jv, v, &bad) == 0) {
			tide_agg_update(&s, st, 1, v);
			tide_agg_update(&s, st2, 2, v);
		}
		tide_agg_merge(&s, st, st2);
		tide_jobj_begin(&o, &b);
		tide_agg_emit(&s, st, &o);
		tide_jobj_end(&o);
		if (tide_json_check(b.data, b.len, 64, NULL, NULL) != 0)
			abort();
		tide_agg_clear(&s, st);
		tide_agg_clear(&s, st2);
		free(st);
		free(st2);
		tide_aggspec_release(&s);
	}
	tide_buf_release(&b);
	free(text);
	return 0;
}
