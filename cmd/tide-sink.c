/*
 * tide-sink: NDJSON records out to a Kafka topic or to files, with nothing
 * lost.  Kafka: an idempotent producer with acks=all; at exit every
 * delivery is waited for, and a record that cannot be delivered goes to the
 * dead-letter file (exit 75); brokers that stay away longer than
 * --down-timeout end the run the same way (lib/kdown.c keeps the clock).
 * Files: lib/fileout.c (strftime names, rotation, zstd, .part then
 * rename).  Materialized views: lib/sqlview.c and lib/redisview.c keep
 * the latest record per key in SQLite or Redis.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bad.h"
#include "buf.h"
#include "envelope.h"
#include "err.h"
#include "exitcode.h"
#include "fileout.h"
#include "json.h"
#include "kconf.h"
#include "kdown.h"
#include "producer.h"
#include "prog.h"
#include "progress.h"
#include "rio.h"
#include "time.h"
#include "xalloc.h"
#include "view/view.h"

enum {
	OPT_TIMESTAMP = TIDE_OPT_LONG,
	OPT_KEEPPART,
	OPT_DEADLETTER,
	OPT_TEE,
	OPT_FORMAT,
	OPT_TIME,
	OPT_TIMEUNIT,
	OPT_LEVEL,
	OPT_ROTATE,
	OPT_STRICT,
	OPT_MAXREC,
	OPT_CONNTIMEOUT,
	OPT_DOWNTIMEOUT,
	OPT_STATS,
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
};

static const struct tide_opt opts[] = {
	TIDE_KCONF_OPTS,
	{ 't', "topic", "topic", "produce to this Kafka topic" },
	{ 'k', "key", "field", "message key from this field" },
	{ 'p', "partition", "n|field", "partition number, or the field holding it" },
	{ 'H', "header", "name=value", "add a header to every message (repeatable)" },
	{ OPT_TIMESTAMP, "timestamp", "field", "message timestamp from this field" },
	{ 'z', "compression", "codec", "compress batches: zstd, lz4, gzip, snappy, none" },
	{ 'J', "envelope", NULL, "records are tide-source -J envelopes: produce them back" },
	{ OPT_KEEPPART, "keep-partition", NULL, "with -J, produce to the envelope's partition" },
	{ OPT_DEADLETTER, "dead-letter", "file", "keep bad and undeliverable records in file" },
	{ OPT_TEE, "tee", NULL, "write each record to stdout once delivered" },
	{ OPT_CONNTIMEOUT, "connect-timeout", "duration", "give up when brokers do not answer (default 10s)" },
	{ OPT_DOWNTIMEOUT, "down-timeout", "duration", "give up when brokers stay unreachable for duration after start (default 5m, 0 never)" },
	{ 'o', "output", "path", "write to files named by path (strftime), or - for stdout" },
	{ OPT_FORMAT, "format", "ndjson|csv", "file format (default ndjson)" },
	{ OPT_TIME, "time", "field", "name files by this event-time field, not the wall clock" },
	{ OPT_TIMEUNIT, "time-unit", "unit", "unit of epoch numbers: s, ms, us, ns, auto" },
	{ OPT_LEVEL, "level", "n", "zstd compression level for .zst files (default 3)" },
	{ OPT_ROTATE, "rotate", "size|duration", "start a new file after size bytes or each duration" },
	{ OPT_SQLITE, "sqlite", "file", "upsert into a view in this SQLite database" },
	{ OPT_TABLE, "table", "name", "the view's table (with --sqlite)" },
	{ OPT_REDIS, "redis", "url", "upsert into a view in Redis (redis://host:port[/db])" },
	{ OPT_UPSERT, "upsert", "field[,field]", "the view's key fields" },
	{ OPT_COLUMNS, "columns", "field[,field]", "the table's columns (default: the first record's fields)" },
	{ OPT_BATCH, "batch", "n", "records per view batch (default: sqlite 10000, redis 32)" },
	{ OPT_BATCHTIME, "batch-time", "duration", "commit a view batch at least this often" },
	{ OPT_TTL, "ttl", "duration", "expire view rows (SQLite: by --time event time; Redis: keys)" },
	{ OPT_HISTORY, "history", NULL, "keep every version by --time in the SQLite view" },
	{ OPT_PREFIX, "prefix", "string", "Redis key prefix" },
	{ OPT_ASJSON, "as-json", NULL, "store each Redis record as a JSON string, not a hash" },
	{ OPT_STRICT, "strict", NULL, "exit 65 at the first bad record" },
	{ OPT_MAXREC, "max-record", "size", "longest accepted line (default 16M)" },
	{ OPT_STATS, "stats", NULL, "print counters to stderr at exit and on SIGUSR1" },
	{ OPT_PROGRESS, "progress", NULL, "show a progress line on stderr" },
	{ OPT_NOPROGRESS, "no-progress", NULL, "no progress line, even on a terminal" },
	{ 'q', "quiet", NULL, "no warnings" },
	{ 'v', "verbose", NULL, "more detail (repeatable)" },
	{ 0, NULL, NULL, NULL },
};

static const struct tide_prog prog = {
	"tide-sink",
	"[-Jqv] " TIDE_KCONF_SYNOPSIS " "
	    "(-t topic [-k field] [-p n|field] [-H name=value] [-z codec] | "
	    "-o path [--format ndjson|csv] [--rotate size|duration] | "
	    "--sqlite file --table name --upsert field[,field] | "
	    "--redis url --upsert field[,field]) "
	    "[--dead-letter file] [--strict]",
	"Write NDJSON records to a Kafka topic, to files or to a materialized "
	    "view, losing none.",
	opts,
};

#define MAXHDR 64

/* The progress line: file output on a terminal, or --progress. */
static struct tide_progress pr;

static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t stats_sig;

struct sink;

/*
 * A back end: where records go (curl's protocol handlers are the model).
 * One is chosen at start; the main loop knows no other.  put() takes one
 * validated record and returns nonzero, with *status, when the program
 * must stop.  idle() runs before the loop blocks on input; a failure it
 * has reported sets s->fail_status.  quiet() runs when no input came for
 * s->timeout ms: nonzero to stop.  finish() delivers or commits what is
 * pending at the end and returns the exit status.
 */
struct backend {
	int (*put)(struct sink *s, uint64_t lineno, const char *line,
	    size_t len, enum tide_json_type type, int *status);
	int (*idle)(struct sink *s);
	int (*quiet)(struct sink *s, int *status);
	int (*finish)(struct sink *s, int status);
	void (*stats)(struct sink *s, double secs);
	void (*progress)(struct sink *s, struct tide_progress_stat *st);
	void (*close)(struct sink *s);
};

struct sink {
	const struct backend *be;
	/* configuration */
	const char *topic;
	char *source;			/* "kafka:TOPIC", for dead letters */
	const char *output;
	const char *sqlite, *redis;	/* a view */
	const char *deadpath;
	int envelope;
	int keep_partition;
	int tee;
	int stats;
	int timeout;			/* ms the loop waits for input, -1 */
	int32_t partition;		/* fixed partition, or UA */
	struct tide_path keypath, partpath, tspath, timepath;
	int has_key, has_part, has_ts, has_time;
	enum tide_time_unit unit;
	struct tide_env_hdr hdrs[MAXHDR];	/* -H */
	size_t nhdrs;
	/* state */
	struct tide_bad bad;
	int fail_status;		/* idle() failed: exit with this */
	struct tide_producer prod;
	struct tide_kdown kd;		/* the outage clock, the last error */
	int gave_up;			/* --down-timeout ran out */
	char whybuf[600];		/* a dead letter's error after that */
	uint64_t polls;
	struct tide_fileout fo;
	struct tide_wout tee_out;
	int tee_dead;			/* stdout went away */
	struct tide_env_dec dec;
	struct tide_buf keybuf;		/* unescaped key */
	struct tide_buf dlbuf;		/* dead-letter / envelope lines */
	struct tide_env_hdr *allhdrs;	/* envelope headers + -H */
	size_t allcap;
	struct tide_env_hdr *rhdrs;	/* headers of a delivery report */
	size_t rcap;
	/* a materialized view */
	const char *vpath;		/* FILE, or "--redis", in messages */
	char *vopt;			/* "--sqlite 'FILE'" or "--redis" */
	struct tide_view view;
	uint64_t in, out, undelivered, dlshown;
	int64_t t0;
	int dlerr;			/* the dead-letter file failed */
};

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_sig = 1;
	else
		stop_sig++;
}

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

static void
print_stats(struct sink *s)
{
	double secs = (double)(tide_mono_us() - s->t0) / 1e6;

	tide_progress_clear(&pr);
	s->be->stats(s, secs);
}

static void
progress_tick(struct sink *s)
{
	struct tide_progress_stat st;

	if (!tide_progress_due(&pr))
		return;
	memset(&st, 0, sizeof(st));
	s->be->progress(s, &st);
	tide_progress_draw(&pr, &st);
}

/* The idle hook: before blocking on input, serve delivery reports and
 * flush whatever output is waiting, so nothing is held back. */
static int
idle(void *ctx)
{
	struct sink *s = ctx;

	return s->be->idle(s);
}

/* Report a bad record; returns nonzero to stop (exit status in *status). */
static int
bad(struct sink *s, uint64_t lineno, const char *line, size_t len,
    int *status, const char *fmt, const char *arg)
{
	int r;

	tide_progress_clear(&pr);
	r = tide_bad_record(&s->bad, "-", lineno, line, len, fmt, arg);

	if (r) {
		*status = r;
		return 1;
	}
	return 0;
}

static void
progress_in(struct sink *s, struct tide_progress_stat *st)
{
	st->records = s->in;
}

/* --- Kafka ------------------------------------------------------------ */

/* Rebuild the envelope of a produced message (for --tee and dead letters
 * under -J: the input line itself is not kept, to avoid a copy per
 * record). */
static void
message_envelope(struct sink *s, const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *h = NULL;
	rd_kafka_timestamp_type_t tstype;
	struct tide_env e;
	const char *name;
	const void *val;
	size_t size, i, n = 0;

	memset(&e, 0, sizeof(e));
	e.topic = s->topic;
	e.topiclen = strlen(s->topic);
	e.partition = m->partition;
	e.offset = m->offset;
	e.ts = rd_kafka_message_timestamp(m, &tstype);
	e.ts_type = tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME ? TIDE_ENV_TS_CREATE :
	    tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? TIDE_ENV_TS_LOG_APPEND :
	    TIDE_ENV_TS_NONE;
	e.key = m->key;
	e.keylen = m->key_len;
	e.value = m->payload;
	e.len = m->len;
	if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		while (rd_kafka_header_get_all(h, n, &name, &val, &size) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR)
			n++;
		if (n > s->rcap) {
			s->rcap = n;
			s->rhdrs = tide_xreallocarray(s->rhdrs, n, sizeof(*s->rhdrs));
		}
		for (i = 0; i < n; i++) {
			rd_kafka_header_get_all(h, i, &name, &val, &size);
			s->rhdrs[i].name = name;
			s->rhdrs[i].namelen = strlen(name);
			s->rhdrs[i].value = val;
			s->rhdrs[i].len = val ? size : 0;
		}
	}
	e.hdrs = s->rhdrs;
	e.nhdrs = n;
	tide_env_encode(&s->dlbuf, &e);
}

static void
dead_letter(struct sink *s, const rd_kafka_message_t *m)
{
	uint64_t lineno = (uint64_t)(uintptr_t)m->_private;
	const char *err = rd_kafka_err2str(m->err);
	char d[32];
	struct tide_buf *b = &s->dlbuf;
	struct tide_jobj o;
	FILE *fp = s->bad.dead ? s->bad.dead : stderr;

	s->undelivered++;
	if (s->gave_up) {
		/* Purged, or refused by a queue full since: say why. */
		tide_dur_fmt(d, s->kd.bound);
		snprintf(s->whybuf, sizeof(s->whybuf), "brokers unreachable "
		    "(--down-timeout %s): %s", d, err);
		err = s->whybuf;
	}
	if (s->dlshown++ < TIDE_BAD_SHOWN)
		pwarn("line %llu: not delivered to '%s': %s",
		    (unsigned long long)lineno, s->topic, err);
	tide_buf_reset(b);
	tide_jobj_begin(&o, b);
	tide_jobj_key(&o, "source", 6);
	tide_json_write_str(b, s->source, strlen(s->source));
	tide_jobj_key(&o, "line", 4);
	tide_json_write_int(b, (int64_t)lineno);
	tide_jobj_key(&o, "error", 5);
	tide_json_write_str(b, err, strlen(err));
	tide_jobj_key(&o, "raw", 3);
	if (s->envelope) {
		/* The envelope goes in as a string: "raw" holds the input line
		 * as text, as for bad input. */
		size_t at = b->len;
		size_t n;
		char *copy;

		message_envelope(s, m);
		n = b->len - at;
		copy = tide_xmemdup(b->data + at, n);
		b->len = at;
		tide_json_write_str(b, copy, n);
		free(copy);
	} else
		tide_json_write_str(b, m->payload, m->len);
	tide_jobj_end(&o);
	tide_buf_addc(b, '\n');
	if (fwrite(b->data, 1, b->len, fp) != b->len)
		s->dlerr = 1;
}

static void
say_back(struct sink *s, int64_t len)
{
	char d[32];

	tide_dur_fmt(d, len);
	pwarn("brokers %s reachable again after %s", s->kd.brokers, d);
}

/*
 * All brokers unreachable after start: librdkafka says so once
 * (_ALL_BROKERS_DOWN, fed to the clock by on_error), then retries and
 * holds the records until message.timeout.ms, without a word.  As in
 * tide-source, the wait is bounded by --down-timeout, with a note every
 * --connect-timeout.  The outage is over when a record is delivered, or,
 * with probe (input is quiet: nothing may come to say so), when the
 * brokers answer a metadata request, which may take a second.  Giving up
 * stops the reading; what is not delivered is then purged and
 * dead-lettered, as a failed delivery is.  Returns 1 once given up.
 */
static int
outage(struct sink *s, int probe)
{
	int64_t len;
	char d[32], b[32], note[512];

	if (s->gave_up)
		return 1;
	if (!tide_kdown_is_down(&s->kd))
		return 0;
	switch (probe ? tide_kdown_poll(&s->kd, s->prod.rk, &len) :
	    tide_kdown_check(&s->kd, tide_mono_us() / 1000, &len)) {
	case TIDE_KDOWN_UP:
	case TIDE_KDOWN_WAIT:
		return 0;
	case TIDE_KDOWN_BACK:
		say_back(s, len);
		return 0;
	case TIDE_KDOWN_NOTE:
		tide_kdown_say_down(&s->kd, len, note, sizeof(note));
		pwarn("%s", note);
		return 0;
	case TIDE_KDOWN_GIVE_UP:
		break;
	}
	s->gave_up = 1;
	tide_dur_fmt(d, len);
	tide_dur_fmt(b, s->kd.bound);
	pwarn("brokers %s unreachable for %s (--down-timeout %s): giving up "
	    "after %llu records read, %llu delivered%s%s", s->kd.brokers, d, b,
	    (unsigned long long)s->in, (unsigned long long)s->prod.delivered,
	    s->kd.lasterr[0] ? ": " : "", s->kd.lasterr);
	return 1;
}

/* send() waits for room in a full queue: as long as the brokers may come
 * back. */
static int
on_full(void *ctx)
{
	return outage(ctx, 0);
}

static void
on_delivery(void *ctx, const rd_kafka_message_t *m)
{
	struct sink *s = ctx;
	int64_t len;

	if (m->err) {
		dead_letter(s, m);
		return;
	}
	/* A broker has taken it: whatever outage there was is over.  (The
	 * clock is read only in one: this runs once per record.) */
	if (tide_kdown_is_down(&s->kd) &&
	    tide_kdown_end(&s->kd, tide_mono_us() / 1000, &len))
		say_back(s, len);
	s->out++;
	if (!s->tee || s->tee_dead)
		return;
	if (s->envelope) {
		tide_buf_reset(&s->dlbuf);
		message_envelope(s, m);
		tide_wout_rec(&s->tee_out, s->dlbuf.data, s->dlbuf.len);
	} else
		tide_wout_rec(&s->tee_out, m->payload, m->len);
	if (s->tee_out.err)
		s->tee_dead = 1;
}

static void
on_error(void *ctx, int err, const char *reason)
{
	struct sink *s = ctx;

	/* The last error for messages; _ALL_BROKERS_DOWN starts the
	 * outage clock. */
	tide_kdown_error(&s->kd, err, reason);
	/* Transport errors come and go while librdkafka retries; they only
	 * matter to the user if records end up undelivered, which is
	 * reported per record.  Fatal ones are always shown. */
	if (err == RD_KAFKA_RESP_ERR__FATAL || rd_kafka_err2name(err) == NULL)
		pwarn("kafka: %s", reason);
	else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		tide_info("kafka: %s", reason);
	else
		tide_info("kafka: %s: %s", rd_kafka_err2name(err), reason);
}

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

/*
 * Produce one validated record.  Returns 0, or nonzero with *status set
 * when the program must stop.
 */
static int
produce(struct sink *s, uint64_t lineno, const char *line, size_t len,
    enum tide_json_type type, int *status)
{
	struct tide_msg m;
	struct tide_json_val v;
	rd_kafka_resp_err_t kerr;
	int64_t i64;
	size_t i, n;

	memset(&m, 0, sizeof(m));
	m.partition = s->partition;
	m.opaque = (void *)(uintptr_t)lineno;
	if (s->envelope) {
		const struct tide_env *e = &s->dec.env;

		if (tide_env_decode(&s->dec, line, len) < 0)
			return bad(s, lineno, line, len, status,
			    "not an envelope: %s", s->dec.reason);
		m.key = e->key;
		m.keylen = e->keylen;
		m.value = e->value;
		m.len = e->len;
		if (e->ts_type != TIDE_ENV_TS_NONE)
			m.ts = e->ts;
		if (s->keep_partition && e->partition >= 0)
			m.partition = e->partition;
		n = e->nhdrs + s->nhdrs;
		if (n > s->allcap) {
			s->allcap = n * 2;
			s->allhdrs = tide_xreallocarray(s->allhdrs, s->allcap,
			    sizeof(*s->allhdrs));
		}
		for (i = 0; i < e->nhdrs; i++)
			s->allhdrs[i] = e->hdrs[i];
		for (i = 0; i < s->nhdrs; i++)
			s->allhdrs[e->nhdrs + i] = s->hdrs[i];
		m.hdrs = s->allhdrs;
		m.nhdrs = n;
	} else {
		m.value = line;
		m.len = len;
		m.hdrs = s->hdrs;
		m.nhdrs = s->nhdrs;
		if ((s->has_key || s->has_part || s->has_ts) &&
		    type != TIDE_JSON_OBJECT)
			return bad(s, lineno, line, len, status, "%s",
			    "not a JSON object");
		if (s->has_key) {
			if (!tide_json_get(line, len, &s->keypath, &v))
				return bad(s, lineno, line, len, status,
				    "no key field '%s'", s->keypath.text);
			if (v.type == TIDE_JSON_STRING) {
				if (memchr(v.p, '\\', v.len) == NULL) {
					/* No escapes: the key is the bytes
					 * between the quotes, no copy. */
					m.key = v.p + 1;
					m.keylen = v.len - 2;
				} else {
					tide_buf_reset(&s->keybuf);
					tide_json_str(&v, &s->keybuf);
					m.key = s->keybuf.data ? s->keybuf.data : "";
					m.keylen = s->keybuf.len;
				}
			} else if (v.type != TIDE_JSON_NULL) {
				m.key = v.p;
				m.keylen = v.len;
			}
		}
		if (s->has_part) {
			if (!tide_json_get(line, len, &s->partpath, &v))
				return bad(s, lineno, line, len, status,
				    "no partition field '%s'", s->partpath.text);
			if (tide_json_int64(&v, &i64) < 0 || i64 < 0 ||
			    i64 >= s->prod.npart)
				return bad(s, lineno, line, len, status,
				    "field '%s' is not a partition of the topic",
				    s->partpath.text);
			m.partition = (int32_t)i64;
		}
		if (s->has_ts) {
			if (!tide_json_get(line, len, &s->tspath, &v))
				return bad(s, lineno, line, len, status,
				    "no timestamp field '%s'", s->tspath.text);
			if (tide_time_from_json(&v, s->unit, &i64) < 0 ||
			    i64 <= 0)
				return bad(s, lineno, line, len, status,
				    "field '%s' is not a time", s->tspath.text);
			m.ts = i64;
		}
	}
	if (tide_producer_send(&s->prod, &m, &kerr) < 0) {
		/* Refused at once (e.g. no such partition, too large): the
		 * record is undeliverable; dead-letter it like a failed
		 * delivery. */
		rd_kafka_message_t fake;

		memset(&fake, 0, sizeof(fake));
		fake.err = kerr;
		fake.partition = m.partition;
		fake.offset = -1;
		fake.payload = (void *)(s->envelope ? m.value : line);
		fake.len = s->envelope ? m.len : len;
		fake.key = (void *)m.key;
		fake.key_len = m.keylen;
		fake._private = m.opaque;
		if (s->envelope) {
			/* No librdkafka message to rebuild from: keep the
			 * line itself. */
			s->envelope = 0;
			fake.payload = (void *)line;
			fake.len = len;
			dead_letter(s, &fake);
			s->envelope = 1;
		} else
			dead_letter(s, &fake);
		if (s->prod.fatal || s->gave_up) {
			*status = TIDE_EX_TEMPFAIL;
			return 1;
		}
	}
	return 0;
}

static int
kafka_put(struct sink *s, uint64_t lineno, const char *line, size_t len,
    enum tide_json_type type, int *status)
{
	if (produce(s, lineno, line, len, type, status))
		return 1;
	if ((++s->polls & 255) == 0) {
		tide_producer_poll(&s->prod, 0);
		if (outage(s, 0))
			return 1;
	}
	return 0;
}

static int
kafka_idle(struct sink *s)
{
	tide_producer_poll(&s->prod, 0);
	if (s->tee && !s->tee_dead && tide_wout_flush(&s->tee_out) < 0)
		s->tee_dead = 1;
	return 0;
}

static int
kafka_quiet(struct sink *s, int *status)
{
	(void)status;
	return outage(s, 1);
}

static int
kafka_finish(struct sink *s, int status)
{
	/* Wait for every delivery (librdkafka's message.timeout.ms
	 * bounds it); a second signal gives up on the rest, which
	 * then fail as purged and are dead-lettered. */
	sig_atomic_t seen = stop_sig;

	while (!s->gave_up && tide_producer_drain(&s->prod, 200) > 0) {
		if (stop_sig > seen || (seen == 0 && stop_sig > 1)) {
			pwarn("interrupted: dead-lettering %llu "
			    "undelivered records", (unsigned long long)
			    tide_producer_pending(&s->prod));
			tide_producer_abort(&s->prod);
			tide_producer_drain(&s->prod, 5000);
			break;
		}
		seen = stop_sig;
		outage(s, 1);
	}
	if (s->gave_up && tide_producer_pending(&s->prod) > 0) {
		/* What librdkafka still holds fails as purged, and
		 * is dead-lettered. */
		tide_producer_abort(&s->prod);
		tide_producer_drain(&s->prod, 5000);
	}
	if (s->tee && !s->tee_dead && tide_wout_flush(&s->tee_out) < 0 &&
	    s->tee_out.err != TIDE_EPIPE) {
		pwarn("write stdout: %s", strerror(errno));
		if (status == TIDE_EX_OK)
			status = TIDE_EX_IOERR;
	}
	if (s->undelivered) {
		pwarn("%llu record%s not delivered, kept in %s",
		    (unsigned long long)s->undelivered,
		    s->undelivered == 1 ? "" : "s",
		    s->deadpath ? s->deadpath : "stderr");
		if (status == TIDE_EX_OK || status == TIDE_EX_DATAERR)
			status = TIDE_EX_TEMPFAIL;
	} else if (s->gave_up && status == TIDE_EX_OK)
		status = TIDE_EX_UNAVAILABLE;
	return status;
}

static void
kafka_stats(struct sink *s, double secs)
{
	fprintf(stderr, "%s: in %llu, bad %llu, sent %llu, delivered %llu, "
	    "failed %llu, pending %llu, %.0f records/s\n", prog.name,
	    (unsigned long long)s->in, (unsigned long long)s->bad.count,
	    (unsigned long long)s->prod.sent,
	    (unsigned long long)s->prod.delivered,
	    (unsigned long long)s->undelivered,
	    (unsigned long long)tide_producer_pending(&s->prod),
	    secs > 0 ? (double)s->in / secs : 0.0);
}

static void
kafka_close(struct sink *s)
{
	tide_producer_release(&s->prod);
	if (s->envelope)
		tide_env_dec_release(&s->dec);
	if (s->tee)
		tide_wout_release(&s->tee_out);
}

static const struct backend kafka_backend = {
	kafka_put, kafka_idle, kafka_quiet, kafka_finish, kafka_stats,
	progress_in, kafka_close,
};

/* Durable by default: no duplicates on retry, acknowledged by every
 * in-sync replica.  linger.ms=5 batches under load and adds at most 5 ms
 * when idle. */
static void
kafka_open(struct sink *s, struct tide_kconf *kc, const char *codec,
    long long connect_ms, long long down_ms, size_t maxrec)
{
	struct tide_kconf_err kerr;
	rd_kafka_conf_t *conf;
	const char *defaults[8];
	char codecprop[64];
	size_t nd = 0;

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
	rd_kafka_conf_set_log_cb(conf, on_log);
	/* lib/producer owns the callbacks: the clock is fed from its
	 * on_error hook, and notes come every --connect-timeout. */
	tide_kdown_init(&s->kd, down_ms, connect_ms);
	nd = sizeof(s->kd.brokers);
	if (rd_kafka_conf_get(conf, "bootstrap.servers", s->kd.brokers, &nd) !=
	    RD_KAFKA_CONF_OK)
		snprintf(s->kd.brokers, sizeof(s->kd.brokers), "(none)");
	s->prod.on_delivery = on_delivery;
	s->prod.on_error = on_error;
	s->prod.on_full = on_full;
	s->prod.ctx = s;
	if (tide_producer_new(&s->prod, conf, s->topic, (int)connect_ms) < 0)
		tide_die(TIDE_EX_UNAVAILABLE, "cannot produce to '%s' at '%s': %s",
		    s->topic, kc->brokers ? kc->brokers : "(configured brokers)",
		    s->prod.errstr);
	if (s->partition != RD_KAFKA_PARTITION_UA &&
	    s->partition >= s->prod.npart)
		tide_usage_error("--partition: topic '%s' has %d partitions: no "
		    "partition %d", s->topic, (int)s->prod.npart,
		    (int)s->partition);
	s->source = tide_xmalloc(strlen(s->topic) + 7);
	memcpy(s->source, "kafka:", 6);
	strcpy(s->source + 6, s->topic);
	if (s->envelope)
		tide_env_dec_init(&s->dec, maxrec);
	if (s->tee)
		tide_wout_init(&s->tee_out, STDOUT_FILENO);
	s->timeout = s->tee ? 10 : 100;
	s->be = &kafka_backend;
}

/* --- Files ------------------------------------------------------------ */

static int
file_put(struct sink *s, uint64_t lineno, const char *line, size_t len,
    enum tide_json_type type, int *status)
{
	struct tide_json_val v;
	int64_t t;
	int r;

	if (s->has_time) {
		if (type != TIDE_JSON_OBJECT)
			return bad(s, lineno, line, len, status, "%s",
			    "not a JSON object");
		if (!tide_json_get(line, len, &s->timepath, &v))
			return bad(s, lineno, line, len, status,
			    "no time field '%s'", s->timepath.text);
		if (tide_time_from_json(&v, s->unit, &t) < 0)
			return bad(s, lineno, line, len, status,
			    "field '%s' is not a time", s->timepath.text);
	} else
		t = tide_now_ms();
	r = tide_fileout_write(&s->fo, t, line, len);
	if (r == TIDE_ETYPE)
		return bad(s, lineno, line, len, status, "%s",
		    "not a JSON object (needed for csv)");
	if (r == TIDE_EPIPE) {
		*status = TIDE_EX_OK;
		return 1;
	}
	if (r < 0) {
		errno = s->fo.errnum;
		pwarn("write '%s': %s", tide_fileout_errpath(&s->fo),
		    strerror(s->fo.errnum));
		*status = TIDE_EX_IOERR;
		return 1;
	}
	s->out++;
	return 0;
}

static int
file_idle(struct sink *s)
{
	int r = tide_fileout_idle(&s->fo);

	if (r == TIDE_EIO && s->fo.err) {
		pwarn("write '%s': %s", tide_fileout_errpath(&s->fo),
		    strerror(s->fo.errnum));
		s->fail_status = TIDE_EX_IOERR;
	}
	return r;
}

static int
file_quiet(struct sink *s, int *status)
{
	(void)s;
	(void)status;
	return 0;
}

static int
file_finish(struct sink *s, int status)
{
	int r = tide_fileout_close(&s->fo);

	if (r == TIDE_EPIPE)
		r = 0;
	if (r < 0 && status != TIDE_EX_IOERR) {
		pwarn("write '%s': %s", tide_fileout_errpath(&s->fo),
		    strerror(s->fo.errnum));
		status = TIDE_EX_IOERR;
	}
	if (s->fo.csv_extra)
		pwarn("%llu record%s had fields not in the csv header "
		    "(dropped)", (unsigned long long)s->fo.csv_extra,
		    s->fo.csv_extra == 1 ? "" : "s");
	return status;
}

static void
file_stats(struct sink *s, double secs)
{
	fprintf(stderr, "%s: in %llu, bad %llu, out %llu, bytes %llu, "
	    "files %llu, %.0f records/s\n", prog.name,
	    (unsigned long long)s->in, (unsigned long long)s->bad.count,
	    (unsigned long long)s->out, (unsigned long long)s->fo.bytes,
	    (unsigned long long)s->fo.files,
	    secs > 0 ? (double)s->in / secs : 0.0);
}

static void
file_progress(struct sink *s, struct tide_progress_stat *st)
{
	st->records = s->out;
	st->bytes = s->fo.bytes;
}

static void
file_close(struct sink *s)
{
	tide_fileout_release(&s->fo);
}

static const struct backend file_backend = {
	file_put, file_idle, file_quiet, file_finish, file_stats,
	file_progress, file_close,
};

static void
file_open(struct sink *s, struct tide_fileout_opts *fopts)
{
	fopts->stdout_fd = STDOUT_FILENO;
	if (tide_fileout_open(&s->fo, s->output, fopts) < 0)
		tide_usage_error("-o: bad path pattern '%s'", s->output);
	s->timeout = -1;
	s->be = &file_backend;
}

/* --- Materialized views (lib/view) ------------------------------------ */

/* The store failed: a local file is an I/O error, a server one that is
 * unavailable. */
static int
view_fail(struct sink *s, const struct tide_view_err *err)
{
	pwarn("%s: %s", s->vpath, err->msg);
	return tide_view_remote(&s->view) ? TIDE_EX_UNAVAILABLE :
	    TIDE_EX_IOERR;
}

/* Upsert one validated record into the view. */
static int
view_put(struct sink *s, uint64_t lineno, const char *line, size_t len,
    enum tide_json_type type, int *status)
{
	struct tide_view_err err;
	int64_t now = tide_mono_us() / 1000;
	int r;

	if (type != TIDE_JSON_OBJECT)
		return bad(s, lineno, line, len, status, "%s",
		    "not a JSON object");
	r = tide_view_put(&s->view, line, len, now, &err);
	if (r == 0)
		r = tide_view_tick(&s->view, now, &err);
	if (r == TIDE_ENOENT || r == TIDE_ETYPE || r == TIDE_ETOOBIG)
		return bad(s, lineno, line, len, status, "%s", err.msg);
	if (r < 0) {
		*status = view_fail(s, &err);
		return 1;
	}
	s->out++;
	return 0;
}

/* Commit a view's batch when input pauses: readers are never kept waiting
 * for records that are already here.  (A Redis failure here ends the
 * reading as the end of input does, and the final commit reports it.) */
static int
view_idle(struct sink *s)
{
	struct tide_view_err err;

	if (tide_view_commit(&s->view, &err) < 0) {
		pwarn("%s: %s", s->vopt, err.msg);
		if (tide_view_remote(&s->view))
			return TIDE_EPIPE;
		s->fail_status = TIDE_EX_IOERR;
		return TIDE_EIO;
	}
	return 0;
}

static int
view_quiet(struct sink *s, int *status)
{
	struct tide_view_err err;

	if (tide_view_tick(&s->view, tide_mono_us() / 1000, &err) < 0) {
		*status = view_fail(s, &err);
		return 1;
	}
	return 0;
}

static int
view_finish(struct sink *s, int status)
{
	struct tide_view_err err;

	/* Commit what was read, also after a bad record under --strict: it
	 * was good input up to there. */
	if (status != TIDE_EX_IOERR && status != TIDE_EX_UNAVAILABLE &&
	    tide_view_commit(&s->view, &err) < 0)
		status = view_fail(s, &err);
	return status;
}

static void
view_stats(struct sink *s, double secs)
{
	struct tide_view_stats st;

	tide_view_stats(&s->view, &st);
	fprintf(stderr, "%s: in %llu, bad %llu, upserts %llu, commits %llu, "
	    "expired %llu, merged %llu, %.0f records/s\n", prog.name,
	    (unsigned long long)s->in, (unsigned long long)s->bad.count,
	    (unsigned long long)st.upserts, (unsigned long long)st.commits,
	    (unsigned long long)st.expired, (unsigned long long)st.merged,
	    secs > 0 ? (double)s->in / secs : 0.0);
}

static void
view_close(struct sink *s)
{
	tide_view_close(&s->view);
	free(s->vopt);
}

static const struct backend view_backend = {
	view_put, view_idle, view_quiet, view_finish, view_stats,
	progress_in, view_close,
};

/* Open the view; failures exit as tide-join's do: 64 for a bad URL or
 * option, 74 for an SQLite file, 69 for Redis. */
static void
view_open(struct sink *s, const struct tide_view_conf *vc, const char *opt)
{
	struct tide_view_err err;
	int r;

	/* Messages name an SQLite view "--sqlite 'FILE'" at open and when
	 * idle, "FILE" otherwise; a Redis one "--redis". */
	if (vc->kind == TIDE_VIEW_SQLITE) {
		s->vpath = vc->target;
		s->vopt = tide_xmalloc(strlen(opt) + strlen(vc->target) + 4);
		sprintf(s->vopt, "%s '%s'", opt, vc->target);
	} else {
		s->vpath = opt;
		s->vopt = tide_xstrdup(opt);
	}
	if ((r = tide_view_open(&s->view, vc, &err)) < 0)
		tide_die(r == TIDE_EINVAL ? TIDE_EX_USAGE : tide_view_remote(
		    &s->view) ? TIDE_EX_UNAVAILABLE : r == TIDE_EIO ?
		    TIDE_EX_IOERR : TIDE_EX_FAIL, "%s: %s", s->vopt, err.msg);
	s->timeout = vc->batch_ms > 0 ?
	    (int)(vc->batch_ms < 1000 ? vc->batch_ms : 1000) : -1;
	s->be = &view_backend;
}

/* --- Options ---------------------------------------------------------- */

static void
set_path(struct tide_path *p, int *has, const char *opt, const char *spec)
{
	if (*has)
		tide_path_release(p);
	if (tide_path_parse(p, spec) < 0)
		tide_usage_error("%s: not a field path: '%s'", opt, spec);
	*has = 1;
}

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

static void
add_header(struct sink *s, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		tide_usage_error("-H: not name=value: '%s'", arg);
	if (s->nhdrs == MAXHDR)
		tide_usage_error("-H: more than %d headers", MAXHDR);
	s->hdrs[s->nhdrs].name = arg;
	s->hdrs[s->nhdrs].namelen = (size_t)(eq - arg);
	s->hdrs[s->nhdrs].value = eq + 1;
	s->hdrs[s->nhdrs].len = strlen(eq + 1);
	s->nhdrs++;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read must return so the loop sees it. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
main(int argc, char **argv)
{
	static struct sink sk;
	struct sink *s = &sk;
	struct tide_kconf kc;
	struct tide_kconf_err kerr;
	struct tide_fileout_opts fopts;
	struct tide_view_conf vc;
	struct tide_rin in;
	struct tide_json_err jerr;
	enum tide_json_type type;
	const char *arg, *deadpath = NULL, *codec = NULL, *partarg = NULL;
	long long connect_ms = 10000, down_ms = 300000, level = 3;
	size_t maxrec = TIDE_MAX_RECORD;
	int c, r, strict = 0, status = TIDE_EX_OK, csv = 0, level_set = 0;
	int down_set = 0;
	int progress = -1;	/* --progress 1, --no-progress 0, auto -1 */
	const char *line;
	size_t len;
	const char *table = NULL, *prefix = NULL, *timefield = NULL;
	const char **cols = NULL;
	const char *keys[TIDE_VIEW_MAXKEYS];
	int nkey = 0, ncol = 0, history = 0, asjson = 0, batch_set = 0;
	long long batch = 0, batch_ms = 0, ttl_ms = 0;

	tide_prog_init(&prog);
	tide_kconf_init(&kc);
	memset(&fopts, 0, sizeof(fopts));
	s->partition = RD_KAFKA_PARTITION_UA;
	s->unit = TIDE_UNIT_AUTO;
	while ((c = tide_opt_next(argc, argv, &arg)) != -1) {
		switch (c) {
		case 'b':
		case 'X':
		case 'F':
		case 'd':
			if ((r = tide_kconf_option(&kc, c, arg, &kerr)) ==
			    TIDE_EIO)
				tide_die(TIDE_EX_IOERR, "%s", kerr.msg);
			if (r < 0)
				tide_usage_error("%s", kerr.msg);
			if (c == 'd')
				log_all = 1;
			break;
		case 't':
			if (*arg == '\0')
				tide_usage_error("-t: empty topic name");
			s->topic = arg;
			break;
		case 'k':
			set_path(&s->keypath, &s->has_key, "--key", arg);
			break;
		case 'p':
			partarg = arg;
			if (all_digits(arg))
				s->partition = (int32_t)tide_arg_int("--partition",
				    arg, 0, INT32_MAX);
			else
				set_path(&s->partpath, &s->has_part,
				    "--partition", arg);
			break;
		case 'H':
			add_header(s, arg);
			break;
		case OPT_TIMESTAMP:
			set_path(&s->tspath, &s->has_ts, "--timestamp", arg);
			break;
		case 'z':
			if (strcmp(arg, "zstd") && strcmp(arg, "lz4") &&
			    strcmp(arg, "gzip") && strcmp(arg, "snappy") &&
			    strcmp(arg, "none"))
				tide_usage_error("-z: unknown codec '%s' (zstd, "
				    "lz4, gzip, snappy, none)", arg);
			codec = arg;
			break;
		case 'J':
			s->envelope = 1;
			break;
		case OPT_KEEPPART:
			s->keep_partition = 1;
			break;
		case OPT_DEADLETTER:
			deadpath = arg;
			break;
		case OPT_TEE:
			s->tee = 1;
			break;
		case OPT_CONNTIMEOUT:
			connect_ms = tide_arg_dur_ms("--connect-timeout", arg);
			if (connect_ms <= 0 || connect_ms > INT32_MAX)
				tide_usage_error("--connect-timeout: out of "
				    "range: '%s'", arg);
			break;
		case OPT_DOWNTIMEOUT:
			down_ms = tide_arg_dur_ms("--down-timeout", arg);
			down_set = 1;
			break;
		case 'o':
			if (*arg == '\0')
				tide_usage_error("-o: empty path");
			s->output = arg;
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "csv") == 0)
				csv = 1;
			else if (strcmp(arg, "ndjson") == 0)
				csv = 0;
			else
				tide_usage_error("--format: unknown format '%s' "
				    "(ndjson, csv)", arg);
			break;
		case OPT_TIME:
			set_path(&s->timepath, &s->has_time, "--time", arg);
			timefield = arg;
			break;
		case OPT_SQLITE:
			if (*arg == '\0')
				tide_usage_error("--sqlite: empty path");
			s->sqlite = arg;
			break;
		case OPT_TABLE:
			if (*arg == '\0')
				tide_usage_error("--table: empty name");
			table = arg;
			break;
		case OPT_REDIS:
			if (strncmp(arg, "redis://", 8) != 0)
				tide_usage_error("--redis: not a redis:// URL: "
				    "'%s'", arg);
			s->redis = arg;
			break;
		case OPT_UPSERT:
			nkey = split_list("--upsert", tide_xstrdup(arg), keys,
			    TIDE_VIEW_MAXKEYS);
			break;
		case OPT_COLUMNS:
			free(cols);
			cols = tide_xcalloc(TIDE_SQLVIEW_MAXCOLS, sizeof(*cols));
			ncol = split_list("--columns", tide_xstrdup(arg), cols,
			    TIDE_SQLVIEW_MAXCOLS);
			break;
		case OPT_BATCH:
			batch = tide_arg_int("--batch", arg, 1, 100000000);
			batch_set = 1;
			break;
		case OPT_BATCHTIME:
			batch_ms = tide_arg_dur_ms("--batch-time", arg);
			if (batch_ms <= 0)
				tide_usage_error("--batch-time: must be more than "
				    "zero: '%s'", arg);
			break;
		case OPT_TTL:
			ttl_ms = tide_arg_dur_ms("--ttl", arg);
			if (ttl_ms <= 0)
				tide_usage_error("--ttl: must be more than zero: "
				    "'%s'", arg);
			break;
		case OPT_HISTORY:
			history = 1;
			break;
		case OPT_PREFIX:
			prefix = arg;
			break;
		case OPT_ASJSON:
			asjson = 1;
			break;
		case OPT_TIMEUNIT:
			if (tide_time_unit_parse(arg, &s->unit) < 0)
				tide_usage_error("--time-unit: unknown unit '%s' "
				    "(s, ms, us, ns, auto)", arg);
			break;
		case OPT_LEVEL:
			level = tide_arg_int("--level", arg, 1, 22);
			level_set = 1;
			break;
		case OPT_ROTATE:
			if (*arg >= '0' && *arg <= '9' &&
			    arg[strspn(arg, "0123456789")] != '\0' &&
			    strchr("kKmMgGbB", arg[strspn(arg, "0123456789")]) &&
			    strcmp(arg + strspn(arg, "0123456789"), "m") &&
			    strcmp(arg + strspn(arg, "0123456789"), "ms")) {
				/* 512k, 16M, 1G, 100B: a size.  A bare "m" is
				 * minutes, so sizes in MiB are written M. */
				fopts.rotate_bytes = (uint64_t)tide_arg_size(
				    "--rotate", arg);
			} else if (all_digits(arg)) {
				fopts.rotate_bytes = (uint64_t)tide_arg_size(
				    "--rotate", arg);
			} else {
				fopts.rotate_ms = tide_arg_dur_ms("--rotate", arg);
			}
			if ((fopts.rotate_bytes == 0 && fopts.rotate_ms == 0))
				tide_usage_error("--rotate: must be more than "
				    "zero: '%s'", arg);
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case OPT_MAXREC:
			maxrec = (size_t)tide_arg_size("--max-record", arg);
			if (maxrec == 0)
				tide_usage_error("--max-record: must be more "
				    "than zero");
			break;
		case OPT_STATS:
			s->stats = 1;
			break;
		case OPT_PROGRESS:
			progress = 1;
			break;
		case OPT_NOPROGRESS:
			progress = 0;
			break;
		case 'q':
			tide_verbose = -1;
			break;
		case 'v':
			if (tide_verbose >= 0)
				tide_verbose++;
			break;
		}
	}
	if (tide_opt_index() < argc)
		tide_usage_error("unexpected argument '%s'", argv[tide_opt_index()]);
	if ((s->topic != NULL) + (s->output != NULL) + (s->sqlite != NULL) +
	    (s->redis != NULL) != 1)
		tide_usage_error("give one of -t topic, -o path, --sqlite file "
		    "or --redis url");
	if (!s->sqlite && (table || ncol || history))
		tide_usage_error("--table, --columns and --history are for "
		    "--sqlite");
	if (!s->redis && (prefix || asjson))
		tide_usage_error("--prefix and --as-json are for --redis");
	if (!s->sqlite && !s->redis && (nkey || batch_set || batch_ms || ttl_ms))
		tide_usage_error("--upsert, --batch, --batch-time and --ttl are "
		    "for --sqlite and --redis");
	if (s->sqlite || s->redis) {
		if (nkey == 0)
			tide_usage_error("%s needs --upsert field[,field]",
			    s->sqlite ? "--sqlite" : "--redis");
		if (s->sqlite && table == NULL)
			tide_usage_error("--sqlite needs --table name");
		if (s->sqlite && (history || ttl_ms) && !timefield)
			tide_usage_error("%s needs --time field", history ?
			    "--history" : "--ttl");
		if (csv || fopts.rotate_bytes || fopts.rotate_ms || level_set ||
		    s->has_key || partarg || s->nhdrs || s->has_ts || codec ||
		    s->envelope || s->keep_partition || s->tee)
			tide_usage_error("Kafka and file options do not go with "
			    "a view");
		if (s->redis && timefield)
			tide_usage_error("--time is not used with --redis "
			    "(--ttl counts from each write)");
	} else if (s->topic) {
		if (csv || fopts.rotate_bytes || fopts.rotate_ms || s->has_time ||
		    level_set)
			tide_usage_error("--format, --rotate, --time and --level "
			    "are for -o");
		if (s->envelope && (s->has_key || s->has_part || s->has_ts))
			tide_usage_error("-J takes key, partition and timestamp "
			    "from the envelope: no --key, --partition field or "
			    "--timestamp");
		if (s->keep_partition && !s->envelope)
			tide_usage_error("--keep-partition needs -J");
		if (s->keep_partition && partarg)
			tide_usage_error("--keep-partition and --partition "
			    "exclude each other");
	} else {
		if (s->has_key || partarg || s->nhdrs || s->has_ts || codec ||
		    s->envelope || s->keep_partition || s->tee)
			tide_usage_error("--key, --partition, -H, --timestamp, "
			    "-z, -J and --tee are for -t");
		if (strcmp(s->output, "-") == 0 &&
		    (fopts.rotate_bytes || fopts.rotate_ms))
			tide_usage_error("--rotate needs a file, not -o -");
	}
	if (down_set && !s->topic)
		tide_usage_error("--down-timeout is for -t");
	if ((r = tide_kconf_env(&kc, &kerr)) < 0)
		tide_die(r == TIDE_EIO ? TIDE_EX_IOERR : TIDE_EX_USAGE,
		    "$TIDE_CONFIG: %s", kerr.msg);

	signals();
	s->deadpath = deadpath;
	if (tide_bad_init(&s->bad, strict, deadpath) < 0)
		tide_die(TIDE_EX_IOERR, "--dead-letter '%s': %s", deadpath,
		    strerror(errno));
	tide_buf_init(&s->keybuf, TIDE_BUF_NOMAX);
	tide_buf_init(&s->dlbuf, TIDE_BUF_NOMAX);
	s->t0 = tide_mono_us();
	/* On its own, the line shows on a terminal for file output. */
	if (progress < 0 && (tide_verbose < 0 || s->output == NULL ||
	    strcmp(s->output, "-") == 0))
		progress = 0;
	tide_progress_init(&pr, tide_progress_wanted(progress, 2) ? 2 : -1,
	    prog.name);

	/* The back end, chosen once. */
	if (s->topic)
		kafka_open(s, &kc, codec, connect_ms, down_ms, maxrec);
	else if (s->output) {
		fopts.format = csv ? TIDE_FILEOUT_CSV : TIDE_FILEOUT_NDJSON;
		fopts.level = (int)level;
		file_open(s, &fopts);
	} else {
		memset(&vc, 0, sizeof(vc));
		vc.kind = s->sqlite ? TIDE_VIEW_SQLITE : TIDE_VIEW_REDIS;
		vc.target = s->sqlite ? s->sqlite : s->redis;
		vc.table = table;
		vc.nkey = nkey;
		memcpy(vc.keys, keys, sizeof(keys));
		vc.ncol = ncol;
		vc.cols = cols;
		vc.timefield = timefield;
		vc.unit = s->unit;
		vc.history = history;
		vc.ttl_ms = ttl_ms;
		vc.prefix = prefix;
		vc.as_json = asjson;
		vc.batch = (uint64_t)batch;
		vc.batch_ms = batch_ms;
		vc.timeout_ms = (int)connect_ms;
		view_open(s, &vc, s->sqlite ? "--sqlite" : "--redis");
	}

	tide_rin_init(&in, STDIN_FILENO, maxrec);
	tide_rin_set_idle(&in, idle, s);
	for (;;) {
		if (stop_sig)
			break;
		if (stats_sig) {
			stats_sig = 0;
			print_stats(s);
		}
		if (s->tee_dead) {
			/* The reader of --tee went away: stop reading, still
			 * deliver what was produced. */
			break;
		}
		r = tide_rin_next(&in, &line, &len, s->timeout);
		if (r == TIDE_EAGAIN) {
			if (s->be->quiet(s, &status))
				break;
			continue;
		}
		if (r == TIDE_EINTR)
			continue;
		if (r == TIDE_EOF || r == TIDE_EPIPE)
			break;
		if (r == TIDE_ETOOBIG) {
			s->in++;
			tide_progress_clear(&pr);
			if ((r = tide_bad_record(&s->bad, "-", in.lineno, "", 0,
			    "record longer than --max-record (%zu bytes)",
			    maxrec)) != 0) {
				status = r;
				break;
			}
			continue;
		}
		if (r < 0) {
			/* The idle hook failed and said why, or reading did. */
			if (s->fail_status == 0)
				pwarn("read stdin: %s", r == TIDE_EIO ?
				    strerror(errno) : tide_strerror(r));
			status = s->fail_status ? s->fail_status : TIDE_EX_IOERR;
			break;
		}
		s->in++;
		if (tide_json_check(line, len, TIDE_JSON_MAXDEPTH, &type,
		    &jerr) < 0) {
			char why[160];

			snprintf(why, sizeof(why), "%s at byte %zu",
			    jerr.reason ? jerr.reason : "bad JSON", jerr.offset);
			if (bad(s, in.lineno, line, len, &status,
			    "not valid JSON: %s", why))
				break;
			continue;
		}
		if (s->be->put(s, in.lineno, line, len, type, &status))
			break;
		if (s->bad.dead && ferror(s->bad.dead)) {
			s->dlerr = 1;
			break;
		}
		if ((s->in & 63) == 0)
			progress_tick(s);
	}
	tide_progress_clear(&pr);

	status = s->be->finish(s, status);
	if (s->stats)
		print_stats(s);
	if (s->bad.dead && fflush(s->bad.dead) != 0)
		s->dlerr = 1;
	if (tide_bad_finish(&s->bad) != 0)
		s->dlerr = 1;
	if (s->dlerr) {
		pwarn("--dead-letter '%s': write failed", deadpath ?
		    deadpath : "stderr");
		status = TIDE_EX_IOERR;
	}
	s->be->close(s);
	tide_rin_release(&in);
	tide_buf_release(&s->keybuf);
	tide_buf_release(&s->dlbuf);
	free(s->allhdrs);
	free(s->rhdrs);
	free(s->source);
	tide_kconf_release(&kc);
	return status;
}
