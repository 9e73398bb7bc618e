/*
 * Archive input: one source of a replay read from an archive -- the JSON
 * envelopes tide-sink -o writes (tide-source -J's), or plain NDJSON with
 * the event time in a field -- and the first pass that finds what an
 * archive holds.
 *
 * A source is a whole file (all set) or one partition of it; its head is
 * its next good record in the --from/--to range (and of its partition),
 * with the merge key of lib/merge.h: the envelope's time, partition and
 * offset (the line number when it has none), or for plain records the
 * time field, the file's index as the partition and the line number.
 * tide_arcin_next() reads to the next head; a bad line is handed back
 * (TIDE_ARCIN_BAD, with its bytes and reason) for the caller to report
 * or skip, and the next call reads on.  The first pass (struct
 * tide_arcscan) is fed each head and says which partitions a file holds,
 * how many records each, and whether the file is already in merge order
 * (then one source reads it, else one per partition).
 *
 * Ownership: the configuration is the caller's and must outlive every
 * source that points to it; a source owns its reader and envelope
 * decoder from tide_arcin_open() to tide_arcin_close().  The head (line,
 * tval, dec.env) and a bad line point into the reader's buffer: valid
 * until the next tide_arcin_next().  Nothing here allocates per record.
 * lib never prints: the caller reports bad lines and errors.
 */
#ifndef TIDE_ARCIN_H
#define TIDE_ARCIN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "envelope.h"
#include "json.h"
#include "merge.h"
#include "recin.h"
#include "time.h"

/* What the sources of one replay share. */
struct tide_arcin_conf {
	const char *timefield;		/* plain NDJSON; NULL: envelopes */
	const struct tide_path *timepath;	/* timefield, parsed */
	enum tide_time_unit unit;	/* of epoch numbers in timefield */
	size_t maxrec;			/* --max-record (0: the default) */
	int have_from, have_to;		/* the range: [from, to) */
	int64_t from, to;		/* epoch ms */
};

struct tide_arcin {
	const struct tide_arcin_conf *conf;
	const char *path;		/* "-" is standard input */
	int fileidx;			/* plain records' partition */
	int all;			/* every partition of the file */
	int32_t partition;		/* else only this one */
	int open;
	struct tide_recin in;
	struct tide_env_dec dec;
	/* the head */
	struct tide_merge_key key;
	const char *line;
	size_t len;
	struct tide_json_val tval;	/* plain: the time field */
	/* the last bad line (TIDE_ARCIN_BAD) */
	const char *bad;
	size_t badlen;
	char why[512];
};

/* tide_arcin_next(): a bad line, in a->bad, a->badlen, a->why. */
#define TIDE_ARCIN_BAD	2

/* a for path (not kept: a copy of the pointer), reading all partitions;
 * not open.  Set a->all and a->partition to read one partition. */
void tide_arcin_init(struct tide_arcin *a, const struct tide_arcin_conf *conf,
    const char *path, int fileidx);
/* Open a's reader (zstd sniffed, standard input too).  0, or
 * tide_recin_open()'s error (TIDE_EIO: a->in.errnum says why). */
int tide_arcin_open(struct tide_arcin *a);
/* Close the reader (nothing when not open). */
void tide_arcin_close(struct tide_arcin *a);
/*
 * Read to a's next head: 1 with a head, 0 at the end, TIDE_ARCIN_BAD with
 * a bad line (call again to read on), TIDE_EINTR when a signal cut a read
 * short (call again), or another error of tide_recin_next() (TIDE_EIO:
 * a->in.errnum).  Lines out of the range or of another partition are
 * skipped.
 */
int tide_arcin_next(struct tide_arcin *a);
/* Line number of the head or bad line just read. */
static inline uint64_t
tide_arcin_lineno(const struct tide_arcin *a)
{
	return tide_recin_lineno(&a->in);
}
/*
 * Whether path can be read twice: a regular file.  Standard input, a pipe
 * (/dev/stdin on a pipe, <(cmd), a fifo), a socket or a terminal gives its
 * bytes once -- a first pass would consume them and leave the replay
 * nothing.  A path stat() cannot see is left to tide_arcin_open() to
 * report: 1.
 */
int tide_arcin_rereadable(const char *path);
/* Whether time ts is in the configured range. */
int tide_arcin_in_range(const struct tide_arcin_conf *c, int64_t ts);
/*
 * Append the head to b as the replay writes it, times moved forward by
 * shift ms: a plain record with its time field rewritten in the form it
 * had (an RFC 3339 string, or a number in its unit; the rest of its bytes
 * kept), an envelope as its payload, or with envelope set as an envelope.
 * No newline.  0 or tide_buf's / the encoder's error.
 */
int tide_arcin_emit(const struct tide_arcin *a, struct tide_buf *b,
    int envelope, int64_t shift);
/* The head as --print writes it (lib/printfmt.h): an envelope's message,
 * or a plain record (its time moved, in f->scratch) as a value alone with
 * its event time as the timestamp; times moved forward by shift ms.  0 or
 * TIDE_ETOOBIG. */
struct tide_printfmt;
int tide_arcin_print(const struct tide_arcin *a, struct tide_printfmt *f,
    struct tide_buf *b, int64_t shift);

/* What the first pass found in one partition of a file. */
struct tide_arcscan_part {
	int32_t partition;
	uint64_t records;
	int64_t first_ts, last_ts;
};

struct tide_arcscan {
	struct tide_arcscan_part *v;	/* in order of first appearance */
	size_t n;
	int sorted;			/* every head in merge order so far */
	struct tide_merge_key prev;
};

void tide_arcscan_init(struct tide_arcscan *s);
/* Count one head of key k. */
void tide_arcscan_add(struct tide_arcscan *s, const struct tide_merge_key *k);
void tide_arcscan_release(struct tide_arcscan *s);
/* p of the file path as the --dry-run line (with a newline) onto b; the
 * partition left out unless with_partition (plain records have none). */
void tide_arcscan_json(const struct tide_arcscan_part *p, const char *path,
    int with_partition, struct tide_buf *b);

#endif
