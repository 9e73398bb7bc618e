/*
 * Event-time watermarks, shared by tide-window (struct tide_wm) and
 * tide-join's interval join with a Kafka stream (the partition record, the
 * quiet rule and the delay arithmetic below; its own rules on top: a
 * partition still behind the topic's end holds even when quiet, and the
 * pair's watermark is the smaller of two streams').
 *
 * Watermarks: the maximum event time seen, less the delay.  With
 * partitions (a partition is any byte string: tide-window uses the topic
 * and partition of envelope input) the watermark is the minimum over
 * partitions, and a partition that has had no record for idle ms of wall
 * time no longer holds it back.  Only partitions seen so far count, unless
 * the caller declares how many there are (tide_wm_expect()): then the
 * ones not seen yet hold the watermark where it is -- a backlog read one
 * partition after another would otherwise make the later partitions'
 * records late -- until they show up or, with idle set, until idle ms of
 * wall time have passed since the first record (as Flink's idleness and
 * Kafka Streams' max.task.idle.ms treat partitions with no data).  With
 * idle set and no input at all for that long, tide_wm_tick() moves the
 * watermark on with the wall clock so quiet streams still close their
 * windows.  The watermark never goes back.
 */
#ifndef TIDE_WM_H
#define TIDE_WM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"
#include "sat.h"

/* One partition of a stream: its greatest event time (INT64_MIN before
 * its first record) and the wall time (ms) of its last record. */
struct tide_wm_part {
	int64_t max;
	int64_t wall;
};

/* Whether p has been quiet for idle ms at wall time now (idle 0: never). */
static inline int
tide_wm_quiet(const struct tide_wm_part *p, int64_t idle, int64_t now)
{
	return idle > 0 && now - p->wall >= idle;
}

/* Event time t less delay, saturating at the ends of int64. */
static inline int64_t
tide_wm_less(int64_t t, int64_t delay)
{
	return tide_sat_sub(t, delay);
}

/* The least greatest time of the partitions p[0..n) that are not quiet,
 * or INT64_MAX when every one is. */
static inline int64_t
tide_wm_low(const struct tide_wm_part *p, size_t n, int64_t idle,
    int64_t now)
{
	int64_t low = INT64_MAX;
	size_t i;

	for (i = 0; i < n; i++)
		if (!tide_wm_quiet(&p[i], idle, now) && p[i].max < low)
			low = p[i].max;
	return low;
}

struct tide_wm {
	int64_t delay, idle;	/* idle 0: never */
	int64_t max;		/* greatest event time seen */
	int64_t lastwall;	/* wall time of the last record */
	int64_t firstwall;	/* wall time of the first record */
	size_t expect;		/* partitions the input holds, or 0 */
	int64_t wm;
	struct tide_htab partidx;	/* partition bytes -> index */
	struct tide_wm_part *parts;
	size_t nparts;
};

void tide_wm_init(struct tide_wm *m, int64_t delay, int64_t idle);
void tide_wm_release(struct tide_wm *m);
/* The input holds n partitions (0: unknown, only those seen count). */
void tide_wm_expect(struct tide_wm *m, size_t n);
/* A record at t from partition part[0..plen) (plen 0: no partitions),
 * seen at wall time now (ignored unless idle is set).  Returns the
 * watermark. */
int64_t tide_wm_see(struct tide_wm *m, const char *part, size_t plen,
    int64_t t, int64_t now);
/* No record arrived: returns the watermark at wall time now. */
int64_t tide_wm_tick(struct tide_wm *m, int64_t now);
/* State files: the greatest times seen, per partition too; partitions
 * restored count as seen at wall time now. */
void tide_wm_save(const struct tide_wm *m, struct tide_buf *b);
int tide_wm_load(struct tide_wm *m, const char **p, const char *end,
    int64_t now);

#endif
