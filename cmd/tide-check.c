/*
 * tide-check: a data-quality gate.  Records that pass a JSON Schema
 * (lib/jschema: compiled once, evaluated in place) and the stream rules
 * (lib/srule: freshness, duplicates within a span of event time, rate
 * bounds per key) are written unchanged; the others go the way of bad
 * input (lib/bad: reported, counted, kept in --dead-letter with every
 * violated rule named).  --fail-rate judges the failing share over a
 * window.  This file holds the options, the messages and exit statuses,
 * and the loop's policy: signals (lib/sig: a stop signal drains) and the
 * barriers of the pipeline's delivery, passed on as every stage does
 * (lib/stagerun).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bad.h"
#include "buf.h"
#include "err.h"
#include "exitcode.h"
#include "jschema.h"
#include "json.h"
#include "kafka/kconf.h"
#include "kafka/kdead.h"
#include "kafka/kopt.h"
#include "key.h"
#include "prog.h"
#include "recin.h"
#include "rio.h"
#include "sig.h"
#include "srule.h"
#include "stagerun.h"
#include "time.h"
#include "xalloc.h"

enum {
	OPT_TIME = TIDE_OPT_LONG, OPT_TIMEUNIT, OPT_MAXAGE, OPT_MAXFUTURE,
	OPT_UNIQUE, OPT_WITHIN, OPT_MAXRATE, OPT_FAILRATE, OPT_WINDOW,
	OPT_WARNONLY, OPT_STATS, OPT_DRAIN, OPT_DLTOPIC,
};

static const struct tide_prog prog = {
	"tide-check",
	"[-qv] [-s schema] [--time field [--max-age d] [--max-future d]] "
	"[--unique field[,...] --within d] [--max-rate field[,...]=n/d] "
	"[--fail-rate p% --window d [--warn-only]] [--dead-letter file] "
	"[--dead-letter-topic topic [-b brokers]] [file ...]",
	"Pass the records that keep a JSON Schema and stream rules; "
	"dead-letter the others.",
};

#define MAXKEYF 8	/* fields of one --unique or --max-rate key */
#define MAXRATE 16	/* --max-rate rules (their fields: 2 * MAXKEYF) */

/* The stream rules, each a counted rule of its own. */
enum srule_id { SR_TIME, SR_MAXAGE, SR_MAXFUTURE, SR_UNIQUE, SR_MAXRATE,
	SR_N };
static const char *const srname[SR_N] = {
	"time", "max-age", "max-future", "unique", "max-rate",
};

static struct conf {
	const char *schema, *timefield, *unique, *deadletter, *dltopic;
	const char *maxrate[MAXRATE];	/* each --max-rate, a rule */
	int nmaxrate;
	enum tide_time_unit unit;
	int64_t maxage, maxfuture, within, window, drain_ms, mdtimeout;
	double failpct;
	int failgiven, warnonly, stats, strict, agegiven, futuregiven;
	size_t maxrec;
} conf = { .drain_ms = 30000, .failpct = -1, .mdtimeout = 10000 };

static struct tide_bad_max maxbad;
static struct tide_kconf kc;
static struct tide_kdead kdead;

/* --max-rate: every one is a rule of its own (its key, its bound). */
static int
opt_maxrate(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	int i;

	(void)opt;
	for (i = 0; i < conf.nmaxrate; i++)
		if (strcmp(conf.maxrate[i], arg) == 0) {
			snprintf(err->msg, sizeof(err->msg), "--max-rate: "
			    "'%s' given twice", arg);
			return TIDE_EINVAL;
		}
	if (conf.nmaxrate == MAXRATE) {
		snprintf(err->msg, sizeof(err->msg), "--max-rate: more than "
		    "%d rules", MAXRATE);
		return TIDE_EINVAL;
	}
	conf.maxrate[conf.nmaxrate++] = arg;
	return 0;
}

/* --fail-rate P%. */
static int
opt_failrate(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	struct tide_bad_max m;

	(void)opt;
	if (tide_bad_max_parse(&m, arg) < 0 || m.pct < 0) {
		snprintf(err->msg, sizeof(err->msg), "--fail-rate: not a "
		    "percentage (P%%, 0 to 100): '%s'", arg);
		return TIDE_EINVAL;
	}
	conf.failpct = m.pct;
	conf.failgiven = 1;
	return 0;
}

static const struct tide_option opts[] = {
	TIDE_OPT_STRING('s', "schema", "file", "JSON Schema (draft 2020-12) "
	    "the records must keep", &conf.schema),
	TIDE_OPT_STRING(OPT_TIME, "time", "field", "event time field (for "
	    "--max-age, --max-future, --unique, --max-rate)", &conf.timefield),
	TIDE_OPT_CALLBACK(OPT_TIMEUNIT, "time-unit", "unit", "unit of numeric "
	    "times: s, ms, us, ns or auto (default)", tide_opt_time_unit,
	    &conf.unit),
	TIDE_OPT_DUR(OPT_MAXAGE, "max-age", "d", "fail records whose event "
	    "time is more than d behind the wall clock", &conf.maxage, 0,
	    LLONG_MAX),
	TIDE_OPT_DUR(OPT_MAXFUTURE, "max-future", "d", "fail records whose "
	    "event time is more than d ahead of the wall clock",
	    &conf.maxfuture, 0, LLONG_MAX),
	TIDE_OPT_STRING(OPT_UNIQUE, "unique", "field[,...]", "fail a record "
	    "whose key was passed within --within of its event time",
	    &conf.unique),
	TIDE_OPT_DUR(OPT_WITHIN, "within", "d", "span of event time for "
	    "--unique", &conf.within, 1, LLONG_MAX),
	TIDE_OPT_CALLBACK(OPT_MAXRATE, "max-rate", "field[,...]=n/d", "fail "
	    "records past n per key in each period d (event time with --time; "
	    "repeatable: each a rule)", opt_maxrate, NULL),
	TIDE_OPT_CALLBACK(OPT_FAILRATE, "fail-rate", "p%", "exit 65 when more "
	    "than p% of the records over --window failed", opt_failrate, NULL),
	TIDE_OPT_DUR(OPT_WINDOW, "window", "d", "span of --fail-rate "
	    "(event time with --time, else the clock; default 1m)",
	    &conf.window, 1, LLONG_MAX),
	TIDE_OPT_FLAG(OPT_WARNONLY, "warn-only", "--fail-rate only warns on "
	    "stderr", &conf.warnonly),
	TIDE_OPT_BAD_MAXREC(&conf.maxrec, 2),
	TIDE_OPT_BAD_STRICT(&conf.strict),
	TIDE_OPT_BAD_DEAD(&conf.deadletter, "append failing and bad records "
	    "to file, with the rules they violate"),
	TIDE_OPT_BAD_MAX(&maxbad),
	TIDE_OPT_STRING(OPT_DLTOPIC, "dead-letter-topic", "topic", "produce "
	    "the dead-letter lines to the Kafka topic too", &conf.dltopic),
	TIDE_KOPTS_CONF(&kc),
	TIDE_KOPT_MDTIMEOUT(&conf.mdtimeout),
	TIDE_OPT_FLAG(OPT_STATS, "stats", "print violations per rule to "
	    "stderr at exit and on SIGUSR1", &conf.stats),
	TIDE_OPT_DUR(OPT_DRAIN, "drain-timeout", "d", "after SIGINT/SIGTERM, "
	    "read on to the end of input for at most d (default 30s; 0: no "
	    "limit)", &conf.drain_ms, 0, LLONG_MAX),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

/* A key of one or more fields: their paths among the record's lookups. */
struct keyspec {
	int first, n;			/* into paths[] */
};

/* The fields looked up in each record: paths[0] the time (--time; unused
 * without), then the keys' fields (2 * MAXKEYF of them in all). */
static struct tide_path paths[1 + 2 * MAXKEYF];
static int npath;
static struct keyspec ukey;

/* A --max-rate rule: its key, its bound, its count of violations. */
struct raterule {
	const char *spec;		/* as given */
	struct keyspec key;
	struct tide_ratelim lim;
	struct tide_buf kbuf;		/* this record's key */
	int keyok;			/* this record has the key */
	uint64_t count;
};
static struct raterule rates[MAXRATE];

static struct tide_jschema schema;
static struct tide_jschema_run run;
static struct tide_uniq uniq;
static struct tide_failwin fw;
static struct tide_bad bad;
static struct tide_stagerun sr;		/* delivery, the drain */
static int warned;
static uint64_t nin, npass, nfail, notrec;
static uint64_t srcount[SR_N];
static struct tide_buf vbuf = TIDE_BUF_INIT, kbuf = TIDE_BUF_INIT;

static void
add_keyspec(const char *opt, const char *list, size_t n, struct keyspec *k)
{
	char *copy = tide_xmemdup(list, n), *f, *save = NULL;

	k->first = npath;
	for (f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (k->n == MAXKEYF)
			tide_usage_error("%s: more than %d fields", opt,
			    MAXKEYF);
		if (npath == (int)(sizeof(paths) / sizeof(paths[0])))
			tide_usage_error("%s: more than %d key fields in all "
			    "(--unique and --max-rate)", opt, 2 * MAXKEYF);
		if (tide_path_parse(&paths[npath], f) < 0)
			tide_usage_error("%s: bad field name: '%s'", opt, f);
		npath++;
		k->n++;
	}
	if (k->n == 0)
		tide_usage_error("%s: no field named", opt);
	free(copy);
}

static void
load_schema(void)
{
	struct tide_jschema_err err;
	struct tide_buf b = TIDE_BUF_INIT;
	char chunk[65536];
	size_t k;
	FILE *fp;

	if ((fp = fopen(conf.schema, "r")) == NULL)
		tide_die(TIDE_EX_IOERR, "cannot open '%s': %s", conf.schema,
		    strerror(errno));
	while ((k = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (b.len + k > TIDE_MAX_RECORD)
			tide_die(TIDE_EX_DATAERR, "schema '%s': longer than "
			    "16M", conf.schema);
		tide_buf_add(&b, chunk, k);
	}
	if (ferror(fp))
		tide_die(TIDE_EX_IOERR, "cannot read '%s': %s", conf.schema,
		    strerror(errno));
	fclose(fp);
	if (tide_jschema_compile(&schema, b.data ? b.data : "", b.len,
	    &err) < 0)
		tide_die(TIDE_EX_DATAERR, "schema '%s': %s", conf.schema,
		    err.msg);
	tide_buf_release(&b);
}

/* The options that set one rule (or one of its settings): a second one
 * would silently replace the first, so it is refused.  --max-rate is the
 * exception: every one is a rule. */
static const struct {
	int id;
	const char *name;
} once[] = {
	{ 's', "-s" }, { OPT_TIME, "--time" }, { OPT_TIMEUNIT, "--time-unit" },
	{ OPT_MAXAGE, "--max-age" }, { OPT_MAXFUTURE, "--max-future" },
	{ OPT_UNIQUE, "--unique" }, { OPT_WITHIN, "--within" },
	{ OPT_FAILRATE, "--fail-rate" }, { OPT_WINDOW, "--window" },
};

static void
parse_options(int argc, char **argv)
{
	const char *eq;
	int64_t n, per;
	size_t j;
	int i;

	tide_kconf_init(&kc);
	tide_opt_parse(argc, argv);
	for (j = 0; j < sizeof(once) / sizeof(once[0]); j++)
		if (tide_opt_given(once[j].id) > 1)
			tide_usage_error("%s: given more than once (it sets "
			    "one rule: give it once)", once[j].name);
	if (conf.dltopic == NULL && (tide_opt_given('b') ||
	    tide_opt_given('X') || tide_opt_given('F') ||
	    tide_opt_given('d') || tide_opt_given(TIDE_OPT_MDTIMEOUT)))
		tide_usage_error("-b, -X, -F, -d and --metadata-timeout go "
		    "with --dead-letter-topic");
	if (conf.schema == NULL && conf.timefield == NULL &&
	    conf.unique == NULL && conf.nmaxrate == 0)
		tide_usage_error("nothing to check: give -s, --time, --unique "
		    "or --max-rate");
	if (conf.timefield) {
		if (tide_path_parse(&paths[0], conf.timefield) < 0)
			tide_usage_error("--time: bad field name: '%s'",
			    conf.timefield);
	} else {
		if (tide_opt_given(OPT_MAXAGE) || tide_opt_given(OPT_MAXFUTURE))
			tide_usage_error("--max-age and --max-future need "
			    "--time");
		if (conf.unique)
			tide_usage_error("--unique needs --time (its span is "
			    "of event time)");
	}
	npath = 1;
	conf.agegiven = tide_opt_given(OPT_MAXAGE) > 0;
	conf.futuregiven = tide_opt_given(OPT_MAXFUTURE) > 0;
	if ((conf.unique != NULL) != (tide_opt_given(OPT_WITHIN) > 0))
		tide_usage_error("--unique and --within go together");
	if (conf.unique) {
		add_keyspec("--unique", conf.unique, strlen(conf.unique),
		    &ukey);
		tide_uniq_init(&uniq, conf.within);
	}
	for (i = 0; i < conf.nmaxrate; i++) {
		struct raterule *rr = &rates[i];

		rr->spec = conf.maxrate[i];
		if ((eq = strrchr(rr->spec, '=')) == NULL ||
		    tide_ratelim_parse(eq + 1, &n, &per) < 0)
			tide_usage_error("--max-rate: not field[,...]=n/d: "
			    "'%s'", rr->spec);
		add_keyspec("--max-rate", rr->spec, (size_t)(eq - rr->spec),
		    &rr->key);
		tide_ratelim_init(&rr->lim, n, per);
		tide_buf_init(&rr->kbuf, TIDE_BUF_NOMAX);
	}
	if (conf.failgiven) {
		if (!tide_opt_given(OPT_WINDOW))
			conf.window = 60000;
		tide_failwin_init(&fw, conf.window);
	} else if (tide_opt_given(OPT_WINDOW) || conf.warnonly)
		tide_usage_error("--window and --warn-only go with "
		    "--fail-rate");
	if (conf.schema)
		load_schema();
	if (conf.dltopic) {
		struct tide_kconf_err kerr;
		int r;

		if ((r = tide_kconf_env(&kc, &kerr)) < 0)
			tide_die(r == TIDE_EINVAL ? TIDE_EX_USAGE :
			    tide_exit_of(r), "$TIDE_CONFIG: %s", kerr.msg);
		if (!tide_kconf_has_brokers(&kc))
			tide_usage_error("--dead-letter-topic: no brokers: give "
			    "-b or set TIDE_BROKERS");
	}
}

/* --dead-letter-topic: the producer behind lib/bad's hook, open before
 * any input is read (an unknown topic or unreachable brokers: 69). */
static void
open_dltopic(void)
{
	int r;

	if ((r = tide_kdead_open(&kdead, &kc, conf.dltopic,
	    (int)conf.mdtimeout)) < 0) {
		if (r == TIDE_ENOENT)
			tide_die(TIDE_EX_UNAVAILABLE, "--dead-letter-topic: "
			    "topic '%s' does not exist", conf.dltopic);
		tide_die(TIDE_EX_UNAVAILABLE, "--dead-letter-topic '%s': %s",
		    conf.dltopic, kdead.errstr);
	}
	bad.hook = tide_kdead_put;
	bad.hookctx = &kdead;
}

/* The dead letters in flight delivered: 0, or 75 when some were not. */
static int
close_dltopic(void)
{
	uint64_t lost;
	int status = 0;

	if (conf.dltopic == NULL)
		return 0;
	if ((lost = tide_kdead_finish(&kdead, 30000)) > 0) {
		tide_warn("--dead-letter-topic '%s': %llu dead letter%s not "
		    "delivered: %s", conf.dltopic, (unsigned long long)lost,
		    lost == 1 ? "" : "s", kdead.errstr[0] ? kdead.errstr :
		    "timed out");
		status = TIDE_EX_TEMPFAIL;
	}
	tide_kdead_close(&kdead);
	return status;
}

static void
print_stats(void)
{
	int i;

	tide_warn("records in %llu, out %llu, bad %llu, of them not "
	    "records %llu", (unsigned long long)nin,
	    (unsigned long long)npass, (unsigned long long)nfail,
	    (unsigned long long)notrec);
	for (i = 0; i < SR_N; i++)
		if (srcount[i] && i != SR_MAXRATE)
			tide_warn("rule %s: %llu", srname[i],
			    (unsigned long long)srcount[i]);
	for (i = 0; i < conf.nmaxrate; i++)
		if (rates[i].count)
			tide_warn("rule max-rate %s: %llu", rates[i].spec,
			    (unsigned long long)rates[i].count);
	for (i = 0; i < schema.nrules; i++)
		if (schema.rules[i].count)
			tide_warn("rule %s: %llu", schema.rules[i].loc,
			    (unsigned long long)schema.rules[i].count);
}

/* One violation of a stream rule, after the schema's in vbuf; key is the
 * rule's key (NULL: the time's rule). */
static void
sviolation(int *nv, enum srule_id id, const struct keyspec *key,
    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
sviolation(int *nv, enum srule_id id, const struct keyspec *key,
    const char *fmt, ...)
{
	const struct tide_path *p = &paths[key != NULL ? key->first : 0];
	char msg[300], path[300];
	size_t k = 0, j;
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	srcount[id]++;
	/* The JSON pointer of the field (of a key's first field). */
	for (i = 0; i < p->nseg && k + 3 < sizeof(path); i++) {
		path[k++] = '/';
		for (j = 0; j < p->seg[i].len && k + 3 < sizeof(path); j++) {
			if (p->seg[i].name[j] == '~' || p->seg[i].name[j] == '/') {
				path[k++] = '~';
				path[k++] = p->seg[i].name[j] == '~' ? '0' : '1';
			} else
				path[k++] = p->seg[i].name[j];
		}
	}
	path[k] = '\0';
	if ((*nv)++)
		tide_buf_addc(&vbuf, ',');
	tide_buf_add(&vbuf, "{\"rule\":", 8);
	tide_json_write_str(&vbuf, srname[id], strlen(srname[id]));
	tide_buf_add(&vbuf, ",\"path\":", 8);
	tide_json_write_str(&vbuf, path, strlen(path));
	tide_buf_add(&vbuf, ",\"message\":", 11);
	tide_json_write_str(&vbuf, msg, strlen(msg));
	tide_buf_addc(&vbuf, '}');
	if (*nv == 1 && snprintf(run.first, sizeof(run.first), "%s: %s",
	    srname[id], msg) >= (int)sizeof(run.first))
		memcpy(run.first + sizeof(run.first) - 4, "...", 4);
}

/* The key of k's fields into out: 0, or -1 when a field is absent or
 * null (no key: the rule does not apply). */
static int
key_of(const struct keyspec *k, const struct tide_json_val *vals,
    struct tide_buf *out)
{
	int i;

	tide_buf_reset(out);
	for (i = 0; i < k->n; i++) {
		if (i)
			tide_buf_addc(out, '\x1f');
		if (tide_key_text(out, &vals[k->first + i]) < 0)
			return -1;
	}
	return 0;
}

/* A key for a message: its fields' texts joined by commas, cut short. */
static const char *
key_words(const struct tide_buf *k, char *out, size_t n)
{
	size_t i, m = k->len < n - 1 ? k->len : n - 1;

	for (i = 0; i < m; i++)
		out[i] = k->data[i] == '\x1f' ? ',' : k->data[i];
	out[m] = '\0';
	return out;
}

/* The stream rules on one record: violations appended (*nv counts). */
static void
stream_rules(const struct tide_json_val *vals, int *nv, int64_t *evt,
    int *hasevt)
{
	char a[32], b[32], kw[64];
	int64_t t = 0, now = 0, prev, count, clk;
	int uk = -1, i;
	struct raterule *rr;

	*hasevt = 0;
	if (conf.timefield) {
		if (vals[0].type == TIDE_JSON_NONE)
			sviolation(nv, SR_TIME, NULL, "field '%s' is missing",
			    conf.timefield);
		else if (tide_time_from_json(&vals[0], conf.unit, &t) < 0)
			sviolation(nv, SR_TIME, NULL, "field '%s' is not a "
			    "time: %.*s", conf.timefield, (int)(vals[0].len >
			    40 ? 40 : vals[0].len), vals[0].p);
		else
			*hasevt = 1;
	}
	*evt = t;
	if (*hasevt && (conf.agegiven || conf.futuregiven)) {
		now = tide_now_ms();
		if (conf.agegiven && now - t > conf.maxage) {
			tide_dur_fmt(a, now - t);
			tide_dur_fmt(b, conf.maxage);
			sviolation(nv, SR_MAXAGE, NULL, "event time is %s old, "
			    "over --max-age %s", a, b);
		}
		if (conf.futuregiven && t - now > conf.maxfuture) {
			tide_dur_fmt(a, t - now);
			tide_dur_fmt(b, conf.maxfuture);
			sviolation(nv, SR_MAXFUTURE, NULL, "event time is %s "
			    "ahead, over --max-future %s", a, b);
		}
	}
	if (conf.unique && *hasevt && (uk = key_of(&ukey, vals, &kbuf)) == 0 &&
	    tide_uniq_seen(&uniq, kbuf.data, kbuf.len, t, &prev)) {
		tide_time_fmt(a, prev);
		sviolation(nv, SR_UNIQUE, &ukey, "key %s was passed at %s, "
		    "within --within", key_words(&kbuf, kw, sizeof(kw)), a);
	}
	clk = conf.nmaxrate == 0 ? 0 : conf.timefield ? t : tide_now_ms();
	for (i = 0; i < conf.nmaxrate; i++) {
		rr = &rates[i];
		rr->keyok = (!conf.timefield || *hasevt) &&
		    key_of(&rr->key, vals, &rr->kbuf) == 0;
		if (!rr->keyok || !tide_ratelim_over(&rr->lim, rr->kbuf.data,
		    rr->kbuf.len, clk, &count))
			continue;
		rr->count++;
		tide_dur_fmt(a, rr->lim.per);
		sviolation(nv, SR_MAXRATE, &rr->key, "key %s has %lld records "
		    "in this %s already, over --max-rate %s", key_words(
		    &rr->kbuf, kw, sizeof(kw)), (long long)count, a, rr->spec);
	}
	if (*nv == 0) {
		/* Remembered only when passed (by every rule). */
		if (uk == 0)
			tide_uniq_note(&uniq, kbuf.data, kbuf.len, t);
		for (i = 0; i < conf.nmaxrate; i++)
			if (rates[i].keyok)
				tide_ratelim_note(&rates[i].lim,
				    rates[i].kbuf.data, rates[i].kbuf.len, clk);
	}
}

/* --fail-rate: 0 on, or the status to stop with (65). */
static int
judge(int final)
{
	uint64_t total, failed;
	char d[32];

	if (!conf.failgiven || !fw.started || (!final &&
	    !tide_failwin_full(&fw)))
		return 0;
	tide_failwin_sum(&fw, &total, &failed);
	if (total == 0 || (double)failed * 100.0 <= conf.failpct *
	    (double)total) {
		warned = 0;
		return 0;
	}
	if (conf.warnonly && warned)
		return 0;
	tide_dur_fmt(d, conf.window);
	tide_warn("--fail-rate: %llu of the last %llu records failed "
	    "(%.4g%%) within %s, over %g%%", (unsigned long long)failed,
	    (unsigned long long)total, (double)failed * 100.0 /
	    (double)total, d, conf.failpct);
	warned = 1;
	return conf.warnonly ? 0 : TIDE_EX_DATAERR;
}

/* One record read (and checked as JSON): written, or dead-lettered. */
static int
check_record(const char *src, const struct tide_rec *rec,
    const struct tide_json_val *vals, struct tide_wout *out)
{
	struct tide_json_val doc;
	int nv = 0, hasevt = 0, r;
	int64_t evt = 0;

	doc.type = TIDE_JSON_OBJECT;
	doc.p = rec->p;
	doc.len = rec->len;
	while (doc.len && (doc.p[0] == ' ' || doc.p[0] == '\t')) {
		doc.p++;
		doc.len--;
	}
	while (doc.len && (doc.p[doc.len - 1] == ' ' ||
	    doc.p[doc.len - 1] == '\t'))
		doc.len--;
	tide_buf_reset(&vbuf);
	tide_buf_add(&vbuf, "\"violations\":[", 14);
	if (schema.nn && (nv = tide_jschema_validate(&schema, &run, &doc)))
		tide_buf_add(&vbuf, run.viol.data, run.viol.len);
	stream_rules(vals, &nv, &evt, &hasevt);
	if (conf.failgiven)
		tide_failwin_add(&fw, conf.timefield ? (hasevt ? evt :
		    fw.last) : tide_mono_us() / 1000, nv > 0);
	if (nv == 0) {
		npass++;
		/* A write error comes back from the next read (the idle
		 * hook's flush) or from the last flush. */
		(void)tide_wout_rec(out, rec->p, rec->len);
		return 0;
	}
	nfail++;
	tide_buf_addc(&vbuf, ']');
	r = tide_bad_record_with(&bad, src, rec->lineno, rec->p, rec->len,
	    vbuf.data, vbuf.len, "%s%s%.0d%s", run.first, nv > 1 ? " (and " :
	    "", nv > 1 ? nv - 1 : 0, nv > 1 ? " more)" : "");
	return r < 0 ? tide_exit_of(r) : 0;
}

static int
stdin_is_file(void)
{
	struct stat sb;

	return fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int
run_input(const char *src, struct tide_wout *out)
{
	static sig_atomic_t sigseen;
	struct tide_json_val vals[1 + 2 * MAXKEYF];
	struct tide_recin in;
	struct tide_rec rec;
	char why[160];
	int r, status = 0, base;

	/* Stdin is sniffed for zstd only when it is a file: the sniff waits
	 * for four bytes through every signal, which a quiet pipe or a
	 * terminal may never send (lib/recin.h). */
	if ((r = tide_recin_open(&in, src, stdin_is_file() ?
	    TIDE_RECIN_SNIFF_STDIN : 0, conf.maxrec)) < 0)
		tide_die(tide_exit_of(r), "cannot open '%s': %s", src,
		    tide_recin_strerror(&in, r));
	/* Without --time, paths[0] and vals[0] are left out. */
	base = conf.timefield ? 0 : 1;
	tide_recin_set_paths(&in, paths + base, npath - base);
	tide_recin_set_idle(&in, tide_stagerun_idle, &sr);
	for (;;) {
		/* A signal that came before the read (at the start, between
		 * two reads) is looked at before blocking in it. */
		if (tide_stagerun_stopped(&sr, src) != 0)
			break;
		r = tide_recin_next(&in, &rec, vals + base,
		    tide_stagerun_timeout(&sr, 0));
		if (r == TIDE_EINTR || tide_sig_pending(&sigseen) ||
		    tide_sig_stops() != 0) {
			if (tide_sig_take_stats())
				print_stats();
			if (tide_stagerun_stopped(&sr, src) != 0)
				break;
			if (r == TIDE_EINTR)
				continue;
		}
		if (r == TIDE_EOF)
			break;
		if (r == TIDE_EAGAIN)
			continue;
		if (r == TIDE_EPIPE || (r == TIDE_EIO && out->err))
			break;
		if (r < 0) {
			tide_warn("cannot read '%s': %s", src,
			    tide_recin_strerror(&in, r));
			status = tide_exit_of(r);
			break;
		}
		if (rec.err == TIDE_REC_OK &&
		    __builtin_expect(tide_barrier_is(rec.p, rec.len), 0)) {
			if ((status = tide_stagerun_barrier(&sr, src,
			    rec.lineno, rec.p, rec.len,
			    tide_mono_us() / 1000)) != 0)
				break;
			continue;
		}
		nin++;
		if (rec.err != TIDE_REC_OK) {
			notrec++;
			nfail++;
			if (conf.failgiven)
				tide_failwin_add(&fw, conf.timefield ? fw.last :
				    tide_mono_us() / 1000, 1);
			r = tide_bad_record(&bad, src, rec.lineno, rec.p,
			    rec.len, "%s", tide_rec_reason(&rec, in.max, why,
			    sizeof(why)));
			if (r < 0) {
				status = tide_exit_of(r);
				break;
			}
		} else {
			if ((status = check_record(src, &rec, vals, out)) != 0 ||
			    out->err)
				break;
		}
		if ((status = judge(0)) != 0)
			break;
	}
	tide_recin_close(&in);
	return status;
}

int
main(int argc, char **argv)
{
	struct tide_wout out;
	struct tide_stage_err serr;
	const char *cut;
	int i, status = 0, r;

	tide_prog_init_opts(&prog, opts);
	parse_options(argc, argv);
	tide_jschema_run_init(&run);
	if (tide_bad_init(&bad, conf.strict, conf.deadletter) < 0)
		tide_die(TIDE_EX_IOERR, "cannot open '%s': %s", conf.deadletter,
		    strerror(errno));
	if (conf.dltopic)
		open_dltopic();
	tide_sig_init(0);
	tide_wout_init(&out, STDOUT_FILENO);
	tide_stagerun_init(&sr, "tide-check", &out, &bad, conf.drain_ms);
	if (tide_stagerun_open(&sr, STDIN_FILENO, &serr) < 0)
		tide_info("delivery: %s: %s", serr.what, strerror(serr.errnum));
	i = tide_opt_index();
	if (i >= argc)
		status = run_input("-", &out);
	for (; i < argc && status == 0 && sr.ended == 0; i++)
		status = run_input(argv[i], &out);
	if (status == 0 && (cut = tide_stagerun_cut(&sr, &status)) != NULL)
		tide_warn("%s: stopped before the end of input: %llu record%s "
		    "read and checked, the rest not read", cut,
		    (unsigned long long)nin, nin == 1 ? "" : "s");
	if (status == 0)
		status = judge(1);
	if ((r = tide_stagerun_flush(&sr)) == TIDE_EPIPE)
		status = status == TIDE_EX_DATAERR ? status : 0;
	else if (r < 0) {
		tide_warn("write error: %s", strerror(errno));
		status = TIDE_EX_IOERR;
	}
	if (conf.stats)
		print_stats();
	r = tide_bad_finish(&bad);
	if (r && status == 0)
		status = tide_exit_of(r);
	/* Undelivered dead letters say more than the verdict (75). */
	if ((r = close_dltopic()) != 0 && (status == 0 ||
	    status == TIDE_EX_DATAERR))
		status = r;
	if (status == 0)
		status = tide_exit_of(tide_bad_verdict(&bad, &maxbad,
		    nin + sr.badbar));
	tide_wout_release(&out);
	tide_stagerun_close(&sr);
	tide_jschema_run_release(&run);
	tide_jschema_release(&schema);
	if (conf.unique)
		tide_uniq_release(&uniq);
	for (i = 0; i < conf.nmaxrate; i++) {
		tide_ratelim_release(&rates[i].lim);
		tide_buf_release(&rates[i].kbuf);
	}
	for (i = 0; i < npath; i++)
		tide_path_release(&paths[i]);
	tide_buf_release(&vbuf);
	tide_buf_release(&kbuf);
	tide_kconf_release(&kc);
	return status;
}
