/*
 * The two sides of an interval join (tide-join --with) and the writing of
 * its output, over struct tide_ijoin (lib/ijoin.h), which holds the
 * records between them.
 *
 * tide-join --with FILE --within D: the records of the operands (the
 * left stream) and of FILE or a Kafka topic (the right stream) are merged
 * by event time (--time; the left first on a tie; within a stream, in its
 * own order) and fed to the struct tide_ijoin.  The watermark is the
 * smaller of the two streams' greatest event times (a stream at its end
 * no longer holds it back), less --delay.  A record older than the
 * watermark is late: some records it could have joined may be gone, so it
 * is counted, reported and kept in --late-file, not joined.  A left record
 * without a match is written (--left, --anti) when the watermark passes
 * its time plus D: then no partner can come any more.
 *
 * A side (struct tide_ijside) is a stream of records with a head: the
 * files or stdin of tide_ijside_next(), or messages a Kafka stream puts
 * there (lib/kafka/kstream.h); tide_ijside_check() validates the head and
 * finds its event time (--time) and key.  A side's maxts and wall (the
 * monotonic ms of its last record) are what holds the watermark:
 * tide_ijside_watermark() for two sides that end (files),
 * tide_ijside_live_watermark() for a side that never does.
 *
 * The output (struct tide_ijout) writes each left record with the fields
 * of the right records it pairs with (tide_ijout_match(), an ijoin match
 * callback), or, once its interval has closed unmatched, with nulls or
 * --default values (tide_ijout_expire()), as the join spec (lib/joinplan.h:
 * kind, keys, --prefix, --overwrite, --miss-field) says, under --select's
 * fields if given.
 *
 * Filters (lib/expr.h; the spec's where and having, NULL: none): --where
 * drops left records as they are read, before the join sees them, as if
 * the left stream had been filtered first; --having drops a record the
 * output would write (a pair, a --left miss, an --anti record) just
 * before it is written.  Each counts what it drops in its struct
 * tide_where.
 *
 * Ownership: the spec, the paths and the writer are the caller's and must
 * outlive the structs.  A head record is a view into the reader's buffer
 * (or the Kafka message), valid until the next read of its side.  lib
 * never prints: failures come back as codes with the reason in the
 * caller's struct tide_ijsrc_err; a bad record found while writing goes
 * to the caller's bad() hook (which decides whether to go on, as struct
 * tide_bad does) and its result is handed back.
 */
#ifndef TIDE_IJSRC_H
#define TIDE_IJSRC_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "buf.h"
#include "ijoin.h"
#include "joinconf.h"
#include "joinplan.h"
#include "json.h"
#include "recin.h"
#include "rio.h"
#include "table.h"

struct tide_ijsrc_err {
	char msg[512];
};

struct tide_ijside {
	const struct tide_joinspec *js;
	const char *timefield;
	size_t maxrec;
	char **paths;
	int npaths, idx, side, open, eof;
	const char *path;		/* the head's source, for messages */
	struct tide_recin in;
	/* Looked up in the scan that validates a record: the keys, the
	 * time, then --where's paths (the left side's; borrowed). */
	struct tide_path *kpath;
	struct tide_json_val *vals;
	int nkpath;
	struct tide_where *where;	/* the left side's --where, or NULL */
	struct tide_buf key;
	struct tide_wout *out;		/* flushed while stdin is quiet */
	/* The head record, valid until the next read of the side. */
	int have, nokey;
	const char *line;
	size_t len;
	uint64_t lineno;
	int64_t ts, maxts;
	int64_t wall;			/* monotonic ms of the last record */
};

/* tide_ijside_next(): a bad head record (the reason in err); a record
 * --where dropped. */
#define TIDE_IJSIDE_BAD 2
#define TIDE_IJSIDE_FILTERED 3

/*
 * Set up side (TIDE_IJOIN_LEFT: keyed by js->skey, RIGHT: by js->tkey)
 * reading paths[0..npaths) in turn ("-" is stdin; none for a side whose
 * records are put there by another reader).  The left side filters its
 * records by js->where, if any: --where is on the left stream, the
 * operands or standard input, not on --with's.  Returns 0, or TIDE_EINVAL
 * when a key or the time field is not a path (err: "--on: bad field name
 * 'x'").  Release with tide_ijside_release() either way.
 */
int tide_ijside_init(struct tide_ijside *s, const struct tide_joinspec *js,
    const char *timefield, size_t maxrec, int side, char **paths, int npaths,
    struct tide_ijsrc_err *err);
void tide_ijside_release(struct tide_ijside *s);

/* Validate the head record s->line[0..len): 0 with its time (s->ts) and
 * key (s->key; s->nokey for a keyless left record of a --left join); 1
 * when --where drops it (a JSON object, counted in s->where->filtered,
 * whatever its time and key); or TIDE_EINVAL with the reason in why (a
 * regex of --where at its match limit too). */
int tide_ijside_check(struct tide_ijside *s, char *why, size_t whylen);

/*
 * The next good record of the side's files into its head: 1; 0 at the
 * end (or when the idle flush found stdout closed); TIDE_IJSIDE_BAD for a
 * bad one (s->path, lineno, line, len are set, the reason is in err: the
 * caller reports it and reads on); TIDE_IJSIDE_FILTERED for one --where
 * dropped (as if never read: it moves neither the side's time nor its
 * wall clock; the caller counts it read and reads on); TIDE_EAGAIN when timeout_ms passed
 * with nothing ready; TIDE_EINTR when a signal came; TIDE_EIO or another code
 * when a file cannot be opened or read (err: the message).
 */
int tide_ijside_next(struct tide_ijside *s, int timeout_ms,
    struct tide_ijsrc_err *err);

/* Where side s holds the watermark at monotonic time now (ms): its
 * greatest event time (INT64_MIN before any), or INT64_MAX when it no
 * longer holds it (ended, or quiet for idle ms; idle 0: never quiet). */
int64_t tide_ijside_hold(const struct tide_ijside *s, int64_t idle,
    int64_t now);

/* The watermark of two sides that end (files): the smaller of their
 * greatest event times (an ended side holds nothing), less delay. */
int64_t tide_ijside_watermark(const struct tide_ijside *l,
    const struct tide_ijside *r, int64_t delay);

/* The watermark with a side that never ends, given where each side holds
 * it (a, b from tide_ijside_hold() or a Kafka stream's): the smaller,
 * less delay; with both quiet, it moves on with the wall clock from the
 * last record, as tide-window's does with no input. */
int64_t tide_ijside_live_watermark(const struct tide_ijside *l,
    const struct tide_ijside *r, int64_t a, int64_t b, int64_t delay,
    int64_t now);

/* A bad record found while writing: its source, line number and bytes,
 * and why; returns 0 to go on or the status to stop with. */
typedef int (*tide_ijout_bad_fn)(void *ctx, const char *src, uint64_t lineno,
    const char *line, size_t len, const char *why);

struct tide_ijout {
	const struct tide_joinspec *js;
	/* st->in counts the records the drivers read, bad ones too. */
	struct tide_wout *out;
	struct tide_joinstats *st;	/* out, matched, missed */
	tide_ijout_bad_fn bad;
	void *badctx;
	struct tide_buf ob, nb;
	struct tide_buf frag, names;	/* the fields to add, their names */
	struct tide_buf missfrag;	/* "a":null,... for --select on a miss */
	int nsel;
	struct tide_path sel[TIDE_TABLE_MAXCOLS];
	const struct tide_ijside *cur;	/* the record being added */
	uint64_t pairs, unmatched, late_n;
};

/*
 * Set up the output to out for the --select fields sel[0..nsel) (none:
 * every field of the right record but its key), a joined record at most
 * maxrec + 1 MiB.  Returns 0, or TIDE_EINVAL (err: "--select: bad field
 * name 'x'", "--default: 'x' is not a --select field").  Release with
 * tide_ijout_release() either way.
 */
int tide_ijout_init(struct tide_ijout *o, const struct tide_joinspec *js,
    int nsel, char *const *sel, struct tide_wout *out, size_t maxrec,
    struct tide_joinstats *st, tide_ijout_bad_fn bad, void *badctx,
    struct tide_ijsrc_err *err);
void tide_ijout_release(struct tide_ijout *o);

/* Whether s's head is late (older than the watermark wm): if so it is
 * counted (late_n) and taken, not joined, and the caller reports it. */
int tide_ijout_late(struct tide_ijout *o, struct tide_ijside *s, int64_t wm);

/* Take s's head record into the join (after tide_ijout_late() said no):
 * 0, the bad() hook's status, or TIDE_EIO (the writer failed). */
int tide_ijout_take(struct tide_ijout *o, struct tide_ijoin *ij,
    struct tide_ijside *s);

/* The callbacks for tide_ijoin_add() and tide_ijoin_advance() (ctx: the
 * struct tide_ijout); results as tide_ijout_take()'s. */
int tide_ijout_match(void *ctx, const struct tide_ijoin_rec *l,
    const struct tide_ijoin_rec *r);
int tide_ijout_expire(void *ctx, const struct tide_ijoin_rec *r);

/*
 * Barrier lines (lib/barrier.h) are not records: the sides skip them.
 *
 * Driving an interval join: the loop that reads both sides, takes the
 * older head first (the left on a tie), and advances the watermark after
 * each record -- join first, then advance, so a record meets its partners
 * before the watermark it moves can expire them.  tide_ijdrive_files()
 * drives two sides that end (files, stdin): it waits for whichever side
 * it needs.  A side that never ends is driven by its own module
 * (tide_kstream_drive(), lib/kafka/kstream.h) over the steps below.
 *
 * The hooks are the caller's: round() once a round, and when a read was
 * interrupted by a signal or waited wait_ms (-1: blocks; files only) (0 to
 * go on, else the status to stop with), late() for a record behind the watermark (already
 * counted in o->late_n; 0 or a status), fail() with the message of a side
 * that cannot be read.  A bad record goes to the output's bad() hook.  The
 * drivers return 0 (the end, or *stop set), a hook's status (> 0), or a
 * negative code: TIDE_EIO (a write or read failed), TIDE_EKAFKA, or
 * another for a side that cannot be opened or decoded.
 */
struct tide_ijdrive {
	struct tide_ijout *o;
	struct tide_ijoin *ij;
	struct tide_ijside *l, *r;
	int64_t delay, idle;		/* --delay, --idle (0: none) ms */
	volatile sig_atomic_t *stop;	/* set: stop now */
	int wait_ms;			/* files: a read's timeout (-1) */
	int (*round)(void *ctx);
	int (*late)(void *ctx, const struct tide_ijside *s, int64_t wm);
	void (*fail)(void *ctx, const char *msg);
	void *ctx;
	int64_t wm;			/* the watermark so far */
	int status;			/* why a step said stop */
};

/* Set up d over o, ij and sides l and r, at watermark INT64_MIN. */
void tide_ijdrive_init(struct tide_ijdrive *d, struct tide_ijout *o,
    struct tide_ijoin *ij, struct tide_ijside *l, struct tide_ijside *r);

int tide_ijdrive_files(struct tide_ijdrive *d);

/* tide_ijdrive_next(): nothing ready within the timeout. */
#define TIDE_IJDRIVE_NONE 2

/* Steps: the next good record of side s's files (1, 0 at its end,
 * TIDE_IJDRIVE_NONE when timeout_ms >= 0 passed or a signal came; -1 to stop, why in
 * d->status); take the older head of the two (0, or -1 to stop); move
 * the watermark to wm if that is ahead (0, or -1 to stop). */
int tide_ijdrive_next(struct tide_ijdrive *d, struct tide_ijside *s,
    int timeout_ms);
int tide_ijdrive_take(struct tide_ijdrive *d);
int tide_ijdrive_advance(struct tide_ijdrive *d, int64_t wm);
/* Stop with status (a hook's, or a negative code). */
static inline int tide_ijdrive_stop(struct tide_ijdrive *d, int status) { d->status = status; return -1; }

/*
 * An interval join as tide-join runs it, set up from its configuration
 * (lib/joinconf): the left side over the operands ("-" with none), the
 * right over --with, the output, the join (--within) and the driver
 * (--delay, --idle), and --late-file open for appending.  The caller sets
 * the driver's hooks (run->d) and drives it.
 */
struct tide_ijrun {
	struct tide_ijside l, r;
	struct tide_ijout o;
	struct tide_ijoin ij;
	struct tide_ijdrive d;
	FILE *late;
};

/* 0; TIDE_EINVAL (a bad --select or --default, field name: a usage
 * error) or TIDE_EIO (--late-file cannot be opened), with err.  Release
 * with tide_ijrun_release() either way. */
int tide_ijrun_init(struct tide_ijrun *run, const struct tide_joinconf *c,
    char **operands, int noperands, struct tide_wout *out,
    struct tide_joinstats *st, tide_ijout_bad_fn bad, void *badctx,
    struct tide_ijsrc_err *err);
/* Append s's head record to --late-file, if any: 0 or TIDE_EIO (errno). */
int tide_ijrun_late(struct tide_ijrun *run, const struct tide_ijside *s);
/* Close --late-file: 0 or TIDE_EIO (errno); then release everything. */
int tide_ijrun_close_late(struct tide_ijrun *run);
void tide_ijrun_release(struct tide_ijrun *run);

#endif
