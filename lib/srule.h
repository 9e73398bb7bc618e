/*
 * Stream rules: what a data-quality gate (tide-check) checks beyond a
 * record's own shape, in bounded memory.
 *
 * struct tide_uniq: duplicates of a key within a span of event time.  A
 * key is remembered with the time it was last accepted; a record whose
 * key was accepted at most `within` ms away (either side) is a
 * duplicate.  Memory is bounded by time, not by count: keys live in two
 * generations of at least `within` ms each (by the newest event time
 * seen); a new generation drops the one before the last, so every key
 * accepted within `within` of the newest time is still known, and none
 * older than twice that is kept.
 *
 * struct tide_ratelim: at most n records per key in each period of
 * `per` ms (fixed periods aligned on the epoch, by the record's time).
 * Two generations again: the current period and the one before it; a
 * record of an older period is not counted against anything.
 *
 * struct tide_failwin: the share of failing records over the last `span`
 * ms, in TIDE_FAILWIN_SLOTS slots of span/SLOTS ms by the caller's clock
 * (event time or a monotonic clock): judged once the window has been
 * filled once (span passed since its first record), or at the end.
 *
 * Check, then note: a gate remembers only the records it accepts, so the
 * check (tide_uniq_seen, tide_ratelim_over) changes nothing and the note
 * (tide_uniq_note, tide_ratelim_note) records an accepted one.  Keys are
 * bytes (a canonical key text, lib/key.h), copied into the tables' arenas;
 * nothing is allocated per record once the arenas have grown.
 */
#ifndef TIDE_SRULE_H
#define TIDE_SRULE_H

#include <stddef.h>
#include <stdint.h>

#include "htab.h"

struct tide_uniq {
	int64_t within;
	struct tide_htab gen[2];	/* int64_t: the time last accepted */
	int cur;
	int64_t start;			/* of the current generation */
	int started;
};

void tide_uniq_init(struct tide_uniq *u, int64_t within);
void tide_uniq_release(struct tide_uniq *u);
/* Whether key was accepted within u->within of t: 1 with *prev (that
 * time), else 0. */
int tide_uniq_seen(struct tide_uniq *u, const char *key, size_t n,
    int64_t t, int64_t *prev);
/* Remember key as accepted at t. */
void tide_uniq_note(struct tide_uniq *u, const char *key, size_t n,
    int64_t t);
/* Keys held now (both generations). */
size_t tide_uniq_keys(const struct tide_uniq *u);

struct tide_ratelim {
	int64_t n, per;
	struct tide_htab gen[2];	/* int64_t: records in the period */
	int cur;
	int64_t period;			/* the current period's index */
	int started;
};

/* Parse "N/s", "N/10s", "N/m", "N/1h30m" (a duration, its number 1 when
 * left out) into *n and *per (ms): 0 or TIDE_EINVAL. */
int tide_ratelim_parse(const char *s, int64_t *n, int64_t *per);
void tide_ratelim_init(struct tide_ratelim *l, int64_t n, int64_t per);
void tide_ratelim_release(struct tide_ratelim *l);
/* Whether one more record of key at t would pass the bound: 1 over it
 * (*count: those already accepted in its period), else 0. */
int tide_ratelim_over(struct tide_ratelim *l, const char *key, size_t n,
    int64_t t, int64_t *count);
void tide_ratelim_note(struct tide_ratelim *l, const char *key, size_t n,
    int64_t t);

#define TIDE_FAILWIN_SLOTS 10

struct tide_failwin {
	int64_t span, slot;		/* ms */
	uint64_t pass[TIDE_FAILWIN_SLOTS], fail[TIDE_FAILWIN_SLOTS];
	int64_t head;			/* index of the newest slot */
	int64_t first, last;		/* clock of the first record, newest */
	int started;
};

void tide_failwin_init(struct tide_failwin *w, int64_t span);
/* Count one record at clock now (a clock older than the window counts in
 * its oldest slot). */
void tide_failwin_add(struct tide_failwin *w, int64_t now, int failed);
/* Whether the window has been filled once, as of its newest record. */
int tide_failwin_full(const struct tide_failwin *w);
/* The records and failures in the window. */
void tide_failwin_sum(const struct tide_failwin *w, uint64_t *total,
    uint64_t *failed);

#endif
