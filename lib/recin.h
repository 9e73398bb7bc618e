/*
 * Record input: one stream of records from "-" or a path, NDJSON or CSV,
 * plain or zstd, validated, with line numbers and one set of bad-record
 * reasons.
 *
 * Opening.  tide_recin_open() opens path ("-" is stdin) and sniffs zstd by
 * its magic number, as lib/zfile does: a name ending in ".zst" without it
 * is TIDE_EFORMAT.  Stdin is read as it is (never sniffed: sniffing waits
 * for four bytes, which a quiet stream may not send) unless
 * TIDE_RECIN_SNIFF_STDIN says otherwise.  Plain input is read straight from
 * its descriptor by struct tide_rin, so timeouts and the idle hook work on
 * pipes; zstd input is read through the decoder, which never times out but
 * still runs the idle hook before a read that would block.  A signal
 * that interrupts a read of a path (or of sniffed stdin) is TIDE_EINTR, as
 * lib/zfile gives it; unsniffed stdin is waited on with poll(2) (see
 * rio.h), which gives it when a timeout or idle hook is set.  Which format
 * (NDJSON or CSV) a path holds is the program's rule: tide_recin_is_csv()
 * is the extension rule ("x.csv", "x.csv.zst") that the programs share.
 *
 * NDJSON.  tide_recin_next() hands out one line at a time as a struct
 * tide_rec: a zero-copy view into the reader's buffer, valid until the next
 * call (and while tide_recin_buffered() says so, across it: read-ahead), its
 * line number, and a verdict.  Unless TIDE_RECIN_RAW is set, each line is
 * validated as a JSON object in the same pass that looks up the paths set
 * with tide_recin_set_paths() (tide_json_check_many), so a record is
 * scanned once.  A bad line is still returned, with rec.err saying why;
 * tide_rec_reason() words it.  Nothing is allocated per record.
 *
 * CSV.  csvrec is a push parser: tide_recin_csv() feeds it the whole input
 * and its callback sees every row (tide_csv_row has the line and, for a bad
 * row, the reason and raw bytes).
 *
 * The reasons, the same in every program:
 *	record longer than N bytes
 *	empty line
 *	not valid JSON: REASON at byte OFFSET	(OFFSET counts from 0)
 *	not a JSON object
 */
#ifndef TIDE_RECIN_H
#define TIDE_RECIN_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "csvrec.h"
#include "err.h"
#include "json.h"
#include "rio.h"
#include "zfile.h"

enum tide_recin_flags {
	TIDE_RECIN_SNIFF_STDIN = 1 << 0,	/* "-" may be zstd too */
	TIDE_RECIN_RAW = 1 << 1,		/* lines as they are, unchecked */
	TIDE_RECIN_SKIP_BLANK = 1 << 2,		/* skip lines of spaces/tabs */
};

/* Why a record is bad: rec.err. */
enum tide_rec_err {
	TIDE_REC_OK = 0,
	TIDE_REC_TOOBIG,	/* longer than max: no bytes (p = "", len 0) */
	TIDE_REC_EMPTY,		/* an empty line */
	TIDE_REC_JSON,		/* not valid JSON: jerr says why and where */
	TIDE_REC_NOTOBJ,	/* valid JSON, not an object */
};

struct tide_rec {
	const char *p;		/* the line, without "\n" or a final "\r" */
	size_t len;
	uint64_t lineno;	/* 1-based */
	enum tide_rec_err err;
	enum tide_json_type type;	/* err == 0 or TIDE_REC_NOTOBJ */
	struct tide_json_err jerr;	/* err == TIDE_REC_JSON */
};

struct tide_recin {
	const char *name;	/* as given: "-" for stdin */
	unsigned flags;
	size_t max;		/* longest record */
	int errnum;		/* errno of a TIDE_EIO */

	/* Private. */
	struct tide_rin in;
	struct tide_zr z;
	int zopen;		/* z holds the descriptor (and maybe a decoder) */
	const struct tide_path *paths;
	int npath;
	tide_idle_fn idle;	/* zstd input: the rin cannot see it block */
	void *idlectx;
};

/*
 * Open path ("-": stdin) for reading records of at most max bytes (0 for
 * TIDE_MAX_RECORD).  0, or TIDE_EIO (errnum set), TIDE_EFORMAT (".zst" but
 * not zstd), TIDE_ENOMEM.  Call tide_recin_close() even on failure.
 */
/* A failed open has given back what it took (errnum says why): nothing
 * to close, though tide_recin_close() may still be called. */
int tide_recin_open(struct tide_recin *r, const char *path, unsigned flags,
    size_t max);
/* The same, starting off bytes into the (decompressed) data: a plain file
 * is seeked, a zstd one decoded and skipped.  A seek that fails is
 * TIDE_ERANGE (errnum set), so it can be told from a failed open. */
int tide_recin_open_at(struct tide_recin *r, const char *path, unsigned flags,
    size_t max, uint64_t off);
void tide_recin_close(struct tide_recin *r);

/* Whether path names CSV by its extension: ".csv" or ".csv.zst". */
int tide_recin_is_csv(const char *path);
/* Whether the input is zstd-compressed. */
static inline int
tide_recin_zstd(const struct tide_recin *r)
{
	return r->zopen && r->z.zstd;
}

/* Look up paths[0..npath) in each record: tide_recin_next()'s vals get
 * them.  paths must outlive the reader (or the next call of this). */
static inline void
tide_recin_set_paths(struct tide_recin *r, const struct tide_path *paths,
    int npath)
{
	r->paths = paths;
	r->npath = npath;
}
/* Call idle(ctx) before a read that would block (see rio.h). */
void tide_recin_set_idle(struct tide_recin *r, tide_idle_fn idle, void *ctx);

/* Check rec->p[0..len) and set rec->err, rec->type, rec->jerr and vals
 * (in one pass: tide_json_check_many).  Always inline, as this and
 * tide_recin_next() are the per-record path of every program. */
static inline __attribute__((always_inline)) void
tide_recin_check(const struct tide_recin *r, struct tide_rec *rec,
    struct tide_json_val *vals)
{
	int k;

	k = r->npath ? tide_json_check_many(rec->p, rec->len,
	    TIDE_JSON_MAXDEPTH, &rec->type, &rec->jerr, r->paths, r->npath,
	    vals) : tide_json_check(rec->p, rec->len, TIDE_JSON_MAXDEPTH,
	    &rec->type, &rec->jerr);
	if (k >= 0 && rec->type == TIDE_JSON_OBJECT)
		rec->err = TIDE_REC_OK;
	else	/* an empty line is not valid JSON either */
		rec->err = k >= 0 ? TIDE_REC_NOTOBJ : rec->len == 0 ?
		    TIDE_REC_EMPTY : TIDE_REC_JSON;
}

/*
 * Next record: 1 with *rec (and vals[0..npath) when rec->err is 0 and
 * paths are set), TIDE_EOF at the end, or what tide_rin_next() returns
 * otherwise (TIDE_EAGAIN, TIDE_EINTR, TIDE_EIO with errnum, TIDE_EFORMAT
 * for a broken zstd stream, or an idle hook's code).  A line over max is
 * 1 with rec->err TIDE_REC_TOOBIG.
 */
static inline __attribute__((always_inline)) int
tide_recin_next(struct tide_recin *r, struct tide_rec *rec,
    struct tide_json_val *vals, int timeout_ms)
{
	int k;

	for (;;) {
		k = tide_rin_next(&r->in, &rec->p, &rec->len, timeout_ms);
		rec->lineno = r->in.lineno;
		if (k == 1) {
			if (r->flags & (TIDE_RECIN_RAW | TIDE_RECIN_SKIP_BLANK)) {
				size_t i = 0;

				if (r->flags & TIDE_RECIN_RAW) {
					rec->err = TIDE_REC_OK;
					return 1;
				}
				while (i < rec->len && (rec->p[i] == ' ' ||
				    rec->p[i] == '\t'))
					i++;
				if (i == rec->len)
					continue;
			}
			tide_recin_check(r, rec, vals);
			return 1;
		}
		if (k == TIDE_ETOOBIG) {
			rec->p = "";
			rec->len = 0;
			rec->err = TIDE_REC_TOOBIG;
			return 1;
		}
		if (k == TIDE_EIO && r->errnum == 0)
			r->errnum = r->zopen && r->z.errnum ? r->z.errnum :
			    errno;
		return k;
	}
}

/* Whether a complete record is buffered: while it is, the next call moves
 * nothing and records handed out before stay valid (read-ahead). */
static inline int
tide_recin_buffered(struct tide_recin *r)
{
	return tide_rin_buffered(&r->in);
}

/* The line number of the last record returned. */
static inline uint64_t
tide_recin_lineno(const struct tide_recin *r)
{
	return r->in.lineno;
}

/* Bytes of data consumed: up to the end of the last record returned (from
 * the start of the data, or from off for tide_recin_open_at()). */
static inline uint64_t
tide_recin_tell(const struct tide_recin *r)
{
	return tide_rin_tell(&r->in);
}

/* Bytes read from the file (compressed, for zstd): for progress. */
uint64_t tide_recin_bytes_in(const struct tide_recin *r);

/* Words why rec is bad into buf[0..n) (one of the reasons above); returns
 * buf.  Empty for a good record. */
const char *tide_rec_reason(const struct tide_rec *rec, size_t max,
    char *buf, size_t n);

/* What a negative code from tide_recin_open() or tide_recin_next() means:
 * strerror(errnum) for TIDE_EIO, "not a valid zstd file" for TIDE_EFORMAT,
 * tide_strerror() otherwise. */
const char *tide_recin_strerror(const struct tide_recin *r, int code);

/*
 * Read the whole input as CSV with a header row through c (initialised by
 * the caller with tide_csv_init(); released by the caller): every row goes
 * to c's callback.  Returns 0, a read error (TIDE_EIO with errnum,
 * TIDE_EFORMAT for a broken zstd stream: *readerr is set to 1 then), or
 * what tide_csv_feed()/tide_csv_finish() returned.  TIDE_EINTR from a read
 * is retried.
 */
int tide_recin_csv(struct tide_recin *r, struct tide_csv *c, int *readerr);

#endif
