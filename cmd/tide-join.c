/*
 * tide-join: enrich a stream of NDJSON records with a table: inner, left
 * and anti joins, and point-in-time (as-of) joins against versioned tables;
 * or join two streams by key within an interval of event time (--with).
 * Options -> a configuration (lib/joinconf) -> the table (lib/jtable: a
 * file; a Kafka changelog, lib/kafka/ktable; a view read by key through
 * its cache, lib/view/vtable) -> a join plan (lib/joinplan) -> for each
 * input, tide_tjoin_next() per record (lib/tjoin): look the key up,
 * append the table's fields to the record's own bytes.  --with: struct
 * tide_ijrun of lib/ijsrc, driven by tide_ijdrive_files() or, for a Kafka
 * topic, tide_kstream_drive() (lib/kafka/kstream).  This file holds the
 * options, the messages and exit statuses, and the loops' policy: signals
 * (lib/sig: a stop signal drains), --watch, and the barriers of the
 * pipeline's delivery (lib/stagerun).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bad.h"
#include "buf.h"
#include "err.h"
#include "expr.h"
#include "exitcode.h"
#include "fwatch.h"
#include "ijoin.h"
#include "ijsrc.h"
#include "joinconf.h"
#include "jtable.h"
#include "joinplan.h"
#include "json.h"
#include "kafka/kconf.h"
#include "kafka/kopt.h"
#include "kafka/kstream.h"
#include "kafka/ktable.h"
#include "prog.h"
#include "rio.h"
#include "sig.h"
#include "stagerun.h"
#include "table.h"
#include "tjoin.h"
#include "time.h"
#include "view/vtable.h"

enum {
	OPT_ON = TIDE_OPT_LONG,
	OPT_INNER, OPT_LEFT, OPT_ANTI, OPT_SELECT, OPT_PREFIX, OPT_OVERWRITE,
	OPT_DEFAULT, OPT_MISSFIELD, OPT_ASOF, OPT_TABLETIME, OPT_DIRECTION,
	OPT_TOLERANCE, OPT_TIMEUNIT, OPT_TABLEFMT, OPT_WATCH, OPT_STATS,
	OPT_TABLEKEY, OPT_NOWAIT, OPT_WITH, OPT_WITHIN, OPT_TIME, OPT_DELAY,
	OPT_LATEFILE, OPT_CACHETTL, OPT_IDLE, OPT_DOWNTIMEOUT, OPT_DRAIN,
	OPT_WHERE, OPT_HAVING,
};

static const struct tide_prog prog = {
	"tide-join",
	"[-qv] [-b brokers] (-T table | --with stream --within d) "
	"--on field[=tfield][,...] [--inner | --left | --anti] "
	"[--select field[,...]] [--prefix p] "
	"[--as-of field [--table-time field]] [file ...]",
	"Join a stream of NDJSON records with a table.",
};

#define VIEW_CACHE_N 65536	/* keys cached by a view table */

struct stats {
	struct tide_joinstats j;	/* in, out, matched, missed */
	uint64_t reloads, reloadfail;
};

/*
 * Signals (lib/sig): SIGHUP reloads a file table; a stop signal is a
 * drain (doc/DELIVERY.md): the input is read to its end (a terminal's
 * ends at the signal), joined and written, and the program exits 0;
 * sr.ended says why the input loop stopped early.  ijstop stops an
 * interval join's drivers.  The pipeline's delivery (lib/stagerun): a
 * barrier line on stdin is passed on, written or acknowledged, once every
 * record before it is written.
 */
static struct tide_stagerun sr;
static volatile sig_atomic_t ijstop;
static struct tide_joinconf conf;
static struct tide_kconf kc;
static struct stats st;
static struct tide_expr wx, hx;		/* --where, --having */
static struct tide_where where = { &wx, 0, 0 }, having = { &hx, 0, 0 };
static struct tide_bad bad;
static struct tide_bad_max maxbad;	/* --max-bad */
/*
 * The table (-T) behind lib/jtable's operations: the file's (jf), the
 * Kafka table's (kt, a live table: each record's lookup and output hold
 * its read lock, kt_lock(), so a record sees it before or after an update,
 * never half of one) or the view's (vt); NULL in an interval join.
 */
static struct tide_jtable *jt;
static struct tide_jfile jf;
static struct tide_ktable ktab, *kt;
static struct tide_vtable vt;

/*
 * The Kafka stream (--with kafka:TOPIC, struct tide_kstream below): kname
 * names it in messages ("stream 'kafka:T'"), kfatal is the status its
 * fatal error set, from librdkafka's thread.
 */
static const char *kname;
static atomic_int kfatal;

/* What a table has to say while it loads. */
static void
jt_say(void *ctx, enum tide_jtable_level level, const char *msg)
{
	(void)ctx;
	if (level == TIDE_JTABLE_INFO)
		tide_info("%s", msg);
	else
		tide_warn("%s", msg);
}

/* Hold the stream until the table has caught up with the topic's end as
 * of start.  Returns 0, or the status to exit with. */
static int
ktable_wait(void)
{
	int64_t t0 = tide_mono_us();
	int r;

	/* A stop signal drains: the stream still needs the table. */
	while ((r = tide_ktable_wait(kt, 100)) == TIDE_EAGAIN)
		if (tide_stagerun_stopped(&sr, NULL) == TIDE_STAGERUN_CUT)
			break;
	jt->loadms = (tide_mono_us() - t0) / 1000;
	if ((r = tide_ktable_failed(kt)) != 0)
		return tide_exit_of(r);
	tide_ktable_rdlock(kt);
	tide_info("table '%s': %zu partitions, %llu rows, %zu keys, "
	    "loaded in %lld ms", conf.table, tide_ktable_nparts(kt),
	    (unsigned long long)jt->table->rows, tide_table_nkeys(jt->table),
	    (long long)jt->loadms);
	tide_ktable_unlock(kt);
	return 0;
}

static void
kafka_fatal(void *ctx, const char *reason)
{
	int zero = 0;

	(void)ctx;
	tide_warn("%s: fatal: %s", kname, reason);
	atomic_compare_exchange_strong(&kfatal, &zero, TIDE_EX_UNAVAILABLE);
}

static void
print_stats(void)
{
	struct tide_jtable_stats ts;
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	tide_jtable_stats(jt, &ts);
	char filt[80] = "";

	if (conf.where || conf.having)
		snprintf(filt, sizeof(filt), ", filtered %llu, not having %llu",
		    (unsigned long long)where.filtered,
		    (unsigned long long)having.filtered);
	tide_warn("records in %llu, out %llu, matched %llu, unmatched %llu, "
	    "bad %llu%s; table %llu rows, %zu keys, %llu versions, %zu bytes, "
	    "loaded in %lld ms; reloads %llu (failed %llu); peak rss %ld KiB",
	    (unsigned long long)st.j.in, (unsigned long long)st.j.out,
	    (unsigned long long)st.j.matched, (unsigned long long)st.j.missed,
	    (unsigned long long)bad.count, filt, (unsigned long long)ts.rows,
	    ts.keys, (unsigned long long)ts.versions, ts.bytes,
	    (long long)(jt ? jt->loadms : 0), (unsigned long long)st.reloads,
	    (unsigned long long)st.reloadfail, ru.ru_maxrss);
	if (ts.line[0])
		tide_warn("%s", ts.line);
}

static const char *plan_build(struct tide_joinplan *pl, int ncol,
    char *const *names);

/* Replace j's table between two records, so no record sees half of one;
 * on failure the old table stays. */
static void
reload(struct tide_tjoin *j)
{
	struct tide_joinplan *pl = j->pl;
	struct tide_jtable_err err;
	struct tide_joinplan np;
	const char *badname;
	int r;

	if ((r = tide_jtable_reload(jt, &err)) == 1) {
		tide_info("%s", err.msg);
		return;
	}
	if (r < 0 && err.usage)
		tide_usage_error("%s", err.msg);
	if (r < 0) {
		tide_warn("%s", err.msg);
		st.reloadfail++;
		tide_warn("table '%s': reload failed, keeping the old table",
		    conf.table);
		return;
	}
	if (jt->next && (badname = plan_build(&np, jt->next->ncol,
	    jt->next->colname)) != NULL) {
		tide_warn("table '%s': reload failed: no column '%s' for "
		    "--default, keeping the old table", conf.table, badname);
		tide_joinplan_release(&np);
		tide_jtable_drop(jt);
		st.reloadfail++;
		return;
	}
	if (jt->next) {
		tide_joinplan_release(pl);
		*pl = np;
		tide_jtable_commit(jt);
		j->table = jt->table;
	}
	st.reloads++;
}

static void replan(struct tide_joinplan *pl, int ncol, char *const *names);

/*
 * Look key values k up in the view (as of ts under --as-of): 0 with *m and,
 * on a hit, *row; *learnt when the view's columns (and so the plan) were
 * learnt just now.  -1 when the view's record is not a JSON object (reason
 * in why); a TIDE_EX_* status when the store failed.
 */
static int
vt_get(void *ctx, const struct tide_json_val *k, int64_t ts,
    struct tide_table_row *row, enum tide_table_miss *m, int *learnt,
    char *why, size_t whylen)
{
	struct tide_joinplan *pl = ctx;
	struct tide_view_err verr;
	int r;

	r = tide_vtable_get(&vt, k, ts, tide_mono_us() / 1000, row, m, learnt,
	    &verr);
	if (r == TIDE_EFORMAT) {
		/* One key's value is broken: that record is bad, the
		 * store is not down. */
		snprintf(why, whylen, "%s", verr.msg);
		return -1;
	}
	if (r < 0) {
		tide_warn("table '%s': %s", conf.table, verr.msg);
		return tide_view_remote(&vt.view) ? TIDE_EX_UNAVAILABLE :
		    TIDE_EX_IOERR;
	}
	if (*learnt)
		replan(pl, vt.ncol, vt.col);
	return 0;
}

/* The options whose arguments lib/joinconf parses: dest is the one. */
static int jc_opt[TIDE_JC_NOPTS] = { TIDE_JC_ON, TIDE_JC_DEFAULT,
    TIDE_JC_SELECT, TIDE_JC_TABLEKEY, TIDE_JC_DIRECTION, TIDE_JC_TABLEFMT,
    TIDE_JC_TIMEUNIT, TIDE_JC_MISSFIELD };

static int
opt_conf(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	struct tide_joinconf_err e;
	int r;

	if ((r = tide_joinconf_set(&conf, (enum tide_joinconf_opt)
	    *(int *)opt->dest, arg, &e)) < 0)
		snprintf(err->msg, sizeof(err->msg), "%s", e.msg);
	return r;
}

static const struct tide_option opts[] = {
	TIDE_OPT_STRING('T', "table", "table", "the table: a CSV or NDJSON "
	    "file, maybe .zst, kafka:topic, sqlite:file:table or redis:url",
	    &conf.table),
	TIDE_OPT_CALLBACK(OPT_ON, "on", "field[=tfield][,...]", "join keys: "
	    "stream field, and table field if named otherwise", opt_conf,
	    &jc_opt[TIDE_JC_ON]),
	TIDE_OPT_SET(OPT_INNER, "inner", "emit only records with a match "
	    "(default)", &conf.js.kind, TIDE_JOIN_INNER),
	TIDE_OPT_SET(OPT_LEFT, "left", "emit every record; table fields null "
	    "on a miss", &conf.js.kind, TIDE_JOIN_LEFT),
	TIDE_OPT_SET(OPT_ANTI, "anti", "emit only records without a match, "
	    "unchanged", &conf.js.kind, TIDE_JOIN_ANTI),
	TIDE_OPT_CALLBACK(OPT_SELECT, "select", "field[,...]", "table fields to "
	    "add (default: all but the key)", opt_conf,
	    &jc_opt[TIDE_JC_SELECT]),
	TIDE_OPT_STRING(OPT_PREFIX, "prefix", "prefix", "prefix the added "
	    "fields' names", &conf.js.prefix),
	TIDE_OPT_FLAG(OPT_OVERWRITE, "overwrite", "table fields replace stream "
	    "fields of the same name", &conf.js.overwrite),
	TIDE_OPT_CALLBACK(OPT_DEFAULT, "default", "field=value", "value of a "
	    "table field on a miss (--left), instead of null", opt_conf,
	    &jc_opt[TIDE_JC_DEFAULT]),
	TIDE_OPT_CALLBACK(OPT_MISSFIELD, "miss-field", "name", "add a field "
	    "saying why a record had no match (--left)", opt_conf,
	    &jc_opt[TIDE_JC_MISSFIELD]),
	TIDE_OPT_STRING(OPT_ASOF, "as-of", "field", "point-in-time join on the "
	    "stream's time field", &conf.js.asof),
	TIDE_OPT_STRING(OPT_TABLETIME, "table-time", "field", "the table's "
	    "version time field (with --as-of)", &conf.tabletime),
	TIDE_OPT_CALLBACK(OPT_DIRECTION, "direction", "dir", "backward "
	    "(default), forward or nearest version", opt_conf,
	    &jc_opt[TIDE_JC_DIRECTION]),
	TIDE_OPT_DUR(OPT_TOLERANCE, "tolerance", "duration", "the version must "
	    "lie within this of the record's time", &conf.tol, 0, LLONG_MAX),
	TIDE_OPT_CALLBACK(OPT_TIMEUNIT, "time-unit", "unit", "unit of epoch "
	    "numbers: s, ms, us, ns, auto", opt_conf,
	    &jc_opt[TIDE_JC_TIMEUNIT]),
	TIDE_OPT_CALLBACK(OPT_TABLEFMT, "table-format", "format", "csv or "
	    "ndjson (default: by the file name)", opt_conf,
	    &jc_opt[TIDE_JC_TABLEFMT]),
	TIDE_OPT_FLAG(OPT_WATCH, "watch", "reload the table when its file "
	    "changes", &conf.watch),
	TIDE_OPT_CALLBACK(OPT_TABLEKEY, "table-key", "field[,...]", "kafka "
	    "table: key rows by these value fields, not the message key",
	    opt_conf, &jc_opt[TIDE_JC_TABLEKEY]),
	TIDE_OPT_FLAG(OPT_NOWAIT, "no-wait", "kafka table: do not hold the "
	    "stream until the table has loaded", &conf.nowait),
	TIDE_OPT_DUR(OPT_CACHETTL, "cache-ttl", "duration", "view table: reuse "
	    "a key's lookup for duration (default 1s; 0: off)", &conf.cachettl,
	    0, LLONG_MAX),
	TIDE_OPT_STRING(OPT_WITH, "with", "stream", "interval join with the "
	    "stream in a file or kafka:topic (with --within)", &conf.with),
	TIDE_OPT_DUR(OPT_WITHIN, "within", "duration", "interval join: records "
	    "whose times differ by at most duration", &conf.within, 0,
	    LLONG_MAX),
	TIDE_OPT_STRING(OPT_TIME, "time", "field", "interval join: event time "
	    "field (default ts)", &conf.timefield),
	TIDE_OPT_DUR(OPT_DELAY, "delay", "duration", "interval join: the "
	    "watermark trails the event time by duration", &conf.delay, 0,
	    LLONG_MAX),
	TIDE_OPT_DUR(OPT_IDLE, "idle", "duration", "interval join with kafka: "
	    "a stream quiet for duration stops holding the watermark",
	    &conf.idle, 1, LLONG_MAX),
	TIDE_OPT_STRING(OPT_LATEFILE, "late-file", "file", "interval join: "
	    "append late records to file", &conf.latefile),
	TIDE_KOPTS_CONF(&kc),
	TIDE_KOPT_MDTIMEOUT(&conf.mdtimeout),
	TIDE_OPT_DUR(OPT_DOWNTIMEOUT, "down-timeout", "duration", "kafka table "
	    "or stream: give up when its brokers stay unreachable for duration "
	    "after start (default 5m; 0 never)", &conf.downms, 0, LLONG_MAX),
	/* A record of one byte is "{": no object fits. */
	TIDE_OPT_BAD_MAXREC(&conf.maxrec, 2),
	TIDE_OPT_BAD_STRICT(&conf.strict),
	TIDE_OPT_BAD_DEAD(&conf.deadletter, "append bad records to file"),
	TIDE_OPT_BAD_MAX(&maxbad),
	TIDE_OPT_STRING(OPT_WHERE, "where", "expr", "join only the stream "
	    "records for which expr is true (tide-expr(7))", &conf.where),
	TIDE_OPT_STRING(OPT_HAVING, "having", "expr", "write only the joined "
	    "records for which expr is true", &conf.having),
	TIDE_OPT_FLAG(OPT_STATS, "stats", "print counters to stderr at exit "
	    "and on SIGUSR1", &conf.stats),
	TIDE_OPT_DUR(OPT_DRAIN, "drain-timeout", "d", "after SIGINT/SIGTERM, "
	    "read on to the end of input for at most d (default 30s; 0: no "
	    "limit)", &conf.drain_ms, 0, LLONG_MAX),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

static void
parse_options(int argc, char **argv)
{
	struct tide_joinconf_err err;

	tide_joinconf_init(&conf);
	tide_kconf_init(&kc);
	tide_opt_parse(argc, argv);
	conf.given_within = tide_opt_given(OPT_WITHIN);
	conf.given_cachettl = tide_opt_given(OPT_CACHETTL);
	conf.nkinds = (tide_opt_given(OPT_INNER) > 0) +
	    (tide_opt_given(OPT_LEFT) > 0) + (tide_opt_given(OPT_ANTI) > 0);
	if (tide_joinconf_check(&conf, tide_ktable_join_brokers, &kc, &err) < 0)
		tide_usage_error("%s", err.msg);
	if (conf.where)
		tide_arg_expr("--where", conf.where, &wx);
	if (conf.having)
		tide_arg_expr("--having", conf.having, &hx);
	conf.js.where = conf.where ? &where : NULL;
	conf.js.having = conf.having ? &having : NULL;
}

/* Build the plan for a table of ncol columns (-1: not known yet) named
 * names[]: NULL, or the name of a --default that names no column (usage
 * at startup, a failed reload later).  A bad field name is a usage
 * error. */
static const char *
plan_build(struct tide_joinplan *pl, int ncol, char *const *names)
{
	struct tide_joinplan_err err;
	int r;

	if ((r = tide_joinplan_build(pl, &conf.js, ncol, names, &err)) ==
	    TIDE_EINVAL)
		tide_usage_error("%s", err.msg);
	return r < 0 ? err.name : NULL;
}

/* A live table has learnt its columns from its first row: output them
 * from now on.  Called with the read lock held. */
static void
replan(struct tide_joinplan *pl, int ncol, char *const *names)
{
	const char *badname;

	tide_joinplan_release(pl);
	if ((badname = plan_build(pl, ncol, names)) != NULL)
		tide_die(TIDE_EX_USAGE, "--default: the table has no "
		    "field '%s'", badname);
}

/* Kafka table: hold its read lock for each record's lookup and output,
 * so a record sees the table before or after an update, never half of
 * one; new table columns: new names to look for (1). */
static int
kt_lock(void *ctx)
{
	struct tide_joinplan *pl = ctx;

	tide_ktable_rdlock(kt);
	if (pl->ncol == tide_table_ncols(jt->table))
		return 0;
	replan(pl, jt->table->ncol, jt->table->colname);
	return 1;
}

static void
kt_unlock(void *ctx)
{
	(void)ctx;
	tide_ktable_unlock(kt);
}

/* --watch: the table's file has changed (looked at once in a while). */
static int
watched(struct tide_fwatch *w)
{
	return conf.watch && tide_fwatch_due(w, tide_mono_us()) &&
	    tide_fwatch_changed(w, conf.table);
}

/*
 * Join the records of path with the table (lib/tjoin.h), in the order
 * read.  Every record read is joined before anything that must see them
 * all joined: a reload, --stats, a barrier.  Kafka and view tables join
 * each record as it comes (no read-ahead): the one changes under a lock
 * per record, the other is not in memory.  Signals are looked at between
 * records (one compare); the clock only once a stop signal came.
 */
static int
run_input(struct tide_joinplan *pl, const char *path, struct tide_wout *out,
    struct tide_fwatch *w)
{
	static sig_atomic_t sigseen;
	struct tide_tjoin j;
	int r, status = 0, rl, ds;
	uint64_t n = 0;

	memset(&j, 0, sizeof(j));
	j.pl = pl;
	j.table = jt->table;
	j.dir = conf.dir;
	j.tol = conf.tol;
	j.maxrec = conf.maxrec;
	j.out = out;
	j.st = &st.j;
	j.bad = tide_stagerun_bad;
	j.badctx = &sr;
	j.ctx = pl;
	j.idle = tide_stagerun_idle;
	j.idlectx = &sr;
	if (kt) {
		j.lock = kt_lock;
		j.unlock = kt_unlock;
	} else if (conf.view != TIDE_JC_VIEW_NONE)
		j.lookup = vt_get;
	if ((r = tide_tjoin_open(&j, path, !kt && conf.view == TIDE_JC_VIEW_NONE)) < 0) {
		tide_warn("%s", j.msg);
		tide_tjoin_close(&j);
		return tide_exit_of(r);
	}
	for (;;) {
		if (tide_sig_pending(&sigseen) || tide_sig_stops() != 0) {
			rl = tide_sig_take_reload();
			ds = tide_sig_take_stats();
			if ((rl || ds) && tide_tjoin_drain(&j) != 0)
				break;
			if (rl)
				reload(&j);
			if (ds)
				print_stats();
			if (tide_stagerun_stopped(&sr, path) != 0)
				break;
		}
		/* A busy stream never waits, so look at the clock every few
		 * thousand records too. */
		if ((++n & 4095) == 0 && watched(w)) {
			if (tide_tjoin_drain(&j) != 0)
				break;
			reload(&j);
		}
		if (kt && (r = tide_ktable_failed(kt)) != 0) {
			status = tide_exit_of(r);
			break;
		}
		/* A Kafka table's consumer may fail while the stream is
		 * quiet, a reader that said hello may go: wake up to look;
		 * a drain, for its end. */
		r = tide_tjoin_next(&j, tide_stagerun_timeout(&sr,
		    conf.watch || kt));
		if (r == 0 || r == TIDE_EINTR)
			continue;
		if (r == TIDE_TJOIN_BARRIER) {
			if ((status = tide_stagerun_barrier(&sr, path,
			    j.barlineno, j.bar, j.barlen,
			    tide_mono_us() / 1000)) != 0)
				break;
			continue;
		}
		if (r == TIDE_EOF || r == 1)
			break;
		if (r == TIDE_EAGAIN) {
			if (watched(w))
				reload(&j);
			continue;
		}
		tide_warn("%s", j.msg);
		status = tide_exit_of(r);
		break;
	}
	if (status == 0 && j.status == 0)
		tide_tjoin_drain(&j);
	if (status == 0)
		status = tide_exit_of(j.status);
	tide_tjoin_close(&j);
	return status;
}

/* Interval join of two streams (--with FILE --within D): lib/ijsrc.h
 * says how.  The other stream from a Kafka topic (lib/kafka/kstream.h):
 * the main thread's. */
static struct tide_kstream ks;

/* What the Kafka stream says, and why a side failed: said. */
static void
ks_say(void *ctx, enum tide_kstream_say level, const char *msg)
{
	(void)ctx;
	if (level == TIDE_KSTREAM_INFO)
		tide_info("%s", msg);
	else
		tide_warn("%s", msg);
}

static void
ij_fail(void *ctx, const char *msg)
{
	ks_say(ctx, TIDE_KSTREAM_WARN, msg);
}

/* The interval join (lib/ijsrc), and its left input ("-": stdin). */
static struct tide_ijrun ijr;
static const char *ijleft;

/* Once a round, and when a read was interrupted: the counters on
 * SIGUSR1, a stop signal's drain (reads wake up for its end), the Kafka
 * stream's fatal error. */
static int
ij_round(void *ctx)
{
	int64_t left;

	(void)ctx;
	if (tide_sig_take_stats())
		print_stats();
	if (tide_sig_stops() != 0) {
		if (tide_stagerun_drain_state(&sr, ijleft) != 0)
			ijstop = 1;
		left = tide_sig_drain_left(tide_mono_us() / 1000, conf.drain_ms);
		ijr.d.wait_ms = left < 0 ? -1 : left > 1000 ? 1000 : (int)left;
	}
	return atomic_load(&kfatal);
}

/* A record behind the watermark (counted): reported, kept in
 * --late-file. */
static int
ij_late(void *ctx, const struct tide_ijside *s, int64_t wm)
{
	(void)ctx;
	if (ijr.o.late_n <= TIDE_BAD_SHOWN)
		tide_warn("%s: line %llu: late record (time %lld is "
		    "behind the watermark %lld), not joined", s->path,
		    (unsigned long long)s->lineno, (long long)s->ts,
		    (long long)wm);
	if (ijr.o.late_n == TIDE_BAD_SHOWN)
		tide_warn("further late records are counted, not shown");
	if (tide_ijrun_late(&ijr, s) < 0)
		tide_die(TIDE_EX_IOERR, "cannot write '%s': %s",
		    conf.latefile, strerror(errno));
	return 0;
}

/* Open the Kafka stream (--with kafka:TOPIC); set-up failures exit as
 * usage errors (bad settings), 1, or 69 (an unknown topic or unreachable
 * brokers, bounded by --metadata-timeout). */
static void
ks_open(void)
{
	struct tide_kstream_conf kconf;
	struct tide_kstream_err err;

	tide_kstream_join_conf(&kconf, &conf, &kc, kname);
	kconf.on_fatal = kafka_fatal;
	kconf.say = ks_say;
	if (tide_kstream_open(&ks, &kconf, &err) < 0) {
		if (err.usage)
			tide_usage_error("%s", err.msg);
		tide_die(err.unavailable ? TIDE_EX_UNAVAILABLE : TIDE_EX_FAIL,
		    "%s", err.msg);
	}
}

static int
run_interval(char **operands, int noperands, struct tide_wout *out)
{
	struct tide_ijsrc_err err;
	int status = 0;

	if ((status = tide_ijrun_init(&ijr, &conf, operands, noperands, out,
	    &st.j, tide_stagerun_bad, &sr, &err)) == TIDE_EIO)
		tide_die(TIDE_EX_IOERR, "%s", err.msg);
	if (status < 0)
		tide_usage_error("%s", err.msg);
	ijleft = noperands == 0 ? "-" : NULL;
	ijr.d.stop = &ijstop;
	ijr.d.round = ij_round;
	ijr.d.late = ij_late;
	ijr.d.fail = ij_fail;
	if (conf.wtopic) {
		ks_open();
		status = tide_kstream_drive(&ks, &ijr.d);
	} else
		status = tide_ijdrive_files(&ijr.d);
	/* At the end of both streams every interval has closed. */
	if (status == 0 && sr.ended != TIDE_STAGERUN_CUT)
		status = tide_ijoin_advance(&ijr.ij, INT64_MAX,
		    tide_ijout_expire, &ijr.o);
	status = tide_exit_of(status);
	tide_kstream_close(&ks);
	if (conf.stats)
		tide_warn("interval join: %llu pairs, %llu unmatched left records, "
		    "%llu late records; state peak %zu records",
		    (unsigned long long)ijr.o.pairs,
		    (unsigned long long)ijr.o.unmatched,
		    (unsigned long long)ijr.o.late_n, ijr.ij.peak);
	if (ijr.o.late_n > TIDE_BAD_SHOWN)
		tide_warn("%llu late records", (unsigned long long)ijr.o.late_n);
	if (tide_ijrun_close_late(&ijr) < 0 && status == 0) {
		tide_warn("cannot write '%s': %s", conf.latefile, strerror(errno));
		status = TIDE_EX_IOERR;
	}
	tide_ijrun_release(&ijr);
	return status;
}

/*
 * Open the table -T names (lib/jtable) and build the plan for it: 0, or
 * the status to exit with.  Bad settings are usage errors; else a file
 * that cannot be read exits 74, a bad one 65; a Kafka table 1, or 69 (an
 * unknown topic or unreachable brokers, bounded by --metadata-timeout),
 * after it has caught up with its topic (--no-wait: at once); a view as
 * tide-sink's: 74 for an SQLite file or table that cannot be read, 69
 * for Redis.
 */
static int
open_table(struct tide_joinplan *pl)
{
	struct tide_jtable_err err;
	const char *badname;
	int r, status;

	if (conf.topic)
		r = tide_ktable_join_open(&ktab, &conf, &kc, jt_say, NULL, &err);
	else if (conf.view != TIDE_JC_VIEW_NONE)
		r = tide_vtable_join_open(&vt, &conf, VIEW_CACHE_N, &err);
	else
		r = tide_jfile_open(&jf, &conf, jt_say, NULL, &err);
	if (r < 0 && err.usage)
		tide_usage_error("%s", err.msg);
	if (r < 0 && conf.topic)
		tide_die(err.remote ? TIDE_EX_UNAVAILABLE : TIDE_EX_FAIL, "%s",
		    err.msg);
	if (r < 0 && conf.view != TIDE_JC_VIEW_NONE)
		tide_die(err.remote ? TIDE_EX_UNAVAILABLE : TIDE_EX_IOERR, "%s",
		    err.msg);
	if (r < 0) {
		tide_warn("%s", err.msg);
		tide_jtable_close(&jf.jt);
		return tide_exit_of(r);
	}
	if (conf.view != TIDE_JC_VIEW_NONE)
		tide_info("%s", err.msg);
	jt = conf.topic ? &ktab.jt : conf.view != TIDE_JC_VIEW_NONE ? &vt.jt :
	    &jf.jt;
	if (conf.topic) {
		kt = &ktab;
		if (!conf.nowait && (status = ktable_wait()) != 0) {
			tide_ktable_stop(kt);
			return status;
		}
		tide_ktable_rdlock(kt);
	}
	badname = jt->table ? plan_build(pl, jt->table->ncol,
	    jt->table->colname) : plan_build(pl, vt.ncol, vt.col);
	if (kt)
		tide_ktable_unlock(kt);
	if (badname != NULL)
		tide_usage_error("--default: the table has no field '%s'",
		    badname);
	return 0;
}

int
main(int argc, char **argv)
{
	struct tide_wout out;
	struct tide_stage_err serr;
	struct tide_joinplan pl;
	struct tide_fwatch w;
	char kbuf[512];
	const char *cut;
	int i, status = 0, r;

	tide_prog_init_opts(&prog, opts);
	parse_options(argc, argv);
	if (tide_bad_init(&bad, conf.strict, conf.deadletter) < 0)
		tide_die(TIDE_EX_IOERR, "cannot open '%s': %s", conf.deadletter,
		    strerror(errno));
	memset(&w, 0, sizeof(w));
	if (conf.watch)
		tide_fwatch_init(&w, conf.table);

	/* SIGHUP reloads a file table, as before; a stop signal drains. */
	tide_sig_init(TIDE_SIG_HUP_RELOADS);
	tide_stagerun_init(&sr, "tide-join", &out, &bad, conf.drain_ms);

	if (conf.wtopic) {
		snprintf(kbuf, sizeof(kbuf), "stream '%s'", conf.with);
		kname = kbuf;
	}
	if (conf.with) {
		/* An interval join passes no barriers (doc/DELIVERY.md): it
		 * says no hello upstream, so the source commits as it
		 * writes; it listens only so that a tide reader stops its
		 * search here and does not ask that source for barriers. */
		tide_wout_init(&out, 1);
		if (tide_stagerun_open(&sr, -1, &serr) < 0)
			tide_info("delivery: %s: %s", serr.what,
			    strerror(serr.errnum));
		i = tide_opt_index();
		status = run_interval(argv + i, argc - i, &out);
		memset(&pl, 0, sizeof(pl));
		goto done;
	}
	if ((status = open_table(&pl)) != 0)
		return status;

	tide_wout_init(&out, 1);
	/* A table join takes part in the pipeline's delivery; alone, it
	 * carries on as before. */
	if (tide_stagerun_open(&sr, STDIN_FILENO, &serr) < 0)
		tide_info("delivery: %s: %s", serr.what, strerror(serr.errnum));
	i = tide_opt_index();
	if (i >= argc && sr.ended == 0)
		status = run_input(&pl, "-", &out, &w);
	for (; i < argc && status == 0 && sr.ended == 0; i++)
		status = run_input(&pl, argv[i], &out, &w);
done:
	/* A second signal, or a drain that outlasted --drain-timeout. */
	if (status == 0 && (cut = tide_stagerun_cut(&sr, &status)) != NULL)
		tide_warn("%s: stopped before the end of input: %llu record%s "
		    "read and %s, the rest not read", cut,
		    (unsigned long long)st.j.in, st.j.in == 1 ? "" : "s",
		    conf.with ? "joined so far (open intervals not closed)" :
		    "written");
	if ((r = tide_stagerun_flush(&sr)) == TIDE_EPIPE)
		status = 0;	/* the reader went away, as with head */
	else if (r < 0) {
		tide_warn("write error: %s", strerror(errno));
		status = TIDE_EX_IOERR;
	}
	if (conf.stats)
		print_stats();
	if (kt) {
		tide_ktable_stop(kt);
		if (status == 0)
			status = tide_exit_of(tide_ktable_failed(kt));
	}
	if (status == 0)
		status = atomic_load(&kfatal);
	r = tide_bad_finish(&bad);
	if (r && status == 0)
		status = tide_exit_of(r);
	/* The stream's records; a table's bad rows are the table's. */
	if (status == 0)
		status = tide_exit_of(tide_bad_verdict(&bad, &maxbad,
		    st.j.in + sr.badbar));
	tide_wout_release(&out);
	/* The final barrier written on: the readers' acknowledgement comes
	 * once they have our end of input. */
	tide_stagerun_close(&sr);
	tide_joinplan_release(&pl);
	tide_jtable_close(jt);
	tide_joinconf_release(&conf);
	tide_kconf_release(&kc);
	tide_expr_release(&wx);
	tide_expr_release(&hx);
	return status;
}
