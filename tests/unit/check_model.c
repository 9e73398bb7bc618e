#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "model/model.h"
#include "unit.h"

/* Two trees of depth 1 over a and b (python3-xgboost 1.7.4, binary:logistic,
 * split a < 1.5, missing to the right). */
static const char tiny[] = "{\"learner\":{\"attributes\":{\"best_iteration\":\"1\",\"best_ntree_limit\":\"2\"},\"feature_names\":[\"a\",\"b\"],\"feature_types\":[],\"gradient_booster\":{\"model\":{\"gbtree_model_param\":{\"num_parallel_tree\":\"1\",\"num_trees\":\"2\",\"size_leaf_vector\":\"0\"},\"tree_info\":[0,0],\"trees\":[{\"base_weights\":[3.7037036E-1,-1.6666666E0,1.7647059E0],\"categories\":[],\"categories_nodes\":[],\"categories_segments\":[],\"categories_sizes\":[],\"default_left\":[0,0,0],\"id\":0,\"left_children\":[1,-1,-1],\"loss_changes\":[4.12854E1,0E0,0E0],\"parents\":[2147483647,0,0],\"right_children\":[2,-1,-1],\"split_conditions\":[1.5E0,-1.6666666E0,1.7647059E0],\"split_indices\":[0,0,0],\"split_type\":[0,0,0],\"sum_hessian\":[1.25E1,5E0,7.5E0],\"tree_param\":{\"num_deleted\":\"0\",\"num_feature\":\"2\",\"num_nodes\":\"3\",\"size_leaf_vector\":\"0\"}},{\"base_weights\":[1.629513E-1,-8.651601E-1,9.2439103E-1],\"categories\":[],\"categories_nodes\":[],\"categories_segments\":[],\"categories_sizes\":[],\"default_left\":[0,0,0],\"id\":1,\"left_children\":[1,-1,-1],\"loss_changes\":[6.606421E0,0E0,0E0],\"parents\":[2147483647,0,0],\"right_children\":[2,-1,-1],\"split_conditions\":[1.5E0,-8.651601E-1,9.2439103E-1],\"split_indices\":[0,0,0],\"split_type\":[0,0,0],\"sum_hessian\":[6.4174013E0,2.672594E0,3.7448072E0],\"tree_param\":{\"num_deleted\":\"0\",\"num_feature\":\"2\",\"num_nodes\":\"3\",\"size_leaf_vector\":\"0\"}}]},\"name\":\"gbtree\"},\"learner_model_param\":{\"base_score\":\"5E-1\",\"boost_from_average\":\"0\",\"num_class\":\"0\",\"num_feature\":\"2\",\"num_target\":\"1\"},\"objective\":{\"name\":\"binary:logistic\",\"reg_loss_param\":{\"scale_pos_weight\":\"1\"}}},\"version\":[1,7,4]}";

static unsigned flags;	/* for load() */

static void setup(void) { flags = 0; unit_tmp_start("model"); }
static void teardown(void) { tide_model_probe_with(NULL); unit_tmp_stop(); }

/* Load text saved as file: the result, the model in *m. */
static int
load(struct tide_model *m, const char *file, const char *text,
    struct tide_model_err *err)
{
	if (text != NULL)
		unit_put(unit_path(file), text);
	return tide_model_load(m, unit_path(file), 1, flags, err);
}

START_TEST(test_model_xgboost_predicts_as_python)
{
	/* python3-xgboost's inplace_predict of the same rows (float32). */
	const double x[] = { 0, 0, 3, 0, NAN, NAN, 1.4999999, 7 };
	const float want[] = { 0.07365690916776657f, 0.9363802075386047f,
	    0.9363802075386047f, 0.07365690916776657f };
	struct tide_model m;
	struct tide_model_err err;
	double y[4];
	int i;

	/* The native evaluator, then the C API (_i 1). */
	flags = _i ? TIDE_MODEL_NO_NATIVE : 0;
	ck_assert_int_eq(load(&m, "tiny.json", tiny, &err), 0);
	ck_assert_str_eq(m.how, _i ? "XGBoost's C API (native evaluator: not "
	    "asked for)" : "trees evaluated natively (as XGBoost's C API on "
	    "512 probe records, bit for bit)");
	ck_assert_int_eq(m.nfeat, 2);
	ck_assert_int_eq(m.nout, 1);
	ck_assert_int_eq(m.missing_ok, 1);
	ck_assert_ptr_nonnull(m.names);
	ck_assert_str_eq(m.names[0], "a");
	ck_assert_str_eq(m.names[1], "b");
	ck_assert_str_eq(m.what, "xgboost binary:logistic, 2 features, 1 value "
	    "per record");
	ck_assert_int_eq(tide_model_predict(&m, x, 4, y, &err), 0);
	for (i = 0; i < 4; i++)
		ck_assert_msg(y[i] == (double)want[i], "row %d: %.17g", i, y[i]);
	/* The same rows one at a time. */
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(tide_model_predict(&m, x + 2 * i, 1, y, &err), 0);
		ck_assert(y[0] == (double)want[i]);
	}
	tide_model_free(&m);
	tide_model_free(&m);	/* freed: nothing */
}
END_TEST

START_TEST(test_model_xgboost_broken_files)
{
	char trunc[1000];
	struct tide_model m;
	struct tide_model_err err;

	memcpy(trunc, tiny, sizeof(trunc) - 1);
	trunc[sizeof(trunc) - 1] = '\0';
	ck_assert_int_eq(load(&m, "t.json", trunc, &err), TIDE_EFORMAT);
	ck_assert_msg(strstr(err.msg, "not valid JSON: ") != NULL, "%s", err.msg);
	ck_assert_int_eq(load(&m, "g.ubj", "garbage", &err), TIDE_EFORMAT);
	ck_assert_msg(strstr(err.msg, "g.ubj': not UBJSON as XGBoost writes "
	    "it: not an object (a model) at its start at byte 0") != NULL,
	    "%s", err.msg);
	ck_assert_int_eq(load(&m, "e.ubj", "", &err), TIDE_EFORMAT);
	ck_assert_int_eq(load(&m, "h.json", "{\"learner\":{}}", &err),
	    TIDE_EFORMAT);
	ck_assert_int_eq(load(&m, "n.json", "{}", &err), TIDE_EFORMAT);
	ck_assert_msg(strstr(err.msg, "neither an XGBoost model") != NULL, "%s",
	    err.msg);
	ck_assert_int_eq(load(&m, "a.json", "[1]", &err), TIDE_EFORMAT);
	ck_assert_msg(strstr(err.msg, "not a JSON object") != NULL, "%s",
	    err.msg);
	ck_assert_int_eq(load(&m, "z.json", "", &err), TIDE_EFORMAT);
	ck_assert_msg(strstr(err.msg, "empty file") != NULL, "%s", err.msg);
	ck_assert_int_eq(load(&m, "absent.json", NULL, &err), TIDE_EIO);
	ck_assert_int_eq(load(&m, "absent.ubj", NULL, &err), TIDE_EIO);
	ck_assert_msg(strstr(err.msg, "No such file") != NULL, "%s", err.msg);
	ck_assert_int_eq(load(&m, "m.model", "x", &err), TIDE_EINVAL);
	ck_assert_int_eq(load(&m, "m.jsonx", "x", &err), TIDE_EINVAL);
	/* A failed load leaves m empty. */
	ck_assert_ptr_null(m.ops);
	ck_assert_ptr_null(m.names);
}
END_TEST

START_TEST(test_model_linear_identity_and_logistic)
{
	const double x[] = { 1, 2, 0, 0, -3, 0.5 };
	struct tide_model m;
	struct tide_model_err err;
	double y[3];

	ck_assert_int_eq(load(&m, "l.json", " {\"coefficients\":[2,-1],"
	    "\"intercept\":0.5} \n", &err), 0);
	ck_assert_int_eq(m.nfeat, 2);
	ck_assert_int_eq(m.nout, 1);
	ck_assert_int_eq(m.missing_ok, 0);
	ck_assert_ptr_null(m.names);
	ck_assert_int_eq(tide_model_predict(&m, x, 3, y, &err), 0);
	ck_assert(y[0] == 0.5 && y[1] == 0.5 && y[2] == -6);
	tide_model_free(&m);

	ck_assert_int_eq(load(&m, "g.json", "{\"link\":\"logistic\",\"features\""
	    ":[\"a.b\",\"c\"],\"coefficients\":[1,1]}", &err), 0);
	ck_assert_str_eq(m.names[0], "a.b");
	ck_assert_str_eq(m.names[1], "c");
	ck_assert_str_eq(m.what, "linear, 2 coefficients, logistic link");
	ck_assert_int_eq(tide_model_predict(&m, x, 3, y, &err), 0);
	ck_assert(y[0] == 1 / (1 + exp(-3.0)));
	ck_assert(y[1] == 0.5);
	ck_assert(y[2] == 1 / (1 + exp(2.5)));
	tide_model_free(&m);
}
END_TEST

START_TEST(test_model_linear_refuses_what_it_does_not_know)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{\"coefficients\":[]}", "no coefficients" },
		{ "{\"coefficients\":1}", "\"coefficients\" is not an array" },
		{ "{\"coefficients\":[1,\"2\"]}", "coefficient 2 is not a finite" },
		{ "{\"coefficients\":[1e999]}", "coefficient 1 is not a finite" },
		{ "{\"coefficients\":[1],\"intercept\":\"0\"}", "\"intercept\" is not" },
		{ "{\"coefficients\":[1],\"link\":\"probit\"}", "\"link\" must be" },
		{ "{\"coefficients\":[1],\"link\":1}", "\"link\" must be" },
		{ "{\"coefficients\":[1],\"bias\":1}", "unknown member \"bias\"" },
		{ "{\"coefficients\":[1],\"features\":[\"a\",\"b\"]}",
		    "more features than coefficients" },
		{ "{\"coefficients\":[1,2],\"features\":[\"a\"]}",
		    "1 features for 2 coefficients" },
		{ "{\"coefficients\":[1],\"features\":[1]}", "feature 1 is not a "
		    "string" },
		{ "{\"coefficients\":[1],\"features\":[\"\"]}", "feature 1 is not "
		    "a field name" },
		{ "{\"coefficients\":[1],\"features\":\"a\"}", "\"features\" is "
		    "not an array" },
	};
	struct tide_model m;
	struct tide_model_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(load(&m, "bad.json", bad[i].text, &err),
		    TIDE_EFORMAT);
		ck_assert_msg(strstr(err.msg, bad[i].msg) != NULL, "%s: %s",
		    bad[i].text, err.msg);
		ck_assert_ptr_null(m.ops);
	}
}
END_TEST

/* The tiny model with the first occurrence of from replaced by to. */
static char *
tiny_with(const char *from, const char *to)
{
	const char *at = strstr(tiny, from);
	size_t n = strlen(tiny) - strlen(from) + strlen(to) + 1;
	char *t = malloc(n);

	ck_assert_ptr_nonnull(at);
	snprintf(t, n, "%.*s%s%s", (int)(at - tiny), tiny, to,
	    at + strlen(from));
	return t;
}

START_TEST(test_model_gbtree_sound)
{
	static const struct {
		const char *from, *to, *why;
	} bad[] = {
		{ "\"left_children\":[1,-1,-1]", "\"left_children\":[0,-1,-1]",
		  "tree 0: node 0 is reached twice (a cycle)" },
		{ "\"right_children\":[2,-1,-1]", "\"right_children\":[1,-1,-1]",
		  "tree 0: node 1 is reached twice (a cycle)" },
		{ "\"left_children\":[1,-1,-1]", "\"left_children\":[3,-1,-1]",
		  "tree 0: node 0's child 3 is out of the tree" },
		{ "\"right_children\":[2,-1,-1]", "\"right_children\":[-2,-1,-1]",
		  "tree 0: node 0's child -2 is out of the tree" },
		{ "\"split_indices\":[0,0,0]", "\"split_indices\":[2,0,0]",
		  "tree 0: node 0 splits on feature 2 of 2" },
		{ "\"split_indices\":[0,0,0]", "\"split_indices\":[0,0]",
		  "tree 0: arrays of other lengths, or not of integers" },
	};
	char why[160], *t;
	size_t i;

	ck_assert_int_eq(tide_gbtree_sound(tiny, strlen(tiny), 2, why,
	    sizeof(why)), 0);
	/* A leaf's split index is not a split: not checked. */
	t = tiny_with("\"split_indices\":[0,0,0]", "\"split_indices\":[0,9,-1]");
	ck_assert_int_eq(tide_gbtree_sound(t, strlen(t), 2, why, sizeof(why)),
	    0);
	free(t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = tiny_with(bad[i].from, bad[i].to);
		why[0] = '\0';
		ck_assert_int_eq(tide_gbtree_sound(t, strlen(t), 2, why,
		    sizeof(why)), TIDE_EINVAL);
		ck_assert_str_eq(why, bad[i].why);
		free(t);
	}
}
END_TEST

/* The probe: a stand-in for tide-score --check-model, a script that is
 * given the model's path and bytes and dies or exits. */
static char exe[4096];	/* the probe's (unit_path()'s buffers are reused) */

static const char *
probe_script(const char *name, const char *body)
{
	snprintf(exe, sizeof(exe), "%s", unit_path(name));
	if (body != NULL) {
		unit_put(exe, body);
		ck_assert_int_eq(chmod(exe, 0755), 0);
	}
	return exe;
}

START_TEST(test_model_probe)
{
	struct tide_model m;
	struct tide_model_err err;
	char want[600];
	const char *lin = "{\"coefficients\":[1,2],\"intercept\":1}";

	/* The same bytes and path, the variable set: the load goes on. */
	tide_model_probe_with(probe_script("same.sh", "#!/bin/sh\n"
	    "[ \"$1 $TIDE_MODEL_STDIN\" = \"--check-model 1\" ] && "
	    "cmp -s - \"$2\" || kill -ABRT $$\n"));
	ck_assert_int_eq(load(&m, "tiny.json", tiny, &err), 0);
	ck_assert_str_eq(m.what, "xgboost binary:logistic, 2 features, 1 value "
	    "per record");
	tide_model_free(&m);
	/* A child that exits 65: XGBoost's own verdict, given here. */
	tide_model_probe_with(probe_script("exit.sh", "#!/bin/sh\nexit 65\n"));
	ck_assert_int_eq(load(&m, "tiny.json", tiny, &err), 0);
	tide_model_free(&m);
	ck_assert_msg(load(&m, "hollow.json", "{\"learner\":{}}", &err) ==
	    TIDE_EFORMAT, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "xgboost cannot load it: "));
	/* Any other status (ASan's report of a crash exits 1): refused. */
	tide_model_probe_with(probe_script("exit1.sh", "#!/bin/sh\n"
	    "cat >/dev/null; exit 1\n"));
	ck_assert_int_eq(load(&m, "tiny.json", tiny, &err), TIDE_EFORMAT);
	snprintf(want, sizeof(want), "model '%s': XGBoost failed loading it "
	    "(its check exited 1): not a sound model", unit_path("tiny.json"));
	ck_assert_str_eq(err.msg, want);
	ck_assert_ptr_null(m.ops);
	/* A child killed by a signal: refused, JSON and UBJSON alike. */
	tide_model_probe_with(probe_script("segv.sh", "#!/bin/sh\n"
	    "cat >/dev/null; kill -SEGV $$\n"));
	ck_assert_int_eq(load(&m, "tiny.json", tiny, &err), TIDE_EFORMAT);
	snprintf(want, sizeof(want), "model '%s': XGBoost crashed loading it "
	    "(SIGSEGV): not a sound model", unit_path("tiny.json"));
	ck_assert_str_eq(err.msg, want);
	ck_assert_ptr_null(m.ops);
	/* One that dies before reading: no SIGPIPE here. */
	tide_model_probe_with(probe_script("abrt.sh", "#!/bin/sh\n"
	    "kill -ABRT $$\n"));
	ck_assert_int_eq(load(&m, "tiny.json", tiny, &err), TIDE_EFORMAT);
	snprintf(want, sizeof(want), "model '%s': XGBoost crashed loading it "
	    "(SIGABRT): not a sound model", unit_path("tiny.json"));
	ck_assert_str_eq(err.msg, want);
	/* A linear model is not probed. */
	ck_assert_int_eq(load(&m, "lin.json", lin, &err), 0);
	tide_model_free(&m);
	/* A probe that cannot be run. */
	tide_model_probe_with(probe_script("nope", NULL));
	ck_assert_int_eq(load(&m, "tiny.json", tiny, &err), TIDE_EIO);
	snprintf(want, sizeof(want), "model '%s': cannot check it: cannot run "
	    "'%s': No such file or directory", unit_path("tiny.json"),
	    unit_path("nope"));
	ck_assert_str_eq(err.msg, want);
}
END_TEST

Suite *
suite_model(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_model_xgboost_predicts_as_python, 0, 2);
	tcase_add_test(tc, test_model_xgboost_broken_files);
	tcase_add_test(tc, test_model_linear_identity_and_logistic);
	tcase_add_test(tc, test_model_linear_refuses_what_it_does_not_know);
	tcase_add_test(tc, test_model_gbtree_sound);
	tcase_add_test(tc, test_model_probe);
	suite_add_tcase(s, tc);
	return s;
}
