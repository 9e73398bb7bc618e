/*
 * tide-replay: the Kafka log, or its archive, in event-time order, paced
 * at the original speed, N times it, a fixed rate, or as fast as possible.
 *
 * Options -> the sources -> lib/replay's paced merge loop (its header says
 * the order, the runs flushed together and the loops).  Two tables of
 * operations feed it:
 *
 * Kafka (lib/kafka/kreplay.h): the partitions' --from/--to ranges are
 * resolved once at start, so a replay of a live topic ends; each
 * partition reads ahead into a bounded ring, and the merge waits for
 * every partition that is not finished to have a head, so two replays of
 * a range are byte-identical.  A partition whose next record does not
 * come within --down-timeout (by default --metadata-timeout) has lost its
 * brokers: exit 69 with a message, what was emitted flushed.
 *
 * Archives (lib/arcsrc.h over lib/arcin.h: tide-sink -o of -J envelopes,
 * or plain NDJSON with --time) are read twice: a first pass reports bad
 * lines, counts records and finds each file's partitions; the second
 * reads a file as one source when it is in merge order, else once per
 * partition.  An
 * input that gives its bytes once (stdin, a pipe, <(cmd)) is read in one
 * pass: one source, in the order it comes, with a warning at the first
 * record out of merge order.
 *
 * Output is flushed before the loop waits, before any blocking read and
 * at the end; the timer slack is lowered to 1 ns for a paced replay.
 */

#include <sys/prctl.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "arcin.h"
#include "arcsrc.h"
#include "bad.h"
#include "buf.h"
#include "err.h"
#include "exitcode.h"
#include "expr.h"
#include "json.h"
#include "kafka/kconf.h"
#include "kafka/kconsumer.h"
#include "kafka/kdown.h"
#include "kafka/kmsg.h"
#include "kafka/kopt.h"
#include "kafka/kreplay.h"
#include "kafka/offsets.h"
#include "merge.h"
#include "pace.h"
#include "printfmt.h"
#include "prog.h"
#include "proj.h"
#include "sig.h"
#include "progress.h"
#include "recin.h"
#include "replay.h"
#include "rio.h"
#include "schema/sropt.h"
#include "schema/wire.h"
#include "time.h"
#include "xalloc.h"

#define BATCH		1024
#define PACED_BATCH	32	/* the same, for a paced replay */
#define POLL_MS		100	/* longest wait: how soon a signal is seen */

enum {
	OPT_FROM = TIDE_OPT_LONG,
	OPT_TO,
	OPT_TIME,
	OPT_TIMEUNIT,
	OPT_SPEED,
	OPT_RATE,
	OPT_MAXGAP,
	OPT_LIMIT,
	OPT_DURATION,
	OPT_LOOP,
	OPT_SHIFT,
	OPT_DRYRUN,
	OPT_STATS,
	OPT_PROGRESS,
	OPT_NOPROGRESS,
	OPT_DOWNTIMEOUT,
	OPT_WHERE,
};

static struct {
	struct tide_kconf kc;
	const char *topic;
	struct tide_kopt_parts parts;	/* -p */
	int have_from, have_to;
	int64_t from, to;		/* ms */
	const char *timefield;
	struct tide_path timepath;
	enum tide_time_unit unit;
	int envelope, dryrun, stats, progress, strict, shift;
	const char *dead;
	struct tide_bad_max maxbad;
	double speed, rate;
	int have_speed;
	int64_t max_gap;
	long long limit;
	int64_t duration;		/* ms, < 0 none */
	long long loops;
	int64_t md_timeout;
	int64_t down_ms;		/* < 0: not given */
	size_t maxrec;
	char **files;
	int nfiles;
	struct tide_proj proj;		/* --keep, --drop */
	struct tide_printfmt pf;	/* --print */
	const char *where;	/* --where: its text, compiled in s.wx */
	struct tide_sropt so;	/* --schema-registry ... */
	struct tide_wire_opts wo;	/* --key-format, --value-format ... */
} o;

static tide_opt_cb opt_topic, opt_time, opt_speed, opt_rate;

static const struct tide_option opts[] = {
	TIDE_KOPTS_CONF(&o.kc),
	TIDE_OPT_CALLBACK('t', "topic", "topic", "topic to replay", opt_topic,
	    &o.topic),
	TIDE_OPT_CALLBACK('p', "partitions", "list", "partitions to replay, "
	    "e.g. 0,2,4-7 (default all)", tide_kopt_parts, &o.parts),
	TIDE_OPT_TIME(OPT_FROM, "from", "time", "start at the first record at "
	    "or after time", &o.from),
	TIDE_OPT_TIME(OPT_TO, "to", "time", "stop before the first record at "
	    "or after time", &o.to),
	TIDE_KOPT_MDTIMEOUT(&o.md_timeout),
	TIDE_OPT_DUR(OPT_DOWNTIMEOUT, "down-timeout", "duration", "give up "
	    "when a partition's next record does not come within duration "
	    "after start (default: the metadata timeout; 0 never)", &o.down_ms,
	    0, LLONG_MAX),
	TIDE_OPT_CALLBACK(OPT_TIME, "time", "field", "archives are plain NDJSON "
	    "with event time in field", opt_time, NULL),
	TIDE_OPT_CALLBACK(OPT_TIMEUNIT, "time-unit", "unit", "unit of epoch "
	    "numbers: s, ms, us, ns, auto", tide_opt_time_unit, &o.unit),
	TIDE_OPT_FLAG('J', "envelope", "write each record as the JSON envelope",
	    &o.envelope),
	TIDE_OPTS_PROJ(&o.proj),
	TIDE_OPT_PRINTFMT(&o.pf),
	TIDE_WIREOPTS(&o.wo),
	TIDE_SROPTS(&o.so),
	TIDE_OPT_CALLBACK(OPT_SPEED, "speed", "n|max", "n times the original "
	    "speed, or max (default 1)", opt_speed, &o.speed),
	TIDE_OPT_CALLBACK(OPT_RATE, "rate", "n/s", "n records per second, "
	    "whatever their times", opt_rate, &o.rate),
	TIDE_OPT_DUR(OPT_MAXGAP, "max-gap", "duration", "cap each silence "
	    "between records at duration", &o.max_gap, 0, LLONG_MAX),
	TIDE_OPT_INT(OPT_LIMIT, "limit", "n", "stop after n records", &o.limit,
	    0, LLONG_MAX),
	TIDE_OPT_DUR(OPT_DURATION, "duration", "duration", "stop after duration "
	    "of replay", &o.duration, 0, LLONG_MAX),
	TIDE_OPT_INT(OPT_LOOP, "loop", "n", "replay n times (0: until stopped)",
	    &o.loops, 0, LLONG_MAX),
	TIDE_OPT_FLAG(OPT_SHIFT, "shift-time", "move times forward by the span "
	    "on each loop", &o.shift),
	TIDE_OPT_FLAG(OPT_DRYRUN, "dry-run", "print the ranges and record "
	    "counts and exit", &o.dryrun),
	TIDE_OPT_FLAG(OPT_STATS, "stats", "print counters and lateness to "
	    "stderr at exit and on SIGUSR1", &o.stats),
	TIDE_OPT_SET(OPT_PROGRESS, "progress", "show a progress line on "
	    "stderr", &o.progress, 1),
	TIDE_OPT_SET(OPT_NOPROGRESS, "no-progress", "no progress line, even on "
	    "a terminal", &o.progress, 0),
	TIDE_OPT_STRING(OPT_WHERE, "where", "expr", "write only the records "
	    "for which expr is true (tide-expr(7))", &o.where),
	TIDE_OPTS_BADINPUT(&o.maxrec, &o.strict, &o.dead, &o.maxbad),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

static const struct tide_prog prog = {
	"tide-replay",
	"[-Jqv] " TIDE_KOPTS_SYNOPSIS " [-t topic [-p list]] [--from time] "
	    "[--to time] "
	    "[--speed n|max | --rate n/s] [--max-gap duration] [--limit n] "
	    "[--duration duration] [--loop n [--shift-time]] [--dry-run] "
	    "[--time field] [--where expr] " TIDE_WIREOPTS_SYNOPSIS " "
	    "[--keep list | --drop list | --print format] [file ...]",
	"Replay a Kafka topic's time range or its archives in event-time order, "
	    "paced.",
};

static struct {
	struct tide_kconsumer kc;	/* its kd: last error; the wait's clock */
	int kafka;			/* a topic is read (kc is open) */
	struct tide_kreplay kr;		/* the Kafka sources */
	struct tide_arcin_conf ac;	/* what the archive sources share */
	struct tide_arcsrcs as;		/* the archive sources */
	struct tide_replay rp;		/* the loop, its pacing, what it wrote */
	struct tide_wout out;
	struct tide_buf ob;
	struct tide_bad bad;
	uint64_t total;			/* records per loop, estimated */
	int64_t t0_us;
	struct tide_progress pr;
	struct tide_expr wx;		/* --where */
	int raw;			/* emit unshaped, for --where */
	struct tide_env_hdr *hdrs;	/* its metadata's headers */
	size_t hdrcap;
	int wire_on;			/* s.wire reads keys or values */
	struct tide_wire wire;		/* keys' and values' formats */
	int wire_r;			/* the last message did not decode */
	int watch;			/* values read as they are: look
					 * for the Confluent framing */
} s;


static void
print_stats(void)
{
	struct tide_buf b = TIDE_BUF_INIT;

	tide_progress_clear(&s.pr);
	tide_replay_stats(&s.rp, s.bad.count, (double)(tide_mono_us() -
	    s.t0_us) / 1e6, &b);
	fprintf(stderr, "%s: stats: %s\n", prog.name, tide_buf_cstr(&b));
	tide_buf_release(&b);
}

/*
 * The progress line (lib/progress.h): records out of those in the range
 * (times the loops, capped by --limit; no percentage when unknown), the
 * position in event time, and the lag of a paced replay.
 */
static void
progress_tick(void)
{
	struct tide_progress_stat st;
	char note[96], tsbuf[40];
	uint64_t total = s.total * (o.loops > 0 ? (uint64_t)o.loops : 0);
	size_t n;

	if (!tide_progress_due(&s.pr))
		return;
	if (!s.rp.scanned && !s.kafka)
		total = 0;
	if (o.limit >= 0 && (uint64_t)o.limit < total)
		total = (uint64_t)o.limit;
	tsbuf[tide_time_fmt(tsbuf, s.rp.cur_ts)] = '\0';
	n = (size_t)snprintf(note, sizeof(note), "at %s", tsbuf);
	if (tide_replay_paced(&s.rp) && n < sizeof(note))
		snprintf(note + n, sizeof(note) - n, ", lag %.1fms",
		    (double)s.rp.pace.last_late_us / 1000.0);
	memset(&st, 0, sizeof(st));
	st.unit = TIDE_PROGRESS_RECORDS;
	st.records = s.rp.nout;
	st.pos = s.rp.nout;
	st.total = total;
	st.note = note;
	tide_progress_draw(&s.pr, &st);
}

/* Output: a failed write ends the program; a closed pipe ends it quietly. */
static void
check_write(int r)
{
	if (r == 0)
		return;
	if (r == TIDE_EPIPE)
		exit(TIDE_EX_OK);
	tide_die(TIDE_EX_IOERR, "write error: %s", strerror(errno));
}

/* Flush, and count the lateness of the paced records it put out: a
 * record has gone out when it is written to stdout, not to the buffer. */
static void
flush_out(void)
{
	check_write(tide_replay_flush(&s.rp));
}

/* Exit with status and a message, what was emitted flushed first. */
__attribute__((noreturn, format(printf, 2, 3))) static void
die_flushed(int status, const char *fmt, ...)
{
	va_list ap;

	flush_out();
	tide_progress_clear(&s.pr);
	va_start(ap, fmt);
	tide_vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

/* ---- Kafka ------------------------------------------------------------- */

static void
on_fatal(void *ctx, const char *reason)
{
	(void)ctx;
	tide_warn("fatal: %s", reason);
}

static void
on_note(void *ctx, const char *msg)
{
	(void)ctx;
	tide_info("%s", msg);
}

/* Take what the consumer queue holds, waiting up to wait_ms (after a
 * flush, so nothing is held back while we wait). */
static void
pump(int wait_ms)
{
	struct tide_kconsumer_err err;
	rd_kafka_message_t *m;
	ssize_t n;

	/* Paced, a record may fall due while a batch is taken: small ones
	 * keep that wait short (1024 messages took over a millisecond). */
	n = tide_kreplay_take(&s.kr, tide_replay_paced(&s.rp) ? PACED_BATCH :
	    BATCH, &err);
	if (n == 0 && wait_ms > 0) {
		flush_out();
		if ((n = tide_kconsumer_wait(&s.kc, &m, wait_ms, &err)) < 0)
			die_flushed(TIDE_EX_FAIL, "consume: %s", err.msg);
		if (n > 0)
			n = tide_kreplay_route(&s.kr, m, &err);
	}
	if (n < 0)
		die_flushed(TIDE_EX_UNAVAILABLE, "%s", err.msg);
}

/*
 * Wait until p has a buffered head or is finished.  0, or -1 on a signal.
 * The wait returns as soon as a message arrives, so a slow partition costs
 * its fetch time, never a fixed poll interval.  The range was there when
 * it was resolved, so a partition that gives nothing for --down-timeout
 * (by default --metadata-timeout, the bound on the brokers at start) has
 * lost its brokers: what was emitted is flushed and the replay ends with
 * 69, naming what it waited for.  A shorter outage is ridden out, with a
 * note every --metadata-timeout when the bound is longer.
 */
static int
kafka_fill(struct tide_kreplay_part *p)
{
	char say[512];
	int64_t now, shown;

	if (!tide_kreplay_starved(p))
		return 0;
	tide_kdown_restart(&s.kc.kd, tide_mono_us() / 1000);
	while (tide_kreplay_starved(p)) {
		if (tide_sig_stops())
			return -1;
		now = tide_mono_us() / 1000;
		switch (tide_kreplay_outage(&s.kr, p, now, say, sizeof(say))) {
		case TIDE_KDOWN_GIVE_UP:
			if (o.stats)
				print_stats();
			die_flushed(TIDE_EX_UNAVAILABLE, "%s: giving up after %"
			    PRIu64 " records: %s", say, s.rp.nout,
			    s.kc.kd.lasterr[0] ? s.kc.kd.lasterr :
			    "no answer from the brokers");
		case TIDE_KDOWN_NOTE:
			tide_progress_clear(&s.pr);
			tide_warn("%s", say);
			break;
		default:
			break;
		}
		pump((int)tide_kdown_wait_ms(&s.kc.kd, now, POLL_MS));
	}
	tide_kdown_end(&s.kc.kd, tide_mono_us() / 1000, &shown);
	return 0;
}

/*
 * The consumer, every wanted partition of the topic in partition order (so
 * ties and --dry-run come out the same way whatever order the metadata
 * lists them in), and their ranges, resolved once (lib/kafka/kreplay).
 */
static void
kafka_setup(void)
{
	struct tide_kreplay_conf c = { &o.kc, "tide-replay", o.topic,
	    o.parts.v, o.parts.n, { TIDE_OFF_BEGINNING, 0 }, { TIDE_OFF_END, 0 },
	    o.down_ms, o.md_timeout, on_fatal, NULL };
	struct tide_kreplay_err err;
	int r;

	if (o.have_from)
		c.from = (struct tide_offspec){ TIDE_OFF_TIME, o.from };
	if (o.have_to)
		c.to = (struct tide_offspec){ TIDE_OFF_TIME, o.to };
	r = tide_kreplay_open(&s.kr, &s.kc, &c, &err);
	if (r < 0 && err.usage)
		tide_usage_error("%s", err.msg);
	if (s.kc.eof_forced)
		tide_warn("enable.partition.eof kept on: the end of a range "
		    "is seen by it");
	if (r < 0)
		tide_die(r == TIDE_EINTR ? tide_sig_exit_status() :
		    err.unavailable ? TIDE_EX_UNAVAILABLE : r ==
		    TIDE_EINVAL ? TIDE_EX_USAGE : TIDE_EX_FAIL, "%s", err.msg);
	s.kafka = 1;
	s.kr.on_note = on_note;
	s.total = s.kr.total;
}

/* Assign every partition with something to read at its start, and put
 * each in the merge once it has a head. */
static int
kafka_open(void *ctx, struct tide_merge *m)
{
	struct tide_kconsumer_err err;
	size_t i;

	(void)ctx;
	if (tide_kreplay_start(&s.kr, &err) < 0)
		die_flushed(TIDE_EX_UNAVAILABLE, "assign: %s", err.msg);
	for (i = 0; i < s.kr.n; i++) {
		if (kafka_fill(&s.kr.v[i]) < 0)
			return -1;
		if (s.kr.v[i].rlen) {
			tide_kreplay_key(&s.kr.v[i]);
			tide_merge_add(m, &s.kr.v[i].key, &s.kr.v[i]);
		}
	}
	return 0;
}

/* The emitted head of the top source is gone: its next one, or its end. */
static int
kafka_advance(void *ctx, void *src, struct tide_merge *m)
{
	struct tide_kreplay_part *p = src;

	(void)ctx;
	tide_kreplay_pop(&s.kr, p);
	if (kafka_fill(p) < 0)
		return -1;
	if (p->rlen) {
		tide_kreplay_key(p);
		tide_merge_advance(m, &p->key);
	} else
		tide_merge_drop(m);
	return 0;
}

static void
kafka_emit(void *ctx, void *src, struct tide_buf *b, int64_t shift)
{
	rd_kafka_message_t *m = tide_kreplay_head(src);
	size_t start = b->len;
	int32_t id;
	int r;

	(void)ctx;
	if (s.watch && (id = tide_wire_framed_id(m->payload, m->len))) {
		tide_progress_clear(&s.pr);
		tide_sropt_framed_note(o.topic, m->partition, m->offset, id);
		s.watch = 0;
	}
	if (o.pf.on && !s.raw)
		r = tide_kreplay_print(&s.kr, src, &o.pf, b, shift);
	else if ((r = tide_kreplay_emit(&s.kr, src, b, o.envelope,
	    shift)) == 0 && !s.raw)
		r = tide_proj_tail(&o.proj, b, start);
	if (r < 0 && s.kr.wire && s.wire.err[0] != '\0') {
		/* Not this record: emit_dec() says why. */
		b->len = start;
		s.wire_r = r;
	} else if (r < 0)
		die_flushed(TIDE_EX_FAIL, "partition %" PRId32 " offset %"
		    PRId64 ": %s", m->partition, m->offset, tide_strerror(r));
}

/* ---- archives (lib/arcsrc.h) ------------------------------------------- */

/* An archive's error (lib/arcsrc.h) worded, and the exit. */
__attribute__((noreturn)) static void
die_arcsrc(int r)
{
	const struct tide_arcsrc_err *e = &s.as.err;

	if (r == TIDE_ARCSRC_BADSTOP) {
		flush_out();
		exit(tide_exit_of(e->bad));
	}
	if (r == TIDE_EIO)
		die_flushed(TIDE_EX_IOERR, "%s: %s", e->path,
		    strerror(e->errnum));
	if (e->line == 0)
		die_flushed(TIDE_EX_DATAERR, "%s: %s", e->path,
		    tide_strerror(r));
	die_flushed(TIDE_EX_DATAERR, "%s: line %" PRIu64 ": %s", e->path,
	    e->line, tide_strerror(r));
}

static void
clear_progress(void *ctx)
{
	(void)ctx;
	tide_progress_clear(&s.pr);
}

static void
files_setup(void)
{
	int i, r;

	s.ac.timefield = o.timefield;
	s.ac.timepath = &o.timepath;
	s.ac.unit = o.unit;
	s.ac.maxrec = o.maxrec;
	s.ac.have_from = o.have_from;
	s.ac.have_to = o.have_to;
	s.ac.from = o.from;
	s.ac.to = o.to;
	tide_arcsrc_init(&s.as, &s.ac, &s.bad);
	s.as.on_report = clear_progress;
	s.rp.scanned = 1;
	for (i = 0; i < o.nfiles && !tide_sig_stops(); i++) {
		/* --dry-run reads each input once anyway. */
		if (o.dryrun || tide_arcin_rereadable(o.files[i])) {
			tide_buf_reset(&s.ob);
			r = tide_arcsrc_scan(&s.as, o.files[i], i,
			    o.dryrun ? &s.ob : NULL);
			if (r < 0 && r != TIDE_ARCSRC_STOPPED)
				die_arcsrc(r);
			if (r >= 0 && o.dryrun)
				check_write(tide_wout_add(&s.out, s.ob.data,
				    s.ob.len));
			if (r == 0)
				tide_info("%s: not in time order: read once "
				    "per partition", o.files[i]);
			continue;
		}
		/* One pass: one source, in the order it comes, bad lines
		 * reported as met. */
		s.rp.scanned = 0;
		if (o.loops != 1) {
			if (strcmp(o.files[i], "-") == 0)
				tide_usage_error("--loop: cannot read standard "
				    "input more than once");
			tide_usage_error("--loop: cannot read '%s' more than "
			    "once (not a regular file)", o.files[i]);
		}
		tide_arcsrc_add_once(&s.as, o.files[i], i);
	}
	s.total = s.as.total;
	if (s.total) {
		s.rp.first_ts = s.as.first_ts;
		s.rp.last_ts = s.as.last_ts;
	}
	if (o.dryrun) {
		tide_buf_reset(&s.ob);
		tide_buf_addf(&s.ob, "{\"records\":%" PRIu64 "}\n", s.total);
		check_write(tide_wout_add(&s.out, s.ob.data, s.ob.len));
	}
}

static int
files_open(void *ctx, struct tide_merge *m)
{
	int r;

	(void)ctx;
	if ((r = tide_arcsrc_open(&s.as, m)) < 0 && r != TIDE_ARCSRC_STOPPED)
		die_arcsrc(r);
	return r < 0 ? -1 : 0;
}

static void
files_close(void *ctx)
{
	(void)ctx;
	tide_arcsrc_close(&s.as);
}

static int
file_advance(void *ctx, void *src, struct tide_merge *m)
{
	struct tide_arcsrc *f = src;
	int r;

	(void)ctx;
	/* Paced records written are not held back while a slow input
	 * (a pipe) is read: they go out before a read that may block. */
	if (s.rp.npend && !tide_recin_buffered(&f->a.in))
		flush_out();
	if ((r = tide_arcsrc_advance(&s.as, f, m)) < 0 &&
	    r != TIDE_ARCSRC_STOPPED)
		die_arcsrc(r);
	if (r == TIDE_ARCSRC_UNORDERED) {
		tide_progress_clear(&s.pr);
		tide_warn("%s: line %" PRIu64 ": not in time order, and the "
		    "input cannot be read twice: records go out in the order "
		    "read", f->a.path, tide_arcin_lineno(&f->a));
	}
	return r < 0 ? -1 : 0;
}

static void
file_emit(void *ctx, void *src, struct tide_buf *b, int64_t shift)
{
	struct tide_arcsrc *f = src;
	size_t start = b->len;
	int r;

	(void)ctx;
	if (o.pf.on && !s.raw)
		r = tide_arcin_print(&f->a, &o.pf, b, shift);
	else if ((r = tide_arcin_emit(&f->a, b, o.envelope, shift)) == 0 &&
	    !s.raw)
		r = tide_proj_tail(&o.proj, b, start);
	if (r < 0)
		die_flushed(TIDE_EX_FAIL, "%s: line %" PRIu64 ": %s", f->a.path,
		    tide_arcin_lineno(&f->a), tide_strerror(r));
}

/* ---- the replay (lib/replay.h) ----------------------------------------- */

/* --where: a message decided on its metadata before it is made when the
 * filter names nothing else, or else on the record before --keep, --drop
 * or --print shape it (shaped output is made again once it is kept); a
 * regex that reached its match limit makes the record bad input. */
static int
emit_if(void *ctx, void *src, struct tide_buf *b, int64_t shift)
{
	rd_kafka_message_t *m = o.topic ? tide_kreplay_head(src) : NULL;
	struct tide_arcsrc *f = src;	/* when not m */
	size_t start = b->len;
	int r = 1;

	if (m && s.wx.meta_only)
		r = tide_kmsg_where(&s.wx, s.kr.wire, m, NULL, 0, &s.hdrs,
		    &s.hdrcap);
	s.raw = !(m && s.wx.meta_only) && (o.pf.on || tide_proj_on(&o.proj));
	if (r == 1)
		(m ? kafka_emit : file_emit)(ctx, src, b, shift);
	if (r == 1 && !(m && s.wx.meta_only) && s.wire_r == 0)
		r = m ? tide_kmsg_where(&s.wx, s.kr.wire, m, b->data + start,
		    b->len - start, &s.hdrs, &s.hdrcap) :
		    tide_expr_eval_rec(&s.wx, b->data + start, b->len - start,
		    NULL);
	if (r < 0 && r != TIDE_ERANGE) {
		/* The key does not decode: emit_dec() says why. */
		b->len = start;
		s.wire_r = r;
		return 0;
	}
	if (r == 1 && s.raw) {
		b->len = start;
		s.raw = 0;
		(m ? kafka_emit : file_emit)(ctx, src, b, shift);
	}
	s.raw = 0;
	if (r >= 0)
		return r;
	tide_progress_clear(&s.pr);
	if ((r = tide_bad_record(&s.bad, m ? o.topic : f->a.path,
	    m ? 0 : tide_arcin_lineno(&f->a), b->data, b->len,
	    "%s--where: regex %s reached its match limit",
	    m ? "a message: " : "", tide_expr_limit_regex(&s.wx))) != 0) {
		flush_out();
		exit(tide_exit_of(r));
	}
	return 0;
}

/* A message whose key or value does not decode (lib/schema/wire) is bad
 * input, left out as a filter's drop is; a registry that cannot be used
 * ends the replay (69). */
static int
emit_dec(void *ctx, void *src, struct tide_buf *b, int64_t shift)
{
	rd_kafka_message_t *m = tide_kreplay_head(src);
	size_t start = b->len;
	int r = 1;

	s.wire_r = 0;
	if (o.where)
		r = emit_if(ctx, src, b, shift);
	else
		kafka_emit(ctx, src, b, shift);
	if (s.wire_r == 0)
		return r;
	b->len = start;
	tide_progress_clear(&s.pr);
	if (!tide_wire_bad(s.wire_r))
		die_flushed(s.wire_r == TIDE_EINTR ? tide_sropt_exit(s.wire_r) :
		    TIDE_EX_UNAVAILABLE, "%s", s.wire.err);
	if ((r = tide_bad_message(&s.bad, o.topic, m->partition, m->offset,
	    m->payload, m->payload ? m->len : 0, "%s", s.wire.err)) != 0) {
		flush_out();
		exit(tide_exit_of(r));
	}
	return 0;
}

static void
kafka_close(void *ctx)
{
	(void)ctx;
	tide_kreplay_stop(&s.kr);
}

static const struct tide_merge_key *
kafka_key(const void *src)
{
	return &((const struct tide_kreplay_part *)src)->key;
}

/* After each record: the progress line, and the counters on SIGUSR1. */
static void
tick(void *ctx, const struct tide_replay *rp)
{
	(void)ctx;
	if (s.pr.fd >= 0 && ((rp->nout & 255) == 0 || tide_replay_paced(rp)))
		progress_tick();
	if (tide_sig_take_stats())
		print_stats();
}

static const struct tide_replay_ops kafka_ops = {
	kafka_open, kafka_key, kafka_emit, kafka_advance, kafka_close, tick,
};

static const struct tide_replay_ops files_ops = {
	files_open, tide_arcsrc_key, file_emit, file_advance, files_close, tick,
};

/* ---- options ----------------------------------------------------------- */

static int
opt_topic(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (tide_opt_given('t') > 1)
		tide_usage_error("-t: one topic at a time");
	if (*arg == '\0')
		tide_usage_error("-t: empty topic name");
	*(const char **)opt->dest = arg;
	return 0;
}

static int
opt_time(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)opt;
	(void)err;
	o.timefield = arg;
	if (tide_path_parse(&o.timepath, arg) < 0)
		tide_usage_error("--time: not a field path: '%s'", arg);
	return 0;
}


static int
opt_speed(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (strcmp(arg, "max") == 0)
		*(double *)opt->dest = 0;
	else
		*(double *)opt->dest = tide_arg_double("--speed", arg, 1e-6, 1e9);
	return 0;
}

/* n, n/s, n/m or n/h: records per second. */
static int
opt_rate(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	char buf[64];
	size_t n = strlen(arg);
	double per = 1;

	(void)err;
	if (n >= 2 && arg[n - 2] == '/' && n - 2 < sizeof(buf)) {
		switch (arg[n - 1]) {
		case 's': per = 1; break;
		case 'm': per = 60; break;
		case 'h': per = 3600; break;
		default: tide_usage_error("--rate: not a rate: '%s' (e.g. "
		    "100/s, 5/m)", arg);
		}
		memcpy(buf, arg, n - 2);
		buf[n - 2] = '\0';
		*(double *)opt->dest = tide_arg_double("--rate", buf, 1e-6,
		    1e9) / per;
	} else
		*(double *)opt->dest = tide_arg_double("--rate", arg, 1e-6, 1e9);
	return 0;
}

static void
parse_options(int argc, char **argv)
{
	struct tide_kconf_err kerr;
	int ix, have_rate;

	tide_kconf_init(&o.kc);
	o.speed = 1;
	o.max_gap = -1;
	o.limit = -1;
	o.duration = -1;
	o.loops = 1;
	o.md_timeout = 10000;
	o.down_ms = -1;
	o.progress = -1;
	ix = tide_opt_parse(argc, argv);
	o.have_from = tide_opt_given(OPT_FROM);
	o.have_to = tide_opt_given(OPT_TO);
	o.have_speed = tide_opt_given(OPT_SPEED);
	have_rate = tide_opt_given(OPT_RATE);
	o.files = argv + ix;
	o.nfiles = argc - ix;
	if (have_rate && o.have_speed)
		tide_usage_error("--rate and --speed exclude each other");
	if (have_rate)
		o.speed = 0;
	if (o.topic && o.nfiles)
		tide_usage_error("-t and archive files exclude each other");
	if (!o.topic && !o.nfiles)
		tide_usage_error("give -t topic or archive files");
	if (o.topic) {
		if (o.timefield)
			tide_usage_error("--time: only for archive files");
		if (tide_kconf_env(&o.kc, &kerr) < 0)
			tide_usage_error("%s", kerr.msg);
		if (!tide_kconf_has_brokers(&o.kc))
			tide_usage_error("-b: no brokers (give -b or set "
			    "TIDE_BROKERS)");
	} else if (o.parts.n)
		tide_usage_error("-p: only with -t");
	else if (tide_sropt_wire_given(&o.so, &o.wo))
		tide_usage_error("--schema-registry, --key-format, "
		    "--value-format, --avro-json, --decimal-format and "
		    "--proto-*: only with -t");
	if (o.envelope && o.timefield)
		tide_usage_error("-J: plain archives (--time) have no envelope");
	tide_opt_print_alone(&o.pf, &o.proj, o.envelope);
	if (o.have_from && o.have_to && o.to < o.from)
		tide_usage_error("--to is before --from");
	if (o.progress < 0 && tide_verbose < 0)
		o.progress = 0;
	/* A replay always ends, so it waits for brokers lost on the way no
	 * longer than for brokers at start (tide-source's bounded reads do
	 * the same). */
	if (o.down_ms < 0)
		o.down_ms = o.md_timeout;
	/* Keys and values read as their formats say: Kafka only. */
	if ((s.wire_on = tide_sropt_wire(&s.wire, &o.so, &o.wo, o.topic &&
	    !o.dryrun, o.topic != NULL)) < 0)
		tide_die(tide_sropt_wire_exit(s.wire_on), "%s", s.wire.err);
	s.watch = o.topic != NULL && tide_wire_watch(&s.wire);
}

int
main(int argc, char **argv)
{
	int r;

	tide_prog_init_opts(&prog, opts);
	parse_options(argc, argv);
	/* A stop signal (SIGINT, SIGTERM, SIGHUP) ends the reading: this
	 * program heads a pipeline (doc/DELIVERY.md); SIGUSR1 prints the
	 * counters. */
	tide_sig_init(0);

	tide_wout_init(&s.out, 1);
	tide_buf_init(&s.ob, TIDE_BUF_NOMAX);
	if (tide_bad_init(&s.bad, o.strict, o.dead) < 0)
		tide_die(TIDE_EX_IOERR, "%s: %s", o.dead, strerror(errno));
	tide_replay_init(&s.rp, o.topic ? &kafka_ops : &files_ops, NULL,
	    &s.out, o.speed, o.rate, o.max_gap);
	s.rp.limit = o.limit;
	s.rp.duration_ms = o.duration;
	s.rp.loops = o.loops;
	s.rp.shift_on = o.shift;
	s.rp.have_range = o.have_from && o.have_to;
	s.rp.range_ms = o.to - o.from;
	s.rp.no_newline = o.pf.on;
	if (o.where) {
		tide_arg_expr("--where", o.where, &s.wx);
		s.rp.emit_if = emit_if;
	}
	if (o.topic && s.wire_on)
		s.rp.emit_if = emit_dec;
#ifdef PR_SET_TIMERSLACK
	/* The kernel may end a sleep up to the timer slack late (50 us by
	 * default) to batch wake-ups; a paced replay wants its due times. */
	if (tide_replay_paced(&s.rp))
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
	s.t0_us = tide_mono_us();
	tide_progress_init(&s.pr, !o.dryrun && tide_progress_wanted(o.progress,
	    2) ? 2 : -1, prog.name);

	if (o.topic) {
		kafka_setup();
		if (s.rp.emit_if == emit_dec)
			s.kr.wire = &s.wire;
		if (o.dryrun) {
			tide_kreplay_dryrun_json(&s.kr, &s.ob);
			check_write(tide_wout_add(&s.out, s.ob.data,
			    s.ob.len));
		}
	} else
		files_setup();
	if (o.dryrun) {
		flush_out();
		if ((r = tide_bad_finish(&s.bad)) == 0)
			r = tide_bad_verdict(&s.bad, &o.maxbad, (o.topic ?
			    s.rp.nout : s.as.ngood) + s.bad.count);
		return tide_exit_of(r);
	}
	/* A write error ends the program; a stop ends the replay. */
	if (!tide_sig_stops() && (r = tide_replay_run(&s.rp)) < 0)
		check_write(r);
	flush_out();
	tide_progress_clear(&s.pr);
	if (s.rp.nout == 0 && s.rp.filtered == 0 && !tide_sig_stops())
		tide_warn("no records in the range");
	if (o.stats)
		print_stats();
	/* Nothing to commit and no group joined: no close handshake with
	 * brokers that may be gone. */
	tide_kreplay_release(&s.kr);
	tide_sropt_wire_release(&s.wire);
	tide_arcsrc_release(&s.as);
	if (o.where)
		tide_expr_release(&s.wx);
	free(s.hdrs);
	tide_kconsumer_close(&s.kc, TIDE_KCONSUMER_ABANDON);
	if ((r = tide_bad_finish(&s.bad)) == 0)
		r = tide_bad_verdict(&s.bad, &o.maxbad, (o.topic ?
		    s.rp.nout : s.as.ngood) + s.bad.count);
	tide_replay_release(&s.rp);
	tide_wout_release(&s.out);
	tide_buf_release(&s.ob);
	tide_proj_release(&o.proj);
	tide_printfmt_release(&o.pf);
	return tide_exit_of(r);
}
