#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model/model.h"
#include "model/ubj.h"
#include "unit.h"

/* check_model.c's tiny model (two trees of depth 1 over a and b,
 * binary:logistic) as python3-xgboost 1.7.4 saves it as UBJSON. */
static const char tinyubj[] =
	"{L\000\000\000\000\000\000\000\007learner{L\000\000\000\000\000\000"
	    "\000\012attributes{L\000\000\000\000\000\000\000\016best_iterat"
	    "ionSL\000\000\000\000\000\000\000\0011L\000\000\000\000\000\000"
	    "\000\020best_ntree_limitSL\000\000\000\000\000\000\000\0012}L"
	    "\000\000\000\000\000\000\000\015feature_names[#L\000\000\000"
	    "\000\000\000\000\002SL\000\000\000\000\000\000\000\001aSL\000"
	    "\000\000\000\000\000\000\001bL\000\000\000\000\000\000\000\015f"
	    "eature_types[#L\000\000\000\000\000\000\000\000L\000\000\000"
	    "\000\000\000\000\020gradient_booster{L\000\000\000\000\000\000"
	    "\000\005model{L\000\000\000\000\000\000\000\022gbtree_model_par"
	    "am{L\000\000\000\000\000\000\000\021num_parallel_treeSL\000\000"
	    "\000\000\000\000\000\0011L\000\000\000\000\000\000\000\011num_t"
	    "reesSL\000\000\000\000\000\000\000\0012L\000\000\000\000\000"
	    "\000\000\020size_leaf_vectorSL\000\000\000\000\000\000\000\0010"
	    "}L\000\000\000\000\000\000\000\011tree_info[#L\000\000\000\000"
	    "\000\000\000\002i\000i\000L\000\000\000\000\000\000\000\005tree"
	    "s[#L\000\000\000\000\000\000\000\002{L\000\000\000\000\000\000"
	    "\000\014base_weights[$d#L\000\000\000\000\000\000\000\003>\275"
	    "\241/\277\325UU\077\341\341\342L\000\000\000\000\000\000\000"
	    "\012categories[$l#L\000\000\000\000\000\000\000\000L\000\000"
	    "\000\000\000\000\000\020categories_nodes[$l#L\000\000\000\000"
	    "\000\000\000\000L\000\000\000\000\000\000\000\023categories_seg"
	    "ments[$L#L\000\000\000\000\000\000\000\000L\000\000\000\000\000"
	    "\000\000\020categories_sizes[$L#L\000\000\000\000\000\000\000"
	    "\000L\000\000\000\000\000\000\000\014default_left[$U#L\000\000"
	    "\000\000\000\000\000\003\000\000\000L\000\000\000\000\000\000"
	    "\000\002idi\000L\000\000\000\000\000\000\000\015left_children[$"
	    "l#L\000\000\000\000\000\000\000\003\000\000\000\001\377\377\377"
	    "\377\377\377\377\377L\000\000\000\000\000\000\000\014loss_chang"
	    "es[$d#L\000\000\000\000\000\000\000\003B%$@\000\000\000\000\000"
	    "\000\000\000L\000\000\000\000\000\000\000\007parents[$l#L\000"
	    "\000\000\000\000\000\000\003\177\377\377\377\000\000\000\000"
	    "\000\000\000\000L\000\000\000\000\000\000\000\016right_children"
	    "[$l#L\000\000\000\000\000\000\000\003\000\000\000\002\377\377"
	    "\377\377\377\377\377\377L\000\000\000\000\000\000\000\020split_"
	    "conditions[$d#L\000\000\000\000\000\000\000\003\077\300\000\000"
	    "\277\325UU\077\341\341\342L\000\000\000\000\000\000\000\015spli"
	    "t_indices[$l#L\000\000\000\000\000\000\000\003\000\000\000\000"
	    "\000\000\000\000\000\000\000\000L\000\000\000\000\000\000\000"
	    "\012split_type[$U#L\000\000\000\000\000\000\000\003\000\000\000"
	    "L\000\000\000\000\000\000\000\013sum_hessian[$d#L\000\000\000"
	    "\000\000\000\000\003AH\000\000@\240\000\000@\360\000\000L\000"
	    "\000\000\000\000\000\000\012tree_param{L\000\000\000\000\000"
	    "\000\000\013num_deletedSL\000\000\000\000\000\000\000\0010L\000"
	    "\000\000\000\000\000\000\013num_featureSL\000\000\000\000\000"
	    "\000\000\0012L\000\000\000\000\000\000\000\011num_nodesSL\000"
	    "\000\000\000\000\000\000\0013L\000\000\000\000\000\000\000\020s"
	    "ize_leaf_vectorSL\000\000\000\000\000\000\000\0010}}{L\000\000"
	    "\000\000\000\000\000\014base_weights[$d#L\000\000\000\000\000"
	    "\000\000\003>&\334\265\277]{\042\077l\244\344L\000\000\000\000"
	    "\000\000\000\012categories[$l#L\000\000\000\000\000\000\000\000"
	    "L\000\000\000\000\000\000\000\020categories_nodes[$l#L\000\000"
	    "\000\000\000\000\000\000L\000\000\000\000\000\000\000\023catego"
	    "ries_segments[$L#L\000\000\000\000\000\000\000\000L\000\000\000"
	    "\000\000\000\000\020categories_sizes[$L#L\000\000\000\000\000"
	    "\000\000\000L\000\000\000\000\000\000\000\014default_left[$U#L"
	    "\000\000\000\000\000\000\000\003\000\000\000L\000\000\000\000"
	    "\000\000\000\002idi\001L\000\000\000\000\000\000\000\015left_ch"
	    "ildren[$l#L\000\000\000\000\000\000\000\003\000\000\000\001\377"
	    "\377\377\377\377\377\377\377L\000\000\000\000\000\000\000\014lo"
	    "ss_changes[$d#L\000\000\000\000\000\000\000\003@\323g\315\000"
	    "\000\000\000\000\000\000\000L\000\000\000\000\000\000\000\007pa"
	    "rents[$l#L\000\000\000\000\000\000\000\003\177\377\377\377\000"
	    "\000\000\000\000\000\000\000L\000\000\000\000\000\000\000\016ri"
	    "ght_children[$l#L\000\000\000\000\000\000\000\003\000\000\000"
	    "\002\377\377\377\377\377\377\377\377L\000\000\000\000\000\000"
	    "\000\020split_conditions[$d#L\000\000\000\000\000\000\000\003"
	    "\077\300\000\000\277]{\042\077l\244\344L\000\000\000\000\000"
	    "\000\000\015split_indices[$l#L\000\000\000\000\000\000\000\003"
	    "\000\000\000\000\000\000\000\000\000\000\000\000L\000\000\000"
	    "\000\000\000\000\012split_type[$U#L\000\000\000\000\000\000\000"
	    "\003\000\000\000L\000\000\000\000\000\000\000\013sum_hessian[$d"
	    "#L\000\000\000\000\000\000\000\003@\315[Z@+\013\310@o\252\354L"
	    "\000\000\000\000\000\000\000\012tree_param{L\000\000\000\000"
	    "\000\000\000\013num_deletedSL\000\000\000\000\000\000\000\0010L"
	    "\000\000\000\000\000\000\000\013num_featureSL\000\000\000\000"
	    "\000\000\000\0012L\000\000\000\000\000\000\000\011num_nodesSL"
	    "\000\000\000\000\000\000\000\0013L\000\000\000\000\000\000\000"
	    "\020size_leaf_vectorSL\000\000\000\000\000\000\000\0010}}}L\000"
	    "\000\000\000\000\000\000\004nameSL\000\000\000\000\000\000\000"
	    "\006gbtree}L\000\000\000\000\000\000\000\023learner_model_param"
	    "{L\000\000\000\000\000\000\000\012base_scoreSL\000\000\000\000"
	    "\000\000\000\0045E-1L\000\000\000\000\000\000\000\022boost_from"
	    "_averageSL\000\000\000\000\000\000\000\0010L\000\000\000\000"
	    "\000\000\000\011num_classSL\000\000\000\000\000\000\000\0010L"
	    "\000\000\000\000\000\000\000\013num_featureSL\000\000\000\000"
	    "\000\000\000\0012L\000\000\000\000\000\000\000\012num_targetSL"
	    "\000\000\000\000\000\000\000\0011}L\000\000\000\000\000\000\000"
	    "\011objective{L\000\000\000\000\000\000\000\004nameSL\000\000"
	    "\000\000\000\000\000\017binary:logisticL\000\000\000\000\000"
	    "\000\000\016reg_loss_param{L\000\000\000\000\000\000\000\020sca"
	    "le_pos_weightSL\000\000\000\000\000\000\000\0011}}}L\000\000"
	    "\000\000\000\000\000\007version[#L\000\000\000\000\000\000\000"
	    "\003i\001i\007i\004}";
#define TINYLEN (sizeof(tinyubj) - 1)

static void setup(void) { unit_tmp_start("ubj"); }
static void teardown(void) { unit_tmp_stop(); }

/* Write n bytes of p as file. */
static void
put(const char *file, const void *p, size_t n)
{
	FILE *f = fopen(unit_path(file), "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* As tide_model_load() takes a .ubj, from memory: the walk, then
 * XGBoost (its C API alone, for speed). */
static int
load_mem(struct tide_model *m, const char *p, size_t n,
    struct tide_model_err *err)
{
	struct tide_ubj_err uerr;

	if (tide_ubj_check(p, n, &uerr) < 0)
		return TIDE_EFORMAT;
	return tide_model_xgb_load(m, "mem.ubj", p, n, 1,
	    TIDE_MODEL_NO_NATIVE, err);
}

#define L8(n) "L\0\0\0\0\0\0\0" n	/* an int64 length n (< 256) */

START_TEST(test_ubj_takes_what_xgboost_writes)
{
	static const struct {
		const char *p;
		size_t n;
	} good[] = {
#define G(s) { s, sizeof(s) - 1 }
		G("{}"),
		G("{" L8("\1") "aZ" L8("\1") "bT" L8("\0") "F}"),
		G("{" L8("\1") "ai\377" L8("\1") "bU\1" L8("\1") "cC" "x"
		    L8("\1") "dI\1\2" L8("\1") "el\1\2\3\4" L8("\1") "fd\1\2\3"
		    "\4" L8("\1") "gL\1\2\3\4\5\6\7\10}"),
		G("{" L8("\1") "sS" L8("\3") "abc" L8("\1") "eS" L8("\0") "}"),
		G("{" L8("\1") "a[$d#" L8("\2") "\1\2\3\4\5\6\7\10"
		    L8("\1") "b[$U#" L8("\1") "\377" L8("\1") "c[$l#" L8("\0")
		    L8("\1") "d[$L#" L8("\1") "\1\2\3\4\5\6\7\10}"),
		G("{" L8("\1") "a[#" L8("\2") "Z[#" L8("\0") L8("\1") "b[[]"
		    "[Z{}]]}"),
#undef G
	};
	struct tide_ubj_err err;
	char deep[10 + 2 * TIDE_UBJ_MAXDEPTH];
	size_t i;

	ck_assert_int_eq(tide_ubj_check(tinyubj, TINYLEN, &err), 0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(tide_ubj_check(good[i].p, good[i].n, &err) == 0,
		    "%zu: %s at byte %zu", i, err.reason, err.offset);
	/* TIDE_UBJ_MAXDEPTH deep: the model's object and arrays in it. */
	deep[0] = '{';
	memcpy(deep + 1, L8("\1") "a", 10);
	memset(deep + 11, '[', TIDE_UBJ_MAXDEPTH - 1);
	memset(deep + 10 + TIDE_UBJ_MAXDEPTH, ']', TIDE_UBJ_MAXDEPTH - 1);
	deep[9 + 2 * TIDE_UBJ_MAXDEPTH] = '}';
	ck_assert_int_eq(tide_ubj_check(deep, 10 + 2 * TIDE_UBJ_MAXDEPTH,
	    &err), 0);
	deep[10 + TIDE_UBJ_MAXDEPTH] = '[';
	ck_assert_int_eq(tide_ubj_check(deep, 10 + 2 * TIDE_UBJ_MAXDEPTH,
	    &err), -1);
	ck_assert_str_eq(err.reason, "nested too deep");
	ck_assert_uint_eq(err.offset, 10 + TIDE_UBJ_MAXDEPTH);
}
END_TEST

START_TEST(test_ubj_refuses_what_xgboost_cannot_read)
{
	static const struct {
		const char *p;
		size_t n;
		const char *reason;
		size_t offset;
	} bad[] = {
#define B(s, r, o) { s, sizeof(s) - 1, r, o }
		B("", "empty", 0),
		B("[]", "not an object (a model) at its start", 0),
		B("Z", "not an object (a model) at its start", 0),
		B("{", "truncated in an object", 1),
		B("{}}", "bytes after the model's end", 2),
		B("{}\n", "bytes after the model's end", 2),
		B("{" L8("\1") "a", "truncated: a value missing", 11),
		B("{" L8("\1") "a[", "truncated in an array", 12),
		B("{" L8("\2") "a", "truncated in a key", 1),
		B("{L\0\0\0", "truncated in a key", 1),
		B("{SL\0\0\0\0\0\0\0\1aZ}", "a length whose marker is not L "
		    "(int64)", 1),
		B("{l\0\0\0\1aZ}", "a length whose marker is not L (int64)", 1),
		B("{L\200\0\0\0\0\0\0\1aZ}", "a negative length", 1),
		B("{L\377\377\377\377\377\377\377\377aZ}", "a negative length",
		    1),
		B("{" L8("\1") "aS" L8("\5") "abc}", "truncated in a string", 11),
		B("{" L8("\1") "aSU\1a}", "a length whose marker is not L "
		    "(int64)", 12),
		B("{" L8("\1") "aI\1", "truncated in a number", 11),
		B("{" L8("\1") "aL\1\2\3\4\5\6\7", "truncated in a number", 11),
		B("{" L8("\1") "ad\1\2\3", "truncated in a number", 11),
		B("{" L8("\1") "aD\1\2\3\4\5\6\7\10}", "a float64 (D), which "
		    "XGBoost does not read", 11),
		B("{" L8("\1") "aH" L8("\1") "1}", "a high-precision number (H), "
		    "which XGBoost does not read", 11),
		B("{" L8("\1") "aNZ}", "an unknown marker", 11),
		B("{" L8("\1") "a\377}", "an unknown marker", 11),
		B("{" L8("\1") "a\0}", "an unknown marker", 11),
		B("{" L8("\1") "a]}", "an unknown marker", 11),
		B("{" L8("\1") "a[$i#" L8("\1") "\1}", "a typed array of a type "
		    "XGBoost does not read (not d, U, l or L)", 13),
		B("{" L8("\1") "a[$Z#" L8("\1") "}", "a typed array of a type "
		    "XGBoost does not read (not d, U, l or L)", 13),
		B("{" L8("\1") "a[$d" L8("\1") "\1\2\3\4}", "a typed array "
		    "without its count (#)", 14),
		B("{" L8("\1") "a[$d#" L8("\2") "\1\2\3\4}", "truncated in a "
		    "typed array", 11),
		B("{" L8("\1") "a[$L#L\040\0\0\0\0\0\0\1" "\1\2\3\4\5\6\7\10}",
		    "truncated in a typed array", 11),
		B("{" L8("\1") "a[$d#L\100\0\0\0\0\0\0\0}", "truncated in a "
		    "typed array", 11),
		B("{" L8("\1") "a[$d", "truncated in a typed array", 11),
		B("{" L8("\1") "a[$d#L\0\0", "truncated in a typed array", 15),
		B("{" L8("\1") "a[#" L8("\4") "ZZ}", "truncated in an array (more "
		    "values than bytes)", 11),
		B("{" L8("\1") "a[#" L8("\2") "Z}", "an unknown marker", 23),
		B("{" L8("\1") "a[#" L8("\2") "ZZ", "truncated in an object", 24),
		B("{" L8("\1") "a[#U\2ZZ}", "a length whose marker is not L "
		    "(int64)", 13),
		B("{" L8("\1") "a[ZZ}", "an unknown marker", 14),
		B("{" L8("\1") "a{#" L8("\1") L8("\1") "aZ}}", "a length whose "
		    "marker is not L (int64)", 12),
		B("{" L8("\1") "a{$Z#" L8("\1") L8("\1") "a}}", "a length whose "
		    "marker is not L (int64)", 12),
#undef B
	};
	struct tide_ubj_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.reason = NULL;
		ck_assert_msg(tide_ubj_check(bad[i].p, bad[i].n, &err) == -1,
		    "%zu: taken", i);
		ck_assert_msg(strcmp(err.reason, bad[i].reason) == 0 &&
		    err.offset == bad[i].offset, "%zu: %s at byte %zu", i,
		    err.reason, err.offset);
	}
}
END_TEST

START_TEST(test_ubj_model_loads_and_predicts)
{
	/* As check_model.c's tiny model in JSON: python3-xgboost's. */
	const double x[] = { 0, 0, 3, 0, NAN, NAN, 1.4999999, 7 };
	const float want[] = { 0.07365690916776657f, 0.9363802075386047f,
	    0.9363802075386047f, 0.07365690916776657f };
	struct tide_model m;
	struct tide_model_err err;
	double y[4];
	int i;

	put("tiny.ubj", tinyubj, TINYLEN);
	ck_assert_int_eq(tide_model_load(&m, unit_path("tiny.ubj"), 1, 0,
	    &err), 0);
	ck_assert_str_eq(m.what, "xgboost binary:logistic, 2 features, 1 value "
	    "per record");
	ck_assert_str_eq(m.names[1], "b");
	ck_assert_int_eq(tide_model_predict(&m, x, 4, y, &err), 0);
	for (i = 0; i < 4; i++)
		ck_assert_msg(y[i] == (double)want[i], "row %d: %.17g", i, y[i]);
	tide_model_free(&m);
}
END_TEST

/* Every truncation of a real model is refused, by the walk, from a file
 * (tide_model_load) with the walk's reason and offset. */
START_TEST(test_ubj_every_truncation_refused)
{
	struct tide_model m;
	struct tide_model_err err;
	struct tide_ubj_err uerr;
	char want[256];
	size_t n;

	for (n = 0; n < TINYLEN; n++) {
		ck_assert_int_eq(tide_ubj_check(tinyubj, n, &uerr), -1);
		put("t.ubj", tinyubj, n);
		ck_assert_int_eq(tide_model_load(&m, unit_path("t.ubj"), 1, 0,
		    &err), TIDE_EFORMAT);
		if (n == 0)
			snprintf(want, sizeof(want), "model '%s': empty file",
			    unit_path("t.ubj"));
		else
			snprintf(want, sizeof(want), "model '%s': not UBJSON as "
			    "XGBoost writes it: %s at byte %zu",
			    unit_path("t.ubj"), uerr.reason, uerr.offset);
		ck_assert_str_eq(err.msg, want);
		ck_assert_ptr_null(m.ops);
	}
	/* Cut in the length of "best_ntree_limit"'s string: where the
	 * string starts. */
	ck_assert_int_eq(tide_ubj_check(tinyubj, 100, &uerr), -1);
	ck_assert_str_eq(uerr.reason, "truncated in a string");
	ck_assert_uint_eq(uerr.offset, 98);
}
END_TEST

/* The length at b[*i] (an L and 8 bytes), its bytes marked in st. */
static uint64_t
len9(const unsigned char *b, size_t *i, char *st)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < 9; k++) {
		n = k == 0 ? 0 : n << 8 | b[*i];
		st[(*i)++] = 1;
	}
	return n;
}

/*
 * The test's oracle of where a well-formed model's structure is: marks in
 * st the markers, lengths and counts of the value at b[*i], and moves *i
 * past it; the bytes of keys, strings and numbers stay 0.  Naive (it
 * trusts its input): for tinyubj only.
 */
static void
scan(const unsigned char *b, size_t *i, char *st)
{
	static const char size[256] = { ['i'] = 1, ['U'] = 1, ['C'] = 1,
	    ['I'] = 2, ['l'] = 4, ['d'] = 4, ['L'] = 8 };
	unsigned char c = b[*i];
	uint64_t n;
	size_t w;

	st[(*i)++] = 1;
	if (c == '{') {
		while (b[*i] != '}') {
			*i += len9(b, i, st);
			scan(b, i, st);
		}
		st[(*i)++] = 1;
	} else if (c == '[' && b[*i] == '$') {
		w = (size_t)size[b[*i + 1]];
		st[*i] = st[*i + 1] = st[*i + 2] = 1;
		*i += 3;
		n = len9(b, i, st);
		*i += n * w;
	} else if (c == '[' && b[*i] == '#') {
		st[(*i)++] = 1;
		for (n = len9(b, i, st); n > 0; n--)
			scan(b, i, st);
	} else if (c == '[') {
		while (b[*i] != ']')
			scan(b, i, st);
		st[(*i)++] = 1;
	} else if (c == 'S')
		*i += len9(b, i, st);
	else
		*i += (size_t)size[c];
}

/*
 * Byte flips of a real model (_i picks the flip).  Of a marker, a length
 * or a count: refused (by the walk or by XGBoost) or loaded, and a
 * loaded model predicts or refuses; none crashes.  Of a value (a key's
 * or a string's bytes, a number): the structure stands, the walk takes
 * it, and XGBoost is not asked: it crashes on some such models (a
 * tree's "id" or "parents", "num_trees", "tree_info" changed), which no
 * walk of the structure can see.
 */
START_TEST(test_ubj_byte_flips_refused_or_loaded)
{
	static const unsigned char flip[] = { 0x01, 0x80, 0xff };
	static char st[TINYLEN];
	char *p = malloc(TINYLEN);
	struct tide_model m;
	struct tide_model_err err;
	struct tide_ubj_err uerr;
	double *x, *y;
	size_t i = 0, walked = 0, loaded = 0, values = 0;
	int r;

	scan((const unsigned char *)tinyubj, &i, st);
	ck_assert_uint_eq(i, TINYLEN);
	for (i = 0; i < TINYLEN; i++) {
		memcpy(p, tinyubj, TINYLEN);
		p[i] = (char)(p[i] ^ flip[_i]);
		if (!st[i]) {
			ck_assert_msg(tide_ubj_check(p, TINYLEN, &uerr) == 0,
			    "byte %zu: %s at byte %zu", i, uerr.reason,
			    uerr.offset);
			values++;
			continue;
		}
		walked += tide_ubj_check(p, TINYLEN, &uerr) == 0;
		r = load_mem(&m, p, TINYLEN, &err);
		ck_assert_msg(r == 0 || r == TIDE_EFORMAT, "byte %zu: %d", i, r);
		if (r == 0) {
			/* One record of zeros (its features may have changed
			 * in number): scored, or refused by XGBoost. */
			loaded++;
			x = calloc((size_t)m.nfeat, sizeof(double));
			y = calloc((size_t)m.nout, sizeof(double));
			r = tide_model_predict(&m, x, 1, y, &err);
			ck_assert_msg(r == 0 || r == TIDE_EINVAL, "byte %zu: %d",
			    i, r);
			free(x);
			free(y);
			tide_model_free(&m);
		}
	}
	/* Of the 1276 bytes of structure, the walk takes 2 flips (1 of
	 * 0xff): a length's byte whose new length happens to end on a
	 * marker (bytes 667 and 1421; 2023 and 2074); XGBoost refuses
	 * them. */
	ck_assert_uint_eq(values, 1035);
	ck_assert_uint_eq(walked, _i == 2 ? 1 : 2);
	ck_assert_uint_eq(loaded, 0);
	free(p);
}
END_TEST

Suite *
suite_ubj(void)
{
	Suite *s = suite_create("ubj");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ubj_takes_what_xgboost_writes);
	tcase_add_test(tc, test_ubj_refuses_what_xgboost_cannot_read);
	tcase_add_test(tc, test_ubj_model_loads_and_predicts);
	tcase_add_test(tc, test_ubj_every_truncation_refused);
	tcase_add_loop_test(tc, test_ubj_byte_flips_refused_or_loaded, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
