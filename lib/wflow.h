/*
 * A window stage's barriers (doc/DELIVERY.md, "What each stage does with
 * a barrier"): tide-window's part in its pipeline's delivery, over
 * lib/flow.h and lib/bhold.h.  With --state a barrier is saved at: the
 * output before it is flushed, the state file saved with the barrier's
 * offsets, and the barrier passes on at once.  Else it is held until the
 * windows open when it came have fired (reported upstream as a hold), and
 * passed on in arrival order.  Passing on is writing the line on (a tide
 * stage reads us), or acknowledging it upstream once the output and the
 * late file before it are flushed, or dropping it (a reader may yet say
 * hello: a later acknowledgement covers it).
 *
 * struct tide_wflow is the caller's, used from one thread.  It borrows the
 * writer, the result writer (for its late file), the windows, the
 * watermark and the state file (NULL without --state), which must outlive
 * it, and owns the flow and the held barriers.  Nothing is allocated per
 * record; nothing here prints or exits: calls return 0 or a TIDE_E* code,
 * and err says whether the output, the late file or the state file failed
 * (the caller words the message).
 */
#ifndef TIDE_WFLOW_H
#define TIDE_WFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "bhold.h"
#include "flow.h"
#include "rio.h"
#include "window.h"
#include "winout.h"
#include "wm.h"
#include "wstate.h"

#define TIDE_WFLOW_LINGER_MS 5000	/* for the final barrier's ack */

enum tide_wflow_where {
	TIDE_WFLOW_OUT = 0,	/* the output: its writer's code */
	TIDE_WFLOW_LATE,	/* the late file: TIDE_EIO, errnum */
	TIDE_WFLOW_STATE,	/* the state file: TIDE_EIO, state.msg */
};

struct tide_wflow_err {
	enum tide_wflow_where where;
	int errnum;
	struct tide_wstate_err state;
};

struct tide_wflow {
	struct tide_flow flow;
	struct tide_bhold held;
	int64_t final_fwd;		/* the final barrier written on, or -1 */
	struct tide_wout *out;		/* borrowed */
	struct tide_winout *wo;		/* borrowed */
	struct tide_win *win;		/* borrowed */
	const struct tide_wm *wm;	/* borrowed */
	struct tide_wstate *ws;		/* borrowed; NULL: no --state */
};

/* Make wf a window stage's flow over these, with nothing open yet. */
void tide_wflow_init(struct tide_wflow *wf, struct tide_wout *out,
    struct tide_winout *wo, struct tide_win *win, const struct tide_wm *wm,
    struct tide_wstate *ws);
/* Find the stage upstream and listen for readers (tide_flow_open()): 0,
 * or negative with err saying why (the stage then runs alone). */
int tide_wflow_open(struct tide_wflow *wf, int in_fd, int out_fd,
    struct tide_stage_err *err);

/* The barrier line[0..len) read (tide_flow_read_barrier() took it into
 * wf->flow.b), every record before it added: saved at, passed or held as
 * above.  0 or a code, err saying where. */
int tide_wflow_barrier(struct tide_wflow *wf, const char *line, size_t len,
    struct tide_wflow_err *err);
/* Pass on, in order, the held barriers whose windows have all fired (all:
 * every one, at the end of input once every window is written).  A
 * session may have grown past the end it had when its barrier came: the
 * barrier then waits for the new end.  0 or a code, err saying where. */
int tide_wflow_pass_held(struct tide_wflow *wf, int all,
    struct tide_wflow_err *err);
/* Before a read that may block: what is held may go, the output is
 * flushed, the control channel looked at.  0 or a code as above. */
int tide_wflow_idle(struct tide_wflow *wf, struct tide_wflow_err *err);
/* Look at the control channel (tide_flow_service(), monotonic clock). */
void tide_wflow_service(struct tide_wflow *wf);

/* The end: with out_fd >= 0 (the run went well) and the final barrier
 * written on, out_fd is closed and its acknowledgement awaited for at
 * most TIDE_WFLOW_LINGER_MS; what the socket could not take goes now;
 * the flow is closed and the held barriers freed. */
void tide_wflow_close(struct tide_wflow *wf, int out_fd);

#endif
