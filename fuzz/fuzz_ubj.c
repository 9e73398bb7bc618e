/*
 * libFuzzer target: the walk of XGBoost's UBJSON (lib/model/ubj), on
 * the input as a model file's bytes.  What it takes is one object with
 * nothing after it, so none of its proper prefixes is taken.  With
 * FUZZ_UBJ_XGBOOST=1 in the environment, what it takes is then loaded
 * by XGBoost (its C API alone) and scores one record: XGBoost crashes
 * on some models of sound structure (a tree's "id" or "parents",
 * "num_trees" or "tree_info" out of step with the trees), so that mode
 * is for looking, not for make fuzz.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model/model.h"
#include "model/ubj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int xgb = -1;
	struct tide_ubj_err err;
	struct tide_model_err merr;
	struct tide_model m;
	double *x, *y;
	char *copy;

	if (xgb < 0)
		xgb = getenv("FUZZ_UBJ_XGBOOST") != NULL &&
		    strcmp(getenv("FUZZ_UBJ_XGBOOST"), "1") == 0;
	if (tide_ubj_check(data, size, &err) < 0) {
		if (err.reason == NULL || err.offset > size)
			abort();
		return 0;
	}
	if (size == 0 || data[0] != '{' || data[size - 1] != '}' ||
	    tide_ubj_check(data, size - 1, &err) == 0 ||
	    tide_ubj_check(data, size / 2, &err) == 0)
		abort();
	if (!xgb)
		return 0;
	/* Exactly size bytes, so that reading past them is caught. */
	copy = malloc(size);
	memcpy(copy, data, size);
	if (tide_model_xgb_load(&m, "fuzz.ubj", copy, size, 1,
	    TIDE_MODEL_NO_NATIVE, &merr) == 0) {
		x = calloc((size_t)m.nfeat, sizeof(double));
		y = calloc((size_t)m.nout, sizeof(double));
		(void)tide_model_predict(&m, x, 1, y, &merr);
		free(x);
		free(y);
		tide_model_free(&m);
	}
	free(copy);
	return 0;
}
