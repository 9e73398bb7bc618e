/*
 * tide-sink: NDJSON records out to a Kafka topic or to files, with nothing
 * lost.  Options -> one back end (lib/sinkbe.h, chosen once) -> for each
 * record: validate, put.  Kafka: lib/kafka/ksink.c, an idempotent producer with
 * acks=all; at exit every delivery is waited for, and a record that cannot
 * be delivered goes to the dead-letter file (exit 75); brokers that stay
 * away longer than --down-timeout end the run the same way.  Files:
 * lib/sinkbe.c over lib/fileout.c (strftime names, rotation, zstd, .part
 * then rename).  Materialized views: lib/view/vsink.c over lib/view/view.h,
 * the latest record per key in SQLite or Redis.
 *
 * Delivery (doc/DELIVERY.md, lib/sinkrun.h over lib/flow.h): a barrier
 * line is no record; at one, the back end makes everything before it
 * durable (sync) and the barrier is acknowledged upstream.  A stop signal
 * is a drain: the input is read to its end, everything is delivered, exit
 * 0; a second signal or --drain-timeout ends the run at once.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bad.h"
#include "barrier.h"
#include "buf.h"
#include "envelope.h"
#include "err.h"
#include "exitcode.h"
#include "expr.h"
#include "fileout.h"
#include "json.h"
#include "kafka/kconf.h"
#include "kafka/kopt.h"
#include "prog.h"
#include "progress.h"
#include "proj.h"
#include "rio.h"
#include "sig.h"
#include "sinkbe.h"
#include "sinkopt.h"
#include "sinkrun.h"
#include "time.h"
#include "xalloc.h"
#include "kafka/ksink.h"
#include "view/vsink.h"
#include "schema/senc.h"
#include "schema/sreg.h"
#include "schema/sropt.h"

enum {
	OPT_TIMESTAMP = TIDE_OPT_LONG,
	OPT_KEEPPART,
	OPT_CREATE,
	OPT_TEE,
	OPT_FORMAT,
	OPT_TIME,
	OPT_TIMEUNIT,
	OPT_LEVEL,
	OPT_ROTATE,
	OPT_CONNTIMEOUT,
	OPT_DOWNTIMEOUT,
	OPT_STATS,
	OPT_WHERE,
	OPT_SQLITE,
	OPT_TABLE,
	OPT_UPSERT,
	OPT_COLUMNS,
	OPT_BATCH,
	OPT_BATCHTIME,
	OPT_TTL,
	OPT_HISTORY,
	OPT_REDIS,
	OPT_PREFIX,
	OPT_ASJSON,
	OPT_PROGRESS,
	OPT_NOPROGRESS,
	OPT_DRAIN,
	OPT_TXNID,
};

/* The drain's default bound (doc/DELIVERY.md). */
#define DRAIN_MS	30000

static const struct tide_prog prog = {
	"tide-sink",
	"[-Jqv] " TIDE_KOPTS_SYNOPSIS " "
	    "(-t topic [-k field] [-p n|field] [-H name=value] [-z codec] "
	    "[--create[=partitions]] [--value-format json|avro|protobuf] "
	    "[--value-schema file | --value-subject name | --schema-id n] "
	    "[--proto-descriptor file] [--proto-message name] "
	    "[--schema-registry url] | "
	    "-o path [--format ndjson|csv] [--rotate size|duration] | "
	    "--sqlite file --table name --upsert field[,field] | "
	    "--redis url --upsert field[,field]) "
	    "[--keep list | --drop list] [--dead-letter file] [--strict]",
	"Write NDJSON records to a Kafka topic, to files or to a materialized "
	    "view, losing none.",
};

#define MAXHDR 64

/* The progress line: file output on a terminal, or --progress. */
static struct tide_progress pr;

struct sink {
	struct tide_sinkbe *be;		/* the back end, chosen once */
	/* configuration */
	const char *topic;
	const char *output;
	const char *sqlite, *redis;	/* a view */
	const char *deadpath;
	int envelope;
	int keep_partition;
	int create;			/* --create[=n]: as ksink.h's */
	int tee;
	int stats;
	int32_t partition;		/* fixed partition, or UA */
	struct tide_path keypath, partpath, tspath, timepath;
	int has_key, has_part, has_ts, has_time;
	int ts_now;			/* --timestamp now */
	enum tide_time_unit unit;
	struct tide_env_hdr hdrs[MAXHDR];	/* -H */
	size_t nhdrs;
	struct tide_view_conf vc;	/* holds the option strings to the end */
	struct tide_senc *venc, *kenc;	/* Avro encoders, or NULL */
	/* state */
	struct tide_bad bad;
	int fail_status;		/* idle() failed: exit with this */
	union {
		struct tide_ksink_be k;		/* -t */
		struct tide_sinkbe_file f;	/* -o */
		struct tide_vsink v;		/* --sqlite, --redis */
	} u;
	int dlerr;			/* the dead-letter file failed */
	struct tide_sinkrun run;	/* records in, barriers, the drain */
};

/* Warnings erase the progress line first, so they are not written into
 * it; it is drawn again at the next update. */
static void pwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
pwarn(const char *fmt, ...)
{
	va_list ap;

	tide_progress_clear(&pr);
	va_start(ap, fmt);
	tide_vwarn(fmt, ap);
	va_end(ap);
}

/* The back ends' warnings (level 0) and notes for -v (1). */
static void
on_say(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level == 0)
		pwarn("%s", msg);
	else
		tide_info("%s", msg);
}

static void
print_stats(struct sink *s)
{
	struct tide_buf b = TIDE_BUF_INIT;

	tide_sinkrun_stats(&s->run, s->bad.count, tide_mono_us(), &b);
	tide_progress_clear(&pr);
	fprintf(stderr, "%s: %.*s\n", prog.name, (int)b.len, b.data);
	tide_buf_release(&b);
}

static void
progress_tick(struct sink *s)
{
	struct tide_progress_stat st;

	if (!tide_progress_due(&pr))
		return;
	memset(&st, 0, sizeof(st));
	st.records = s->be->counts_out ? s->be->out : s->run.in;
	st.bytes = s->be->bytes;
	tide_progress_draw(&pr, &st);
}

/* The idle hook: before blocking on input, serve delivery reports and
 * flush whatever output is waiting, so nothing is held back.  A failure
 * it reports ends the reading with s->fail_status. */
static int
idle(void *ctx)
{
	struct sink *s = ctx;
	struct tide_sinkbe_err err;
	int r = tide_sinkrun_idle(&s->run, &err);

	if (r < 0 && err.msg[0]) {
		pwarn("%s", err.msg);
		if (r == TIDE_EIO)
			s->fail_status = tide_exit_of(r);
	}
	return r;
}

/* Report a bad record; returns nonzero to stop (exit status in *status).
 * Cold: kept out of the loop, which runs per record. */
static int bad(struct sink *s, uint64_t lineno, const char *line, size_t len,
    int *status, const char *fmt, const char *arg)
    __attribute__((noinline, cold));

static int
bad(struct sink *s, uint64_t lineno, const char *line, size_t len,
    int *status, const char *fmt, const char *arg)
{
	int r;

	tide_progress_clear(&pr);
	r = tide_bad_record(&s->bad, "-", lineno, line, len, fmt, arg);

	if (r) {
		*status = tide_exit_of(r);
		return 1;
	}
	return 0;
}

/* What a back end's put(), quiet() or sync() said, for the run: 0 to go
 * on, nonzero to stop with *status (lib/sinkrun.h). */
static int __attribute__((noinline))
outcome(struct sink *s, int r, uint64_t lineno, const char *line, size_t len,
    const struct tide_sinkbe_err *err, int *status)
{
	if (r == 0)
		return 0;
	if (r == TIDE_EINVAL)
		return bad(s, lineno, line, len, status, "%s", err->msg);
	if (r == TIDE_EIO)
		pwarn("%s", err->msg);
	if (r == TIDE_ERANGE) {
		pwarn("%s", err->msg);
		*status = TIDE_EX_DATAERR;
		return 1;
	}
	*status = tide_sinkrun_stop_status(r, err, *status);
	return 1;
}

/* --- Opening the back end --------------------------------------------- */

static int log_all;	/* -d given: show librdkafka's debug logs */

static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	/* librdkafka logs the connection failures it then retries: noise
	 * unless asked for with -v or -d. */
	if (log_all || tide_verbose > 1 || (level <= 3 && tide_verbose > 0))
		fprintf(stderr, "%s: kafka: %s: %s\n", prog.name, fac, buf);
}

/* Durable by default: no duplicates on retry, acknowledged by every
 * in-sync replica.  linger.ms=5 batches under load and adds at most 5 ms
 * when idle. */
static void
kafka_open(struct sink *s, struct tide_kconf *kc, const char *codec,
    long long connect_ms, long long down_ms, size_t maxrec, const char *txnid)
{
	struct tide_ksink_be *k = &s->u.k;
	struct tide_ksink_conf c;
	struct tide_kconf_err kerr;
	rd_kafka_conf_t *conf;
	const char *defaults[8];
	char codecprop[64];
	size_t nd = 0;
	int r;

	if (!tide_kconf_has_brokers(kc))
		tide_usage_error("no brokers: give -b or set TIDE_BROKERS");
	defaults[nd++] = "enable.idempotence=true";
	defaults[nd++] = "acks=all";
	defaults[nd++] = "linger.ms=5";
	if (codec) {
		snprintf(codecprop, sizeof(codecprop), "compression.codec=%s",
		    codec);
		defaults[nd++] = codecprop;
	}
	defaults[nd] = NULL;
	if ((conf = tide_kconf_build(kc, defaults, &kerr)) == NULL)
		tide_usage_error("%s", kerr.msg);
	/* One way to ask for transactions: the sink must know to commit. */
	nd = sizeof(codecprop);
	if (rd_kafka_conf_get(conf, "transactional.id", codecprop, &nd) ==
	    RD_KAFKA_CONF_OK && codecprop[0] != '\0')
		tide_usage_error("-X transactional.id: give --transactional-id");
	rd_kafka_conf_set_log_cb(conf, on_log);
	memset(&c, 0, sizeof(c));
	c.topic = s->topic;
	c.envelope = s->envelope;
	c.keep_partition = s->keep_partition;
	c.create = s->create;
	c.partition = s->partition;
	c.keypath = s->has_key ? &s->keypath : NULL;
	c.partpath = s->has_part ? &s->partpath : NULL;
	c.tspath = s->has_ts ? &s->tspath : NULL;
	/* Event time reaches Kafka by default: a record's ts field, where
	 * it has one (--timestamp now: the producer's clock). */
	if (!s->has_ts && !s->ts_now && !s->envelope) {
		if (tide_path_parse(&s->tspath, "ts") < 0)
			tide_die(TIDE_EX_FAIL, "ts: bad path");
		s->has_ts = 1;
		c.tspath = &s->tspath;
		c.ts_default = 1;
	}
	c.unit = s->unit;
	c.hdrs = s->hdrs;
	c.nhdrs = s->nhdrs;
	c.maxrec = maxrec;
	c.dead = s->bad.dead;
	c.tee = s->tee;
	c.tee_fd = STDOUT_FILENO;
	c.down_ms = down_ms;
	c.connect_ms = connect_ms;
	c.nread = &s->run.in;
	c.txn_id = txnid;
	c.say = on_say;
	if (s->venc || s->kenc) {
		c.encode = tide_senc_encode;
		c.value_enc = s->venc;
		c.key_enc = s->kenc;
	}
	/* A second stop signal gives up on what is not delivered yet. */
	r = tide_ksink_be_open(k, &c, conf, s->deadpath, &tide_sig_nstops);
	if (r == TIDE_ENOENT)
		tide_die(TIDE_EX_UNAVAILABLE, "topic '%s' does not exist at '%s'%s",
		    s->topic, kc->brokers ? kc->brokers : "(configured brokers)",
		    s->create ? " and the brokers did not create it" :
		    " (--create creates it)");
	if (r == TIDE_EKAFKA || r == TIDE_EINTR)
		tide_die(r == TIDE_EINTR ? tide_sig_exit_status() :
		    TIDE_EX_UNAVAILABLE, "cannot produce to '%s' at '%s': %s",
		    s->topic, kc->brokers ? kc->brokers : "(configured brokers)",
		    k->ks.prod.errstr);
	if (r < 0)
		tide_usage_error("--partition: topic '%s' has %d partitions: no "
		    "partition %d", s->topic, (int)k->ks.prod.npart,
		    (int)s->partition);
	s->be = &k->be;
}

/* Open the view; failures exit as tide-join's do: 64 for a bad URL or
 * option, or a store made for other options (an SQLite table with another
 * key: TIDE_EFORMAT), as tide-join's view keyed by another field and
 * tide-window's --state from other keys are; 69 for Redis; else as
 * tide_exit_of() says (74 for an SQLite file that cannot be opened). */
static void
view_open(struct sink *s, const struct tide_view_conf *vc, const char *opt)
{
	struct tide_sinkbe_err err;
	int r;

	if ((r = tide_vsink_open(&s->u.v, vc, opt, on_say, NULL, &err)) < 0)
		tide_die(r == TIDE_EINVAL || r == TIDE_EFORMAT ?
		    TIDE_EX_USAGE : err.remote ? TIDE_EX_UNAVAILABLE :
		    tide_exit_of(r), "%s", err.msg);
	s->be = &s->u.v.be;
}

/* --- Options ---------------------------------------------------------- */

static struct sink sk;

/* The options that do not go straight into struct sink. */
static struct {
	struct tide_kconf kc;
	const char *deadpath, *codec, *partarg, *txnid;
	int64_t connect_ms, down_ms, drain_ms;
	long long level;
	size_t maxrec;
	struct tide_bad_max maxbad;
	int strict, csv;
	int progress;		/* --progress 1, --no-progress 0, auto -1 */
	struct tide_fileout_opts fopts;	/* --rotate */
	const char *table, *prefix, *timefield;
	const char **cols;
	const char *keys[TIDE_VIEW_MAXKEYS];
	int nkey, ncol, history, asjson;
	long long batch;
	int64_t batch_ms, ttl_ms;
	/* Avro on produce: the options, the registry, the encoders
	 * ([0] the key's, [1] the value's). */
	struct tide_senc_opts se;
	struct tide_sropt so;
	struct tide_sreg *reg;
	struct tide_senc enc[2];
	struct tide_proj proj;		/* --keep, --drop */
	struct tide_buf pb;		/* a record projected */
	const char *where;		/* --where, compiled in wx */
	struct tide_expr wx;
} o = {
	.connect_ms = 10000,
	.down_ms = 300000,
	.drain_ms = DRAIN_MS,
	.level = 3,
	.maxrec = TIDE_MAX_RECORD,
	.progress = -1,
	.pb = TIDE_BUF_INIT,
	.se = TIDE_SENC_OPTS_INIT,
};

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Split a comma-separated list into at most max items (modifies arg). */
static int
split_list(const char *opt, char *arg, const char **out, int max)
{
	char *p, *save = NULL;
	int n = 0;

	for (p = strtok_r(arg, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (n == max)
			tide_usage_error("%s: more than %d fields", opt, max);
		out[n++] = p;
	}
	if (n == 0)
		tide_usage_error("%s: no fields given", opt);
	return n;
}

/* -t, -o, --sqlite, --table: a string that must not be empty. */
static int
opt_nonempty(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (*arg == '\0')
		switch (opt->id) {
		case 't':
			tide_usage_error("-t: empty topic name");
		case 'o':
			tide_usage_error("-o: empty path");
		case OPT_SQLITE:
			tide_usage_error("--sqlite: empty path");
		default:
			tide_usage_error("--%s: empty name", opt->name);
		}
	*(const char **)opt->dest = arg;
	return 0;
}

/* -k, -p, --timestamp and --time: a field path, kept parsed in struct sink. */
static int
opt_path(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	struct tide_path *p = &sk.keypath;
	int *has = &sk.has_key;

	(void)err;
	if (opt->id == 'p') {
		p = &sk.partpath;
		has = &sk.has_part;
	} else if (opt->id == OPT_TIMESTAMP) {
		p = &sk.tspath;
		has = &sk.has_ts;
		/* The producer's clock; a field named now is '"now"'. */
		sk.ts_now = strcmp(arg, "now") == 0;
		if (sk.ts_now) {
			if (*has)
				tide_path_release(p);
			*has = 0;
			return 0;
		}
	} else if (opt->id == OPT_TIME) {
		p = &sk.timepath;
		has = &sk.has_time;
		o.timefield = arg;
	}
	if (*has)
		tide_path_release(p);
	if (tide_path_parse(p, arg) < 0)
		tide_usage_error("--%s: not a field path: '%s'", opt->name,
		    arg);
	*has = 1;
	return 0;
}

/* -p n|field */
static int
opt_partition(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	o.partarg = arg;
	if (all_digits(arg)) {
		sk.partition = (int32_t)tide_arg_int("--partition", arg, 0,
		    INT32_MAX);
		return 0;
	}
	return opt_path(opt, arg, err);
}

static int
opt_header(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	const char *eq = strchr(arg, '=');

	(void)opt;
	(void)err;
	if (eq == NULL || eq == arg)
		tide_usage_error("-H: not name=value: '%s'", arg);
	if (sk.nhdrs == MAXHDR)
		tide_usage_error("-H: more than %d headers", MAXHDR);
	sk.hdrs[sk.nhdrs].name = arg;
	sk.hdrs[sk.nhdrs].namelen = (size_t)(eq - arg);
	sk.hdrs[sk.nhdrs].value = eq + 1;
	sk.hdrs[sk.nhdrs].len = strlen(eq + 1);
	sk.nhdrs++;
	return 0;
}

static int
opt_codec(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)opt;
	(void)err;
	if (strcmp(arg, "zstd") && strcmp(arg, "lz4") && strcmp(arg, "gzip") &&
	    strcmp(arg, "snappy") && strcmp(arg, "none"))
		tide_usage_error("-z: unknown codec '%s' (zstd, lz4, gzip, "
		    "snappy, none)", arg);
	o.codec = arg;
	return 0;
}

static int
opt_format(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)opt;
	(void)err;
	if (strcmp(arg, "csv") == 0)
		o.csv = 1;
	else if (strcmp(arg, "ndjson") == 0)
		o.csv = 0;
	else
		tide_usage_error("--format: unknown format '%s' (ndjson, csv)",
		    arg);
	return 0;
}


static int
opt_redis(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)opt;
	(void)err;
	if (strncmp(arg, "redis://", 8) != 0)
		tide_usage_error("--redis: not a redis:// URL: '%s'", arg);
	sk.redis = arg;
	return 0;
}

/* --upsert and --columns: given again, the list is replaced. */
static int
opt_fields(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (opt->id == OPT_UPSERT) {
		o.nkey = split_list("--upsert", tide_xstrdup(arg), o.keys,
		    TIDE_VIEW_MAXKEYS);
		return 0;
	}
	free(o.cols);
	o.cols = tide_xcalloc(TIDE_SQLVIEW_MAXCOLS, sizeof(*o.cols));
	o.ncol = split_list("--columns", tide_xstrdup(arg), o.cols,
	    TIDE_SQLVIEW_MAXCOLS);
	return 0;
}

/* --rotate size|duration */
static int
opt_rotate(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	size_t nd = strspn(arg, "0123456789");

	(void)opt;
	(void)err;
	/* 512k, 16M, 1G, 100B: a size.  A bare "m" is minutes, so sizes in
	 * MiB are written M. */
	if ((nd > 0 && arg[nd] != '\0' && strchr("kKmMgGbB", arg[nd]) &&
	    strcmp(arg + nd, "m") && strcmp(arg + nd, "ms")) ||
	    all_digits(arg))
		o.fopts.rotate_bytes = (uint64_t)tide_arg_size("--rotate", arg);
	else
		o.fopts.rotate_ms = tide_arg_dur_ms("--rotate", arg);
	if (o.fopts.rotate_bytes == 0 && o.fopts.rotate_ms == 0)
		tide_usage_error("--rotate: must be more than zero: '%s'", arg);
	return 0;
}

/* --value-format avro, --key-format avro: which options go with them,
 * then the registry and the encoders, found once before any record. */
static void
schemas_open(struct sink *s)
{
	unsigned sides, flags = (s->topic ? TIDE_SENC_TOPIC : 0) |
	    (s->tee ? TIDE_SENC_TEE : 0) |
	    (s->envelope ? TIDE_SENC_ENVELOPE : 0) |
	    (s->has_key ? TIDE_SENC_KEY : 0);
	char err[1024];
	int side, r;

	/* A registry named but unused is no error: the environment may
	 * name one for every program. */
	if (tide_senc_opts_check(&o.se, flags, &sides, err, sizeof(err)) < 0 ||
	    (sides && tide_senc_opts_need(&o.se, o.reg = tide_sropt_open(&o.so),
	    err, sizeof(err)) < 0))
		tide_usage_error("%s", err);
	for (side = 1; side >= 0; side--) {
		if (!(sides & 1u << side))
			continue;
		if ((r = tide_senc_setup(&o.enc[side], &o.se, side, s->topic,
		    o.reg, err, sizeof(err))) < 0)
			tide_die(o.enc[side].file_err ? TIDE_EX_IOERR :
			    tide_sropt_exit(r), "%s", err);
		tide_info("%s", tide_senc_describe(&o.enc[side], err,
		    sizeof(err)));
		*(side ? &s->venc : &s->kenc) = &o.enc[side];
	}
}

static const struct tide_option opts[] = {
	TIDE_KOPTS_CONF(&o.kc),
	TIDE_OPT_CALLBACK('t', "topic", "topic", "produce to this Kafka topic",
	    opt_nonempty, &sk.topic),
	TIDE_OPT_CALLBACK('k', "key", "field", "message key from this field",
	    opt_path, NULL),
	TIDE_OPT_CALLBACK('p', "partition", "n|field", "partition number, or "
	    "the field holding it", opt_partition, NULL),
	TIDE_OPT_CALLBACK('H', "header", "name=value", "add a header to every "
	    "message (repeatable)", opt_header, NULL),
	TIDE_OPT_CALLBACK(OPT_TIMESTAMP, "timestamp", "field|now", "message "
	    "timestamp from this field (default ts where present), or now",
	    opt_path, NULL),
	TIDE_OPT_CALLBACK('z', "compression", "codec", "compress batches: "
	    "zstd, lz4, gzip, snappy, none", opt_codec, NULL),
	TIDE_OPT_FLAG('J', "envelope", "records are tide-source -J envelopes: "
	    "produce them back", &sk.envelope),
	TIDE_OPTS_PROJ(&o.proj),
	TIDE_OPT_STRING(OPT_WHERE, "where", "expr", "write only the records "
	    "for which expr is true (tide-expr(7))", &o.where),
	TIDE_OPT_FLAG(OPT_KEEPPART, "keep-partition", "with -J, produce to the "
	    "envelope's partition", &sk.keep_partition),
	TIDE_OPT_INT_OPTARG(OPT_CREATE, "create", "partitions", "create the "
	    "topic if it does not exist: with this many partitions, or the "
	    "brokers' defaults", &sk.create, 1, INT32_MAX,
	    TIDE_KSINK_CREATE_AUTO),
	TIDE_SENCOPTS(&o.se),
	TIDE_SROPTS(&o.so),
	TIDE_OPT_BAD_DEAD(&o.deadpath, "keep bad and undeliverable records in "
	    "file"),
	TIDE_OPT_FLAG(OPT_TEE, "tee", "write each record to stdout once "
	    "delivered", &sk.tee),
	TIDE_OPT_CALLBACK(OPT_TXNID, "transactional-id", "id", "produce in "
	    "transactions, each committed with the source's offsets at a "
	    "barrier (exactly once)", opt_nonempty, &o.txnid),
	TIDE_OPT_DUR(OPT_CONNTIMEOUT, "connect-timeout", "duration", "give up "
	    "when brokers do not answer (default 10s)", &o.connect_ms, 1,
	    INT32_MAX),
	TIDE_OPT_DUR(OPT_DOWNTIMEOUT, "down-timeout", "duration", "give up "
	    "when brokers stay unreachable for duration after start (default "
	    "5m, 0 never)", &o.down_ms, 0, LLONG_MAX),
	TIDE_OPT_CALLBACK('o', "output", "path", "write to files named by path "
	    "(strftime), or - for stdout", opt_nonempty, &sk.output),
	TIDE_OPT_CALLBACK(OPT_FORMAT, "format", "ndjson|csv", "file format "
	    "(default ndjson)", opt_format, NULL),
	TIDE_OPT_CALLBACK(OPT_TIME, "time", "field", "name files by this "
	    "event-time field, not the wall clock", opt_path, NULL),
	TIDE_OPT_CALLBACK(OPT_TIMEUNIT, "time-unit", "unit", "unit of epoch "
	    "numbers: s, ms, us, ns, auto", tide_opt_time_unit, &sk.unit),
	TIDE_OPT_INT(OPT_LEVEL, "level", "n", "zstd compression level for .zst "
	    "files (default 3)", &o.level, 1, 22),
	TIDE_OPT_CALLBACK(OPT_ROTATE, "rotate", "size|duration", "start a new "
	    "file after size bytes or each duration", opt_rotate, NULL),
	TIDE_OPT_CALLBACK(OPT_SQLITE, "sqlite", "file", "upsert into a view in "
	    "this SQLite database", opt_nonempty, &sk.sqlite),
	TIDE_OPT_CALLBACK(OPT_TABLE, "table", "name", "the view's table (with "
	    "--sqlite)", opt_nonempty, &o.table),
	TIDE_OPT_CALLBACK(OPT_REDIS, "redis", "url", "upsert into a view in "
	    "Redis (redis://host:port[/db])", opt_redis, NULL),
	TIDE_OPT_CALLBACK(OPT_UPSERT, "upsert", "field[,field]", "the view's "
	    "key fields", opt_fields, NULL),
	TIDE_OPT_CALLBACK(OPT_COLUMNS, "columns", "field[,field]", "the "
	    "table's columns (default: the first record's fields)", opt_fields,
	    NULL),
	TIDE_OPT_INT(OPT_BATCH, "batch", "n", "records per view batch "
	    "(default: sqlite 10000, redis 32)", &o.batch, 1, 100000000),
	TIDE_OPT_DUR(OPT_BATCHTIME, "batch-time", "duration", "commit a view "
	    "batch at least this often", &o.batch_ms, 1, LLONG_MAX),
	TIDE_OPT_DUR(OPT_TTL, "ttl", "duration", "expire view rows (SQLite: by "
	    "--time event time; Redis: keys)", &o.ttl_ms, 1, LLONG_MAX),
	TIDE_OPT_FLAG(OPT_HISTORY, "history", "keep every version by --time in "
	    "the SQLite view", &o.history),
	TIDE_OPT_STRING(OPT_PREFIX, "prefix", "string", "Redis key prefix",
	    &o.prefix),
	TIDE_OPT_FLAG(OPT_ASJSON, "as-json", "store each Redis record as a "
	    "JSON string, not a hash", &o.asjson),
	TIDE_OPT_BAD_STRICT(&o.strict),
	TIDE_OPT_BAD_MAX(&o.maxbad),
	TIDE_OPT_BAD_MAXREC(&o.maxrec, 1),
	TIDE_OPT_FLAG(OPT_STATS, "stats", "print counters to stderr at exit "
	    "and on SIGUSR1", &sk.stats),
	TIDE_OPT_DUR(OPT_DRAIN, "drain-timeout", "d", "after SIGINT/SIGTERM, "
	    "read on to the end of input for at most d (default 30s; 0: no "
	    "limit)", &o.drain_ms, 0, LLONG_MAX),
	TIDE_OPT_SET(OPT_PROGRESS, "progress", "show a progress line on stderr",
	    &o.progress, 1),
	TIDE_OPT_SET(OPT_NOPROGRESS, "no-progress", "no progress line, even on "
	    "a terminal", &o.progress, 0),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

int
main(int argc, char **argv)
{
	struct sink *s = &sk;
	struct tide_kconf_err kerr;
	struct tide_view_conf *vc = &s->vc;
	struct tide_rin in;
	struct tide_json_err jerr;
	struct tide_sinkbe_err berr;
	struct tide_stage_err serr;
	enum tide_json_type type;
	int r, ix, status = TIDE_EX_OK;
	int eof = 0;
	const char *line, *msg;
	size_t len;

	tide_prog_init_opts(&prog, opts);
	tide_kconf_init(&o.kc);
	s->partition = RD_KAFKA_PARTITION_UA;
	s->unit = TIDE_UNIT_AUTO;
	ix = tide_opt_parse(argc, argv);
	if (tide_opt_given('d'))
		log_all = 1;
	if (ix < argc)
		tide_usage_error("unexpected argument '%s'", argv[ix]);
#define G(c, f)	((c) ? TIDE_SINKOPT_##f : 0u)
	msg = tide_sinkopt_check(G(s->topic, TOPIC) | G(s->output, OUTPUT) |
	    G(s->output && strcmp(s->output, "-") == 0, STDOUT) |
	    G(s->sqlite, SQLITE) | G(s->redis, REDIS) | G(o.table, TABLE) |
	    G(o.ncol, COLUMNS) | G(o.history, HISTORY) | G(o.prefix, PREFIX) |
	    G(o.asjson, ASJSON) | G(o.nkey, UPSERT) |
	    G(tide_opt_given(OPT_BATCH), BATCH) | G(o.batch_ms, BATCHTIME) |
	    G(o.ttl_ms, TTL) | G(s->has_time, TIME) | G(o.csv, CSV) |
	    G(o.fopts.rotate_bytes || o.fopts.rotate_ms, ROTATE) |
	    G(tide_opt_given(OPT_LEVEL), LEVEL) | G(s->has_key, KEY) |
	    G(o.partarg, PARTITION) | G(s->has_part, PARTFIELD) |
	    G(s->nhdrs, HEADER) | G(s->has_ts || s->ts_now, TIMESTAMP) | G(o.codec, CODEC) |
	    G(s->envelope, ENVELOPE) | G(s->keep_partition, KEEPPART) |
	    G(s->tee, TEE) | G(tide_opt_given(OPT_DOWNTIMEOUT), DOWNTIMEOUT) |
	    G(o.txnid, TXNID));
#undef G
	if (msg != NULL)
		tide_usage_error("%s", msg);
	if (s->create && s->topic == NULL)
		tide_usage_error("--create goes with -t");
	if ((r = tide_kconf_env(&o.kc, &kerr)) < 0)
		tide_die(r == TIDE_EINVAL ? TIDE_EX_USAGE : tide_exit_of(r),
		    "$TIDE_CONFIG: %s", kerr.msg);

	/* A stop signal is a drain (doc/DELIVERY.md): the stage before this
	 * one ends too and its output reaches its end; what is in the pipe
	 * is read and delivered.  A terminal's input ends at the signal. */
	tide_sig_init(0);
	s->deadpath = o.deadpath;
	if (tide_bad_init(&s->bad, o.strict, o.deadpath) < 0)
		tide_die(TIDE_EX_IOERR, "--dead-letter '%s': %s", o.deadpath,
		    strerror(errno));
	tide_sinkrun_init(&s->run, prog.name, o.drain_ms,
	    isatty(STDIN_FILENO));
	if (o.where) {
		tide_arg_expr("--where", o.where, &o.wx);
		s->run.where.e = &o.wx;
	}
	/* On its own, the line shows on a terminal for file output. */
	if (o.progress < 0 && (tide_verbose < 0 || s->output == NULL ||
	    strcmp(s->output, "-") == 0))
		o.progress = 0;
	tide_progress_init(&pr, tide_progress_wanted(o.progress, 2) ? 2 : -1,
	    prog.name);

	schemas_open(s);
	/* The back end, chosen once. */
	if (s->topic)
		kafka_open(s, &o.kc, o.codec, o.connect_ms, o.down_ms,
		    o.maxrec, o.txnid);
	else if (s->output) {
		o.fopts.format = o.csv ? TIDE_FILEOUT_CSV : TIDE_FILEOUT_NDJSON;
		o.fopts.level = (int)o.level;
		o.fopts.stdout_fd = STDOUT_FILENO;
		if (tide_sinkbe_file_open(&s->u.f, s->output, &o.fopts,
		    s->has_time ? &s->timepath : NULL, s->unit, on_say,
		    NULL) < 0)
			tide_usage_error("-o: bad path pattern '%s'", s->output);
		s->be = &s->u.f.be;
	} else {
		memset(vc, 0, sizeof(*vc));
		vc->kind = s->sqlite ? TIDE_VIEW_SQLITE : TIDE_VIEW_REDIS;
		vc->target = s->sqlite ? s->sqlite : s->redis;
		vc->table = o.table;
		vc->nkey = o.nkey;
		memcpy(vc->keys, o.keys, sizeof(o.keys));
		vc->ncol = o.ncol;
		vc->cols = o.cols;
		vc->timefield = o.timefield;
		vc->unit = s->unit;
		vc->history = o.history;
		vc->ttl_ms = o.ttl_ms;
		vc->prefix = o.prefix;
		vc->as_json = o.asjson;
		vc->batch = (uint64_t)o.batch;
		vc->batch_ms = o.batch_ms;
		vc->timeout_ms = (int)o.connect_ms;
		view_open(s, vc, s->sqlite ? "--sqlite" : "--redis");
	}

	/* Barriers from upstream, acknowledged once durable.  Nothing found
	 * or a failed search: alone, as before. */
	if ((r = tide_sinkrun_open(&s->run, s->be, STDIN_FILENO,
	    STDOUT_FILENO, &serr, &berr)) < 0 && s->run.failed)
		/* Exactly once: what an earlier run recorded cannot be read;
		 * writing on would repeat or lose records. */
		tide_die(tide_exit_of(r), "%s", berr.msg);
	else if (r < 0)
		tide_info("no delivery acknowledgements: %s%s%s",
		    serr.what ? serr.what : "search failed",
		    serr.errnum ? ": " : "",
		    serr.errnum ? strerror(serr.errnum) : "");

	tide_rin_init(&in, STDIN_FILENO, o.maxrec);
	tide_rin_set_idle(&in, idle, s);
	for (;;) {
		if (s->be->done) {
			/* The reader of --tee went away: stop reading, still
			 * deliver what was produced. */
			break;
		}
		/* Draining: a blocked read wakes for --drain-timeout. */
		r = tide_rin_next(&in, &line, &len,
		    tide_sinkrun_timeout(&s->run));
		if (tide_sinkrun_signalled(&s->run, r)) {
			if (tide_sig_take_stats())
				print_stats(s);
			if (tide_sinkrun_drain(&s->run))
				break;
			if (r == TIDE_EINTR)
				continue;
		}
		if (r == TIDE_EAGAIN) {
			if ((r = tide_sinkrun_quiet(&s->run, &berr)) != 0 &&
			    outcome(s, r, in.lineno, NULL, 0, &berr, &status))
				break;
			continue;
		}
		if (r == TIDE_EOF) {
			eof = 1;
			break;
		}
		if (r == TIDE_EPIPE)
			break;
		if (r == TIDE_ETOOBIG) {
			s->run.in++;
			tide_progress_clear(&pr);
			if ((r = tide_bad_record(&s->bad, "-", in.lineno, "", 0,
			    "record longer than --max-record (%zu bytes)",
			    o.maxrec)) != 0) {
				status = tide_exit_of(r);
				break;
			}
			continue;
		}
		if (r < 0) {
			/* The idle hook failed and said why, or reading did. */
			if (s->fail_status == 0)
				pwarn("read stdin: %s", r == TIDE_EIO ?
				    strerror(errno) : tide_strerror(r));
			status = s->fail_status ? s->fail_status :
			    tide_exit_of(r);
			break;
		}
		if (__builtin_expect(tide_barrier_is(line, len), 0)) {
			if ((r = tide_sinkrun_barrier(&s->run, line, len,
			    &berr)) != 0 && outcome(s, r, in.lineno, line, len,
			    &berr, &status))
				break;
			continue;
		}
		s->run.in++;
		if (tide_sinkrun_check(&s->run, line, len, &type, &jerr) < 0) {
			char why[160];

			snprintf(why, sizeof(why), "%s at byte %zu",
			    jerr.reason ? jerr.reason : "bad JSON", jerr.offset);
			if (bad(s, in.lineno, line, len, &status,
			    "not valid JSON: %s", why))
				break;
			continue;
		}
		if ((r = tide_sinkrun_keep(&s->run, type)) != 1) {
			if (r < 0 && bad(s, in.lineno, line, len, &status,
			    "--where: regex %s reached its match limit",
			    tide_expr_limit_regex(&o.wx)))
				break;
			continue;	/* filtered out: read, not bad */
		}
		/* Written as projected; a non-object stays as it is. */
		if (tide_proj_on(&o.proj)) {
			tide_buf_reset(&o.pb);
			(void)tide_proj_rec(&o.proj, line, len, &o.pb);
			line = o.pb.data;
			len = o.pb.len;
		}
		if ((r = s->be->ops->put(s->be, in.lineno, line, len, type,
		    &berr)) != 0 && outcome(s, r, in.lineno, line, len, &berr,
		    &status))
			break;
		if (s->bad.dead && ferror(s->bad.dead)) {
			s->dlerr = 1;
			break;
		}
		if ((s->run.in & 63) == 0)
			progress_tick(s);
	}
	tide_progress_clear(&pr);
	status = tide_sinkrun_finish(&s->run, status, eof, s->bad.count);
	if (s->run.dead_failed)
		s->dlerr = 1;
	tide_sinkrun_close(&s->run);
	if (s->stats)
		print_stats(s);
	if (tide_bad_flush(&s->bad) != 0)
		s->dlerr = 1;
	if (tide_bad_finish(&s->bad) != 0)
		s->dlerr = 1;
	if (s->dlerr) {
		pwarn("--dead-letter '%s': write failed", o.deadpath ?
		    o.deadpath : "stderr");
		status = TIDE_EX_IOERR;
	}
	/* Undelivered records (75) and the like say more: asked only on 0. */
	if (status == TIDE_EX_OK)
		status = tide_exit_of(tide_bad_verdict(&s->bad, &o.maxbad,
		    s->run.in));
	s->be->ops->close(s->be);
	tide_rin_release(&in);
	tide_kconf_release(&o.kc);
	tide_proj_release(&o.proj);
	tide_buf_release(&o.pb);
	tide_expr_release(&o.wx);
	tide_senc_release(&o.enc[0]);
	tide_senc_release(&o.enc[1]);
	tide_sreg_free(o.reg);
	return status;
}
