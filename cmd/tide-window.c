/*
 * tide-window: keyed event-time windowed aggregation over NDJSON.
 *
 * Options -> a struct tide_aggspec (lib/agg.h) and a struct tide_win
 * (lib/window.h) -> for each record: validate, look its fields up in one
 * pass, add it, advance the watermark; results go out through the writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "bad.h"
#include "barrier.h"
#include "buf.h"
#include "err.h"
#include "exitcode.h"
#include "expr.h"
#include "json.h"
#include "prog.h"
#include "recin.h"
#include "rio.h"
#include "sig.h"
#include "sketch.h"
#include "time.h"
#include "window.h"
#include "wflow.h"
#include "winout.h"
#include "wrec.h"
#include "wstate.h"
#include "xalloc.h"

enum {
	OPT_TUMBLE = TIDE_OPT_LONG,
	OPT_HOP,
	OPT_EVERY,
	OPT_SESSION,
	OPT_OVER,
	OPT_EXCLUDE,
	OPT_ALIGN,
	OPT_TIME,
	OPT_TIME_UNIT,
	OPT_TIME_FORMAT,
	OPT_DELAY,
	OPT_LATENESS,
	OPT_LATE_FILE,
	OPT_KEY_MISSING,
	OPT_STATS,
	OPT_DRAIN,
	OPT_PART,
	OPT_NPART,
	OPT_IDLE,
	OPT_MAX_FUTURE,
	OPT_MAX_KEYS,
	OPT_MAX_MEMORY,
	OPT_HLL,
	OPT_PRECISION,
	OPT_EMIT,
	OPT_STATE,
	OPT_CHECKPOINT,
	OPT_FLUSH,
	OPT_WHERE,
};

#define MAXKEYF 16
#define INFLIGHT 3	/* parsed records waiting to be added */
#define MAXPARTF 4
/* The drain's default bound (doc/DELIVERY.md). */
#define DRAIN_MS	30000

/* The options, as given. */
static struct {
	const char *keys, *aggs, *timef, *dead, *latepath, *statepath, *where;
	struct tide_win_conf wc;	/* all but kind, size and gap */
	int64_t tumble, hop, session, over;	/* the window's duration */
	int64_t delay, idle, max_future, ckpt, drain_ms;
	size_t nexpect, maxrec;
	struct tide_bad_max maxbad;
	enum tide_time_unit unit;
	int rfc3339, flush_end, strict, stats, keynull, hll, precision;
	struct tide_path partp[MAXPARTF];	/* --partition-field */
	char *partnames[MAXPARTF];
	int npart;
} o = {
	.timef = "ts",
	.max_future = -1,
	.drain_ms = DRAIN_MS,
	.unit = TIDE_UNIT_AUTO,
	.hll = 14,
	.precision = -1,
};

static tide_opt_cb opt_align, opt_timeformat, opt_emit,
    opt_keymissing, opt_partfield;

static const struct tide_option opts[] = {
	TIDE_OPT_STRING('k', "key", "field[,field]", "group by these fields "
	    "(dotted paths; written under the last segment, or 'path as "
	    "name')", &o.keys),
	TIDE_OPT_STRING('a', "aggs", "list", "aggregates: count,sum(f),avg(f) "
	    "as name,p99(f),...", &o.aggs),
	TIDE_OPT_DUR(OPT_TUMBLE, "tumble", "d", "tumbling windows of duration "
	    "d", &o.tumble, 0, LLONG_MAX),
	TIDE_OPT_DUR(OPT_HOP, "hop", "d", "hopping windows of duration d (with "
	    "--every)", &o.hop, 0, LLONG_MAX),
	TIDE_OPT_DUR(OPT_EVERY, "every", "s", "hop: a window ends every s",
	    &o.wc.every, 0, LLONG_MAX),
	TIDE_OPT_DUR(OPT_SESSION, "session", "gap", "session windows closed by "
	    "a gap", &o.session, 0, LLONG_MAX),
	TIDE_OPT_DUR(OPT_OVER, "over", "d", "rolling: each record with its "
	    "key's trailing d", &o.over, 0, LLONG_MAX),
	TIDE_OPT_FLAG(OPT_EXCLUDE, "exclude-current", "over: leave the record "
	    "itself out", &o.wc.exclude_current),
	TIDE_OPT_CALLBACK(OPT_ALIGN, "align", "offset", "shift window "
	    "boundaries by offset", opt_align, &o.wc.align),
	TIDE_OPT_STRING(OPT_WHERE, "where", "expr", "aggregate only the "
	    "records for which expr is true (tide-expr(7))", &o.where),
	TIDE_OPT_STRING(OPT_TIME, "time", "field", "event time field "
	    "(default ts)", &o.timef),
	TIDE_OPT_CALLBACK(OPT_TIME_UNIT, "time-unit", "unit", "s, ms, us, ns "
	    "or auto (default)", tide_opt_time_unit, &o.unit),
	TIDE_OPT_CALLBACK(OPT_TIME_FORMAT, "time-format", "fmt", "window times "
	    "as epoch (ms) or rfc3339", opt_timeformat, &o.rfc3339),
	TIDE_OPT_DUR(OPT_DELAY, "delay", "d", "watermark = max event time - d",
	    &o.delay, 0, LLONG_MAX),
	TIDE_OPT_DUR(OPT_LATENESS, "allowed-lateness", "d", "keep fired "
	    "windows d for updates", &o.wc.lateness, 0, LLONG_MAX),
	TIDE_OPT_STRING(OPT_LATE_FILE, "late-file", "file", "write late "
	    "records to file", &o.latepath),
	TIDE_OPT_CALLBACK(OPT_EMIT, "emit", "when", "final (default), early=d "
	    "or every", opt_emit, &o.wc),
	TIDE_OPT_STRING(OPT_STATE, "state", "file", "keep open windows in file "
	    "across runs", &o.statepath),
	TIDE_OPT_DUR(OPT_CHECKPOINT, "checkpoint", "d", "with --state: save it "
	    "every d", &o.ckpt, 1, LLONG_MAX),
	TIDE_OPT_FLAG(OPT_FLUSH, "flush", "with --state: close every window at "
	    "the end", &o.flush_end),
	TIDE_OPT_CALLBACK(OPT_KEY_MISSING, "key-missing", "policy", "error "
	    "(default) or null", opt_keymissing, &o.keynull),
	TIDE_OPT_FLAG(OPT_STATS, "stats", "print counters to stderr at exit "
	    "and on SIGUSR1", &o.stats),
	TIDE_OPT_DUR(OPT_DRAIN, "drain-timeout", "d", "after SIGINT/SIGTERM, "
	    "read on to the end of input for at most d (default 30s; 0: no "
	    "limit)", &o.drain_ms, 0, LLONG_MAX),
	TIDE_OPT_CALLBACK(OPT_PART, "partition-field", "field[,field]",
	    "per-partition watermarks", opt_partfield, NULL),
	TIDE_OPT_INT(OPT_NPART, "partitions", "n", "the input holds n "
	    "partitions: wait for all", &o.nexpect, 1, 1 << 20),
	TIDE_OPT_DUR(OPT_IDLE, "idle", "d", "idle partitions stop holding the "
	    "watermark", &o.idle, 1, LLONG_MAX),
	TIDE_OPT_DUR(OPT_MAX_FUTURE, "max-future", "d", "records dated past "
	    "now + d are bad", &o.max_future, 0, LLONG_MAX),
	TIDE_OPT_INT(OPT_MAX_KEYS, "max-keys", "n", "open keys at most; more "
	    "are bad input", &o.wc.max_keys, 1, 1LL << 40),
	TIDE_OPT_SIZE(OPT_MAX_MEMORY, "max-memory", "size", "past this "
	    "resident size a record that opens a key, or adds a value a key "
	    "must keep, is bad input (default: half the memory, or the "
	    "cgroup's limit; 0: no limit)", &o.wc.max_memory, 0),
	TIDE_OPT_INT(OPT_HLL, "hll-precision", "p", "approx_distinct precision "
	    "4..18 (14)", &o.hll, TIDE_HLL_PMIN, TIDE_HLL_PMAX),
	TIDE_OPT_INT(OPT_PRECISION, "precision", "n", "round fractional "
	    "results to n digits after the point (0..15)", &o.precision, 0, 15),
	TIDE_OPTS_BADINPUT(&o.maxrec, &o.strict, &o.dead, &o.maxbad),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

static const struct tide_prog prog = {
	"tide-window",
	"[-qv] -k field[,field] -a aggs (--tumble d | --hop d --every s | "
	    "--session gap | --over d) [options] [file ...]",
	"Keyed event-time windowed aggregation of NDJSON records.",
};

struct ctx {
	struct tide_wout out;
	struct tide_winout wo;		/* results and late records */
	struct tide_aggspec spec;
	struct tide_win win;
	struct tide_wm wm;
	struct tide_bad bad;
	char **keynames;		/* -k paths, as given */
	char **outnames;		/* their names in the output */
	int nkeys;
	const char *statepath;		/* --state */
	struct tide_wstate ws;		/* its file, offsets and config */
	uint64_t in;
	uint64_t notrec;	/* bad lines not counted in in: too long, broken
				 * barriers (the verdict counts them read) */
	struct tide_wflow wf;		/* delivery (doc/DELIVERY.md) */
	struct tide_expr wx;		/* --where */
	struct tide_where where;
};

static void
split_list(const char *opt, const char *s, struct tide_path *paths, int max,
    int *n, char ***names, char ***outs)
{
	char why[TIDE_WREC_WHY];
	char *copy = tide_xstrdup(s), *p = copy, *q;
	int inq = 0;

	for (q = copy;; q++) {
		if (*q == '"')
			inq = !inq;
		if ((*q == ',' && !inq) || *q == '\0') {
			int last = *q == '\0';

			*q = '\0';
			if (*n == max)
				tide_usage_error("%s: too many fields", opt);
			if (outs) {
				if (tide_wrec_key_parse(p, &paths[*n],
				    &(*outs)[*n], why) < 0)
					tide_usage_error("%s: %s", opt, why);
			} else if (tide_path_parse(&paths[*n], p) < 0)
				tide_usage_error("%s: bad field path '%s'", opt, p);
			if (names)
				(*names)[*n] = tide_xstrdup(paths[*n].text);
			(*n)++;
			if (last)
				break;
			p = q + 1;
		}
	}
	free(copy);
}

/* ---- options ----------------------------------------------------------- */

/* --align: a duration, signed. */
static int
opt_align(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	int64_t ms;

	(void)err;
	if (tide_dur_parse(arg + (*arg == '-' || *arg == '+'), &ms) < 0)
		tide_usage_error("--align: not a duration: '%s' (e.g. 250ms, "
		    "30s, 1h30m)", arg);
	*(int64_t *)opt->dest = *arg == '-' ? -ms : ms;
	return 0;
}


static int
opt_timeformat(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (strcmp(arg, "rfc3339") == 0)
		*(int *)opt->dest = 1;
	else if (strcmp(arg, "epoch") == 0 || strcmp(arg, "ms") == 0)
		*(int *)opt->dest = 0;
	else
		tide_usage_error("--time-format: not a format: '%s' (epoch, "
		    "rfc3339)", arg);
	return 0;
}

static int
opt_emit(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	struct tide_win_conf *wc = opt->dest;

	(void)err;
	if (strcmp(arg, "final") == 0)
		wc->emit = TIDE_EMIT_FINAL;
	else if (strcmp(arg, "every") == 0)
		wc->emit = TIDE_EMIT_EVERY;
	else if (strncmp(arg, "early=", 6) == 0) {
		wc->emit = TIDE_EMIT_EARLY;
		wc->early = tide_arg_dur_ms("--emit early", arg + 6);
		if (wc->early == 0)
			tide_usage_error("--emit early: must be more than 0");
	} else
		tide_usage_error("--emit: not a mode: '%s' (final, early=D, "
		    "every)", arg);
	return 0;
}

static int
opt_keymissing(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (strcmp(arg, "null") == 0)
		*(int *)opt->dest = 1;
	else if (strcmp(arg, "error") == 0)
		*(int *)opt->dest = 0;
	else
		tide_usage_error("--key-missing: not a policy: '%s' (error, "
		    "null)", arg);
	return 0;
}

/* --partition-field, repeatable: each adds its fields. */
static int
opt_partfield(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	char **names = o.partnames;

	(void)opt;
	(void)err;
	split_list("--partition-field", arg, o.partp, MAXPARTF, &o.npart,
	    &names, NULL);
	return 0;
}

/* Save the state file; a failure ends the run (the state on disk is the
 * last one saved). */
static void
state_save(struct tide_wstate *ws, const struct tide_win *w,
    const struct tide_wm *m)
{
	struct tide_wstate_err err;

	if (tide_wstate_save(ws, w, m, &err) < 0)
		tide_die(TIDE_EX_IOERR, "%s", err.msg);
}

/*
 * The main loop runs one record ahead: it parses record n + 1 (a copy, so
 * its values outlive the reader's buffer) while the window table lines of
 * record n, asked for with tide_win_prefetch(), come in from memory, then
 * adds record n.  Everything observable happens in input order: a pending
 * record is added before anything else is done (a bad record reported, a
 * tick, a checkpoint, the end).
 *
 * Add a parsed record: 0, a write error (< 0), or an exit status (> 0)
 * from the bad-input policy.
 */
static int
process(struct ctx *c, struct tide_wrec *p, size_t max_keys)
{
	const void *ov = NULL;
	int r;

	r = tide_win_add(&c->win, p->t, p->key.data, p->key.len, p->vals, &ov);
	if (r == TIDE_WIN_FULL) {
		return tide_exit_of(tide_bad_record(&c->bad, p->src, p->lineno,
		    p->line.data, p->line.len, "too many keys (--max-keys %zu)",
		    max_keys));
	}
	if (r == TIDE_WIN_MEMFULL || r == TIDE_WIN_MEMGROW) {
		char sz[32];

		return tide_exit_of(tide_bad_record(&c->bad, p->src, p->lineno,
		    p->line.data, p->line.len, "no memory for %s "
		    "(--max-memory %s)", r == TIDE_WIN_MEMFULL ? "a new key" :
		    "more of its key's values", tide_size_fmt(sz, sizeof(sz),
		    c->win.c.max_memory)));
	}
	if (r == TIDE_WIN_LATE) {
		if (tide_winout_late(&c->wo, p->line.data, p->line.len) < 0)
			tide_die(TIDE_EX_IOERR, "cannot write '%s': %s",
			    c->wo.latepath, strerror(errno));
		return 0;
	}
	if (r < 0)
		return r;
	if (ov && (r = tide_winout_over(&c->wo, p->line.data, p->line.len,
	    ov)) < 0)
		return r;
	return tide_win_advance(&c->win, tide_wm_see(&c->wm, p->part.data,
	    p->part.len, p->t, p->now));
}

/* A delivery failure of lib/wflow: the late file's and the state file's
 * end the run; the output's come back (a write error). */
static int
wflow_err(int r, const struct tide_wflow_err *err, const char *latepath)
{
	if (r < 0 && err->where == TIDE_WFLOW_LATE)
		tide_die(TIDE_EX_IOERR, "cannot write '%s': %s", latepath,
		    strerror(err->errnum));
	if (r < 0 && err->where == TIDE_WFLOW_STATE)
		tide_die(TIDE_EX_IOERR, "%s", err->state.msg);
	return r;
}

/* The reader's idle hook: before a read that may block, what is held may
 * go, the output is flushed and the control channel looked at. */
static int
window_idle(void *ctx)
{
	struct ctx *c = ctx;
	struct tide_wflow_err err;

	return wflow_err(tide_wflow_idle(&c->wf, &err), &err, c->wo.latepath);
}

/* The --stats line: at exit, and on SIGUSR1 while running. */
static void
print_stats(const struct ctx *c)
{
	char filt[40] = "";

	if (c->where.e)
		snprintf(filt, sizeof(filt), ", filtered %llu",
		    (unsigned long long)c->where.filtered);
	fprintf(stderr, "tide-window: stats: in %llu, out %llu, bad %llu%s, "
	    "late %llu, windows %llu, updates %llu, open keys %zu, "
	    "open windows %zu, wide sums %llu, overflows %llu\n",
	    (unsigned long long)c->in,
	    (unsigned long long)c->wo.n, (unsigned long long)c->bad.count, filt,
	    (unsigned long long)c->wo.late_n,
	    (unsigned long long)c->win.fired,
	    (unsigned long long)c->win.updates, tide_win_keys(&c->win),
	    tide_win_states(&c->win),
	    (unsigned long long)c->spec.warn->wide,
	    (unsigned long long)c->spec.warn->overflow);
}

int
main(int argc, char **argv)
{
	static struct ctx c;
	struct tide_path paths[5 + MAXKEYF + MAXPARTF + 64 + TIDE_EXPR_MAXPATHS];
	struct tide_json_val jv[5 + MAXKEYF + MAXPARTF + 64 + TIDE_EXPR_MAXPATHS];
	struct tide_wrec pr[INFLIGHT + 1], *pend[INFLIGHT];
	struct tide_wrec_conf rc;
	struct tide_wflow_err ferr;
	int npend = 0, ip = 0;
	struct tide_win_conf wc;
	struct tide_path keyp[MAXKEYF];
	int64_t tmo, left;
	int koff = 0, nkinds, ix;
	int i, r, status = TIDE_EX_OK, nf;
	struct tide_aggerr aerr;
	struct tide_wstate_err serr;
	sig_atomic_t sigseen = 0;
	int from_tty, ended = 0;
	enum tide_sig_drain st;

	tide_prog_init_opts(&prog, opts);
	c.keynames = tide_xcalloc(MAXKEYF, sizeof(char *));
	c.outnames = tide_xcalloc(MAXKEYF, sizeof(char *));
	ix = tide_opt_parse(argc, argv);
	argc -= ix;
	argv += ix;

	/* The window: the one of --tumble, --hop, --session, --over given. */
	wc = o.wc;
	if (!tide_opt_given(OPT_MAX_MEMORY))
		wc.max_memory = tide_win_default_max_memory();
	nkinds = tide_opt_given(OPT_TUMBLE) + tide_opt_given(OPT_HOP) +
	    tide_opt_given(OPT_SESSION) + tide_opt_given(OPT_OVER);
	if (tide_opt_given(OPT_TUMBLE)) {
		wc.kind = TIDE_WIN_TUMBLE;
		wc.size = o.tumble;
	} else if (tide_opt_given(OPT_HOP)) {
		wc.kind = TIDE_WIN_HOP;
		wc.size = o.hop;
	} else if (tide_opt_given(OPT_SESSION)) {
		wc.kind = TIDE_WIN_SESSION;
		wc.gap = o.session;
	} else {
		wc.kind = TIDE_WIN_OVER;
		wc.size = o.over;
	}
	if (nkinds == 0)
		tide_usage_error("a window is needed: --tumble, --hop, --session "
		    "or --over");
	if (nkinds > 1)
		tide_usage_error("only one of --tumble, --hop, --session, --over");
	if (o.keys == NULL)
		tide_usage_error("-k is needed");
	if (o.aggs == NULL)
		tide_usage_error("-a is needed");
	if (wc.kind == TIDE_WIN_HOP && !tide_opt_given(OPT_EVERY))
		tide_usage_error("--hop needs --every");
	if (wc.kind != TIDE_WIN_HOP && tide_opt_given(OPT_EVERY))
		tide_usage_error("--every goes with --hop");
	if (wc.kind == TIDE_WIN_HOP && (wc.every == 0 || wc.every > wc.size))
		tide_usage_error("--every: must be more than 0 and at most --hop");
	if ((wc.kind != TIDE_WIN_SESSION && wc.size == 0) ||
	    (wc.kind == TIDE_WIN_SESSION && wc.gap == 0))
		tide_usage_error("the window duration must be more than 0");
	if ((o.ckpt || o.flush_end) && o.statepath == NULL)
		tide_usage_error("%s goes with --state", o.ckpt ? "--checkpoint" :
		    "--flush");
	if (o.nexpect && o.npart == 0)
		tide_usage_error("--partitions goes with --partition-field");
	if (wc.emit != TIDE_EMIT_FINAL && wc.kind == TIDE_WIN_OVER)
		tide_usage_error("--emit: --over has one result per record");
	c.statepath = o.statepath;
	if (wc.exclude_current && wc.kind != TIDE_WIN_OVER)
		tide_usage_error("--exclude-current goes with --over");
	if (tide_opt_given(OPT_ALIGN) && wc.kind != TIDE_WIN_TUMBLE &&
	    wc.kind != TIDE_WIN_HOP)
		tide_usage_error("--align goes with --tumble or --hop: sessions "
		    "and --over windows have no fixed boundaries");
	if (tide_aggspec_parse(&c.spec, o.aggs, o.hll, &aerr) < 0)
		tide_usage_error("-a: %s at offset %zu in '%s'", aerr.reason,
		    aerr.offset, o.aggs);
	c.spec.precision = o.precision;
	split_list("-k", o.keys, keyp, MAXKEYF, &c.nkeys, &c.keynames,
	    &c.outnames);
	for (i = 0; i < c.nkeys; i++) {
		int j;

		if (strcmp(c.outnames[i], "window_start") == 0 ||
		    strcmp(c.outnames[i], "window_end") == 0)
			tide_usage_error("-k: '%s' is an output field", c.outnames[i]);
		for (j = 0; j < i; j++)
			if (strcmp(c.outnames[i], c.outnames[j]) == 0)
				tide_usage_error("-k: '%s' and '%s' are both "
				    "named '%s': rename one with 'as'",
				    c.keynames[j], c.keynames[i], c.outnames[i]);
		for (j = 0; j < c.spec.naggs; j++)
			if (strcmp(c.outnames[i], c.spec.aggs[j].name) == 0)
				tide_usage_error("-a: '%s' is also a key",
				    c.outnames[i]);
	}

	/* One lookup per record: time, keys, partition fields, agg fields. */
	nf = 0;
	if (tide_path_parse(&paths[nf++], o.timef) < 0)
		tide_usage_error("--time: bad field path '%s'", o.timef);
	for (i = 0; i < c.nkeys; i++)
		paths[nf++] = keyp[i];
	for (i = 0; i < o.npart; i++)
		paths[nf++] = o.partp[i];
	for (i = 0; i < c.spec.nfields; i++)
		paths[nf++] = c.spec.paths[i];
	if (o.where) {
		tide_arg_expr("--where", o.where, &c.wx);
		c.where.e = &c.wx;
		if (tide_where_paths(&c.where, paths, &nf, (int)(sizeof(paths) /
		    sizeof(*paths)) - 3) < 0)
			tide_usage_error("--where: too many fields");
	}
	/* With --state, an envelope's place in Kafka, kept beside the
	 * windows for tide-source --resume. */
	if (c.statepath) {
		koff = nf;
		if (tide_path_parse(&paths[nf++], "topic") < 0 ||
		    tide_path_parse(&paths[nf++], "partition") < 0 ||
		    tide_path_parse(&paths[nf++], "offset") < 0)
			tide_die(TIDE_EX_FAIL, "envelope paths");
	}

	if (tide_bad_init(&c.bad, o.strict, o.dead) < 0)
		tide_die(TIDE_EX_IOERR, "cannot open '%s': %s", o.dead, strerror(errno));
	tide_wout_init(&c.out, STDOUT_FILENO);
	tide_winout_init(&c.wo, &c.out, &c.spec, c.outnames, c.nkeys, o.rfc3339,
	    wc.emit != TIDE_EMIT_FINAL);
	if (o.latepath && tide_winout_late_open(&c.wo, o.latepath) < 0)
		tide_die(TIDE_EX_IOERR, "cannot open '%s': %s", o.latepath,
		    strerror(errno));
	wc.spec = &c.spec;
	tide_win_init(&c.win, &wc, tide_winout_emit, &c.wo);
	tide_wm_init(&c.wm, o.delay, o.idle);
	tide_wm_expect(&c.wm, o.nexpect);
	tide_wrec_conf_init(&rc);
	rc.timef = o.timef;
	rc.unit = o.unit;
	rc.keynames = c.keynames;
	rc.nkeys = c.nkeys;
	rc.npart = o.npart;
	rc.keynull = o.keynull;
	rc.spec = &c.spec;
	rc.max_future = o.max_future;
	rc.clock = o.max_future >= 0 || o.idle;
	if (c.statepath) {
		tide_wstate_init(&c.ws, c.statepath, &wc, c.keynames, c.nkeys,
		    &c.spec);
		if ((r = tide_wstate_load(&c.ws, &c.win, &c.wm, tide_now_ms(),
		    &serr)) < 0)
			tide_die(r == TIDE_EINVAL ? TIDE_EX_USAGE :
			    tide_exit_of(r), "%s", serr.msg);
		tide_wstate_every(&c.ws, o.ckpt, tide_now_ms());
	}

	/* A stop signal is a drain (doc/DELIVERY.md): the stage before this
	 * one ends too and its output reaches its end; what is in the pipe
	 * is read and counted.  A terminal's input ends at the signal. */
	tide_sig_init(0);
	from_tty = isatty(STDIN_FILENO);

	/* The pipeline around us (doc/DELIVERY.md): the tide stage that
	 * writes our input, the ones that read our output.  Alone on any
	 * failure: barriers are then acknowledged as written. */
	tide_wflow_init(&c.wf, &c.out, &c.wo, &c.win, &c.wm,
	    c.statepath ? &c.ws : NULL);
	{
		struct tide_stage_err serr_ = { NULL, 0, 0 };

		if (tide_wflow_open(&c.wf, STDIN_FILENO, STDOUT_FILENO,
		    &serr_) < 0 && tide_verbose > 0)
			tide_warn("delivery: %s%s%s", serr_.what ? serr_.what :
			    "cannot open the control channel", serr_.errnum ?
			    ": " : "", serr_.errnum ? strerror(serr_.errnum) : "");
	}

	if (argc == 0) {
		static char *dash[] = { "-", NULL };

		argv = dash;
		argc = 1;
	}
	/* Add the pending record, if any, before anything else happens. */
#define FLUSH_PENDING() do {						\
	while (npend > 0) {						\
		struct tide_wrec *pp_ = pend[0];			\
									\
		memmove(pend, pend + 1, --npend * sizeof(*pend));	\
		if ((r = process(&c, pp_, wc.max_keys)) < 0)		\
			goto werr;					\
		if (r > 0) {						\
			npend = 0;					\
			status = r;					\
			goto bad;					\
		}							\
	}								\
} while (0)
	for (i = 0; i < INFLIGHT + 1; i++)
		tide_wrec_init(&pr[i]);
	/* Outside the loop: a write error leaves it for done: to release. */
	struct tide_recin in = { .name = NULL };

	for (int fi = 0; fi < argc && !ended && status == TIDE_EX_OK; fi++) {
		const char *src = argv[fi], *line;
		struct tide_rec rec;
		size_t len;

		int64_t *pos = NULL, base = 0;

		/* Files may be zstd (tide-sink's .zst archives); a file read
		 * on from where the state says reading stopped is seeked, or
		 * decoded and skipped up to there. */
		if (c.statepath && strcmp(src, "-") != 0) {
			pos = tide_wstate_pos(&c.ws, src, strlen(src));
			base = *pos;
		}
		/* Raw: each record is checked once copied (below). */
		r = tide_recin_open_at(&in, src, TIDE_RECIN_RAW, o.maxrec,
		    (uint64_t)base);
		/* TIDE_ERANGE here is a seek that failed: an I/O error. */
		if (r == TIDE_ERANGE)
			tide_die(tide_exit_of(TIDE_EIO), "cannot seek '%s': %s",
			    src, strerror(in.errnum));
		if (r < 0)
			tide_die(tide_exit_of(r), "cannot open '%s': %s", src,
			    tide_recin_strerror(&in, r));
		tide_recin_set_paths(&in, paths, nf);
		tide_recin_set_idle(&in, window_idle, &c);
		while (status == TIDE_EX_OK) {
			struct tide_wrec *p = &pr[ip];
			char why[TIDE_WREC_WHY];

			if (pos)
				*pos = base + (int64_t)tide_recin_tell(&in);
			if (tide_wstate_due(&c.ws)) {
				FLUSH_PENDING();
				/* Out first, then the state that follows it. */
				if ((r = tide_wout_flush(&c.out)) < 0)
					goto werr;
				state_save(&c.ws, &c.win, &c.wm);
				tide_wflow_service(&c.wf);
			}
			/* With no complete record buffered the next read may
			 * block: the records in flight go out first, so the
			 * idle hook's flush sends them and a quiet stream is
			 * never held back behind the read-ahead. */
			if (npend > 0 && !tide_recin_buffered(&in))
				FLUSH_PENDING();
			/* Blocked reads wake up for --idle and --checkpoint. */
			tmo = o.idle ? o.idle : o.ckpt ? o.ckpt : -1;
			/* The clock only once draining: a clock read per
			 * record costs tumble some 5% of its time. */
			if (tide_sig_stops() != 0 &&
			    (left = tide_sig_drain_left(tide_mono_us() / 1000,
			    o.drain_ms)) >= 0 && (tmo < 0 || left < tmo))
				tmo = left;
			r = tide_recin_next(&in, &rec, NULL, (int)tmo);
			/* While draining, the clock is looked at every
			 * record: a busy input never blocks to be woken. */
			if (r == TIDE_EINTR || tide_sig_pending(&sigseen) ||
			    tide_sig_stops() != 0) {
				if (tide_sig_take_stats())
					print_stats(&c);
				st = tide_sig_drain(tide_mono_us() / 1000, o.drain_ms);
				if (st == TIDE_SIG_TIMEOUT || st == TIDE_SIG_ABORT)
					ended = 2;
				else if (st == TIDE_SIG_DRAINING && from_tty &&
				    strcmp(src, "-") == 0)
					ended = 1;
				if (ended)
					break;
				if (r == TIDE_EINTR)
					continue;
			}
			if (r == TIDE_EOF)
				break;
			if (r == TIDE_EAGAIN) {
				FLUSH_PENDING();
				if ((r = tide_win_advance(&c.win,
				    tide_wm_tick(&c.wm, tide_now_ms()))) < 0 ||
				    (r = wflow_err(tide_wflow_pass_held(&c.wf, 0,
				    &ferr), &ferr, c.wo.latepath)) < 0 ||
				    (r = tide_wout_flush(&c.out)) < 0)
					goto werr;
				tide_wflow_service(&c.wf);
				if (tide_wstate_due_now(&c.ws))
					state_save(&c.ws, &c.win, &c.wm);
				continue;
			}
			/* The idle hook flushes output: a write error comes back
			 * from the read. */
			if (r == TIDE_EPIPE || (r == TIDE_EIO && c.out.err))
				goto werr;
			if (r < 0)
				tide_die(tide_exit_of(r), "cannot read '%s': %s",
				    src, tide_recin_strerror(&in, r));
			if (rec.err == TIDE_REC_TOOBIG) {
				FLUSH_PENDING();
				c.notrec++;
				r = tide_bad_record(&c.bad, src, rec.lineno, "", 0,
				    "record longer than %zu bytes", in.max);
				goto bad;
			}
			/* A barrier is not a record (doc/DELIVERY.md): the one
			 * compare every record pays. */
			if (__builtin_expect(tide_barrier_is(rec.p, rec.len), 0)) {
				FLUSH_PENDING();
				tide_wflow_service(&c.wf);
				if (tide_flow_read_barrier(&c.wf.flow, rec.p,
				    rec.len) < 0) {
					c.notrec++;
					r = tide_bad_record(&c.bad, src, rec.lineno,
					    rec.p, rec.len, "broken barrier: %s",
					    c.wf.flow.berr.reason);
					goto bad;
				}
				if ((r = wflow_err(tide_wflow_barrier(&c.wf, rec.p,
				    rec.len, &ferr), &ferr, c.wo.latepath)) < 0)
					goto werr;
				continue;
			}
			c.in++;
			/* A copy: the values must outlive the reader's buffer. */
			tide_buf_reset(&p->line);
			tide_buf_add(&p->line, rec.p, rec.len);
			line = p->line.data;
			len = rec.len;
			p->src = src;
			p->lineno = rec.lineno;
			/* Checked and looked up in one pass, in the copy, so
			 * the values point into it. */
			rec.p = line;
			tide_recin_check(&in, &rec, jv);
			if (rec.err != TIDE_REC_OK) {
				FLUSH_PENDING();
				r = tide_bad_record(&c.bad, src, rec.lineno, line, len,
				    "%s", tide_rec_reason(&rec, in.max, why,
				    sizeof(why)));
				goto bad;
			}
			/* Read, whatever becomes of it: a bad record is not read
			 * again after a restart either. */
			if (koff > 0)
				tide_wstate_see(&c.ws, &jv[koff]);
			if ((r = tide_where_keep(&c.where, jv)) == 0)
				continue;	/* read, not bad: filtered */
			if (r < 0)
				snprintf(why, sizeof(why), "--where: regex %s "
				    "reached its match limit",
				    tide_expr_limit_regex(&c.wx));
			if (r < 0 || tide_wrec_take(&rc, p, jv, why) < 0) {
				FLUSH_PENDING();
				r = tide_bad_record(&c.bad, src, rec.lineno, line, len,
				    "%s", why);
				goto bad;
			}
			/* Records in flight: while the next one is parsed, this
			 * one's index slot, the previous one's key and the one
			 * before's list of windows come in from memory. */
			tide_win_prefetch(&c.win, p->key.data, p->key.len, 1);
			for (i = 1; i <= npend && i < INFLIGHT; i++)
				tide_win_prefetch(&c.win, pend[npend - i]->key.data,
				    pend[npend - i]->key.len, 1 + i);
			if (npend == INFLIGHT) {
				struct tide_wrec *pp = pend[0];

				memmove(pend, pend + 1, --npend * sizeof(*pend));
				if ((r = process(&c, pp, wc.max_keys)) < 0)
					goto werr;
				if (r > 0) {
					npend = 0;
					status = r;
					goto bad;
				}
			}
			pend[npend++] = p;
			ip = (ip + 1) % (INFLIGHT + 1);
			continue;
bad:
			/* The policy's code, or process()'s status. */
			if ((r = tide_exit_of(r)) != 0)
				status = r;
		}
		while (npend > 0 && status == TIDE_EX_OK) {
			struct tide_wrec *pp = pend[0];

			memmove(pend, pend + 1, --npend * sizeof(*pend));
			if ((r = process(&c, pp, wc.max_keys)) < 0)
				goto werr;
			if (r > 0)
				status = r;
		}
		npend = 0;
		if (pos)
			*pos = base + (int64_t)tide_recin_tell(&in);
		tide_recin_close(&in);
	}
	/* A second signal, or a drain that outlasted --drain-timeout: stop
	 * here.  The open windows are not written (their input did not end);
	 * with --state they are saved, with the offsets read, so a restart
	 * goes on from here. */
	if (ended == 2 && status == TIDE_EX_OK) {
		int sig = tide_sig_drain(tide_mono_us() / 1000, o.drain_ms) ==
		    TIDE_SIG_ABORT;

		tide_warn("%s: stopped before the end of input: %zu open "
		    "window%s not written%s", sig ? "second signal" :
		    "--drain-timeout", tide_win_states(&c.win),
		    tide_win_states(&c.win) == 1 ? "" : "s",
		    c.statepath ? " (saved in the state file)" : "");
		status = sig ? tide_sig_exit_status() : TIDE_EX_TEMPFAIL;
		if ((r = tide_wout_flush(&c.out)) < 0)
			goto werr;
		if (c.statepath)
			state_save(&c.ws, &c.win, &c.wm);
		goto done;
	}
	/* End of input (a signal's drain ends there too): every open window
	 * closes, unless the state file keeps them for the next run. */
	if (status == TIDE_EX_OK && (c.statepath == NULL || o.flush_end) &&
	    (r = tide_win_flush(&c.win)) < 0)
		goto werr;
	/* Every window is written: the barriers held for them follow, the
	 * final one last. */
	if (status == TIDE_EX_OK && (r = wflow_err(tide_wflow_pass_held(&c.wf,
	    1, &ferr), &ferr, c.wo.latepath)) < 0)
		goto werr;
	if ((r = tide_wout_flush(&c.out)) < 0)
		goto werr;
	if (c.statepath && status == TIDE_EX_OK)
		state_save(&c.ws, &c.win, &c.wm);
	goto done;
werr:
	if (r == TIDE_EPIPE) {
		status = TIDE_EX_OK;
		goto done;
	}
	tide_warn("cannot write output: %s", tide_strerror(r));
	status = TIDE_EX_IOERR;
done:
	tide_recin_close(&in);	/* open when a write error left the loop */
	/* Written out before the summary, which must not say the records
	 * are in a file that refused them. */
	if (tide_winout_late_close(&c.wo) < 0) {
		tide_warn("cannot write '%s': %s", o.latepath, strerror(errno));
		status = TIDE_EX_IOERR;
		if (c.wo.late_n)
			tide_warn("%llu late record%s, not all written to %s",
			    (unsigned long long)c.wo.late_n,
			    c.wo.late_n == 1 ? "" : "s", o.latepath);
	} else if (c.wo.late_n)
		tide_warn("%llu late record%s%s%s", (unsigned long long)c.wo.late_n,
		    c.wo.late_n == 1 ? "" : "s",
		    o.latepath ? ", written to " : " dropped (see --late-file)",
		    o.latepath ? o.latepath : "");
	if (c.spec.warn->wide)
		tide_warn("%llu integer sum%s left int64: written as doubles, "
		    "not exact", (unsigned long long)c.spec.warn->wide,
		    c.spec.warn->wide == 1 ? "" : "s");
	if (c.spec.warn->overflow)
		tide_warn("%llu result%s past a double's range: written as null",
		    (unsigned long long)c.spec.warn->overflow,
		    c.spec.warn->overflow == 1 ? "" : "s");
	if (o.stats)
		print_stats(&c);
	if (tide_winout_release(&c.wo) < 0 && status == TIDE_EX_OK)
		status = TIDE_EX_IOERR;
	if ((r = tide_bad_finish(&c.bad)) != 0 && status == TIDE_EX_OK)
		status = tide_exit_of(r);
	if (status == TIDE_EX_OK)
		status = tide_exit_of(tide_bad_verdict(&c.bad, &o.maxbad,
		    c.in + c.notrec));
	tide_wout_release(&c.out);
	/* Our output ends here: the final barrier's acknowledgement comes
	 * back through us once our reader has it all. */
	tide_wflow_close(&c.wf, status == TIDE_EX_OK ? STDOUT_FILENO : -1);
	tide_win_release(&c.win);
	tide_wm_release(&c.wm);
	tide_wrec_conf_release(&rc);
	for (i = 0; i < INFLIGHT + 1; i++)
		tide_wrec_release(&pr[i]);
	tide_wstate_release(&c.ws);
	for (i = 0; i < 1 + c.nkeys + o.npart; i++)
		tide_path_release(&paths[i]);
	for (i = koff; koff > 0 && i < nf; i++)
		tide_path_release(&paths[i]);
	for (i = 0; i < c.nkeys; i++) {
		free(c.keynames[i]);
		free(c.outnames[i]);
	}
	free(c.outnames);
	for (i = 0; i < o.npart; i++)
		free(o.partnames[i]);
	free(c.keynames);
	tide_aggspec_release(&c.spec);
	tide_expr_release(&c.wx);
	return status;
}
