/*
 * A native evaluator of XGBoost's gradient-boosted trees (model.h): the
 * trees of the model's JSON (as XGBoost itself saves it), walked as
 * XGBoost's CPU predictor walks them, for the objectives whose transform
 * it knows: binary:logistic, reg:squarederror, multi:softprob.  Each
 * record's features are taken as float (XGBoost's type); a NaN takes a
 * node's default direction; a value goes left when it is below the
 * split's condition; the margin starts at the base score (in margin
 * space) and adds each tree's leaf, in float, in tree order, to its
 * class's sum; then the objective's transform, in float.
 *
 * This mirrors XGBoost 1.7's arithmetic but does not call it, so xgb.c
 * uses it only after it has given, bit for bit, the C API's predictions
 * for a set of probe records built from the trees' own split conditions
 * (each threshold, the floats either side of it, missing values).
 * Anything else (categorical splits, dart, other objectives, vector
 * leaves) is refused with a reason, and the C API is used instead.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "xalloc.h"
#include "model/model.h"

struct node {
	int32_t left, right;	/* left < 0: a leaf */
	uint32_t feat;		/* the split's feature; top bit: default left */
	float cond;		/* the split's condition, or the leaf's value */
};

#define DEFLEFT 0x80000000u
#define BLOCK 64		/* records evaluated together */
#define LANES 8				/* of them walking one tree side by side */

enum transform { T_NONE, T_SIGMOID, T_SOFTMAX };

struct tide_gbtree {
	int ntree, nfeat, ngroup;
	struct node **tree;
	int *nnode;		/* tree -> its nodes */
	int *group;		/* tree -> its class */
	float base;		/* the base score, in margin space */
	enum transform tf;
	float *xf;		/* a block's features */
	float *sum;		/* a block's margins */
};

void
tide_gbtree_free(struct tide_gbtree *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ntree; i++)
		free(t->tree[i]);
	free(t->tree);
	free(t->nnode);
	free(t->group);
	free(t->xf);
	free(t->sum);
	free(t);
}

/* One step from node i towards the leaf of features x (i not a leaf).
 * A NaN goes the default way: "not >= cond" is true for it, "< cond"
 * false, and for any other value the two agree.  The right child is the
 * left one's next (as XGBoost's predictor has it too: the parse checks),
 * so the step is arithmetic, not a branch the data decides. */
static inline int32_t
step(const struct node *nd, int32_t i, const float *x)
{
	float v = x[nd[i].feat & ~DEFLEFT], c = nd[i].cond;
	unsigned dl = nd[i].feat >> 31, lt = v < c, ge = v >= c;

	return nd[i].left + 1 - (int32_t)((lt & (dl ^ 1)) | ((ge ^ 1) & dl));
}

/* The transform of one record's margins s[0..g) into y. */
static void
transform(const struct tide_gbtree *t, float *s, double *y)
{
	int k, g = t->ngroup;
	float wmax;
	double wsum;

	switch (t->tf) {
	case T_NONE:
		for (k = 0; k < g; k++)
			y[k] = s[k];
		break;
	case T_SIGMOID:
		for (k = 0; k < g; k++)
			y[k] = 1.0f / (expf(fminf(-s[k], 88.7f)) + 1.0f + 1e-16f);
		break;
	case T_SOFTMAX:
		wmax = s[0];
		for (k = 1; k < g; k++)
			wmax = fmaxf(s[k], wmax);
		wsum = 0;
		for (k = 0; k < g; k++) {
			s[k] = expf(s[k] - wmax);
			wsum += s[k];
		}
		for (k = 0; k < g; k++)
			y[k] = s[k] / (float)wsum;
		break;
	}
}

/* One record's margins s: LANES trees at a time walk side by side. */
static void
by_trees(const struct tide_gbtree *t, const float *x, float *s)
{
	const struct node *nd[LANES];
	int32_t at[LANES];
	int j, l, w, live;

	for (j = 0; j < t->ntree; j += w) {
		w = t->ntree - j < LANES ? t->ntree - j : LANES;
		for (l = 0; l < w; l++) {
			nd[l] = t->tree[j + l];
			at[l] = 0;
		}
		do {
			live = 0;
			for (l = 0; l < w; l++)
				if (nd[l][at[l]].left >= 0) {
					at[l] = step(nd[l], at[l], x);
					live = 1;
				}
		} while (live);
		for (l = 0; l < w; l++)
			s[t->group[j + l]] += nd[l][at[l]].cond;
	}
}

/* Records in blocks of BLOCK, each tree walked for the whole block while
 * it is in cache, as XGBoost's predictor does; each record's sum still
 * adds its trees in order. */
void
tide_gbtree_predict(struct tide_gbtree *t, const double *x, size_t n,
    double *y)
{
	size_t r, b, nb, nf = (size_t)t->nfeat, g = (size_t)t->ngroup;
	int j;

	for (r = 0; r < n; r += nb) {
		nb = n - r < BLOCK ? n - r : BLOCK;
		for (b = 0; b < nb * nf; b++)
			t->xf[b] = (float)x[r * nf + b];
		for (b = 0; b < nb * g; b++)
			t->sum[b] = t->base;
		/* A few records (a stream's batch when input is slow): each
		 * walks LANES trees side by side, the leaves then added in
		 * tree order. */
		if (nb < LANES) {
			for (b = 0; b < nb; b++)
				by_trees(t, t->xf + b * nf, t->sum + b * g);
			goto done;
		}
		/* LANES records walk a tree side by side: their steps are
		 * independent, so their loads overlap. */
		for (j = 0; j < t->ntree; j++) {
			const struct node *nd = t->tree[j];
			float *s = t->sum + t->group[j];
			int32_t at[LANES];
			size_t l, w;
			int d, live;

			for (b = 0; b < nb; b += w) {
				w = nb - b < LANES ? nb - b : LANES;
				for (l = 0; l < w; l++)
					at[l] = 0;
				for (d = 0, live = 1; live; d++) {
					live = 0;
					for (l = 0; l < w; l++)
						if (nd[at[l]].left >= 0) {
							at[l] = step(nd, at[l],
							    t->xf + (b + l) * nf);
							live = 1;
						}
				}
				for (l = 0; l < w; l++)
					s[(b + l) * g] += nd[at[l]].cond;
			}
		}
done:
		for (b = 0; b < nb; b++)
			transform(t, t->sum + b * g, y + (r + b) * g);
	}
}

/* ---- Reading the model's JSON ------------------------------------------ */

#define NO(...) do { snprintf(why, whylen, __VA_ARGS__); goto fail; } while (0)

/* The value at spec in the object o, of type want (0: any): 1, or 0. */
static int
get(const struct tide_json_val *o, const char *spec, enum tide_json_type want,
    struct tide_json_val *v)
{
	struct tide_path p;
	int r;

	if (tide_path_parse(&p, spec) < 0)
		return 0;
	r = tide_json_get(o->p, o->len, &p, v);
	tide_path_release(&p);
	return r == 1 && (want == TIDE_JSON_NONE || v->type == want);
}

/* A number, or a string holding one ("5E-1"), as float: 0 or -1. */
static int
to_float(const struct tide_json_val *v, float *f)
{
	char buf[64], *end;
	const char *p = v->p;
	size_t n = v->len;

	if (v->type == TIDE_JSON_STRING) {
		p++;
		n -= 2;
	} else if (v->type != TIDE_JSON_NUMBER)
		return -1;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*f = strtof(buf, &end);
	return *end == '\0' ? 0 : -1;
}

static int
to_int(const struct tide_json_val *v, long long *i)
{
	float f;
	int64_t x;

	if (v->type == TIDE_JSON_NUMBER && tide_json_int64(v, &x) == 0) {
		*i = x;
		return 0;
	}
	if (to_float(v, &f) < 0 || f != floorf(f))
		return -1;
	*i = (long long)f;
	return 0;
}

/* The n elements of array a as long long or float into out: 0, or -1
 * when a has another length or an element of another kind. */
static int
ints(const struct tide_json_val *a, long long *out, int n)
{
	struct tide_json_val e;
	size_t pos = 0;
	int i = 0;

	while (tide_json_arr_next(a, &pos, &e) == 1) {
		if (i == n || to_int(&e, &out[i]) < 0)
			return -1;
		i++;
	}
	return i == n ? 0 : -1;
}

static int
floats(const struct tide_json_val *a, float *out, int n)
{
	struct tide_json_val e;
	size_t pos = 0;
	int i = 0;

	while (tide_json_arr_next(a, &pos, &e) == 1) {
		if (i == n || to_float(&e, &out[i]) < 0)
			return -1;
		i++;
	}
	return i == n ? 0 : -1;
}

static int
count(const struct tide_json_val *a)
{
	struct tide_json_val e;
	size_t pos = 0;
	int n = 0;

	while (tide_json_arr_next(a, &pos, &e) == 1)
		n++;
	return n;
}

/* Tree t of the JSON into *out: its number of nodes, or -1 with why. */
static int
read_tree(const struct tide_json_val *t, int nfeat, struct node **out,
    char *why, size_t whylen)
{
	struct tide_json_val v, l, r, si, sc, dl, st;
	long long *il = NULL, *ir = NULL, *is = NULL, *idl = NULL, *ist = NULL;
	float *c = NULL;
	struct node *nd = NULL;
	int n, i;

	if (get(t, "categories", TIDE_JSON_ARRAY, &v) && count(&v) > 0)
		NO("categorical splits");
	if (!get(t, "left_children", TIDE_JSON_ARRAY, &l) ||
	    !get(t, "right_children", TIDE_JSON_ARRAY, &r) ||
	    !get(t, "split_indices", TIDE_JSON_ARRAY, &si) ||
	    !get(t, "split_conditions", TIDE_JSON_ARRAY, &sc) ||
	    !get(t, "default_left", TIDE_JSON_ARRAY, &dl) ||
	    !get(t, "split_type", TIDE_JSON_ARRAY, &st))
		NO("a tree without its arrays");
	if ((n = count(&l)) < 1 || n > (1 << 24))
		NO("a tree of %d nodes", n);
	il = tide_xcalloc((size_t)n, sizeof(*il));
	ir = tide_xcalloc((size_t)n, sizeof(*ir));
	is = tide_xcalloc((size_t)n, sizeof(*is));
	idl = tide_xcalloc((size_t)n, sizeof(*idl));
	ist = tide_xcalloc((size_t)n, sizeof(*ist));
	c = tide_xcalloc((size_t)n, sizeof(*c));
	if (ints(&l, il, n) < 0 || ints(&r, ir, n) < 0 || ints(&si, is, n) < 0 ||
	    ints(&dl, idl, n) < 0 || ints(&st, ist, n) < 0 ||
	    floats(&sc, c, n) < 0)
		NO("a tree's arrays of other lengths");
	nd = tide_xcalloc((size_t)n, sizeof(*nd));
	for (i = 0; i < n; i++) {
		if (il[i] == -1) {
			nd[i].left = -1;
			nd[i].cond = c[i];
			continue;
		}
		/* Children after their parent: the walk ends. */
		if (il[i] <= i || il[i] >= n || ir[i] != il[i] + 1)
			NO("a tree's children out of order");
		if (ist[i] != 0)
			NO("categorical splits");
		if (is[i] < 0 || is[i] >= nfeat)
			NO("a split on feature %lld of %d", is[i], nfeat);
		nd[i].left = (int32_t)il[i];
		nd[i].right = (int32_t)ir[i];
		nd[i].feat = (uint32_t)is[i] | (idl[i] ? DEFLEFT : 0);
		nd[i].cond = c[i];
	}
	*out = nd;
	nd = NULL;
	goto done;
fail:
	n = -1;
done:
	free(il);
	free(ir);
	free(is);
	free(idl);
	free(ist);
	free(c);
	free(nd);
	return n;
}

int
tide_gbtree_parse(struct tide_gbtree **out, const char *json, size_t len,
    int nfeat, int nout, char *why, size_t whylen)
{
	struct tide_json_val doc = { TIDE_JSON_OBJECT, json, len }, v, trees, e;
	struct tide_gbtree *t = tide_xcalloc(1, sizeof(*t));
	long long *info = NULL;
	float bs;
	size_t pos = 0;
	int i;

	*out = NULL;
	if (tide_json_check(json, len, TIDE_JSON_MAXDEPTH, NULL, NULL) < 0)
		NO("the model's JSON does not scan");
	if (!get(&doc, "learner.gradient_booster.name", TIDE_JSON_STRING, &v) ||
	    !tide_json_str_eq(&v, "gbtree", 6))
		NO("not a gbtree booster");
	if (!get(&doc, "learner.objective.name", TIDE_JSON_STRING, &v))
		NO("no objective");
	if (tide_json_str_eq(&v, "binary:logistic", 15))
		t->tf = T_SIGMOID;
	else if (tide_json_str_eq(&v, "reg:squarederror", 16))
		t->tf = T_NONE;
	else if (tide_json_str_eq(&v, "multi:softprob", 14))
		t->tf = T_SOFTMAX;
	else
		NO("objective %.*s", (int)(v.len > 40 ? 40 : v.len), v.p);
	if (!get(&doc, "learner.learner_model_param.base_score", TIDE_JSON_NONE,
	    &v) || to_float(&v, &bs) < 0)
		NO("no base score");
	/* XGBoost keeps it as a probability and takes its margin once. */
	if (t->tf == T_SIGMOID) {
		if (!(bs > 0 && bs < 1))
			NO("a base score of %g", (double)bs);
		t->base = -logf(1.0f / bs - 1.0f);
	} else
		t->base = bs;
	t->nfeat = nfeat;
	t->ngroup = nout;
	if ((t->tf == T_SOFTMAX) != (nout > 1))
		NO("%d values per record", nout);
	if (!get(&doc, "learner.gradient_booster.model.trees", TIDE_JSON_ARRAY,
	    &trees) || !get(&doc, "learner.gradient_booster.model.tree_info",
	    TIDE_JSON_ARRAY, &v))
		NO("no trees");
	t->ntree = count(&trees);
	if (t->ntree < 1 || count(&v) != t->ntree)
		NO("%d trees", t->ntree);
	info = tide_xcalloc((size_t)t->ntree, sizeof(*info));
	if (ints(&v, info, t->ntree) < 0)
		NO("a bad tree_info");
	t->tree = tide_xcalloc((size_t)t->ntree, sizeof(*t->tree));
	t->group = tide_xcalloc((size_t)t->ntree, sizeof(*t->group));
	t->nnode = tide_xcalloc((size_t)t->ntree, sizeof(*t->nnode));
	for (i = 0; tide_json_arr_next(&trees, &pos, &e) == 1; i++) {
		if (info[i] < 0 || info[i] >= nout)
			NO("tree %d of class %lld", i, info[i]);
		t->group[i] = (int)info[i];
		if (e.type != TIDE_JSON_OBJECT || (t->nnode[i] = read_tree(&e,
		    nfeat, &t->tree[i], why, whylen)) < 0) {
			t->ntree = i;
			if (e.type != TIDE_JSON_OBJECT)
				NO("a tree that is not an object");
			goto fail;
		}
	}
	t->xf = tide_xcalloc((size_t)nfeat * BLOCK, sizeof(float));
	t->sum = tide_xcalloc((size_t)nout * BLOCK, sizeof(float));
	free(info);
	*out = t;
	return 0;
fail:
	free(info);
	tide_gbtree_free(t);
	return TIDE_EINVAL;
}

/* Tree i of the JSON, walked from its root: each node reached once, its
 * children among its nodes, its split on one of the nfeat features.
 * 0, or -1 with why. */
static int
sound_tree(const struct tide_json_val *t, int i, int nfeat, char *why,
    size_t whylen)
{
	struct tide_json_val l, r, si;
	long long *il = NULL, *ir = NULL, *is = NULL;
	int32_t *stack = NULL;
	unsigned char *seen = NULL;
	int n, top = 0, ret = -1;

	if (!get(t, "left_children", TIDE_JSON_ARRAY, &l) ||
	    !get(t, "right_children", TIDE_JSON_ARRAY, &r) ||
	    !get(t, "split_indices", TIDE_JSON_ARRAY, &si))
		NO("tree %d: without its arrays of children and splits", i);
	if ((n = count(&l)) < 1 || n > (1 << 24))
		NO("tree %d: %d nodes", i, n);
	il = tide_xcalloc((size_t)n, sizeof(*il));
	ir = tide_xcalloc((size_t)n, sizeof(*ir));
	is = tide_xcalloc((size_t)n, sizeof(*is));
	if (ints(&l, il, n) < 0 || ints(&r, ir, n) < 0 || ints(&si, is, n) < 0)
		NO("tree %d: arrays of other lengths, or not of integers", i);
	seen = tide_xcalloc((size_t)n, 1);
	stack = tide_xcalloc((size_t)n + 1, sizeof(*stack));
	stack[top++] = 0;
	seen[0] = 1;
	while (top > 0) {
		int32_t k = stack[--top], c;
		long long ch[2];
		int j;

		if (il[k] == -1)
			continue;		/* a leaf, as XGBoost tells */
		if (is[k] < 0 || is[k] >= nfeat)
			NO("tree %d: node %d splits on feature %lld of %d", i,
			    k, is[k], nfeat);
		ch[0] = il[k];
		ch[1] = ir[k];
		for (j = 0; j < 2; j++) {
			if (ch[j] < 0 || ch[j] >= n)
				NO("tree %d: node %d's child %lld is out of the "
				    "tree", i, k, ch[j]);
			c = (int32_t)ch[j];
			if (seen[c])
				NO("tree %d: node %d is reached twice (a cycle)",
				    i, c);
			seen[c] = 1;
			stack[top++] = c;	/* each node once: fits */
		}
	}
	ret = 0;
fail:
	free(il);
	free(ir);
	free(is);
	free(seen);
	free(stack);
	return ret;
}

int
tide_gbtree_sound(const char *json, size_t len, int nfeat, char *why,
    size_t whylen)
{
	static const char *const at[] = {
		"learner.gradient_booster.model.trees",
		"learner.gradient_booster.gbtree.model.trees",	/* dart */
	};
	struct tide_json_val doc = { TIDE_JSON_OBJECT, json, len }, trees, e;
	size_t pos = 0, k;
	int i;

	if (tide_json_check(json, len, TIDE_JSON_MAXDEPTH, NULL, NULL) < 0) {
		snprintf(why, whylen, "its JSON does not scan");
		return TIDE_EINVAL;
	}
	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++)
		if (get(&doc, at[k], TIDE_JSON_ARRAY, &trees))
			break;
	if (k == sizeof(at) / sizeof(at[0]))
		return 0;			/* no trees: gblinear */
	for (i = 0; tide_json_arr_next(&trees, &pos, &e) == 1; i++)
		if (e.type != TIDE_JSON_OBJECT) {
			snprintf(why, whylen, "tree %d: not an object", i);
			return TIDE_EINVAL;
		} else if (sound_tree(&e, i, nfeat, why, whylen) < 0)
			return TIDE_EINVAL;
	return 0;
}

/* Feature j's split conditions, and the floats either side of each,
 * into v[0..max): the count.  With more conditions than max / 3, an
 * evenly spaced sample of them. */
int
tide_gbtree_probes(const struct tide_gbtree *t, int j, float *v, int max)
{
	const struct node *nd;
	long long c = 0, every, seen = 0;
	int i, k, n = 0;

	for (i = 0; i < t->ntree; i++)
		for (nd = t->tree[i], k = 0; k < t->nnode[i]; k++)
			c += nd[k].left >= 0 && (nd[k].feat & ~DEFLEFT) ==
			    (uint32_t)j;
	every = max < 3 ? c + 1 : (c + max / 3 - 1) / (max / 3);
	if (every < 1)
		every = 1;
	for (i = 0; i < t->ntree; i++)
		for (nd = t->tree[i], k = 0; k < t->nnode[i]; k++) {
			if (nd[k].left < 0 || (nd[k].feat & ~DEFLEFT) !=
			    (uint32_t)j || seen++ % every != 0 || n + 3 > max)
				continue;
			v[n++] = nd[k].cond;
			v[n++] = nextafterf(nd[k].cond, -INFINITY);
			v[n++] = nextafterf(nd[k].cond, INFINITY);
		}
	return n;
}
