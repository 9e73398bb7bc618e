/*
 * libFuzzer target: the --where parser (lib/expr), then the compiled
 * program on a record.  The input is the expression, a newline, and the
 * record; a refused expression has its message worded with the caret.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "expr.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tide_env_hdr hdrs[] = { { "h", 1, "v", 1 } };
	struct tide_json_val vals[TIDE_EXPR_MAXPATHS];
	struct tide_expr_meta meta = {
		TIDE_EXPR_HAVE_KEY | TIDE_EXPR_HAVE_PARTITION |
		    TIDE_EXPR_HAVE_OFFSET | TIDE_EXPR_HAVE_TIMESTAMP |
		    TIDE_EXPR_HAVE_TOPIC | TIDE_EXPR_HAVE_HEADERS,
		"k", 1, "t", 1, 0, 7, 1793491200000, hdrs, 1,
	};
	const char *rec = "{\"a\":1,\"s\":\"x\",\"o\":{\"b\":[1,2]},\"n\":null}";
	struct tide_expr_err err;
	struct tide_expr e;
	enum tide_json_type t;
	char *text, *nl, msg[600];
	size_t n;
	int r;

	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	n = strlen(text);
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		rec = nl + 1;
		n = size - (size_t)(nl + 1 - text);
	} else
		n = strlen(rec);
	if (tide_expr_compile(&e, text, &err) == 0) {
		r = tide_expr_eval_rec(&e, rec, n, &meta);
		if (r != 0 && r != 1 && r != TIDE_ERANGE)
			abort();
		if (e.npath > 0 && tide_json_check_many(rec, n, 64, &t, NULL,
		    e.paths, e.npath, vals) >= 0 && t == TIDE_JSON_OBJECT &&
		    tide_expr_eval(&e, vals, NULL) < TIDE_ERANGE)
			abort();
		tide_expr_release(&e);
	} else {
		if (err.col == 0 || err.col > strlen(text) + 1 ||
		    err.msg[0] == '\0')
			abort();
		tide_expr_errfmt(text, &err, msg, sizeof(msg));
		if (strlen(msg) >= sizeof(msg))
			abort();
		tide_expr_release(&e);
	}
	free(text);
	return 0;
}
