/*
 * tide-source: records in, from Kafka topics or from files, as NDJSON on
 * stdout.
 *
 * Kafka: without -G the partitions are assigned directly and their ranges
 * (-o, --from, --to, -e) resolved once at start (lib/kafka/offsets.h), so a
 * bounded read always ends.  With -G the group assigns partitions and an
 * offset is committed only after its record has been written to stdout and
 * flushed: a crash re-delivers, never skips.
 *
 * Messages are taken in batches from the consumer queue without waiting;
 * only when nothing is ready is the output flushed (and offsets committed)
 * before a blocking wait, so output is never held back while the topic is
 * quiet and never written line by line while it is busy.
 *
 * Files: NDJSON or CSV (by --format, else by the name: .csv), either
 * zstd-compressed (by content); each line or row becomes a record, bad
 * ones follow the bad-input policy.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "bad.h"
#include "buf.h"
#include "ckpt.h"
#include "envelope.h"
#include "err.h"
#include "filesrc.h"
#include "exitcode.h"
#include "expr.h"
#include "kafka/kconf.h"
#include "kafka/kcommit.h"
#include "kafka/kconsumer.h"
#include "kafka/kdown.h"
#include "kafka/kinspect.h"
#include "kafka/kmsg.h"
#include "kafka/kopt.h"
#include "kafka/kparts.h"
#include "kafka/offsets.h"
#include "printfmt.h"
#include "prog.h"
#include "proj.h"
#include "schema/sropt.h"
#include "schema/wire.h"
#include "sig.h"
#include "srcopt.h"
#include "progress.h"
#include "rio.h"
#include "time.h"
#include "xalloc.h"

#define BATCH		1024
#define POLL_MS		100	/* longest wait: how soon a signal is seen */
#define COMMIT_MS	1000	/* commit at least this often under load */

enum {
	OPT_FROM = TIDE_OPT_LONG,
	OPT_TO,
	OPT_TIME,
	OPT_IDLE,
	OPT_DRYRUN,
	OPT_RESUME,
	OPT_STATS,
	OPT_DOWNTIMEOUT,
	OPT_FORMAT,
	OPT_DUMPCONF,
	OPT_PROGRESS,
	OPT_NOPROGRESS,
	OPT_COMMIT,
	OPT_BARRIER,
	OPT_ACKTIMEOUT,
	OPT_LAG,
	OPT_SUMMARY,
	OPT_WHERE,
};

static struct {
	struct tide_kconf kc;
	char **topics;
	size_t ntopics;
	struct tide_kopt_parts parts;	/* -p */
	struct tide_offspec from, to;
	int64_t from_ms;	/* --from */
	int have_o, have_from, have_to;
	int exit_eof, dryrun, envelope, stats, strict, dumpconf;
	int progress;		/* 1 --progress, 0 --no-progress, -1 auto */
	long long count;
	int64_t idle_ms;
	int64_t md_timeout;
	int64_t down_ms;	/* outage bound after start, 0 none, -1 default */
	const char *group;
	const char *resume;	/* --resume: a tide-window state file */
	const char *format;
	const char *timef;	/* --time: files' event-time field */
	const char *dead;
	size_t maxrec;
	struct tide_bad_max maxbad;
	int commit_written;	/* --commit written */
	int64_t barrier_ms;	/* --barrier-interval */
	int64_t ack_ms;		/* --ack-timeout */
	int list, lag, summary;	/* -L, --lag, --summary */
	struct tide_proj proj;	/* --keep, --drop */
	struct tide_printfmt pf;	/* --print */
	const char *where;	/* --where: its text, compiled in s.wx */
	struct tide_sropt so;	/* --schema-registry ... */
	struct tide_wire_opts wo;	/* --key-format, --value-format ... */
} o;

static tide_opt_cb opt_topic, opt_offset, opt_group, opt_format, opt_commit;

static const struct tide_option opts[] = {
	TIDE_KOPTS_CONF(&o.kc),
	TIDE_OPT_CALLBACK('t', "topic", "topic", "topic to read; ^regex for a "
	    "pattern (repeatable)", opt_topic, NULL),
	TIDE_OPT_CALLBACK('p', "partitions", "list", "partitions to read, e.g. "
	    "0,2,4-7 (default all)", tide_kopt_parts, &o.parts),
	TIDE_OPT_CALLBACK('o', "offset", "offset", "start at beginning, end, "
	    "stored, N or -N (N before the end)", opt_offset, &o.from),
	TIDE_OPT_TIME(OPT_FROM, "from", "time", "start at the first message at "
	    "or after time", &o.from_ms),
	TIDE_OPT_TIME(OPT_TO, "to", "time", "stop before the first message at "
	    "or after time", &o.to.v),
	TIDE_OPT_STRING(OPT_TIME, "time", "field", "files: --from and --to "
	    "by this event-time field (default ts)", &o.timef),
	TIDE_OPT_FLAG('e', "exit", "exit at the end of every partition as of "
	    "start", &o.exit_eof),
	TIDE_OPT_INT('c', "count", "n", "exit after n records", &o.count, 0,
	    INT64_MAX),
	TIDE_OPT_DUR(OPT_IDLE, "idle-timeout", "duration", "exit after no "
	    "record for duration", &o.idle_ms, 0, LLONG_MAX),
	TIDE_OPT_FLAG(OPT_DRYRUN, "dry-run", "print the resolved partition "
	    "ranges and exit", &o.dryrun),
	TIDE_OPT_STRING(OPT_RESUME, "resume", "file", "start each partition "
	    "where tide-window's --state file says its records end", &o.resume),
	TIDE_OPT_CALLBACK('G', "group", "group", "read as a member of consumer "
	    "group (balanced)", opt_group, &o.group),
	TIDE_OPT_CALLBACK(OPT_COMMIT, "commit", "mode", "-G: commit what the "
	    "last tide stage made durable (acked, the default) or what was "
	    "written (written)", opt_commit, &o.commit_written),
	TIDE_OPT_DUR(OPT_BARRIER, "barrier-interval", "duration", "-G: write a "
	    "barrier to a tide stage reading the output this often (default "
	    "1s)", &o.barrier_ms, 1, LLONG_MAX),
	TIDE_OPT_DUR(OPT_ACKTIMEOUT, "ack-timeout", "duration", "-G: warn when "
	    "barriers go unacknowledged this long (default 30s); wait as long "
	    "for the last one at exit", &o.ack_ms, 1, LLONG_MAX),
	TIDE_OPT_STRING(OPT_WHERE, "where", "expr", "write only the records "
	    "for which expr is true (tide-expr(7))", &o.where),
	TIDE_OPT_FLAG('J', "envelope", "write each message as the JSON "
	    "envelope (-L, --lag, --summary: JSON)", &o.envelope),
	TIDE_OPT_FLAG('L', "list", "list brokers, and topics' partitions with "
	    "leaders, replicas, ISRs and watermarks, and exit", &o.list),
	TIDE_OPT_FLAG(OPT_LAG, "lag", "-G: each partition's committed offset, "
	    "end and lag, and exit", &o.lag),
	TIDE_OPT_FLAG(OPT_SUMMARY, "summary", "per partition, the count and "
	    "min/max timestamps of the range instead of its records", &o.summary),
	TIDE_OPTS_PROJ(&o.proj),
	TIDE_OPT_PRINTFMT(&o.pf),
	TIDE_WIREOPTS(&o.wo),
	TIDE_SROPTS(&o.so),
	TIDE_KOPT_MDTIMEOUT(&o.md_timeout),
	TIDE_OPT_DUR(OPT_DOWNTIMEOUT, "down-timeout", "duration", "give up when "
	    "brokers stay unreachable for duration after start (default 5m, "
	    "with -e or --to the metadata timeout; 0 never)", &o.down_ms, 0,
	    LLONG_MAX),
	TIDE_OPT_FLAG(OPT_DUMPCONF, "dump-config", "print the effective "
	    "librdkafka settings and exit", &o.dumpconf),
	TIDE_OPT_CALLBACK(OPT_FORMAT, "format", "format", "file input format: "
	    "ndjson or csv (default by name)", opt_format, &o.format),
	TIDE_OPTS_BADINPUT(&o.maxrec, &o.strict, &o.dead, &o.maxbad),
	TIDE_OPT_FLAG(OPT_STATS, "stats", "print counters to stderr at exit "
	    "and on SIGUSR1", &o.stats),
	TIDE_OPT_SET(OPT_PROGRESS, "progress", "show a progress line on "
	    "stderr", &o.progress, 1),
	TIDE_OPT_SET(OPT_NOPROGRESS, "no-progress", "no progress line, even on "
	    "a terminal", &o.progress, 0),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

static const struct tide_prog prog = {
	"tide-source",
	"[-eJLqv] " TIDE_KOPTS_SYNOPSIS " [-t topic] ... [-p list] "
	    "[-o offset] [--from time] [--to time] [--time field] [-c n] "
	    "[-G group] [--lag] [--summary] [--where expr] "
	    TIDE_WIREOPTS_SYNOPSIS " "
	    "[--keep list | --drop list | --print format] [file ...]",
	"Read records from Kafka topics or NDJSON/CSV files (zstd or not) and "
	    "write NDJSON.",
};

static struct {
	struct tide_kconsumer kc;	/* its kd: last error, the outage clock */
	struct tide_kparts kp;		/* the partitions read */
	struct tide_wout out;
	struct tide_buf ob;
	struct tide_kmsg_out ko;	/* how messages are written */
	struct tide_wire wire;		/* keys' and values' formats */
	int watch;			/* values read as they are: look
					 * for the Confluent framing */
	uint64_t nin, nout, nbad;
	int64_t t0;
	struct tide_progress pr;
	struct tide_ckpt_offs resume;	/* --resume's offsets */
	uint64_t rec_total;	/* records a bounded read expects, or 0 */
	struct tide_filesrc files;	/* the files read */
	struct tide_bad *bad;		/* the files' bad-input policy */
	struct tide_kcommit kcm;	/* -G: commits, delivery */
	struct tide_kinspect ins;	/* -L, --lag, --summary */
	struct tide_expr wx;		/* --where */
	uint64_t nfiltered;		/* records --where dropped */
} s;


/* Warnings erase the progress line first, so they are not written into
 * it; it is drawn again at the next update. */
static void pwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
pwarn(const char *fmt, ...)
{
	va_list ap;

	tide_progress_clear(&s.pr);
	va_start(ap, fmt);
	tide_vwarn(fmt, ap);
	va_end(ap);
}

static void
progress_tick(void)
{
	struct tide_progress_stat st;

	if (!tide_progress_due(&s.pr))
		return;
	memset(&st, 0, sizeof(st));
	st.records = s.nout;
	st.bytes = s.out.bytes + s.out.len;
	if (s.files.total) {
		st.unit = TIDE_PROGRESS_BYTES;
		st.total = s.files.total;
		st.pos = tide_filesrc_pos(&s.files);
	} else {
		st.unit = TIDE_PROGRESS_RECORDS;
		st.total = s.rec_total;
		st.pos = s.nout;
	}
	tide_progress_draw(&s.pr, &st);
}

static void
print_stats(void)
{
	double secs = (double)(tide_mono_us() / 1000 - s.t0) / 1000.0;
	char filt[48] = "";

	tide_progress_clear(&s.pr);
	if (o.where)
		snprintf(filt, sizeof(filt), ", filtered %" PRIu64,
		    s.nfiltered + s.files.filtered);	/* one is 0 */
	fprintf(stderr, "%s: stats: records_in %" PRIu64 ", records_out %"
	    PRIu64 ", bytes_out %" PRIu64 ", bad %" PRIu64 "%s, %.3fs, %.0f "
	    "records/s\n", prog.name, s.nin, s.nout, s.out.bytes, s.nbad, filt,
	    secs, secs > 0 ? (double)s.nout / secs : 0.0);
}

/* Output: a failed write ends the program; a closed pipe ends it quietly. */
static void
check_write(int r)
{
	if (r == 0)
		return;
	if (r == TIDE_EPIPE) {
		/* A tide stage said hello and then went away: it died, and
		 * what it had read is not durable. */
		if (tide_kcommit_had_reader(&s.kcm))
			tide_die(TIDE_EX_IOERR, "the stage reading the output went "
			    "away: nothing is committed past barrier %lld",
			    (long long)s.kcm.acked_seq);
		exit(TIDE_EX_OK);
	}
	tide_die(TIDE_EX_IOERR, "write error: %s", strerror(errno));
}

/* ---- Kafka ------------------------------------------------------------- */

static void
on_fatal(void *ctx, const char *reason)
{
	(void)ctx;
	pwarn("fatal: %s", reason);
}

static void
on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	pwarn("%s", msg);
}

static void
on_info(void *ctx, const char *msg)
{
	(void)ctx;
	tide_info("%s", msg);
}

/* Revoked partitions: what was written is flushed and committed before
 * they go to another member (lib/kafka/kcommit.h). */
static void
rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *tl, void *opaque)
{
	(void)opaque;
	check_write(tide_kcommit_rebalance(&s.kcm, rk, err, tl));
}

/* m's key or value did not decode (lib/schema/wire): bad input, or a
 * registry that cannot be used. */
static void
wire_failed(rd_kafka_message_t *m, int r)
{
	tide_progress_clear(&s.pr);
	if (!tide_wire_bad(r)) {
		check_write(tide_wout_flush(&s.out));
		tide_die(r == TIDE_EINTR ? tide_sropt_exit(r) :
		    TIDE_EX_UNAVAILABLE, "%s", s.wire.err);
	}
	s.nbad++;
	r = tide_bad_message(s.bad, rd_kafka_topic_name(m->rkt), m->partition,
	    m->offset, m->payload, m->payload ? m->len : 0, "%s", s.wire.err);
	if (r < 0) {
		check_write(tide_wout_flush(&s.out));
		tide_die(tide_exit_of(r), "%s", r == TIDE_EIO ? "cannot write "
		    "the dead-letter file" : "--strict: stopped at a bad record");
	}
}

/* m written (or with --summary counted) unless --where filters it out. */
static void
write_msg(rd_kafka_message_t *m)
{
	int r = tide_kmsg_out(&s.ko, m, &s.ob, !o.summary);
	int32_t id;

	if (s.watch && (id = tide_wire_framed_id(m->payload, m->len))) {
		tide_progress_clear(&s.pr);
		tide_sropt_framed_note(rd_kafka_topic_name(m->rkt),
		    m->partition, m->offset, id);
		s.watch = 0;
	}
	if (r == 0)
		s.nfiltered++;
	else if (r < 0 && r != TIDE_ERANGE)
		wire_failed(m, r);
	else if (r < 0) {
		s.nbad++;
		pwarn("'%s' [%" PRId32 "] offset %" PRId64 ": --where: regex %s "
		    "reached its match limit: skipped",
		    rd_kafka_topic_name(m->rkt), m->partition, m->offset,
		    tide_expr_limit_regex(&s.wx));
	} else {
		if (o.summary)
			tide_kinspect_count(&s.ins, rd_kafka_topic_name(m->rkt),
			    m->partition, rd_kafka_message_timestamp(m, NULL));
		s.nout++;
	}
}

/* A broker has answered: whatever outage there was is over. */
static void
outage_over(void)
{
	char say[512];
	int64_t len;

	if (tide_kconsumer_up(&s.kc, &len)) {
		tide_kdown_say_back(&s.kc.kd, len, say, sizeof(say));
		pwarn("%s", say);
	}
}

/*
 * All brokers unreachable after start.  librdkafka retries for ever and
 * says so once (_ALL_BROKERS_DOWN), so the wait is bounded here, as the
 * wait for brokers at start is, by --down-timeout: by default a read that
 * ends (-e, --to) gives up after --metadata-timeout, as at start; a live
 * read rides out a broker restart for 5 minutes, saying every
 * --metadata-timeout that it is still trying.  Giving up flushes what was
 * written (nothing can be committed) and exits 69.  The outage is over
 * when a metadata request is answered (tide_kdown_poll): a quiet topic
 * brings no message to say so.  The request may wait up to a second, not
 * just POLL_MS; a signal then waits as long, in an outage only.  Returns 1
 * while it lasts (the probe took the place of the wait for messages).
 */
static int
outage(void)
{
	char say[512];

	switch (tide_kconsumer_outage(&s.kc, 0, 0, say, sizeof(say))) {
	case TIDE_KDOWN_UP:
		return 0;
	case TIDE_KDOWN_BACK:
		pwarn("%s", say);
		return 0;
	case TIDE_KDOWN_WAIT:
		return 1;
	case TIDE_KDOWN_NOTE:
		pwarn("%s", say);
		return 1;
	case TIDE_KDOWN_GIVE_UP:
		break;
	}
	check_write(tide_wout_flush(&s.out));
	if (o.stats)
		print_stats();
	tide_progress_clear(&s.pr);
	tide_die(TIDE_EX_UNAVAILABLE, "%s: giving up after %" PRIu64
	    " records%s%s%s", say, s.nout,
	    o.exit_eof || o.have_to ? ", before the end of the range" :
	    "", s.kc.kd.lasterr[0] ? ": " : "", s.kc.kd.lasterr);
}

/* One message or event from the queue. */
static void
handle(rd_kafka_message_t *m)
{
	enum tide_kev ev = tide_kconsumer_event(&s.kc, m);

	if (ev == TIDE_KEV_MSG || ev == TIDE_KEV_EOF)
		outage_over();
	if (ev == TIDE_KEV_EOF) {
		if (m->rkt)
			tide_kparts_eof(&s.kp, rd_kafka_topic_name(m->rkt),
			    m->partition, m->offset);
		return;
	}
	if (ev != TIDE_KEV_MSG) {
		if (ev == TIDE_KEV_GONE && o.group == NULL)
			tide_die(TIDE_EX_UNAVAILABLE, "%s",
			    rd_kafka_message_errstr(m));
		if (ev == TIDE_KEV_FATAL || (ev == TIDE_KEV_GONE &&
		    tide_kconsumer_fatal(&s.kc)))
			tide_die(TIDE_EX_UNAVAILABLE, "fatal: %s",
			    rd_kafka_message_errstr(m));
		tide_info("%s", rd_kafka_message_errstr(m));
		return;
	}
	if (!tide_kparts_msg(&s.kp, rd_kafka_topic_name(m->rkt), m->partition,
	    m->offset))
		return;
	s.nin++;
	write_msg(m);
}

static rd_kafka_conf_t *
make_conf(void)
{
	char gid[300];
	const char *extra[] = {
		"topic.metadata.refresh.interval.ms=60000",
		gid,
		NULL,
	};
	struct tide_kconsumer_err err;
	rd_kafka_conf_t *conf;
	int r;

	/* assign() needs a group id even when no group is joined; nothing
	 * is committed without -G. */
	snprintf(gid, sizeof(gid), "group.id=%s", o.group ? o.group :
	    "tide-source");
	/* The end of a range (and of a time search) may be seen only by
	 * the end-of-partition event: markers are never delivered. */
	r = tide_kconsumer_conf(&s.kc, &o.kc, "tide-source", extra,
	    TIDE_KCONSUMER_RANGES, &conf, &err);
	if (r == TIDE_EINVAL)
		tide_usage_error("%s", err.msg);
	if (r < 0)
		tide_die(TIDE_EX_FAIL, "%s", err.msg);
	if (o.group)
		rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
	if (s.kc.eof_forced)
		tide_warn("enable.partition.eof kept on: the end of a range "
		    "is seen by it");
	return conf;
}

/* Find the topics (and their partitions) in the cluster's metadata. */
static void
discover(void)
{
	struct tide_kconsumer_err err;
	int r;

	r = tide_kparts_discover(&s.kp, s.kc.rk, o.parts.v, o.parts.n,
	    (int)o.md_timeout, &err);
	if (r == TIDE_EINTR)
		tide_die(tide_sig_exit_status(), "%s at '%s'", err.msg,
		    s.kc.kd.brokers);
	if (r == TIDE_EKAFKA)
		tide_die(TIDE_EX_UNAVAILABLE, "cannot reach brokers at '%s' "
		    "within %" PRId64 "ms: %s%s%s", s.kc.kd.brokers,
		    o.md_timeout, err.msg, s.kc.kd.lasterr[0] ? ": " : "",
		    s.kc.kd.lasterr);
	if (r == TIDE_EINVAL)
		tide_usage_error("%s", err.msg);
	if (r < 0)
		tide_die(TIDE_EX_UNAVAILABLE, "%s", err.msg);
}

/* --resume FILE: the offsets tide-window kept with its windows. */
static void
load_resume(void)
{
	int missing, errnum, r;

	r = tide_ckpt_offs_load(&s.resume, o.resume, &missing, &errnum);
	if (r == TIDE_EIO)
		tide_die(tide_exit_of(r), "cannot read '%s': %s", o.resume,
		    strerror(errnum));
	if (r < 0)
		tide_die(tide_exit_of(r), "--resume: '%s' is not a tide-window "
		    "state file, or a damaged one", o.resume);
	if (missing)
		tide_info("--resume: no '%s' yet: a first run", o.resume);
	else if (s.resume.n == 0)
		pwarn("--resume: '%s' holds no Kafka offsets (tide-window keeps "
		    "them for envelopes, tide-source -J): starting as if there "
		    "were no file", o.resume);
}

/* Start p where --resume says its records end: 0, or -1 with the reason
 * in why. */
static int
resume_part(struct tide_kpart *p, char *why, size_t n)
{
	int64_t at = tide_ckpt_offs_get(&s.resume, p->topic, p->partition);
	int r = tide_kparts_resume(p, at);

	if (r == TIDE_ERANGE)
		snprintf(why, n, "--resume: '%s' says '%s' [%" PRId32 "] was "
		    "read up to offset %" PRId64 ", past its end (%" PRId64
		    "): the state is not of this topic", o.resume, p->topic,
		    p->partition, at, p->high);
	else if (r == 1)
		pwarn("--resume: '%s' [%" PRId32 "] now starts at offset %"
		    PRId64 ": offsets %" PRId64 " to %" PRId64 " were deleted "
		    "before they were read", p->topic, p->partition, p->low, at,
		    p->low - 1);
	return r < 0 ? -1 : 0;
}

static void
resolve(void)
{
	struct tide_kconsumer_err err;
	struct tide_offspec from = o.from, to = o.to;
	char why[512];
	size_t i, j, base;
	int n;

	if (!o.have_o && !o.have_from)
		from.kind = TIDE_OFF_BEGINNING;
	if (!o.have_to)
		to.kind = o.exit_eof ? TIDE_OFF_END : TIDE_OFF_NONE;
	for (i = 0; i < s.kp.nnames; i++) {
		if ((n = tide_kparts_resolve(&s.kp, &s.kc, i, &from, &to,
		    (int)o.md_timeout, &base, &err)) < 0)
			tide_die(TIDE_EX_UNAVAILABLE, "%s: %s", s.kp.names[i],
			    err.msg);
		for (j = base; j < base + (size_t)n; j++) {
			struct tide_kpart *p = &s.kp.v[j];

			if (o.resume && resume_part(p, why, sizeof(why)) < 0)
				tide_die(TIDE_EX_DATAERR, "%s", why);
			if (o.dryrun) {
				tide_buf_reset(&s.ob);
				tide_kparts_range_json(p, &s.ob);
				check_write(tide_wout_add(&s.out, s.ob.data,
				    s.ob.len));
			}
		}
	}
}

static void
consume(void)
{
	rd_kafka_message_t *msgs[BATCH];
	struct tide_kconsumer_err err;
	int64_t lastrec = tide_mono_us() / 1000, now;
	ssize_t n, i;
	int wait;

	while (!tide_sig_stops() && !tide_kparts_all_done(&s.kp) &&
	    (o.count < 0 || (long long)s.nout < o.count)) {
		if (tide_sig_take_stats()) {
			print_stats();
		}
		n = tide_kconsumer_take(&s.kc, msgs, BATCH);
		if (n == 0) {
			/* Nothing ready: flush before waiting. */
			check_write(tide_kcommit_flush(&s.kcm, 1));
			now = tide_mono_us() / 1000;
			wait = POLL_MS;
			if (o.idle_ms >= 0) {
				if (now - lastrec >= o.idle_ms)
					break;
				if (lastrec + o.idle_ms - now < wait)
					wait = (int)(lastrec + o.idle_ms - now);
			}
			if (outage())
				wait = 0;	/* the probe has waited */
			/* One message, not a batch (tide_kconsumer_wait). */
			n = tide_kconsumer_wait(&s.kc, &msgs[0], wait, &err);
		}
		if (n < 0)
			tide_die(TIDE_EX_FAIL, "consume: %s", err.msg);
		tide_buf_reset(&s.ob);
		for (i = 0; i < n; i++) {
			if (o.count < 0 || (long long)s.nout < o.count)
				handle(msgs[i]);
			rd_kafka_message_destroy(msgs[i]);
		}
		if (s.ob.len) {
			lastrec = tide_mono_us() / 1000;
			check_write(tide_wout_add(&s.out, s.ob.data, s.ob.len));
			if (tide_kcommit_due(&s.kcm, lastrec, COMMIT_MS))
				check_write(tide_kcommit_flush(&s.kcm, 1));
		}
		check_write(tide_kcommit_tick(&s.kcm, tide_mono_us() / 1000));
		progress_tick();
	}
}

/* -L, --lag, --summary: the answer written. */
static void
answer(enum tide_kinspect_what what)
{
	tide_buf_reset(&s.ob);
	tide_kinspect_fmt(&s.ins, what, o.envelope, o.group, &s.ob);
	check_write(tide_wout_add(&s.out, s.ob.data, s.ob.len));
}

/* -L, --lag: the answer, or an error (that names the brokers). */
static int
inspect(void)
{
	struct tide_kinspect_err err;
	int r = o.list ? tide_kinspect_list(&s.ins, s.kc.rk, o.topics,
	    o.ntopics, (int)o.md_timeout, &err) : tide_kinspect_lag(&s.ins,
	    s.kc.rk, o.group, o.topics, o.ntopics, (int)o.md_timeout, &err);

	if (r < 0)
		tide_die(TIDE_EX_UNAVAILABLE, "%s", err.msg);
	if (r > 0)	/* --lag without -t: the group has none */
		tide_warn("%s", err.msg);
	answer(o.list ? TIDE_KINSPECT_LIST : TIDE_KINSPECT_LAG);
	tide_kconsumer_close(&s.kc, TIDE_KCONSUMER_DESTROY);
	return TIDE_EX_OK;
}

static int
run_kafka(void)
{
	struct tide_kconsumer_err err;
	struct tide_stage_err serr;
	struct tide_bad bad;
	rd_kafka_conf_t *conf = make_conf();
	int rc;

	if (o.dumpconf) {
		tide_kconf_dump(conf, stdout);
		rd_kafka_conf_destroy(conf);
		return fflush(stdout) ? TIDE_EX_IOERR : TIDE_EX_OK;
	}
	if (tide_kconsumer_open(&s.kc, conf, 0, &err) < 0)
		tide_die(TIDE_EX_USAGE, "%s", err.msg);
	if (o.list || o.lag)
		return inspect();
	s.bad = &bad;
	if (tide_bad_init(&bad, o.strict, o.dead) < 0)
		tide_die(TIDE_EX_IOERR, "%s: %s", o.dead, strerror(errno));
	tide_kparts_init(&s.kp, o.topics, o.ntopics, o.group != NULL,
	    o.exit_eof);
	s.kp.on_warn = on_warn;
	tide_kcommit_init(&s.kcm, &s.kp, s.kc.rk, &s.out, o.group != NULL);
	s.kcm.ack_ms = o.ack_ms;
	s.kcm.md_timeout_ms = (int)o.md_timeout;
	s.kcm.on_warn = on_warn;
	s.kcm.on_info = on_info;
	discover();
	if (o.group) {
		if (tide_kparts_subscribe(&s.kp, s.kc.rk, &err) < 0)
			tide_die(TIDE_EX_UNAVAILABLE, "subscribe: %s", err.msg);
		/* Where the group starts is not known: only -c bounds it. */
		if (o.count >= 0)
			s.rec_total = (uint64_t)o.count;
	} else {
		resolve();
		if (o.dryrun) {
			check_write(tide_wout_flush(&s.out));
			tide_kconsumer_close(&s.kc, TIDE_KCONSUMER_DESTROY);
			return TIDE_EX_OK;
		}
		if (tide_kparts_assign(&s.kp, s.kc.rk, &err) < 0)
			tide_die(TIDE_EX_UNAVAILABLE, "assign: %s", err.msg);
		/* What a bounded read expects to write: the sum of the
		 * ranges, or -c if fewer; 0 (no total) when one has no end. */
		s.rec_total = tide_kparts_total(&s.kp);
		for (size_t i = 0; o.summary && i < s.kp.n; i++)
			tide_kinspect_add(&s.ins, s.kp.v[i].topic,
			    s.kp.v[i].partition);
		if (o.count >= 0 && (s.rec_total == 0 ||
		    (uint64_t)o.count < s.rec_total))
			s.rec_total = (uint64_t)o.count;
	}
	if (tide_kcommit_start(&s.kcm, "tide-source", !o.commit_written,
	    o.barrier_ms, &serr) < 0)
		tide_info("no delivery channel (%s: %s): commits follow what "
		    "is written", serr.what ? serr.what : "?",
		    strerror(serr.errnum));
	consume();
	/* A time range that selected nothing says so (an empty output
	 * looks like success otherwise). */
	if ((o.have_from || o.have_to) && s.nout + s.nfiltered == 0 &&
	    !tide_sig_stops())
		tide_warn("--from/--to: no records in the range");
	check_write(tide_kcommit_finish(&s.kcm));
	if (o.summary)
		answer(TIDE_KINSPECT_SUMMARY);
	if (o.stats)
		print_stats();
	tide_kconsumer_close(&s.kc, o.group ? TIDE_KCONSUMER_LEAVE :
	    TIDE_KCONSUMER_DESTROY);
	if ((rc = tide_bad_finish(&bad)) != 0)
		return rc;
	return tide_bad_verdict(&bad, &o.maxbad, s.nin);
}

/* ---- Files ------------------------------------------------------------- */

/* Files are read through lib/filesrc (lib/recin: zstd sniffed by content,
 * stdin too).  Before a read that would block (a pipe gone quiet), output
 * is flushed: the idle hook. */
static int
file_idle(void *ctx)
{
	(void)ctx;
	check_write(tide_wout_flush(&s.out));
	return 0;
}

/* A record: written; 1 when -c is satisfied. */
static int
file_rec(void *ctx, const char *p, size_t n)
{
	s.nin++;
	tide_buf_reset(&s.ob);
	if (o.summary)
		tide_kinspect_count(&s.ins, ctx, -1, s.files.t);
	else if (o.pf.on) {
		(void)tide_printfmt_rec(&o.pf, p, n, &s.ob);
		check_write(tide_wout_add(&s.out, s.ob.data, s.ob.len));
	} else if (tide_proj_on(&o.proj)) {
		(void)tide_proj_rec(&o.proj, p, n, &s.ob);
		check_write(tide_wout_rec(&s.out, s.ob.data, s.ob.len));
	} else
		check_write(tide_wout_rec(&s.out, p, n));
	if ((++s.nout & 63) == 0)
		progress_tick();
	return o.count >= 0 && (long long)s.nout >= o.count;
}

/* A bad record: the bad-input policy's status (0: go on). */
static int
file_bad(void *ctx, uint64_t lineno, const char *raw, size_t n,
    const char *why)
{
	s.nin++;
	s.nbad++;
	tide_progress_clear(&s.pr);
	return tide_exit_of(tide_bad_record(s.bad, ctx, lineno, raw, n, "%s",
	    why));
}

/* The files in turn (lib/filesrc.h): 0, a status, or a code for main. */
static int
run_files(char **files, int nfiles)
{
	struct tide_path timep;
	struct tide_bad bad;
	int rc, r;

	s.bad = &bad;
	if (tide_bad_init(&bad, o.strict, o.dead) < 0)
		tide_die(TIDE_EX_IOERR, "%s: %s", o.dead, strerror(errno));
	tide_filesrc_init(&s.files, files, (size_t)nfiles, o.format, o.maxrec);
	/* --from/--to (and --summary) on files: by event time, record by
	 * record. */
	for (int i = 0; o.summary && i < nfiles; i++)
		tide_kinspect_add(&s.ins, files[i], -1);
	if (o.have_from || o.have_to || o.summary) {
		if (tide_path_parse(&timep, o.timef ? o.timef : "ts") < 0)
			tide_usage_error("--time: bad field path '%s'", o.timef);
		s.files.timepath = &timep;
		if (o.have_from)
			s.files.from = o.from_ms;
		if (o.have_to)
			s.files.to = o.to.v;
	}
	s.files.where = o.where ? &s.wx : NULL;
	s.files.idle = file_idle;
	s.files.on_warn = on_warn;
	if (s.files.total == 0 && o.count >= 0)
		s.rec_total = (uint64_t)o.count;
	/* -c satisfied, or a stop signal: an end like any other. */
	if ((rc = tide_filesrc_read(&s.files, file_rec, file_bad)) == 1 ||
	    rc == TIDE_EINTR)
		rc = 0;
	s.nin += s.files.filtered;	/* read, not bad, not written */
	if (o.summary && rc == 0)
		answer(TIDE_KINSPECT_SUMMARY);
	check_write(tide_wout_flush(&s.out));
	if ((r = tide_bad_finish(&bad)) != 0 && rc == 0)
		rc = r;
	if (s.files.timepath) {
		tide_path_release(&timep);
		if (s.nout == 0 && s.files.outside > 0)
			tide_warn("no records in the range: %" PRIu64 " outside "
			    "it", s.files.outside);
	}
	if (rc == 0)
		rc = tide_bad_verdict(&bad, &o.maxbad, s.nin);
	if (o.stats)
		print_stats();
	return rc;
}

/* ---- Options ----------------------------------------------------------- */

static int
opt_topic(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)opt;
	(void)err;
	if (*arg == '\0')
		tide_usage_error("-t: empty topic name");
	o.topics = tide_xreallocarray(o.topics, o.ntopics + 1,
	    sizeof(*o.topics));
	o.topics[o.ntopics++] = tide_xstrdup(arg);
	return 0;
}

static int
opt_offset(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (tide_offspec_parse(arg, opt->dest) < 0)
		tide_usage_error("-o: not an offset: '%s' (beginning, end, "
		    "stored, N or -N)", arg);
	return 0;
}

static int
opt_group(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (*arg == '\0')
		tide_usage_error("-G: empty group id");
	*(const char **)opt->dest = arg;
	return 0;
}

static int
opt_format(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (strcmp(arg, "ndjson") != 0 && strcmp(arg, "csv") != 0)
		tide_usage_error("--format: not ndjson or csv: '%s'", arg);
	*(const char **)opt->dest = arg;
	return 0;
}

static int
opt_commit(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (strcmp(arg, "acked") != 0 && strcmp(arg, "written") != 0)
		tide_usage_error("--commit: not acked or written: '%s'", arg);
	*(int *)opt->dest = strcmp(arg, "written") == 0;
	return 0;
}

/* What the command line gave, for lib/srcopt's rules. */
#define F(f, c)	((c) ? TIDE_SRCOPT_##f : 0u)
static uint32_t
given(int nfiles)
{
	enum tide_off_kind k = o.have_o ? o.from.kind : TIDE_OFF_NONE;

	return F(LIST, o.list) | F(LAG, o.lag) | F(SUMMARY, o.summary) |
	    F(PRINT, o.pf.on) | F(PROJ, tide_proj_on(&o.proj)) |
	    F(OFFSET, o.have_o) | F(OFFNAMED, k == TIDE_OFF_BEGINNING ||
	    k == TIDE_OFF_END || k == TIDE_OFF_STORED) |
	    F(OFFSTORED, k == TIDE_OFF_STORED) | F(FROM, o.have_from) |
	    F(TO, o.have_to) | F(BACKWARDS, o.have_from && o.have_to &&
	    o.to.v < o.from_ms) | F(EXIT, o.exit_eof) | F(PARTS, o.parts.n) |
	    F(DRYRUN, o.dryrun) | F(COUNT, o.count >= 0) |
	    F(RESUME, o.resume) | F(WHERE, o.where) | F(GROUP, o.group) |
	    F(TOPIC, o.ntopics) | F(FILES, nfiles > 0) |
	    F(ENVELOPE, o.envelope) | F(TIME, o.timef) |
	    F(DUMPCONF, o.dumpconf) | F(WIRE, tide_sropt_wire_given(&o.so,
	    &o.wo));
}
#undef F

int
main(int argc, char **argv)
{
	struct tide_kconf_err kerr;
	const char *why;
	uint32_t g;
	int c, nfiles;

	tide_prog_init_opts(&prog, opts);
	tide_kconf_init(&o.kc);
	o.count = -1;
	o.idle_ms = -1;
	o.md_timeout = 10000;
	o.barrier_ms = 1000;
	o.ack_ms = 30000;
	o.down_ms = -1;
	o.progress = -1;
	nfiles = argc - tide_opt_parse(argc, argv);
	o.have_o = tide_opt_given('o');
	o.have_from = tide_opt_given(OPT_FROM);
	o.have_to = tide_opt_given(OPT_TO);
	o.exit_eof |= o.summary && !o.have_to;	/* a summary ends */
	/* -o and --from both say where to start: an error below. */
	if (o.have_from) {
		o.from.kind = TIDE_OFF_TIME;
		o.from.v = o.from_ms;
	}
	if (o.have_to)
		o.to.kind = TIDE_OFF_TIME;
	/* A read that ends waits for lost brokers as long as for brokers at
	 * start; a live read rides out a restart. */
	if (o.down_ms < 0)
		o.down_ms = o.exit_eof || o.have_to ? o.md_timeout : 300000;
	tide_kconsumer_init(&s.kc, o.down_ms, o.md_timeout);
	s.kc.kd.on_fatal = on_fatal;
	if (o.maxrec == 0)
		o.maxrec = TIDE_MAX_RECORD;
	if (o.where)
		tide_arg_expr("--where", o.where, &s.wx);
	s.ko = (struct tide_kmsg_out){ .envelope = o.envelope,
	    .proj = &o.proj, .pf = &o.pf, .where = o.where ? &s.wx : NULL };
	/* Keys and values read as their formats say (lib/schema/wire). */
	if ((c = tide_sropt_wire(&s.wire, &o.so, &o.wo, nfiles == 0 &&
	    !o.list && !o.lag && !o.dumpconf, nfiles == 0)) < 0)
		tide_die(tide_sropt_wire_exit(c), "%s", s.wire.err);
	s.ko.wire = c ? &s.wire : NULL;
	s.watch = nfiles == 0 && tide_wire_watch(&s.wire);

	g = given(nfiles);
	if ((why = tide_srcopt_check(g, TIDE_SRCOPT_ALONE)))
		tide_usage_error("%s", why);
	tide_opt_print_alone(&o.pf, &o.proj, o.envelope);
	if ((why = tide_srcopt_check(g, TIDE_SRCOPT_INPUT)))
		tide_usage_error("%s", why);
	if (nfiles == 0) {
		/* A bad setting in the file is a usage error. */
		if ((c = tide_kconf_env(&o.kc, &kerr)) < 0)
			tide_die(tide_exit_of(c == TIDE_EINVAL ? TIDE_EX_USAGE :
			    c), "$TIDE_CONFIG: %s", kerr.msg);
		if (!tide_kconf_has_brokers(&o.kc) && !o.dumpconf)
			tide_usage_error("no brokers: use -b or set TIDE_BROKERS");
		if ((why = tide_srcopt_check(g, TIDE_SRCOPT_KAFKA)))
			tide_usage_error("%s", why);
		if (o.group && o.have_o && o.from.kind == TIDE_OFF_BEGINNING)
			tide_kconf_set(&o.kc, "auto.offset.reset=earliest", &kerr);
		else if (o.group && o.have_o && o.from.kind == TIDE_OFF_END)
			tide_kconf_set(&o.kc, "auto.offset.reset=latest", &kerr);
		if (o.resume)
			load_resume();
		if ((why = tide_srcopt_check(g, TIDE_SRCOPT_RANGE)))
			tide_usage_error("%s", why);
	}

	/* A stop signal (SIGINT, SIGTERM, SIGHUP) ends the reading: this
	 * program heads a pipeline (doc/DELIVERY.md); SIGUSR1 prints the
	 * counters.  -L and --lag read nothing: a signal just ends them. */
	if (!o.list && !o.lag)
		tide_sig_init(0);

	tide_wout_init(&s.out, 1);
	tide_buf_init(&s.ob, TIDE_BUF_NOMAX);
	s.t0 = tide_mono_us() / 1000;
	/* On its own, the line shows on a terminal for reads that end. */
	if (o.progress < 0 && (tide_verbose < 0 || !(nfiles > 0 ||
	    o.exit_eof || o.have_to || o.count >= 0)))
		o.progress = 0;
	if (o.dryrun || o.dumpconf)
		o.progress = 0;
	tide_progress_init(&s.pr, tide_progress_wanted(o.progress, 2) ? 2 : -1,
	    prog.name);
	c = nfiles > 0 ? run_files(argv + tide_opt_index(), nfiles) : run_kafka();
	c = tide_exit_of(c);
	check_write(tide_wout_flush(&s.out));
	tide_progress_clear(&s.pr);
	tide_wout_release(&s.out);
	tide_buf_release(&s.ob);
	tide_kcommit_release(&s.kcm);
	tide_kparts_release(&s.kp);
	tide_kmsg_out_release(&s.ko);
	tide_sropt_wire_release(&s.wire);
	tide_kconf_release(&o.kc);
	tide_ckpt_offs_free(&s.resume);
	tide_kinspect_release(&s.ins);
	tide_proj_release(&o.proj);
	tide_printfmt_release(&o.pf);
	if (o.where)
		tide_expr_release(&s.wx);
	return c;
}
