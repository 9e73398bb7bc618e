/*
 * Stages of a pipeline: who writes our standard input, and the control
 * channel to the nearest tide stage upstream (doc/DELIVERY.md, section 2).
 *
 * Every tide program that writes records to a pipe listens on the
 * abstract Unix socket "\0tide.<pid>" (struct tide_stage_srv): nothing to
 * create or clean up, the name goes with the process.  A peer of another
 * uid (SO_PEERCRED) is refused, and a peer's hello must name its own pid.
 *
 * A program that reads a pipe finds its nearest upstream tide stage with
 * tide_stage_find(): the process holding the pipe's write end (by /proc,
 * among processes of our uid and session), a tide stage if its socket
 * answers and the listener is that very process; else a foreign program
 * (jq, grep, a shell loop) whose own standard input is followed the same
 * way, up to TIDE_STAGE_MAXHOPS hops.  A writer still being the shell's
 * fork (its exe is our parent's), or named tide-* but not listening yet,
 * is looked at again for up to a second; so is a pipe nobody was seen to
 * hold while a fork of the shell in our process group was there (it may
 * have been moving the pipe onto its fd 1 as its fds were read).  Linux
 * only: elsewhere nothing is found, and the program commits on write as
 * before.
 *
 * The channel (struct tide_stage_conn, downstream side; the srv's peers,
 * upstream side) is a SOCK_SEQPACKET connection: each message is one
 * datagram of ASCII text, at most TIDE_STAGE_MSGMAX bytes, no newline:
 *
 *	hello <pid> <prog> [via <name>/<pid>[,...]] [relays] [txn] [resume <offsets>]
 *	ack <seq>
 *	hold <seq> <event-time-ms>
 *	passed <seq>
 *
 * Messages go upstream only; barriers go downstream in the pipe.  A
 * stage's first hello names itself (pid = the peer's pid); later hellos
 * on the same connection are relayed from further down.  `via` lists the
 * foreign programs between the two stages, upstream first; `relays` says
 * the stage's output is a pipe, so a reader's hello may follow, relayed
 * (the head waits for it before its first fetch: doc/DELIVERY.md section
 * 3); `txn` says the sender is a sink that commits the source's offsets
 * in its own transactions (a Kafka sink with --transactional-id), so the
 * head commits none itself and puts its group's metadata in its
 * barriers; `resume` is a JSON offsets list as in a barrier (lib/barrier.h),
 * what an exactly-once sink recorded with its output (empty: nothing
 * yet).  `passed` says that a barrier the stage had reported held is now
 * written on (the head times its acknowledgement from then: a program
 * further down that drops barriers is then told from one that holds
 * them).  An ack is cumulative (ack 17 covers every barrier up to 17),
 * and a later hold or passed supersedes an earlier one, so the sender
 * keeps only the newest of each: sending never queues without bound and
 * never blocks.
 *
 * Every fd is non-blocking and close-on-exec; a program polls them beside
 * its input (tide_stage_srv_pollfds, tide_stage_conn_events) and calls
 * the matching service function when poll says so.  Structs are owned by
 * the caller and used from one thread; they hold no global state.  Events
 * and messages handed out point into the struct and are valid until the
 * next call on it.  Nothing here prints, exits or installs signal
 * handlers (sends use MSG_NOSIGNAL).
 */
#ifndef TIDE_STAGE_H
#define TIDE_STAGE_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "barrier.h"

#define TIDE_STAGE_MAXHOPS 8		/* foreign programs followed */
#define TIDE_STAGE_MAXWRITERS 16	/* processes holding one pipe */
#define TIDE_STAGE_EXEC_WAIT_MS 1000	/* for a writer still exec'ing */
#define TIDE_STAGE_MSGMAX 65536		/* bytes of one message */
#define TIDE_STAGE_MAXPEERS 8		/* downstream connections */
#define TIDE_STAGE_PROGMAX 32		/* bytes of a program name, NUL */
#define TIDE_STAGE_COMMMAX 16		/* /proc/PID/comm, NUL */

/* Where and why: what failed (static text), errno, the pid concerned. */
struct tide_stage_err {
	const char *what;
	int errnum;
	pid_t pid;
};

/* ---- Discovery -------------------------------------------------------- */

struct tide_stage_foreign {
	pid_t pid;
	char comm[TIDE_STAGE_COMMMAX];	/* as in /proc/PID/comm */
};

/* Why the walk stopped. */
enum tide_stage_end {
	TIDE_STAGE_FOUND = 0,		/* pid is a tide stage */
	TIDE_STAGE_NOT_PIPE,		/* the fd is not a pipe or FIFO */
	TIDE_STAGE_NO_WRITER,		/* nobody of ours holds the write end */
	TIDE_STAGE_FOREIGN_END,		/* a foreign program reads no pipe */
	TIDE_STAGE_TOO_FAR,		/* more than max_hops foreign programs */
	TIDE_STAGE_NO_PROC,		/* /proc is not there (not Linux) */
};

struct tide_stage_up {
	pid_t pid;		/* the upstream tide stage, or 0: none */
	int fd;			/* connected control socket to pid, or -1 */
	enum tide_stage_end end;
	int nvia;		/* foreign programs between, upstream first */
	struct tide_stage_foreign via[TIDE_STAGE_MAXHOPS];
};

enum tide_stage_flags {
	TIDE_STAGE_ANY_SESSION = 1 << 0,	/* look beyond our session */
};

struct tide_stage_opts {
	int max_hops;		/* 0: TIDE_STAGE_MAXHOPS (at most that) */
	int64_t exec_wait_ms;	/* 0: TIDE_STAGE_EXEC_WAIT_MS; < 0: none */
	pid_t shell;		/* whose exe marks an unexec'd fork; 0: parent */
	unsigned flags;
	/* Called between looks at a writer still exec'ing (pid); NULL sleeps
	 * 10 ms.  Tests use it to make the race deterministic. */
	void (*wait)(void *arg, pid_t pid);
	void *wait_arg;
};

/*
 * Find the nearest tide stage upstream of fd (0 in a program).  opts may
 * be NULL for the defaults.  Returns 0 with up filled in: up->pid > 0 and
 * up->fd connected (the caller owns it: hand it to tide_stage_conn_adopt()
 * or close it), or up->pid == 0, up->fd == -1 and up->end saying why; via
 * lists the foreign programs passed either way.  Negative only when the
 * search itself failed (TIDE_EIO: an fstat of fd, a socket; err says
 * which).  Costs a scan of /proc per hop; allocates nothing that outlives
 * the call.
 */
int tide_stage_find(int fd, const struct tide_stage_opts *opts,
    struct tide_stage_up *up, struct tide_stage_err *err);

/* Text for an end ("no process of ours writes the pipe"). */
const char *tide_stage_end_str(enum tide_stage_end end);

/* ---- Messages --------------------------------------------------------- */

enum tide_stage_msg_type {
	TIDE_STAGE_HELLO = 1,
	TIDE_STAGE_ACK,
	TIDE_STAGE_HOLD,
	TIDE_STAGE_PASSED,
};

struct tide_stage_msg {
	enum tide_stage_msg_type type;
	int64_t seq;		/* ack, hold, passed */
	int64_t until_ms;	/* hold: the event time it is held until */
	pid_t pid;		/* hello */
	char prog[TIDE_STAGE_PROGMAX];
	int nvia;
	struct tide_stage_foreign via[TIDE_STAGE_MAXHOPS];
	int has_resume;
	struct tide_barrier_offs resume;
	int relays;		/* hello: a stage whose own reader may say
				 * hello (its output is a pipe) */
	int txn;		/* hello: a sink that commits the offsets in
				 * its transactions */
};

#define TIDE_STAGE_MSG_INIT { 0, 0, 0, 0, "", 0, {{ 0, "" }}, 0, \
	TIDE_BARRIER_OFFS_INIT, 0, 0 }

/* Format m as its wire text into b (replacing b's contents).  0, or
 * TIDE_EINVAL (a prog not [A-Za-z0-9._-]+, a negative seq or pid),
 * TIDE_ETOOBIG (over TIDE_STAGE_MSGMAX).  Via names are written with bytes
 * outside [A-Za-z0-9._+-] as '_'. */
int tide_stage_msg_write(const struct tide_stage_msg *m, struct tide_buf *b);
/* Parse one message p[0..n) into m.  0, or TIDE_EINVAL / TIDE_ERANGE /
 * TIDE_ETOOBIG (the resume list's errors as well) with err->what saying
 * why. */
int tide_stage_msg_parse(struct tide_stage_msg *m, const char *p, size_t n,
    struct tide_stage_err *err);
void tide_stage_msg_release(struct tide_stage_msg *m);

/* ---- Upstream side: the stage that writes the pipe listens ------------ */

struct tide_stage_peer {
	int fd;
	pid_t pid;		/* SO_PEERCRED */
	int hello;		/* said its own hello */
	char prog[TIDE_STAGE_PROGMAX];
	int64_t acked;		/* newest ack, -1: none */
	int64_t held_seq;	/* newest hold, -1: none */
	int64_t held_until;
};

struct tide_stage_srv {
	int fd;			/* listening, or -1 */
	uid_t uid;		/* peers must have it (geteuid() by default) */
	int npeer;
	struct tide_stage_peer peer[TIDE_STAGE_MAXPEERS];
	struct tide_stage_msg msg;	/* the last message read */
	char *rbuf;		/* TIDE_STAGE_MSGMAX + 1 bytes */
};

enum tide_stage_ev_type {
	TIDE_STAGE_EV_PEER = 1,	/* a peer connected (no hello yet) */
	TIDE_STAGE_EV_REFUSED,	/* a peer was refused: uid, or full */
	TIDE_STAGE_EV_MSG,	/* msg from peer (relayed: a hello naming
				 * another pid than the peer's) */
	TIDE_STAGE_EV_BAD,	/* a broken message: the peer is dropped */
	TIDE_STAGE_EV_GONE,	/* a peer closed its end */
};

struct tide_stage_ev {
	enum tide_stage_ev_type type;
	pid_t pid;		/* the peer's */
	uid_t uid;		/* REFUSED: the peer's uid */
	int relayed;		/* MSG: a hello from further down */
	const struct tide_stage_msg *msg;	/* MSG: valid until next call */
	const char *why;	/* REFUSED, BAD: static text */
};

/* Listen on "\0tide.<getpid()>".  0, or TIDE_EIO (err->errnum; EADDRINUSE:
 * another process holds our name). */
int tide_stage_listen(struct tide_stage_srv *s, struct tide_stage_err *err);
/* Fill up to max pollfds (1 + npeer suffices; TIDE_STAGE_MAXPEERS + 1
 * always does) with POLLIN on the listener and each peer; returns the
 * count.  The set changes as peers come and go: fill it before each poll. */
int tide_stage_srv_pollfds(const struct tide_stage_srv *s, struct pollfd *pfd,
    int max);
/*
 * Accept a waiting peer or read one waiting message: 1 with ev filled in,
 * 0 when nothing is waiting (call until 0 after poll says readable).  A
 * peer that fails (a broken message, a hello naming another pid than its
 * own first) is closed after its event.  Negative only for a listener
 * failure (TIDE_EIO).
 */
int tide_stage_srv_next(struct tide_stage_srv *s, struct tide_stage_ev *ev,
    struct tide_stage_err *err);
/* The smallest newest ack over the peers that said hello: what every
 * reader has acknowledged, or -1 (none yet, or a reader has not acked). */
int64_t tide_stage_srv_acked(const struct tide_stage_srv *s);
/* Peers that said their hello. */
int tide_stage_srv_readers(const struct tide_stage_srv *s);
/* Close the listener and every peer. */
void tide_stage_srv_close(struct tide_stage_srv *s);

/* ---- Downstream side: the reader's connection upstream ---------------- */

struct tide_stage_conn {
	int fd;			/* -1: not connected */
	pid_t pid;		/* the upstream stage */
	/* What is still to send, oldest first: hellos (ours, relayed). */
	int nhello;
	struct tide_buf hello[TIDE_STAGE_MAXPEERS + 1];
	int64_t ack;		/* pending ack, -1: none */
	int64_t hold_seq;	/* pending hold, -1: none */
	int64_t hold_until;
	int64_t passed_seq;	/* pending passed, -1: none */
	int64_t acked;		/* newest ack sent (or pending) */
	struct tide_buf out;	/* scratch */
};

/* Make c an unconnected connection; call it once before anything else
 * (connect and adopt keep its buffers). */
void tide_stage_conn_init(struct tide_stage_conn *c);
/* Connect to the stage pid's socket and check that pid listens there with
 * our uid.  0, TIDE_ENOENT (nobody listens, or another process holds the
 * name: err->pid), TIDE_EIO. */
int tide_stage_connect(struct tide_stage_conn *c, pid_t pid,
    struct tide_stage_err *err);
/* Take the socket tide_stage_find() connected (up->fd becomes -1). */
void tide_stage_conn_adopt(struct tide_stage_conn *c, struct tide_stage_up *up);
/* Queue our hello: prog, the foreign programs of up (may be NULL), resume
 * offsets (may be NULL). */
int tide_stage_hello(struct tide_stage_conn *c, const char *prog,
    const struct tide_stage_up *up, const struct tide_barrier_offs *resume);
/* The same, saying `relays` when relays is not 0. */
int tide_stage_hello_relays(struct tide_stage_conn *c, const char *prog,
    const struct tide_stage_up *up, const struct tide_barrier_offs *resume,
    int relays);
/* Hello flags. */
enum tide_stage_hello_flags {
	TIDE_STAGE_HELLO_RELAYS = 1 << 0,	/* `relays` */
	TIDE_STAGE_HELLO_TXN = 1 << 1,		/* `txn` */
};
/* The same, with enum tide_stage_hello_flags. */
int tide_stage_hello_flags(struct tide_stage_conn *c, const char *prog,
    const struct tide_stage_up *up, const struct tide_barrier_offs *resume,
    unsigned flags);
/* Queue an ack of seq (and of everything before): supersedes a pending
 * ack and any pending hold of a seq up to it. */
int tide_stage_ack(struct tide_stage_conn *c, int64_t seq);
/* Queue a hold report: barrier seq is held until event time until_ms. */
int tide_stage_hold(struct tide_stage_conn *c, int64_t seq, int64_t until_ms);
/* Queue a passed report: barrier seq, reported held, is written on now. */
int tide_stage_passed(struct tide_stage_conn *c, int64_t seq);
/*
 * Send what is queued, as far as the socket takes it.  0 when all is sent,
 * TIDE_EAGAIN when some waits for POLLOUT, TIDE_EPIPE when upstream is
 * gone (the connection is closed then, and later calls say TIDE_EPIPE
 * again), TIDE_EIO.  Each queueing call flushes too, and returns this.
 */
int tide_stage_flush(struct tide_stage_conn *c);
/* Poll events for the connection: POLLIN (to see upstream go away) and
 * POLLOUT while something waits; 0 when not connected. */
short tide_stage_conn_events(const struct tide_stage_conn *c);
/* Poll said something: TIDE_EPIPE if upstream went away (closed then),
 * else what tide_stage_flush() says. */
int tide_stage_conn_service(struct tide_stage_conn *c, short revents);
void tide_stage_conn_close(struct tide_stage_conn *c);

/*
 * A middle stage's relay, for each event of its srv: a relayed or a
 * reader's hello is queued upstream as it came; acks go up as the
 * smallest over the readers (tide_stage_srv_acked()), when it grows; a
 * hold or passed goes up as it came.  Other events change nothing: a reader that
 * goes away does not release acks by itself (the program decides what
 * its loss means).  Returns what
 * the queueing returns.  A middle stage with no reader acknowledges by
 * itself instead (doc/DELIVERY.md); this does not decide that.
 */
int tide_stage_relay(struct tide_stage_conn *up,
    const struct tide_stage_srv *down, const struct tide_stage_ev *ev);

#endif
