/*
 * A materialized view as a back end of tide-sink (lib/sinkbe.h): each
 * record upserted into the view (lib/view/view.h, SQLite or Redis), the
 * batch committed by count, by --batch-time (tick() on every record and
 * when input is quiet) and whenever input pauses (idle()), so readers are
 * never kept waiting for records that are already here.
 *
 * put(): a record that is not an object, lacks a key field or holds an
 * unusable value is TIDE_EINVAL (a bad record, err->msg saying why); a
 * failing store is TIDE_EIO with err->remote for Redis.  idle(): a failed
 * commit is reported in err->msg and ends the reading: TIDE_EIO for an
 * SQLite file, TIDE_EPIPE for Redis (the end of input, as it were: the
 * final commit then reports it again and decides).  sync() commits the
 * batch at once (a barrier): TIDE_EIO, with err->remote for Redis, when
 * it cannot.  finish() commits what
 * was read -- unless the run already failed on the store -- and sets
 * TIDE_SINKBE_WRITE_FAILED when it cannot.
 *
 * Messages name an SQLite view "--sqlite 'FILE'" at open and when idle,
 * "FILE" otherwise; a Redis one "--redis".  struct tide_vsink is the
 * caller's and owns the view and those names; conf->target is borrowed
 * and must outlive it (the rest of conf only the open call).
 */
#ifndef TIDE_VIEW_VSINK_H
#define TIDE_VIEW_VSINK_H

#include "sinkbe.h"
#include "view/view.h"

struct tide_vsink {
	struct tide_sinkbe be;
	struct tide_view view;
	const char *vpath;		/* FILE, or "--redis", in messages */
	char *vopt;			/* "--sqlite 'FILE'" or "--redis" */
};

/*
 * Open the view of conf; opt is the option that named it ("--sqlite",
 * "--redis"), for messages.  0, or as tide_view_open() with err->msg
 * ("--sqlite 'FILE': ...") and err->remote for Redis.  Close with
 * be.ops->close() either way.
 */
int tide_vsink_open(struct tide_vsink *v, const struct tide_view_conf *conf,
    const char *opt, tide_sinkbe_say_fn say, void *ctx,
    struct tide_sinkbe_err *err);

#endif
