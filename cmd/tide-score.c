/*
 * tide-score: score each NDJSON record with a model and append the score.
 * Options -> a configuration (the model, lib/model: XGBoost through its C
 * API, or a linear model; the features as compiled paths) -> for each
 * input, tide_score_next() per record (lib/score: micro-batches, never
 * held waiting for input).  This file holds the options, the messages and
 * exit statuses, and the loop's policy: signals (lib/sig: SIGHUP reloads
 * the model, a stop signal drains), --watch (lib/fwatch), and the
 * barriers of the pipeline's delivery (lib/stagerun).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bad.h"
#include "err.h"
#include "exitcode.h"
#include "fwatch.h"
#include "json.h"
#include "model/model.h"
#include "prog.h"
#include "rio.h"
#include "score.h"
#include "sig.h"
#include "sketch.h"
#include "stagerun.h"
#include "time.h"
#include "xalloc.h"

enum {
	OPT_FEATURES = TIDE_OPT_LONG,
	OPT_AS, OPT_MISSING, OPT_BATCH, OPT_THREADS, OPT_NONATIVE, OPT_WATCH,
	OPT_STATS, OPT_DRAIN, OPT_CHECK,
};

static const struct tide_prog prog = {
	"tide-score",
	"[-qv] -m model [--features field[,...]] [--as name] "
	"[--missing nan | error] [--batch n] [--no-native] [--watch] "
	"[file ...] | --check-model model [--features field[,...]]",
	"Score each NDJSON record with a model and append the score.",
};

static struct conf {
	const char *model;
	const char *check;	/* --check-model */
	const char *features;	/* --features, or NULL: the model's names */
	const char *as;
	const char *missing;
	int missing_bad;
	int batch;
	int threads;
	int nonative;
	int watch, stats;
	int strict;
	const char *deadletter;
	size_t maxrec;
	long long drain_ms;
} conf = { NULL, NULL, NULL, "score", "nan", 0, 256, 1, 0, 0, 0, 0, NULL,
    TIDE_MAX_RECORD, 30000 };
static struct tide_bad bad;
static struct tide_bad_max maxbad;	/* --max-bad */

static const struct tide_option opts[] = {
	TIDE_OPT_STRING('m', "model", "file", "the model: XGBoost's .json or "
	    ".ubj, or a linear model's .json", &conf.model),
	TIDE_OPT_STRING(OPT_CHECK, "check-model", "file", "load the model as "
	    "scoring would, print what it is and exit (0, or 65 if it is not "
	    "sound)", &conf.check),
	TIDE_OPT_STRING(OPT_FEATURES, "features", "field[,...]", "the record "
	    "fields that are the model's inputs, in order (default: the "
	    "names the model stores)", &conf.features),
	TIDE_OPT_STRING(OPT_AS, "as", "name", "the field appended (default "
	    "score)", &conf.as),
	TIDE_OPT_STRING(OPT_MISSING, "missing", "nan|error", "a missing or "
	    "null feature: the model's missing value (default), or bad input",
	    &conf.missing),
	TIDE_OPT_INT(OPT_BATCH, "batch", "n", "score up to n records at once "
	    "when they are ready (default 256)", &conf.batch, 1, 65536),
	TIDE_OPT_INT(OPT_THREADS, "threads", "n", "threads XGBoost may use "
	    "(default 1)", &conf.threads, 1, 256),
	TIDE_OPT_FLAG(OPT_NONATIVE, "no-native", "evaluate XGBoost's trees "
	    "through its C API only", &conf.nonative),
	TIDE_OPT_FLAG(OPT_WATCH, "watch", "reload the model when its file "
	    "changes", &conf.watch),
	TIDE_OPT_BAD_MAXREC(&conf.maxrec, 2),
	TIDE_OPT_BAD_STRICT(&conf.strict),
	TIDE_OPT_BAD_DEAD(&conf.deadletter, "append bad records to file"),
	TIDE_OPT_BAD_MAX(&maxbad),
	TIDE_OPT_FLAG(OPT_STATS, "stats", "print counters and scoring "
	    "latency to stderr at exit and on SIGUSR1", &conf.stats),
	TIDE_OPT_DUR(OPT_DRAIN, "drain-timeout", "d", "after SIGINT/SIGTERM, "
	    "read on to the end of input for at most d (default 30s; 0: no "
	    "limit)", &conf.drain_ms, 0, LLONG_MAX),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

static struct tide_stagerun sr;		/* delivery, the drain */
static struct tide_dds lat;
static uint64_t nin, nscored, nbatch, reloads, reloadfail;

/* The model and its features: paths[0..nfeat). */
static struct tide_model model;
static struct tide_path *paths;
static int nfeat;

/* lib/score's predict hook: the model's. */
static int
predict(void *ctx, const double *x, size_t n, double *y, char *msg,
    size_t msglen)
{
	struct tide_model_err err;
	int r;

	(void)ctx;
	if ((r = tide_model_predict(&model, x, n, y, &err)) < 0)
		snprintf(msg, msglen, "%s", err.msg);
	return r;
}

static void
print_stats(const struct tide_score *s)
{
	uint64_t in = nin + (s ? s->nin : 0);
	uint64_t sc = nscored + (s ? s->nscored : 0);
	uint64_t nb = nbatch + (s ? s->nbatch : 0);
	char l[160] = "no records scored";

	if (sc > 0 && !conf.stats)	/* SIGUSR1: the sketch is not fed */
		snprintf(l, sizeof(l), "latency not measured (without "
		    "--stats)");
	else if (sc > 0)
		snprintf(l, sizeof(l), "latency p50 %.0f us, p99 %.0f us, "
		    "max %.0f us", tide_dds_quantile(&lat, 0.5),
		    tide_dds_quantile(&lat, 0.99), tide_dds_quantile(&lat, 1));
	tide_warn("stats: records in %llu, scored %llu, bad %llu, batches "
	    "%llu (%.1f records each); %s; reloads %llu (failed %llu)",
	    (unsigned long long)in, (unsigned long long)sc,
	    (unsigned long long)bad.count, (unsigned long long)nb,
	    nb ? (double)sc / (double)nb : 0.0, l,
	    (unsigned long long)reloads, (unsigned long long)reloadfail);
}

/* Load path into m and check it against the features: 0, or the status
 * a failure means at start (a reload keeps the old model instead); the
 * message in msg. */
static int
load(struct tide_model *m, char *msg, size_t n)
{
	struct tide_model_err err;
	int r, i;

	if ((r = tide_model_load(m, conf.model, conf.threads,
	    (conf.nonative ? TIDE_MODEL_NO_NATIVE : 0) | (conf.check &&
	    getenv("TIDE_MODEL_STDIN") ? TIDE_MODEL_STDIN : 0), &err)) < 0) {
		snprintf(msg, n, "%s", err.msg);
		return r == TIDE_EINVAL ? TIDE_EX_USAGE : r == TIDE_EIO ?
		    TIDE_EX_IOERR : TIDE_EX_DATAERR;
	}
	if (paths != NULL && m->nfeat != nfeat) {
		snprintf(msg, n, "model '%s' takes %d feature%s, %s names %d",
		    conf.model, m->nfeat, m->nfeat == 1 ? "" : "s",
		    conf.features ? "--features" : "the model first loaded",
		    nfeat);
		tide_model_free(m);
		return TIDE_EX_USAGE;
	}
	if (paths != NULL && !conf.features && m->names != NULL)
		for (i = 0; i < nfeat; i++)
			if (strcmp(m->names[i], paths[i].text) != 0) {
				snprintf(msg, n, "model '%s': feature %d is "
				    "'%s', was '%s'", conf.model, i + 1,
				    m->names[i], paths[i].text);
				tide_model_free(m);
				return TIDE_EX_USAGE;
			}
	return 0;
}

/* The features: --features, else the names the model stores. */
static void
features(void)
{
	char *list, *p, *q;
	int i;

	if (conf.features == NULL) {
		if (model.names == NULL)
			tide_usage_error("model '%s' stores no feature names: "
			    "give --features", conf.model);
		nfeat = model.nfeat;
		paths = tide_xcalloc((size_t)nfeat, sizeof(*paths));
		for (i = 0; i < nfeat; i++)
			if (tide_path_parse(&paths[i], model.names[i]) < 0)
				tide_path_name(&paths[i], model.names[i]);
		return;
	}
	list = tide_xstrdup(conf.features);
	for (p = list, nfeat = 1; *p; p++)
		nfeat += *p == ',';
	paths = tide_xcalloc((size_t)nfeat, sizeof(*paths));
	for (p = list, i = 0; i < nfeat; i++, p = q + 1) {
		if ((q = strchr(p, ',')) == NULL)
			q = p + strlen(p);
		*q = '\0';
		if (tide_path_parse(&paths[i], p) < 0)
			tide_usage_error("--features: not a field: '%s'", p);
	}
	free(list);
	if (nfeat != model.nfeat)
		tide_usage_error("--features names %d field%s, model '%s' takes "
		    "%d", nfeat, nfeat == 1 ? "" : "s", conf.model, model.nfeat);
}

/* Replace the model between two records (s drained): on failure the old
 * one stays. */
static void
reload(struct tide_score *s)
{
	struct tide_model nm;
	char msg[600];

	if (load(&nm, msg, sizeof(msg)) != 0) {
		tide_warn("%s", msg);
		tide_warn("model '%s': reload failed, keeping the old model",
		    conf.model);
		reloadfail++;
		return;
	}
	tide_model_free(&model);
	model = nm;
	s->nan_ok = model.missing_ok;
	if (s->nout != model.nout)
		tide_score_set_nout(s, model.nout);
	reloads++;
	tide_info("model '%s' reloaded: %s; %s", conf.model, model.what,
	    model.how);
}

static int
watched(struct tide_fwatch *w)
{
	return conf.watch && tide_fwatch_due(w, tide_mono_us()) &&
	    tide_fwatch_changed(w, conf.model);
}

/* Score the records of path in the order read.  Signals are looked at
 * between records (one compare); the clock only once a stop signal came
 * and every few thousand records for --watch. */
static int
run_input(const char *path, struct tide_wout *out, struct tide_fwatch *w)
{
	static sig_atomic_t sigseen;
	struct tide_score s;
	int r, status = 0, rl, ds;
	uint64_t n = 0;

	memset(&s, 0, sizeof(s));
	s.paths = paths;
	s.nfeat = nfeat;
	s.nout = model.nout;
	s.as = conf.as;
	s.missing_bad = conf.missing_bad;
	s.nan_ok = model.missing_ok;
	s.batch = (size_t)conf.batch;
	s.maxrec = conf.maxrec;
	s.out = out;
	s.predict = predict;
	s.bad = tide_stagerun_bad;
	s.ctx = &sr;
	s.idle = tide_stagerun_idle;
	s.idlectx = &sr;
	s.lat = conf.stats ? &lat : NULL;
	if ((r = tide_score_open(&s, path)) < 0) {
		tide_warn("%s", s.msg);
		tide_score_close(&s);
		return tide_exit_of(r);
	}
	for (;;) {
		if (tide_sig_pending(&sigseen) || tide_sig_stops() != 0) {
			rl = tide_sig_take_reload();
			ds = tide_sig_take_stats();
			if ((rl || ds) && tide_score_drain(&s) != 0)
				break;
			if (rl)
				reload(&s);
			if (ds)
				print_stats(&s);
			if (tide_stagerun_stopped(&sr, path) != 0)
				break;
		}
		if ((++n & 4095) == 0 && watched(w)) {
			if (tide_score_drain(&s) != 0)
				break;
			reload(&s);
		}
		r = tide_score_next(&s, tide_stagerun_timeout(&sr, conf.watch));
		if (r == 0 || r == TIDE_EINTR)
			continue;
		if (r == TIDE_SCORE_BARRIER) {
			if ((status = tide_stagerun_barrier(&sr, path,
			    s.barlineno, s.bar, s.barlen,
			    tide_mono_us() / 1000)) != 0)
				break;
			continue;
		}
		if (r == TIDE_EOF || r == 1)
			break;
		if (r == TIDE_EAGAIN) {
			if (watched(w))
				reload(&s);
			continue;
		}
		tide_warn("%s", s.msg);
		status = tide_exit_of(r);
		break;
	}
	if (status == 0 && s.status == 0)
		tide_score_drain(&s);
	if (status == 0 && s.status > 0)
		status = s.status;
	else if (status == 0 && s.status < 0) {
		if (out->err != TIDE_EPIPE)
			tide_warn("%s", s.msg);
		status = s.status == TIDE_EINVAL ? TIDE_EX_FAIL :
		    tide_exit_of(s.status);
		if (out->err == TIDE_EPIPE)
			status = 0;
	}
	nin += s.nin;
	nscored += s.nscored;
	nbatch += s.nbatch;
	tide_score_close(&s);
	return status;
}

/* --check-model: the model loaded as for scoring (the features too), and
 * what it is on stdout.  With TIDE_MODEL_STDIN in the environment, its
 * bytes are read from stdin (lib/model's probe). */
static int
check_model(void)
{
	char msg[600];
	int status, i;

	if (conf.model != NULL)
		tide_usage_error("--check-model: -m is not taken with it");
	conf.model = conf.check;
	if (getenv("TIDE_MODEL_STDIN") == NULL)	/* not the probe itself */
		tide_model_probe_with("/proc/self/exe");
	if ((status = load(&model, msg, sizeof(msg))) != 0) {
		if (status == TIDE_EX_USAGE)
			tide_usage_error("%s", msg);
		tide_die(status, "%s", msg);
	}
	if (model.names != NULL || conf.features != NULL)
		features();
	printf("model '%s': %s", conf.model, model.what);
	for (i = 0; i < nfeat; i++)
		printf("%s%s", i ? "," : "; features ", paths[i].text);
	printf("\n");
	for (i = 0; i < nfeat; i++)
		tide_path_release(&paths[i]);
	free(paths);
	tide_model_free(&model);
	if (fflush(stdout) != 0 || ferror(stdout))
		tide_die(TIDE_EX_IOERR, "write error: %s", strerror(errno));
	return 0;
}

int
main(int argc, char **argv)
{
	struct tide_wout out;
	struct tide_stage_err serr;
	struct tide_fwatch w;
	char msg[600];
	const char *cut;
	int i, status = 0, r;

	tide_prog_init_opts(&prog, opts);
	tide_opt_parse(argc, argv);
	if (conf.check != NULL)
		return check_model();
	if (conf.model == NULL)
		tide_usage_error("-m: a model is needed");
	if (strcmp(conf.missing, "error") == 0)
		conf.missing_bad = 1;
	else if (strcmp(conf.missing, "nan") != 0)
		tide_usage_error("--missing: '%s' is neither nan nor error",
		    conf.missing);
	if (*conf.as == '\0')
		tide_usage_error("--as: empty name");
	/* XGBoost crashes on some unsound models: each load of one is
	 * tried first in a child (lib/model), this program run as
	 * --check-model. */
	tide_model_probe_with("/proc/self/exe");
	if ((status = load(&model, msg, sizeof(msg))) != 0) {
		if (status == TIDE_EX_USAGE)
			tide_usage_error("%s", msg);
		tide_die(status, "%s", msg);
	}
	features();
	tide_info("model '%s': %s; %s", conf.model, model.what, model.how);
	if (tide_bad_init(&bad, conf.strict, conf.deadletter) < 0)
		tide_die(TIDE_EX_IOERR, "cannot open '%s': %s", conf.deadletter,
		    strerror(errno));
	tide_dds_init(&lat);
	memset(&w, 0, sizeof(w));
	if (conf.watch)
		tide_fwatch_init(&w, conf.model);

	tide_sig_init(TIDE_SIG_HUP_RELOADS);
	tide_wout_init(&out, 1);
	tide_stagerun_init(&sr, "tide-score", &out, &bad, conf.drain_ms);
	if (tide_stagerun_open(&sr, STDIN_FILENO, &serr) < 0)
		tide_info("delivery: %s: %s", serr.what, strerror(serr.errnum));
	i = tide_opt_index();
	if (i >= argc)
		status = run_input("-", &out, &w);
	for (; i < argc && status == 0 && sr.ended == 0; i++)
		status = run_input(argv[i], &out, &w);

	if (status == 0 && (cut = tide_stagerun_cut(&sr, &status)) != NULL)
		tide_warn("%s: stopped before the end of input: %llu record%s "
		    "read and written, the rest not read", cut,
		    (unsigned long long)nin, nin == 1 ? "" : "s");
	if ((r = tide_stagerun_flush(&sr)) == TIDE_EPIPE)
		status = 0;	/* the reader went away, as with head */
	else if (r < 0) {
		tide_warn("write error: %s", strerror(errno));
		status = TIDE_EX_IOERR;
	}
	if (conf.stats)
		print_stats(NULL);
	r = tide_bad_finish(&bad);
	if (r && status == 0)
		status = tide_exit_of(r);
	if (status == 0)
		status = tide_exit_of(tide_bad_verdict(&bad, &maxbad,
		    nin + sr.badbar));
	tide_wout_release(&out);
	tide_stagerun_close(&sr);
	for (i = 0; i < nfeat; i++)
		tide_path_release(&paths[i]);
	free(paths);
	tide_model_free(&model);
	tide_dds_release(&lat);
	return status;
}
