/*
 * lib/stage with real processes: children joined by pipes, as a shell
 * joins a pipeline.  No sleeps synchronise anything: a child says it is
 * ready on a pipe, an exec is seen as the end of file of a close-on-exec
 * pipe, and the writer-not-yet-exec'd race is driven through the search's
 * wait hook.  Polls carry a 10 s bound only as a guard against a hang.
 *
 * A child's fds: 0 and 1 as the test sets them (else /dev/null), 2 kept,
 * 3 "ready" (write), 4 "go/stop" (read; its end of file means stop),
 * 5 "report" (write), everything else closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barrier.h"
#include "err.h"
#include "stage.h"
#include "unit.h"

#define GUARD_MS 10000

static pid_t test_pid;		/* the test process, for children */

/* ---- Children --------------------------------------------------------- */

struct kid {
	pid_t pid;
	int ready;	/* read end of the child's fd 3 */
	int go;		/* write end of the child's fd 4 */
	int report;	/* read end of the child's fd 5 */
};

static void
xpipe(int p[2])
{
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
}

/*
 * Fork a child with in/out as its fds 0/1 (-1: /dev/null) that runs fn
 * (fn returns the exit status) or, with argv, execs it; fd 3 is then
 * close-on-exec, so end of file on k->ready means the exec happened.
 */
static void
spawn(struct kid *k, int in, int out, int (*fn)(void), char *const argv[])
{
	int r[2], g[2], rep[2];

	xpipe(r);
	xpipe(g);
	xpipe(rep);
	k->pid = fork();
	ck_assert_int_ge(k->pid, 0);
	if (k->pid == 0) {
		int src[6] = { in, out, -1, r[1], g[0], rep[1] }, hi[6], i;
		int null = open("/dev/null", O_RDWR);

		if (src[0] < 0)
			src[0] = null;
		if (src[1] < 0)
			src[1] = null;
		for (i = 0; i < 6; i++)
			hi[i] = i == 2 ? 2 : fcntl(src[i], F_DUPFD, 200);
		for (i = 0; i < 6; i++)
			if (i != 2 && dup2(hi[i], i) < 0)
				_exit(120);
		close_range(6, ~0U, 0);
		signal(SIGPIPE, SIG_IGN);
		if (argv) {
			fcntl(3, F_SETFD, FD_CLOEXEC);
			execv(argv[0], argv);
			_exit(121);
		}
		_exit(fn());
	}
	close(r[1]);
	close(g[0]);
	close(rep[1]);
	k->ready = r[0];
	k->go = g[1];
	k->report = rep[0];
}

/* Read one byte (0 at end of file) within the guard. */
static int
wait_byte(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;

	ck_assert_msg(poll(&p, 1, GUARD_MS) == 1, "child did not answer");
	return read(fd, &c, 1) == 1 ? c : 0;
}

/* Tell the child to stop (end of file on its fd 4) and reap it: its
 * exit status, or 128 + the signal that ended it. */
static int
reap(struct kid *k, int sig)
{
	int st;

	if (sig)
		kill(k->pid, sig);
	close(k->go);
	close(k->ready);
	close(k->report);
	ck_assert_int_eq(waitpid(k->pid, &st, 0), k->pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
ready(void)
{
	if (write(3, "r", 1) != 1)
		_exit(122);
}

/* Block until the test closes fd 4 (or writes a byte: 1). */
static int
await_go(void)
{
	char c;

	return read(4, &c, 1) == 1;
}

/* A tide stage: listens, says ready, serves nothing, ends on stop. */
static int
stage_main(void)
{
	struct tide_stage_srv s;

	if (tide_stage_listen(&s, NULL) < 0)
		return 1;
	ready();
	while (await_go())
		;
	tide_stage_srv_close(&s);
	return 0;
}

/* The shell's fork before its exec: waits for go, then becomes a stage. */
static int
late_stage_main(void)
{
	if (!await_go())
		return 2;
	return stage_main();
}

/* A tide program that is not listening yet: named tide-*, listens on go. */
static int
named_late_stage_main(void)
{
	prctl(PR_SET_NAME, "tide-late");
	ready();
	return late_stage_main();
}

/* A fork that never execs: holds its pipe (ready: on its fd 1) until
 * stopped. */
static int
idle_main(void)
{
	ready();
	while (await_go())
		;
	return 0;
}

static char *cat_argv[] = { "/bin/cat", NULL };
static char *sleep_argv[] = { "/bin/sleep", "600", NULL };

/* A stage writing a new pipe: its read end in *rd. */
static void
stage_into_pipe(struct kid *k, int *rd, int (*fn)(void))
{
	int p[2];

	xpipe(p);
	spawn(k, -1, p[1], fn, NULL);
	close(p[1]);
	*rd = p[0];
}

/* A foreign program reading in and writing a new pipe (read end in *rd),
 * returned once it has exec'd. */
static void
exec_into_pipe(struct kid *k, int in, int *rd, char *const argv[])
{
	int p[2];

	xpipe(p);
	spawn(k, in, p[1], NULL, argv);
	close(p[1]);
	ck_assert_int_eq(wait_byte(k->ready), 0);	/* exec'd */
	*rd = p[0];
}

static const struct tide_stage_opts quick = { 0, 200, 0, 0, NULL, NULL };

/* ---- Discovery -------------------------------------------------------- */

START_TEST(test_stage_find_the_writer_of_our_pipe)
{
	struct tide_stage_up up;
	struct tide_stage_err err;
	struct kid w;
	int rd;

	stage_into_pipe(&w, &rd, stage_main);
	ck_assert_int_eq(wait_byte(w.ready), 'r');
	ck_assert_int_eq(tide_stage_find(rd, &quick, &up, &err), 0);
	ck_assert_int_eq(up.pid, w.pid);
	ck_assert_int_eq(up.end, TIDE_STAGE_FOUND);
	ck_assert_int_ge(up.fd, 0);
	ck_assert_int_eq(up.nvia, 0);
	close(up.fd);
	close(rd);
	ck_assert_int_eq(reap(&w, 0), 0);
}
END_TEST

START_TEST(test_stage_find_through_foreign_programs)
{
	struct tide_stage_up up;
	struct kid w, c1, c2;
	int a, b, c;

	stage_into_pipe(&w, &a, stage_main);
	ck_assert_int_eq(wait_byte(w.ready), 'r');
	exec_into_pipe(&c1, a, &b, cat_argv);
	close(a);
	exec_into_pipe(&c2, b, &c, cat_argv);
	close(b);

	ck_assert_int_eq(tide_stage_find(c, &quick, &up, NULL), 0);
	ck_assert_int_eq(up.pid, w.pid);
	ck_assert_int_eq(up.end, TIDE_STAGE_FOUND);
	/* Pipeline order: the one after the stage first. */
	ck_assert_int_eq(up.nvia, 2);
	ck_assert_int_eq(up.via[0].pid, c1.pid);
	ck_assert_str_eq(up.via[0].comm, "cat");
	ck_assert_int_eq(up.via[1].pid, c2.pid);
	ck_assert_str_eq(up.via[1].comm, "cat");
	close(up.fd);

	/* One hop allowed: too far. */
	{
		struct tide_stage_opts one = quick;
		one.max_hops = 1;
		ck_assert_int_eq(tide_stage_find(c, &one, &up, NULL), 0);
		ck_assert_int_eq(up.pid, 0);
		ck_assert_int_eq(up.fd, -1);
		ck_assert_int_eq(up.end, TIDE_STAGE_TOO_FAR);
		ck_assert_int_eq(up.nvia, 1);
		ck_assert_int_eq(up.via[0].pid, c2.pid);
	}
	close(c);
	ck_assert_int_eq(reap(&w, 0), 0);
	reap(&c1, 0);
	reap(&c2, 0);
}
END_TEST

START_TEST(test_stage_find_none_without_a_tide_upstream)
{
	struct tide_stage_up up;
	struct kid s, c;
	int a, b, p[2];
	FILE *f;

	/* sleep < /dev/null | cat | us: foreign to the end. */
	exec_into_pipe(&s, -1, &a, sleep_argv);
	exec_into_pipe(&c, a, &b, cat_argv);
	close(a);
	ck_assert_int_eq(tide_stage_find(b, &quick, &up, NULL), 0);
	ck_assert_int_eq(up.pid, 0);
	ck_assert_int_eq(up.fd, -1);
	ck_assert_int_eq(up.end, TIDE_STAGE_FOREIGN_END);
	ck_assert_int_eq(up.nvia, 2);
	ck_assert_str_eq(up.via[0].comm, "sleep");
	ck_assert_int_eq(up.via[0].pid, s.pid);
	ck_assert_str_eq(up.via[1].comm, "cat");
	close(b);
	reap(&c, SIGKILL);
	reap(&s, SIGKILL);

	/* A pipe nobody else writes (we hold the write end ourselves). */
	xpipe(p);
	ck_assert_int_eq(tide_stage_find(p[0], &quick, &up, NULL), 0);
	ck_assert_int_eq(up.pid, 0);
	ck_assert_int_eq(up.end, TIDE_STAGE_NO_WRITER);
	ck_assert_int_eq(up.nvia, 0);
	close(p[1]);
	ck_assert_int_eq(tide_stage_find(p[0], &quick, &up, NULL), 0);
	ck_assert_int_eq(up.end, TIDE_STAGE_NO_WRITER);
	close(p[0]);

	/* Not a pipe: a file. */
	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(tide_stage_find(fileno(f), &quick, &up, NULL), 0);
	ck_assert_int_eq(up.end, TIDE_STAGE_NOT_PIPE);
	fclose(f);

	/* A closed fd is an error of the search. */
	ck_assert_int_eq(tide_stage_find(999, &quick, &up, NULL), TIDE_EIO);
}
END_TEST

struct hook {
	struct kid *k;
	int calls;
	int execs;	/* the kid execs: wait for that, not for 'r' */
};

static void
release_writer(void *arg, pid_t pid)
{
	struct hook *h = arg;

	ck_assert_int_eq(pid, h->k->pid);
	if (h->calls++ == 0) {
		ck_assert_int_eq(write(h->k->go, "g", 1), 1);
		ck_assert_int_eq(wait_byte(h->k->ready), h->execs ? 0 : 'r');
	}
}

START_TEST(test_stage_find_waits_for_the_shells_fork_to_exec)
{
	struct tide_stage_opts o = { 0, GUARD_MS, 0, 0, release_writer, NULL };
	struct tide_stage_up up;
	struct hook h = { NULL, 0, 0 };
	struct kid w;
	int rd;

	/* We are the shell: our fork's exe is ours until it execs. */
	o.shell = getpid();
	o.wait_arg = &h;
	h.k = &w;
	stage_into_pipe(&w, &rd, late_stage_main);
	ck_assert_int_eq(tide_stage_find(rd, &o, &up, NULL), 0);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(up.pid, w.pid);
	ck_assert_int_ge(up.fd, 0);
	close(up.fd);
	close(rd);
	ck_assert_int_eq(reap(&w, 0), 0);
}
END_TEST

/* The fork execs a foreign program: followed through it. */
static struct kid race_stage;
static int race_in;

static int
late_cat_main(void)
{
	ready();	/* the pipe is on its fd 1 */
	if (!await_go())
		return 2;
	fcntl(3, F_SETFD, FD_CLOEXEC);
	execv(cat_argv[0], cat_argv);
	return 3;
}

START_TEST(test_stage_find_follows_a_fork_that_execs_a_foreign_program)
{
	struct tide_stage_opts o = { 0, GUARD_MS, 0, 0, release_writer, NULL };
	struct tide_stage_up up;
	struct hook h = { NULL, 0, 1 };
	struct kid c;
	int rd, p[2];

	o.shell = getpid();
	o.wait_arg = &h;
	stage_into_pipe(&race_stage, &race_in, stage_main);
	ck_assert_int_eq(wait_byte(race_stage.ready), 'r');
	xpipe(p);
	spawn(&c, race_in, p[1], late_cat_main, NULL);
	close(p[1]);
	close(race_in);
	rd = p[0];
	h.k = &c;
	/* Its fds in place: seen as the writer, not missed while it moved
	 * them (that race has its own case below). */
	ck_assert_int_eq(wait_byte(c.ready), 'r');
	ck_assert_int_eq(tide_stage_find(rd, &o, &up, NULL), 0);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(up.pid, race_stage.pid);
	ck_assert_int_eq(up.nvia, 1);
	ck_assert_int_eq(up.via[0].pid, c.pid);
	ck_assert_str_eq(up.via[0].comm, "cat");
	close(up.fd);
	close(rd);
	ck_assert_int_eq(reap(&race_stage, 0), 0);
	reap(&c, 0);	/* cat ends at the stage's end of file */
}
END_TEST

START_TEST(test_stage_find_waits_for_a_tide_program_to_listen)
{
	struct tide_stage_opts o = { 0, GUARD_MS, 0, 0, release_writer, NULL };
	struct tide_stage_up up;
	struct hook h = { NULL, 0, 0 };
	struct kid w, sh;
	int rd, dummy;

	/* Make "the shell" a process whose exe is not ours, so that only
	 * the tide-* name marks the writer as about to listen. */
	exec_into_pipe(&sh, -1, &dummy, sleep_argv);
	o.shell = sh.pid;
	o.wait_arg = &h;
	h.k = &w;
	stage_into_pipe(&w, &rd, named_late_stage_main);
	ck_assert_int_eq(wait_byte(w.ready), 'r');	/* renamed */
	ck_assert_int_eq(tide_stage_find(rd, &o, &up, NULL), 0);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(up.pid, w.pid);
	close(up.fd);
	close(rd);
	close(dummy);
	ck_assert_int_eq(reap(&w, 0), 0);
	reap(&sh, SIGKILL);
}
END_TEST

START_TEST(test_stage_find_gives_up_on_a_fork_that_never_execs)
{
	struct tide_stage_opts o = { 0, 50, 0, 0, NULL, NULL };
	struct tide_stage_up up;
	struct kid w;
	int rd;

	o.shell = getpid();
	stage_into_pipe(&w, &rd, idle_main);
	ck_assert_int_eq(wait_byte(w.ready), 'r');	/* pipe on its fd 1 */
	ck_assert_int_eq(tide_stage_find(rd, &o, &up, NULL), 0);
	ck_assert_int_eq(up.pid, 0);
	ck_assert_int_eq(up.end, TIDE_STAGE_FOREIGN_END);
	ck_assert_int_eq(up.nvia, 1);
	ck_assert_int_eq(up.via[0].pid, w.pid);
	/* Without waiting at all, the same answer. */
	o.exec_wait_ms = -1;
	ck_assert_int_eq(tide_stage_find(rd, &o, &up, NULL), 0);
	ck_assert_int_eq(up.end, TIDE_STAGE_FOREIGN_END);
	close(rd);
	ck_assert_int_eq(reap(&w, 0), 0);
}
END_TEST

/*
 * The shell's fork moves the pipe onto its fd 1 (dup2, close) while the
 * search reads its fds, which it does in ascending order: it can see the
 * fork hold no end of the pipe.  Driven here by a fork that gets the pipe
 * only after the first look (over its fd 0, a socket), then listens on go.
 */
static int
handed_stage_main(void)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr h;
	} u;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;
	char c;
	int fd;

	iov.iov_base = &c;
	iov.iov_len = 1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.b;
	mh.msg_controllen = sizeof(u.b);
	if (recvmsg(0, &mh, 0) != 1 || !(cm = CMSG_FIRSTHDR(&mh)) ||
	    cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return 30;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	if (dup2(fd, 1) < 0)
		return 31;
	close(fd);
	ready();
	return late_stage_main();
}

struct handover {
	struct kid *k;
	int sock;	/* our end of the kid's fd 0 */
	int wr;		/* the pipe's write end, handed over at the first call */
	int calls;
};

static void
hand_over_then_release(void *arg, pid_t pid)
{
	struct handover *h = arg;
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr h;
	} u;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;

	ck_assert_int_eq(pid, h->k->pid);
	if (h->calls++ == 0) {
		/* Nobody held the pipe: the fork gets it onto its fd 1. */
		iov.iov_base = "p";
		iov.iov_len = 1;
		memset(&mh, 0, sizeof(mh));
		memset(&u, 0, sizeof(u));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &h->wr, sizeof(int));
		ck_assert_int_eq(sendmsg(h->sock, &mh, 0), 1);
		close(h->wr);
		h->wr = -1;
		ck_assert_int_eq(wait_byte(h->k->ready), 'r');
	} else if (h->calls == 2) {
		/* A writer now, not listening yet: let it. */
		ck_assert_int_eq(write(h->k->go, "g", 1), 1);
		ck_assert_int_eq(wait_byte(h->k->ready), 'r');
	}
}

START_TEST(test_stage_find_looks_again_while_the_shells_fork_moves_fds)
{
	struct tide_stage_opts o = { 0, GUARD_MS, 0, 0, hand_over_then_release,
	    NULL };
	struct tide_stage_up up;
	struct handover h = { NULL, -1, -1, 0 };
	struct kid k;
	int sv[2], p[2];

	o.shell = getpid();
	o.wait_arg = &h;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	spawn(&k, sv[1], -1, handed_stage_main, NULL);
	close(sv[1]);
	/* Made after the fork: the kid holds no end of it yet. */
	xpipe(p);
	h.k = &k;
	h.sock = sv[0];
	h.wr = p[1];
	ck_assert_int_eq(tide_stage_find(p[0], &o, &up, NULL), 0);
	ck_assert_int_eq(h.calls, 2);
	ck_assert_int_eq(up.pid, k.pid);
	ck_assert_int_eq(up.end, TIDE_STAGE_FOUND);
	ck_assert_int_ge(up.fd, 0);
	ck_assert_int_eq(up.nvia, 0);
	close(up.fd);
	close(p[0]);
	close(sv[0]);
	ck_assert_int_eq(reap(&k, 0), 0);
}
END_TEST

/* Bind the socket name of pid from this process. */
static int
squat(pid_t pid)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int n;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "tide.%ld",
	    (long)pid);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

START_TEST(test_stage_find_ignores_a_socket_held_by_another_process)
{
	struct tide_stage_conn c;
	struct tide_stage_err err;
	struct tide_stage_up up;
	struct kid s;
	int rd, fd;

	exec_into_pipe(&s, -1, &rd, sleep_argv);
	fd = squat(s.pid);
	ck_assert_int_eq(tide_stage_find(rd, &quick, &up, NULL), 0);
	ck_assert_int_eq(up.pid, 0);
	ck_assert_int_eq(up.end, TIDE_STAGE_FOREIGN_END);
	tide_stage_conn_init(&c);
	ck_assert_int_eq(tide_stage_connect(&c, s.pid, &err), TIDE_ENOENT);
	ck_assert_int_eq(err.pid, getpid());
	ck_assert_int_eq(c.fd, -1);
	tide_stage_conn_close(&c);
	close(fd);
	close(rd);
	reap(&s, SIGKILL);
}
END_TEST

/* ---- Messages --------------------------------------------------------- */

START_TEST(test_stage_msg_round_trips)
{
	struct tide_stage_msg m = TIDE_STAGE_MSG_INIT, n = TIDE_STAGE_MSG_INIT;
	struct tide_buf b = TIDE_BUF_INIT, b2 = TIDE_BUF_INIT;
	struct tide_stage_err err;

	m.type = TIDE_STAGE_HELLO;
	m.pid = 4244;
	strcpy(m.prog, "tide-sink");
	m.nvia = 2;
	m.via[0].pid = 4242;
	strcpy(m.via[0].comm, "jq");
	m.via[1].pid = 4243;
	strcpy(m.via[1].comm, "my prog,x/y");
	m.has_resume = 1;
	ck_assert_int_eq(tide_barrier_offs_set(&m.resume, "a b\"c", 5, 3, 7),
	    0);
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "hello 4244 tide-sink via "
	    "jq/4242,my_prog_x_y/4243 resume [[\"a b\\\"c\",3,7]]");
	ck_assert_int_eq(tide_stage_msg_parse(&n, b.data, b.len, &err), 0);
	ck_assert_int_eq(n.type, TIDE_STAGE_HELLO);
	ck_assert_int_eq(n.pid, 4244);
	ck_assert_str_eq(n.prog, "tide-sink");
	ck_assert_int_eq(n.nvia, 2);
	ck_assert_str_eq(n.via[1].comm, "my_prog_x_y");
	ck_assert_int_eq(n.via[1].pid, 4243);
	ck_assert_int_eq(n.has_resume, 1);
	ck_assert(tide_barrier_offs_get(&n.resume, "a b\"c", 5, 3) == 7);
	ck_assert_int_eq(tide_stage_msg_write(&n, &b2), 0);
	ck_assert_str_eq(tide_buf_cstr(&b2), tide_buf_cstr(&b));

	/* A stage whose own reader may say hello. */
	m.relays = 1;
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "hello 4244 tide-sink via "
	    "jq/4242,my_prog_x_y/4243 relays resume [[\"a b\\\"c\",3,7]]");
	ck_assert_int_eq(tide_stage_msg_parse(&n, b.data, b.len, &err), 0);
	ck_assert(n.relays == 1 && n.has_resume == 1 && n.nvia == 2);
	m.nvia = 0;
	m.has_resume = 0;
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "hello 4244 tide-sink relays");
	ck_assert_int_eq(tide_stage_msg_parse(&n, b.data, b.len, &err), 0);
	ck_assert(n.relays == 1 && n.has_resume == 0 && n.nvia == 0);
	/* A sink that commits the offsets in its transactions. */
	m.relays = 0;
	m.txn = 1;
	m.has_resume = 1;
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "hello 4244 tide-sink txn resume "
	    "[[\"a b\\\"c\",3,7]]");
	ck_assert_int_eq(tide_stage_msg_parse(&n, b.data, b.len, &err), 0);
	ck_assert(n.txn == 1 && n.relays == 0 && n.has_resume == 1);
	m.relays = 1;
	m.has_resume = 0;
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "hello 4244 tide-sink relays txn");
	ck_assert_int_eq(tide_stage_msg_parse(&n, b.data, b.len, &err), 0);
	ck_assert(n.txn == 1 && n.relays == 1);
	m.txn = 0;
	m.relays = 0;
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "hello 4244 tide-sink");
	ck_assert_int_eq(tide_stage_msg_parse(&n, b.data, b.len, &err), 0);
	ck_assert_int_eq(n.relays, 0);
	m.type = TIDE_STAGE_ACK;
	m.seq = 17;
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "ack 17");
	m.type = TIDE_STAGE_HOLD;
	m.until_ms = -5;
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), 0);
	ck_assert_str_eq(tide_buf_cstr(&b), "hold 17 -5");
	ck_assert_int_eq(tide_stage_msg_parse(&n, b.data, b.len, &err), 0);
	ck_assert(n.type == TIDE_STAGE_HOLD && n.seq == 17 &&
	    n.until_ms == -5);
	m.seq = -1;
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), TIDE_EINVAL);
	m.type = TIDE_STAGE_HELLO;
	strcpy(m.prog, "tide sink");
	ck_assert_int_eq(tide_stage_msg_write(&m, &b), TIDE_EINVAL);
	tide_stage_msg_release(&m);
	tide_stage_msg_release(&n);
	tide_buf_release(&b);
	tide_buf_release(&b2);
}
END_TEST

START_TEST(test_stage_msg_parse_takes_good_and_refuses_bad)
{
	static const char *good[] = {
		"hello 1 tide-window",
		"hello 2147483647 x via a/1",
		"hello 5 tide-sink via jq/4,grep/5,c++/6",
		"hello 5 tide-sink resume []",
		"hello 5 tide-sink resume [[\"t\",0,1],[\"t\",1,2]]",
		"hello 5 tide-sink via jq/4 resume [[\"t t\",0,1]]",
		"hello 5 tide-window relays",
		"hello 5 tide-window via jq/4 relays",
		"hello 5 tide-window via jq/4 relays resume []",
		"hello 5 tide-sink txn", "hello 5 tide-sink via jq/4 txn",
		"hello 5 tide-window relays txn resume []",
		"ack 0", "ack 9223372036854775807",
		"hold 3 1700000000000", "hold 3 -9223372036854775808",
		"passed 0", "passed 9223372036854775807",
	};
	static const struct {
		const char *m;
		int err;
	} bad[] = {
		{ "", TIDE_EINVAL }, { "hi", TIDE_EINVAL },
		{ "hello", TIDE_EINVAL }, { "hello ", TIDE_EINVAL },
		{ "hello 1", TIDE_EINVAL }, { "hello 0 x", TIDE_ERANGE },
		{ "hello -1 x", TIDE_EINVAL }, { "hello 01 x", TIDE_EINVAL },
		{ "hello 2147483648 x", TIDE_ERANGE },
		{ "hello 1 tide sink", TIDE_EINVAL },
		{ "hello 1 x ", TIDE_EINVAL }, { "hello 1 x via", TIDE_EINVAL },
		{ "hello 1 x via jq", TIDE_EINVAL },
		{ "hello 1 x via jq/", TIDE_EINVAL },
		{ "hello 1 x via /4", TIDE_EINVAL },
		{ "hello 1 x via jq/4,", TIDE_EINVAL },
		{ "hello 1 x via j\"q/4", TIDE_EINVAL },
		{ "hello 1 x via a/1,b/2,c/3,d/4,e/5,f/6,g/7,h/8,i/9",
		    TIDE_ETOOBIG },
		{ "hello 1 x resume", TIDE_EINVAL },
		{ "hello 1 x resume {}", TIDE_EINVAL },
		{ "hello 1 x resume [[\"t\",0,1]", TIDE_EJSON },
		{ "hello 1 x resume [] via a/1", TIDE_EJSON },
		{ "hello 1 x frobnicate", TIDE_EINVAL },
		{ "hello 1 x relays relays", TIDE_EINVAL },
		{ "hello 1 x resume [] relays", TIDE_EJSON },
		{ "hello 1 x relays ", TIDE_EINVAL },
		{ "hello 1 x txn txn", TIDE_EINVAL },
		{ "hello 1 x txn relays", TIDE_EINVAL },
		{ "hello 1 x txn ", TIDE_EINVAL },
		{ "hello 1 x resume [] txn", TIDE_EJSON },
		{ "hello 1 x TXN", TIDE_EINVAL },
		{ "ack", TIDE_EINVAL }, { "ack ", TIDE_EINVAL },
		{ "ack -1", TIDE_EINVAL }, { "ack 1 2", TIDE_EINVAL },
		{ "ack 9223372036854775808", TIDE_ERANGE },
		{ "ack 1x", TIDE_EINVAL }, { "ACK 1", TIDE_EINVAL },
		{ "hold 1", TIDE_EINVAL }, { "hold 1 2 3", TIDE_EINVAL },
		{ "hold x 2", TIDE_EINVAL }, { "hold 1 --2", TIDE_EINVAL },
		{ "passed", TIDE_EINVAL }, { "passed ", TIDE_EINVAL },
		{ "passed -1", TIDE_EINVAL }, { "passed 1 2", TIDE_EINVAL },
		{ "passed 9223372036854775808", TIDE_ERANGE },
		{ "pass 1", TIDE_EINVAL },
		{ "ack 1\n", TIDE_EINVAL },
	};
	struct tide_stage_msg m = TIDE_STAGE_MSG_INIT;
	struct tide_stage_err err;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = tide_stage_msg_parse(&m, good[i], strlen(good[i]),
		    &err);
		ck_assert_msg(r == 0, "%s: %d %s", good[i], r, err.what);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = tide_stage_msg_parse(&m, bad[i].m, strlen(bad[i].m),
		    &err);
		ck_assert_msg(r == bad[i].err, "%s: got %d, want %d",
		    bad[i].m, r, bad[i].err);
		ck_assert_msg(err.what != NULL, "%s: no reason", bad[i].m);
	}
	tide_stage_msg_release(&m);
}
END_TEST

/* ---- The control channel ---------------------------------------------- */

/* The next event of s within the guard. */
static void
next_ev(struct tide_stage_srv *s, struct tide_stage_ev *ev)
{
	struct pollfd pfd[TIDE_STAGE_MAXPEERS + 1];
	int r, n;

	while ((r = tide_stage_srv_next(s, ev, NULL)) == 0) {
		n = tide_stage_srv_pollfds(s, pfd, TIDE_STAGE_MAXPEERS + 1);
		ck_assert_msg(poll(pfd, (nfds_t)n, GUARD_MS) > 0,
		    "no event from a peer");
	}
	ck_assert_int_eq(r, 1);
}

/* Downstream child: connect to the test process, hello, ack, hold. */
static int
sink_main(void)
{
	struct tide_stage_up up;
	struct tide_stage_conn c;
	struct tide_barrier_offs resume = TIDE_BARRIER_OFFS_INIT;

	tide_stage_conn_init(&c);
	if (tide_stage_connect(&c, test_pid, NULL) < 0)
		return 10;
	memset(&up, 0, sizeof(up));
	up.nvia = 1;
	up.via[0].pid = 4242;
	strcpy(up.via[0].comm, "jq");
	tide_barrier_offs_set(&resume, "transactions", 12, 1, 877);
	if (tide_stage_hello(&c, "tide-sink", &up, &resume) < 0)
		return 11;
	if (tide_stage_hold(&c, 3, 60000) < 0 || tide_stage_ack(&c, 3) < 0 ||
	    tide_stage_ack(&c, 2) < 0 || tide_stage_hold(&c, 4, 61000) < 0)
		return 12;
	if (tide_stage_conn_events(&c) & POLLOUT)
		return 13;	/* all sent */
	ready();
	while (await_go())
		;
	tide_stage_conn_close(&c);
	tide_barrier_offs_release(&resume);
	return 0;
}

START_TEST(test_stage_channel_hello_ack_hold_round_trip)
{
	struct tide_stage_srv s;
	struct tide_stage_ev ev;
	struct kid k;

	ck_assert_int_eq(tide_stage_listen(&s, NULL), 0);
	spawn(&k, -1, -1, sink_main, NULL);
	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_PEER);
	ck_assert_int_eq(ev.pid, k.pid);
	ck_assert_int_eq(tide_stage_srv_readers(&s), 0);
	ck_assert(tide_stage_srv_acked(&s) == -1);

	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_MSG);
	ck_assert_int_eq(ev.msg->type, TIDE_STAGE_HELLO);
	ck_assert_int_eq(ev.relayed, 0);
	ck_assert_int_eq(ev.msg->pid, k.pid);
	ck_assert_str_eq(ev.msg->prog, "tide-sink");
	ck_assert_int_eq(ev.msg->nvia, 1);
	ck_assert_str_eq(ev.msg->via[0].comm, "jq");
	ck_assert_int_eq(ev.msg->has_resume, 1);
	ck_assert(tide_barrier_offs_get(&ev.msg->resume, "transactions", 12,
	    1) == 877);
	ck_assert_int_eq(tide_stage_srv_readers(&s), 1);
	ck_assert(tide_stage_srv_acked(&s) == -1);

	/* hold 3, then ack 3 (ack 2 after it is not sent), hold 4. */
	next_ev(&s, &ev);
	ck_assert(ev.type == TIDE_STAGE_EV_MSG &&
	    ev.msg->type == TIDE_STAGE_HOLD && ev.msg->seq == 3 &&
	    ev.msg->until_ms == 60000);
	next_ev(&s, &ev);
	ck_assert(ev.type == TIDE_STAGE_EV_MSG &&
	    ev.msg->type == TIDE_STAGE_ACK && ev.msg->seq == 3);
	ck_assert(tide_stage_srv_acked(&s) == 3);
	next_ev(&s, &ev);
	ck_assert(ev.type == TIDE_STAGE_EV_MSG &&
	    ev.msg->type == TIDE_STAGE_HOLD && ev.msg->seq == 4 &&
	    ev.msg->until_ms == 61000);
	ck_assert_int_eq(s.peer[0].held_seq, 4);

	ck_assert_int_eq(wait_byte(k.ready), 'r');
	close(k.go);
	k.go = open("/dev/null", O_RDONLY);
	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_GONE);
	ck_assert_int_eq(ev.pid, k.pid);
	ck_assert_int_eq(tide_stage_srv_readers(&s), 0);
	ck_assert_int_eq(reap(&k, 0), 0);
	ck_assert_int_eq(tide_stage_srv_next(&s, &ev, NULL), 0);
	tide_stage_srv_close(&s);
}
END_TEST

/* Connects and says nothing until killed. */
static int
mute_main(void)
{
	struct tide_stage_conn c;

	tide_stage_conn_init(&c);
	if (tide_stage_connect(&c, test_pid, NULL) < 0)
		return 10;
	if (tide_stage_hello(&c, "tide-window", NULL, NULL) < 0)
		return 11;
	ready();
	while (await_go())
		;
	return 0;
}

START_TEST(test_stage_channel_sees_a_peer_die)
{
	struct tide_stage_srv s;
	struct tide_stage_ev ev;
	struct kid k;

	ck_assert_int_eq(tide_stage_listen(&s, NULL), 0);
	spawn(&k, -1, -1, mute_main, NULL);
	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_PEER);
	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_MSG);
	ck_assert_int_eq(wait_byte(k.ready), 'r');
	ck_assert_int_eq(reap(&k, SIGKILL), 128 + SIGKILL);
	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_GONE);
	ck_assert_int_eq(ev.pid, k.pid);
	ck_assert_int_eq(s.npeer, 0);
	tide_stage_srv_close(&s);
}
END_TEST

START_TEST(test_stage_conn_sees_upstream_go_away)
{
	struct tide_stage_conn c;
	struct pollfd p;
	struct kid w;
	int rd;

	stage_into_pipe(&w, &rd, stage_main);
	ck_assert_int_eq(wait_byte(w.ready), 'r');
	tide_stage_conn_init(&c);
	ck_assert_int_eq(tide_stage_connect(&c, w.pid, NULL), 0);
	ck_assert_int_eq(tide_stage_hello(&c, "tide-sink", NULL, NULL), 0);
	ck_assert_int_eq(tide_stage_conn_events(&c), POLLIN);
	ck_assert_int_eq(reap(&w, 0), 0);
	p.fd = c.fd;
	p.events = tide_stage_conn_events(&c);
	ck_assert_int_eq(poll(&p, 1, GUARD_MS), 1);
	ck_assert_int_eq(tide_stage_conn_service(&c, p.revents), TIDE_EPIPE);
	ck_assert_int_eq(c.fd, -1);
	ck_assert_int_eq(tide_stage_conn_events(&c), 0);
	ck_assert_int_eq(tide_stage_ack(&c, 1), TIDE_EPIPE);
	tide_stage_conn_close(&c);
	close(rd);
	/* Nobody there at all. */
	tide_stage_conn_init(&c);
	ck_assert_int_eq(tide_stage_connect(&c, w.pid, NULL), TIDE_ENOENT);
	tide_stage_conn_close(&c);
}
END_TEST

/* Connect with a raw socket and send one message; ready when sent. */
static const char *raw_msg;

static int
raw_main(void)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0), n;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "tide.%ld",
	    (long)test_pid);
	if (connect(fd, (struct sockaddr *)&a,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0)
		return 10;
	/* A refused peer may find the socket closed already: no matter. */
	if (raw_msg)
		(void)send(fd, raw_msg, strlen(raw_msg), MSG_NOSIGNAL);
	ready();
	while (await_go())
		;
	return 0;
}

static int
nobody_main(void)
{
	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 20;
	return raw_main();
}

START_TEST(test_stage_channel_refuses_another_uid)
{
	struct tide_stage_srv s;
	struct tide_stage_ev ev;
	struct kid k;

	/* Pretend our uid is another: our own child is then a stranger. */
	ck_assert_int_eq(tide_stage_listen(&s, NULL), 0);
	s.uid = geteuid() + 1;
	raw_msg = "hello 1 x";
	spawn(&k, -1, -1, raw_main, NULL);
	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_REFUSED);
	ck_assert_int_eq(ev.pid, k.pid);
	ck_assert_int_eq(ev.uid, geteuid());
	ck_assert_str_eq(ev.why, "another user");
	ck_assert_int_eq(s.npeer, 0);
	ck_assert_int_eq(wait_byte(k.ready), 'r');
	ck_assert_int_eq(reap(&k, 0), 0);

	/* A real other uid, where we may become one. */
	if (geteuid() == 0) {
		s.uid = 0;
		spawn(&k, -1, -1, nobody_main, NULL);
		next_ev(&s, &ev);
		ck_assert_int_eq(ev.type, TIDE_STAGE_EV_REFUSED);
		ck_assert_int_eq(ev.uid, 65534);
		ck_assert_int_eq(s.npeer, 0);
		ck_assert_int_eq(wait_byte(k.ready), 'r');
		ck_assert_int_eq(reap(&k, 0), 0);
	}
	tide_stage_srv_close(&s);
}
END_TEST

START_TEST(test_stage_channel_drops_a_lying_or_broken_peer)
{
	static const struct {
		const char *msg;
		const char *why;
	} cases[] = {
		{ "hello 1 tide-sink", "hello names another pid" },
		{ "ack 3", "a message before hello" },
		{ "hello", "hello without a pid" },
		{ "nonsense", "unknown message" },
	};
	struct tide_stage_srv s;
	struct tide_stage_ev ev;
	struct kid k;
	size_t i;

	ck_assert_int_eq(tide_stage_listen(&s, NULL), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		raw_msg = cases[i].msg;
		spawn(&k, -1, -1, raw_main, NULL);
		next_ev(&s, &ev);
		ck_assert_int_eq(ev.type, TIDE_STAGE_EV_PEER);
		next_ev(&s, &ev);
		ck_assert_msg(ev.type == TIDE_STAGE_EV_BAD, "%s: %d",
		    cases[i].msg, ev.type);
		ck_assert_str_eq(ev.why, cases[i].why);
		ck_assert_int_eq(s.npeer, 0);
		ck_assert_int_eq(wait_byte(k.ready), 'r');
		ck_assert_int_eq(reap(&k, 0), 0);
	}
	tide_stage_srv_close(&s);
}
END_TEST

/* A middle stage: listens, says hello to the test process, relays. */
static int
middle_main(void)
{
	struct tide_stage_srv s;
	struct tide_stage_conn up;
	struct tide_stage_ev ev;
	struct pollfd pfd[TIDE_STAGE_MAXPEERS + 3];
	int n, r;

	if (tide_stage_listen(&s, NULL) < 0)
		return 10;
	tide_stage_conn_init(&up);
	if (tide_stage_connect(&up, test_pid, NULL) < 0 ||
	    tide_stage_hello(&up, "tide-window", NULL, NULL) < 0)
		return 11;
	ready();
	for (;;) {
		pfd[0].fd = 4;
		pfd[0].events = POLLIN;
		pfd[1].fd = up.fd;
		pfd[1].events = tide_stage_conn_events(&up);
		n = 2 + tide_stage_srv_pollfds(&s, pfd + 2,
		    TIDE_STAGE_MAXPEERS + 1);
		if (poll(pfd, (nfds_t)n, GUARD_MS) <= 0)
			return 12;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents &&
		    tide_stage_conn_service(&up, pfd[1].revents) == TIDE_EPIPE)
			return 13;
		while ((r = tide_stage_srv_next(&s, &ev, NULL)) > 0)
			if (tide_stage_relay(&up, &s, &ev) < 0 &&
			    tide_stage_flush(&up) != TIDE_EAGAIN)
				return 14;
		if (r < 0)
			return 15;
	}
	tide_stage_conn_close(&up);
	tide_stage_srv_close(&s);
	return 0;
}

static pid_t middle_pid;

/* A reader of the middle stage. */
static int
reader_main(void)
{
	struct tide_stage_conn c;

	tide_stage_conn_init(&c);
	if (tide_stage_connect(&c, middle_pid, NULL) < 0)
		return 10;
	if (tide_stage_hello(&c, "tide-sink", NULL, NULL) < 0 ||
	    tide_stage_ack(&c, 5) < 0 || tide_stage_hold(&c, 6, 1000) < 0 ||
	    tide_stage_passed(&c, 6) < 0)
		return 11;
	ready();
	while (await_go())
		;
	tide_stage_conn_close(&c);
	return 0;
}

START_TEST(test_stage_relay_forwards_what_comes_from_downstream)
{
	struct tide_stage_srv s;
	struct tide_stage_ev ev;
	struct kid m, r;

	test_pid = getpid();
	ck_assert_int_eq(tide_stage_listen(&s, NULL), 0);
	spawn(&m, -1, -1, middle_main, NULL);
	ck_assert_int_eq(wait_byte(m.ready), 'r');
	middle_pid = m.pid;
	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_PEER);
	next_ev(&s, &ev);
	ck_assert(ev.type == TIDE_STAGE_EV_MSG &&
	    ev.msg->type == TIDE_STAGE_HELLO && !ev.relayed);
	ck_assert_str_eq(ev.msg->prog, "tide-window");

	spawn(&r, -1, -1, reader_main, NULL);
	next_ev(&s, &ev);
	ck_assert(ev.type == TIDE_STAGE_EV_MSG &&
	    ev.msg->type == TIDE_STAGE_HELLO);
	ck_assert_int_eq(ev.relayed, 1);
	ck_assert_int_eq(ev.pid, m.pid);
	ck_assert_int_eq(ev.msg->pid, r.pid);
	ck_assert_str_eq(ev.msg->prog, "tide-sink");
	next_ev(&s, &ev);
	ck_assert(ev.type == TIDE_STAGE_EV_MSG &&
	    ev.msg->type == TIDE_STAGE_ACK && ev.msg->seq == 5);
	ck_assert(tide_stage_srv_acked(&s) == 5);
	next_ev(&s, &ev);
	ck_assert(ev.type == TIDE_STAGE_EV_MSG &&
	    ev.msg->type == TIDE_STAGE_HOLD && ev.msg->seq == 6 &&
	    ev.msg->until_ms == 1000);
	next_ev(&s, &ev);
	ck_assert(ev.type == TIDE_STAGE_EV_MSG &&
	    ev.msg->type == TIDE_STAGE_PASSED && ev.msg->seq == 6);
	/* The reader says ready after its hold went: reaping it before
	 * closes its ready pipe, and its write there fails (122). */
	ck_assert_int_eq(wait_byte(r.ready), 'r');
	ck_assert_int_eq(reap(&r, 0), 0);
	ck_assert_int_eq(reap(&m, 0), 0);
	next_ev(&s, &ev);
	ck_assert_int_eq(ev.type, TIDE_STAGE_EV_GONE);
	tide_stage_srv_close(&s);
}
END_TEST

static void
setup(void)
{
	test_pid = getpid();
}

Suite *suite_stage(void);

Suite *
suite_stage(void)
{
	Suite *s = suite_create("stage");
	TCase *find = tcase_create("find");
	TCase *msg = tcase_create("msg");
	TCase *chan = tcase_create("channel");

	tcase_add_checked_fixture(find, setup, NULL);
	tcase_add_checked_fixture(chan, setup, NULL);
	tcase_set_timeout(find, 30);
	tcase_set_timeout(chan, 30);
	tcase_add_test(find, test_stage_find_the_writer_of_our_pipe);
	tcase_add_test(find, test_stage_find_through_foreign_programs);
	tcase_add_test(find, test_stage_find_none_without_a_tide_upstream);
	tcase_add_test(find, test_stage_find_waits_for_the_shells_fork_to_exec);
	tcase_add_test(find,
	    test_stage_find_follows_a_fork_that_execs_a_foreign_program);
	tcase_add_test(find, test_stage_find_waits_for_a_tide_program_to_listen);
	tcase_add_test(find, test_stage_find_gives_up_on_a_fork_that_never_execs);
	tcase_add_test(find,
	    test_stage_find_looks_again_while_the_shells_fork_moves_fds);
	tcase_add_test(find,
	    test_stage_find_ignores_a_socket_held_by_another_process);
	tcase_add_test(msg, test_stage_msg_round_trips);
	tcase_add_test(msg, test_stage_msg_parse_takes_good_and_refuses_bad);
	tcase_add_test(chan, test_stage_channel_hello_ack_hold_round_trip);
	tcase_add_test(chan, test_stage_channel_sees_a_peer_die);
	tcase_add_test(chan, test_stage_conn_sees_upstream_go_away);
	tcase_add_test(chan, test_stage_channel_refuses_another_uid);
	tcase_add_test(chan, test_stage_channel_drops_a_lying_or_broken_peer);
	tcase_add_test(chan,
	    test_stage_relay_forwards_what_comes_from_downstream);
	suite_add_tcase(s, find);
	suite_add_tcase(s, msg);
	suite_add_tcase(s, chan);
	return s;
}
