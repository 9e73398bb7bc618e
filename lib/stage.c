#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "stage.h"
#include "xalloc.h"

#define MAXVISITS 32	/* foreign programs looked at in one search */

static void
seterr(struct tide_stage_err *err, const char *what, int errnum, pid_t pid)
{
	if (err) {
		err->what = what;
		err->errnum = errnum;
		err->pid = pid;
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static socklen_t
sockname(struct sockaddr_un *a, pid_t pid)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	/* Abstract: sun_path[0] is NUL, the name is not NUL-terminated. */
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "tide.%ld",
	    (long)pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
}

/* ---- Connecting ------------------------------------------------------- */

/* Connect to pid's socket: an fd, or TIDE_ENOENT (nobody listens there, or
 * somebody other than pid with our uid does), TIDE_EIO. */
static int
connect_to(pid_t pid, struct tide_stage_err *err)
{
	struct sockaddr_un a;
	struct ucred cr;
	socklen_t len = sockname(&a, pid), crlen = sizeof(cr);
	int fd;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		seterr(err, "socket", errno, pid);
		return TIDE_EIO;
	}
	if (connect(fd, (struct sockaddr *)&a, len) < 0) {
		/* ECONNREFUSED: nobody listens.  EAGAIN: a full backlog,
		 * which a stage that reads its peers never has. */
		seterr(err, "nobody listens", errno, pid);
		close(fd);
		return TIDE_ENOENT;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0) {
		seterr(err, "SO_PEERCRED", errno, pid);
		close(fd);
		return TIDE_EIO;
	}
	/* The abstract namespace is open to all: only pid itself, of our
	 * uid, counts as the stage (another pid namespace, or a squatter). */
	if (cr.pid != pid || cr.uid != geteuid()) {
		seterr(err, "the socket is held by another process", 0,
		    cr.pid);
		close(fd);
		return TIDE_ENOENT;
	}
	return fd;
}

/* ---- Discovery -------------------------------------------------------- */

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct walk {
	const struct tide_stage_opts *o;
	uid_t uid;
	pid_t sid, self, shell;
	int max_hops;
	int have_shell_exe;
	struct file_id shell_exe;
	int64_t deadline;
	int visits;
	int npath;
	struct tide_stage_foreign path[TIDE_STAGE_MAXHOPS];
	/* The first path that ended without a stage, for the caller. */
	int have_fail;
	enum tide_stage_end fail_end;
	int nfail;
	struct tide_stage_foreign fail[TIDE_STAGE_MAXHOPS];
};

static int
is_pipe_path(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISFIFO(st.st_mode))
		return 0;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 1;
}

static int
exe_id(pid_t pid, struct file_id *id)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	if (stat(path, &st) < 0)
		return 0;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 1;
}

static void
read_comm(pid_t pid, char *comm)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	comm[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, comm, TIDE_STAGE_COMMMAX - 1);
	close(fd);
	if (n <= 0)
		return;
	comm[n] = '\0';
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
}

/* Whether fd n of pid is open for writing (fdinfo's flags). */
static int
fd_writes(pid_t pid, const char *n)
{
	char path[320], buf[256], *p;
	unsigned long flags;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%s", (long)pid, n);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	if (!(p = strstr(buf, "flags:")))
		return 0;
	flags = strtoul(p + 6, NULL, 8);
	return (flags & O_ACCMODE) != O_RDONLY;
}

/* Whether pid holds a write end of the pipe id. */
static int
holds_write_end(pid_t pid, const struct file_id *id)
{
	char path[64], fpath[320];
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if (!(dir = opendir(path)))
		return 0;	/* gone, or not ours to see */
	while (!found && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(fpath, sizeof(fpath), "%s/%s", path, d->d_name);
		if (stat(fpath, &st) == 0 && S_ISFIFO(st.st_mode) &&
		    st.st_dev == id->dev && st.st_ino == id->ino &&
		    fd_writes(pid, d->d_name))
			found = 1;
	}
	closedir(dir);
	return found;
}

/* Whether pid is a fork of the shell that has not exec'd (its exe is the
 * shell's). */
static int
shell_fork(const struct walk *w, pid_t pid)
{
	struct file_id exe;

	return w->have_shell_exe && exe_id(pid, &exe) &&
	    exe.dev == w->shell_exe.dev && exe.ino == w->shell_exe.ino;
}

/* The parent of pid, or 0. */
static pid_t
parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	long ppid;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold ") ". */
	if (!(p = strrchr(buf, ')')) || sscanf(p, ") %*c %ld", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/*
 * The processes of ours (uid, session) that hold a write end of id.  In
 * *unsettled, one that holds none but is a fork of the shell that has not
 * exec'd (a child of the shell, with the shell's exe) in our process group
 * (our pipeline's), or 0.  Such a fork may be moving the pipe onto its fd 1 (dup2, close)
 * while we read its fds: /proc/PID/fd lists them in ascending order, not
 * at one instant, so an fd moving below the listing's position is missed.
 */
static int
writers(struct walk *w, const struct file_id *id, pid_t *out,
    pid_t *unsettled)
{
	char path[64];
	struct dirent *d;
	struct stat st;
	DIR *proc;
	int n = 0;

	*unsettled = 0;
	if (!(proc = opendir("/proc")))
		return -1;
	while (n < TIDE_STAGE_MAXWRITERS && (d = readdir(proc))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || pid == w->self)
			continue;
		/* The owner of /proc/PID is the process's euid: the cheap
		 * filter goes first. */
		snprintf(path, sizeof(path), "/proc/%ld", pid);
		if (stat(path, &st) < 0 || st.st_uid != w->uid)
			continue;
		if (!(w->o->flags & TIDE_STAGE_ANY_SESSION) &&
		    getsid((pid_t)pid) != w->sid)
			continue;
		if (holds_write_end((pid_t)pid, id))
			out[n++] = (pid_t)pid;
		else if (!*unsettled && shell_fork(w, (pid_t)pid) &&
		    parent_of((pid_t)pid) == w->shell &&
		    getpgid((pid_t)pid) == getpgrp())
			*unsettled = (pid_t)pid;
	}
	closedir(proc);
	return n;
}

/* A writer that may yet become a tide stage: the shell's fork before its
 * exec, or a tide program before its listen. */
static int
pending(const struct walk *w, pid_t pid)
{
	char comm[TIDE_STAGE_COMMMAX];

	if (shell_fork(w, pid))
		return 1;
	read_comm(pid, comm);
	return strncmp(comm, "tide-", 5) == 0;
}

static void
default_wait(void *arg, pid_t pid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	(void)arg;
	(void)pid;
	nanosleep(&ts, NULL);
}

static void
fail_at(struct walk *w, enum tide_stage_end end)
{
	if (w->have_fail)
		return;
	w->have_fail = 1;
	w->fail_end = end;
	w->nfail = w->npath;
	memcpy(w->fail, w->path, sizeof(w->fail));
}

/*
 * Look for a stage writing the pipe id: 1 with up->pid and up->fd set,
 * 0 when none on any path from here (fail_at() noted why), negative on
 * an error of the search itself.
 */
static int
walk(struct walk *w, const struct file_id *id, struct tide_stage_up *up,
    struct tide_stage_err *err)
{
	pid_t wr[TIDE_STAGE_MAXWRITERS], unsettled;
	struct file_id in;
	char path[64];
	int n, i, fd, any_pending;

	for (;;) {
		if ((n = writers(w, id, wr, &unsettled)) < 0) {
			fail_at(w, TIDE_STAGE_NO_PROC);
			return 0;
		}
		any_pending = 0;
		for (i = 0; i < n; i++) {
			if ((fd = connect_to(wr[i], err)) >= 0) {
				up->pid = wr[i];
				up->fd = fd;
				return 1;
			}
			if (fd != TIDE_ENOENT)
				return fd;
			if (pending(w, wr[i]))
				any_pending = 1;
		}
		/* Nobody seen, but a fork of the shell may have been moving
		 * the pipe onto its fd 1 as we looked: look again. */
		if (n == 0 && unsettled)
			any_pending = 1;
		if (!any_pending || now_ms() >= w->deadline)
			break;
		(w->o->wait ? w->o->wait : default_wait)(w->o->wait_arg,
		    n ? wr[0] : unsettled);
	}
	if (n == 0) {
		fail_at(w, TIDE_STAGE_NO_WRITER);
		return 0;
	}
	/* Foreign programs: follow their standard input in turn. */
	for (i = 0; i < n; i++) {
		int r;

		if (w->npath >= w->max_hops || w->visits >= MAXVISITS) {
			fail_at(w, TIDE_STAGE_TOO_FAR);
			return 0;
		}
		w->visits++;
		w->path[w->npath].pid = wr[i];
		read_comm(wr[i], w->path[w->npath].comm);
		w->npath++;
		snprintf(path, sizeof(path), "/proc/%ld/fd/0", (long)wr[i]);
		if (!is_pipe_path(path, &in))
			fail_at(w, TIDE_STAGE_FOREIGN_END);
		else if ((r = walk(w, &in, up, err)) != 0)
			return r;
		w->npath--;
	}
	return 0;
}

int
tide_stage_find(int fd, const struct tide_stage_opts *opts,
    struct tide_stage_up *up, struct tide_stage_err *err)
{
	static const struct tide_stage_opts defaults;
	struct walk w;
	struct file_id id;
	struct stat st;
	int64_t wait;
	int r, i;

	memset(up, 0, sizeof(*up));
	up->fd = -1;
	seterr(err, NULL, 0, 0);
	if (fstat(fd, &st) < 0) {
		seterr(err, "fstat", errno, 0);
		return TIDE_EIO;
	}
	if (!S_ISFIFO(st.st_mode)) {
		up->end = TIDE_STAGE_NOT_PIPE;
		return 0;
	}
	id.dev = st.st_dev;
	id.ino = st.st_ino;

	memset(&w, 0, sizeof(w));
	w.o = opts ? opts : &defaults;
	w.uid = geteuid();
	w.sid = getsid(0);
	w.self = getpid();
	w.max_hops = w.o->max_hops > 0 && w.o->max_hops < TIDE_STAGE_MAXHOPS ?
	    w.o->max_hops : TIDE_STAGE_MAXHOPS;
	w.shell = w.o->shell ? w.o->shell : getppid();
	w.have_shell_exe = exe_id(w.shell, &w.shell_exe);
	wait = w.o->exec_wait_ms ? w.o->exec_wait_ms : TIDE_STAGE_EXEC_WAIT_MS;
	w.deadline = now_ms() + (wait > 0 ? wait : 0);

	if ((r = walk(&w, &id, up, err)) < 0)
		return r;
	if (r == 0) {
		up->end = w.have_fail ? w.fail_end : TIDE_STAGE_NO_WRITER;
		w.npath = w.nfail;
		memcpy(w.path, w.fail, sizeof(w.path));
	} else {
		up->end = TIDE_STAGE_FOUND;
		seterr(err, NULL, 0, 0);
	}
	/* The path runs from us upstream; callers want pipeline order. */
	up->nvia = w.npath;
	for (i = 0; i < w.npath; i++)
		up->via[i] = w.path[w.npath - 1 - i];
	return 0;
}

const char *
tide_stage_end_str(enum tide_stage_end end)
{
	switch (end) {
	case TIDE_STAGE_FOUND:
		return "found a tide stage";
	case TIDE_STAGE_NOT_PIPE:
		return "standard input is not a pipe";
	case TIDE_STAGE_NO_WRITER:
		return "no process of ours writes the pipe";
	case TIDE_STAGE_FOREIGN_END:
		return "the programs upstream read no pipe";
	case TIDE_STAGE_TOO_FAR:
		return "too many programs upstream";
	case TIDE_STAGE_NO_PROC:
		return "no /proc to look in";
	}
	return "?";
}

/* ---- Messages --------------------------------------------------------- */

static int
prog_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= TIDE_STAGE_PROGMAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
	    c == '-';
}

int
tide_stage_msg_write(const struct tide_stage_msg *m, struct tide_buf *b)
{
	int r = 0, i;
	size_t k;

	tide_buf_reset(b);
	switch (m->type) {
	case TIDE_STAGE_HELLO:
		if (m->pid <= 0 || !prog_ok(m->prog, strlen(m->prog)) ||
		    m->nvia < 0 || m->nvia > TIDE_STAGE_MAXHOPS)
			return TIDE_EINVAL;
		if ((r = tide_buf_addf(b, "hello %ld %s", (long)m->pid,
		    m->prog)) < 0)
			return r;
		for (i = 0; i < m->nvia; i++) {
			const char *c = m->via[i].comm;
			size_t n = strnlen(c, TIDE_STAGE_COMMMAX - 1);

			if ((r = tide_buf_adds(b, i ? "," : " via ")) < 0)
				return r;
			if (n == 0)
				r = tide_buf_addc(b, '_');
			for (k = 0; k < n && r == 0; k++)
				r = tide_buf_addc(b, name_char(c[k]) ? c[k] :
				    '_');
			if (r < 0 || (r = tide_buf_addf(b, "/%ld",
			    (long)m->via[i].pid)) < 0)
				return r;
		}
		if (m->relays && (r = tide_buf_adds(b, " relays")) < 0)
			return r;
		if (m->txn && (r = tide_buf_adds(b, " txn")) < 0)
			return r;
		if (m->has_resume &&
		    ((r = tide_buf_adds(b, " resume ")) < 0 ||
		    (r = tide_barrier_offs_write(&m->resume, b)) < 0))
			return r;
		break;
	case TIDE_STAGE_ACK:
		if (m->seq < 0)
			return TIDE_EINVAL;
		r = tide_buf_addf(b, "ack %lld", (long long)m->seq);
		break;
	case TIDE_STAGE_HOLD:
		if (m->seq < 0)
			return TIDE_EINVAL;
		r = tide_buf_addf(b, "hold %lld %lld", (long long)m->seq,
		    (long long)m->until_ms);
		break;
	case TIDE_STAGE_PASSED:
		if (m->seq < 0)
			return TIDE_EINVAL;
		r = tide_buf_addf(b, "passed %lld", (long long)m->seq);
		break;
	default:
		return TIDE_EINVAL;
	}
	if (r < 0)
		return r;
	return b->len > TIDE_STAGE_MSGMAX ? TIDE_ETOOBIG : 0;
}

/* The next space-separated word of p[*i..n): its start and length. */
static size_t
word(const char *p, size_t n, size_t *i, const char **w)
{
	size_t s = *i;

	while (*i < n && p[*i] != ' ')
		(*i)++;
	*w = p + s;
	return *i - s;
}

/* A decimal integer, all of w[0..n): 0, TIDE_EINVAL, TIDE_ERANGE. */
static int
num(const char *w, size_t n, int neg_ok, int64_t *out)
{
	uint64_t v = 0, lim = INT64_MAX;
	size_t i = 0;
	int neg = 0;

	if (n && w[0] == '-' && neg_ok) {
		neg = 1;
		lim = (uint64_t)INT64_MAX + 1;
		i = 1;
	}
	if (i == n)
		return TIDE_EINVAL;
	if (w[i] == '0' && n - i > 1)
		return TIDE_EINVAL;	/* one way to write a number */
	for (; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return TIDE_EINVAL;
		if (v > (lim - (uint64_t)(w[i] - '0')) / 10)
			return TIDE_ERANGE;
		v = v * 10 + (uint64_t)(w[i] - '0');
	}
	*out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
	    -(int64_t)v) : (int64_t)v;
	return 0;
}

static int
bad(struct tide_stage_err *err, const char *what, int r)
{
	seterr(err, what, 0, 0);
	return r;
}

static int
pid_word(const char *w, size_t n, pid_t *pid)
{
	int64_t v;
	int r;

	if ((r = num(w, n, 0, &v)) < 0)
		return r;
	if (v <= 0 || v > INT32_MAX)
		return TIDE_ERANGE;
	*pid = (pid_t)v;
	return 0;
}

static int
parse_via(struct tide_stage_msg *m, const char *w, size_t n,
    struct tide_stage_err *err)
{
	size_t i = 0;

	while (i < n) {
		size_t s = i, slash = 0, k;
		struct tide_stage_foreign *f;
		int r;

		while (i < n && w[i] != ',')
			if (w[i++] == '/')
				slash = i;
		if (m->nvia == TIDE_STAGE_MAXHOPS)
			return bad(err, "too many programs in via",
			    TIDE_ETOOBIG);
		if (!slash || slash - 1 == s ||
		    slash - 1 - s >= TIDE_STAGE_COMMMAX)
			return bad(err, "a via item is not name/pid",
			    TIDE_EINVAL);
		f = &m->via[m->nvia];
		for (k = s; k < slash - 1; k++)
			if (!name_char(w[k]))
				return bad(err, "a via name holds a bad byte",
				    TIDE_EINVAL);
		memcpy(f->comm, w + s, slash - 1 - s);
		f->comm[slash - 1 - s] = '\0';
		if ((r = pid_word(w + slash, i - slash, &f->pid)) < 0)
			return bad(err, "a via pid is not a pid", r);
		m->nvia++;
		if (i < n && ++i == n)
			return bad(err, "via ends in a comma", TIDE_EINVAL);
	}
	return 0;
}

int
tide_stage_msg_parse(struct tide_stage_msg *m, const char *p, size_t n,
    struct tide_stage_err *err)
{
	struct tide_barrier_err berr;
	const char *w;
	size_t i = 0, k;
	int r;

	m->type = 0;
	m->seq = m->until_ms = 0;
	m->pid = 0;
	m->prog[0] = '\0';
	m->nvia = 0;
	m->has_resume = 0;
	m->relays = 0;
	m->txn = 0;
	tide_barrier_offs_reset(&m->resume);
	seterr(err, NULL, 0, 0);
	if (n > TIDE_STAGE_MSGMAX)
		return bad(err, "message too long", TIDE_ETOOBIG);
	k = word(p, n, &i, &w);
	if (k == 5 && memcmp(w, "hello", 5) == 0) {
		m->type = TIDE_STAGE_HELLO;
		if (i++ >= n)
			return bad(err, "hello without a pid", TIDE_EINVAL);
		k = word(p, n, &i, &w);
		if ((r = pid_word(w, k, &m->pid)) < 0)
			return bad(err, "hello: pid is not a pid", r);
		if (i++ >= n || (k = word(p, n, &i, &w), !prog_ok(w, k)))
			return bad(err, "hello without a program name",
			    TIDE_EINVAL);
		memcpy(m->prog, w, k);
		m->prog[k] = '\0';
		if (i < n) {
			i++;
			k = word(p, n, &i, &w);
			if (k == 3 && memcmp(w, "via", 3) == 0) {
				if (i++ >= n)
					return bad(err, "via without programs",
					    TIDE_EINVAL);
				k = word(p, n, &i, &w);
				if ((r = parse_via(m, w, k, err)) < 0)
					return r;
				if (i == n)
					return 0;
				i++;
				k = word(p, n, &i, &w);
			}
			if (k == 6 && memcmp(w, "relays", 6) == 0) {
				m->relays = 1;
				if (i == n)
					return 0;
				i++;
				k = word(p, n, &i, &w);
			}
			if (k == 3 && memcmp(w, "txn", 3) == 0) {
				m->txn = 1;
				if (i == n)
					return 0;
				i++;
				k = word(p, n, &i, &w);
			}
			if (k != 6 || memcmp(w, "resume", 6) != 0)
				return bad(err, "hello: unknown word",
				    TIDE_EINVAL);
			/* The rest: topics may hold spaces. */
			if (i++ >= n)
				return bad(err, "resume without offsets",
				    TIDE_EINVAL);
			if ((r = tide_barrier_offs_parse(&m->resume, p + i,
			    n - i, &berr)) < 0)
				return bad(err, berr.reason, r);
			m->has_resume = 1;
			i = n;
		}
		if (i != n)
			return bad(err, "hello: trailing bytes", TIDE_EINVAL);
		return 0;
	}
	if (k == 3 && memcmp(w, "ack", 3) == 0) {
		m->type = TIDE_STAGE_ACK;
		if (i++ >= n)
			return bad(err, "ack without a seq", TIDE_EINVAL);
		k = word(p, n, &i, &w);
		if ((r = num(w, k, 0, &m->seq)) < 0)
			return bad(err, "ack: seq is not a number", r);
		if (i != n)
			return bad(err, "ack: trailing bytes", TIDE_EINVAL);
		return 0;
	}
	if (k == 4 && memcmp(w, "hold", 4) == 0) {
		m->type = TIDE_STAGE_HOLD;
		if (i++ >= n)
			return bad(err, "hold without a seq", TIDE_EINVAL);
		k = word(p, n, &i, &w);
		if ((r = num(w, k, 0, &m->seq)) < 0)
			return bad(err, "hold: seq is not a number", r);
		if (i++ >= n)
			return bad(err, "hold without a time", TIDE_EINVAL);
		k = word(p, n, &i, &w);
		if ((r = num(w, k, 1, &m->until_ms)) < 0)
			return bad(err, "hold: time is not a number", r);
		if (i != n)
			return bad(err, "hold: trailing bytes", TIDE_EINVAL);
		return 0;
	}
	if (k == 6 && memcmp(w, "passed", 6) == 0) {
		m->type = TIDE_STAGE_PASSED;
		if (i++ >= n)
			return bad(err, "passed without a seq", TIDE_EINVAL);
		k = word(p, n, &i, &w);
		if ((r = num(w, k, 0, &m->seq)) < 0)
			return bad(err, "passed: seq is not a number", r);
		if (i != n)
			return bad(err, "passed: trailing bytes", TIDE_EINVAL);
		return 0;
	}
	return bad(err, "unknown message", TIDE_EINVAL);
}

void
tide_stage_msg_release(struct tide_stage_msg *m)
{
	tide_barrier_offs_release(&m->resume);
}

/* ---- Upstream side ---------------------------------------------------- */

int
tide_stage_listen(struct tide_stage_srv *s, struct tide_stage_err *err)
{
	struct sockaddr_un a;
	socklen_t len = sockname(&a, getpid());
	struct tide_stage_msg init = TIDE_STAGE_MSG_INIT;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->uid = geteuid();
	s->msg = init;
	seterr(err, NULL, 0, 0);
	s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s->fd < 0) {
		seterr(err, "socket", errno, 0);
		return TIDE_EIO;
	}
	if (bind(s->fd, (struct sockaddr *)&a, len) < 0 ||
	    listen(s->fd, TIDE_STAGE_MAXPEERS) < 0) {
		seterr(err, "bind", errno, getpid());
		close(s->fd);
		s->fd = -1;
		return TIDE_EIO;
	}
	s->rbuf = tide_xmalloc(TIDE_STAGE_MSGMAX + 1);
	return 0;
}

int
tide_stage_srv_pollfds(const struct tide_stage_srv *s, struct pollfd *pfd,
    int max)
{
	int n = 0, i;

	if (s->fd >= 0 && n < max) {
		pfd[n].fd = s->fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	for (i = 0; i < s->npeer && n < max; i++) {
		pfd[n].fd = s->peer[i].fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

static void
drop_peer(struct tide_stage_srv *s, int i)
{
	close(s->peer[i].fd);
	s->peer[i] = s->peer[--s->npeer];
}

static int
accept_peer(struct tide_stage_srv *s, struct tide_stage_ev *ev,
    struct tide_stage_err *err)
{
	struct tide_stage_peer *p;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	int fd;

	fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return 0;
		seterr(err, "accept", errno, 0);
		return TIDE_EIO;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0) {
		cr.pid = 0;
		cr.uid = (uid_t)-1;
	}
	ev->pid = cr.pid;
	ev->uid = cr.uid;
	if (cr.uid != s->uid || cr.pid <= 0 ||
	    s->npeer == TIDE_STAGE_MAXPEERS) {
		close(fd);
		ev->type = TIDE_STAGE_EV_REFUSED;
		ev->why = s->npeer == TIDE_STAGE_MAXPEERS && cr.uid == s->uid ?
		    "too many readers" : "another user";
		return 1;
	}
	p = &s->peer[s->npeer++];
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->pid = cr.pid;
	p->acked = p->held_seq = -1;
	ev->type = TIDE_STAGE_EV_PEER;
	return 1;
}

/* Take one message from peer i: 1 with ev, 0 with nothing waiting. */
static int
read_peer(struct tide_stage_srv *s, int i, struct tide_stage_ev *ev)
{
	struct tide_stage_peer *p = &s->peer[i];
	struct tide_stage_msg *m = &s->msg;
	struct tide_stage_err merr;
	ssize_t n;

	n = recv(p->fd, s->rbuf, TIDE_STAGE_MSGMAX + 1,
	    MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	ev->pid = p->pid;
	if (n <= 0) {
		/* 0: closed; ECONNRESET and the like: gone as well. */
		ev->type = TIDE_STAGE_EV_GONE;
		drop_peer(s, i);
		return 1;
	}
	if ((size_t)n > TIDE_STAGE_MSGMAX ||
	    tide_stage_msg_parse(m, s->rbuf, (size_t)n, &merr) < 0) {
		ev->type = TIDE_STAGE_EV_BAD;
		ev->why = (size_t)n > TIDE_STAGE_MSGMAX ? "message too long" :
		    merr.what;
		drop_peer(s, i);
		return 1;
	}
	ev->type = TIDE_STAGE_EV_MSG;
	ev->msg = m;
	if (!p->hello && m->type != TIDE_STAGE_HELLO) {
		ev->type = TIDE_STAGE_EV_BAD;
		ev->why = "a message before hello";
		drop_peer(s, i);
		return 1;
	}
	switch (m->type) {
	case TIDE_STAGE_HELLO:
		if (p->hello) {
			ev->relayed = 1;
			break;
		}
		if (m->pid != p->pid) {
			ev->type = TIDE_STAGE_EV_BAD;
			ev->why = "hello names another pid";
			drop_peer(s, i);
			return 1;
		}
		p->hello = 1;
		memcpy(p->prog, m->prog, sizeof(p->prog));
		break;
	case TIDE_STAGE_ACK:
		if (m->seq > p->acked)
			p->acked = m->seq;
		break;
	case TIDE_STAGE_HOLD:
		p->held_seq = m->seq;
		p->held_until = m->until_ms;
		break;
	case TIDE_STAGE_PASSED:
		/* The head times it (lib/flow); a stage relays it. */
		break;
	}
	return 1;
}

int
tide_stage_srv_next(struct tide_stage_srv *s, struct tide_stage_ev *ev,
    struct tide_stage_err *err)
{
	int i, r;

	memset(ev, 0, sizeof(*ev));
	seterr(err, NULL, 0, 0);
	if (s->fd < 0)
		return 0;
	if ((r = accept_peer(s, ev, err)) != 0)
		return r;
	for (i = 0; i < s->npeer; i++)
		if ((r = read_peer(s, i, ev)) != 0)
			return r;
	return 0;
}

int64_t
tide_stage_srv_acked(const struct tide_stage_srv *s)
{
	int64_t min = -1;
	int i, any = 0;

	for (i = 0; i < s->npeer; i++) {
		if (!s->peer[i].hello)
			continue;
		if (!any || s->peer[i].acked < min)
			min = s->peer[i].acked;
		any = 1;
	}
	return min;
}

int
tide_stage_srv_readers(const struct tide_stage_srv *s)
{
	int i, n = 0;

	for (i = 0; i < s->npeer; i++)
		n += s->peer[i].hello;
	return n;
}

void
tide_stage_srv_close(struct tide_stage_srv *s)
{
	while (s->npeer)
		drop_peer(s, s->npeer - 1);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->rbuf);
	s->rbuf = NULL;
	tide_stage_msg_release(&s->msg);
}

/* ---- Downstream side -------------------------------------------------- */

void
tide_stage_conn_init(struct tide_stage_conn *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->ack = c->hold_seq = c->passed_seq = c->acked = -1;
	for (i = 0; i <= TIDE_STAGE_MAXPEERS; i++)
		tide_buf_init(&c->hello[i], TIDE_STAGE_MSGMAX);
	tide_buf_init(&c->out, TIDE_STAGE_MSGMAX);
}

static void
conn_reset(struct tide_stage_conn *c, int fd, pid_t pid)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = fd;
	c->pid = pid;
	c->nhello = 0;
	c->ack = c->hold_seq = c->passed_seq = c->acked = -1;
}

int
tide_stage_connect(struct tide_stage_conn *c, pid_t pid,
    struct tide_stage_err *err)
{
	int fd;

	seterr(err, NULL, 0, 0);
	if ((fd = connect_to(pid, err)) < 0)
		return fd;
	conn_reset(c, fd, pid);
	return 0;
}

void
tide_stage_conn_adopt(struct tide_stage_conn *c, struct tide_stage_up *up)
{
	conn_reset(c, up->fd, up->pid);
	up->fd = -1;
}

void
tide_stage_conn_close(struct tide_stage_conn *c)
{
	int i;

	conn_reset(c, -1, 0);
	for (i = 0; i <= TIDE_STAGE_MAXPEERS; i++)
		tide_buf_release(&c->hello[i]);
	tide_buf_release(&c->out);
}

/* Send b's message: 0, TIDE_EAGAIN, TIDE_EPIPE (closed then), TIDE_EIO. */
static int
send_msg(struct tide_stage_conn *c, const struct tide_buf *b)
{
	if (send(c->fd, b->data, b->len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return TIDE_EAGAIN;
	if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN) {
		close(c->fd);
		c->fd = -1;
		return TIDE_EPIPE;
	}
	return TIDE_EIO;
}

int
tide_stage_flush(struct tide_stage_conn *c)
{
	struct tide_stage_msg m = TIDE_STAGE_MSG_INIT;
	int r;

	if (c->fd < 0)
		return TIDE_EPIPE;
	while (c->nhello) {
		struct tide_buf t;

		if ((r = send_msg(c, &c->hello[0])) < 0)
			return r;
		/* Keep the buffers: rotate the sent one to the end. */
		t = c->hello[0];
		memmove(&c->hello[0], &c->hello[1],
		    (size_t)TIDE_STAGE_MAXPEERS * sizeof(c->hello[0]));
		c->hello[TIDE_STAGE_MAXPEERS] = t;
		c->nhello--;
	}
	if (c->ack >= 0) {
		m.type = TIDE_STAGE_ACK;
		m.seq = c->ack;
		if ((r = tide_stage_msg_write(&m, &c->out)) < 0 ||
		    (r = send_msg(c, &c->out)) < 0)
			return r;
		c->ack = -1;
	}
	if (c->hold_seq >= 0) {
		m.type = TIDE_STAGE_HOLD;
		m.seq = c->hold_seq;
		m.until_ms = c->hold_until;
		if ((r = tide_stage_msg_write(&m, &c->out)) < 0 ||
		    (r = send_msg(c, &c->out)) < 0)
			return r;
		c->hold_seq = -1;
	}
	if (c->passed_seq >= 0) {
		m.type = TIDE_STAGE_PASSED;
		m.seq = c->passed_seq;
		if ((r = tide_stage_msg_write(&m, &c->out)) < 0 ||
		    (r = send_msg(c, &c->out)) < 0)
			return r;
		c->passed_seq = -1;
	}
	return 0;
}

static int
queue_hello(struct tide_stage_conn *c, const struct tide_stage_msg *m)
{
	int r;

	if (c->fd < 0)
		return TIDE_EPIPE;
	if (c->nhello > TIDE_STAGE_MAXPEERS)
		return TIDE_ETOOBIG;
	if ((r = tide_stage_msg_write(m, &c->hello[c->nhello])) < 0)
		return r;
	c->nhello++;
	return tide_stage_flush(c);
}

int
tide_stage_hello(struct tide_stage_conn *c, const char *prog,
    const struct tide_stage_up *up, const struct tide_barrier_offs *resume)
{
	return tide_stage_hello_relays(c, prog, up, resume, 0);
}

int
tide_stage_hello_relays(struct tide_stage_conn *c, const char *prog,
    const struct tide_stage_up *up, const struct tide_barrier_offs *resume,
    int relays)
{
	return tide_stage_hello_flags(c, prog, up, resume,
	    relays ? TIDE_STAGE_HELLO_RELAYS : 0);
}

int
tide_stage_hello_flags(struct tide_stage_conn *c, const char *prog,
    const struct tide_stage_up *up, const struct tide_barrier_offs *resume,
    unsigned flags)
{
	struct tide_stage_msg m = TIDE_STAGE_MSG_INIT;
	size_t n = strlen(prog);

	if (!prog_ok(prog, n))
		return TIDE_EINVAL;
	m.type = TIDE_STAGE_HELLO;
	m.pid = getpid();
	m.relays = (flags & TIDE_STAGE_HELLO_RELAYS) != 0;
	m.txn = (flags & TIDE_STAGE_HELLO_TXN) != 0;
	memcpy(m.prog, prog, n + 1);
	if (up) {
		m.nvia = up->nvia;
		memcpy(m.via, up->via, sizeof(m.via));
	}
	if (resume) {
		/* A shallow copy: msg_write only reads it. */
		m.has_resume = 1;
		m.resume = *resume;
	}
	return queue_hello(c, &m);
}

int
tide_stage_ack(struct tide_stage_conn *c, int64_t seq)
{
	if (seq < 0)
		return TIDE_EINVAL;
	if (c->fd < 0)
		return TIDE_EPIPE;
	if (seq > c->acked) {
		c->ack = c->acked = seq;
		if (c->hold_seq >= 0 && c->hold_seq <= seq)
			c->hold_seq = -1;
		if (c->passed_seq >= 0 && c->passed_seq <= seq)
			c->passed_seq = -1;
	}
	return tide_stage_flush(c);
}

int
tide_stage_hold(struct tide_stage_conn *c, int64_t seq, int64_t until_ms)
{
	if (seq < 0)
		return TIDE_EINVAL;
	if (c->fd < 0)
		return TIDE_EPIPE;
	if (seq > c->acked) {
		c->hold_seq = seq;
		c->hold_until = until_ms;
	}
	return tide_stage_flush(c);
}

int
tide_stage_passed(struct tide_stage_conn *c, int64_t seq)
{
	if (seq < 0)
		return TIDE_EINVAL;
	if (c->fd < 0)
		return TIDE_EPIPE;
	if (seq > c->acked && seq > c->passed_seq)
		c->passed_seq = seq;
	return tide_stage_flush(c);
}

short
tide_stage_conn_events(const struct tide_stage_conn *c)
{
	if (c->fd < 0)
		return 0;
	return (short)(POLLIN | (c->nhello || c->ack >= 0 ||
	    c->hold_seq >= 0 || c->passed_seq >= 0 ? POLLOUT : 0));
}

int
tide_stage_conn_service(struct tide_stage_conn *c, short revents)
{
	char b[64];
	ssize_t n;

	if (c->fd < 0)
		return TIDE_EPIPE;
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		/* Nothing comes down this way: what does is dropped, and an
		 * end of file means the upstream stage is gone. */
		while ((n = recv(c->fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
			;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)) {
			close(c->fd);
			c->fd = -1;
			return TIDE_EPIPE;
		}
	}
	return tide_stage_flush(c);
}

int
tide_stage_relay(struct tide_stage_conn *up, const struct tide_stage_srv *down,
    const struct tide_stage_ev *ev)
{
	int64_t acked;

	if (ev->type != TIDE_STAGE_EV_MSG)
		return 0;
	switch (ev->msg->type) {
	case TIDE_STAGE_HELLO:
		return queue_hello(up, ev->msg);
	case TIDE_STAGE_HOLD:
		return tide_stage_hold(up, ev->msg->seq, ev->msg->until_ms);
	case TIDE_STAGE_PASSED:
		return tide_stage_passed(up, ev->msg->seq);
	case TIDE_STAGE_ACK:
		/* What every reader has acknowledged, once it grows. */
		if ((acked = tide_stage_srv_acked(down)) >= 0 &&
		    acked > up->acked)
			return tide_stage_ack(up, acked);
		break;
	}
	return 0;
}
