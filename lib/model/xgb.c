/*
 * XGBoost models through XGBoost's own C API (model.h): the only library
 * code that includes <xgboost/c_api.h>.  The booster predicts from a
 * dense matrix of doubles, described to it by an __array_interface__
 * string made per batch in a buffer of ours (XGBoosterPredictFromDense,
 * missing = NaN, strict shape: n rows of nout values); its result is
 * XGBoost's buffer, valid until the next call, widened into the caller's.
 * XGBoost's own log goes nowhere: errors come back from each call
 * (XGBGetLastError) and are said by the caller.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "err.h"
#include "json.h"
#include "xalloc.h"
#include "model/model.h"

struct xgb {
	BoosterHandle h;
	char conf[256];		/* the prediction's configuration */
	struct tide_gbtree *native;	/* or NULL: the C API predicts */
	size_t nprobe;		/* the records it was checked on */
};

#define PROBES 512		/* records the native evaluator is checked on */
#define PROBEVALS (1 << 22)	/* values of them, and of the probe values
				 * per feature, at most (a model of many
				 * features gets fewer) */

static const char *
lasterr(void)
{
	static char buf[256];
	const char *e = XGBGetLastError(), *p;
	size_t n;

	/* "[10:31:07] ./src/c_api/c_api.cc:1073: Check failed: ...\nStack
	 * trace: ...": the text between the source location and the end of
	 * its line. */
	if (e == NULL || *e == '\0')
		return "unknown error";
	if (*e == '[' && (p = strchr(e, ']')) != NULL)
		e = p + 1 + (p[1] == ' ');
	if ((p = strstr(e, ": ")) != NULL && memchr(e, ' ', (size_t)(p - e)) ==
	    NULL && memchr(e, ':', (size_t)(p - e)) != NULL)
		e = p + 2;
	n = strcspn(e, "\n");
	while (n > 0 && (e[n - 1] == ' ' || e[n - 1] == ':'))
		n--;
	snprintf(buf, sizeof(buf), "%.*s", (int)n, e);
	return buf;
}

static void
quiet(const char *msg)
{
	(void)msg;
}

/* Predict n rows x into XGBoost's buffer: its values in *out, 0 or -1. */
static int
predict_raw(struct xgb *g, const double *x, size_t n, int nfeat,
    const float **out, bst_ulong *rows, bst_ulong *cols)
{
	char ai[192];
	bst_ulong const *shape;
	bst_ulong dim;

	snprintf(ai, sizeof(ai), "{\"data\":[%" PRIuPTR ",true],\"shape\":"
	    "[%zu,%d],\"typestr\":\"<f8\",\"version\":3}", (uintptr_t)x, n,
	    nfeat);
	if (XGBoosterPredictFromDense(g->h, ai, g->conf, NULL, &shape, &dim,
	    out) != 0)
		return -1;
	*rows = dim >= 1 ? shape[0] : 0;
	*cols = dim >= 2 ? shape[1] : 1;
	return 0;
}

static int
xgb_predict(struct tide_model *m, const double *x, size_t n, double *y,
    struct tide_model_err *err)
{
	struct xgb *g = m->impl;
	const float *out;
	bst_ulong rows, cols;
	size_t i;

	if (g->native != NULL) {
		tide_gbtree_predict(g->native, x, n, y);
		return 0;
	}
	if (predict_raw(g, x, n, m->nfeat, &out, &rows, &cols) < 0) {
		snprintf(err->msg, sizeof(err->msg), "xgboost: %s", lasterr());
		return TIDE_EINVAL;
	}
	if (rows != n || cols != (bst_ulong)m->nout) {
		snprintf(err->msg, sizeof(err->msg), "xgboost: predicted %llu "
		    "x %llu values for %zu x %d", (unsigned long long)rows,
		    (unsigned long long)cols, n, m->nout);
		return TIDE_EINVAL;
	}
	for (i = 0; i < n * (size_t)m->nout; i++)
		y[i] = out[i];
	return 0;
}

static void
xgb_free(struct tide_model *m)
{
	struct xgb *g = m->impl;

	if (g != NULL && g->h != NULL)
		XGBoosterFree(g->h);
	if (g != NULL)
		tide_gbtree_free(g->native);
	free(g);
	m->impl = NULL;
}

static const struct tide_model_ops xgb_ops = {
	"xgboost", xgb_predict, xgb_free,
};

/* The objective's name from the booster's configuration, into buf. */
static void
objective(BoosterHandle h, char *buf, size_t n)
{
	struct tide_json_val v;
	struct tide_path p;
	bst_ulong len;
	const char *conf;

	snprintf(buf, n, "unknown objective");
	if (XGBoosterSaveJsonConfig(h, &len, &conf) != 0 ||
	    tide_json_check(conf, len, TIDE_JSON_MAXDEPTH, NULL, NULL) < 0 ||
	    tide_path_parse(&p, "learner.objective.name") < 0)
		return;
	if (tide_json_get(conf, len, &p, &v) == 1 &&
	    v.type == TIDE_JSON_STRING && v.len < n)
		snprintf(buf, n, "%.*s", (int)v.len - 2, v.p + 1);
	tide_path_release(&p);
}

/*
 * The native evaluator (gbtree.c), if it takes the model and gives what
 * the C API gives, bit for bit, on PROBES records (fewer for a model of
 * many features: PROBEVALS values in all) made of the trees' own
 * split conditions, the floats either side of them and missing values:
 * then g->native.  Else why not, in why.  json[0..len): the model as
 * XGBoost saves it.
 */
static void
try_native(struct tide_model *m, struct xgb *g, const char *json,
    size_t len, char *why, size_t n)
{
	struct tide_gbtree *t;
	bst_ulong rows, cols;
	const float *out;
	double *x, *y;
	float *pv;
	int *npv, j;
	size_t nf = (size_t)m->nfeat, np = PROBEVALS / nf < 3 ? 3 :
	    PROBEVALS / nf > 3 * 1024 ? 3 * 1024 : PROBEVALS / nf;
	size_t r, i, nr = PROBEVALS / nf < 16 ? 16 : PROBEVALS / nf > PROBES ?
	    PROBES : PROBEVALS / nf, nv = nr * nf;
	uint64_t s = 0x9e3779b97f4a7c15ull;

	if (tide_gbtree_parse(&t, json, len, m->nfeat, m->nout, why, n) < 0)
		return;
	pv = tide_xmalloc(nf * np * sizeof(float));
	npv = tide_xcalloc(nf, sizeof(int));
	for (j = 0; j < m->nfeat; j++)
		npv[j] = tide_gbtree_probes(t, j, pv + (size_t)j * np, (int)np);
	x = tide_xmalloc(nv * sizeof(double));
	y = tide_xmalloc(nr * (size_t)m->nout * sizeof(double));
	for (r = 0; r < nr; r++)
		for (j = 0; j < m->nfeat; j++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			i = (size_t)(s >> 33);
			x[r * (size_t)m->nfeat + (size_t)j] = r == 0 ||
			    i % 8 == 0 ? __builtin_nan("") : npv[j] == 0 ?
			    (double)(i % 100) : pv[(size_t)j * np + i % npv[j]];
		}
	if (predict_raw(g, x, nr, m->nfeat, &out, &rows, &cols) < 0 ||
	    rows != nr || cols != (bst_ulong)m->nout)
		snprintf(why, n, "xgboost: %s", lasterr());
	else {
		tide_gbtree_predict(t, x, nr, y);
		for (i = 0; i < nr * (size_t)m->nout; i++)
			if (y[i] != (double)out[i])
				break;
		if (i == nr * (size_t)m->nout) {
			g->native = t;
			g->nprobe = nr;
			t = NULL;
		} else
			snprintf(why, n, "it gives %.9g where XGBoost gives "
			    "%.9g", y[i], (double)out[i]);
	}
	tide_gbtree_free(t);
	free(pv);
	free(npv);
	free(x);
	free(y);
}

#define BAD(...) do { \
	snprintf(err->msg, sizeof(err->msg), __VA_ARGS__); \
	goto fail; \
} while (0)

int
tide_model_xgb_load(struct tide_model *m, const char *path,
    const char *text, size_t textlen, int nthread, unsigned flags,
    struct tide_model_err *err)
{
	static int once;
	struct xgb *g;
	bst_ulong nf, nn, rows, cols, len;
	const char **names, *saved;
	const float *out;
	char obj[64], nt[32], why[160] = "not asked for", *json = NULL;
	double *row;
	int i;

	if (!once) {
		XGBRegisterLogCallback(quiet);
		XGBSetGlobalConfig("{\"verbosity\":0}");
		once = 1;
	}
	memset(m, 0, sizeof(*m));
	g = tide_xcalloc(1, sizeof(*g));
	m->ops = &xgb_ops;
	m->impl = g;
	m->missing_ok = 1;
	if (XGBoosterCreate(NULL, 0, &g->h) != 0)
		BAD("xgboost: %s", lasterr());
	if (XGBoosterLoadModelFromBuffer(g->h, text, (bst_ulong)textlen) != 0)
		BAD("model '%s': xgboost cannot load it: %s", path, lasterr());
	snprintf(nt, sizeof(nt), "%d", nthread < 1 ? 1 : nthread);
	if (XGBoosterSetParam(g->h, "nthread", nt) != 0)
		BAD("xgboost: nthread: %s", lasterr());
	if (XGBoosterGetNumFeature(g->h, &nf) != 0)
		BAD("model '%s': %s", path, lasterr());
	if (nf == 0 || nf > TIDE_MODEL_MAXFEAT)
		BAD("model '%s': %llu features (1 to %d taken)", path,
		    (unsigned long long)nf, TIDE_MODEL_MAXFEAT);
	m->nfeat = (int)nf;
	/* XGBoost loads trees it cannot walk (a child out of its array, a
	 * cycle, a split past the features) and then crashes or hangs on
	 * the first record that goes there: refused before any predict.
	 * The model is saved as JSON once, for this and the native
	 * evaluator; ours, as XGBoost's buffer lasts only until its next
	 * call. */
	if (XGBoosterSaveModelToBuffer(g->h, "{\"format\":\"json\"}", &len,
	    &saved) != 0)
		BAD("model '%s': %s", path, lasterr());
	if (tide_gbtree_sound(saved, len, m->nfeat, why, sizeof(why)) < 0)
		BAD("model '%s': %s", path, why);
	if (!(flags & TIDE_MODEL_NO_NATIVE))
		json = tide_xmemdup(saved, len);
	if (XGBoosterGetStrFeatureInfo(g->h, "feature_name", &nn, &names) != 0)
		BAD("model '%s': %s", path, lasterr());
	if (nn == nf) {
		m->names = tide_xcalloc(nf, sizeof(char *));
		for (i = 0; i < (int)nf; i++)
			m->names[i] = tide_xstrdup(names[i]);
	} else if (nn != 0)
		BAD("model '%s': %llu feature names for %llu features", path,
		    (unsigned long long)nn, (unsigned long long)nf);
	snprintf(g->conf, sizeof(g->conf), "{\"type\":0,\"training\":false,"
	    "\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":true,"
	    "\"cache_id\":0,\"missing\":NaN}");
	/* One record of nothing but missing values says how many values
	 * the model gives per record (and that it can predict at all). */
	row = tide_xmalloc(nf * sizeof(double));
	for (i = 0; i < (int)nf; i++)
		row[i] = __builtin_nan("");
	i = predict_raw(g, row, 1, m->nfeat, &out, &rows, &cols);
	free(row);
	if (i < 0)
		BAD("model '%s': xgboost cannot predict with it: %s", path,
		    lasterr());
	if (rows != 1 || cols < 1 || cols > TIDE_MODEL_MAXOUT)
		BAD("model '%s': %llu values per record (1 to %d taken)", path,
		    (unsigned long long)cols, TIDE_MODEL_MAXOUT);
	m->nout = (int)cols;
	if (json != NULL)
		try_native(m, g, json, len, why, sizeof(why));
	free(json);
	objective(g->h, obj, sizeof(obj));
	snprintf(m->what, sizeof(m->what), "xgboost %s, %d features, %d "
	    "value%s per record", obj, m->nfeat, m->nout, m->nout == 1 ? "" :
	    "s");
	if (g->native != NULL)
		snprintf(m->how, sizeof(m->how), "trees evaluated natively (as "
		    "XGBoost's C API on %zu probe records, bit for bit)",
		    g->nprobe);
	else
		snprintf(m->how, sizeof(m->how), "XGBoost's C API (native "
		    "evaluator: %s)", why);
	return 0;
fail:
	free(json);
	tide_model_free(m);
	return TIDE_EFORMAT;
}
