/*
 * tide-window's state file (--state FILE): the open windows, the
 * watermark, and where reading stopped, so that a run killed after a
 * checkpoint and started again with the same input neither loses nor
 * double-counts a record.
 *
 * A state file is a zstd frame holding a text head and the binary state
 * of lib/window.c and lib/wm.c:
 *
 *	tide-window state 1
 *	config <the options that shape windows and aggregates>
 *	file <offset> <length> <path>	(bytes of each input file consumed)
 *	kafka <topic> <partition> <next>	(lib/ckpt.h)
 *	data
 *	<tide_win_save()><tide_wm_save()>
 *
 * tide_wstate_save() writes it to FILE.tmp, synced and renamed over FILE,
 * so a crash leaves the old file or the new one (lib/afile.h: FILE.tmp is
 * created afresh, never written through a link found there).  Files named
 * on the command line are read on from the recorded offset
 * (tide_wstate_pos()); windows emitted after the checkpoint come out again,
 * identical.  Standard input is never skipped: what feeds it decides what
 * comes next.  The Kafka offsets of envelope input (tide_wstate_see()) are
 * kept in the same file for tide-source --resume.
 *
 * A state file written with other window or aggregate options is refused:
 * the config line must match, byte for byte, the one tide_wstate_init()
 * makes of the options.
 *
 * struct tide_wstate is the caller's; it owns the path copies, the config
 * text and the offsets, freed by tide_wstate_release().  The path of the
 * state file is borrowed and must outlive it.  Nothing here prints or
 * exits: calls return 0 or a TIDE_E* code with the whole message, worded
 * for the user, in a struct tide_wstate_err.
 */
#ifndef TIDE_WSTATE_H
#define TIDE_WSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "barrier.h"
#include "buf.h"
#include "ckpt.h"
#include "json.h"
#include "time.h"
#include "window.h"
#include "wm.h"

struct tide_wstate_err {
	char msg[4096];
};

struct tide_wstate_fpos {
	char *path;
	int64_t off;
};

struct tide_wstate {
	const char *path;		/* the state file */
	struct tide_buf cfg;		/* what the state file must match */
	struct tide_wstate_fpos *fpos;	/* where reading stopped, per file */
	size_t nfpos;
	struct tide_ckpt_offs koffs;	/* where reading stopped, per partition */
	int64_t every;			/* --checkpoint, ms of the wall clock */
	int64_t next;			/* when the next one is due */
	unsigned since;			/* calls of tide_wstate_due() */
};

/* Start with the state file path and the window configuration it must
 * match: wc (its kind, sizes, alignment, lateness), the key fields'
 * names[0..nkeys) and the aggregates of spec.  Nothing is read yet. */
void tide_wstate_init(struct tide_wstate *s, const char *path,
    const struct tide_win_conf *wc, char *const *keynames, int nkeys,
    const struct tide_aggspec *spec);

/*
 * Load the state file into w and m (just initialised, empty) and into s's
 * offsets; now_ms is the wall clock, for the partitions' idle clocks.  0
 * (also when there is no file: a first run); TIDE_EIO (cannot read it);
 * TIDE_EFORMAT (not a state file, or a damaged one); TIDE_EINVAL (written
 * with other options).  err says which, naming the file.
 */
int tide_wstate_load(struct tide_wstate *s, struct tide_win *w,
    struct tide_wm *m, int64_t now_ms, struct tide_wstate_err *err);

/* Write the state file from w, m and s's offsets: 0 or TIDE_EIO (errno
 * set), with err naming the file that failed. */
int tide_wstate_save(struct tide_wstate *s, const struct tide_win *w,
    const struct tide_wm *m, struct tide_wstate_err *err);

/*
 * --checkpoint: save every every_ms (0: only when asked), the first due
 * every_ms after now_ms.  Every save puts the next one every_ms after it.
 */
void tide_wstate_every(struct tide_wstate *s, int64_t every_ms,
    int64_t now_ms);
/* Whether a checkpoint is due, for a loop over records: the clock is read
 * once in 256 calls (a clock read per record costs a tumble some 5%). */
static inline int
tide_wstate_due(struct tide_wstate *s)
{
	return s->every && (++s->since & 255) == 0 && tide_now_ms() >= s->next;
}
/* Whether a checkpoint is due now (an idle input: the clock is read). */
static inline int
tide_wstate_due_now(const struct tide_wstate *s)
{
	return s->every && tide_now_ms() >= s->next;
}

/* Where reading of the file path[0..n) stopped (0 for a file not seen
 * before): the caller reads on from there and keeps it up to date.  The
 * pointer is valid until the next call. */
int64_t *tide_wstate_pos(struct tide_wstate *s, const char *path, size_t n);

/* Note an envelope's topic, partition and offset, v[0..2] as looked up
 * in a record ("topic", "partition", "offset"), if it is one (tide-source
 * -J's records, and tide-replay -J's): 1 if noted, 0 if not. */
int tide_wstate_see(struct tide_wstate *s, const struct tide_json_val *v);

/* A barrier's offsets (doc/DELIVERY.md): the records before it have been
 * read up to there, filtered out upstream or not, so each partition's next
 * offset moves up to the barrier's (never back).  Partitions whose topic is
 * not a Kafka topic name are left out.  Returns the number noted. */
int tide_wstate_barrier(struct tide_wstate *s,
    const struct tide_barrier_offs *o);

void tide_wstate_release(struct tide_wstate *s);

#endif
