/*
 * A program's part in its pipeline's delivery (doc/DELIVERY.md): which
 * barriers it writes, passes on or acknowledges, over the control channel
 * of lib/stage and the barrier lines of lib/barrier.  A command holds one
 * struct tide_flow and calls it from its main loop; this module decides
 * nothing about records, files or offsets of its own.
 *
 * Three roles:
 *
 *   TIDE_FLOW_HEAD   (tide-source) listens for readers on its socket.
 *                    Once a tide stage downstream has said hello, the
 *                    program writes a barrier every interval
 *                    (tide_flow_barrier_due, tide_flow_barrier), carrying
 *                    the offsets of the records written before it, and
 *                    commits only what tide_flow_commit_ready() hands it:
 *                    the offsets of the newest barrier every reader has
 *                    acknowledged.  With no reader it commits on write, as
 *                    before (tide_flow_mode).  A reader whose hello says
 *                    `txn` (a Kafka sink with --transactional-id) commits
 *                    the offsets itself, in its transactions: then
 *                    f->txn, the head commits nothing, and its barriers
 *                    carry the group's metadata, f->group.
 *   TIDE_FLOW_STAGE  (tide-window, tide-join) finds its upstream tide stage
 *                    and says hello; listens for its own readers and relays
 *                    their hellos, holds and acknowledgements upstream.  A
 *                    barrier read from input (tide_flow_read_barrier) is,
 *                    once everything before it is written, either written
 *                    on (a tide stage reads us) or acknowledged at once
 *                    (our output goes to a file, a terminal or a foreign
 *                    program that does not lead to a tide stage):
 *                    tide_flow_pass() says which.
 *   TIDE_FLOW_SINK   (tide-sink) finds its upstream and says hello, and
 *                    acknowledges a barrier (tide_flow_ack) once everything
 *                    before it is durable.
 *
 * Nothing blocks but tide_flow_linger(): tide_flow_service() polls the
 * sockets with a zero timeout, so a command calls it where it already
 * wakes (a batch, an idle input, a barrier).  A stage's acknowledgements
 * therefore travel on when its input next moves; the head's barriers keep
 * every stage's input moving.
 *
 * The struct is the caller's, used from one thread; it holds no global
 * state beyond the process's socket name (one listener per process).
 * Nothing here prints or exits: tide_flow_why() gives the text of a
 * warning for the caller to print.
 */
#ifndef TIDE_FLOW_H
#define TIDE_FLOW_H

#include <stdint.h>

#include "barrier.h"
#include "buf.h"
#include "stage.h"

#define TIDE_FLOW_PENDING 64	/* barriers written and not yet acknowledged */
#define TIDE_FLOW_GRACE_MS 2000	/* for a reader's hello, at the start */
#define TIDE_FLOW_RESUME_WAIT_MS 5000	/* for the hellos to reach a sink */

enum tide_flow_role {
	TIDE_FLOW_HEAD = 1,
	TIDE_FLOW_STAGE,
	TIDE_FLOW_SINK,
};

/* What the head commits by (tide_flow_mode). */
enum tide_flow_mode {
	TIDE_FLOW_WRITTEN = 0,	/* no tide reader: on write, as before */
	TIDE_FLOW_WAIT,		/* a reader may yet say hello: nothing yet */
	TIDE_FLOW_ACKED,	/* a tide reader: acknowledged barriers only */
};

/* What a stage does with the barrier it read (tide_flow_pass). */
enum tide_flow_pass {
	TIDE_FLOW_FORWARD = 1,	/* write the line on, in order (also when
				 * the reader that said hello has gone: the
				 * write fails, and the stage ends as on a
				 * broken pipe) */
	TIDE_FLOW_ACK,		/* flush the output, then tide_flow_ack() */
	TIDE_FLOW_DROP,		/* neither: a reader may yet say hello */
};

struct tide_flow_pend {
	int64_t seq;
	int64_t at_ms;
	int final;
	struct tide_barrier_offs offs;
};

struct tide_flow {
	enum tide_flow_role role;
	char prog[TIDE_STAGE_PROGMAX];
	int64_t start_ms;
	int64_t now_ms;			/* as of the last service */

	/* Upstream (stage, sink). */
	struct tide_stage_conn up;
	struct tide_stage_up found;	/* what the search found */
	int has_up;			/* connected at open */
	int up_gone;			/* ... and lost since */

	/* Downstream (head, stage). */
	struct tide_stage_srv srv;
	int listening;
	int had_reader;			/* a reader said hello, ever */
	char readers[256];		/* "tide-window (pid 4242) via jq/77" */

	/* Head. */
	int64_t interval_ms;
	int64_t next_seq;
	int64_t last_barrier_ms;
	struct tide_flow_pend pend[TIDE_FLOW_PENDING];
	int pfirst, npend;
	int64_t acked_seq;		/* newest seq every reader acknowledged */
	int64_t committed_seq;		/* newest handed to commit_ready */
	int64_t news_ms;		/* last ack or hold */
	int64_t held_seq, held_until;	/* newest hold report */
	int64_t passed_seq;		/* newest barrier a holding stage
					 * passed on, not yet acknowledged */
	int64_t passed_ms;		/* since then no progress past it */
	int warned;
	int passed_warned;
	struct tide_barrier_offs commit;
	int has_resume;
	struct tide_barrier_offs resume;	/* from readers' hellos: the
						 * smallest per partition */
	int chain_ends;			/* hellos of readers that relay none
					 * (or carry resume offsets) */
	int searched;			/* tide_flow_connect() ran */
	/* Head: a reader's hello said `txn` (a sink commits the offsets in
	 * its transactions: commit none here), and the group's metadata its
	 * barriers then carry (the caller's to fill).  Sink: say `txn` in
	 * the hello (set before tide_flow_open()). */
	int txn;
	struct tide_buf group;

	/* Stage, sink: the barrier last read. */
	struct tide_barrier b;
	struct tide_barrier_err berr;
	int64_t nseen;			/* barriers read */
	int final_seen;

	struct tide_buf scratch;
};

/* Make f a flow of the given role, with nothing open.  interval_ms is the
 * head's barrier interval (0: 1 s). */
void tide_flow_init(struct tide_flow *f, enum tide_flow_role role,
    const char *prog, int64_t interval_ms);
/*
 * Look for the upstream tide stage of a stage or sink whose input in_fd
 * is a pipe, and connect to it without a hello yet (tide_flow_open()
 * says it): a sink learns whether a tide stage is upstream before it
 * reads what it recorded.  0 whether found or not (tide_flow_upstream),
 * negative as tide_flow_open().  Once per flow.
 */
int tide_flow_connect(struct tide_flow *f, int in_fd,
    struct tide_stage_err *err);
/*
 * Open the flow on the program's input and output descriptors: a stage or
 * sink whose input is a pipe looks for its upstream tide stage and says
 * hello (with resume offsets, may be NULL); a head or stage whose output
 * is a pipe or FIFO listens for readers.  0 whether or not anything was
 * found (tide_flow_upstream, tide_flow_readers say); negative only when a
 * search or the listener failed for another reason (err says what): the
 * program then carries on as if alone.
 */
int tide_flow_open(struct tide_flow *f, int in_fd, int out_fd,
    const struct tide_barrier_offs *resume, struct tide_stage_err *err);
void tide_flow_close(struct tide_flow *f);

/* Poll the flow's sockets once, without waiting, and take what came:
 * readers and their messages, relays (a stage), the upstream going away.
 * now_ms is a monotonic clock.  Returns the number of events taken. */
int tide_flow_service(struct tide_flow *f, int64_t now_ms);

/* Connected to a tide stage upstream (and not lost since). */
int tide_flow_upstream(const struct tide_flow *f);
/* Readers that said hello now. */
int tide_flow_readers(const struct tide_flow *f);
/* A reader said hello and none is left: the stage after us died (a stage
 * that holds its barriers would not otherwise write, and learn it). */
int tide_flow_reader_gone(const struct tide_flow *f);

/* ---- Head ------------------------------------------------------------- */

/* How the head commits, as of now_ms: ACKED once a reader has ever said
 * hello (for good: a reader that goes away does not bring back commits on
 * write); WAIT in the first TIDE_FLOW_GRACE_MS while the output is a pipe;
 * else WRITTEN. */
enum tide_flow_mode tide_flow_mode(const struct tide_flow *f, int64_t now_ms);
/* Whether a barrier is due: a reader (or one that said hello and has
 * gone: the write then fails, and the head learns its reader died), and
 * the interval passed since the last one. */
int tide_flow_barrier_due(const struct tide_flow *f, int64_t now_ms);
/*
 * Append the next barrier line, with its newline, to out, and remember
 * offs under its sequence number until it is acknowledged (the oldest
 * pending is forgotten past TIDE_FLOW_PENDING: acknowledgements are
 * cumulative, so that costs progress, never safety).  Returns the
 * sequence number, or a negative code (TIDE_ETOOBIG from out's cap, the
 * offsets' errors).
 */
int64_t tide_flow_barrier(struct tide_flow *f,
    const struct tide_barrier_offs *offs, int final, struct tide_buf *out,
    int64_t now_ms);
/* The offsets to commit, once every reader has acknowledged a barrier not
 * yet handed out: those of the newest such barrier (its sequence in *seq
 * if not NULL), valid until the next call; else NULL. */
const struct tide_barrier_offs *tide_flow_commit_ready(struct tide_flow *f,
    int64_t *seq);
/*
 * Whether barriers have gone unacknowledged, with no hold report either,
 * for timeout_ms; or a barrier that a stage held and then passed on
 * (a `passed` report) has gone unacknowledged for timeout_ms since, with
 * no acknowledgement of anything in between (hold reports of later
 * barriers do not count: a program after the holding stage that drops
 * barriers would hide behind them).  1 once per silence (a later ack, or
 * for the first kind a hold, re-arms it), else 0.  tide_flow_why() then
 * says what and the likely cause.
 */
int tide_flow_overdue(struct tide_flow *f, int64_t now_ms,
    int64_t timeout_ms);
/* Text for the caller's warning (valid until the next call on f). */
const char *tide_flow_why(struct tide_flow *f, int64_t now_ms);
/* The readers' resume offsets (an exactly-once sink's way back: with
 * several, per partition the smallest), or NULL. */
const struct tide_barrier_offs *tide_flow_resume(const struct tide_flow *f);
/*
 * Whether the head has heard what it will hear before its first fetch:
 * the output is not a pipe; a reader's hello ended a chain of stages (a
 * sink's, one with resume offsets, a stage that relays none); no reader
 * within TIDE_FLOW_GRACE_MS; or TIDE_FLOW_RESUME_WAIT_MS have passed
 * since the start (a stage's output that reaches no tide reader: a
 * foreign program, wc).
 */
int tide_flow_settled(const struct tide_flow *f, int64_t now_ms);

/* ---- Stage and sink ---------------------------------------------------- */

/* Parse the barrier line[0..len) (tide_barrier_is() said yes) into f->b.
 * 0, or the parse's code with f->berr saying why (a broken barrier: the
 * caller reports it as bad input). */
int tide_flow_read_barrier(struct tide_flow *f, const char *line, size_t len);
/* What a stage does with f->b, as of now_ms (see enum tide_flow_pass). */
enum tide_flow_pass tide_flow_pass(const struct tide_flow *f, int64_t now_ms);
/* Acknowledge seq (and everything before it) upstream: 0, or TIDE_EPIPE
 * when the upstream stage is gone (the program decides what that means). */
int tide_flow_ack(struct tide_flow *f, int64_t seq);
/* Report upstream that barrier seq is held until event time until_ms. */
int tide_flow_hold(struct tide_flow *f, int64_t seq, int64_t until_ms);
/* Report upstream that barrier seq, reported held, is written on now. */
int tide_flow_passed(struct tide_flow *f, int64_t seq);
/* At the end of input: 0 if it ended as a pipeline's input should (no
 * barrier seen, or the final one seen), else TIDE_EPIPE: barriers came and
 * the final one did not, so a stage before this one died. */
int tide_flow_input_ended(const struct tide_flow *f);

/* ---- Shutdown ------------------------------------------------------------ */

/*
 * Wait up to timeout_ms for the readers to acknowledge seq (a head: its
 * final barrier; a stage: the final barrier it wrote on), servicing and
 * relaying meanwhile.  1 when acknowledged, 0 when the time ran out or
 * every reader went away.
 */
int tide_flow_linger(struct tide_flow *f, int64_t seq, int64_t timeout_ms);

#endif
