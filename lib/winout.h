/*
 * Where tide-window's records go: each result of lib/window.c as an
 * output record, the --over record with its aggregates, and late records
 * to the --late-file.
 *
 * A result record is
 *
 *	{"window_start":S,"window_end":E,"k1":V1,...,"agg":X,...}
 *
 * with the window times as epoch milliseconds or RFC 3339 strings, the key
 * fields' canonical JSON texts (the key bytes of tide_win_add(): the key
 * fields' tide_key_json() texts joined with NUL bytes), then the aggregates
 * (tide_agg_emit()), "update":true for a window re-emitted within its
 * allowed lateness, and with marked (an --emit mode other than final)
 * "final":true or false.  Windows fire in batches with one start and end,
 * so their common head is made once; a hop pane's key and aggregates are
 * made once and kept in the pane's memo for the other windows it is in.
 * An --over record is the input record with its aggregates added.
 *
 * Late records (tide_win_add() said TIDE_WIN_LATE) are counted, and with
 * a late file written there, one a line, as they came.
 *
 * struct tide_winout is the caller's.  It borrows the writer, the
 * aggregate spec and the late file's path, which must outlive it, and
 * owns its buffers and the late file.  Nothing is allocated per record
 * once the buffers have grown.  Nothing here prints: calls return 0 or the
 * writer's TIDE_E* code (the late file: TIDE_EIO with errno).
 */
#ifndef TIDE_WINOUT_H
#define TIDE_WINOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agg.h"
#include "buf.h"
#include "rio.h"
#include "window.h"

struct tide_winout {
	struct tide_wout *out;		/* borrowed */
	const struct tide_aggspec *spec;	/* borrowed */
	int nkeys;
	int rfc3339;			/* window times as RFC 3339 strings */
	int marked;			/* results say "final":true/false */
	struct tide_buf *qkeys;		/* ,"name": per key field */
	struct tide_buf hdr;		/* {"window_start":..,"window_end":.. */
	int64_t hdr_start, hdr_end;
	struct tide_buf ob;		/* one output record */
	uint64_t n;			/* records written */
	FILE *late;			/* the late file, or NULL */
	const char *latepath;
	uint64_t late_n;		/* late records */
};

/* Write to out, results of spec with the key fields names[0..nkeys). */
void tide_winout_init(struct tide_winout *wo, struct tide_wout *out,
    const struct tide_aggspec *spec, char *const *names, int nkeys,
    int rfc3339, int marked);

/* The emit callback of struct tide_win (ctx: the struct tide_winout). */
int tide_winout_emit(void *ctx, const struct tide_win_out *r);

/* --over: the record rec[0..n) with the aggregates of state added. */
int tide_winout_over(struct tide_winout *wo, const char *rec, size_t n,
    const void *state);

/* Open path for late records (appending): 0 or TIDE_EIO. */
int tide_winout_late_open(struct tide_winout *wo, const char *path);
/* A late record: counted, and written to the late file if there is one.
 * 0, or TIDE_EIO with errno set. */
int tide_winout_late(struct tide_winout *wo, const char *rec, size_t n);
/* Write out and close the late file (if open): 0, or TIDE_EIO with errno
 * set (a full disk shows here, when the last lines are written). */
int tide_winout_late_close(struct tide_winout *wo);

/* Free the buffers and close the late file: 0, or TIDE_EIO when closing
 * it failed. */
int tide_winout_release(struct tide_winout *wo);

#endif
