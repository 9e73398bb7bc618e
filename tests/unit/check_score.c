#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "score.h"
#include "unit.h"

static void setup(void) { unit_tmp_start("score"); }
static void teardown(void) { unit_tmp_stop(); }

/* The fake model: y = sum of the row (NaN as 100), nout values each
 * y + k; the batch sizes it saw, and failure on demand. */
struct fake {
	int nfeat, nout, fail;
	size_t sizes[64];
	int nsizes;
};

static int
fake_predict(void *ctx, const double *x, size_t n, double *y, char *msg,
    size_t msglen)
{
	struct fake *f = ctx;
	size_t i;
	int j, k;
	double s;

	if (f->fail) {
		snprintf(msg, msglen, "refused");
		return TIDE_EINVAL;
	}
	f->sizes[f->nsizes++] = n;
	for (i = 0; i < n; i++) {
		for (s = 0, j = 0; j < f->nfeat; j++)
			s += isnan(x[i * f->nfeat + j]) ? 100 : x[i * f->nfeat + j];
		for (k = 0; k < f->nout; k++)
			y[i * f->nout + k] = k == 2 ? NAN : s + k;
	}
	return 0;
}

/* Bad records, as reported: "LINE: why" lines. */
static char bads[2048];

static int
bad_hook(void *ctx, const char *src, uint64_t lineno, const char *line,
    size_t len, const char *why)
{
	(void)ctx;
	(void)src;
	(void)line;
	(void)len;
	snprintf(bads + strlen(bads), sizeof(bads) - strlen(bads), "%llu: %s\n",
	    (unsigned long long)lineno, why);
	return 0;
}

static struct tide_path paths[2];
static struct tide_wout out;
static struct fake fake;

/* A run from nothing: s and the fake model zeroed. */
static void
start(struct tide_score *s)
{
	memset(s, 0, sizeof(*s));
	memset(&fake, 0, sizeof(fake));
}

/* Score input (written to in.nd) with features a and b.c, batches of
 * batch, into out.nd (finish() reads it back).  Returns what the last
 * tide_score_next() gave, after a drain at the end. */
static int
run(struct tide_score *s, const char *input, size_t batch)
{
	int fd, r;

	unit_put(unit_path("in.nd"), input);
	fd = open(unit_path("out.nd"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	tide_wout_init(&out, fd);
	bads[0] = '\0';
	ck_assert_int_eq(tide_path_parse(&paths[0], "a"), 0);
	ck_assert_int_eq(tide_path_parse(&paths[1], "b.c"), 0);
	s->paths = paths;
	s->nfeat = 2;
	s->as = "score";
	s->batch = batch;
	s->maxrec = 1000;
	s->out = &out;
	s->predict = fake_predict;
	s->predctx = &fake;
	s->bad = bad_hook;
	fake.nfeat = 2;
	if (s->nout == 0)
		s->nout = 1;
	fake.nout = s->nout;
	ck_assert_int_eq(tide_score_open(s, unit_path("in.nd")), 0);
	while ((r = tide_score_next(s, -1)) == 0)
		;
	if (r == TIDE_EOF)
		ck_assert_int_eq(tide_score_drain(s), 0);
	return r;
}

static char *
finish(struct tide_score *s)
{
	tide_wout_flush(&out);
	close(out.fd);
	tide_wout_release(&out);
	tide_score_close(s);
	tide_path_release(&paths[0]);
	tide_path_release(&paths[1]);
	return unit_slurp(unit_path("out.nd"), NULL);
}

/* Finish s: its output is want. */
static void
finish_eq(struct tide_score *s, const char *want)
{
	char *got = finish(s);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_score_batches_in_order_with_the_field_appended)
{
	struct tide_score s;

	start(&s);
	s.nan_ok = 1;
	ck_assert_int_eq(run(&s, "{\"a\":1,\"b\":{\"c\":2}}\n"
	    "{\"b\":{\"c\":0.5},\"a\":-1, \"x\":[1] }\n"
	    "{\"a\":true,\"b\":{\"c\":false}}\n"
	    "{}\n"
	    "{\"a\":null,\"b\":{\"c\":1e2}}\n", 2), TIDE_EOF);
	ck_assert_int_eq(fake.nsizes, 3);
	ck_assert(fake.sizes[0] == 2 && fake.sizes[1] == 2 && fake.sizes[2] == 1);
	ck_assert(s.nin == 5 && s.nscored == 5 && s.nbatch == 3);
	finish_eq(&s, "{\"a\":1,\"b\":{\"c\":2},\"score\":3}\n"
	    "{\"b\":{\"c\":0.5},\"a\":-1, \"x\":[1],\"score\":-0.5}\n"
	    "{\"a\":true,\"b\":{\"c\":false},\"score\":1}\n"
	    "{\"score\":200}\n"
	    "{\"a\":null,\"b\":{\"c\":1e2},\"score\":200}\n");
	ck_assert_str_eq(bads, "");
}
END_TEST

START_TEST(test_score_several_values_are_an_array_nan_null)
{
	struct tide_score s;

	start(&s);
	s.nout = 3;
	s.as = "p";
	ck_assert_int_eq(run(&s, "{\"a\":1,\"b\":{\"c\":2}}\n", 256),
	    TIDE_EOF);
	finish_eq(&s, "{\"a\":1,\"b\":{\"c\":2},\"score\":[3,4,null]}\n");
}
END_TEST

START_TEST(test_score_bad_records_reported_in_order)
{
	struct tide_score s;

	start(&s);
	s.nan_ok = 1;
	ck_assert_int_eq(run(&s, "{\"a\":1,\"b\":{\"c\":2}}\n"
	    "{\"a\":\"1\",\"b\":{\"c\":2}}\n"
	    "{\"a\":1,\"b\":{\"c\":{}}}\n"
	    "{\"a\":1,\"score\":0}\n"
	    "{\"a\":1e400}\n"
	    "[1]\n"
	    "{\"a\":\n"
	    "{\"a\":2,\"b\":{\"c\":2}}\n", 256), TIDE_EOF);
	ck_assert_str_eq(bads, "2: feature 'a' is not a number: \"1\"\n"
	    "3: feature 'b.c' is not a number: {}\n"
	    "4: already has a field 'score'\n"
	    "5: feature 'a' is out of range: 1e400\n"
	    "6: not a JSON object\n"
	    "7: not valid JSON: unexpected end of document at byte 5\n");
	ck_assert(s.nin == 8 && s.nscored == 2);
	/* The good record before a bad one is scored before it is said. */
	ck_assert_int_eq(fake.nsizes, 2);
	finish_eq(&s, "{\"a\":1,\"b\":{\"c\":2},\"score\":3}\n"
	    "{\"a\":2,\"b\":{\"c\":2},\"score\":4}\n");
}
END_TEST

START_TEST(test_score_missing_values)
{
	struct tide_score s;

	/* A model without missing values. */
	start(&s);
	ck_assert_int_eq(run(&s, "{\"a\":1}\n{\"a\":1,\"b\":{\"c\":null}}\n",
	    256), TIDE_EOF);
	ck_assert_str_eq(bads, "1: feature 'b.c' is missing (the model takes "
	    "no missing values)\n2: feature 'b.c' is null (the model takes no "
	    "missing values)\n");
	free(finish(&s));
	/* --missing error. */
	memset(&s, 0, sizeof(s));
	s.nan_ok = 1;
	s.missing_bad = 1;
	ck_assert_int_eq(run(&s, "{\"b\":{\"c\":1}}\n", 256), TIDE_EOF);
	ck_assert_str_eq(bads, "1: feature 'a' is missing\n");
	finish_eq(&s, "");
}
END_TEST

START_TEST(test_score_barrier_after_the_records_before_it)
{
	struct tide_score s;
	int r;

	start(&s);
	r = run(&s, "{\"a\":1,\"b\":{\"c\":1}}\n{\"@barrier\":{\"seq\":1}}\n"
	    "{\"a\":5,\"b\":{\"c\":1}}\n", 256);
	ck_assert_int_eq(r, TIDE_SCORE_BARRIER);
	ck_assert_uint_eq(s.barlineno, 2);
	ck_assert(s.barlen == 22 && memcmp(s.bar, "{\"@barrier\":", 12) == 0);
	ck_assert(s.nscored == 1 && s.nin == 1);
	while ((r = tide_score_next(&s, -1)) == 0)
		;
	ck_assert_int_eq(r, TIDE_EOF);
	ck_assert_int_eq(tide_score_drain(&s), 0);
	finish_eq(&s, "{\"a\":1,\"b\":{\"c\":1},\"score\":2}\n"
	    "{\"a\":5,\"b\":{\"c\":1},\"score\":6}\n");
}
END_TEST

START_TEST(test_score_predict_failure_stops)
{
	struct tide_score s;

	start(&s);
	fake.fail = 1;
	ck_assert_int_eq(run(&s, "{\"a\":1,\"b\":{\"c\":1}}\n", 1), 1);
	ck_assert_int_eq(s.status, TIDE_EINVAL);
	ck_assert_str_eq(s.msg, "refused");
	finish_eq(&s, "");
}
END_TEST

START_TEST(test_score_latency_one_value_a_record)
{
	struct tide_score s;
	struct tide_dds lat;

	start(&s);
	tide_dds_init(&lat);
	s.lat = &lat;
	ck_assert_int_eq(run(&s, "{\"a\":1,\"b\":{\"c\":1}}\n"
	    "{\"a\":1,\"b\":{\"c\":1}}\n{\"a\":1,\"b\":{\"c\":1}}\n", 2),
	    TIDE_EOF);
	ck_assert(tide_dds_quantile(&lat, 0.5) >= 1);
	ck_assert(tide_dds_quantile(&lat, 1) >= tide_dds_quantile(&lat, 0.5));
	free(finish(&s));
	tide_dds_release(&lat);
}
END_TEST

Suite *
suite_score(void)
{
	Suite *s = suite_create("score");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_score_batches_in_order_with_the_field_appended);
	tcase_add_test(tc, test_score_several_values_are_an_array_nan_null);
	tcase_add_test(tc, test_score_bad_records_reported_in_order);
	tcase_add_test(tc, test_score_missing_values);
	tcase_add_test(tc, test_score_barrier_after_the_records_before_it);
	tcase_add_test(tc, test_score_predict_failure_stops);
	tcase_add_test(tc, test_score_latency_one_value_a_record);
	suite_add_tcase(s, tc);
	return s;
}
