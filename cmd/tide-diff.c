/*
 * tide-diff: compare two streams of records by key, field by field (live
 * features against replayed ones).
 *
 * Options -> a struct tide_fdiff_conf (lib/fdiff.h) and two sides, each a
 * struct tide_fdsrc over a record reader (a file, stdin) or a topic's
 * range (lib/kafka/krange.h) -> tide_fdpair_sorted() or
 * tide_fdpair_hashed() (lib/fdpair.h) -> the report on stdout, and the
 * exit status of diff(1): 0 equal, 1 different (a side with bad records
 * is not equal to the other: they were not compared).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bad.h"
#include "barrier.h"
#include "buf.h"
#include "err.h"
#include "exitcode.h"
#include "fdiff.h"
#include "fdpair.h"
#include "json.h"
#include "kafka/kconf.h"
#include "kafka/kopt.h"
#include "kafka/krange.h"
#include "kafka/offsets.h"
#include "prog.h"
#include "recin.h"
#include "rio.h"
#include "time.h"
#include "window.h"
#include "xalloc.h"

#define MAXKEYF 16
#define MAXIGN 256

enum {
	OPT_SORTED = TIDE_OPT_LONG,
	OPT_TOLERANCE,
	OPT_IGNORE,
	OPT_EXAMPLES,
	OPT_MAX_MEMORY,
};

static struct {
	const char *keys;
	int sorted;
	double tol;
	int tol_rel;
	const char *ignore[MAXIGN];
	int nignore;
	int examples;
	size_t maxmem;
	size_t maxrec;
	int strict;
	const char *dead;
	struct tide_bad_max maxbad;
	struct tide_kconf kc;
	int64_t md_timeout;
} o = {
	.examples = 3,
	.md_timeout = 10000,
};

static tide_opt_cb opt_tolerance, opt_ignore;

static const struct tide_option opts[] = {
	TIDE_OPT_STRING('k', "key", "field[,field]", "pair records by these "
	    "fields (dotted paths)", &o.keys),
	TIDE_OPT_FLAG(OPT_SORTED, "sorted", "both sides are sorted by key: "
	    "merge them in constant memory (checked as it goes)", &o.sorted),
	TIDE_OPT_CALLBACK(OPT_TOLERANCE, "tolerance", "t|p%", "numbers within "
	    "t of each other (or p% of the larger) are equal", opt_tolerance,
	    NULL),
	TIDE_OPT_CALLBACK(OPT_IGNORE, "ignore", "f[,f]", "leave these "
	    "top-level fields out of the comparison (repeatable)", opt_ignore,
	    NULL),
	TIDE_OPT_INT(OPT_EXAMPLES, "examples", "n", "write up to n examples "
	    "of each kind (default 3)", &o.examples, 0, 1000000),
	TIDE_OPT_SIZE(OPT_MAX_MEMORY, "max-memory", "size", "without "
	    "--sorted: hold at most this much of RIGHT, then spill both sides "
	    "to temporary files (default: half the memory, or the cgroup's "
	    "limit; 0: no limit)", &o.maxmem, 0),
	TIDE_OPTS_BADINPUT(&o.maxrec, &o.strict, &o.dead, &o.maxbad),
	TIDE_KOPTS_CONF(&o.kc),
	TIDE_KOPT_MDTIMEOUT(&o.md_timeout),
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_END,
};

static const struct tide_prog prog = {
	"tide-diff",
	"[-qv] -k field[,field] [--sorted] [--tolerance t|p%] [--ignore f[,f]] "
	    "[options] " TIDE_KOPTS_SYNOPSIS " left right",
	"Compare two streams of records by key, field by field.",
};

/* --tolerance: a number, or a percentage. */
static int
opt_tolerance(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	char *end;
	double v;

	(void)opt;
	v = strtod(arg, &end);
	o.tol_rel = end > arg && *end == '%';
	if (o.tol_rel)
		end++;
	if (end == arg || *end != '\0' || !(v >= 0) || v > 1e300 ||
	    (o.tol_rel && v > 100)) {
		snprintf(err->msg, sizeof(err->msg), "--tolerance: not a "
		    "number t >= 0 or a percentage p%% (0..100): '%s'", arg);
		return TIDE_EINVAL;
	}
	o.tol = o.tol_rel ? v / 100 : v;
	return 0;
}

/* --ignore: names, as written (a name is not a path here). */
static int
opt_ignore(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	char *copy = tide_xstrdup(arg), *p, *save = NULL;

	(void)opt;
	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (o.nignore == MAXIGN) {
			snprintf(err->msg, sizeof(err->msg), "--ignore: more "
			    "than %d fields", MAXIGN);
			free(copy);
			return TIDE_EINVAL;
		}
		o.ignore[o.nignore++] = tide_xstrdup(p);
	}
	free(copy);
	return 0;
}

static void
split_keys(const char *s, struct tide_path *paths, int *n)
{
	char *copy = tide_xstrdup(s), *p = copy, *q;
	int inq = 0, last;

	for (q = copy;; q++) {
		if (*q == '"')
			inq = !inq;
		if ((*q == ',' && !inq) || *q == '\0') {
			last = *q == '\0';
			*q = '\0';
			if (*n == MAXKEYF)
				tide_usage_error("-k: more than %d fields",
				    MAXKEYF);
			if (tide_path_parse(&paths[*n], p) < 0)
				tide_usage_error("-k: bad field path '%s'", p);
			(*n)++;
			if (last)
				break;
			p = q + 1;
		}
	}
	free(copy);
}

/* ---- a side: a file, stdin, or kafka:TOPIC[@range] ------------------------- */

#define KAFKA_PREFIX "kafka:"

struct side {
	const char *name;	/* as given */
	struct tide_recin in;	/* a file; for a topic, its paths only */
	struct tide_krange *k;	/* a topic, or NULL */
	struct tide_krange_spec ks;
	struct tide_kopt_parts kparts;
	char *topic;
	struct tide_kconsumer_err kerr;
	int32_t part;		/* the message's partition */
	int ix;			/* 0 LEFT, 1 RIGHT */
	struct tide_fdiff *d;
	struct tide_bad *bad;
	struct tide_json_val kv[MAXKEYF];
	struct tide_buf key;
	uint64_t nread;		/* records read, bad ones too */
	uint64_t ngood;
	/* --sorted: the other side's current record, which this one's next
	 * is likely to equal byte for byte (and then needs no checking). */
	const struct tide_fdrec *peer;
	struct tide_fdrec cur;
	int readerr;		/* the error is the reader's, not bad input */
};

/* A message of a topic as a line of a file: its offset as its line. */
static int
kafka_next(struct side *s, struct tide_rec *rec)
{
	int32_t part;
	int64_t off;
	int k;

	k = tide_krange_next(s->k, &rec->p, &rec->len, &part, &off, &s->kerr);
	if (k == 0)
		return TIDE_EOF;
	if (k < 0)
		return k;
	rec->lineno = (uint64_t)off;
	rec->err = TIDE_REC_OK;
	s->part = part;
	if (rec->len > s->in.max) {
		rec->p = "";
		rec->len = 0;
		rec->err = TIDE_REC_TOOBIG;
	}
	return 1;
}

/* A bad record of s: counted against its side, and reported with its
 * file and line, or its topic, partition and offset (lib/bad). */
static int
side_bad(struct side *s, const struct tide_rec *rec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
side_bad(struct side *s, const struct tide_rec *rec, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tide_fdiff_bad(s->d, s->ix);
	if (s->k != NULL)
		return tide_bad_message(s->bad, s->topic, s->part,
		    (int64_t)rec->lineno, rec->p, rec->len, "%s", why);
	return tide_bad_record(s->bad, s->name, rec->lineno, rec->p, rec->len,
	    "%s", why);
}

/* A payload in the Confluent wire format (a magic byte 0, the schema id
 * in 4 bytes big-endian): 1 with *id, else 0.  JSON text never starts
 * with a 0 byte. */
static int
confluent_framed(const char *p, size_t n, unsigned long *id)
{
	const unsigned char *u = (const unsigned char *)p;

	if (n < 5 || u[0] != 0)
		return 0;
	*id = (unsigned long)u[1] << 24 | (unsigned long)u[2] << 16 |
	    (unsigned long)u[3] << 8 | u[4];
	return 1;
}

static int
side_next(void *ctx, struct tide_fdrec *out)
{
	struct side *s = ctx;
	struct tide_rec rec;
	char why[256];
	unsigned long id = 0;
	int k, which;

	for (;;) {
		if (s->k != NULL)
			k = kafka_next(s, &rec);
		else
			k = tide_recin_next(&s->in, &rec, s->kv, -1);
		if (k == TIDE_EOF) {
			s->cur.p = NULL;
			return 0;
		}
		if (k < 0) {
			s->readerr = 1;
			return k;
		}
		if (rec.err == TIDE_REC_OK && tide_barrier_is(rec.p, rec.len))
			continue;	/* a barrier is not a record */
		s->nread++;
		if (rec.err == TIDE_REC_OK && s->peer != NULL &&
		    s->peer->p != NULL && s->peer->len == rec.len &&
		    memcmp(s->peer->p, rec.p, rec.len) == 0) {
			tide_buf_reset(&s->key);
			tide_buf_add(&s->key, s->peer->key, s->peer->klen);
			goto good;
		}
		if (rec.err == TIDE_REC_OK)	/* else too long: no bytes */
			tide_recin_check(&s->in, &rec, s->kv);
		if (rec.err != TIDE_REC_OK && s->k != NULL &&
		    confluent_framed(rec.p, rec.len, &id)) {
			/* Avro or Protobuf: what tide-source decodes. */
			k = side_bad(s, &rec, "in the Confluent wire format "
			    "(schema id %lu), not JSON: decode the topic with "
			    "tide-source --schema-registry first", id);
			if (k < 0)
				return k;
			continue;
		}
		if (rec.err != TIDE_REC_OK) {
			k = side_bad(s, &rec, "%s", tide_rec_reason(&rec,
			    s->in.max, why, sizeof(why)));
			if (k < 0)
				return k;
			continue;
		}
		k = tide_fdiff_key(s->d, s->kv, &s->key, &which);
		if (k == TIDE_ENOENT) {
			k = side_bad(s, &rec, "no key field '%s'",
			    s->d->conf.keys[which].text);
			if (k < 0)
				return k;
			continue;
		}
		if (k < 0) {
			k = side_bad(s, &rec, "key longer than the record "
			    "limit");
			if (k < 0)
				return k;
			continue;
		}
good:
		s->ngood++;
		out->p = rec.p;
		out->len = rec.len;
		out->line = rec.lineno;
		out->part = s->k != NULL ? s->part : 0;
		out->key = s->key.data;
		out->klen = s->key.len;
		s->cur = *out;
		return 1;
	}
}

/* kafka:TOPIC[@item,...]: items from=TIME, to=TIME, offset=OFF,
 * partitions=LIST (whose commas run on to the next item with an '='),
 * each at most once, and from or offset (both say where to start). */
static void
kafka_spec(struct side *s, const char *name)
{
	const char *t = name + strlen(KAFKA_PREFIX), *at = strchr(t, '@');
	char *items, *p, *q, *v;
	struct tide_option po = { .dest = &s->kparts };
	struct tide_opt_err perr;
	static const char *const names[] = { "from", "to", "offset",
	    "partitions" };
	int seen[4] = { 0 }, i;
	int64_t ms;

	s->topic = at ? tide_xmemdup(t, (size_t)(at - t)) : tide_xstrdup(t);
	if (*s->topic == '\0')
		tide_usage_error("'%s': no topic after 'kafka:'", name);
	s->ks.topic = s->topic;
	if (at == NULL)
		return;
	items = tide_xstrdup(at + 1);
	for (p = items; p != NULL && *p; p = q) {
		/* This item runs to the next ',' that starts one with '='. */
		for (q = strchr(p, ','); q != NULL; q = strchr(q + 1, ','))
			if (strchr(q + 1, '=') != NULL &&
			    strcspn(q + 1, "=") < strcspn(q + 1, ","))
				break;
		if (q != NULL)
			*q++ = '\0';
		if ((v = strchr(p, '=')) == NULL)
			tide_usage_error("'%s': not an item=value: '%s'", name, p);
		*v++ = '\0';
		for (i = 0; i < 4 && strcmp(p, names[i]) != 0; i++)
			;
		if (i < 4 && seen[i]++)
			tide_usage_error("'%s': %s given twice", name, p);
		if (strcmp(p, "from") == 0 || strcmp(p, "to") == 0) {
			if (tide_time_parse_arg(v, tide_now_ms(), &ms) < 0)
				tide_usage_error("'%s': %s: not a time: '%s'",
				    name, p, v);
			*(p[0] == 'f' ? &s->ks.from : &s->ks.to) =
			    (struct tide_offspec){ TIDE_OFF_TIME, ms };
		} else if (strcmp(p, "offset") == 0) {
			if (tide_offspec_parse(v, &s->ks.from) < 0 ||
			    s->ks.from.kind == TIDE_OFF_STORED)
				tide_usage_error("'%s': offset: not an offset: "
				    "'%s' (beginning, end, N or -N)", name, v);
		} else if (strcmp(p, "partitions") == 0) {
			if (tide_kopt_parts(&po, v, &perr) < 0)
				tide_usage_error("'%s': partitions: not a "
				    "partition list: '%s' (e.g. 0,2,4-7)", name,
				    v);
		} else
			tide_usage_error("'%s': unknown item '%s' (from, to, "
			    "offset, partitions)", name, p);
	}
	free(items);
	if (seen[0] && seen[2])
		tide_usage_error("'%s': from and offset both say where to "
		    "start: give one", name);
	if (s->ks.from.kind == TIDE_OFF_TIME && s->ks.to.kind ==
	    TIDE_OFF_TIME && s->ks.to.v < s->ks.from.v)
		tide_usage_error("'%s': to is before from", name);
	s->ks.parts = s->kparts.v;
	s->ks.nparts = s->kparts.n;
}

static void
kafka_open(struct side *s)
{
	int r;

	s->k = tide_xcalloc(1, sizeof(*s->k));
	r = tide_krange_open(s->k, &o.kc, "tide-diff", &s->ks, o.md_timeout,
	    &s->kerr);
	if (r == TIDE_EINVAL)
		tide_usage_error("%s", s->kerr.msg);
	if (r < 0)
		tide_die(TIDE_EX_UNAVAILABLE, "%s: %s", s->name, s->kerr.msg);
}

static void
side_open(struct side *s, int ix, const char *name, struct tide_fdiff *d,
    struct tide_bad *bad, const struct tide_path *paths, int npath)
{
	int r;

	s->ix = ix;
	s->name = name;
	s->d = d;
	s->bad = bad;
	tide_buf_init(&s->key, o.maxrec ? o.maxrec : TIDE_MAX_RECORD);
	if (s->ks.topic != NULL) {
		s->in.max = o.maxrec ? o.maxrec : TIDE_MAX_RECORD;
		tide_recin_set_paths(&s->in, paths, npath);
		kafka_open(s);
		return;
	}
	if (tide_recin_is_csv(name))
		tide_usage_error("'%s': CSV is not read here: NDJSON only",
		    name);
	/* Checked in side_next(), unless it equals its peer. */
	r = tide_recin_open(&s->in, name, TIDE_RECIN_SNIFF_STDIN |
	    TIDE_RECIN_RAW, o.maxrec);
	if (r < 0)
		tide_die(tide_exit_of(r), "cannot open '%s': %s", name,
		    tide_recin_strerror(&s->in, r));
	tide_recin_set_paths(&s->in, paths, npath);
}

static void
side_close(struct side *s)
{
	if (s->k != NULL) {
		tide_krange_close(s->k);
		free(s->k);
	} else
		tide_recin_close(&s->in);
	free(s->topic);
	free(s->kparts.v);
	tide_buf_release(&s->key);
}

int
main(int argc, char **argv)
{
	struct tide_path keys[MAXKEYF];
	struct tide_fdiff_conf conf;
	struct tide_fdpair_conf pc = { 0 };
	struct tide_fdpair_err perr;
	struct tide_fdiff d;
	struct tide_bad bad;
	struct side sides[2];
	struct tide_fdsrc src[2];
	struct tide_wout out;
	struct tide_buf rep = TIDE_BUF_INIT;
	const char *tmp;
	int ix, nkey = 0, r, i, status;

	tide_prog_init_opts(&prog, opts);
	signal(SIGPIPE, SIG_IGN);	/* EPIPE: the report's reader went */
	tide_kconf_init(&o.kc);
	o.maxmem = tide_win_default_max_memory();
	ix = tide_opt_parse(argc, argv);
	argc -= ix;
	argv += ix;
	if (o.keys == NULL)
		tide_usage_error("-k: the key fields are required");
	/* A second -k or --tolerance would replace the first unseen. */
	if (tide_opt_given('k') > 1)
		tide_usage_error("-k: given more than once: name the key "
		    "fields in one list (-k account,ts)");
	if (tide_opt_given(OPT_TOLERANCE) > 1)
		tide_usage_error("--tolerance: given more than once");
	if (argc != 2)
		tide_usage_error("two inputs are required, left and right");
	if (strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0)
		tide_usage_error("'-' (stdin) may be one side only");
	split_keys(o.keys, keys, &nkey);
	memset(sides, 0, sizeof(sides));
	for (i = 0; i < 2; i++)
		if (strncmp(argv[i], KAFKA_PREFIX, strlen(KAFKA_PREFIX)) == 0)
			kafka_spec(&sides[i], argv[i]);
	if (sides[0].ks.topic != NULL || sides[1].ks.topic != NULL) {
		struct tide_kconf_err kerr;

		if ((r = tide_kconf_env(&o.kc, &kerr)) < 0)
			tide_die(tide_exit_of(r == TIDE_EINVAL ? TIDE_EX_USAGE :
			    r), "$TIDE_CONFIG: %s", kerr.msg);
		if (!tide_kconf_has_brokers(&o.kc))
			tide_usage_error("no brokers for a kafka: side: use -b "
			    "or set TIDE_BROKERS");
	}
	if (o.sorted && tide_opt_given(OPT_MAX_MEMORY))
		tide_usage_error("--max-memory: not with --sorted, which holds "
		    "one record of each side");

	memset(&conf, 0, sizeof(conf));
	conf.keys = keys;
	conf.nkey = nkey;
	conf.ignore = o.ignore;
	conf.nignore = o.nignore;
	conf.tol = o.tol;
	conf.tol_rel = o.tol_rel;
	conf.examples = o.examples;
	for (i = 0; i < 2; i++)
		conf.topic[i] = sides[i].ks.topic != NULL;
	tide_fdiff_init(&d, &conf);
	if (tide_bad_init(&bad, o.strict, o.dead) < 0)
		tide_die(TIDE_EX_IOERR, "cannot open '%s': %s", o.dead,
		    strerror(errno));
	for (i = 0; i < 2; i++) {
		side_open(&sides[i], i, argv[i], &d, &bad, keys, nkey);
		src[i].next = side_next;
		src[i].ctx = &sides[i];
	}

	memset(&perr, 0, sizeof(perr));
	if (o.sorted) {
		sides[1].peer = &sides[0].cur;
		r = tide_fdpair_sorted(&d, &src[0], &src[1], &perr);
	} else {
		pc.max_memory = o.maxmem;
		pc.tmpdir = (tmp = getenv("TMPDIR")) != NULL && *tmp ? tmp :
		    "/tmp";
		r = tide_fdpair_hashed(&d, &src[0], &src[1], &pc, &perr);
		if (pc.spills > 0)
			tide_info("spilled to %u temporary files in %s",
			    pc.spills, pc.tmpdir);
	}
	if (r < 0) {
		if (perr.side < 0)
			tide_die(TIDE_EX_IOERR, "temporary file in '%s': %s",
			    pc.tmpdir, strerror(perr.errnum));
		if (r == TIDE_ERANGE && o.sorted) {
			tide_fdiff_where(&d, perr.side, perr.line, perr.part,
			    &rep);
			tide_die(TIDE_EX_DATAERR, "%s: %s: not sorted "
			    "(--sorted): %s", sides[perr.side].name,
			    tide_buf_cstr(&rep), perr.msg);
		}
		if (sides[perr.side].readerr && sides[perr.side].k != NULL)
			tide_die(TIDE_EX_UNAVAILABLE, "%s: %s",
			    sides[perr.side].name, sides[perr.side].kerr.msg);
		if (sides[perr.side].readerr)
			tide_die(tide_exit_of(r), "cannot read '%s': %s",
			    sides[perr.side].name,
			    tide_recin_strerror(&sides[perr.side].in, r));
		exit(tide_exit_of(r));	/* --strict: lib/bad said why */
	}

	tide_fdiff_report(&d, &rep);
	tide_wout_init(&out, STDOUT_FILENO);
	/* A reader gone (head) is no failure: the verdict still stands. */
	if (((r = tide_wout_add(&out, rep.data, rep.len)) < 0 ||
	    (r = tide_wout_flush(&out)) < 0) && r != TIDE_EPIPE)
		tide_die(tide_exit_of(r), "cannot write the report: %s",
		    r == TIDE_EIO ? strerror(errno) : tide_strerror(r));
	status = tide_fdiff_equal(&d) ? TIDE_EX_OK : 1;
	if ((r = tide_bad_finish(&bad)) < 0)
		status = tide_exit_of(r);
	else {
		r = tide_bad_verdict(&bad, &o.maxbad,
		    sides[0].nread + sides[1].nread);
		if (r < 0)
			status = tide_exit_of(r);
		/* A side of nothing but bad records is not a stream to diff
		 * against, whatever the other side holds. */
		for (i = 0; r == 0 && i < 2; i++)
			if (sides[i].nread > 0 && sides[i].ngood == 0 &&
			    !o.maxbad.given) {
				tide_warn("'%s': no good record", sides[i].name);
				status = TIDE_EX_DATAERR;
				break;
			}
	}
	tide_wout_release(&out);
	tide_buf_release(&rep);
	for (i = 0; i < 2; i++)
		side_close(&sides[i]);
	tide_fdiff_release(&d);
	for (i = 0; i < nkey; i++)
		tide_path_release(&keys[i]);
	for (i = 0; i < o.nignore; i++)
		free((char *)o.ignore[i]);
	tide_kconf_release(&o.kc);
	return status;
}
