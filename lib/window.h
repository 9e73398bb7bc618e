/*
 * Keyed event-time windows: assignment, state, firing order, watermarks.
 *
 * struct tide_win holds the open windows of every key and fires them as the
 * watermark passes their end.  The caller (tide-window) reads records,
 * turns each into (event time, key bytes, aggregate values), calls
 * tide_win_add() and then tide_win_advance() with the watermark that
 * struct tide_wm computes; results come back through the emit callback in
 * (window end, key bytes) order for each advance, so output is a function
 * of the input order alone.  tide_win_flush() fires every open window
 * (end of input).
 *
 * Kinds:
 *   tumble D    windows [s, s + D) with s = align + n*D.
 *   hop D, S    windows [e - D, e) ending at align + n*S, kept as panes of
 *               gcd(D, S): a record updates one pane, a firing window merges
 *               its D/gcd panes, so the per-record cost does not grow with
 *               D/S.  Only windows that hold a record of the key fire.
 *               Tumble is hop with S = D: one pane per window.  Panes are
 *               listed by start, so all keys' windows ending at one time
 *               fire together; each list is sorted by key once (a radix
 *               sort) and a firing hop window merges its sorted lists.
 *               A pane's block is in D/S windows: the emitter may keep
 *               what it made of it in the block's memo for the next ones.
 *   session G   a key's records closer than G to each other form one window
 *               [first, last + G); a record that bridges two sessions
 *               merges them.
 *   over D      no firing: tide_win_add() returns, for each record, the
 *               aggregates of the records of its key seen so far with time
 *               in (t - D, t], itself included unless exclude_current.
 *
 * A window fires when the watermark reaches its end (end <= watermark).
 * With emit EARLY or EVERY, open windows that took records since their
 * last result are also emitted, marked provisional, after the windows
 * that tide_win_advance() fires, in (end, key) order: with EVERY at each
 * advance (the caller advances after every record), with EARLY when the
 * watermark has crossed a multiple of early since the last time.
 * With allowed lateness L a fired window (its panes, for hop) is kept until
 * the watermark reaches end + L; a record that lands in it in the meantime
 * re-emits it at once, marked as an update.  A record with no window left
 * to go to is late: tide_win_add() returns TIDE_WIN_LATE and keeps nothing.
 *
 * Keys are byte strings (the caller's encoding; tide-window joins the JSON
 * texts of the key fields with NUL bytes).  Keys and states are freed when
 * their last window closes, so memory follows the open windows, not the
 * input.  All state lives in arrays indexed by number: no pointer into it
 * survives a call.
 */
#ifndef TIDE_WINDOW_H
#define TIDE_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "heap.h"
#include "htab.h"
#include "wm.h"

enum tide_win_kind {
	TIDE_WIN_TUMBLE,
	TIDE_WIN_HOP,
	TIDE_WIN_SESSION,
	TIDE_WIN_OVER,
};

/* When results come out (tumble, hop, session; over has one per record). */
enum tide_win_emit {
	TIDE_EMIT_FINAL,	/* once, when the window fires */
	TIDE_EMIT_EARLY,	/* and provisionally each time the watermark
				 * crosses a multiple of early */
	TIDE_EMIT_EVERY,	/* and provisionally after every record */
};

struct tide_win_conf {
	enum tide_win_kind kind;
	enum tide_win_emit emit;
	int64_t early;		/* TIDE_EMIT_EARLY: the period (> 0) */
	int64_t size;		/* tumble, hop, over: D (> 0) */
	int64_t every;		/* hop: S, 0 < S <= D */
	int64_t gap;		/* session: G (> 0) */
	int64_t align;		/* boundary offset: windows start at align + n*D */
	int64_t lateness;	/* allowed lateness (>= 0) */
	int exclude_current;	/* over: leave the record itself out */
	size_t max_keys;	/* open keys at most; 0 for no limit */
	/*
	 * Resident bytes of the process past which no new key opens; 0 for
	 * no limit.  Sampled from /proc/self/statm at the first new key and
	 * every TIDE_WIN_MEMEVERY new keys after, and every
	 * TIDE_WIN_MEMSTEP bytes that open keys' state takes on (spec->mem:
	 * an exact count_distinct's values, sketches, --over's records), so
	 * a limit is passed by at most that many keys' memory or that many
	 * bytes.  Past it, a record that would open a key is refused
	 * (TIDE_WIN_MEMFULL), and so is one that would make an open key's
	 * state grow without limit (TIDE_WIN_MEMGROW: a value its exact
	 * count_distinct does not hold, or under --over any record); others
	 * (values held, bounded aggregates) go on.  While past it, the size
	 * is sampled again every TIDE_WIN_MEMEVERY refusals.
	 */
	size_t max_memory;
	const struct tide_aggspec *spec;
};

/*
 * Room for text that an emitter derives from a result's key and state
 * block alone (tide-window: the key and the aggregates, as JSON), kept
 * with the block.
 */
#define TIDE_WIN_MEMO 64

struct tide_win_memo {
	unsigned char len;	/* bytes of text kept; 0: none */
	char text[TIDE_WIN_MEMO - 1];
};

/* One result. */
struct tide_win_out {
	int64_t start, end;
	const char *key;	/* key bytes */
	size_t klen;
	const void *state;	/* an aggregate block of spec */
	int update;		/* a corrected result of a window already emitted */
	int provisional;	/* an early result of a window still open */
	/*
	 * NULL, or (hop, when a window emits a pane's block as it stands)
	 * the block's memo: room to keep text made of key and *state
	 * alone (len 0), for the later windows of the same unchanged block
	 * -- a pane is in size/every windows -- or the text an earlier one
	 * kept (len > 0): then key and state are NULL, not to be read.
	 * Valid for the call only.
	 */
	struct tide_win_memo *memo;
};

/* Called for each result; a negative return stops and is passed on. */
typedef int (*tide_win_emit_fn)(void *ctx, const struct tide_win_out *out);

enum {
	TIDE_WIN_LATE = 1,	/* tide_win_add: the record is late */
	TIDE_WIN_FULL = 2,	/* tide_win_add: a new key past max_keys */
	TIDE_WIN_MEMFULL = 3,	/* tide_win_add: a new key past max_memory */
	TIDE_WIN_MEMGROW = 4,	/* tide_win_add: an open key's growth past
				 * max_memory */
};

#define TIDE_WIN_MEMEVERY 1024
#define TIDE_WIN_MEMSTEP (1u << 20)

struct wkey;
struct wstate;
struct wfire;
struct wpane;
struct wpent;
struct wcur;

struct tide_win {
	struct tide_win_conf c;
	int64_t pane;		/* tumble: size; hop: gcd(size, every) */
	tide_win_emit_fn emit;
	void *ctx;
	int64_t wm;		/* the watermark last advanced to */
	int64_t fired_to;	/* tumble, hop: windows ending here are done */
	int64_t cps, cpe;	/* tumble, hop: the last record's pane [cps,
				 * cpe), and its first and last window ends */
	int64_t cefirst, celast;
	int64_t due;		/* tumble, hop: an advance to a watermark
				 * below this has nothing to do */

	uint64_t *kslot;	/* key index: hash tag << 32 | key id + 1 */
	size_t kcap, kcount;
	struct wkey *keys;
	uint32_t nkeys, capkeys, freekey;	/* freekey: head of free list */
	size_t livekeys;	/* keys held, idle ones included */
	size_t nidle;		/* keys with no open window */

	struct wstate *st;
	char *blob;		/* aggregate blocks, bsz bytes apart */
	size_t bsz;		/* spec->size and the key's bytes (koff),
				 * rounded up to a power of two or to 64,
				 * and (hop) the block's memo at moff */
	size_t moff;		/* 0: no memos */
	size_t koff;
	uint32_t nst, capst, freest;
	size_t livest;

	struct wpane *panes;	/* tumble, hop: pane lists by start */
	uint32_t npanes, cappanes;
	struct wpane *spare;	/* emptied lists, kept for reuse */
	uint32_t nspare, capspare;

	struct tide_heap heap;	/* session, over: what to look at next */
	struct wfire *fire;	/* scratch: results of one advance */
	size_t nfire, capfire;
	struct wpent *ptmp, *ptmp2;	/* scratch for sorting and merging
				 * pane lists, capptmp entries each */
	size_t capptmp;
	struct wcur *cur;	/* hop: the sorted runs a firing merges */
	size_t capcur;
	uint32_t *dirty;	/* early/every: keys (tumble, hop) or states
				 * (session) changed since their last result */
	size_t ndirty, capdirty;
	int64_t last_tick;	/* early: the last multiple of early passed */
	int provisional;	/* results being emitted are provisional */
	char *scratch;		/* scratch aggregate block */
	struct tide_aggval *vscratch;

	uint64_t fired, updates, late, early;
	uint32_t memtick;	/* new keys and refusals, for sampling */
	int memover;		/* the last sample was past max_memory */
	uint64_t memnext;	/* sample when spec->mem->grown reaches it */
};

/* Resident bytes of this process (/proc/self/statm; the peak from
 * getrusage where there is none). */
size_t tide_win_resident(void);
/* The default max_memory: half the physical memory, or of the cgroup's
 * memory limit where that is less, in whole MB; 0 (no limit) where the
 * size is unknown. */
size_t tide_win_default_max_memory(void);
/*
 * The memory limit of the cgroup that cgfile (as /proc/self/cgroup) puts
 * this process in, under root (as /sys/fs/cgroup): v2's memory.max, v1's
 * memory.limit_in_bytes, the smaller where both are; 0 for none.
 */
size_t tide_win_cgroup_limit(const char *cgfile, const char *root);

/* Set up w; c is copied (c->spec must outlive w). */
void tide_win_init(struct tide_win *w, const struct tide_win_conf *c,
    tide_win_emit_fn emit, void *ctx);
void tide_win_release(struct tide_win *w);

/*
 * Add a record of key[0..klen) at event time t with aggregate values vals
 * (spec->nfields of them; their raw bytes need only last for the call).
 * Returns 0, TIDE_WIN_LATE, TIDE_WIN_FULL, TIDE_WIN_MEMFULL, or a negative
 * code from the emit
 * callback (updates are emitted at once).  For over windows, *over (when
 * not NULL) gets the block of this record's aggregates, valid until the
 * next call.
 */
int tide_win_add(struct tide_win *w, int64_t t, const char *key, size_t klen,
    const struct tide_aggval *vals, const void **over);
/*
 * A hint for a caller that reads ahead: start fetching what adding key
 * will touch, stage 1 (its index slot) as soon as the key is known, stage
 * 2 (the key's own entry) some time later, stage 3 (its list of windows)
 * later still, then tide_win_add() it.  Nothing observable depends on it.
 */
void tide_win_prefetch(const struct tide_win *w, const char *key, size_t klen,
    int stage);
/* Fire every window whose end is <= wm (watermarks never go back). */
int tide_win_advance(struct tide_win *w, int64_t wm);
/* End of input: fire every open window. */
int tide_win_flush(struct tide_win *w);
/*
 * State files: tide_win_save() appends the open windows (keys, panes or
 * sessions, their aggregate blocks, what early results are due) and the
 * window's watermark to b; tide_win_load() restores them into a w just
 * set up with the same configuration (the caller checks that), advancing
 * *p.  0, or TIDE_EFORMAT on truncated or inconsistent bytes (release w).
 */
int tide_win_save(const struct tide_win *w, struct tide_buf *b);
int tide_win_load(struct tide_win *w, const char **p, const char *end);
/* Open keys and windows (panes, sessions), for --stats. */
size_t tide_win_keys(const struct tide_win *w);	/* with open windows */
size_t tide_win_states(const struct tide_win *w);

/*
 * Barriers (doc/DELIVERY.md): the largest end among the windows not yet
 * fired that start at or before upto (INT64_MAX: every one), or INT64_MIN
 * when there is none (--over has none: a record's result is written with
 * it).  Once the watermark has reached it, every such window has fired.
 * A session may grow later than the end it has now: asking again with the
 * same upto once the watermark gets there tells whether the sessions open
 * before still are.  Tumble and hop cost a step per pane list past upto;
 * sessions a pass over the states.
 */
int64_t tide_win_open_end(const struct tide_win *w, int64_t upto);

/* Window arithmetic, exposed for tests: floor division that rounds toward
 * negative infinity, and the start of the window of size d holding t. */
int64_t tide_win_floor(int64_t t, int64_t d, int64_t align);
int64_t tide_gcd64(int64_t a, int64_t b);

#endif
