/*
 * Linear and logistic regression (model.h): a JSON object
 *
 *	{"features": ["amount", "risk_score"],		optional
 *	 "coefficients": [0.031, 2.5],
 *	 "intercept": -4.2,				optional, 0
 *	 "link": "logistic"}				optional, "identity"
 *
 * scores x as link(intercept + sum of coefficients[i] * x[i]), summed in
 * double in the order given; "logistic" is 1 / (1 + exp(-z)).  No other
 * member is taken, so that a misspelt one is not silently ignored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "xalloc.h"
#include "model/model.h"

struct linear {
	double *coef;
	double intercept;
	int logistic;
};

static int
linear_predict(struct tide_model *m, const double *x, size_t n, double *y,
    struct tide_model_err *err)
{
	const struct linear *l = m->impl;
	size_t i;
	int j, nf = m->nfeat;
	double z;

	(void)err;
	for (i = 0; i < n; i++, x += nf) {
		z = l->intercept;
		for (j = 0; j < nf; j++)
			z += l->coef[j] * x[j];
		y[i] = l->logistic ? 1.0 / (1.0 + exp(-z)) : z;
	}
	return 0;
}

static void
linear_free(struct tide_model *m)
{
	struct linear *l = m->impl;

	if (l != NULL)
		free(l->coef);
	free(l);
	m->impl = NULL;
}

static const struct tide_model_ops linear_ops = {
	"linear", linear_predict, linear_free,
};

/* A member's name is name[1 .. len-1) (raw, with quotes): is it s? */
static int
is_name(const struct tide_json_val *name, const char *s)
{
	return tide_json_str_eq(name, s, strlen(s));
}

#define BAD(...) do { \
	snprintf(err->msg, sizeof(err->msg), __VA_ARGS__); \
	goto fail; \
} while (0)

int
tide_model_linear_load(struct tide_model *m, const char *path,
    const char *text, size_t len, struct tide_model_err *err)
{
	struct tide_json_val obj = { TIDE_JSON_OBJECT, text, len };
	struct tide_json_val name, v, e, feats = { TIDE_JSON_NONE, NULL, 0 };
	struct tide_json_val coefs = { TIDE_JSON_NONE, NULL, 0 };
	struct tide_buf sb = TIDE_BUF_INIT;
	struct linear *l = tide_xcalloc(1, sizeof(*l));
	size_t pos = 0, ep;
	int n = 0, nn = 0;

	memset(m, 0, sizeof(*m));
	m->ops = &linear_ops;
	m->impl = l;
	/* obj spans the whole text: skip leading white space. */
	while (obj.len > 0 && *obj.p != '{') {
		obj.p++;
		obj.len--;
	}
	while (tide_json_obj_next(&obj, &pos, &name, &v) == 1) {
		if (is_name(&name, "coefficients")) {
			if (v.type != TIDE_JSON_ARRAY)
				BAD("model '%s': \"coefficients\" is not an "
				    "array", path);
			coefs = v;
		} else if (is_name(&name, "features")) {
			if (v.type != TIDE_JSON_ARRAY)
				BAD("model '%s': \"features\" is not an array",
				    path);
			feats = v;
		} else if (is_name(&name, "intercept")) {
			if (tide_json_double(&v, &l->intercept) < 0 ||
			    !isfinite(l->intercept))
				BAD("model '%s': \"intercept\" is not a finite "
				    "number", path);
		} else if (is_name(&name, "link")) {
			if (tide_json_str_eq(&v, "logistic", 8))
				l->logistic = 1;
			else if (!tide_json_str_eq(&v, "identity", 8))
				BAD("model '%s': \"link\" must be \"identity\" "
				    "or \"logistic\"", path);
		} else
			BAD("model '%s': unknown member %.*s (a linear model "
			    "has features, coefficients, intercept and link)",
			    path, (int)(name.len > 64 ? 64 : name.len), name.p);
	}
	for (ep = 0; tide_json_arr_next(&coefs, &ep, &e) == 1; n++) {
		if (n == TIDE_MODEL_MAXFEAT)
			BAD("model '%s': more than %d coefficients", path,
			    TIDE_MODEL_MAXFEAT);
		l->coef = tide_xreallocarray(l->coef, (size_t)n + 1,
		    sizeof(double));
		if (tide_json_double(&e, &l->coef[n]) < 0 ||
		    !isfinite(l->coef[n]))
			BAD("model '%s': coefficient %d is not a finite number",
			    path, n + 1);
	}
	if (n == 0)
		BAD("model '%s': no coefficients", path);
	m->nfeat = n;
	m->nout = 1;
	if (feats.type == TIDE_JSON_ARRAY) {
		m->names = tide_xcalloc((size_t)n, sizeof(char *));
		for (ep = 0; tide_json_arr_next(&feats, &ep, &e) == 1; nn++) {
			if (nn == n)
				BAD("model '%s': more features than "
				    "coefficients (%d)", path, n);
			if (e.type != TIDE_JSON_STRING)
				BAD("model '%s': feature %d is not a string",
				    path, nn + 1);
			sb.len = 0;
			if (tide_json_str(&e, &sb) < 0 || sb.len == 0 ||
			    memchr(sb.data, '\0', sb.len) != NULL)
				BAD("model '%s': feature %d is not a field "
				    "name", path, nn + 1);
			m->names[nn] = tide_xmemdup(sb.data, sb.len);
		}
		if (nn != n)
			BAD("model '%s': %d features for %d coefficients",
			    path, nn, n);
	}
	tide_buf_release(&sb);
	snprintf(m->what, sizeof(m->what), "linear, %d coefficients, %s link",
	    n, l->logistic ? "logistic" : "identity");
	snprintf(m->how, sizeof(m->how), "evaluated natively, in double");
	return 0;
fail:
	tide_buf_release(&sb);
	tide_model_free(m);
	return TIDE_EFORMAT;
}
