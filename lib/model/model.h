/*
 * lib/model: the models tide-score evaluates, behind one table of
 * operations: load a file, say what it takes (its inputs, the names it
 * stores for them) and gives (values per record), predict a batch, free.
 *
 *	xgb.c      XGBoost gradient-boosted trees, through XGBoost's own C
 *	           API (libxgboost): a model saved as JSON (".json" holding
 *	           a "learner") or UBJSON (".ubj"), any objective; the only
 *	           library code that includes <xgboost/c_api.h>
 *	ubj.c      a bounds-checked walk of XGBoost's UBJSON, before
 *	           XGBoost reads it (ubj.h)
 *	linear.c   linear and logistic regression from a small JSON file of
 *	           coefficients and an intercept, evaluated here
 *
 * tide_model_load() picks the kind by the file: ".ubj" is XGBoost's
 * UBJSON, walked first (ubj.h: XGBoost's reader crashes on a truncated
 * or damaged file) and loaded from the bytes walked; ".json" is read
 * and is XGBoost's when it holds a "learner", a linear model when it
 * holds "coefficients".  Any other name is refused (XGBoost's old binary
 * format is not taken).
 *
 * Inputs are a row-major matrix of doubles, nfeat per record, NaN for a
 * missing value (XGBoost's default direction at each split; a linear
 * model has no such thing, so lin->missing_ok is 0 and the caller must
 * not send NaN).  Outputs are nout doubles per record: 1, or one per class
 * (multi:softprob's probabilities).  XGBoost computes in float32; its
 * values are widened exactly.
 *
 * Memory: a loaded model owns everything it allocated (names, buffers of
 * the C API's); predict allocates nothing of ours (XGBoost's own scratch
 * is its business) and may be called from one thread at a time.  A
 * failed load leaves nothing to free.  Nothing here prints or exits:
 * errors come back as TIDE_E* codes with the text in struct
 * tide_model_err.
 */
#ifndef TIDE_MODEL_MODEL_H
#define TIDE_MODEL_MODEL_H

#include <stddef.h>

#define TIDE_MODEL_MAXFEAT 65536	/* inputs of one model */
#define TIDE_MODEL_MAXOUT 4096		/* values per record */
#define TIDE_MODEL_MAXFILE (256u << 20)	/* bytes of a model file */

struct tide_model_err {
	char msg[512];
};

struct tide_model;

struct tide_model_ops {
	const char *kind;	/* "xgboost", "linear" */
	/* Predict n records x[0 .. n*nfeat) into y[0 .. n*nout): 0, or
	 * TIDE_EINVAL with err (the library refused). */
	int (*predict)(struct tide_model *m, const double *x, size_t n,
	    double *y, struct tide_model_err *err);
	void (*free)(struct tide_model *m);
};

struct tide_model {
	const struct tide_model_ops *ops;
	void *impl;
	int nfeat;		/* inputs per record */
	int nout;		/* outputs per record */
	int missing_ok;		/* NaN inputs are taken as missing */
	char **names;		/* nfeat names stored in the model, or NULL */
	char what[128];		/* "xgboost binary:logistic, 20 features, ..." */
	char how[256];		/* how it is evaluated, and why */
};

enum tide_model_flags {
	TIDE_MODEL_NO_NATIVE = 1 << 0,	/* XGBoost: always its C API */
	TIDE_MODEL_STDIN = 1 << 1,	/* the bytes are on standard input
					 * (a probe's child): path names them
					 * and gives the kind, unopened */
};

/*
 * Load path into m (nthread: the threads XGBoost may use, >= 1; flags:
 * enum tide_model_flags).  An XGBoost gbtree model of an objective the
 * native evaluator knows (gbtree.c) is evaluated by it once it has
 * given the C API's predictions bit for bit on probe records; m->how
 * says which, and why not.
 * Returns 0, or TIDE_EIO (cannot be read: errno's text in err),
 * TIDE_EINVAL (a name that is neither .json nor .ubj), TIDE_EFORMAT (a
 * file of the right name that is broken, truncated, of another kind, or
 * whose model cannot predict), TIDE_ETOOBIG (over the caps above).
 */
int tide_model_load(struct tide_model *m, const char *path, int nthread,
    unsigned flags, struct tide_model_err *err);

static inline int
tide_model_predict(struct tide_model *m, const double *x, size_t n,
    double *y, struct tide_model_err *err)
{
	return m->ops->predict(m, x, n, y, err);
}

/*
 * XGBoost's loader crashes (SIGSEGV, abort) on some files that are sound
 * in structure but not in content (a tree's "id", "num_trees", a
 * "parents" entry out of range): it cannot be checked from here, so
 * the load is tried first in a child.  Once tide_model_probe_with(exe)
 * is called, tide_model_load() runs, before it gives XGBoost a model,
 * exe --check-model PATH (posix_spawn, the environment's
 * TIDE_MODEL_STDIN=1 added) with the very bytes it read on the child's
 * standard input (a socket: a child that dies early is no SIGPIPE), its
 * standard output and error to /dev/null, and waits for it.  The child
 * must load them as the caller would (flags | TIDE_MODEL_STDIN).  A
 * child killed by a signal: TIDE_EFORMAT, "model 'PATH': XGBoost crashed
 * loading it (SIGSEGV): not a sound model"; one that exits 0, 65 or 74:
 * the load goes on here (and fails here as it failed there, with the
 * message); any other status (a sanitizer's report of a crash exits 1):
 * TIDE_EFORMAT, "... XGBoost failed loading it (its check exited N) ...".
 * A child that cannot be run: TIDE_EIO.  exe NULL: no
 * probe (the default, and the child's); exe is kept, not copied.
 * Linear models need none.
 */
void tide_model_probe_with(const char *exe);

/* Free what m holds (a zeroed or freed m: nothing). */
void tide_model_free(struct tide_model *m);

/* The kinds, for tide_model_load(): each returns as it does, from the
 * file's bytes already read (so that a fifo is read once, and a file
 * rewritten meanwhile is not read twice): XGBoost's JSON or UBJSON
 * (walked by ubj.h), path only for the messages. */
int tide_model_xgb_load(struct tide_model *m, const char *path,
    const char *text, size_t len, int nthread, unsigned flags,
    struct tide_model_err *err);
int tide_model_linear_load(struct tide_model *m, const char *path,
    const char *text, size_t len, struct tide_model_err *err);

/*
 * xgb.c's native evaluator of gbtree models (gbtree.c): parsed from the
 * model's JSON as XGBoost saves it, for nfeat inputs and nout values per
 * record; 0, or TIDE_EINVAL with why (a model it does not evaluate).
 * tide_gbtree_probes() gives feature j's split conditions and the floats
 * either side of each, at most max, for checking it against the C API.
 * Predict allocates nothing.  tide_gbtree_sound() checks the trees of
 * any tree booster before XGBoost walks them (it does not check them
 * itself): each node reached once from the root (no cycle), children
 * among the tree's nodes, splits on one of the nfeat features; 0, or
 * TIDE_EINVAL with why.
 */
struct tide_gbtree;
int tide_gbtree_parse(struct tide_gbtree **t, const char *json, size_t len,
    int nfeat, int nout, char *why, size_t whylen);
void tide_gbtree_predict(struct tide_gbtree *t, const double *x, size_t n,
    double *y);
int tide_gbtree_probes(const struct tide_gbtree *t, int j, float *v, int max);
void tide_gbtree_free(struct tide_gbtree *t);
int tide_gbtree_sound(const char *json, size_t len, int nfeat, char *why,
    size_t whylen);

#endif
